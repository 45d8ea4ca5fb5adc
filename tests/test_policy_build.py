"""The VLA pipeline (promptbot build-policy): typed settings, per-stage cache keys, resume."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest

from promptbot.policy.build import BuildConfig, Pipeline, _file_key, build_policy, config_from


def test_settings_are_validated_and_typed():
    with pytest.raises(ValueError, match="plain_episodes"):
        BuildConfig(plain_episodes=0)
    with pytest.raises(ValueError, match="gripper_head"):
        BuildConfig(gripper_head="soft")
    with pytest.raises(ValueError, match="dagger_episodes"):
        BuildConfig(dagger_rounds=2, dagger_episodes=0)
    with pytest.raises(ValueError, match="eval_conditions"):
        BuildConfig(eval_conditions=("seen", "upside-down"))
    with pytest.raises(ValueError, match="base_checkpoint"):
        BuildConfig(base_checkpoint="models/no-such.pt")
    cfg = config_from("cpu", {"dagger_rounds": "3", "takeover_s": "0.5,6", "finetune_lr": "1e-4",
                              "eval_conditions": "seen,unseen"})
    assert (cfg.dagger_rounds, cfg.takeover_s, cfg.finetune_lr, cfg.eval_conditions) == \
        (3, (0.5, 6.0), 1e-4, ("seen", "unseen"))
    with pytest.raises(ValueError, match="unknown setting"):
        config_from("cpu", {"epochs": "3"})
    with pytest.raises(ValueError, match="unknown preset"):
        config_from("gpu-farm", {})


def test_a_stage_key_changes_with_its_own_settings_and_upstream_only(tmp_path):
    a = Pipeline(BuildConfig(), tmp_path)
    assert a.stage("plain", 600, 0, 0.0, 64).key == a.stage("plain", 600, 0, 0.0, 64).key
    assert a.stage("plain", 600, 0, 0.0, 64).key != a.stage("plain", 601, 0, 0.0, 64).key
    assert a.stage("train0", ["k1"], "", 40).key != a.stage("train0", ["k2"], "", 40).key
    st = a.stage("plain", 1, 0, 0.0, 64)
    assert st.result() is None
    st.finish({"episodes": 1})
    assert st.result() == {"episodes": 1} and st.folder.parent == tmp_path


@pytest.mark.slow   # reason: collects, trains and evaluates for real at toy size, twice (~90 s on 2 cores)
def test_pipeline_runs_end_to_end_then_reuses_every_finished_stage(tmp_path):
    cfg = replace(BuildConfig.smoke(), plain_episodes=2, dart_episodes=0, dagger_episodes=1, eval_timeout_s=2.0)
    first = build_policy(cfg, tmp_path, progress=False)
    assert [r["round"] for r in first["rounds"]] == [0, 1]
    assert all(0.0 <= r["success"] <= 1.0 and r["train_steps"] > 0 for r in first["rounds"])
    assert first["rounds"][1]["dagger_episodes"] == 1
    assert not any(s["cached"] for s in first["stages"])
    assert json.loads((tmp_path / "report.json").read_text())["best_checkpoint"] == first["best_checkpoint"]
    # the same settings again: nothing runs; a changed evaluation size re-runs only the evaluations
    again = build_policy(cfg, tmp_path, progress=False)
    assert all(s["cached"] for s in again["stages"]) and again["rounds"] == first["rounds"]
    third = build_policy(replace(cfg, eval_conditions=("unseen",)), tmp_path, progress=False)
    rerun = {s["stage"] for s in third["stages"] if not s["cached"]}
    assert rerun == {"eval0", "eval1"}, third["stages"]


def test_a_base_checkpoint_is_round_zero_and_keys_follow_its_content(tmp_path, monkeypatch):
    """With base_checkpoint nothing is trained in round 0: that file is evaluated, and its bytes
    (not its name) key every stage that reads it, so a replaced checkpoint is never served from cache."""
    ckpt = tmp_path / "base.pt"
    ckpt.write_bytes(b"weights v1")
    pipe = Pipeline(BuildConfig(base_checkpoint=str(ckpt), dagger_rounds=0), tmp_path / "cache", progress=False)
    calls = []
    monkeypatch.setattr(Pipeline, "collect", lambda self, name, *a: (self.stage(name, *a), {}))
    monkeypatch.setattr(Pipeline, "train", lambda *a, **k: calls.append("train"))

    def fake_eval(self, name, trained, checkpoint):
        calls.append((name, trained, checkpoint))
        st = self.stage(name, trained.key if trained else _file_key(checkpoint))
        return st, {"success": 0.5, "results": {}, "ends": {}}

    monkeypatch.setattr(Pipeline, "evaluate", fake_eval)
    report = pipe.run()
    assert calls == [("eval0", None, str(ckpt))]
    assert report["best_checkpoint"] == str(ckpt) and report["rounds"][0]["train_steps"] is None
    first = _file_key(ckpt)
    ckpt.write_bytes(b"weights v2")
    assert _file_key(ckpt) != first


def test_the_release_width_reaches_the_collector_and_keys_the_data(tmp_path, monkeypatch):
    import promptbot.policy.collect_skills as cs

    seen = []
    monkeypatch.setattr(cs, "collect_skills", lambda out, *a, **kw: seen.append(kw["release_width_m"]) or
                        {"episodes": 1, "successful": 1})
    wide = Pipeline(BuildConfig(), tmp_path)                         # the default: fully open, 0.08 m
    default = Pipeline(BuildConfig(release_width_m=0.0), tmp_path)   # the expert's own (pre-grasp) width
    st_wide, _ = wide.collect("plain", 1, 0, 0.0)
    st_default, _ = default.collect("plain", 1, 0, 0.0)
    assert seen == [0.08, None]
    assert st_wide.key != st_default.key
    # a cache made before the setting existed keeps its key when the expert's default is asked for
    assert st_default.key == default.stage("plain", 1, 0, 0.0, 64).key
    with pytest.raises(ValueError, match="release_width_m"):
        BuildConfig(release_width_m=-0.01)


def test_the_training_batch_reaches_the_trainer_and_keys_only_when_set(tmp_path, monkeypatch):
    """batch_size=0 keeps the cpu training preset's batch and the cache keys made before the setting existed;
    a set batch reaches TrainConfig and keys the training stage (a checkpoint trained at batch 256 is fine-tuned
    at 256)."""
    import promptbot.policy.data as data_mod
    import promptbot.policy.embeddings as emb
    import promptbot.policy.train as train_mod

    batches = []
    monkeypatch.setattr(data_mod, "load_segments", lambda *a, **k: ["segment"])
    monkeypatch.setattr(emb, "instruction_embedder", lambda *a: None)
    monkeypatch.setattr(train_mod, "train", lambda eps, cfg, *a, **k: batches.append(cfg.batch_size) or
                        {"steps": 1, "best_val_l1": 0.5, "minutes": 0.0})
    default = Pipeline(BuildConfig(), tmp_path)
    big = Pipeline(BuildConfig(batch_size=256), tmp_path)
    data = [default.stage("plain", 1, 0, 0.0, 64)]
    st_default, _ = default.train("train0", data, None, 1, 0.1, None)
    st_big, _ = big.train("train0", data, None, 1, 0.1, None)
    assert batches == [64, 256]
    assert st_default.key != st_big.key
    with pytest.raises(ValueError, match="batch_size"):
        BuildConfig(batch_size=-1)
