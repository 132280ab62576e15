"""Display names and chat text: what people write that others see (pure).

One rule for a display name wherever it is set (the REST sign-in, staff
accounts, the WebSocket ``join``): the stricter of the two that existed.
A name is NFC-normalised, trimmed, with runs of spaces made one; it is
refused (``bad_value``) when it

- is empty or longer than :data:`MAX_NAME_CHARS` characters;
- holds a control or format character: line breaks, tabs, zero-width
  characters, bidi marks, embeddings, overrides and isolates (a right-to-left
  override turns "Budi" into a name that reads differently to everyone else);
- holds 8 or more digits once spaces, punctuation and symbols are taken out
  (a NIK or a phone number: personal data that would travel in tokens and
  snapshots to everyone nearby).

Chat text is not refused for such characters but neutralised
(:func:`clean_chat_text`): control characters other than the line feed and the
bidi controls are removed, so a line cannot reorder the text of the chat
around it or hide what it says. Zero-width joiners (U+200C, U+200D) stay: emoji
sequences and several scripts need them.
"""

from __future__ import annotations

import re
import unicodedata

from hall_server.errors import InvalidInput

MAX_NAME_CHARS = 40

#: Runs of spaces (Unicode's too, e.g. no-break space), made one ordinary space.
_SPACES = re.compile("[ \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
#: Eight or more digits in a row, once separators are taken out.
_LONG_NUMBER = re.compile(r"\d{8,}")
#: Categories refused in a name: controls, formats (zero-width, bidi), surrogates,
#: private use, unassigned, line and paragraph separators.
_NAME_REFUSED = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
#: Categories taken out before looking for a long number: punctuation, symbols, spaces.
_SEPARATORS = ("P", "S", "Z")

#: Bidi controls: marks, embeddings, overrides, isolates (Unicode UAX #9).
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: Format characters chat keeps: the zero-width non-joiner and joiner.
_CHAT_KEPT_FORMATS = frozenset("\u200c\u200d")


def check_display_name(raw: object) -> str:
    """The display name to use for ``raw``, or InvalidInput (bad_type, bad_value)."""
    if not isinstance(raw, str):
        raise InvalidInput("display_name must be a string", code="bad_type")
    name = _SPACES.sub(" ", unicodedata.normalize("NFC", raw)).strip()
    if not name:
        raise InvalidInput("display name is empty", code="bad_value")
    if len(name) > MAX_NAME_CHARS:
        raise InvalidInput(
            f"display name is longer than {MAX_NAME_CHARS} characters", code="bad_value"
        )
    if any(unicodedata.category(ch) in _NAME_REFUSED for ch in name):
        raise InvalidInput(
            "display name must not contain control, zero-width or bidi characters or line breaks",
            code="bad_value",
        )
    digits_only = "".join(ch for ch in name if not unicodedata.category(ch).startswith(_SEPARATORS))
    if _LONG_NUMBER.search(digits_only):
        raise InvalidInput(
            "display name must not contain an identity or phone number", code="bad_value"
        )
    return name


def clean_chat_text(text: str) -> str:
    """Chat text with control characters (but the line feed) and bidi controls
    removed, and other format characters but the zero-width joiners; trimmed."""
    if text.isprintable() and text.isascii():
        return text.strip()  # nearly every line: nothing to look at
    kept = []
    for ch in text.replace("\r\n", "\n"):
        if ch == "\n":
            kept.append(ch)
            continue
        category = unicodedata.category(ch)
        if category == "Cc" or ch in _BIDI:
            continue
        if category == "Cf" and ch not in _CHAT_KEPT_FORMATS:
            continue
        kept.append(ch)
    return "".join(kept).strip()
