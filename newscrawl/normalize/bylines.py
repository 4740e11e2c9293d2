"""Bylines ("par X et Y"), opening datelines ("PARIS (AFP) - ") and editorial notes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from newscrawl.normalize.credits import PARTICLES, title_name, word_set
from newscrawl.normalize.outlets import is_known, squash

# --- datelines ------------------------------------------------------------------------

_UPPER = "A-ZÀ-ÖØ-Þ"
_PLACE_WORD = rf"[{_UPPER}][\w'’.\-/]*"
_DATELINE = re.compile(
    rf"""^(?P<place>{_PLACE_WORD}(?:\s+{_PLACE_WORD}){{0,3}})?
    (?:\s*,\s*(?:le\s+)?\d{{1,2}}(?:er)?\s+[^\W\d_]+\.?(?:\s+\d{{4}})?)?
    \s*\((?P<agency>[^()]{{1,40}})\)\s*[-–—]+\s*""",
    re.X,
)


def _dateline_end(text: str, strict_place: bool = False) -> int | None:
    """Length of the dateline ``text`` starts with, or None.

    The agency in brackets must be in the table ("(AOF) - ", "PARIS (AFP) - "), so a
    party label such as "Marine Le Pen (RN) - " is never taken for a dateline.
    ``strict_place`` accepts only a place in capitals, for text glued after a byline.
    """
    match = _DATELINE.match(text)
    if not match:
        return None
    if not any(is_known(part) for part in match.group("agency").split("/")):
        return None
    place = match.group("place")
    if strict_place and place and any(c.islower() for c in place):
        return None
    return match.end()


def strip_dateline(text: str) -> str:
    """Text without its leading dateline ("WASHINGTON, 21 octobre (Reuters) - ")."""
    end = _dateline_end(text.lstrip())
    return text.lstrip()[end:].strip() if end is not None else text


# --- bylines --------------------------------------------------------------------------

_BYLINE_PREFIX = re.compile(r"^\s*(?:(?:r[ée]dig[ée]|[ée]crit)e?s?\s+)?par\s+", re.I)
_WORD = re.compile(r"\s*((?:[^\W\d_]\.)+|[^\W\d_][\w'’\-]*)")
_SEPARATOR = re.compile(r"\s*(?:,\s*(?:et\s+)?|et\s+)")
_AVEC_OPEN = re.compile(r"\s*\(\s*avec\s+", re.I)
_PLACE_INTRO = re.compile(r"\s*(?:à|au|aux|en|depuis)\s+")
_CLOSE = re.compile(r"\s*\)")


# Words that start a French sentence but never end a name: in a byline glued to the text
# ("par Jean Dupont et Marie Des Ukrainiens ont..."), the name stops before them. Le, La,
# De and Du are left out because they are common parts of surnames (Le Pen, La Fontaine).
_SENTENCE_STARTS = word_set(
    """les des un une ce cet cette ces il elle ils elles on nous vous je selon dans après
    avant pour depuis alors mais lors face malgré plus moins quelque quelques tous toutes
    tout sur avec en au aux si cependant pourtant ainsi enfin"""
)
_ELIDED_START = re.compile(r"^(?:[LDCSJNM]|Qu)['’]")
_GLUED_TEXT_START = re.compile(rf"[{_UPPER}\d«\"“'‘]")


def _is_capitalised(word: str) -> bool:
    return word[0].isupper() or bool(re.match(r"d['’][^\W\d_]", word) and word[2].isupper())


@dataclass
class _Name:
    # Positions of the words of one name: (start, end, is_capitalised).
    words: list[tuple[int, int, bool]]

    def text(self, source: str, units: int | None = None) -> str:
        kept, caps = [], 0
        for start, end, cap in self.words:
            if cap:
                if units is not None and caps == units:
                    break
                caps += 1
            kept.append(source[start:end])
        while kept and not _is_capitalised(kept[-1]):
            kept.pop()
        return title_name(" ".join(kept))


def _read_name(text: str, pos: int, max_caps: int | None) -> _Name | None:
    """A name at ``pos``: capitalised words, particles only between them."""
    words: list[tuple[int, int, bool]] = []
    caps = 0
    while True:
        match = _WORD.match(text, pos)
        if not match:
            break
        word = match.group(1)
        if _is_capitalised(word):
            if max_caps is not None and caps == max_caps:
                break
            caps += 1
            words.append((match.start(1), match.end(1), True))
        elif caps and word.lower().replace("’", "'") in PARTICLES:
            words.append((match.start(1), match.end(1), False))
        else:
            break
        pos = match.end()
    while words and not words[-1][2]:
        words.pop()
    return _Name(words) if words else None


def _read_places(text: str, pos: int) -> int:
    """Skip an "à Paris" after a name inside "(avec Y à Paris)"."""
    intro = _PLACE_INTRO.match(text, pos)
    if intro:
        place = _read_name(text, intro.end(), 3)
        if place:
            return place.words[-1][1]
    return pos


def _read_avec(text: str, pos: int) -> tuple[list[str], int] | None:
    """ "(avec Y à Paris)" or "(avec Y et Z)": the names and the position after ")"."""
    match = _AVEC_OPEN.match(text, pos)
    if not match:
        return None
    names, pos = [], match.end()
    while True:
        name = _read_name(text, pos, 3)
        if name is None:
            return None
        names.append(name.text(text))
        pos = _read_places(text, name.words[-1][1])
        sep = _SEPARATOR.match(text, pos)
        if sep and _read_name(text, sep.end(), 3):
            pos = sep.end()
            continue
        close = _CLOSE.match(text, pos)
        return (names, close.end()) if close else None


def _is_sentence_start(word: str) -> bool:
    return word.lower() in _SENTENCE_STARTS or bool(_ELIDED_START.match(word))


def _starts_text(text: str) -> bool:
    """What may follow a byline glued to the text: a sentence start or a dateline."""
    return bool(_GLUED_TEXT_START.match(text)) or _dateline_end(text, True) is not None


def _glued_cut(text: str, name: _Name) -> tuple[int, int] | None:
    """Where a byline glued to its text ends.

    Returns how many capitalised words the last name keeps and the offset of the text, or
    None when the words after the name do not read as the start of a sentence.
    """
    run = _read_name(text, name.words[0][0], None)
    assert run is not None  # the name itself is a run of at least one word
    caps = [(start, end) for start, end, cap in run.words if cap]

    def text_start(keep: int) -> int:
        return caps[keep][0] if keep < len(caps) else caps[-1][1]

    # A dateline right after the name marks its end exactly ("par X WASHINGTON (Reuters) -").
    for keep in range(1, min(3, len(caps)) + 1):
        if _dateline_end(text[text_start(keep) :].lstrip(), True) is not None:
            return keep, text_start(keep)
    after = text[caps[-1][1] :].lstrip()
    if not after or after[:1].islower():
        # The sentence starts inside the run of capitalised words: "Serhiy Chalyi Des
        # Ukrainiens ont ..." (at most two words of it belong to the name).
        keep = min(2, len(caps) - 1)
    elif _GLUED_TEXT_START.match(after):
        keep = min(3, len(caps))
    else:
        return None
    for index in range(1, keep):
        if _is_sentence_start(text[caps[index][0] : caps[index][1]]):
            keep = index
            break
    if keep < 1:
        return None
    # A one-word name is kept only before a word that surely starts a sentence: "par Jean
    # Dupont a été publié" is a sentence, not the byline of "Jean".
    if keep == 1 and len(caps) > 1 and not _is_sentence_start(text[caps[1][0] : caps[1][1]]):
        return None
    if not _starts_text(text[text_start(keep) :].lstrip()):
        return None
    return keep, text_start(keep)


def extract_byline(text: str) -> tuple[list[str], str]:
    """Authors of a byline opening ``text`` and the text after it.

    A byline is "par", "Rédigé par" or "Écrit par" followed by names separated by ",", "et"
    and optionally "(avec Y à Paris)", whose Y is an author too. A name is one to three
    capitalised words (particles such as de, van, von allowed between them). The byline
    may be the whole text or glued to the sentence that follows it; then the last name
    keeps at most two words when a capitalised word follows. Anything else, such as
    "Par ailleurs, ..." or "Par Bercy, il faut entendre ...", is no byline: ([], text).
    """
    prefix = _BYLINE_PREFIX.match(text)
    if not prefix:
        return [], text
    names: list[_Name] = []
    authors: list[str] = []
    pos = prefix.end()
    closed = False
    while True:
        name = _read_name(text, pos, 3)
        if name is None:
            return [], text
        names.append(name)
        pos = name.words[-1][1]
        avec = _read_avec(text, pos)
        if avec:
            authors += [n.text(text) for n in names]
            authors += avec[0]
            pos, closed = avec[1], True
            break
        sep = _SEPARATOR.match(text, pos)
        if sep and _read_name(text, sep.end(), 3):
            pos = sep.end()
            continue
        break
    if not closed:
        authors = [n.text(text) for n in names]
    rest = text[pos:].strip()
    if rest in ("", "."):
        return authors, ""
    if closed:
        return (authors, rest) if _starts_text(rest) else ([], text)
    glued = _glued_cut(text, names[-1])
    if glued is None:
        return [], text
    keep, start = glued
    authors[-1] = names[-1].text(text, keep)
    return authors, text[start:].strip()


# --- whole body -----------------------------------------------------------------------


@dataclass(frozen=True)
class CleanBody:
    paragraphs: tuple[str, ...]
    authors: tuple[str, ...]
    notes: tuple[str, ...]


# Reuters puts editorial notes in double brackets: "((Traduction automatisée par Reuters,
# ...))", "((Rédaction de Paris))". A cut-off translation note runs to the paragraph end.
_NOTE = re.compile(r"\(\(.*?\)\)|\(\(\s*Traduction automatisée.*$", re.S | re.I)
_GAP = re.compile(r"[ \t]{2,}")


def clean_body(paragraphs: list[str]) -> CleanBody:
    """Move bylines to authors and editorial notes to notes; strip the opening dateline.

    Bylines are read from the first paragraph (alone or glued to the text) and from a last
    paragraph that is only a byline. Paragraphs a removal leaves empty are dropped.
    """
    notes: list[str] = []
    kept: list[str] = []
    for paragraph in paragraphs:
        found = [squash(m.group(0)) for m in _NOTE.finditer(paragraph)]
        text = paragraph
        if found:
            notes += found
            # Only the gap a note leaves is closed: line breaks in the paragraph are kept.
            text = _GAP.sub(" ", _NOTE.sub(" ", paragraph))
        text = text.strip()
        if text:
            kept.append(text)

    authors: list[str] = []
    if kept:
        found, rest = extract_byline(kept[0])
        if found:
            authors += found
            kept[0:1] = [rest] if rest else []
    if kept:
        found, rest = extract_byline(kept[-1])
        if found and not rest:
            authors += found
            kept.pop()
    if kept:
        kept[0] = strip_dateline(kept[0])
        if not kept[0]:
            kept.pop(0)
    unique = tuple(dict.fromkeys(authors))
    return CleanBody(tuple(kept), unique, tuple(notes))
