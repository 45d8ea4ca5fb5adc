"""`promptbot bench sim` on a tiny sample: the report carries every part and the target check."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.graph

BIN = Path(sys.executable).parent


def test_small_sim_bench_reports_targets():
    proc = subprocess.run([str(BIN / "promptbot"), "bench", "sim", "--json", "--trials", "1", "--workers", "1",
                           "--skip-node", "--chains", "1"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    r = json.loads(proc.stdout)
    t = r["targets"]
    ph = t["physics_x_real_time_per_core"]
    assert ph["value"] == r["physics"]["real_time_x_per_core_idle"] > 0 and ph["pass"] == (ph["value"] >= 20)
    assert ph["with_ik_every_step"] > 0
    assert set(t["expert_success_per_skill"]["value"]) == {"pick", "place", "stack", "push"}
    assert "node_camera_30hz_at_real_time" not in t            # --skip-node
    ch = r["expert_chains"]                                    # expert-only chain, tabletop seed 0
    assert ch["chains"] == 1 and len(ch["chain_lengths"]) == 1 and 0 <= ch["avg_chain_length"] <= 5
    assert ch["commands"]["attempted"] == len(ch["failed"]) + ch["commands"]["succeeded"]
    assert all(f["reason"] for f in ch["failed"])              # every failure says why
