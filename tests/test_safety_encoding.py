"""Wrong or missing charsets: the stored text never has mojibake ("Ã©") or lost accents."""

from __future__ import annotations

import codecs

import pytest

from newscrawl.middlewares.encoding import repaired_encoding
from tests.support.safety import crawl
from tests.support.scripted_server import ScriptedServer, page

TEXT = "Les marchés européens reculent : déjà l’été, « Société Générale » à 100 €, cœur"


def _doc(meta: str | None) -> str:
    head = f'<meta charset="{meta}">' if meta else ""
    return f"<html><head>{head}<title>t</title></head><body><p>{TEXT}</p></body></html>"


# name: (Content-Type charset or None, <meta charset> or None, real encoding, BOM)
CASES = {
    "cp1252-bytes-declared-utf8": ("utf-8", None, "cp1252", False),
    "utf8-bytes-declared-latin1": ("iso-8859-1", None, "utf-8", False),
    "utf8-bom-declared-latin1": ("iso-8859-1", None, "utf-8", True),
    "meta-latin1-header-utf8-bytes-utf8": ("utf-8", "iso-8859-1", "utf-8", False),
    "meta-utf8-no-header-bytes-cp1252": (None, "utf-8", "cp1252", False),
    "meta-latin1-no-header-bytes-utf8": (None, "iso-8859-1", "utf-8", False),
    "nothing-declared-bytes-cp1252": (None, None, "cp1252", False),
    "nothing-declared-bytes-utf8": (None, None, "utf-8", False),
}


@pytest.fixture
def charset_site():
    with ScriptedServer() as site:
        for name, (header, meta, real, bom) in CASES.items():
            body = (codecs.BOM_UTF8 if bom else b"") + _doc(meta).encode(real)
            content_type = "text/html" + (f"; charset={header}" if header else "")
            site.routes[f"/{name}"] = page(body, headers={"Content-Type": content_type})
        yield site


def _texts(result) -> dict[str, str]:
    return {item["url"].rsplit("/", 1)[1]: item["text"] for item in result["items"]}


def _urls(site) -> str:
    return ",".join(site.url(f"/{name}") for name in CASES)


def test_every_page_is_stored_with_its_real_accents(charset_site, tmp_path):
    result = crawl(tmp_path, {"start_urls": _urls(charset_site), "follow": "0"})

    texts = _texts(result)
    assert set(texts) == set(CASES)
    for name, text in texts.items():
        assert text.strip() == TEXT, name
        assert "Ã" not in text and "\ufffd" not in text
    assert result["stats"]["newscrawl/encoding/utf_8_to_cp1252"] == 2
    assert sum(v for k, v in result["stats"].items() if k.startswith("newscrawl/encoding/")) == 5
    assert result["stats"]["newscrawl/encoding/cp1252_to_utf_8"] == 2


def test_control_without_the_repair_accents_are_garbled(charset_site, tmp_path):
    settings = {"NEWSCRAWL_CHARSET_REPAIR": "False"}
    result = crawl(tmp_path, {"start_urls": _urls(charset_site), "follow": "0"}, settings)

    garbled = {name for name, text in _texts(result).items() if text.strip() != TEXT}
    assert garbled == {
        "cp1252-bytes-declared-utf8",
        "utf8-bytes-declared-latin1",
        "meta-utf8-no-header-bytes-cp1252",
        "meta-latin1-no-header-bytes-utf8",
        "nothing-declared-bytes-cp1252",
    }


@pytest.mark.parametrize(
    ("body", "declared", "better"),
    [
        ("é".encode("cp1252"), "utf-8", "cp1252"),
        ("é".encode(), "cp1252", "utf-8"),
        ("é".encode(), "latin-1", "utf-8"),
        ("é".encode(), "utf-8", None),
        ("é".encode("cp1252"), "cp1252", None),
        (b"plain ascii", "iso-8859-1", None),
        (codecs.BOM_UTF8 + "é".encode(), "cp1252", None),  # w3lib already follows a BOM
        ("é".encode("cp1252"), "koi8-r", None),  # not a charset this can judge
        # UTF-8 with one bad byte is still UTF-8: only that byte is replaced.
        (TEXT.encode() + b"\xff", "utf-8", None),
        (b"March\xc3\xa9s " + b"\xe9" + " déjà".encode(), "utf-8", None),
        (TEXT.encode() + b"\xff", "iso-8859-1", "utf-8"),
        (TEXT.encode().replace(b"\xc3\xa9", b"\xe9", 1), "utf-8", None),
        # ... but a page of single-byte accents with one UTF-8-looking pair is not.
        (TEXT.encode("cp1252") + "é".encode(), "utf-8", "cp1252"),
        (TEXT.encode("cp1252"), "utf-8", "cp1252"),
        # A U+FFFD the page prints itself is one valid character, not a bad byte.
        ("\ufffd".encode() + "é, è, à".encode("cp1252"), "utf-8", "cp1252"),
        ("\ufffd \ufffd".encode() + "é".encode("cp1252"), "utf-8", None),
    ],
)
def test_repaired_encoding(body, declared, better):
    assert repaired_encoding(body, declared) == better


@pytest.mark.parametrize("declared", [True, False])
def test_utf8_with_one_bad_byte_is_not_decoded_as_cp1252(declared):
    body = TEXT.encode().replace(b"\xc3\xa9", b"\xe9", 1)
    assert repaired_encoding(body, "utf-8", declared) is None
    assert repaired_encoding(body, "ascii" if declared else "cp1252", declared) == "utf-8"


def test_one_bad_byte_costs_one_character_and_is_warned(tmp_path):
    # Marchés ... with the first "é" broken to a lone 0xE9 byte: only it is lost.
    body = _doc(None).encode().replace(b"\xc3\xa9", b"\xe9", 1)
    expected = TEXT.replace("é", "\ufffd", 1)
    with ScriptedServer() as site:
        for name, charset in (("header", "; charset=utf-8"), ("nothing", "")):
            site.routes[f"/{name}"] = page(body, headers={"Content-Type": "text/html" + charset})
        urls = ",".join(site.url(f"/{name}") for name in ("header", "nothing"))
        result = crawl(tmp_path, {"start_urls": urls, "follow": "0"})
    texts = _texts(result)
    assert set(texts) == {"header", "nothing"}
    assert all(text.strip() == expected for text in texts.values()), texts
    stats = result["stats"]
    assert stats["newscrawl/encoding/invalid_utf8_pages"] == 2
    assert stats["newscrawl/encoding/invalid_utf8_runs"] == 2
    assert "invalid UTF-8 byte run(s) replaced" in result["log"]
    assert not any(k.endswith("_to_cp1252") for k in stats)
