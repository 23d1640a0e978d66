"""The `Prefer` header: a request asking for a documented response, latency, or both, instead of its behaviour.

A `Directive` is what is asked for, from the header or from a scenario rule that fires (`mockserver.state.scenarios`);
`choose` finds the documented response it names, or says what is documented.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mockserver.contract.spec import Contract, Example

PREFER_KEYS = ("code", "example", "dynamic", "delay")
MAX_DELAY_MS = 60_000


class PreferenceError(Exception):
    """A `Prefer` header (or rule) asks for something the contract does not document."""


@dataclass
class Directive:
    """What a request is asked to get instead of its behaviour: a documented response, latency, or both."""

    status: int | None = None
    example: str | None = None
    dynamic: bool = False
    delay_ms: float = 0.0
    source: str = "prefer"

    @property
    def forces(self) -> bool:
        return self.status is not None or self.example is not None or self.dynamic


def parse_prefer(header: str) -> Directive:
    """`Prefer: code=429, example=rate_limit_error, dynamic=true, delay=250` (Prism's spelling, plus delay)."""
    directive = Directive()
    for token in filter(None, (t.strip() for t in re.split(r"[,;]", header))):
        key, sep, value = (part.strip() for part in token.partition("="))
        key = key.lower()
        if not sep or key not in PREFER_KEYS:
            raise PreferenceError(
                f"Unsupported Prefer preference '{token}'; allowed: code=, example=, dynamic=, delay="
            )
        value = value.strip('"')
        if key == "code":
            if not value.isdigit() or not 100 <= int(value) <= 599:
                raise PreferenceError(f"Prefer code must be an HTTP status code, got '{value}'")
            directive.status = int(value)
        elif key == "example":
            directive.example = value
        elif key == "dynamic":
            if value.lower() not in ("true", "false"):
                raise PreferenceError(f"Prefer dynamic must be true or false, got '{value}'")
            directive.dynamic = value.lower() == "true"
        else:
            if not value.isdigit() or int(value) > MAX_DELAY_MS:
                raise PreferenceError(f"Prefer delay must be milliseconds between 0 and {MAX_DELAY_MS}, got '{value}'")
            directive.delay_ms = float(value)
    return directive


def choose(contract: Contract, operation_id: str, directive: Directive) -> Example:
    """The documented response a directive asks for; PreferenceError naming what is documented otherwise."""
    examples = contract.examples(operation_id)
    if directive.example is not None:
        example = examples.get(directive.example)
        if example is None:
            raise PreferenceError(
                f"No example '{directive.example}' for {operation_id}; documented: {', '.join(examples)}"
            )
        if directive.status is not None and directive.status != example.status:
            raise PreferenceError(
                f"Example '{directive.example}' is a {example.status} response, not {directive.status}"
            )
        return example
    status = directive.status or min(int(s) for s in contract.responses(operation_id) if s.startswith("2"))
    for example in examples.values():
        if example.status == status:
            return example
    documented = ", ".join(sorted(contract.responses(operation_id)))
    raise PreferenceError(f"Status {status} is not documented for {operation_id}; documented: {documented}")
