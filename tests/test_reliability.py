"""SEM and MDC of a per-rep measure (formcheck/bench/reliability.py): hand-computed answers and known SDs."""

from __future__ import annotations

import json
import math
import random
import statistics

import pytest

from formcheck.bench import reliability as rel
from formcheck.bench.reliability import ClipValues

NAN = float("nan")


def test_within_set_sd_is_the_sample_sd():
    # mean 4, squared deviations 4+0+4 = 8, / (3 - 1) = 4
    assert rel.within_set_sd_deg([2.0, 4.0, 6.0]) == pytest.approx(2.0)


def test_within_set_sd_ignores_missing_reps():
    assert rel.within_set_sd_deg([2.0, None, 4.0, NAN, 6.0]) == pytest.approx(2.0)
    assert math.isnan(rel.within_set_sd_deg([1.0, None]))


def test_sem_pools_the_variances_by_their_degrees_of_freedom():
    # variances 4 (3 reps, 2 dof) and 1 (5 reps: 1,2,3,2,2 -> mean 2, sq 1+0+1+0+0 = 2, / 4 = 0.5)
    a, b = [2.0, 4.0, 6.0], [1.0, 2.0, 3.0, 2.0, 2.0]
    expected = math.sqrt((2 * 4.0 + 4 * 0.5) / (2 + 4))
    assert rel.sem_deg([a, b]) == pytest.approx(expected)


def test_sem_of_equal_sds_is_that_sd():
    assert rel.sem_deg([[0.0, 2.0, 4.0], [10.0, 12.0, 14.0]]) == pytest.approx(2.0)


def test_sets_with_fewer_than_three_measured_reps_are_left_out():
    good = [2.0, 4.0, 6.0]
    assert rel.sem_deg([good, [0.0, 100.0], [50.0, None, NAN, -50.0]]) == pytest.approx(2.0)
    assert math.isnan(rel.sem_deg([[0.0, 100.0], [1.0]]))
    assert math.isnan(rel.sem_deg([]))


def test_mdc_formulas():
    assert rel.mdc95_deg(1.0) == pytest.approx(1.96 * math.sqrt(2))  # 2.772
    # one rep against the median of 5: 1.96 * sqrt(1 + pi / 10) = 1.96 * 1.1464 = 2.2469
    assert rel.mdc_rep_vs_reference_deg(1.0, 5) == pytest.approx(2.2469, abs=1e-4)
    # a larger reference set's median tends to the true value: only the rep's own error is left
    assert rel.mdc_rep_vs_reference_deg(2.0, 10_000) == pytest.approx(1.96 * 2.0, rel=1e-3)


def test_sem_recovers_a_known_sd_from_many_sets():
    rng = random.Random(26)
    true_sd = 3.0
    means = [rng.uniform(-20, 20) for _ in range(400)]  # each set (person, exercise) its own level
    sets = [[rng.gauss(mean, true_sd) for _ in range(rng.randint(3, 12))] for mean in means]
    assert rel.sem_deg(sets) == pytest.approx(true_sd, rel=0.05)


def test_median_of_reference_has_the_variance_the_mdc_assumes():
    """A rep minus the median of 5 others, all with SD 1: its SD is about sqrt(1 + pi/10) (slightly less: the
    asymptotic pi/(2n) overstates a small set's median variance, so the MDC errs on the safe side)."""
    rng = random.Random(5)
    diffs = []
    for _ in range(20_000):
        ref = sorted(rng.gauss(0, 1) for _ in range(5))
        diffs.append(rng.gauss(0, 1) - ref[2])
    sd = math.sqrt(sum(d * d for d in diffs) / len(diffs))
    assert sd == pytest.approx(math.sqrt(1 + math.pi / 10), rel=0.05)
    assert sd <= math.sqrt(1 + math.pi / 10) * 1.01


def clip(file, exercise, view, values):
    return ClipValues(file, exercise, view, tuple(values))


CLIPS = [
    clip("a", "squat", "side", [2.0, 4.0, 6.0]),  # SD 2
    clip("b", "squat", "side", [10.0, 12.0, 14.0, None]),  # SD 2
    clip("c", "deadlift", "oblique", [1.0, 2.0, 3.0, 2.0, 2.0]),  # SD sqrt(0.5)
    clip("d", "lunge", "side", [1.0, 9.0]),  # 2 reps: left out, no row
    clip("e", "deadlift", "side", [None, None, None]),  # no measure: left out, no row
]


@pytest.mark.parametrize(
    ("group", "sets", "reps", "sem"),
    [
        ("squat (side)", 2, 6, 2.0),
        ("deadlift (oblique)", 1, 5, math.sqrt(0.5)),
        (rel.OVERALL, 3, 11, math.sqrt((2 * 4 + 2 * 4 + 4 * 0.5) / 8)),
    ],
)
def test_table_rows(group, sets, reps, sem):
    rows = {r.group: r for r in rel.reliability_rows(CLIPS)}
    r = rows[group]
    assert (r.sets, r.reps) == (sets, reps)
    assert r.sem_deg == pytest.approx(sem)
    assert r.mdc95_deg == pytest.approx(1.96 * math.sqrt(2) * sem)
    assert r.mdc_rep_vs_reference_deg == pytest.approx(1.96 * sem * math.sqrt(1 + math.pi / 10))
    assert len(r.sds_deg) == sets


def test_rows_are_the_groups_in_order_then_overall():
    rows = rel.reliability_rows(CLIPS)
    assert [r.group for r in rows] == ["squat (side)", "deadlift (oblique)", rel.OVERALL]


def test_markdown_table():
    text = rel.format_rows("lumbar_tilt_deg", rel.reliability_rows(CLIPS))
    lines = text.splitlines()
    assert "MDC rep vs median of 5" in lines[0]
    assert lines[2] == "| squat (side) | 2 | 6 | 2.0 2.0 | 2.0 | 5.5 | 4.5 |"
    assert lines[-1].startswith("| all | 3 | 11 | 0.7 to 2.0 |")


def test_no_usable_set_gives_an_overall_row_without_numbers():
    rows = rel.reliability_rows([clip("d", "lunge", "side", [1.0, 9.0])])
    assert [r.group for r in rows] == [rel.OVERALL]
    assert rows[0].sets == 0 and math.isnan(rows[0].sem_deg)
    assert rel.format_rows("m", rows).splitlines()[-1] == "| all | 0 | 0 | - | - | - | - |"


def test_a_margin_clears_the_largest_view_mdc():
    """Side-on SD 2 deg (MDC rep vs median of 5: 1.96 * 2 * sqrt(1 + pi / 10) = 4.49), oblique SD 4 (8.98):
    an 8 deg margin clears the side view's but not the oblique's, so not the exercise's."""
    clips = [
        clip("a", "squat", "side", [0.0, 2.0, 4.0]),
        clip("b", "squat", "oblique", [0.0, 4.0, 8.0]),
        clip("c", "lunge", "side", [0.0, 2.0, 4.0]),
    ]
    margins = {("squat", "lower_back_arching"): 8.0, ("lunge", "lower_back_arching"): 8.0, ("bridge", "x"): 8.0}
    squat, lunge, bridge = rel.margin_checks(clips, margins)
    assert squat.mdc_deg == pytest.approx(1.96 * 4.0 * math.sqrt(1 + math.pi / 10))
    assert (squat.clears, lunge.clears, bridge.clears) == (False, True, None)
    assert lunge.mdc_deg == pytest.approx(4.49, abs=0.01)
    rows = rel.format_margins([squat, lunge, bridge]).splitlines()
    assert rows[2:] == [
        "| squat | lower_back_arching | 8.0 | 9.0 | **no** |",
        "| lunge | lower_back_arching | 8.0 | 4.5 | yes |",
        "| bridge | x | 8.0 | - | not measured |",
    ]


@pytest.mark.parametrize(
    "drawn, code",
    [
        ([4.0, 6.0, 8.0, 10.0], 0),  # SD 2.6 deg: MDC rep vs median of 5 = 5.8 deg, under the squat's 8 deg margins
        ([0.0, 12.0, 0.0, 12.0], 1),  # SD 6.9 deg: MDC 15.6 deg, over them: the command fails and says so
    ],
)
def test_the_command_end_to_end_on_a_cached_synthetic_clip(tmp_path, capsys, drawn, code):
    """`formcheck bench-reliability` on a manifest of one side-on squat set whose poses are in the cache
    (no decoding, no model): four reps with the lower back drawn at the given tilts."""
    from formcheck.bench.posecache import ORIGINAL, cache_path, save_track
    from formcheck.cli import main
    from tests.synthetic import rep_profile, sequence, squat_side
    from tests.test_back_cues import with_back
    from vision.estimator import DEFAULT_MODEL

    period_s, rest_s = 1.6, 0.6

    def make(t: float, fps: float):
        depth = rep_profile(t, period_s, rest_s)
        return with_back(squat_side(110.0 * depth, 30.0 * depth, t), drawn[min(int(t // (period_s + rest_s)), 3)])

    video = tmp_path / "squat_side_synthetic.mp4"
    video.write_bytes(b"not decoded: the poses come from the cache")
    cache = tmp_path / "cache"
    cache.mkdir()
    save_track(cache_path(cache, video, ORIGINAL, DEFAULT_MODEL), list(sequence(make, 4 * (period_s + rest_s))))
    manifest = tmp_path / "manifest.json"
    entries = [{"file": video.name, "exercise": "squat", "reps": 4}, {"file": "plank.mp4", "exercise": "plank"}]
    manifest.write_text(json.dumps({"videos": entries}))
    out = tmp_path / "out"

    argv = ["bench-reliability", str(manifest), "--cache", str(cache), "--out", str(out), "--workers", "1"]
    assert main(argv) == code
    printed = capsys.readouterr()
    margins = json.loads((out / "reliability.json").read_text())["reference_margins"]
    squat_margins = [c for c in margins if c["exercise"] == "squat"]
    assert {c["cue"] for c in squat_margins} == {"lower_back_arching", "lower_back_rounding"}
    assert all(c["clears"] is (code == 0) for c in squat_margins)
    assert ("margin too small: squat" in printed.err) is (code == 1)
    assert "not measured: plank.mp4" in printed.err
    data = json.loads((out / "reliability.json").read_text())
    (clip,) = data["clips"]
    assert clip["exercise"] == "squat" and clip["view"] == "side"
    assert clip["values"]["lumbar_tilt_deg"] == pytest.approx(drawn, abs=0.1)
    tilt_rows = {r["group"]: r for r in data["metrics"]["lumbar_tilt_deg"]}
    sd = statistics.stdev(drawn)
    assert tilt_rows["squat (side)"]["sem_deg"] == pytest.approx(sd, abs=0.1)
    assert tilt_rows[rel.OVERALL]["mdc95_deg"] == pytest.approx(1.96 * math.sqrt(2) * sd, abs=0.3)
    assert (out / "reliability.md").read_text().strip() in printed.out
