"""Photo credits ("( AFP / FRANCOIS WALSCHAERTS )") and the names they print in capitals."""

from __future__ import annotations

import re
from dataclasses import dataclass

from newscrawl.normalize.outlets import canonical_outlet, credit_qualifiers, is_known, squash
from newscrawl.normalize.text import fold_name

# --- names ----------------------------------------------------------------------------

_TITLE_PART = re.compile(r"[^\s]+")


def word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


PARTICLES = word_set("de du des d' van von der den le la da di del della dos das ten ter")


def looks_like_name(text: str) -> bool:
    """Every word capitalised, particles aside: "Drew ANGERER", "Hans Lucas", not "le siège"."""
    return all(
        word[0].isupper() or word.lower() in PARTICLES or word.lower() == "via"
        for word in text.split()
    )


def title_name(name: str) -> str:
    """Words printed in capitals to title case ("CABALLERO-REYNOLDS" ► "Caballero-Reynolds").

    Words with any lower-case letter are kept as printed ("McCoy", "de", "Drew").
    """

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        return word.title() if not any(c.islower() for c in word) else word

    return _TITLE_PART.sub(fix, squash(name))


# --- photo credits --------------------------------------------------------------------


@dataclass(frozen=True)
class Credit:
    caption: str | None
    credit_raw: str | None
    agency: str | None
    photographer: str | None


_MARKER = r"(?:©|\(c\)|copyright\b|cr[ée]dits?(?:\s+photos?)?\s*:|photos?\s*:)"
# The credit a caption ends with, in parentheses: "( AFP / X )", "(Crédit : Getty Images)".
_PAREN_CREDIT = re.compile(r"\((?P<inner>[^()]*)\)\s*(?P<dot>\.?)\s*$")
# An unbracketed credit running to the end: "© Reuters", "Crédit photo : AFP / X".
_MARKED_CREDIT = re.compile(
    rf"(?:^|(?<=[\s.,;:]))(?P<raw>{_MARKER}\s*(?P<inner>[^()©]+?))\s*$", re.I
)
_LEADING_MARKER = re.compile(rf"^\s*{_MARKER}\s*", re.I)
_PHOTO_BY = re.compile(r"^\s*photo\s+(?:by|par)\s+", re.I)
_SEGMENT_SPLIT = re.compile(r"\s*/\s*|\s+[-–—]\s+")
_VIA = re.compile(r"\s+via\s+", re.I)
# Left over between a caption and its credit: "Texte - © Reuters", "Texte | AFP/X".
_CAPTION_TAIL = re.compile(r"[\s\-–—|/,:;]+$")
_NOT_IN_A_NAME = re.compile(r"[!?;:(),\d]")


def _agency_of(segment: str) -> str:
    # "Getty Images via AFP": the picture is Getty's, AFP only distributes it.
    return canonical_outlet(_VIA.split(segment, maxsplit=1)[0])[0]


def _known_segment(segment: str) -> bool:
    return is_known(_VIA.split(segment, maxsplit=1)[0])


def _read_credit(inner: str, marked: bool) -> tuple[str | None, str | None] | None:
    """(agency, photographer) from a credit's text, or None when it is not a credit.

    Without a credit marker (©, "Crédit :", "Photo by") a text is a credit only if it names
    an agency of the table, so an ordinary "(Canada)" is never taken for one.
    """
    by = _PHOTO_BY.match(inner)
    if by:
        inner, marked = inner[by.end() :], True
    qualifiers = credit_qualifiers()
    segments = [s for s in _SEGMENT_SPLIT.split(inner.strip()) if s]
    segments = [s for s in segments if fold_name(s) not in qualifiers]
    # Names only: a marker followed by prose ("Photo : le siège de la BCE") is no credit.
    if not segments or not all(_known_segment(s) or looks_like_name(s) for s in segments):
        return None
    if by:
        agency = _agency_of(segments[-1]) if len(segments) > 1 else None
        return agency, title_name(segments[0])
    first, last = segments[0], segments[-1]
    photographer = title_name(last) if len(segments) > 1 else None
    if _known_segment(first) or (marked and not _known_segment(last)):
        return _agency_of(first), photographer
    if len(segments) > 1 and _known_segment(last):
        return _agency_of(last), title_name(first)
    return None


def _bare_slash_credit(caption: str) -> tuple[int, str, str] | None:
    """A trailing "Reuters/Ivanov": start offset, agency, photographer; known agencies only."""
    left, sep, right = caption.rpartition("/")
    name = right.strip()
    if not sep or not name or _NOT_IN_A_NAME.search(name) or len(name.split()) > 4:
        return None
    if not looks_like_name(name):
        return None
    words = list(re.finditer(r"\S+", left))
    # Longest known agency made of the last one to three words before the slash.
    for count in (3, 2, 1):
        if len(words) < count:
            continue
        start = words[-count].start()
        if is_known(left[start:]):
            return start, canonical_outlet(left[start:])[0], title_name(name)
    return None


def _rest_of_caption(text: str) -> str | None:
    return _CAPTION_TAIL.sub("", text).strip() or None


def split_credit(caption: str | None) -> Credit:
    """Separate the photo credit a caption ends with from the caption itself.

    Only a credit at the end of the caption is read (where Boursorama's captions put it).
    A caption that is only a credit gives caption None; without a credit the caption comes
    back with its spaces tidied and nothing else changed.
    """
    if caption is None:
        return Credit(None, None, None, None)
    text = squash(caption)
    if not text:
        return Credit(None, None, None, None)

    paren = _PAREN_CREDIT.search(text)
    if paren:
        inner = paren.group("inner")
        marker = _LEADING_MARKER.match(inner)
        found = _read_credit(inner[marker.end() :] if marker else inner, bool(marker))
        if found:
            raw = text[paren.start() : paren.end("inner") + 1]
            rest = _rest_of_caption(text[: paren.start()])
            if rest is not None and paren.group("dot") and not rest.endswith((".", "!", "?")):
                rest += "."
            return Credit(rest, raw, *found)

    marked = _MARKED_CREDIT.search(text)
    if marked:
        found = _read_credit(marked.group("inner"), True)
        if found:
            rest = _rest_of_caption(text[: marked.start("raw")])
            return Credit(rest, marked.group("raw"), *found)

    bare = _bare_slash_credit(text)
    if bare:
        start, agency, photographer = bare
        return Credit(_rest_of_caption(text[:start]), text[start:], agency, photographer)
    return Credit(text, None, None, None)
