"""French date normaliser: one table of site forms, checked on the fast path and dateparser.

Each row is (raw, now, not_before, expected ISO, dateparser). ``dateparser`` is ``OK`` when
``parse_with_dateparser`` must give the same ISO string, else the reason it does not:
those rows assert that dateparser really differs, so a stale mark fails too.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from newscrawl.normalize import french_dates
from newscrawl.normalize.dates import (
    PARIS,
    parse_date,
    parse_http_date,
    parse_with_dateparser,
    to_iso,
)

OK = "ok"
CANNOT = "dateparser cannot read this form"
MISREADS = "dateparser misreads this form"
MIDNIGHT = "a day without a time is midnight here; dateparser keeps now's time"
LATER = "a bare time later than now is yesterday here; dateparser keeps today"
SKEW = "the clock-skew allowance keeps this year; dateparser takes the year before"
FOLD = "repeated autumn hour: first reading here, the second in dateparser"
DAY24 = "across a DST change: calendar days here, 24-hour days in dateparser"
FIRST = "a comment's yearless date takes the first year after its article; dateparser the latest"

# Thursday 24 October 2024, 15:07:42 in Paris (CEST), given in UTC as a Date header is.
NOW = datetime(2024, 10, 24, 13, 7, 42, tzinfo=UTC)
# Wednesday 20 August 2025, 12:00 in Paris.
NOW_2025 = datetime(2025, 8, 20, 10, 0, tzinfo=UTC)
# Sunday 5 January 2025, 11:00 in Paris (CET).
NOW_JAN = datetime(2025, 1, 5, 10, 0, tzinfo=UTC)
# Friday 25 October 2024, 00:05 in Paris: just after midnight.
NOW_MIDNIGHT = datetime(2024, 10, 25, 0, 5, tzinfo=PARIS)
# Sunday 27 October 2024, 03:30 CET, one hour after the autumn change (02:30 UTC).
NOW_AUTUMN = datetime(2024, 10, 27, 2, 30, tzinfo=UTC)
# Sunday 31 March 2024, 04:00 CEST, after the spring change.
NOW_SPRING = datetime(2024, 3, 31, 4, 0, tzinfo=PARIS)

ARTICLE = datetime(2024, 10, 21, 12, 54, tzinfo=PARIS)
ARTICLE_DEC = datetime(2024, 12, 30, 12, 0, tzinfo=PARIS)
ARTICLE_OLD = datetime(2020, 3, 1, 9, 0, tzinfo=PARIS)
ARTICLE_NOV_2023 = datetime(2023, 11, 30, 17, 42, tzinfo=PARIS)
ARTICLE_NOV_2022 = datetime(2022, 11, 15, 10, 0, tzinfo=PARIS)
# 02:10 CET on 27/10/2024, the second 02:10 of the night (01:10 UTC).
ARTICLE_FOLD = datetime(2024, 10, 27, 1, 10, tzinfo=UTC)

ROWS = {
    "absolute": [
        ("21/10/2024 à 12:54", NOW, None, "2024-10-21T12:54:00+02:00", OK),
        ("21/10/2024 a 12:54", NOW, None, "2024-10-21T12:54:00+02:00", OK),
        ("le 21/10/2024 à 12h54", NOW, None, "2024-10-21T12:54:00+02:00", OK),
        ("21/10/2024 - 12:54", NOW, None, "2024-10-21T12:54:00+02:00", OK),
        ("21/10/2024, 12:54", NOW, None, "2024-10-21T12:54:00+02:00", OK),
        ("21/10/2024 12:54:30", NOW, None, "2024-10-21T12:54:30+02:00", OK),
        ("21/10/24", NOW, None, "2024-10-21T00:00:00+02:00", OK),
        ("21/10/2024", NOW, None, "2024-10-21T00:00:00+02:00", OK),
        ("05/01/2024 à 08:05", NOW, None, "2024-01-05T08:05:00+01:00", OK),
        ("5/1/2024 8:05", NOW, None, "2024-01-05T08:05:00+01:00", OK),
        ("21-10-2024 12:54", NOW, None, "2024-10-21T12:54:00+02:00", OK),
        ("21/10/2024 à 12h", NOW, None, "2024-10-21T12:00:00+02:00", OK),
        ("21/10/2024 À 12H54", NOW, None, "2024-10-21T12:54:00+02:00", OK),
        # Up to a year after now is kept (a page's clock, a scheduled item).
        ("21/10/2025 à 09:00", NOW, None, "2025-10-21T09:00:00+02:00", OK),
    ],
    "dotted": [
        ("16.08.2025 23:14", NOW_2025, None, "2025-08-16T23:14:00+02:00", OK),
        ("16.08.2025", NOW_2025, None, "2025-08-16T00:00:00+02:00", OK),
        ("01.12.2024 07:30", NOW_2025, None, "2024-12-01T07:30:00+01:00", OK),
        ("16.08.25 23:14", NOW_2025, None, "2025-08-16T23:14:00+02:00", OK),
    ],
    "split": [
        # Two spans joined by the parser with one space, or left with the page's spacing.
        (" ".join(["16.08.2025", "23:14"]), NOW_2025, None, "2025-08-16T23:14:00+02:00", OK),
        ("16.08.2025\n      23:14", NOW_2025, None, "2025-08-16T23:14:00+02:00", OK),
        ("16.08.2025\u00a0\u00a023:14", NOW_2025, None, "2025-08-16T23:14:00+02:00", OK),
        (" ".join(["26 janv.", "13:04"]), NOW, None, "2024-01-26T13:04:00+01:00", OK),
        (" ".join(["21 octobre", "21:29"]), NOW, ARTICLE, "2024-10-21T21:29:00+02:00", OK),
    ],
    "yearless comment": [
        ("21 octobre 21:29", NOW, ARTICLE, "2024-10-21T21:29:00+02:00", OK),
        ("22 oct. 08:00", NOW, ARTICLE, "2024-10-22T08:00:00+02:00", OK),
        ("21 octobre 12:54", NOW, ARTICLE, "2024-10-21T12:54:00+02:00", OK),
        # The year boundary: a January comment under a December article.
        ("2 janvier 08:15", NOW_JAN, ARTICLE_DEC, "2025-01-02T08:15:00+01:00", OK),
        ("31 décembre 23:59", NOW_JAN, ARTICLE_DEC, "2024-12-31T23:59:00+01:00", OK),
        ("30 déc. 12:00", NOW_JAN, ARTICLE_DEC, "2024-12-30T12:00:00+01:00", OK),
        ("5 janv. 10:30", NOW_JAN, ARTICLE_DEC, "2025-01-05T10:30:00+01:00", OK),
        # Several years fit an old article: the first after it, since the site leaves the
        # year out of past-year comments too. (This row expected the latest, 2024, before.)
        ("26 janv. 13:04", NOW, ARTICLE_OLD, "2021-01-26T13:04:00+01:00", FIRST),
        # No year fits (a comment stamped before its article): the latest past year.
        ("21 octobre 12:50", NOW, ARTICLE, "2024-10-21T12:50:00+02:00", OK),
    ],
    "yearless comment, past year": [
        # The seed page: a comment of 21/10/2024 printed "21 octobre 21:29", read in 2025.
        ("21 octobre 21:29", NOW_2025, ARTICLE, "2024-10-21T21:29:00+02:00", OK),
        ("22 oct. 08:00", NOW_2025, ARTICLE, "2024-10-22T08:00:00+02:00", OK),
        # The day after an article of 30/11/2023, read in 2025.
        ("1 décembre 07:44", NOW_2025, ARTICLE_NOV_2023, "2023-12-01T07:44:00+01:00", FIRST),
        ("30 nov. 18:00", NOW_2025, ARTICLE_NOV_2023, "2023-11-30T18:00:00+01:00", FIRST),
        ("2 janv. 09:00", NOW_2025, ARTICLE_NOV_2023, "2024-01-02T09:00:00+01:00", FIRST),
        # Earlier in the year than the article: the next year's date.
        ("30 novembre 08:00", NOW_2025, ARTICLE_NOV_2023, "2024-11-30T08:00:00+01:00", OK),
        # A fit in the current year that is not after now ...
        ("20 août 11:00", NOW_2025, ARTICLE_NOV_2023, "2024-08-20T11:00:00+02:00", FIRST),
        # ... and the first fit after now: none fits, so the latest past year.
        ("21 octobre 12:50", NOW_2025, ARTICLE, "2024-10-21T12:50:00+02:00", OK),
        # 29 February: the first leap year after the article.
        ("29 févr. 10:00", NOW_2025, ARTICLE_NOV_2023, "2024-02-29T10:00:00+01:00", OK),
        ("29 févr. 10:00", NOW_2025, ARTICLE, "2024-02-29T10:00:00+01:00", OK),
    ],
    "yearless comment, clock changes": [
        # The repeated autumn hour: first reading (+02:00) of the first year that fits.
        ("29 octobre 02:30", NOW_2025, ARTICLE_NOV_2022, "2023-10-29T02:30:00+02:00", FIRST),
        ("29 octobre 03:30", NOW_2025, ARTICLE_NOV_2022, "2023-10-29T03:30:00+01:00", FIRST),
        # The spring gap: 02:30 does not exist on 26/03/2023; moved on to 03:30 (+02:00).
        ("26 mars 02:30", NOW_2025, ARTICLE_NOV_2022, "2023-03-26T03:30:00+02:00", FIRST),
        # An article in the second 02:xx of the night: a comment that hour is its second
        # reading (+01:00), the one after the article, not the first (+02:00).
        ("27 oct. 02:45", NOW_AUTUMN, ARTICLE_FOLD, "2024-10-27T02:45:00+01:00", OK),
        ("27 oct. 02:15", NOW_AUTUMN, ARTICLE_FOLD, "2024-10-27T02:15:00+01:00", OK),
        # Control: without an article, the repeated hour takes its first reading.
        ("27 oct. 02:15", NOW_AUTUMN, None, "2024-10-27T02:15:00+02:00", FOLD),
    ],
    "yearless listing/related": [
        ("25 janv.", NOW, None, "2024-01-25T00:00:00+01:00", OK),
        ("25 déc.", NOW, None, "2023-12-25T00:00:00+01:00", OK),
        ("24 oct.", NOW, None, "2024-10-24T00:00:00+02:00", OK),
        ("25 oct.", NOW, None, "2023-10-25T00:00:00+02:00", OK),
        ("24 octobre 16:00", NOW, None, "2023-10-24T16:00:00+02:00", OK),
        ("24 octobre 15:10", NOW, None, "2024-10-24T15:10:00+02:00", SKEW),
        ("29 févr.", NOW, None, "2024-02-29T00:00:00+01:00", OK),
        ("29 févr.", NOW_JAN, None, "2024-02-29T00:00:00+01:00", OK),
        ("21/10 à 12:54", NOW, None, "2024-10-21T12:54:00+02:00", OK),
        ("16.08 23:14", NOW_2025, None, "2025-08-16T23:14:00+02:00", MISREADS),
        ("lun. 21 oct.", NOW, None, "2024-10-21T00:00:00+02:00", OK),
        (
            "1 janv.",
            datetime(2025, 1, 1, 0, 30, tzinfo=PARIS),
            None,
            "2025-01-01T00:00:00+01:00",
            OK,
        ),
    ],
    "weekday": [
        ("jeu.", NOW, None, "2024-10-17T00:00:00+02:00", OK),
        ("mer.", NOW, None, "2024-10-23T00:00:00+02:00", OK),
        ("mar.", NOW, None, "2024-10-22T00:00:00+02:00", OK),
        ("lun.", NOW, None, "2024-10-21T00:00:00+02:00", OK),
        ("dim.", NOW, None, "2024-10-20T00:00:00+02:00", OK),
        ("SAM.", NOW, None, "2024-10-19T00:00:00+02:00", OK),
        ("ven.", NOW, None, "2024-10-18T00:00:00+02:00", OK),
        ("jeudi", NOW, None, "2024-10-17T00:00:00+02:00", OK),
        ("mer. 12:30", NOW, None, "2024-10-23T12:30:00+02:00", OK),
        ("sam.", NOW_MIDNIGHT, None, "2024-10-19T00:00:00+02:00", OK),
    ],
    "time-only": [
        ("14:57", NOW, None, "2024-10-24T14:57:00+02:00", OK),
        ("15h07", NOW, None, "2024-10-24T15:07:00+02:00", OK),
        ("09h05", NOW, None, "2024-10-24T09:05:00+02:00", OK),
        ("00:15", NOW, None, "2024-10-24T00:15:00+02:00", OK),
        ("12:54:30", NOW, None, "2024-10-24T12:54:30+02:00", OK),
        ("15:10", NOW, None, "2024-10-24T15:10:00+02:00", OK),
        ("15:57", NOW, None, "2024-10-23T15:57:00+02:00", LATER),
        ("23:58", NOW_MIDNIGHT, None, "2024-10-24T23:58:00+02:00", OK),
        ("9h", NOW, None, "2024-10-24T09:00:00+02:00", MISREADS),
    ],
    "relative": [
        ("Hier à 18:32", NOW, None, "2024-10-23T18:32:00+02:00", OK),
        ("hier à 18h32", NOW, None, "2024-10-23T18:32:00+02:00", OK),
        ("Aujourd'hui à 09:15", NOW, None, "2024-10-24T09:15:00+02:00", OK),
        ("Aujourd\u2019hui à 09:15", NOW, None, "2024-10-24T09:15:00+02:00", OK),
        ("AUJOURD'HUI  À 09:15", NOW, None, "2024-10-24T09:15:00+02:00", OK),
        ("avant-hier à 10:00", NOW, None, "2024-10-22T10:00:00+02:00", OK),
        ("hier", NOW, None, "2024-10-23T00:00:00+02:00", MIDNIGHT),
        ("il y a 5 min", NOW, None, "2024-10-24T15:02:42+02:00", OK),
        ("Il y a 5 minutes", NOW, None, "2024-10-24T15:02:42+02:00", OK),
        ("il y a 1 minute", NOW, None, "2024-10-24T15:06:42+02:00", OK),
        ("il y a 30 secondes", NOW, None, "2024-10-24T15:07:12+02:00", OK),
        ("il y a 2 heures", NOW, None, "2024-10-24T13:07:42+02:00", OK),
        ("il y a 1 h", NOW, None, "2024-10-24T14:07:42+02:00", OK),
        ("il y a 2 h 30", NOW, None, "2024-10-24T12:37:42+02:00", MISREADS),
        ("il y a 1 h 30 min", NOW, None, "2024-10-24T13:37:42+02:00", CANNOT),
        ("il y a une heure", NOW, None, "2024-10-24T14:07:42+02:00", OK),
        ("il y a 3 jours", NOW, None, "2024-10-21T15:07:42+02:00", OK),
        ("il y a 2 semaines", NOW, None, "2024-10-10T15:07:42+02:00", OK),
        ("il y a 2 mois", NOW, None, "2024-08-24T15:07:42+02:00", OK),
        ("il y a 1 an", NOW, None, "2023-10-24T15:07:42+02:00", OK),
        # A month back from 31 May is the end of April, not 1 May.
        (
            "il y a 1 mois",
            datetime(2024, 5, 31, 8, 0, tzinfo=UTC),
            None,
            "2024-04-30T10:00:00+02:00",
            OK,
        ),
        # From 31 March (a DST day) to the leap day: calendar months, not 30 x 24 hours.
        (
            "il y a 1 mois",
            datetime(2024, 3, 31, 8, 0, tzinfo=UTC),
            None,
            "2024-02-29T10:00:00+01:00",
            DAY24,
        ),
        ("maintenant", NOW, None, "2024-10-24T15:07:42+02:00", OK),
        ("à l'instant", NOW, None, "2024-10-24T15:07:42+02:00", CANNOT),
        ("A L\u2019INSTANT", NOW, None, "2024-10-24T15:07:42+02:00", CANNOT),
        ("il y a quelques secondes", NOW, None, "2024-10-24T15:07:42+02:00", CANNOT),
        ("il y a 10 mn", NOW, None, "2024-10-24T14:57:42+02:00", CANNOT),
        ("il y a 2 heures", NOW_AUTUMN, None, "2024-10-27T02:30:00+02:00", OK),
        ("il y a 2 heures", NOW_SPRING, None, "2024-03-31T01:00:00+01:00", OK),
        ("il y a 1 jour", NOW_SPRING, None, "2024-03-30T04:00:00+01:00", DAY24),
    ],
    "long forms": [
        ("lundi 21 octobre 2024", NOW, None, "2024-10-21T00:00:00+02:00", OK),
        ("Lundi 21 octobre 2024 à 12:54", NOW, None, "2024-10-21T12:54:00+02:00", OK),
        ("lun. 21 oct. 2024 12:54", NOW, None, "2024-10-21T12:54:00+02:00", OK),
        ("1er mars 2024", NOW, None, "2024-03-01T00:00:00+01:00", OK),
        ("1ER MARS 2024", NOW, None, "2024-03-01T00:00:00+01:00", OK),
        ("1er janvier 2024 à 8h", NOW, None, "2024-01-01T08:00:00+01:00", OK),
        ("21 octobre 2024, 12:54", NOW, None, "2024-10-21T12:54:00+02:00", OK),
        ("le 21 octobre 2024", NOW, None, "2024-10-21T00:00:00+02:00", OK),
    ],
    "updated/published prefixes": [
        ("Mis à jour le 21/10/2024 à 14:03", NOW, None, "2024-10-21T14:03:00+02:00", OK),
        ("Publié le 21/10/2024 à 12:54", NOW, None, "2024-10-21T12:54:00+02:00", OK),
        ("MIS À JOUR LE 21/10/2024 À 14H03", NOW, None, "2024-10-21T14:03:00+02:00", OK),
        ("Mis à jour : 21/10/2024 14:03", NOW, None, "2024-10-21T14:03:00+02:00", OK),
        ("mis a jour le 21/10/2024 a 14:03", NOW, None, "2024-10-21T14:03:00+02:00", OK),
        ("Modifié le 21/10/2024 à 14:03", NOW, None, "2024-10-21T14:03:00+02:00", OK),
        ("Publié le lundi 21 octobre 2024 à 12:54", NOW, None, "2024-10-21T12:54:00+02:00", OK),
    ],
    "month spellings": [
        ("12 janvier 2024", NOW, None, "2024-01-12T00:00:00+01:00", OK),
        ("12 janv. 2024", NOW, None, "2024-01-12T00:00:00+01:00", OK),
        ("12 février 2024", NOW, None, "2024-02-12T00:00:00+01:00", OK),
        ("12 févr. 2024", NOW, None, "2024-02-12T00:00:00+01:00", OK),
        ("12 fevrier 2024", NOW, None, "2024-02-12T00:00:00+01:00", OK),
        ("12 fév 2024", NOW, None, "2024-02-12T00:00:00+01:00", OK),
        ("12 mars 2024", NOW, None, "2024-03-12T00:00:00+01:00", OK),
        ("12 avr. 2024", NOW, None, "2024-04-12T00:00:00+02:00", OK),
        ("12 mai 2024", NOW, None, "2024-05-12T00:00:00+02:00", OK),
        ("12 juin 2024", NOW, None, "2024-06-12T00:00:00+02:00", OK),
        ("12 juil. 2024", NOW, None, "2024-07-12T00:00:00+02:00", OK),
        ("12 juillet 2024", NOW, None, "2024-07-12T00:00:00+02:00", OK),
        ("3 juill. 2024", NOW, None, "2024-07-03T00:00:00+02:00", CANNOT),
        ("12 août 2024", NOW, None, "2024-08-12T00:00:00+02:00", OK),
        ("12 aout 2024", NOW, None, "2024-08-12T00:00:00+02:00", OK),
        ("12 AOÛT 2024", NOW, None, "2024-08-12T00:00:00+02:00", OK),
        ("12 sept. 2024", NOW, None, "2024-09-12T00:00:00+02:00", OK),
        ("12 sep. 2024", NOW, None, "2024-09-12T00:00:00+02:00", OK),
        ("12 oct. 2024", NOW, None, "2024-10-12T00:00:00+02:00", OK),
        ("12 nov. 2023", NOW, None, "2023-11-12T00:00:00+01:00", OK),
        ("12 déc. 2023", NOW, None, "2023-12-12T00:00:00+01:00", OK),
        ("12 dec. 2023", NOW, None, "2023-12-12T00:00:00+01:00", OK),
        ("12 décembre 2023", NOW, None, "2023-12-12T00:00:00+01:00", OK),
        ("12 DÉC. 2023", NOW, None, "2023-12-12T00:00:00+01:00", OK),
        # "é" written as "e" plus a combining acute accent (NFD text).
        ("12 de\u0301c. 2023", NOW, None, "2023-12-12T00:00:00+01:00", OK),
    ],
    "ISO": [
        ("2024-10-21T12:54:00+02:00", NOW, None, "2024-10-21T12:54:00+02:00", OK),
        ("2024-10-21T10:54:00Z", NOW, None, "2024-10-21T12:54:00+02:00", OK),
        ("2024-10-21T10:54:00.123Z", NOW, None, "2024-10-21T12:54:00+02:00", OK),
        ("2024-10-21T12:54:00", NOW, None, "2024-10-21T12:54:00+02:00", OK),
        ("2024-10-21", NOW, None, "2024-10-21T00:00:00+02:00", OK),
        ("2024-10-21 12:54", NOW, None, "2024-10-21T12:54:00+02:00", OK),
        ("2024-01-15T08:00:00-05:00", NOW, None, "2024-01-15T14:00:00+01:00", OK),
        ("2024-10-21T12:54:00+0200", NOW, None, "2024-10-21T12:54:00+02:00", OK),
    ],
    "spaces": [
        ("  21/10/2024\u00a0à\u00a012:54  ", NOW, None, "2024-10-21T12:54:00+02:00", OK),
        ("21/10/2024\u202fà\u202f12:54", NOW, None, "2024-10-21T12:54:00+02:00", OK),
        ("\n\t21/10/2024 à 12:54\n", NOW, None, "2024-10-21T12:54:00+02:00", OK),
        ("\u200b21/10/2024 à 12:54", NOW, None, "2024-10-21T12:54:00+02:00", OK),
        ("21/10/2024 à 12:54" + " " * 10_000, NOW, None, "2024-10-21T12:54:00+02:00", OK),
    ],
    "DST spring": [
        ("31/03/2024 01:59", NOW, None, "2024-03-31T01:59:00+01:00", OK),
        ("31/03/2024 02:30", NOW, None, "2024-03-31T03:30:00+02:00", OK),
        ("31/03/2024 à 02:00", NOW, None, "2024-03-31T03:00:00+02:00", OK),
        ("31/03/2024 03:00", NOW, None, "2024-03-31T03:00:00+02:00", OK),
        ("30.03.2025 02:15", NOW_2025, None, "2025-03-30T03:15:00+02:00", OK),
    ],
    "DST autumn": [
        ("27/10/2024 01:59", NOW, None, "2024-10-27T01:59:00+02:00", OK),
        ("27/10/2024 02:00", NOW, None, "2024-10-27T02:00:00+02:00", FOLD),
        ("27/10/2024 02:30", NOW, None, "2024-10-27T02:30:00+02:00", FOLD),
        ("27/10/2024 03:00", NOW, None, "2024-10-27T03:00:00+01:00", OK),
        ("02:30", NOW_AUTUMN, None, "2024-10-27T02:30:00+02:00", FOLD),
        # now is 02:10 the second time (01:10 UTC): 02:50 the first time is in the past.
        (
            "02:50",
            datetime(2024, 10, 27, 1, 10, tzinfo=UTC),
            None,
            "2024-10-27T02:50:00+02:00",
            FOLD,
        ),
        (
            "27 oct. 02:50",
            datetime(2024, 10, 27, 1, 10, tzinfo=UTC),
            None,
            "2024-10-27T02:50:00+02:00",
            FOLD,
        ),
    ],
}

TABLE = [
    pytest.param(raw, now, not_before, expected, dp, id=f"{group}: {raw!r:.40}")
    for group, rows in ROWS.items()
    for raw, now, not_before, expected, dp in rows
]

BAD = [
    "31/02/2024",
    "99/99/9999",
    "21/10/2024 à 25:00",
    "21/10/2024 à 12:61",
    "32 octobre 12:00",
    "31 avril",
    "x" * 10_000,
    "21/10/2024 à 12:54 " * 600,
    "9999999999",
    "",
    "   ",
    "?",
    "??????",
    None,
    12345,
    b"21/10/2024",
    ["21/10/2024"],
    datetime(2024, 10, 21),
    "01/01/9999",
    "21/10/1969 à 12:54",  # before MIN_YEAR
    "21/10/2026 à 12:54",  # more than a year after now
    "21 octobre 2026",
    "31/02/2024 à 12:00",
    "octobre 2024",  # no day: dateparser alone would borrow today's
    "févr. 2024",
    "octobre",  # and today's year
    "2 mar. 2024",  # "mar." is mardi: no month, dateparser would take this one
    "2024",
    "n'importe quoi",
    "il y a 99999999 jours",
]


def test_table_is_large_enough():
    assert len(TABLE) >= 80


@pytest.mark.parametrize(
    "words, expected",
    [
        (french_dates.MONTHS, set(range(1, 13))),
        (french_dates.WEEKDAYS, set(range(7))),
    ],
    ids=["months", "weekdays"],
)
def test_word_table_covers_every_value(words, expected):
    # The data file is folded at import; a missing month would only show on its dates.
    assert set(words.values()) == expected
    assert all(key == key.lower() and key.isascii() for key in words)


@pytest.mark.parametrize("raw, now, not_before, expected, dp", TABLE)
def test_parse_date(raw, now, not_before, expected, dp):
    result = parse_date(raw, now, not_before=not_before)
    assert to_iso(result) == expected
    assert result.tzinfo is PARIS


@pytest.mark.parametrize("raw, now, not_before, expected, dp", TABLE)
def test_dateparser_agrees_or_is_marked(raw, now, not_before, expected, dp):
    got = to_iso(parse_with_dateparser(raw, now))
    if dp == OK:
        assert got == expected
    else:
        assert got != expected, f"marked {dp!r} but dateparser agrees: drop the mark"


@pytest.fixture(scope="module")
def warm_dateparser():
    # The 100 ms guard is about the input, not dateparser's one-off import.
    parse_with_dateparser("21 octobre 2024", NOW)


@pytest.mark.parametrize("raw", BAD, ids=lambda raw: repr(raw)[:30])
def test_bad_input_is_none_and_quick(raw, warm_dateparser):
    start = time.perf_counter()
    assert parse_date(raw, NOW) is None
    assert parse_date(raw, NOW, not_before=ARTICLE) is None
    assert time.perf_counter() - start < 0.1


@pytest.mark.parametrize("raw", ["il y a 2 jours 30", "il y a 2 h 75", "il y a 5 min 30"])
def test_minutes_are_read_after_hours_only(raw):
    assert parse_date(raw, NOW) is None


@pytest.mark.parametrize("raw", BAD, ids=lambda raw: repr(raw)[:30])
def test_dateparser_path_on_bad_input(raw, warm_dateparser):
    # Its settings ask for a day and a month: without them it borrowed today's
    # ("octobre 2024" was the 24th, "2 mar. 2024" this month's 2nd).
    assert parse_with_dateparser(raw, NOW) is None


@pytest.mark.parametrize(
    "now, not_before",
    [(None, None), ("2024-10-24", None), (NOW, "2024-10-21"), (NOW, 5)],
    ids=["now None", "now str", "not_before str", "not_before int"],
)
@pytest.mark.parametrize(
    "raw, expected",
    # The yearless form is the one that reads not_before: a bad one must be ignored there.
    [
        ("21/10/2024 à 12:54", "2024-10-21T12:54:00+02:00"),
        ("21 octobre 21:29", "2024-10-21T21:29:00+02:00"),
    ],
    ids=["absolute", "yearless"],
)
def test_bad_context_never_raises(now, not_before, raw, expected):
    result = parse_date(raw, now, not_before=not_before)
    if isinstance(now, datetime):
        assert to_iso(result) == expected
    else:
        assert result is None


@pytest.mark.parametrize(
    "now",
    [
        NOW,
        NOW.astimezone(PARIS),
        NOW.astimezone(timezone(timedelta(hours=-5))),
        NOW.replace(tzinfo=None),  # naive: read as UTC
    ],
    ids=["utc", "paris", "utc-5", "naive"],
)
def test_now_in_any_zone(now):
    assert to_iso(parse_date("Hier à 18:32", now)) == "2024-10-23T18:32:00+02:00"
    assert to_iso(parse_date("il y a 5 min", now)) == "2024-10-24T15:02:42+02:00"


def test_spring_gap_is_logged(caplog):
    with caplog.at_level(logging.WARNING, logger="newscrawl.normalize.dates"):
        parse_date("31/03/2024 02:30", NOW)
    assert "2024-03-31 02:30:00" in caplog.text


def test_repeated_hour_is_not_logged(caplog):
    with caplog.at_level(logging.WARNING, logger="newscrawl.normalize.dates"):
        parse_date("27/10/2024 02:30", NOW)
    assert caplog.text == ""


@pytest.mark.parametrize(
    "dt, expected",
    [
        (datetime(2024, 10, 21, 12, 54, tzinfo=PARIS), "2024-10-21T12:54:00+02:00"),
        (datetime(2024, 10, 21, 10, 54, 7, 999999, tzinfo=UTC), "2024-10-21T12:54:07+02:00"),
        (datetime(2024, 1, 21, 12, 54), "2024-01-21T12:54:00+01:00"),
        (datetime(2024, 10, 27, 2, 30, tzinfo=PARIS, fold=1), "2024-10-27T02:30:00+01:00"),
        (None, None),
        ("2024-10-21", None),
    ],
)
def test_to_iso(dt, expected):
    assert to_iso(dt) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("Mon, 21 Oct 2024 10:54:00 GMT", "2024-10-21T10:54:00+00:00"),
        (b"Mon, 21 Oct 2024 10:54:00 GMT", "2024-10-21T10:54:00+00:00"),
        ("Monday, 21-Oct-24 10:54:00 GMT", "2024-10-21T10:54:00+00:00"),
        ("Mon Oct 21 10:54:00 2024", "2024-10-21T10:54:00+00:00"),
        ("Mon, 21 Oct 2024 12:54:00 +0200", "2024-10-21T10:54:00+00:00"),
        ("  Mon, 21 Oct 2024 10:54:00 GMT  ", "2024-10-21T10:54:00+00:00"),
        ("garbage", None),
        ("", None),
        (b"\xff\xfe", None),
        (None, None),
        (12345, None),
    ],
)
def test_parse_http_date(value, expected):
    result = parse_http_date(value)
    if expected is None:
        assert result is None
    else:
        assert result.isoformat() == expected
        assert result.utcoffset() == timedelta(0)
