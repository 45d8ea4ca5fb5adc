"""End to end through the real graph: a spoken single-step command in the default world.

espeak-ng -> AudioData on /audio/audio -> speech node (Whisper) -> planner (MCTS over the
offline LLM) -> skills (the sim's scripted-expert executor: the committed VLA checkpoint is
below target, see models/MODEL_CARD.md) -> perception verification -> ground-truth check.
Then the run folder's report.html is opened in headless Chromium.

The clip the run spoke (its command.wav) is transcribed offline with the same Whisper model and
checked first: an ASR variation (another espeak-ng, sox or Whisper build) fails that check with
what Whisper heard, instead of showing up as a planning or execution failure.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent

pytestmark = [pytest.mark.graph,
              pytest.mark.skipif(not shutil.which("espeak-ng"), reason="espeak-ng missing (run scripts/setup.sh)")]


SAID = "put the red cube in the blue bowl"


@pytest.fixture(scope="module")
def spoken_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    proc = subprocess.run([str(BIN / "promptbot"), "run", "--say", SAID,
                           "--world", "tabletop", "--seed", "1", "--executor", "expert", "--out", str(out),
                           "--timeout", "300", "--json"], capture_output=True, text=True, timeout=600)
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"no JSON report (rc {proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    return proc, report, out


def test_spoken_command_succeeds_through_the_graph(spoken_run):
    from promptbot.speech import load_recognizer
    from promptbot.speech.recognizer import transcribe_file
    from promptbot.speech.text import normalize

    proc, report, out = spoken_run
    logs = "\n".join(p.read_text(errors="replace")[-1500:] for p in sorted((out / "logs").glob("*.log")))
    # what was said and heard first, so an ASR variation fails here and not as a planning failure
    spoken = out / "command.wav"
    assert spoken.is_file(), f"the run wrote no command.wav (rc {proc.returncode}): {proc.stderr[-2000:]}"
    offline = transcribe_file(load_recognizer("tiny.en"), spoken)
    assert normalize(offline.text) == SAID and offline.is_command, \
        f"offline, Whisper heard {offline.text!r} (is_command={offline.is_command}) for the espeak-ng clip of {SAID!r}"
    heard = report.get("transcript", {})
    assert heard.get("is_command") and "red cube" in heard.get("text", "").lower(), (heard, logs)
    assert proc.returncode == 0 and report["success"], json.dumps(report, indent=1)[:3000] + logs
    assert report["plan"]["goal"] == "in(red_cube, blue_bowl)"
    assert [s["skill"] for s in report["plan"]["steps"]] == ["pick", "place"]
    assert report["ground_truth_check"]["success"] is True
    stages = [e["stage"] for e in report["timeline"]]
    for stage in ("heard", "planned", "executing", "verified"):
        assert stage in stages, stages
    for name in ("report.json", "report.md", "report.html", "plan_tree.svg", "episode.mp4", "recording.mcap",
                 "command.wav"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    counts = report["recorded_messages"]
    assert counts.get("/camera/color/image_raw", 0) > 10 and counts.get("/speech/transcript") == 1


def test_recording_is_readable_mcap(spoken_run):
    from mcap.reader import make_reader

    _, _, out = spoken_run
    with open(out / "recording.mcap", "rb") as f:
        summary = make_reader(f).get_summary()
    topics = {c.topic for c in summary.channels.values()}
    assert {"/camera/color/image_raw", "/planner/plan", "/speech/transcript", "/joint_states"} <= topics
    assert all(s.encoding == "ros2msg" for s in summary.schemas.values())


def test_report_html_loads_in_headless_chromium(spoken_run, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (scripts/setup.sh installs it)")
    _, _, out = spoken_run
    proc = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                           "--no-first-run", "--disable-background-networking", "--disable-component-update",
                           "--disable-sync", f"--user-data-dir={tmp_path}", "--enable-logging=stderr", "--v=0",
                           "--dump-dom", (out / "report.html").as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'id="verdict"' in proc.stdout and "SUCCESS" in proc.stdout
    assert "<svg" in proc.stdout and 'id="timeline"' in proc.stdout
    assert "Uncaught" not in proc.stderr
