"""The quality pages' charts (图表): SVG bars drawn from the template quality/_bars.html, scaled to a
range, with an optional target line and a link on each bar (no script, no CDN)."""

from dataclasses import dataclass


@dataclass
class Bar:
    label: str
    value: float
    x: float = 0
    y: float = 0
    width: float = 0
    height: float = 0
    good: bool | None = None
    text: str = ""
    link: str = ""


def bar_chart(bars, *, low=None, high=None, target=None, width=560, height=220, fmt="{:.2f}"):
    """Bars laid out for the SVG template (quality/_bars.svg.html): scaled between `low` and `high`
    (defaults: 0 and the largest value), with an optional target line."""
    values = [b.value for b in bars if b.value is not None]
    low = 0 if low is None else low
    top = max(values + ([target] if target is not None else []), default=1)
    high = high if high is not None else (top if top > low else low + 1)
    plot_top, plot_bottom, left = 20, height - 40, 50
    span = max(high - low, 1e-9)
    slot = (width - left - 10) / max(len(bars), 1)
    for i, bar in enumerate(bars):
        value = low if bar.value is None else min(max(bar.value, low), high)
        bar.height = (value - low) / span * (plot_bottom - plot_top)
        bar.x = left + i * slot + slot * 0.15
        bar.width = slot * 0.7
        bar.y = plot_bottom - bar.height
        bar.text = "—" if bar.value is None else fmt.format(bar.value)
    line = None
    if target is not None and low <= target <= high:
        line = plot_bottom - (target - low) / span * (plot_bottom - plot_top)
    return {"bars": bars, "width": width, "height": height, "left": left, "bottom": plot_bottom,
            "top": plot_top, "target_y": line, "target": target, "low": fmt.format(low), "high": fmt.format(high)}
