"""Date normaliser against plain dateparser: speed and agreement on the site's forms.

    python -m benchmarks.dates [-n 10000] [--seed 2024]

Draws the strings from the forms Boursorama prints (article line, related cards, listings,
comments, relative forms), each rendered from a random past instant the way the site
would show it relative to one fixed ``now``, and a few on the daylight-saving days. One
process, the same strings for both readers:

- the normaliser: ``parse_date`` (fast path, dateparser only for what it does not know);
- plain ``dateparser.parse`` with the same settings as the long-tail path.

Agreement compares ISO strings. The repeated autumn hour is the one expected difference:
"27/10/2024 à 02:30" happened twice, and the normaliser takes the first reading (+02:00)
where dateparser takes the second (+01:00). A form plain dateparser cannot read at all
("Mis à jour le ...") is counted apart, and read again through ``parse_with_dateparser``,
which removes the prefix first. Each string keeps the instant it was drawn from, so the
normaliser is also checked against the truth.

Rates are CPU time (``time.process_time``) with the two readers alternating by chunks of
1,000 strings: the cores are shared, and alternating puts both under the same load.
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

from newscrawl.normalize.dates import (
    DATEPARSER_LANGUAGES,
    PARIS,
    dateparser_settings,
    parse_date,
    parse_with_dateparser,
    to_iso,
)

NOW = datetime(2025, 3, 14, 16, 42, 17, tzinfo=UTC)

MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
# As the site abbreviates them in listings and forums.
MONTHS_ABBR = [
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
]
WEEKDAYS_ABBR = ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."]


def _hm(t: datetime) -> str:
    return f"{t:%H:%M}"


def _d_month(t: datetime, names: list[str]) -> str:
    day = "1er" if t.day == 1 and names is MONTHS else str(t.day)
    return f"{day} {names[t.month - 1]}"


# name -> (how far back the instant may be, in seconds (min, max); renderer; precision).
Form = tuple[tuple[int, int], Callable[[datetime, datetime], str], str]
DAY = 86_400
FORMS: dict[str, Form] = {
    "article dd/mm/yyyy à HH:MM": (
        (0, 400 * DAY),
        lambda t, n: f"{t:%d/%m/%Y} à {_hm(t)}",
        "minute",
    ),
    "updated prefix": (
        (0, 400 * DAY),
        lambda t, n: f"Mis à jour le {t:%d/%m/%Y} à {_hm(t)}",
        "minute",
    ),
    "related dd.mm.yyyy + HH:MM": ((0, 400 * DAY), lambda t, n: f"{t:%d.%m.%Y} {_hm(t)}", "minute"),
    "related dd.mm.yyyy": ((0, 400 * DAY), lambda t, n: f"{t:%d.%m.%Y}", "day"),
    "comment d mois HH:MM": (
        (0, 300 * DAY),
        lambda t, n: f"{_d_month(t, MONTHS)} {_hm(t)}",
        "minute",
    ),
    "comment d abbr. + HH:MM": (
        (0, 300 * DAY),
        lambda t, n: f"{_d_month(t, MONTHS_ABBR)} {_hm(t)}",
        "minute",
    ),
    "forum d abbr. yyyy": (
        (365 * DAY, 800 * DAY),
        lambda t, n: f"{_d_month(t, MONTHS_ABBR)} {t.year}",
        "day",
    ),
    "listing HH:MM": ((0, 15 * 3600), lambda t, n: _hm(t), "minute"),
    "listing weekday": ((2 * DAY, 6 * DAY), lambda t, n: WEEKDAYS_ABBR[t.weekday()], "day"),
    "listing d abbr.": ((8 * DAY, 300 * DAY), lambda t, n: _d_month(t, MONTHS_ABBR), "day"),
    "listing d abbr. yyyy": (
        (300 * DAY, 800 * DAY),
        lambda t, n: f"{_d_month(t, MONTHS_ABBR)} {t.year}",
        "day",
    ),
    "Hier à HH:MM": ((DAY, DAY), lambda t, n: f"Hier à {_hm(t)}", "minute"),
    "Aujourd'hui à HH:MM": ((0, 15 * 3600), lambda t, n: f"Aujourd\u2019hui à {_hm(t)}", "minute"),
    "il y a N min": ((60, 3599), lambda t, n: f"il y a {_elapsed(t, n) // 60} min", "minutes ago"),
    "il y a N heures": (
        (3600, 20 * 3600),
        lambda t, n: f"il y a {_elapsed(t, n) // 3600} heures",
        "hours ago",
    ),
}


def _elapsed(t: datetime, now: datetime) -> int:
    # Through UTC: two Paris datetimes subtract by wall time.
    return int((now.astimezone(UTC) - t.astimezone(UTC)).total_seconds())


def _truth(moment: datetime, now: datetime, precision: str) -> datetime:
    """What the printed string means: the instant at the precision the site prints."""
    if precision == "minute":
        return moment.replace(second=0, microsecond=0)
    if precision == "day":
        return datetime(moment.year, moment.month, moment.day, tzinfo=PARIS)
    unit = 60 if precision == "minutes ago" else 3600
    return now - timedelta(seconds=_elapsed(moment, now) // unit * unit)


def draw(rng: random.Random, count: int, now: datetime) -> list[tuple[str, str, datetime]]:
    """``count`` (form name, string, meant instant) rendered from random past instants."""
    now_paris = now.astimezone(PARIS)
    names = list(FORMS)
    cases = []
    for i in range(count):
        name = names[i % len(names)] if i < len(names) else rng.choice(names)
        (low, high), render, precision = FORMS[name]
        if name == "Hier à HH:MM":
            day = now_paris.date() - timedelta(days=1)
            moment = datetime.combine(day, datetime.min.time(), PARIS) + timedelta(
                minutes=rng.randrange(24 * 60)
            )
        elif name in ("listing HH:MM", "Aujourd'hui à HH:MM"):
            midnight = now_paris.replace(hour=0, minute=0, second=0)
            moment = midnight + timedelta(seconds=rng.randrange(_elapsed(midnight, now_paris)))
        else:
            moment = (now - timedelta(seconds=rng.randint(low, high))).astimezone(PARIS)
            # One absolute string in fifty falls on a DST night, to exercise both changes;
            # drawn in UTC, so the repeated autumn hour comes in both of its readings.
            if name.startswith(("article", "related dd.mm.yyyy +")) and rng.random() < 0.02:
                night = rng.choice(
                    [datetime(2024, 3, 31, tzinfo=UTC), datetime(2024, 10, 27, tzinfo=UTC)]
                )
                moment = (night + timedelta(minutes=rng.randrange(0, 180))).astimezone(PARIS)
        cases.append((name, render(moment, now_paris), _truth(moment, now_paris, precision)))
    return cases


def _timed(
    readers: list[Callable[[str], object]], strings: list[str], chunk: int = 1000
) -> tuple[list[float], list[list[object]]]:
    """Rates (strings/s) and results of each reader, run in alternating chunks.

    Alternating keeps both readers under the same machine load (the cores are shared),
    so the ratio holds even when the absolute rates wander.
    """
    spent = [0.0] * len(readers)
    results: list[list[object]] = [[] for _ in readers]
    for start in range(0, len(strings), chunk):
        part = strings[start : start + chunk]
        for i, read in enumerate(readers):
            # Each reader pays for its own garbage, not for the other's.
            gc.collect()
            began = time.process_time()
            results[i].extend([read(s) for s in part])
            spent[i] += time.process_time() - began
    return [len(strings) / t for t in spent], results


def _same_wall_time(a: str | None, b: str | None) -> bool:
    """Two readings of one printed wall time that differ only by offset: the autumn hour."""
    return a is not None and b is not None and a != b and a[:19] == b[:19]


def main(argv: list[str] | None = None) -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("-n", type=int, default=10_000, help="how many strings (default 10000)")
    args.add_argument("--seed", type=int, default=2024)
    opts = args.parse_args(argv)

    cases = draw(random.Random(opts.seed), opts.n, NOW)
    strings = [raw for _, raw, _ in cases]

    import dateparser

    settings = dateparser_settings(NOW)
    dateparser.parse("21 octobre 2024", languages=DATEPARSER_LANGUAGES, settings=settings)

    (fast_rate, plain_rate), (fast, plain) = _timed(
        [
            partial(parse_date, now=NOW),
            partial(dateparser.parse, languages=DATEPARSER_LANGUAGES, settings=settings),
        ],
        strings,
    )
    tail = [parse_with_dateparser(s, NOW) for s in strings]

    count = Counter()
    unreadable, wrong, differ, tail_differ = Counter(), [], [], []
    for (name, raw, meant), mine, theirs, long_tail in zip(cases, fast, plain, tail, strict=True):
        a, b, c, truth = to_iso(mine), to_iso(theirs), to_iso(long_tail), to_iso(meant)
        if a == truth:
            count["right"] += 1
        elif _same_wall_time(a, truth):
            count["ambiguous"] += 1  # printed in the second autumn hour: text cannot tell
        else:
            wrong.append((name, raw, a, truth))
        if a == b:
            count["agree"] += 1
        elif b is None:
            unreadable[name] += 1
        elif _same_wall_time(a, b):
            count["autumn"] += 1
        else:
            differ.append((name, raw, a, b))
        if a == c:
            count["tail agree"] += 1
        elif _same_wall_time(a, c):
            count["tail autumn"] += 1
        else:
            tail_differ.append((name, raw, a, c))

    n = len(strings)
    print(f"{n} strings from {len(FORMS)} site forms, seed {opts.seed}, now {NOW.isoformat()}")
    print(f"normaliser (parse_date):  {fast_rate:10,.0f} strings/s  {1e6 / fast_rate:8.2f} µs each")
    print(
        f"plain dateparser.parse:   {plain_rate:10,.0f} strings/s  {1e6 / plain_rate:8.2f} µs each"
    )
    print(f"ratio: {fast_rate / plain_rate:.0f}x (target >= 100; CPU time, alternating chunks)")
    print(
        f"normaliser vs the instant each string was drawn from: {count['right']} right, "
        f"{count['ambiguous']} printed in the repeated autumn hour (first reading taken), "
        f"{len(wrong)} wrong"
    )
    for row in wrong[:10]:
        print("   ", row)
    print(
        f"normaliser vs plain dateparser: {count['agree']} agree, "
        f"{count['autumn']} repeated autumn hour (dateparser takes the second reading), "
        f"{sum(unreadable.values())} unreadable by dateparser {dict(unreadable)}, "
        f"{len(differ)} disagreements (target 0)"
    )
    for row in differ[:10]:
        print("   ", row)
    print(
        f"normaliser vs parse_with_dateparser (prefix removed): {count['tail agree']} agree, "
        f"{count['tail autumn']} repeated autumn hour, {len(tail_differ)} disagreements"
    )
    for row in tail_differ[:10]:
        print("   ", row)


if __name__ == "__main__":
    main()
