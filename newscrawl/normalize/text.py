"""Whitespace and entity clean-up shared by the parser and the text pipeline."""

from __future__ import annotations

import html
import re
import unicodedata

# Between the paragraphs of a body or a comment; clean_text keeps it, nothing else.
PARAGRAPH_BREAK = "\n\n"

# Non-breaking, thin and zero-width spaces are common in French typography ("12 000 €",
# "Otan :") and in CMS output; readers and CSV users want plain spaces.
_SPACE_LIKE = re.compile(r"[\u00a0\u2007\u202f\u2009\u200a\u2002\u2003\u3000\t\r\f\v ]+")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
_SPACES_AROUND_NEWLINE = re.compile(r" *\n *")
_MANY_NEWLINES = re.compile(r"\n{3,}")
# Double-escaped entities ("&amp;#039;") survive one round of HTML decoding.
_LEFTOVER_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# Text that is already clean (the common case: every pipeline pass after the parser's)
# is recognised by C-speed substring tests and one character-class scan.
_ODD_CHARACTER = re.compile(
    r"[\u00a0\u2007\u202f\u2009\u200a\u2002\u2003\u3000\t\r\f\v\u200b\u200c\u200d\u2060\ufeff&]"
)
_ODD_SEQUENCES = ("  ", " \n", "\n ", "\n\n\n")


def _already_clean(value: str) -> bool:
    return (
        not value[0].isspace()
        and not value[-1].isspace()
        and not any(sequence in value for sequence in _ODD_SEQUENCES)
        and not _ODD_CHARACTER.search(value)
        and unicodedata.is_normalized("NFC", value)
    )


def clean_text(value: str | None) -> str | None:
    """Collapse spaces, decode leftover entities and trim; keep paragraph breaks ("\\n\\n").

    Returns None for None and for text that is empty once cleaned, so that "no value" is
    always null in the output and never "".
    """
    if not value:
        return None
    if _already_clean(value):
        return value
    if _LEFTOVER_ENTITY.search(value):
        value = html.unescape(value)
    value = unicodedata.normalize("NFC", value)
    value = _ZERO_WIDTH.sub("", value)
    value = _SPACE_LIKE.sub(" ", value)
    value = _SPACES_AROUND_NEWLINE.sub("\n", value)
    value = _MANY_NEWLINES.sub("\n\n", value)
    value = value.strip()
    return value or None


def clean_inline(value: str | None) -> str | None:
    """Like clean_text, for one-line values (titles, names): every line break becomes a space."""
    if value is None:
        return None
    return clean_text(value.replace("\n", " "))
