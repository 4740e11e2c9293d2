"""The report's charts: pygal bar charts as inline SVG that draw with no script and no network.

pygal (Kozea, maintained since 2012) renders SVG on the server; its interactive layer is a
JavaScript file it would load from a CDN, so it is turned off (``js=[]``) and the config
script it still embeds is removed: the report runs no script at all (its CSP says so too).
Labels come from the web (outlet names); pygal serialises them as XML text, escaped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pygal
from pygal.style import Style

_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)
_STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#333",
    foreground_strong="#111",
    foreground_subtle="#888",
    colors=("#2f6db5",),
    font_family="system-ui, sans-serif",
    label_font_size=15,
    major_label_font_size=15,
    value_font_size=15,
    title_font_size=16,
)


def bar_chart(
    counts: Mapping[str, int], *, horizontal: bool = False, limit: int = 15, title: str = ""
) -> str:
    """An SVG bar chart of ``counts`` (largest first when horizontal, else key order)."""
    items = (
        sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        if horizontal
        else sorted(counts.items())[-limit:]
    )
    chart_class = pygal.HorizontalBar if horizontal else pygal.Bar
    height = max(220, 34 * len(items) + 90) if horizontal else 300
    chart = chart_class(
        js=[],
        style=_STYLE,
        width=640,
        height=height,
        show_legend=False,
        print_values=True,
        x_label_rotation=0 if horizontal else 45,
        title=title or None,
        disable_xml_declaration=True,
    )
    labels = [_short(label) for label, _ in items]
    if horizontal:
        labels.reverse()
        items = list(reversed(items))
    chart.x_labels = labels
    chart.add("", [count for _, count in items])
    svg = chart.render(is_unicode=True, disable_xml_declaration=True)
    return _SCRIPT.sub("", svg)


def _short(label: str, size: int = 32) -> str:
    # A label from the web can be any length; the bars need the room.
    return label if len(label) <= size else label[: size - 1] + "…"
