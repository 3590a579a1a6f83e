"""report.json, frames.csv and the short human summary. Schema: docs/report-schema.md."""

from __future__ import annotations

import csv
import json
import math
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from exercises.framework import registry
from exercises.framework.analyser import HoldResult, RepResult, SetAnalyser, SetState, finite_or_none
from exercises.framework.reps import RepCounterConfig
from formcheck.exercise_check import exercise_check
from formcheck.results import AnalysisResult, FrameRecord

SCHEMA_VERSION = 1
CANNOT_TELL = "cannot tell"  # a set's exercise when `auto` could not tell it (the session benchmark's word too)


def _installed_version() -> str:
    # One source of truth: pyproject.toml's version, as the installed package's metadata carries it.
    try:
        return metadata.version("formcheck")
    except metadata.PackageNotFoundError:  # a bare checkout on PYTHONPATH, never installed
        return "0+unknown"


VERSION = _installed_version()
# What a rep counted through a hole (RepResult.judged False) says instead of its cues.
NOT_JUDGED = "form not judged (you were out of sight for part of this rep)"
# The warning naming each rep counted through a hole (its start_s/end_s are the rep's): the history reads it back.
UNSEEN_REP = "rep_partly_unseen"


def rep_cue_words(cue_ids: Sequence[str], judged: bool = True, words: bool = True) -> str:
    """A rep's cues for tables and captions: in plain words, or as ids (`words=False`)."""
    listed = "; ".join(registry.cue(c).message for c in cue_ids) if words else ", ".join(cue_ids)
    return listed or ("no faults seen" if judged else NOT_JUDGED)


def rep_score_text(score: int, judged: bool = True) -> str:
    return f"score {score}" if judged else "not scored"


# Problems shorter than this are noise, not worth a warning.
MIN_WARNING_S = 0.5


def build_warnings(result: AnalysisResult) -> list[dict]:
    records = result.records
    warnings: list[dict] = []

    def add(code: str, message: str, ranges: list[tuple[float, float]]) -> None:
        """One warning per time range ({when} in the message is that range), or one for the whole video."""
        if not ranges:
            warnings.append({"code": code, "message": message.replace("{when} ", ""), "start_s": None, "end_s": None})
        for start, end in ranges:
            when = f"at {start:.1f}-{end:.1f} s" if end > start else f"at {start:.1f} s"
            warnings.append(
                {
                    "code": code,
                    "message": message.replace("{when}", when),
                    "start_s": round(start, 3),
                    "end_s": round(end, 3),
                }
            )

    scan = scan_records(records)
    _add_person_warnings(scan, add)
    if result.stopped is not None:
        add(
            "stopped_early",
            "The video is damaged or cut off: it stops {when}; everything before that was analysed"
            " (copy the complete file again to analyse the rest).",
            [(result.stopped.timestamp_s, result.stopped.timestamp_s)],
        )
    _add_timing_warnings(scan, add)
    analyser = result.analyser
    if analyser.state.fallback_spans:
        add(
            "signal_fallback",
            f"Reps {{when}} were counted from {analyser.spec.fallback_label}.",
            [span for span in analyser.state.fallback_spans if span[1] - span[0] >= MIN_WARNING_S],
        )
    unseen = [(r.start_s, r.end_s) for r in analyser.state.reps if not r.judged]
    if unseen:
        add(
            UNSEEN_REP,
            "The rep {when} was counted, but you were out of sight for part of it, so its form was not judged.",
            unseen,
        )
    if (
        analyser.state.views
        and max(analyser.state.views, key=analyser.state.views.get) not in analyser.spec.preferred_views
    ):
        add(
            "view",
            f"Filmed mostly from the {main_view(analyser.state)}; a side-on view shows hip extension,"
            " depth and back position best.",
            [],
        )
    return warnings


AddWarning = Callable[[str, str, list[tuple[float, float]]], None]


# Mean pixel value (0-255) below which a frame with nobody found is blamed on the light,
# not on the person being away. Our real videos average 55-210; with the lights at 3%
# (mean ~3) the model finds nobody, at 8% (mean ~9) it still finds the person mostly.
DARK_MEAN = 20.0


def _dark(record: FrameRecord) -> bool:
    return record.brightness < DARK_MEAN  # False for NaN (not measured)


# Below these a set cannot be judged: one rep takes about a second, and depth needs
# several frames per rep to catch the bottom.
MIN_DURATION_S = 1.0
MIN_FPS = 10.0
# Frames missing for longer than this leave a rep there unjudged: the counter's own limit, not a copy.
MAX_GAP_S = RepCounterConfig.max_gap_s

# Per-frame conditions whose time ranges become warnings (codes as in report.json).
RANGE_TESTS: dict[str, Callable[[FrameRecord], bool]] = {
    "too_dark": lambda r: not r.has_pose and _dark(r),
    "person_lost": lambda r: not r.has_pose and not _dark(r),
    "several_people": lambda r: r.people > 1,
    "feet_out_of_view": lambda r: r.has_pose and not r.feet_in_view,
    "frozen_picture": lambda r: r.repeated,
}


class _Span:
    """Time ranges (start_s, end_s) where a condition holds for at least MIN_WARNING_S, fed frame by frame."""

    def __init__(self) -> None:
        self.ranges: list[tuple[float, float]] = []
        self._start: float | None = None
        self._last = math.nan

    def update(self, t: float, bad: bool) -> None:
        if bad:
            self._start = t if self._start is None else self._start
            self._last = t
        elif self._start is not None:
            self.finish()

    def finish(self) -> list[tuple[float, float]]:
        if self._start is not None and self._last - self._start >= MIN_WARNING_S:
            self.ranges.append((self._start, self._last))
        self._start = None
        return self.ranges


@dataclass
class RecordScan:
    """What the warnings need from the per-frame records, gathered in one walk over them.

    One walk rather than one per warning: a live set keeps its records as compact columns
    that are rebuilt into FrameRecords on every walk (formcheck/records.py).
    """

    frames: int = 0
    with_pose: int = 0
    dark: int = 0
    first_t: float = math.nan
    last_t: float = math.nan
    ranges: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    gaps: list[tuple[float, float]] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        return self.last_t - self.first_t if self.frames else 0.0


def scan_records(records: Iterable[FrameRecord]) -> RecordScan:
    scan = RecordScan()
    spans = {code: _Span() for code in RANGE_TESTS}
    for r in records:
        t = r.timestamp_s
        if scan.frames == 0:
            scan.first_t = t
        elif t - scan.last_t > MAX_GAP_S:
            scan.gaps.append((scan.last_t, t))
        scan.frames += 1
        scan.with_pose += r.has_pose
        scan.dark += _dark(r)
        scan.last_t = t
        for code, test in RANGE_TESTS.items():
            spans[code].update(t, test(r))
    scan.ranges = {code: span.finish() for code, span in spans.items()}
    return scan


def _add_person_warnings(scan: RecordScan, add: AddWarning) -> None:
    if scan.frames and not scan.with_pose:
        too_dark = scan.dark > scan.frames / 2
        add(
            "no_person",
            "No person was found in the video"
            + (" (it is too dark)" if too_dark else "")
            + ", so nothing could be judged; film the whole body in a well-lit room.",
            [],
        )
        return
    dark = scan.ranges["too_dark"]
    if dark:
        add("too_dark", "Too dark to see the person {when}; reps there could not be judged (add light).", dark)
    lost = scan.ranges["person_lost"]
    if lost:
        add(
            "person_lost",
            "The person was out of view or could not be recognised {when}; reps there could not be judged.",
            lost,
        )
    several = scan.ranges["several_people"]
    if several:
        add(
            "several_people",
            "More than one person in view {when}; FormCheck followed the largest, most central one.",
            several,
        )
    feet = scan.ranges["feet_out_of_view"]
    if feet:
        add("feet_out_of_view", "Feet out of view {when}; depth and heels there could not be judged.", feet)


def _add_timing_warnings(scan: RecordScan, add: AddWarning) -> None:
    frozen = scan.ranges["frozen_picture"]
    if frozen and scan.with_pose:  # an empty room that never changes is already "no person"
        add(
            "frozen_picture",
            "The picture does not change {when} (repeated frames: a frozen opening, a stuck camera or an edit);"
            " no movement can be seen there.",
            frozen,
        )
    duration = scan.duration_s
    if duration < MIN_DURATION_S:
        add(
            "too_short",
            f"The video is only {scan.frames} frame{'s' if scan.frames != 1 else ''} ({duration:.1f} s) long,"
            " too short to count or judge reps; film the whole set.",
            [],
        )
        return
    fps = (scan.frames - 1) / duration
    if fps < MIN_FPS:
        add(
            "low_frame_rate",
            f"The video has only {fps:.1f} frames per second, so reps and depth may be missed;"
            " film at 24 frames per second or more.",
            [],
        )
        return
    # Frames missing (an edited or glitched recording): the rep counter gives up a rep
    # in progress after such a gap, so say where.
    if scan.gaps:
        add("frame_gap", "The video skips {when} (no frames there); reps there could not be judged.", scan.gaps)


def main_view(state: SetState) -> str:
    views = state.views
    return max(views, key=views.get) if views else "unknown"


UNCALIBRATED = (
    "uncalibrated: the lower back is judged against wide population limits and its change from the set's own"
    " rest position, which cannot see an arch held through the whole set (`formcheck calibrate` takes yours,"
    " `formcheck reference` keeps a set of your good form to judge against)"
)
# After the usual-range sentence of `back_info`: how to have the value judged.
JUDGE_IT = "calibrate or set a reference to judge it"


def back_reference(analyser: SetAnalyser) -> dict | None:
    """What the lower back's shape was judged against: the person's reference set of this exercise (same
    view), else their calibration, else population limits; and why a reference set was not used."""
    if analyser.spec.back is None:
        return None
    cal, ref = analyser.calibration, analyser.reference
    used, why = analyser.reference_use()
    found: dict = {"calibrated": cal is not None}
    if cal is not None:
        found |= {
            "neutral_deg": round(cal.neutral_deg, 2),
            "anterior_deg": round(cal.anterior_deg, 2),
            "posterior_deg": round(cal.posterior_deg, 2),
            "range_deg": round(cal.range_deg, 2),
        }
    if used:
        assert ref is not None
        note = f"judged against your reference set ({ref.source}, {ref.recorded_on}, {ref.view})"
    elif cal is not None:
        note = "judged against your pelvic-tilt calibration"
    else:
        note = UNCALIBRATED
    if why is not None:
        note = f"{note}; reference set not used: {why}"
    return found | {
        "kind": "reference_set" if used else "calibration" if cal is not None else "none",
        "date": ref.recorded_on if ref else None,
        "source": ref.source if ref else None,
        "view": ref.view if ref else None,
        "used_for_outline": used,
        "why": why,
        "values": {k: round(v, 3) for k, v in ref.values.items()} if ref else None,
        "note": note,
    }


def back_info(analyser: SetAnalyser, reps: list[dict], reference: dict | None) -> dict | None:
    """Without a reference set or a calibration judging the set: where its lower-back tilt at the bottom sits
    in the exercise's usual range (`ExerciseSpec.back_usual`). Information only, never a cue; None otherwise."""
    usual = analyser.spec.back_usual
    if usual is None or reference is None or reference["kind"] != "none":
        return None
    tilts = [
        v
        for r in reps
        if r["judged"] and r["view"] in usual.views and (v := r["metrics"].get("lumbar_tilt_deg")) is not None
    ]
    if not tilts:
        return None
    tilt = float(statistics.median(tilts))
    return {
        "tilt_deg": round(tilt, 1),
        "low_deg": usual.low_deg,
        "high_deg": usual.high_deg,
        "sets": usual.sets,
        "source": usual.source,
        "text": f"{usual.words(tilt)}; {JUDGE_IT}",
    }


def build_report(result: AnalysisResult) -> dict:
    analyser = result.analyser
    state = analyser.state
    info = result.info
    duration = result.records[-1].timestamp_s if result.records else 0.0
    frames = len(result.records)
    performed, skipped = analyser.checks()
    reps = [rep_entry(r) for r in state.reps]
    holds = [hold_entry(h) for h in state.holds]
    cues = state_cues(state)
    report = {
        "schema_version": SCHEMA_VERSION,
        "formcheck_version": VERSION,
        "source": {
            "file": Path(info.path).name,
            "width": info.width,
            "height": info.height,
            "source_width": info.source_width,
            "source_height": info.source_height,
            "rotation_deg": info.rotation_deg,
            "codec": info.codec,
        },
        "exercise": analyser.name,
        "exercise_requested": result.exercise_requested,
        "view": main_view(state),
        "side": state.sides.most_common(1)[0][0] if state.sides else None,
        "fps": round(frames / duration, 3) if duration > 0 else finite_or_none(info.fps),
        "duration_s": round(duration, 3),
        "frames": frames,
        "frames_with_pose": state.frames_with_pose,
        "rep_count": len(state.reps),
        "reps": reps,
        "partial_reps": [
            {"start_s": round(p.start_s, 3), "end_s": round(p.end_s, 3), "reason": p.reason} for p in state.partials
        ],
        "hold_count": len(holds),
        "holds": holds,
        "cues": cues,
        "checks": {"performed": performed, "skipped": skipped},
        "back_reference": (reference := back_reference(analyser)),
        "back_info": back_info(analyser, reps, reference),
        # A hold exercise's set is its holds; a set with both (a stretch's rocks) is summed up by its reps.
        "summary": set_summary(reps or holds, analyser.spec.key_metric, "reps" if reps or not holds else "holds")
        | hold_summary(holds),
        "warnings": build_warnings(result),
        "stopped_early": (
            {"time_s": round(result.stopped.timestamp_s, 3), "reason": result.stopped.reason}
            if result.stopped
            else None
        ),
    }
    check = exercise_check(result.exercise_requested, result.exercise_vote)
    if result.exercise_requested == "auto":
        vote = analyser.recognition
        assert vote is not None  # `auto`'s analyser is the one that recognises
        unsure = analyser.unsure()
        report["exercise_detection"] = {
            "scores": {k: round(v, 3) for k, v in vote.scores().items()},
            "reason": vote.reason(),
            "unsure": unsure,
        }
        if unsure is not None:  # judged as the vote's best guess, but that guess is not to be trusted
            check = {"requested": "auto", "recognised": None, "reason": unsure}
    if check is not None:
        report["exercise_check"] = check
    if result.sets is not None:
        report["sets"] = session_sets(result)
    return report


def rounded_metrics(metrics: dict[str, float | None]) -> dict[str, float | None]:
    """A rep's or hold's metrics for report.json: thousandths, missing ones kept as None."""
    return {k: (round(v, 3) if v is not None else None) for k, v in metrics.items()}


def rep_entry(r: RepResult) -> dict:
    return {
        "index": r.index,
        "start_s": round(r.start_s, 3),
        "peak_s": round(r.peak_s, 3),
        "end_s": round(r.end_s, 3),
        "side": r.side,
        "view": r.view,
        "metrics": rounded_metrics(r.metrics),
        "cues": list(r.cues),
        "evidence": dict(r.evidence),
        "score": r.score,
        "judged": r.judged,
    }


def state_cues(state: SetState) -> list[dict]:
    """report.json's "cues" of a set: each rep's at its peak, each hold's at its end (when the form over the
    whole hold is known)."""
    cues = [cue_entry(c, r.peak_s, r.evidence, rep=r.index) for r in state.reps for c in r.cues]
    return cues + [cue_entry(c, h.end_s, h.evidence, hold=h.index) for h in state.holds for c in h.cues]


def session_sets(result: AnalysisResult) -> list[dict]:
    """The sets found in the recording (`auto`), in time order. With one set or none, the recording is that one
    set, as a single-set video always was: its entry is the whole analysis (which also saw any movement before
    the splitter was sure), timed from the set found, else from the first frame to the last."""
    found = result.sets or []
    if len(found) > 1:
        return [set_entry(i, f.start_s, f.end_s, f.analyser, f.started_by, f.ended_by) for i, f in enumerate(found, 1)]
    first = result.records[0].timestamp_s if result.records else 0.0
    last = result.records[-1].timestamp_s if result.records else 0.0
    one = found[0] if found else None
    start, end = (one.start_s, one.end_s or last) if one else (first, last)
    how = (one.started_by, one.ended_by) if one else ("the whole recording", "the recording ended")
    return [set_entry(1, start, end, result.analyser, *how)]


def set_entry(
    index: int, start_s: float, end_s: float, analyser: SetAnalyser, started_by: str, ended_by: str | None
) -> dict:
    """One set of a recording: when, which exercise and why (or "cannot tell" and why), its count (reps, per
    side; holds and the time held), its cues and its reps and holds in report.json's shape."""
    state = analyser.state
    reps = [rep_entry(r) for r in state.reps]
    holds = [hold_entry(h) for h in state.holds]
    vote = analyser.recognition
    unsure = analyser.unsure() if vote is not None else None
    sides = Counter(r.side for r in state.reps if r.side)
    return {
        "index": index,
        "start_s": round(start_s, 3),
        "end_s": round(end_s, 3),
        "exercise": CANNOT_TELL if unsure else analyser.name,
        "judged_as": analyser.name,
        "reason": unsure or (vote.reason() if vote is not None else "named by the user"),
        "view": main_view(state),
        "side": sides.most_common(1)[0][0] if sides else None,
        "rep_count": len(reps),
        "reps_per_side": dict(sides),
        "hold_count": len(holds),
        "hold_s": round(sum(h["duration_s"] for h in holds), 2) if holds else None,
        "cues": state_cues(state),
        "reps": reps,
        "holds": holds,
        "summary": set_summary(reps or holds, analyser.spec.key_metric, "reps" if reps or not holds else "holds")
        | hold_summary(holds),
        "started_by": started_by,
        "ended_by": ended_by,
    }


def hold_entry(h: HoldResult) -> dict:
    return {
        "index": h.index,
        "start_s": round(h.start_s, 3),
        "end_s": round(h.end_s, 3),
        "duration_s": round(h.duration_s, 2),
        "side": h.side,
        "view": h.view,
        "metrics": rounded_metrics(h.metrics),
        "cues": list(h.cues),
        "evidence": dict(h.evidence),
        "score": h.score,
    }


def hold_summary(holds: list[dict]) -> dict:
    """The time held, kept in the summary so that the history has it (sets with no hold say 0)."""
    durations = [h["duration_s"] for h in holds]
    return {"hold_total_s": round(sum(durations), 2), "longest_hold_s": max(durations, default=None)}


def cue_entry(cue_id: str, time_s: float, evidence: Mapping[str, str], **result: int) -> dict:
    """One cue of report.json's "cues": `rep=` or `hold=` says which result raised it."""
    cue = registry.cue(cue_id)
    return {
        "id": cue_id,
        "message": cue.message,
        "severity": cue.severity.value,
        "time_s": round(time_s, 3),
        **result,
        "evidence": evidence.get(cue_id, "landmarks"),
    }


def set_summary(reps: list[dict], key_metric: str, over: str = "reps") -> dict:
    """Scores and the key metric over the judged reps (or, `over="holds"`, a hold exercise's holds)."""
    # Reps counted through a hole were not judged: their score and their metrics (taken from
    # the part that was seen) say nothing about the set's form.
    judged = [r for r in reps if r.get("judged", True)]
    scores = [r["score"] for r in judged]
    values = [v for r in judged if (v := r["metrics"].get(key_metric)) is not None]
    return {
        "mean_score": round(sum(scores) / len(scores), 1) if scores else None,
        "best_rep": max(judged, key=lambda r: r["score"])["index"] if judged else None,
        "worst_rep": min(judged, key=lambda r: r["score"])["index"] if judged else None,
        "key_metric": key_metric,
        "key_metric_mean": round(sum(values) / len(values), 2) if values else None,
        "over": over,
    }


def write_frames_csv(records: Sequence[FrameRecord], path: Path) -> None:
    keys = sorted({k for r in records for k in r.metrics})
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["frame", "time_s", "has_pose", "people", "feet_in_view", "phase", "rep_count", "signal", "cue", *keys]
        )
        for r in records:
            metrics = [_csv_num(r.metrics.get(k)) for k in keys]
            writer.writerow(
                [
                    r.index,
                    f"{r.timestamp_s:.4f}",
                    int(r.has_pose),
                    r.people,
                    int(r.feet_in_view),
                    r.phase,
                    r.rep_count,
                    _csv_num(r.signal),
                    r.cue or "",
                    *metrics,
                ]
            )


def _csv_num(value: float | None) -> str:
    return f"{value:.3f}" if value is not None and math.isfinite(value) else ""


def write_outputs(result: AnalysisResult, out_dir: Path) -> dict:
    report = build_report(result)
    write_frames_csv(result.records, out_dir / "frames.csv")
    # report.json last and whole (written aside, then renamed): its presence says the folder is complete,
    # which is what `formcheck analyse --resume` trusts after a killed batch.
    partial = out_dir / "report.json.partial"
    partial.write_text(json.dumps(report, indent=2))
    partial.replace(out_dir / "report.json")
    return report


def set_title(report: dict, named: bool = True) -> str:
    """"4 squat reps", "7 dead bug reps", "2 plank holds, 45 s held" or both (a stretch held and rocked); without
    the exercise's name when `named` is False ("4 reps"). Words, not the identifier ("dead_bug") a user never typed."""
    words = report["exercise"].replace("_", " ")
    name, holds, reps = f"{words} " if named else "", report.get("hold_count", 0), report["rep_count"]
    parts = [f"{reps} {name}rep{'s' if reps != 1 else ''}"] if reps or not holds else []
    if holds:
        held_s = report["summary"]["hold_total_s"]
        parts.append(f"{holds} {name}hold{'s' if holds > 1 else ''}, {held_s:.0f} s held")
    return "; ".join(parts)


def _exercise_words(report: dict) -> str:
    unsure = (report.get("exercise_detection") or {}).get("unsure")
    return f"exercise not recognised, judged as {report['exercise']}" if unsure else report["exercise"]


def set_count_words(entry: dict) -> str:
    """A set's count in words: "5 reps (left 3, right 2)", "1 hold, 30 s held" or both."""
    parts = []
    reps, holds = entry["rep_count"], entry["hold_count"]
    if reps or not holds:
        sides = ", ".join(f"{side} {n}" for side, n in sorted(entry.get("reps_per_side", {}).items()))
        parts.append(f"{reps} rep{'s' if reps != 1 else ''}" + (f" ({sides})" if sides else ""))
    if holds:
        parts.append(f"{holds} hold{'s' if holds != 1 else ''}, {entry['hold_s']:.0f} s held")
    return "; ".join(parts)


def session_summary(report: dict) -> str:
    """The text summary of a recording of several sets: one paragraph per set, then the recording's warnings."""
    sets = report["sets"]
    lines = [f"{report['source']['file']}: {len(sets)} sets found"]
    for entry in sets:
        span = f"{entry['start_s']:.1f}-{entry['end_s']:.1f} s"
        lines.append(f"  set {entry['index']} ({span}): {entry['exercise']}, {set_count_words(entry)}")
        lines.append(f"    {'not recognised' if entry['exercise'] == CANNOT_TELL else 'recognised'}: {entry['reason']}")
        for code in sorted({c["id"] for c in entry["cues"]}):
            lines.append(f"    tip: {registry.cue(code).message}")
    for warning in report["warnings"]:
        lines.append(f"  warning: {warning['message']}")
    return "\n".join(lines)


def human_summary(report: dict) -> str:
    if len(report.get("sets") or []) > 1:
        return session_summary(report)
    title = f"{_exercise_words(report)} ({report['view']} view), {set_title(report, named=False)}"
    lines = [
        f"{report['source']['file']}: {title}"
        + (f", mean score {report['summary']['mean_score']}" if report["summary"]["mean_score"] is not None else "")
    ]
    detection = report.get("exercise_detection")
    if detection and detection.get("unsure"):
        lines.append(f"  exercise not recognised ({detection['unsure']}): judged as {report['exercise']}, not valid")
    elif detection:
        lines.append(f"  recognised as {report['exercise']}: {detection['reason']}")
    for rep in report["reps"]:
        cues = rep_cue_words(rep["cues"], rep["judged"], words=False)
        score = rep_score_text(rep["score"], rep["judged"])
        lines.append(f"  rep {rep['index']} ({rep['start_s']:.1f}-{rep['end_s']:.1f} s) {score}: {cues}")
    for hold in report.get("holds", []):
        cues = rep_cue_words(hold["cues"], words=False)
        side = f", {hold['side']}" if hold["side"] else ""
        span = f"{hold['start_s']:.1f}-{hold['end_s']:.1f} s, {hold['duration_s']:.1f} s held{side}"
        lines.append(f"  hold {hold['index']} ({span}) score {hold['score']}: {cues}")
    for partial in report["partial_reps"]:
        lines.append(f"  not counted ({partial['start_s']:.1f}-{partial['end_s']:.1f} s): {partial['reason']}")
    advice = {c["id"] for c in report["cues"]}
    for code in sorted(advice):
        lines.append(f"  tip: {registry.cue(code).message}")
    for skipped in report["checks"]["skipped"]:
        lines.append(f"  not checked: {skipped['check']} ({skipped['reason']})")
    for warning in report["warnings"]:
        lines.append(f"  warning: {warning['message']}")
    reference = report.get("back_reference")
    if reference:
        lines.append(f"  lower back: {reference['note']}")
    info = report.get("back_info")
    if info:
        lines.append(f"  lower back (information): {info['text']}")
    return "\n".join(lines)
