"""Attribution rules: provider lines, photo credits, bylines, datelines, editorial notes.

Each table row is a text as the site prints it and the exact result expected from it.
"""

from __future__ import annotations

import json

import pytest

from newscrawl.normalize import outlets
from newscrawl.normalize.bylines import CleanBody, clean_body, extract_byline, strip_dateline
from newscrawl.normalize.credits import Credit, split_credit, title_name
from newscrawl.normalize.outlets import Attribution, canonical_outlet, parse_provider

REUTERS_FOOTER = (
    "((Traduction automatisée par Reuters, veuillez consulter la clause de "
    "non-responsabilité https://bit.ly/rtrsauto))"
)

# --- provider lines -------------------------------------------------------------------

PROVIDERS = [
    # (as printed, outlet, partners, raw, known)
    (
        "information fournie par Boursorama avec Media Services",
        "Boursorama",
        ("Media Services",),
        "Boursorama avec Media Services",
        True,
    ),
    (
        "Boursorama avec AFP Services",
        "Boursorama",
        ("AFP Services",),
        "Boursorama avec AFP Services",
        True,
    ),
    ("information fournie par AFP", "AFP", (), "AFP", True),
    ("Agence France-Presse", "AFP", (), "Agence France-Presse", True),
    ("agence france presse", "AFP", (), "agence france presse", True),
    ("AFP Services", "AFP", (), "AFP Services", True),
    ("Information fournie par Reuters", "Reuters", (), "Reuters", True),
    ("AOF", "AOF", (), "AOF", True),
    ("CercleFinance.com", "Cercle Finance", (), "CercleFinance.com", True),
    ("  Cercle   Finance ", "Cercle Finance", (), "Cercle Finance", True),
    ("Boursorama CP", "Boursorama CP", (), "Boursorama CP", True),
    ("EuroLand Corporate", "EuroLand Corporate", (), "EuroLand Corporate", True),
    ("LES ÉCHOS", "Les Echos", (), "LES ÉCHOS", True),
    ("Zonebourse", "Zonebourse", (), "Zonebourse", True),
    ("• Investir", "Investir", (), "Investir", True),
    ("Le Revenu", "Le Revenu", (), "Le Revenu", True),
    ("Capital", "Capital", (), "Capital", True),
    # "X et Y" splits only when both names are in the table ...
    ("AOF et Cercle Finance", "AOF", ("Cercle Finance",), "AOF et Cercle Finance", True),
    ("Reuters, AFP et AOF", "Reuters", ("AFP", "AOF"), "Reuters, AFP et AOF", True),
    # ... else it is one name (a video programme, a new outlet): passed through, unknown.
    ("Bourse et Trading", "Bourse et Trading", (), "Bourse et Trading", False),
    ("information fournie par  Le Club  Bourse ", "Le Club Bourse", (), "Le Club Bourse", False),
    ("Nouveau Média avec AFP", "Nouveau Média", ("AFP",), "Nouveau Média avec AFP", False),
    (None, None, (), None, False),
    ("information fournie par", None, (), None, False),
]


@pytest.mark.parametrize(("printed", "outlet", "partners", "raw", "known"), PROVIDERS)
def test_parse_provider(printed, outlet, partners, raw, known):
    assert parse_provider(printed) == Attribution(outlet, partners, raw, known)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Agence France-Presse", ("AFP", True)),
        ("AGENCE FRANCE PRESSE", ("AFP", True)),
        ("Cercle  Finance", ("Cercle Finance", True)),
        ("Les Échos", ("Les Echos", True)),
        ("Getty Images", ("Getty Images", True)),
        ("  Une  Agence Inconnue ", ("Une Agence Inconnue", False)),
    ],
)
def test_canonical_outlet(name, expected):
    assert canonical_outlet(name) == expected


def test_alias_table_names_its_canonical_names_as_themselves():
    table = json.loads(outlets.files("newscrawl").joinpath("data/outlets.json").read_text("utf-8"))
    for canonical, spellings in table["outlets"].items():
        assert canonical_outlet(canonical) == (canonical, True)
        for spelling in spellings:
            assert canonical_outlet(spelling) == (canonical, True), spelling


def test_alias_table_refuses_one_spelling_for_two_outlets(monkeypatch, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "outlets.json").write_text(
        json.dumps({"outlets": {"AFP": ["Agence"], "AOF": ["AGENCE"]}, "credit_qualifiers": []}),
        "utf-8",
    )
    monkeypatch.setattr(outlets, "files", lambda package: tmp_path)
    with pytest.raises(ValueError, match="AGENCE"):
        outlets._table.__wrapped__()


# --- photo credits --------------------------------------------------------------------

CREDITS = [
    # (caption as printed, caption, credit_raw, agency, photographer)
    (
        "Mark Rutte à Bruxelles, en Belgique, le 18 octobre 2024. ( AFP / FRANCOIS WALSCHAERTS )",
        "Mark Rutte à Bruxelles, en Belgique, le 18 octobre 2024.",
        "( AFP / FRANCOIS WALSCHAERTS )",
        "AFP",
        "Francois Walschaerts",
    ),
    (
        "Donald Trump à Anchorage, le 15 août 2025 ( AFP / ANDREW CABALLERO-REYNOLDS )",
        "Donald Trump à Anchorage, le 15 août 2025",
        "( AFP / ANDREW CABALLERO-REYNOLDS )",
        "AFP",
        "Andrew Caballero-Reynolds",
    ),
    (
        "Des passagers à Montréal (Canada) le 16 août 2025 ( AFP / ANDREJ IVANOV )",
        "Des passagers à Montréal (Canada) le 16 août 2025",
        "( AFP / ANDREJ IVANOV )",
        "AFP",
        "Andrej Ivanov",
    ),
    (
        "Donald Trump à Anchorage ( AFP / Drew ANGERER )",
        "Donald Trump à Anchorage",
        "( AFP / Drew ANGERER )",
        "AFP",
        "Drew Angerer",
    ),
    (
        "Joe Biden à la Maison Blanche. (AFP/Archives - DREW ANGERER)",
        "Joe Biden à la Maison Blanche.",
        "(AFP/Archives - DREW ANGERER)",
        "AFP",
        "Drew Angerer",
    ),
    (
        "Le président américain. ( REUTERS / Kevin Lamarque )",
        "Le président américain.",
        "( REUTERS / Kevin Lamarque )",
        "Reuters",
        "Kevin Lamarque",
    ),
    ("Le siège de la BCE. © Reuters", "Le siège de la BCE.", "© Reuters", "Reuters", None),
    (
        "Une usine. Crédit photo : Reuters / Benoit Tessier",
        "Une usine.",
        "Crédit photo : Reuters / Benoit Tessier",
        "Reuters",
        "Benoit Tessier",
    ),
    (
        "Un trader à Wall Street (Crédit : Getty Images)",
        "Un trader à Wall Street",
        "(Crédit : Getty Images)",
        "Getty Images",
        None,
    ),
    (
        "Joe Biden (Photo by ANDREW HARNIK / GETTY IMAGES NORTH AMERICA / Getty Images via AFP)",
        "Joe Biden",
        "(Photo by ANDREW HARNIK / GETTY IMAGES NORTH AMERICA / Getty Images via AFP)",
        "Getty Images",
        "Andrew Harnik",
    ),
    (
        "Emmanuel Macron (Photo by Ludovic Marin / AFP)",
        "Emmanuel Macron",
        "(Photo by Ludovic Marin / AFP)",
        "AFP",
        "Ludovic Marin",
    ),
    ("Le Kremlin. Reuters/Ivanov", "Le Kremlin.", "Reuters/Ivanov", "Reuters", "Ivanov"),
    # "POOL", like "Archives" or "STRINGER", qualifies the credit and names nobody.
    (
        "Emmanuel Macron (POOL / AFP / LUDOVIC MARIN)",
        "Emmanuel Macron",
        "(POOL / AFP / LUDOVIC MARIN)",
        "AFP",
        "Ludovic Marin",
    ),
    ("Un champ de blé (AFP).", "Un champ de blé.", "(AFP)", "AFP", None),
    ("Une raffinerie - © Bloomberg", "Une raffinerie", "© Bloomberg", "Bloomberg", None),
    ("Un bureau (Crédit : iStock)", "Un bureau", "(Crédit : iStock)", "iStock", None),
    # A caption that is only a credit has no caption left.
    ("( AFP / STRINGER )", None, "( AFP / STRINGER )", "AFP", None),
    ("Reuters/Ivanov", None, "Reuters/Ivanov", "Reuters", "Ivanov"),
    ("Crédit photo : Jean Dupont", None, "Crédit photo : Jean Dupont", "Jean Dupont", None),
    # No credit: the caption stays as it is, ordinary brackets and slashes included.
    ("Une vue de Toronto (Canada)", "Une vue de Toronto (Canada)", None, None, None),
    ("Le trajet Paris/Londres", "Le trajet Paris/Londres", None, None, None),
    (
        "U.S. President Trump meets with Russian President Putin in Alaska",
        "U.S. President Trump meets with Russian President Putin in Alaska",
        None,
        None,
        None,
    ),
    ("Un marché (photo de famille)", "Un marché (photo de famille)", None, None, None),
    ("Vue du port. Notre photo : le quai", "Vue du port. Notre photo : le quai", None, None, None),
    (None, None, None, None, None),
    ("   ", None, None, None, None),
]


@pytest.mark.parametrize(("printed", "caption", "raw", "agency", "photographer"), CREDITS)
def test_split_credit(printed, caption, raw, agency, photographer):
    assert split_credit(printed) == Credit(caption, raw, agency, photographer)


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("FRANCOIS WALSCHAERTS", "Francois Walschaerts"),
        ("ANDREW CABALLERO-REYNOLDS", "Andrew Caballero-Reynolds"),
        ("Drew ANGERER", "Drew Angerer"),
        ("SHAUN O'NEILL", "Shaun O'Neill"),
        ("ÉRIC FEFERBERG", "Éric Feferberg"),
        ("Ursula von der Leyen", "Ursula von der Leyen"),
        ("Mike McCOY", "Mike McCOY"),
    ],
)
def test_title_name(printed, expected):
    assert title_name(printed) == expected


# --- bylines --------------------------------------------------------------------------

BYLINES = [
    # (text, authors, rest)
    ("par Yurii Kovalenko et Serhiy Chalyi", ["Yurii Kovalenko", "Serhiy Chalyi"], ""),
    (
        "par Yurii Kovalenko et Serhiy Chalyi Des Ukrainiens ont exprimé leur colère...",
        ["Yurii Kovalenko", "Serhiy Chalyi"],
        "Des Ukrainiens ont exprimé leur colère...",
    ),
    (
        "Par Jean Dupont, Marie Durand et Paul Martin",
        ["Jean Dupont", "Marie Durand", "Paul Martin"],
        "",
    ),
    ("Par Jean Dupont (avec Marie Durand à Paris)", ["Jean Dupont", "Marie Durand"], ""),
    (
        "par Leika Kihara (avec Paul Martin et Ana Lee à New York) Le yen recule.",
        ["Leika Kihara", "Paul Martin", "Ana Lee"],
        "Le yen recule.",
    ),
    ("Rédigé par Jean Dupont.", ["Jean Dupont"], ""),
    ("Écrit par Marie Curie", ["Marie Curie"], ""),
    ("PAR JEAN DUPONT", ["Jean Dupont"], ""),
    ("par Valérie Giscard d'Estaing", ["Valérie Giscard d'Estaing"], ""),
    ("Par Jean-Pierre de La Fontaine", ["Jean-Pierre de La Fontaine"], ""),
    (
        "par Ursula von der Leyen Les Etats membres ont tranché.",
        ["Ursula von der Leyen"],
        "Les Etats membres ont tranché.",
    ),
    ("par Andrea Shalal Le président a parlé.", ["Andrea Shalal"], "Le président a parlé."),
    (
        "par Jean Dupont et Marie Des Ukrainiens ont manifesté.",
        ["Jean Dupont", "Marie"],
        "Des Ukrainiens ont manifesté.",
    ),
    (
        "par Jean Dupont L'Otan est préoccupée.",
        ["Jean Dupont"],
        "L'Otan est préoccupée.",
    ),
    (
        "Par Jean Dupont «Nous sommes prêts», a-t-il dit.",
        ["Jean Dupont"],
        "«Nous sommes prêts», a-t-il dit.",
    ),
    (
        "par Jean Dupont WASHINGTON, 21 octobre (Reuters) - Le président américain",
        ["Jean Dupont"],
        "WASHINGTON, 21 octobre (Reuters) - Le président américain",
    ),
    # Not bylines: the text comes back untouched.
    ("Par ailleurs, les marchés ont progressé.", [], "Par ailleurs, les marchés ont progressé."),
    ("Par exemple, la BCE a relevé ses taux.", [], "Par exemple, la BCE a relevé ses taux."),
    ("par rapport à l'an dernier, le titre", [], "par rapport à l'an dernier, le titre"),
    ("Par conséquent, le CAC 40 recule.", [], "Par conséquent, le CAC 40 recule."),
    ("Par la suite, le titre a bondi.", [], "Par la suite, le titre a bondi."),
    ("Par Bercy, il faut entendre le ministère.", [], "Par Bercy, il faut entendre le ministère."),
    ("par Jean Dupont a été publié hier.", [], "par Jean Dupont a été publié hier."),
    ("Le titre est porté par Airbus et Safran.", [], "Le titre est porté par Airbus et Safran."),
]


@pytest.mark.parametrize(("text", "authors", "rest"), BYLINES)
def test_extract_byline(text, authors, rest):
    assert extract_byline(text) == (authors, rest)


# --- datelines ------------------------------------------------------------------------

DATELINES = [
    ("(AOF) - Le titre recule de 3%.", "Le titre recule de 3%."),
    ("(Reuters) - Les Bourses européennes", "Les Bourses européennes"),
    ("PARIS (AFP) - Le gouvernement a annoncé", "Le gouvernement a annoncé"),
    ("(CercleFinance.com) - Bouygues a annoncé", "Bouygues a annoncé"),
    ("WASHINGTON, 21 octobre (Reuters) - Le président", "Le président"),
    ("NEW YORK (Reuters) – Wall Street a ouvert", "Wall Street a ouvert"),
    ("LONDRES/PARIS (Reuters) - Le pétrole", "Le pétrole"),
    ("(Reuters) -", ""),
    # An unknown label in brackets is no agency; a dateline only counts at the start.
    (
        "Marine Le Pen (RN) - la présidente du groupe",
        "Marine Le Pen (RN) - la présidente du groupe",
    ),
    ("Le titre a bondi (AOF) - hier", "Le titre a bondi (AOF) - hier"),
    ("Selon l'agence (AFP), le titre", "Selon l'agence (AFP), le titre"),
]


@pytest.mark.parametrize(("text", "expected"), DATELINES)
def test_strip_dateline(text, expected):
    assert strip_dateline(text) == expected


# --- whole bodies ---------------------------------------------------------------------

BODIES = [
    # (paragraphs, paragraphs kept, authors, notes)
    (
        [
            "par Yurii Kovalenko et Serhiy Chalyi",
            "KIEV, 16 août (Reuters) - Des Ukrainiens ont exprimé leur colère.",
            "Le second paragraphe.",
            REUTERS_FOOTER,
        ],
        ("Des Ukrainiens ont exprimé leur colère.", "Le second paragraphe."),
        ("Yurii Kovalenko", "Serhiy Chalyi"),
        (REUTERS_FOOTER,),
    ),
    (
        ["par Yurii Kovalenko et Serhiy Chalyi Des Ukrainiens ont exprimé leur colère."],
        ("Des Ukrainiens ont exprimé leur colère.",),
        ("Yurii Kovalenko", "Serhiy Chalyi"),
        (),
    ),
    (
        ["(AOF) - Le titre recule.", "Suite de l'analyse. " + REUTERS_FOOTER],
        ("Le titre recule.", "Suite de l'analyse."),
        (),
        (REUTERS_FOOTER,),
    ),
    (
        ["Le titre recule.", "Deuxième paragraphe.", "Rédigé par Jean Dupont"],
        ("Le titre recule.", "Deuxième paragraphe."),
        ("Jean Dupont",),
        (),
    ),
    (
        ["Par Jean Dupont", "Texte.", "Par Jean Dupont et Marie Durand"],
        ("Texte.",),
        ("Jean Dupont", "Marie Durand"),
        (),
    ),
    (
        ["", "(Reuters) -", "Ligne un\nligne deux", "((Rédaction de Paris))"],
        ("Ligne un\nligne deux",),
        (),
        ("((Rédaction de Paris))",),
    ),
    (
        ["Par ailleurs, le titre recule.", "Par exemple, Airbus."],
        ("Par ailleurs, le titre recule.", "Par exemple, Airbus."),
        (),
        (),
    ),
    (
        ["Texte.", "((Traduction automatisée par Reuters, veuillez consulter"],
        ("Texte.",),
        (),
        ("((Traduction automatisée par Reuters, veuillez consulter",),
    ),
    ([], (), (), ()),
]


@pytest.mark.parametrize(("paragraphs", "kept", "authors", "notes"), BODIES)
def test_clean_body(paragraphs, kept, authors, notes):
    assert clean_body(paragraphs) == CleanBody(kept, authors, notes)
