"""Whether a header value carries a text as faithfully as an HTTP header can.

A header field value holds visible ASCII, spaces and tabs (RFC 9110 section 5.5); anything else (a non-ASCII
character, a control character) is what HTTP stacks replace, each in their own way: `?` (one per character or per
UTF-8 byte), a space, U+FFFD, a backslash escape (`\\xe9`, `\\u00e9`, `\\n`), the UTF-8 bytes read as Latin-1, or
nothing at all. A long value may also be cut, but only past `TRUNCATION_BOUND` characters of the text (the bound
openapi.yaml's `WwwAuthenticate` header documents). Everything a header *can* carry must come through unchanged.
"""

from __future__ import annotations

import unicodedata

TRUNCATION_BOUND = 1024  # characters of the text that a header must carry before it may be cut
CUT_MARKERS = ("", "...", "\u2026")  # what may end a cut text


def carryable(char: str) -> bool:
    """Visible ASCII or a space: what any header carries unchanged."""
    return " " <= char <= "~"


def replacements(char: str) -> set[str]:
    """Every standard spelling of `char` in a header value (the character itself included)."""
    if carryable(char):
        return {char, "\\\\"} if char == "\\" else {char}  # a quoted-string may escape a backslash
    utf8 = char.encode("utf-8")
    code = ord(char)
    forms = {char, "", " ", utf8.decode("latin-1"), f"\\u{code:04x}", f"\\u{code:04X}", f"\\U{code:08x}"}
    forms |= {"?" * n for n in (1, len(utf8))} | {"\ufffd" * n for n in (1, len(utf8))}
    forms.add("".join(f"\\x{byte:02x}" for byte in utf8))
    forms.add("".join(f"\\x{byte:02X}" for byte in utf8))
    if code < 0x100:
        forms |= {f"\\x{code:02x}", f"\\x{code:02X}"}
    forms |= {repr(char)[1:-1]}  # Python's own escapes: \n, \t, \x00
    name = unicodedata.name(char, "")
    if name:
        forms.add(f"\\N{{{name}}}")
    decomposed = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
    if decomposed:
        forms.add(decomposed)  # é -> e: transliteration
    return forms


def carries(value: str, text: str) -> bool:
    """Whether header `value` is `text` as a header may carry it: standard replacements, or cut past the bound."""
    positions = {0}  # where in `value` a faithful rendering of text[:i] can end
    for index, char in enumerate(text):
        if index >= TRUNCATION_BOUND and any(value[p:] in CUT_MARKERS for p in positions):
            return True
        forms = replacements(char)
        positions = {p + len(form) for p in positions for form in forms if value.startswith(form, p)}
        if not positions:
            return False
    return len(value) in positions
