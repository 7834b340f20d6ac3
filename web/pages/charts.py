"""The dashboard's charts, drawn on the server by matplotlib as inline SVG; a bar is a link to what it counts.

matplotlib's object API (a ``Figure`` of its own, no pyplot state) is used from a worker thread, since
drawing takes tens of milliseconds of CPU. No script runs in the SVG, and its text is escaped by
matplotlib's SVG writer.
"""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Sequence

from matplotlib.figure import Figure

COLORS = ("#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed")
Series = tuple[str, Sequence[int | float], Sequence[str | None]]  # name, values, link of each bar or None
_HEAD = re.compile(r"^.*?(?=<svg)", re.DOTALL)  # the XML declaration and DOCTYPE, which HTML does without
_STYLE = re.compile(r' style="([^"]*)"')
_STYLE_ELEMENT = re.compile(r"<style[^>]*>.*?</style>", re.DOTALL)


def _draw(title: str, labels: Sequence[str], series: Sequence[Series], height: float, horizontal: bool,
          label_step: int) -> str:
    figure = Figure(figsize=(9, height), layout="constrained")
    axes = figure.add_subplot()
    axes.set_title(title, loc="left", fontsize=11)
    count = max(1, len(series))
    width = 0.8 / count
    positions = range(len(labels))
    for n, (name, values, links) in enumerate(series):
        offsets = [p - 0.4 + width * (n + 0.5) for p in positions]
        bars = (axes.barh(offsets, values, height=width, label=name, color=COLORS[n % len(COLORS)]) if horizontal
                else axes.bar(offsets, values, width=width, label=name, color=COLORS[n % len(COLORS)]))
        for bar, link in zip(bars, links, strict=True):
            if link:
                bar.set_url(link)
    shown = [label if n % label_step == 0 else "" for n, label in enumerate(labels)]
    if horizontal:
        axes.set_yticks(list(positions), shown)
        axes.invert_yaxis()
    else:
        axes.set_xticks(list(positions), shown, fontsize=8)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.set_axisbelow(True)  # grid lines under the bars, so a click on a bar reaches its link
    axes.grid(axis="x" if horizontal else "y", alpha=0.3)
    if len(series) > 1:
        axes.legend(frameon=False, fontsize=9)
    out = io.StringIO()
    figure.savefig(out, format="svg", transparent=True, metadata={"Date": None, "Creator": None})
    # matplotlib opens links in a new tab; a figure's list belongs in the same one.
    return presentational(_HEAD.sub("", out.getvalue(), count=1).replace(' target="_blank"', ""))


def presentational(svg: str) -> str:
    """``svg`` with its inline styles as presentation attributes: the pages' Content-Security-Policy
    (``style-src 'self'``) drops ``style`` attributes and ``<style>`` elements, and every shape would be
    painted black; attributes such as ``fill="#2563eb"`` are not styles, so they stay."""
    svg = _STYLE_ELEMENT.sub("", svg).replace("<svg ", '<svg stroke-linejoin="round" stroke-linecap="butt" ', 1)
    return _STYLE.sub(lambda m: "".join(f' {name.strip()}="{value.strip()}"' for name, value in (
        part.split(":", 1) for part in m.group(1).split(";") if ":" in part)), svg)


async def bars(title: str, labels: Sequence[str], series: Sequence[Series], *, height: float = 3.0,
               horizontal: bool = False, label_step: int = 1) -> str:
    """A bar chart as an ``<svg>`` element, drawn off the event loop."""
    return await asyncio.to_thread(_draw, title, list(labels), list(series), height, horizontal, label_step)
