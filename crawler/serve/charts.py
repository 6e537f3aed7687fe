"""Server-side SVG bar charts for the dashboard: no script, no library, nothing from outside.

Every bar carries its numbers (``data-*`` attributes and a <title> tooltip), so a reader can
hover for the value and a test can check the chart against the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup, escape

WIDTH, HEIGHT, AXIS = 600, 140, 16


@dataclass
class Bar:
    label: str                                                       # x: a day, a run
    segments: list[tuple[str, float]] = field(default_factory=list)  # (series, value), stacked

    @property
    def total(self) -> float:
        return sum(v for _, v in self.segments)


def bar_chart(bars: list[Bar], name: str, unit: str = "", height: int = HEIGHT, ticks: bool = True) -> Markup:
    """Bars left (oldest) to right (newest), stacked by series; the series name is the CSS
    class of its segments (colours in rasd.css)."""
    top = max((b.total for b in bars), default=0) or 1
    slot = WIDTH / max(len(bars), 1)
    inner = height - (AXIS if ticks else 2)
    parts = [f'<svg class="chart" data-chart="{escape(name)}" viewBox="0 0 {WIDTH} {height}" '
             f'role="img" aria-label="{escape(name)}" xmlns="http://www.w3.org/2000/svg" direction="ltr">',
             f'<line class="axis" x1="0" y1="{inner}" x2="{WIDTH}" y2="{inner}"/>']
    for i, bar in enumerate(bars):
        x = i * slot + slot * 0.1
        y = float(inner)
        total = f"{bar.total:g}"
        parts.append(f'<g class="bar" data-label="{escape(bar.label)}" data-value="{total}">'
                     f'<title>{escape(bar.label)}: {total}{escape(unit)}</title>')
        for series, value in bar.segments:
            h = inner * value / top
            y -= h
            parts.append(f'<rect class="s-{escape(series)}" data-series="{escape(series)}" data-value="{value:g}" '
                         f'x="{x:.1f}" y="{y:.1f}" width="{slot * 0.8:.1f}" height="{h:.1f}"/>')
        parts.append("</g>")
    if bars and ticks:
        parts.append(f'<text class="tick" x="0" y="{height - 3}">{escape(bars[0].label)}</text>')
        parts.append(f'<text class="tick" x="{WIDTH}" y="{height - 3}" text-anchor="end">'
                     f'{escape(bars[-1].label)}</text>')
        parts.append(f'<text class="tick" x="2" y="11">{top:g}{escape(unit)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
