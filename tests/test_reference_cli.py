"""`formcheck reference` and `formcheck analyse --user NAME [--as-reference]` (issue 26), on synthetic sets.

The pose model is replaced by scripted poses whose drawn back edge tilts by known angles
(tests/test_back_cues.py): neutral squats at +4.7 deg at the bottom, and the same squats with the
lower back arched at +17 deg all set long (the issue's case: no change from the set's own rest).
"""

from __future__ import annotations

import json

from exercises.framework.back_rules import REFERENCE
from tests.synthetic import ScriptedEstimator, pattern_video
from tests.test_reference import held_squats


def scripted(monkeypatch, tilt_deg: float) -> None:
    from formcheck import pipeline

    make = held_squats(tilt_deg)
    monkeypatch.setattr(pipeline, "PoseEstimator", lambda config: ScriptedEstimator(lambda t: make(t, 30.0)))


def test_a_reference_set_judges_the_users_later_sets(monkeypatch, tmp_path, capsys):
    from formcheck import cli
    from formcheck.history.store import open_history

    video = pattern_video(tmp_path / "neutral.mp4", 7.0, "320x240")
    scripted(monkeypatch, 4.7)
    assert cli.main(["reference", str(video), "--exercise", "squat", "--user", "ann", "--date", "2026-12-01"]) == 0
    out = capsys.readouterr().out
    assert "ann: squat reference from neutral.mp4 (side, " in out
    assert ", 2026-12-01): lower back +4.7 deg at the bottom, depth " in out
    with open_history() as history:
        ref = history.latest_reference("ann", "squat")
        assert history.reference_users() == ["ann"]
        assert history.list_sets() == []  # `formcheck reference` keeps the reference, not a training set
    assert ref is not None and ref.view == "side" and ref.n_reps >= 3

    scripted(monkeypatch, 17.0)
    arched = pattern_video(tmp_path / "arched.mp4", 7.0, "320x240")
    for user, kind in (("ann", "reference_set"), ("bob", "none")):
        folder = tmp_path / user
        assert cli.main(["analyse", str(arched), "--exercise", "squat", "--user", user, "--out", str(folder)]) == 0
        report = json.loads((folder / "report.json").read_text())
        assert report["back_reference"]["kind"] == kind
        assert report["back_reference"]["used_for_outline"] is (kind == "reference_set")
        assert report["rep_count"] >= 3
        for rep in report["reps"]:
            assert ("lower_back_arching" in rep["cues"]) is (kind == "reference_set"), rep
            if kind == "reference_set":
                assert rep["evidence"]["lower_back_arching"] == REFERENCE
        if kind == "reference_set":
            assert report["back_reference"]["source"] == "neutral.mp4"
            assert report["back_reference"]["values"]["lumbar_tilt_deg"] == 4.7
            assert report["back_info"] is None
        else:  # point 4: the absolute value stays information
            assert report["back_info"]["text"] == (
                "+17 deg at the bottom: within the usual range (side-on squats: -7.5 to +21 deg);"
                " calibrate or set a reference to judge it"
            )
    out = capsys.readouterr().out
    assert "lower back: judged against your reference set (neutral.mp4, 2026-12-01, side)" in out
    assert "lower back (information): +17 deg at the bottom: within the usual range" in out

    # `analyse --as-reference` keeps the analysed (and stored) set as the new reference.
    folder = tmp_path / "again"
    argv = ["analyse", str(arched), "--exercise", "squat", "--user", "ann", "--out", str(folder), "--as-reference"]
    assert cli.main(argv) == 0
    assert "ann: squat reference from arched.mp4" in capsys.readouterr().out
    with open_history() as history:
        refs = history.references("ann")
        assert [r.source for _, r in refs] == ["arched.mp4", "neutral.mp4"]
        assert history.latest_reference("ann", "squat").tilt_deg == 17.0
        linked = history.conn.execute("SELECT set_id FROM back_references WHERE id = ?", (refs[0][0],)).fetchone()
        assert linked[0] is not None and history.get_set(linked[0]) is not None


def test_a_set_that_cannot_be_a_reference_is_refused_in_plain_words(monkeypatch, tmp_path, capsys):
    from formcheck import cli

    scripted(monkeypatch, 4.7)
    short = pattern_video(tmp_path / "short.mp4", 2.5, "320x240")  # one or two reps
    assert cli.main(["reference", str(short), "--exercise", "squat"]) == 2
    err = capsys.readouterr().err
    assert "short.mp4 cannot be a reference: only " in err and "(a reference needs 3)" in err
    assert cli.main(["analyse", str(short), str(short), "--as-reference", "--out", str(tmp_path / "o")]) == 2
    assert "--as-reference keeps one set" in capsys.readouterr().err
