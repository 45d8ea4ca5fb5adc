"""`promptbot bench asr` on a tiny set: the report has every selected cell and the target check."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
pytestmark = [pytest.mark.graph,
              pytest.mark.skipif(not (shutil.which("espeak-ng") and shutil.which("sox")),
                                 reason="espeak-ng / sox missing (run scripts/setup.sh)")]


def test_small_asr_bench_reports_cells_and_targets():
    proc = subprocess.run([str(BIN / "promptbot"), "bench", "asr", "--commands", "3", "--conditions", "clean,snr10",
                           "--models", "tiny.en", "--decodes", "hotwords", "--latency-commands", "1",
                           "--noise-clips", "2", "--test-n", "2", "--test-conditions", "clean,snr10",
                           "--streaming-conditions", "clean", "--latency-setups", "node,streaming", "--json"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    r = json.loads(proc.stdout)
    cells = {(x["condition"], x["variant"]) for x in r["results"]}
    assert cells == {(c, v) for c in ("clean", "snr10") for v in ("hotwords", "hotwords+lm")}
    assert r["targets"]["variant"] == "hotwords+lm"         # what the speech node runs
    assert all(x["n"] == 3 and 0.0 <= x["wer"] for x in r["results"])
    t = r["targets"]["models"]["tiny.en"]
    assert t["wer_clean"] is not None and t["wer_clean_met"] == (t["wer_clean"] <= 0.05)
    assert t["wer_snr10"] is not None and t["latency_p50_s"] is not None
    ts = r["test_split"]  # the frozen split: its rows, the streaming row on clean, and the latency ratio
    rows = {(x["condition"], x["row"]) for x in ts["results"]}
    assert rows == {(c, r) for c in ("clean", "snr10") for r in ("plain", "node", "scene")} | {("clean", "scene+streaming")}
    assert ts["sha256"] and ts["targets"]["models"]["tiny.en"]["wer_clean"] is not None
    lat = r["latency"]["tiny.en"]
    assert lat["node"]["ratio_vs_node"]["p50"] == 1.0 and lat["streaming"]["partial_decodes_mean"] > 0
    assert len(lat["first_commands"]["latency_s_in_order"]) == 1


def test_unknown_decode_is_a_clear_error():
    proc = subprocess.run([str(BIN / "promptbot"), "bench", "asr", "--decodes", "beam99", "--commands", "1"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "unknown or empty --decodes" in proc.stderr
