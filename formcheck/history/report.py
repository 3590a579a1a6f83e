"""A one-page HTML report of the training history, to print or send to a physiotherapist.

Self-contained on purpose: inline CSS, charts drawn here as inline SVG, no scripts, no
fonts or images to fetch, so the file opens anywhere and prints to A4 PDF as it looks.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape
from pathlib import Path

from exercises.framework import registry
from exercises.framework.display import Measure
from formcheck.history.store import (
    History,
    SessionRecord,
    SetCueCounts,
    SetRecord,
    TrendPoint,
    key_measures,
)


@dataclass(frozen=True)
class CueText:
    """What a report says about a cue: the instruction and why it matters for the lower back."""

    message: str
    why: str
    severity: str


Scale = Callable[[float], float]  # data value -> SVG coordinate
TimeScale = Callable[[datetime], float]

TOP_CUES = 5


def cue_texts() -> dict[str, CueText]:
    """What the report says about each cue: the shared ones and every registered exercise's."""
    return {code: CueText(cue.message, cue.why, str(cue.severity.value)) for code, cue in registry.cues().items()}


# --------------------------------------------------------------------------- formatting


def _day_label(d: date | datetime, with_year: bool = False) -> str:
    text = f"{d.day} {d:%b}"
    return f"{text} {d.year}" if with_year else text


def _when_label(t: datetime) -> str:
    return f"{t.day} {t:%b %Y %H:%M}"


def _cue_name(code: str) -> str:
    return code.replace("_", " ")


def exercise_title(exercise: str) -> str:
    name = registry.resolve(exercise)
    return registry.get(name).title if name else exercise.replace("_", " ").capitalize()


# --------------------------------------------------------------------------- SVG charts


def nice_ticks(lo: float, hi: float, max_ticks: int = 5) -> list[float]:
    """Round tick values (1, 2, 2.5, 5 x 10^n steps) from at or below `lo` to at or above `hi`."""
    if not hi > lo:
        raise ValueError("need hi > lo")
    raw = (hi - lo) / max(1, max_ticks - 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    first = math.floor(lo / step + 1e-9)
    last = math.ceil(hi / step - 1e-9)
    return [round(i * step, 10) + 0.0 for i in range(first, last + 1)]  # + 0.0 turns -0.0 into 0.0


def tick_decimals(ticks: Sequence[float]) -> int:
    """The fewest decimals that print every tick exactly (2.5 needs one, 0.05 two)."""
    return next(d for d in range(7) if all(abs(round(t, d) - t) < 1e-9 for t in ticks))


def y_ticks(values: Sequence[float], measure: Measure) -> list[float]:
    """Nice y ticks around the data, always showing the reference line when there is one.

    The span is at least a few display units, so a flat series does not magnify noise
    (or rounding) into a dramatic-looking slope.
    """
    lo, hi = min(values), max(values)
    if measure.reference is not None:
        lo, hi = min(lo, measure.reference), max(hi, measure.reference)
    min_span = 4 * 10.0 ** (-measure.decimals)
    if hi - lo < min_span:
        middle = (lo + hi) / 2
        lo, hi = middle - min_span / 2, middle + min_span / 2
    return nice_ticks(lo, hi)


def _date_ticks(start: datetime, end: datetime) -> list[tuple[datetime, str]]:
    """Date ticks at midnights (every 1/2/7/14 days) or month starts for long ranges."""
    span_days = (end - start).total_seconds() / 86400
    if span_days <= 70:
        step = next(s for s in (1, 2, 7, 14, 28) if span_days / s <= 5)
        tick = datetime.combine(start.date(), datetime.min.time())
        if tick < start:
            tick += timedelta(days=1)
        if step == 7:  # weeks start on Monday, as in a training diary
            tick += timedelta(days=(7 - tick.weekday()) % 7)
        ticks = []
        while tick <= end:
            ticks.append((tick, _day_label(tick)))
            tick += timedelta(days=step)
        return ticks
    months = next(m for m in (1, 2, 3, 6, 12, 24) if span_days / (30.4 * m) <= 5)
    year, month = start.year, start.month + 1  # first month start after `start`
    ticks = []
    while True:
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
        tick = datetime(year, month, 1)
        if tick > end:
            return ticks
        if (month - 1) % months == 0:
            ticks.append((tick, f"{tick:%b %Y}"))
        month += 1


def _x_domain(times: Sequence[datetime]) -> tuple[datetime, datetime]:
    """At least two days wide, so sets from a single day still get dated ticks."""
    first, last = min(times), max(times)
    span = last - first
    if span < timedelta(days=2):
        middle = first + span / 2
        return middle - timedelta(days=1), middle + timedelta(days=1)
    pad = span * 0.04
    return first - pad, last + pad


def line_chart_svg(
    points: Sequence[tuple[datetime, float | None]],
    measure: Measure,
    *,
    width: int = 360,
    height: int = 190,
) -> str:
    """A dated line chart of one measure: axes, ticks, grid, reference line, labelled points.

    `points` are (local wall-clock time, value); None values are gaps in the line.
    """
    present = [(t.replace(tzinfo=None), v) for t, v in points if v is not None]
    label = escape(measure.label)
    if not present:
        return (
            f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{label}: no data">'
            f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" class="nodata">'
            "not measured in these sets (camera view)</text></svg>"
        )
    left, right, top, bottom = 46, 14, 14, 38
    plot_w, plot_h = width - left - right, height - top - bottom
    # The x range spans every set, measured or not, so an exercise's charts share one time axis.
    x0, x1 = _x_domain([t.replace(tzinfo=None) for t, _ in points])
    ticks_y = y_ticks([v for _, v in present], measure)
    y0, y1 = ticks_y[0], ticks_y[-1]

    def x(t: datetime) -> float:
        return left + plot_w * (t - x0).total_seconds() / (x1 - x0).total_seconds()

    def y(v: float) -> float:
        return top + plot_h * (1 - (v - y0) / (y1 - y0))

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{label} over time, {len(present)} sets">',
        f"<title>{label} ({escape(measure.reading)})</title>",
    ]
    parts += _y_axis(ticks_y, y, left, width - right, measure)
    parts += _x_axis(x0, x1, x, top, height - bottom, present)
    if measure.reference is not None:
        ry = y(measure.reference)
        parts.append(f'<line class="ref" x1="{left}" x2="{width - right}" y1="{ry:.1f}" y2="{ry:.1f}"/>')
    parts += _series(points, x, y, measure)
    parts.append(f'<rect class="frame" x="{left}" y="{top}" width="{plot_w}" height="{plot_h}"/>')
    parts.append("</svg>")
    return "".join(parts)


def _y_axis(ticks: Sequence[float], y: Scale, x_left: float, x_right: float, measure: Measure) -> list[str]:
    decimals = tick_decimals(ticks)
    out = []
    for value in ticks:
        py = y(value)
        out.append(f'<line class="grid" x1="{x_left}" x2="{x_right}" y1="{py:.1f}" y2="{py:.1f}"/>')
        text = f"{value:.{decimals}f}{measure.unit.strip()}"
        out.append(f'<text class="tick" x="{x_left - 5}" y="{py + 3.5:.1f}" text-anchor="end">{escape(text)}</text>')
    return out


def _x_axis(
    x0: datetime, x1: datetime, x: TimeScale, y_top: float, y_axis: float, present: Sequence[tuple[datetime, float]]
) -> list[str]:
    out = []
    for tick, text in _date_ticks(x0, x1):
        px = x(tick)
        out.append(f'<line class="grid" x1="{px:.1f}" x2="{px:.1f}" y1="{y_top}" y2="{y_axis}"/>')
        out.append(f'<line class="axis" x1="{px:.1f}" x2="{px:.1f}" y1="{y_axis}" y2="{y_axis + 4}"/>')
        out.append(f'<text class="tick" x="{px:.1f}" y="{y_axis + 15}" text-anchor="middle">{escape(text)}</text>')
    years = sorted({t.year for t, _ in present})
    caption = f"date ({years[0]})" if len(years) == 1 else f"date ({years[0]}–{years[-1]})"
    x_mid = (x(x0) + x(x1)) / 2
    out.append(f'<text class="axis-label" x="{x_mid:.1f}" y="{y_axis + 31}" text-anchor="middle">{caption}</text>')
    return out


def _series(points: Sequence[tuple[datetime, float | None]], x: TimeScale, y: Scale, measure: Measure) -> list[str]:
    """The line (broken where a set lacks the measure), the points with tooltips, and the last value."""
    out: list[str] = []
    segment: list[str] = []
    ordered = sorted(((t.replace(tzinfo=None), v) for t, v in points), key=lambda p: p[0])
    for t, v in [*ordered, (None, None)]:
        if v is None or t is None:
            if len(segment) > 1:
                out.append(f'<polyline class="series" points="{" ".join(segment)}"/>')
            segment = []
            continue
        segment.append(f"{x(t):.1f},{y(v):.1f}")
    for t, v in ordered:
        if v is not None:
            px, py = x(t), y(v)
            tip = escape(f"{_when_label(t)}: {measure.format(v)}")
            out.append(f'<circle class="point" cx="{px:.1f}" cy="{py:.1f}" r="3"><title>{tip}</title></circle>')
    last_t, last_v = next((t, v) for t, v in reversed(ordered) if v is not None)
    lx, ly = x(last_t), y(last_v)
    last_text = escape(measure.format(last_v))
    out.append(f'<text class="last" x="{lx - 5:.1f}" y="{ly - 7:.1f}" text-anchor="end">{last_text}</text>')
    return out


# --------------------------------------------------------------------------- HTML sections

CSS = """
@page { size: A4; margin: 12mm 12mm 14mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font: 10.5pt/1.4 "Helvetica Neue", Arial, "Liberation Sans", sans-serif; color: #1d232a;
       max-width: 190mm; margin: 8mm auto; padding: 0 4mm; }
h1 { font-size: 17pt; margin: 0 0 2mm; }
h2 { font-size: 13pt; margin: 6mm 0 1.5mm; padding-bottom: 1mm; border-bottom: 1.5px solid #1f5fa8;
     break-after: avoid; }
h3 { font-size: 10.5pt; margin: 3mm 0 1mm; break-after: avoid; }
p { margin: 0 0 2mm; }
.meta { color: #4a5561; }
.note { font-size: 9pt; color: #4a5561; background: #f2f5f8; padding: 2mm 3mm; border-radius: 2px; }
table { border-collapse: collapse; width: 100%; font-size: 8.8pt; margin-bottom: 2mm; }
th, td { text-align: left; padding: 0.9mm 1.6mm; border-bottom: 0.5px solid #d4dae0; vertical-align: top; }
th { background: #eef2f6; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.file { word-break: break-all; max-width: 40mm; }
tr { break-inside: avoid; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(78mm, 1fr)); gap: 2mm 5mm; }
figure { margin: 0; break-inside: avoid; }
figcaption { font-size: 9pt; margin-bottom: 0.5mm; }
figcaption .reading { color: #4a5561; }
svg.chart { width: 100%; height: auto; display: block; font-family: inherit; }
svg .grid { stroke: #e3e8ed; stroke-width: 0.7; }
svg .axis, svg .frame { stroke: #8592a0; stroke-width: 0.8; fill: none; }
svg .ref { stroke: #b0483a; stroke-width: 1; stroke-dasharray: 4 3; }
svg .series { fill: none; stroke: #1f5fa8; stroke-width: 1.8; stroke-linejoin: round; }
svg .point { fill: #1f5fa8; stroke: #fff; stroke-width: 0.8; }
svg .tick { font-size: 9.5px; fill: #4a5561; }
svg .axis-label { font-size: 9.5px; fill: #4a5561; }
svg .last { font-size: 10px; font-weight: 600; fill: #1f5fa8; }
svg .nodata { font-size: 11px; fill: #8592a0; }
ol.cues { margin: 0 0 2mm; padding-left: 5mm; }
ol.cues li { margin-bottom: 1.2mm; break-inside: avoid; }
.sev { display: inline-block; font-size: 7.5pt; font-weight: 600; text-transform: uppercase; padding: 0 1.2mm;
       border-radius: 2px; margin-right: 1mm; color: #fff; background: #6b7785; }
.sev-warn { background: #b7791f; }
.sev-alert { background: #b0483a; }
.why { color: #33404c; }
.count { color: #4a5561; white-space: nowrap; }
footer { margin-top: 6mm; font-size: 8.5pt; color: #6b7785; }
@media print {
  body { margin: 0; padding: 0; max-width: none; font-size: 9.8pt; }
  .exercise { break-inside: auto; }
  a { color: inherit; text-decoration: none; }
}
"""


def _calibration_section(history: History, since: date | None, until: date | None) -> str:
    """Each person's pelvic-tilt calibrations in the period: the range is a mobility measure to follow."""
    rows = []
    for user in history.calibrated_users():
        for when, cal in history.calibrations(user):
            if (since and when.date() < since) or (until and when.date() > until):
                continue
            rows.append(
                f"<tr><td>{escape(user)}</td><td>{_when_label(when)}</td><td class=num>{cal.neutral_deg:+.0f}</td>"
                f"<td class=num>{cal.anterior_deg:+.0f}</td><td class=num>{cal.posterior_deg:+.0f}</td>"
                f"<td class=num>{cal.range_deg:.0f}</td></tr>"
            )
    if not rows:
        return ""
    return (
        "<section><h2>Pelvic tilt (calibrations)</h2><p class=note>The lower back's tilt from the body's outline,"
        " standing side-on: tall, tilted fully forward, fully back (degrees). A growing range is more control"
        " of the pelvis.</p><table><tr><th>Who</th><th>When</th><th class=num>Standing tall</th>"
        "<th class=num>Fully forward</th><th class=num>Fully back</th><th class=num>Range</th></tr>"
        + "".join(rows)
        + "</table></section>"
    )


def _held(sets: Sequence[SetRecord]) -> str:
    """Seconds held over `sets` (planks, stretches); – for rep exercises."""
    held_s = sum(s.hold_total_s for s in sets)
    return f"{held_s:.0f} s" if held_s else "–"


def _overview(sets: Sequence[SetRecord], exercises: Sequence[str]) -> str:
    rows = []
    for ex in exercises:
        ex_sets = [s for s in sets if s.exercise == ex]
        scores = [s.mean_score for s in ex_sets if s.mean_score is not None]
        mean = f"{sum(scores) / len(scores):.0f}" if scores else "–"
        rows.append(
            f"<tr><td>{escape(exercise_title(ex))}</td><td class=num>{len(ex_sets)}</td>"
            f"<td class=num>{sum(s.rep_count for s in ex_sets)}</td>"
            f"<td class=num>{_held(ex_sets)}</td>"
            f"<td>{_day_label(ex_sets[0].day, True)}</td><td>{_day_label(ex_sets[-1].day, True)}</td>"
            f"<td class=num>{mean}</td></tr>"
        )
    return (
        "<table class=overview><tr><th>Exercise</th><th class=num>Sets</th><th class=num>Reps</th>"
        "<th class=num>Held</th>"
        "<th>First set</th><th>Last set</th><th class=num>Mean form score</th></tr>" + "".join(rows) + "</table>"
    )


def _charts(exercise: str, points: Sequence[TrendPoint]) -> str:
    figures = []
    for key, measure in key_measures(exercise).items():
        svg = line_chart_svg([(p.recorded_at, p.values.get(key)) for p in points], measure)
        figures.append(
            f"<figure><figcaption><b>{escape(measure.label)}</b> "
            f"<span class=reading>({escape(measure.reading)})</span></figcaption>{svg}</figure>"
        )
    return f"<div class=charts>{''.join(figures)}</div>" if figures else ""


def _top_cues(
    counts: Sequence[SetCueCounts], texts: dict[str, CueText], stored: dict[str, tuple[str | None, str | None]]
) -> str:
    total: Counter[str] = Counter()
    sets_with: Counter[str] = Counter()
    for entry in counts:
        total.update(entry.counts)
        sets_with.update(entry.counts.keys())
    if not total:
        return "<p>No form cues were raised in these sets.</p>"
    items = []
    for code, n in sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_CUES]:
        stored_severity, stored_message = stored.get(code, (None, None))
        text = texts.get(code) or CueText(stored_message or _cue_name(code), "", stored_severity or "warn")
        why = escape(text.why) if text.why else "<i>No explanation recorded for this cue.</i>"
        items.append(
            f'<li><span class="sev sev-{escape(text.severity)}">{escape(text.severity)}</span>'
            f"<b>{escape(text.message)}</b> <span class=count>— {n}× in {sets_with[code]} of {len(counts)} sets"
            f"</span><br><span class=why>Why it matters for the lower back: {why}</span></li>"
        )
    return f"<ol class=cues>{''.join(items)}</ol>"


def _sets_table(
    exercise: str, sets: Sequence[SetRecord], points: Sequence[TrendPoint], counts: Sequence[SetCueCounts]
) -> str:
    keys = key_measures(exercise)
    values = {p.set_id: p.values for p in points}
    cues = {c.set_id: c.counts for c in counts}
    head = "".join(f"<th class=num>{escape(m.short)}</th>" for m in keys.values())
    rows = []
    for s in sets:
        cells = "".join(
            f"<td class=num>{escape(m.format(values.get(s.id, {}).get(k)))}</td>" for k, m in keys.items()
        )
        cue_text = ", ".join(
            f"{_cue_name(c)} ×{n}" for c, n in sorted(cues.get(s.id, {}).items(), key=lambda kv: -kv[1])
        )
        score = "–" if s.mean_score is None else f"{s.mean_score:.0f}"
        rows.append(
            f"<tr><td>{escape(_when_label(s.recorded_at))}</td><td>{escape(s.view or '–')}</td>"
            f"<td>{escape(s.source)}</td><td class=file>{escape(s.file_name or '–')}</td>"
            f"<td class=num>{s.rep_count}</td><td class=num>{_held([s])}</td><td class=num>{score}</td>{cells}"
            f"<td>{escape(cue_text) or '–'}</td></tr>"
        )
    return (
        "<table class=sets><tr><th>Date</th><th>View</th><th>Source</th><th>File</th><th class=num>Reps</th>"
        f"<th class=num>Held</th><th class=num>Score</th>{head}<th>Cues</th></tr>{''.join(rows)}</table>"
        "<p class=meta>Measures are averages over the reps of each set; – = not measurable from that camera view.</p>"
    )


def _exercise_section(
    history: History,
    exercise: str,
    sets: Sequence[SetRecord],
    since: date | None,
    until: date | None,
    texts: dict[str, CueText],
) -> str:
    points = history.trends(exercise, since, until).get(exercise, [])
    counts = history.cue_counts(exercise, since, until)
    reps = sum(s.rep_count for s in sets)
    held = f", {_held(sets)} held" if any(s.hold_total_s for s in sets) else ""
    span = f"{_day_label(sets[0].day, True)} – {_day_label(sets[-1].day, True)}"
    return (
        f"<section class=exercise id={escape(exercise)}><h2>{escape(exercise_title(exercise))}</h2>"
        f"<p class=meta>{len(sets)} sets, {reps} reps{held}, {span}</p>"
        f"{_charts(exercise, points)}"
        f"<h3>Most frequent cues</h3>{_top_cues(counts, texts, history.cue_messages(exercise))}"
        f"<h3>Sets</h3>{_sets_table(exercise, sets, points, counts)}</section>"
    )


# --------------------------------------------------------------------------- the page


def _period(since: date | None, until: date | None, sets: Sequence[SetRecord]) -> str:
    first = since or (sets[0].day if sets else None)
    last = until or (sets[-1].day if sets else None)
    if first is None or last is None:
        return "all recorded sets"
    return f"{_day_label(first, True)} – {_day_label(last, True)}"


def _routine_section(history: History, since: date | None, until: date | None) -> str:
    """Adherence over weeks: per ISO week and routine, the sessions done and their steps done to target."""
    weeks: dict[tuple[str, str], list[SessionRecord]] = {}
    for session in history.sessions(since, until):
        year, week, _ = session.recorded_at.isocalendar()
        weeks.setdefault((f"{year}-W{week:02d}", session.routine), []).append(session)
    if not weeks:
        return ""
    rows = []
    for (week, routine), sessions in weeks.items():
        met, planned = sum(s.steps_met for s in sessions), sum(s.steps_planned for s in sessions)
        name = sessions[0].outcome.get("name", routine)
        rows.append(
            f"<tr><td>{escape(week)}</td><td>{escape(name)}</td><td class=num>{len(sessions)}</td>"
            f"<td class=num>{met} / {planned}</td><td class=num>{100 * met / planned:.0f} %</td></tr>"
        )
    return (
        "<section><h2>Routines: adherence by week</h2><p class=note>A session is one pass through a routine"
        " (`formcheck analyse --routine`); a step is done when its target reps or hold time were reached"
        " (per side where the routine asks for both sides).</p><table><tr><th>Week</th><th>Routine</th>"
        "<th class=num>Sessions</th><th class=num>Steps done to target</th><th class=num>Adherence</th></tr>"
        + "".join(rows)
        + "</table></section>"
    )


def render_report(
    history: History,
    since: date | None = None,
    until: date | None = None,
    *,
    generated_at: datetime | None = None,
    title: str = "FormCheck — training history",
) -> str:
    """The whole report as one HTML string (inclusive local-day range; None = open-ended)."""
    generated_at = generated_at or datetime.now().astimezone()
    sets = history.list_sets(since=since, until=until)
    exercises = history.exercises(since, until)
    texts = cue_texts()
    if sets:
        body = _overview(sets, exercises) + "".join(
            _exercise_section(history, ex, [s for s in sets if s.exercise == ex], since, until, texts)
            for ex in exercises
        )
    else:
        body = "<p><b>No sets were recorded in this period.</b></p>"
    body = _routine_section(history, since, until) + body + _calibration_section(history, since, until)
    period = _period(since, until, sets)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}: {escape(period)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{escape(title)}</h1><p class=meta>{escape(period)} · {len(sets)} sets · "
        f"{sum(s.rep_count for s in sets)} reps · generated {escape(_when_label(generated_at))}</p>"
        "<p class=note>Measured by FormCheck from ordinary phone video with a pose estimator. Angles are "
        "estimates from a single camera: read them as trends over weeks rather than exact goniometry. "
        "Each point in a chart is one set (the average of its reps).</p></header>"
        f"{body}<footer>FormCheck report. The video itself is never stored, only these measurements."
        "</footer></body></html>\n"
    )


def write_report(
    history: History,
    out: str | Path,
    since: date | None = None,
    until: date | None = None,
    *,
    generated_at: datetime | None = None,
) -> Path:
    """Render and write the report as UTF-8; return the path written."""
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(history, since, until, generated_at=generated_at), encoding="utf-8")
    return path
