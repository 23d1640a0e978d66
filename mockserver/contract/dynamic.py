"""Schema-valid values drawn with hypothesis from the contract's (OpenAPI 3.0) schemas, reproducibly by seed.

Used by the mock for `Prefer: dynamic=true` and by the example generator for edge cases. It covers the schema
keywords the contract uses; an unsupported keyword is an error rather than a silently invalid value.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.internal.conjecture.providers import AVAILABLE_PROVIDERS, Constants, HypothesisProvider

Json = dict[str, Any]
BACKEND = "mockserver-seed-only"


class SeedOnlyProvider(HypothesisProvider):
    """Hypothesis' own provider without the constants it gathers from the modules this process has loaded (a test
    suite's, say): those differ from process to process, and a drawn value must depend on the seed alone, the same
    in a test's thread, a worker and a replica."""

    @cached_property
    def _local_constants(self) -> Constants:
        return Constants()


AVAILABLE_PROVIDERS[BACKEND] = SeedOnlyProvider  # Hypothesis' documented way to register a backend
IGNORED = {"description", "example", "title", "default", "format", "nullable", "readOnly", "writeOnly"}
SUPPORTED = IGNORED | {
    "type",
    "enum",
    "properties",
    "required",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "pattern",
    "allOf",
    "additionalProperties",
}


def merge_all_of(schema: Json) -> Json:
    if "allOf" not in schema:
        return schema
    merged = {k: v for k, v in schema.items() if k != "allOf"}
    for part in schema["allOf"]:
        part = merge_all_of(part)
        for key, value in part.items():
            if key == "required":
                merged["required"] = [*merged.get("required", []), *value]
            elif key == "properties":
                merged["properties"] = {**merged.get("properties", {}), **value}
            else:
                merged.setdefault(key, value)
    return merged


def strategy(schema: Json, max_items: int = 4) -> st.SearchStrategy[Any]:
    """A hypothesis strategy for a dereferenced schema."""
    schema = merge_all_of(schema)
    unknown = {key for key in schema if not key.startswith("x-")} - SUPPORTED  # annotations say nothing of values
    if unknown:
        raise ValueError(f"unsupported schema keywords: {sorted(unknown)}")
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        return st.fixed_dictionaries(
            {name: strategy(sub, max_items) for name, sub in properties.items() if name in required},
            optional={name: strategy(sub, max_items) for name, sub in properties.items() if name not in required},
        )
    if kind == "array":
        low = schema.get("minItems", 0)
        high = max(low, min(schema.get("maxItems", max_items), max_items))
        return st.lists(
            strategy(schema.get("items", {}), max_items),
            min_size=low,
            max_size=high,
            unique=bool(schema.get("uniqueItems")),
        )
    if kind == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    if kind == "number":
        low, high = schema.get("minimum", -(10**9)), schema.get("maximum", 10**9)
        return st.integers(int(low * 100), int(high * 100)).map(lambda cents: cents / 100)
    if kind == "boolean":
        return st.booleans()
    return string_strategy(schema)


def string_strategy(schema: Json) -> st.SearchStrategy[str]:
    if schema.get("format") == "date-time":  # before `pattern`: the contract's timestamp patterns only restate it
        moments = st.datetimes(datetime(2015, 1, 1), datetime(2030, 1, 1))
        return moments.map(lambda m: m.replace(microsecond=0, tzinfo=UTC).isoformat().replace("+00:00", "Z"))
    if "pattern" in schema:
        return st.from_regex(schema["pattern"].removesuffix("$") + r"\Z", fullmatch=False).filter(
            lambda s: len(s) >= schema.get("minLength", 0)
        )
    if schema.get("format") == "uri":
        return st.from_regex(r"\Ahttps://example\.com/[a-z0-9/]{0,20}\Z")
    return st.text(min_size=schema.get("minLength", 0), max_size=schema.get("maxLength", 40))


def draw(schema: Json, seed_value: int) -> Any:
    """One value for `schema`, the same for the same seed."""
    drawn: list[Any] = []

    @seed(seed_value)
    @settings(
        database=None,
        max_examples=3,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
        backend=BACKEND,
    )
    @given(strategy(schema))
    def capture(value: Any) -> None:
        drawn.append(value)

    capture()
    return drawn[-1]
