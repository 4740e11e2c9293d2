"""Attributions: provider lines, photo credits, bylines, datelines and editorial notes.

Pure functions over text the site parser extracted. Names are matched against one alias
table shipped as package data (``newscrawl/data/outlets.json``) so the table can grow from
the crawl stats without touching code. Every rule here errs towards leaving text where it
was: a credit, byline or dateline that is not recognised stays in the caption or body,
where a reader still sees it, rather than being guessed away.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from newscrawl.normalize.text import fold_name

# --- the alias table ------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    aliases: dict[str, str]
    qualifiers: frozenset[str]


@cache
def _table() -> _Table:
    # Read through importlib.resources so it works from a wheel or a zipped egg.
    raw = json.loads(files("newscrawl").joinpath("data/outlets.json").read_text("utf-8"))
    aliases: dict[str, str] = {}
    for canonical, spellings in raw["outlets"].items():
        for spelling in [canonical, *spellings]:
            key = fold_name(spelling)
            if aliases.get(key, canonical) != canonical:
                raise ValueError(f"outlets.json: {spelling!r} means {aliases[key]} and {canonical}")
            aliases[key] = canonical
    qualifiers = frozenset(fold_name(q) for q in raw["credit_qualifiers"])
    return _Table(aliases, qualifiers)


def _squash(text: str) -> str:
    return " ".join(text.split())


def canonical_outlet(name: str) -> tuple[str, bool]:
    """The table's canonical name and True, or the name trimmed as printed and False."""
    canonical = _table().aliases.get(fold_name(name))
    if canonical is not None:
        return canonical, True
    return _squash(name), False


def _is_known(name: str) -> bool:
    return fold_name(name) in _table().aliases


# --- provider lines -------------------------------------------------------------------


@dataclass(frozen=True)
class Attribution:
    outlet: str | None
    partners: tuple[str, ...]
    raw: str | None
    known: bool


# The site prints "information fournie par" (often as hidden text) before the provider.
_PROVIDER_PREFIX = re.compile(r"^[\s•·|\-–—]*(?:information\s+fournie\s+par\b\s*:?)?\s*", re.I)
_AVEC = re.compile(r"\s+avec\s+", re.I)
_ET = re.compile(r"\s+et\s+|\s*,\s*", re.I)


def strip_provider_prefix(line: str) -> str:
    """A provider line without its "information fournie par" and leading separators."""
    return _PROVIDER_PREFIX.sub("", line, count=1)


def _split_if_all_known(text: str) -> list[str] | None:
    """ "A et B" / "A, B et C" as separate names, only when each is a known name.

    "et" also occurs inside real names ("Bourse et Trading"), so an unknown part means the
    whole text is one name.
    """
    parts = [p for p in _ET.split(text) if p]
    if len(parts) > 1 and all(_is_known(p) for p in parts):
        return parts
    return None


def parse_provider(raw: str | None) -> Attribution:
    """Provider line ► canonical outlet, partners named after "avec", the printed line.

    Rules, in order: a line that is itself in the table is one outlet ("Boursorama CP");
    "X avec Y" gives outlet X and partners [Y] as printed; "X et Y" (or "X, Y et Z") gives
    outlet X and partners [Y] only when every name is in the table, else it is one unknown
    name. ``known`` says whether the outlet was found in the table.
    """
    if raw is None:
        return Attribution(None, (), None, False)
    line = _squash(strip_provider_prefix(raw))
    if not line:
        return Attribution(None, (), None, False)
    if _is_known(line):
        return Attribution(canonical_outlet(line)[0], (), line, True)
    head, partners = line, []
    parts = _AVEC.split(line, maxsplit=1)
    if len(parts) == 2 and parts[0] and parts[1]:
        head = parts[0]
        partners = _split_if_all_known(parts[1]) or [parts[1]]
    else:
        names = _split_if_all_known(line)
        if names:
            head, partners = names[0], names[1:]
    outlet, known = canonical_outlet(head)
    return Attribution(outlet, tuple(_squash(p) for p in partners), line, known)


# --- names ----------------------------------------------------------------------------

_TITLE_PART = re.compile(r"[^\s]+")


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_PARTICLES = _word_set("de du des d' van von der den le la da di del della dos das ten ter")


def _looks_like_name(text: str) -> bool:
    """Every word capitalised, particles aside: "Drew ANGERER", "Hans Lucas", not "le siège"."""
    return all(
        word[0].isupper() or word.lower() in _PARTICLES or word.lower() == "via"
        for word in text.split()
    )


def title_name(name: str) -> str:
    """Words printed in capitals to title case ("CABALLERO-REYNOLDS" ► "Caballero-Reynolds").

    Words with any lower-case letter are kept as printed ("McCoy", "de", "Drew").
    """

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        return word.title() if not any(c.islower() for c in word) else word

    return _TITLE_PART.sub(fix, _squash(name))


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
    return _is_known(_VIA.split(segment, maxsplit=1)[0])


def _read_credit(inner: str, marked: bool) -> tuple[str | None, str | None] | None:
    """(agency, photographer) from a credit's text, or None when it is not a credit.

    Without a credit marker (©, "Crédit :", "Photo by") a text is a credit only if it names
    an agency of the table, so an ordinary "(Canada)" is never taken for one.
    """
    by = _PHOTO_BY.match(inner)
    if by:
        inner, marked = inner[by.end() :], True
    qualifiers = _table().qualifiers
    segments = [s for s in _SEGMENT_SPLIT.split(inner.strip()) if s]
    segments = [s for s in segments if fold_name(s) not in qualifiers]
    # Names only: a marker followed by prose ("Photo : le siège de la BCE") is no credit.
    if not segments or not all(_known_segment(s) or _looks_like_name(s) for s in segments):
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
    if not _looks_like_name(name):
        return None
    words = list(re.finditer(r"\S+", left))
    # Longest known agency made of the last one to three words before the slash.
    for count in (3, 2, 1):
        if len(words) < count:
            continue
        start = words[-count].start()
        if _is_known(left[start:]):
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
    text = _squash(caption)
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
    if not any(_is_known(part) for part in match.group("agency").split("/")):
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
_SENTENCE_STARTS = _word_set(
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
        elif caps and word.lower().replace("’", "'") in _PARTICLES:
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
        found = [_squash(m.group(0)) for m in _NOTE.finditer(paragraph)]
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
