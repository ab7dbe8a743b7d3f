"""The rating-history chart: data for the vendored chart library (uPlot, drawn in the browser)
and the same chart drawn on the server as SVG, which is what a page shows without JavaScript.

The SVG is plain polylines on a time axis (one per race) with a dashed line at each season
start; the browser script (``static/chart.js``) replaces it with an interactive uPlot chart
from the JSON embedded beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from markupsafe import Markup, escape

from evoladder.services.public import RatingChart

WIDTH, HEIGHT = 800, 300
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 48, 12, 12, 28
COLORS = ("#2456a6", "#b02a2a", "#1e7b34", "#8e44ad", "#b8860b", "#117a8b")


def as_json(chart: RatingChart | None) -> dict[str, Any] | None:
    if chart is None:
        return None
    return {
        "series": [{"race": s.race, "t": list(s.times), "r": list(s.ratings)} for s in chart.series],
        "breaks": list(chart.season_breaks),
    }


def _script_json(value: Any) -> Markup:
    """JSON safe inside a <script> element (no "</script>" or "<!--" can appear in it)."""
    text = orjson.dumps(value).decode()
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def render(chart: RatingChart, race_name: Callable[[str], str]) -> tuple[Markup | None, Markup | None]:
    """(the SVG, the JSON for the script); (None, None) when there is nothing to draw. Series are
    named as the game names the races in the request's language."""
    series = [s for s in chart.series if s.times]
    if not series:
        return None, None
    data = as_json(chart) or {}
    for item in data["series"]:
        item["name"] = race_name(item["race"])
    t_lo = min(s.times[0] for s in series)
    t_hi = max(s.times[-1] for s in series)
    r_lo = min(min(s.ratings) for s in series)
    r_hi = max(max(s.ratings) for s in series)
    if t_hi == t_lo:
        t_hi = t_lo + 1
    if r_hi - r_lo < 50:
        r_lo, r_hi = r_lo - 25, r_hi + 25
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM

    def x(t: int) -> float:
        return PAD_LEFT + (t - t_lo) * plot_w / (t_hi - t_lo)

    def y(r: int) -> float:
        return PAD_TOP + (r_hi - r) * plot_h / (r_hi - r_lo)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="rating history" data-points="{sum(len(s.times) for s in series)}">',
        f'<rect x="{PAD_LEFT}" y="{PAD_TOP}" width="{plot_w}" height="{plot_h}" fill="#fff" stroke="#dde"/>',
    ]
    for r in (r_lo, (r_lo + r_hi) // 2, r_hi):
        parts.append(f'<text x="{PAD_LEFT - 4}" y="{y(r) + 4:.1f}" font-size="11" '
                     f'text-anchor="end">{r}</text>')
    for t in (t_lo, t_hi):
        label = datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d")
        anchor = "start" if t == t_lo else "end"
        parts.append(f'<text x="{x(t):.1f}" y="{HEIGHT - 8}" font-size="11" '
                     f'text-anchor="{anchor}">{label}</text>')
    for b in chart.season_breaks:
        if t_lo <= b <= t_hi:
            parts.append(f'<line class="season-break" x1="{x(b):.1f}" x2="{x(b):.1f}" y1="{PAD_TOP}" '
                         f'y2="{PAD_TOP + plot_h}" stroke="#999" stroke-dasharray="4 3"/>')
    for i, s in enumerate(series):
        color = COLORS[i % len(COLORS)]
        pts = " ".join(f"{x(t):.1f},{y(r):.1f}" for t, r in zip(s.times, s.ratings, strict=True))
        name = escape(data["series"][chart.series.index(s)]["name"])
        parts.append(f'<polyline class="series" fill="none" stroke="{color}" stroke-width="1.5" '
                     f'points="{pts}"><title>{name}</title></polyline>')
        parts.append(f'<text x="{PAD_LEFT + 6}" y="{PAD_TOP + 14 + 14 * i}" font-size="12" '
                     f'fill="{color}">{name}</text>')
    parts.append("</svg>")
    return Markup("".join(parts)), _script_json(data)
