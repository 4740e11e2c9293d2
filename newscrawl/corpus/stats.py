"""``newscrawl stats``: what the corpus holds, per outlet and per month of publication.

Months are the Paris month of ``published`` (its first seven characters: the contract
writes Paris local time), so an article published at 00:30 on 1 November counts in
November, as a reader of the site would count it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from newscrawl.corpus import schema as s
from newscrawl.corpus.store import CorpusStore

UNKNOWN = "(none)"


def corpus_stats(store: CorpusStore) -> dict[str, Any]:
    a, v, c, r = s.articles, s.article_versions, s.comments, s.runs
    latest = v.c.version_id == a.c.current_version_id
    month = func.substr(v.c.published, 1, 7)
    with store.transaction(write=False) as db:
        totals = {
            "articles": db.scalar(select(func.count()).select_from(a)),
            "versions": db.scalar(select(func.count()).select_from(v)),
            "comments": db.scalar(
                select(func.count()).select_from(
                    c.join(a, c.c.version_id == a.c.current_version_id)
                )
            ),
        }
        articles_by = {
            key: dict(
                db.execute(
                    select(column, func.count()).select_from(a.join(v, latest)).group_by(column)
                ).all()
            )
            for key, column in (("outlet", v.c.outlet), ("month", month))
        }
        versions_by = {
            key: dict(db.execute(select(column, func.count()).group_by(column)).all())
            for key, column in (("outlet", v.c.outlet), ("month", month))
        }
        comments_by_outlet = dict(
            db.execute(
                select(v.c.outlet, func.count())
                .select_from(c.join(v, c.c.version_id == v.c.version_id).join(a, latest))
                .group_by(v.c.outlet)
            ).all()
        )
        runs = dict(db.execute(select(r.c.status, func.count()).group_by(r.c.status)).all())
        last = db.execute(
            select(r.c.run_id, r.c.kind, r.c.finished, r.c.added)
            .where(r.c.status == "committed")
            .order_by(r.c.finished.desc())
            .limit(1)
        ).one_or_none()

    def table(key: str, comments: dict | None = None) -> list[dict]:
        names = sorted(set(articles_by[key]) | set(versions_by[key]), key=lambda n: n or "")
        rows = []
        for name in names:
            row = {
                key: name or UNKNOWN,
                "articles": articles_by[key].get(name, 0),
                "versions": versions_by[key].get(name, 0),
            }
            if comments is not None:
                row["comments"] = comments.get(name, 0)
            rows.append(row)
        return rows

    return {
        "store": store.name,
        **totals,
        "per_outlet": table("outlet", comments_by_outlet),
        "per_month": table("month"),
        "runs": runs,
        "last_run": None
        if last is None
        else {
            "run_id": last.run_id,
            "kind": last.kind,
            "added": last.added,
            "finished": last.finished.isoformat(timespec="seconds") if last.finished else None,
        },
    }


def format_stats(stats: dict[str, Any]) -> str:
    lines = [
        f"store     {stats['store']}",
        f"articles  {stats['articles']}",
        f"versions  {stats['versions']}",
        f"comments  {stats['comments']} (latest versions)",
        "runs      " + (", ".join(f"{n} {k}" for k, n in sorted(stats["runs"].items())) or "none"),
    ]
    if stats["last_run"]:
        last = stats["last_run"]
        lines.append(
            f"last run  {last['run_id']} ({last['kind']}, {last['finished']}, "
            f"{last['added']} versions added)"
        )
    for title, key, columns in (
        ("per outlet", "outlet", ("articles", "versions", "comments")),
        ("per month", "month", ("articles", "versions")),
    ):
        rows = stats[f"per_{key}"]
        lines += ["", title]
        width = max([len(key)] + [len(str(row[key])) for row in rows])
        lines.append(f"  {key:<{width}}  " + "  ".join(f"{c:>8}" for c in columns))
        for row in rows:
            lines.append(f"  {row[key]:<{width}}  " + "  ".join(f"{row[c]:>8}" for c in columns))
    return "\n".join(lines)
