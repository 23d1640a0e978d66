"""`fields` of the Graph edge: a comma list of AdAccount fields, with field expansion on `business`
(`business{id,name}`, `business{name}`), as docs/decisions.md decides.

The result is a tuple of field specs, each a plain field name or `business{<sub-fields>}` with `id` first: the
renderer reads them, and they key the cache of rendered nodes, so two spellings of one projection share entries.
"""

from __future__ import annotations

from collections.abc import Collection

from mockserver.errors import GraphError

EXPANSIONS = {"business": ("id", "name")}  # expandable field -> its sub-fields (a bare name gives all of them)


def parse_fields(raw: str, known: Collection[str]) -> tuple[str, ...]:
    """`raw` as sent (`name,business{name}`) -> field specs; raises GraphError 100 naming the first problem."""
    specs: dict[str, str] = {}
    for token in split_top_level(raw):
        name, expansion = token, None
        if "{" in token:
            name, _, rest = token.partition("{")
            name, expansion = name.strip(), rest[:-1] if rest.endswith("}") else None
            if expansion is None:
                raise GraphError.invalid_parameter(f"Syntax error in fields: unexpected text after '}}' in '{token}'")
        if "." in name or "(" in name or ")" in name:
            raise GraphError.invalid_parameter(
                f"Field modifiers such as .limit() are not supported in fields: '{token}'"
            )
        if name not in known:
            raise GraphError.invalid_parameter(f"Tried accessing nonexisting field ({name}) on node type (AdAccount)")
        specs[name] = name if expansion is None else expanded(name, expansion)
    return tuple(specs.values())


def expanded(name: str, expansion: str) -> str:
    """`business` + `name` -> `business{id,name}`; the bare name when every sub-field is asked for."""
    if name not in EXPANSIONS:
        raise GraphError.invalid_parameter(
            f"Field expansion ({{...}}) is only supported on {', '.join(EXPANSIONS)}, not on '{name}'"
        )
    allowed = EXPANSIONS[name]
    wanted = ["id"]
    for token in split_top_level(expansion):
        if "{" in token or "." in token or "(" in token:
            raise GraphError.invalid_parameter(
                f"Nested expansion and modifiers are not supported in fields: '{name}{{{expansion}}}'"
            )
        if token not in allowed:
            raise GraphError.invalid_parameter(f"Tried accessing nonexisting field ({token}) on node type (Business)")
        if token not in wanted:
            wanted.append(token)
    return name if len(wanted) == len(allowed) else f"{name}{{{','.join(wanted)}}}"


def split_top_level(raw: str) -> list[str]:
    """Comma-separated tokens, commas inside braces or parentheses kept; unbalanced braces are an error."""
    tokens, depth, start = [], 0, 0
    for index, char in enumerate(raw):
        if char in "{(":
            depth += 1
        elif char in "})":
            depth -= 1
            if depth < 0:
                raise GraphError.invalid_parameter(f"Syntax error in fields: unbalanced braces in '{raw}'")
        elif char == "," and depth == 0:
            tokens.append(raw[start:index].strip())
            start = index + 1
    if depth != 0:
        raise GraphError.invalid_parameter(f"Syntax error in fields: unbalanced braces in '{raw}'")
    tokens.append(raw[start:].strip())
    return tokens


def sub_fields(spec: str) -> tuple[str, tuple[str, ...]]:
    """`business{id}` -> (`business`, (`id`,)); a plain name -> (name, its sub-fields or ())."""
    name, _, rest = spec.partition("{")
    return name, tuple(rest[:-1].split(",")) if rest else EXPANSIONS.get(name, ())
