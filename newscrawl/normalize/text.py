"""Text rules shared by the parser and the normalisers: clean-up and the three foldings.

Folding turns text into a comparison key. Each meaning has its own function, because a
heading, an outlet's name and a date phrase are compared in different ways:

- ``fold_accents``: case and accents only ("À LIRE AUSSI" -> "a lire aussi").
- ``fold_name``: also no spaces, hyphens or curly apostrophes ("France-Presse" and
  "France Presse" are one agency).
- ``fold_phrase``: accents and case, straight apostrophes and dashes, ligatures spelled
  out, single spaces; tuned for speed, it runs on every date of every page.
"""

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
# is recognised by C-speed scans: one character at a time (memchr), no regular expression.
_ODD_CHARACTERS = tuple(
    "\u00a0\u2007\u202f\u2009\u200a\u2002\u2003\u3000\t\r\f\v\u200b\u200c\u200d\u2060\ufeff&"
)
# A JSON-LD "\\ud83d" escape without its pair decodes to a lone surrogate, which no UTF-8
# writer can encode: one such headline used to fail every feed's write of the record.
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _already_clean(value: str) -> bool:
    if value[0].isspace() or value[-1].isspace() or "  " in value:
        return False
    if "\n" in value and not _line_breaks_clean(value):
        return False
    for character in _ODD_CHARACTERS:
        if character in value:
            return False
    return _is_nfc(value)


def _line_breaks_clean(value: str) -> bool:
    """No " \\n", "\\n " or "\\n\\n\\n": looked up around each break, not over the whole text."""
    # The caller checked that neither end is whitespace, so both neighbours exist.
    find = value.find
    at = find("\n")
    while at != -1:
        after = value[at + 1]
        if value[at - 1] == " " or after == " " or (after == "\n" and value[at + 2] == "\n"):
            return False
        at = find("\n", at + 1)
    return True


def _is_nfc(value: str) -> bool:
    # Below U+0100 nothing composes or reorders (no combining marks): Latin-1 text is NFC.
    if value.isascii():
        return True
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        # A lone surrogate is not clean text either, whatever NFC says of it.
        return not _SURROGATE.search(value) and unicodedata.is_normalized("NFC", value)
    return True


def clean_text(value: str | None) -> str | None:
    """Collapse spaces, decode leftover entities and trim; keep paragraph breaks ("\\n\\n").

    Returns None for None and for text that is empty once cleaned, so that "no value" is
    always null in the output and never "".
    """
    if not value:
        return None
    if _already_clean(value):
        return value
    if _SURROGATE.search(value):
        value = without_lone_surrogates(value)
    if _LEFTOVER_ENTITY.search(value):
        # Each whole entity alone: html.unescape on the text would also read "&para", "&copy"
        # or "&curren" without their ";" (a URL's "?a=1&param=2") as characters.
        value = _LEFTOVER_ENTITY.sub(_decoded_entity, value)
    value = unicodedata.normalize("NFC", value)
    value = _ZERO_WIDTH.sub("", value)
    value = _SPACE_LIKE.sub(" ", value)
    value = _SPACES_AROUND_NEWLINE.sub("\n", value)
    value = _MANY_NEWLINES.sub("\n\n", value)
    value = value.strip()
    return value or None


def _decoded_entity(entity: re.Match) -> str:
    return html.unescape(entity.group(0))


def without_lone_surrogates(value: str) -> str:
    """Join surrogate pairs into their character; a lone surrogate becomes U+FFFD."""
    # UTF-16 is the encoding surrogates belong to: "surrogatepass" writes them as they are,
    # and decoding pairs them up again, replacing what has no pair.
    return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def clean_inline(value: str | None) -> str | None:
    """Like clean_text, for one-line values (titles, names): every line break becomes a space."""
    if value is None:
        return None
    return clean_text(value.replace("\n", " "))


# --- folding ---------------------------------------------------------------------------


def fold_accents(text: str) -> str:
    """Lower case without accents, trimmed, for comparing words ("À lire" = "a lire")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


# Sites and agencies print "France-Presse", "France Presse" and "CercleFinance" alike.
_NAME_GAPS = re.compile(r"[\s\-\u2010\u2011\u2012\u2013\u2014]+")


def fold_name(name: str) -> str:
    """Matching key of a name: no case, no accents, no spaces or hyphens, straight apostrophes."""
    return _NAME_GAPS.sub("", fold_accents(name.replace("\u2019", "'")))


def _build_phrase_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for code in range(0xC0, 0x250):
        base = unicodedata.normalize("NFKD", chr(code))
        ascii_part = "".join(c for c in base if c.isascii())
        if ascii_part and ascii_part != chr(code):
            table[code] = ascii_part.lower()
    table.update({ord("œ"): "oe", ord("æ"): "ae", ord("ᵉ"): "e", ord("ʳ"): "r"})
    # Curly and modifier apostrophes: "Aujourd’hui".
    for c in "\u2019\u2018\u02bc\u00b4\u0060\u2032":
        table[ord(c)] = "'"
    for c in "\u2010\u2011\u2012\u2013\u2014\u2212":
        table[ord(c)] = "-"
    # Decomposed accents ("e" + U+0301) and zero-width characters simply vanish.
    for code in range(0x300, 0x370):
        table[code] = None
    for c in "\u200b\u200c\u200d\u2060\ufeff":
        table[ord(c)] = None
    return table


_PHRASE_TABLE = _build_phrase_table()


def fold_phrase(value: str) -> str:
    """Lower case, no accents, straight apostrophes, single spaces (nbsp included)."""
    value = value.lower()
    if not value.isascii():
        # "à", "é" and "’" are nearly all the site prints; replacing them costs a third
        # of a translate, which stays as the general case.
        value = value.replace("à", "a").replace("é", "e").replace("\u2019", "'")
        if not value.isascii():
            value = value.translate(_PHRASE_TABLE)
    return " ".join(value.split())
