"""The VLA pipeline in one resumable command: data from seeds -> training -> evaluation -> DAgger rounds.

``promptbot build-policy`` (``make policy``) runs these stages in order, each cached under
``<cache>/<stage>-<key>/`` where ``key`` hashes the stage's own settings and the keys of the stages
it reads, so a changed setting redoes only what depends on it, and a stage that finished is never
redone:

1. ``plain``: expert skill episodes (``collect_skills``, seeds ``0..plain_episodes-1``);
2. ``dart``: the same with DART noise on the executed twist (seeds from 100,000);
3. ``train0``: behaviour cloning on both;
4. ``eval0``: ``evaluate`` on held-out seeds (>= 1,000,000), the graph's skill timeout;
5. for each DAgger round r = 1..R: ``dagger{r}`` (the previous round's best checkpoint drives, the
   expert takes over: ``promptbot.policy.dagger``), ``train{r}`` (fine-tunes the previous
   checkpoint on every dataset so far), ``eval{r}``.

A stage interrupted part-way resumes through its own mechanism (collection skips recorded episodes,
training continues from ``last.pt``). Data are deterministic given the seeds; training stops at
``epochs`` or at its ``max_minutes`` cap, whichever comes first, so a capped run depends on the
machine's speed (the report records both). ``report.json`` in the cache folder lists every round's
success per skill, including rounds that did not help; ``--install`` copies the best round's
checkpoint to models/vla_tabletop.pt.

With ``base_checkpoint`` (e.g. the committed ``models/vla_tabletop.pt``) round 0 is that checkpoint,
evaluated on the same seeds, not a network trained here: the DAgger rounds improve it, fine-tuning
on the fresh plain/DART data plus the rounds' corrections (its own network and gripper head are
kept). This is how a checkpoint trained where more compute was lent is improved on this CPU.
"""
from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from promptbot.planning.skills import SKILL_NAMES

log = logging.getLogger("promptbot.build_policy")

DART_SEED0 = 100_000


@dataclass(frozen=True)
class BuildConfig:
    """Every setting of the pipeline; sizes are episodes, times minutes of wall time."""
    plain_episodes: int = 600
    dart_episodes: int = 400
    dart_noise_m_s: float = 0.03
    image_size: int = 64
    train_epochs: int = 40
    train_minutes: float = 45.0                 # cap per training stage
    finetune_epochs: int = 10
    finetune_minutes: float = 12.0
    finetune_lr: float = 3e-4
    batch_size: int = 0                         # training batch; 0 = the cpu training preset's (64)
    gripper_head: str = "binary"
    dagger_rounds: int = 2
    dagger_episodes: int = 200
    takeover_s: tuple[float, float] = (0.5, 8.0)
    eval_episodes: int = 12                     # per skill, seen paraphrases
    eval_conditions: tuple[str, ...] = ("seen",)
    eval_timeout_s: float = 0.0                 # per skill; 0 = the graph's (the planner's step_timeout_s)
    seed: int = 0
    workers: int = 1
    base_checkpoint: str = ""                   # round 0 = this checkpoint instead of training one
    # [m] how wide the expert lets go in a place or stack (0 = its default, the pre-grasp width). 0.08 (fully
    # open) keeps the moment after a release unlike the moment before a grasp (models/MODEL_CARD.md, 2026-12-05)
    release_width_m: float = 0.08

    def __post_init__(self):
        for name in ("plain_episodes", "train_epochs", "finetune_epochs", "eval_episodes", "workers", "image_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        for name in ("dart_episodes", "dagger_rounds", "dagger_episodes", "train_minutes", "finetune_minutes",
                     "dart_noise_m_s", "eval_timeout_s", "release_width_m", "batch_size"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.gripper_head not in ("regression", "binary"):
            raise ValueError(f"gripper_head must be regression or binary, got {self.gripper_head!r}")
        if self.base_checkpoint and not Path(self.base_checkpoint).is_file():
            raise ValueError(f"base_checkpoint {self.base_checkpoint} is not a file")
        if self.dagger_rounds and not self.dagger_episodes:
            raise ValueError("dagger_rounds > 0 needs dagger_episodes > 0")
        bad = set(self.eval_conditions) - {"seen", "unseen", "distractors"}
        if bad or not self.eval_conditions:
            raise ValueError(f"eval_conditions must be among seen, unseen, distractors; got {self.eval_conditions}")

    @classmethod
    def smoke(cls) -> "BuildConfig":
        """A few episodes and steps: the pipeline's wiring in about two minutes (tests, first try)."""
        return cls(plain_episodes=4, dart_episodes=2, train_epochs=1, train_minutes=0.5, finetune_epochs=1,
                   finetune_minutes=0.3, dagger_rounds=1, dagger_episodes=2, takeover_s=(0.5, 1.0), eval_episodes=1,
                   eval_timeout_s=3.0)


PRESETS = {"cpu": BuildConfig(), "smoke": BuildConfig.smoke()}


def _key(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:10]


def _file_key(path: Path) -> str:
    """A checkpoint's identity for cache keys: its content, so a replaced file is never mistaken."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


@dataclass
class Stage:
    name: str
    key: str
    folder: Path

    @property
    def done_file(self) -> Path:
        return self.folder / "done.json"

    def result(self) -> dict | None:
        return json.loads(self.done_file.read_text()) if self.done_file.is_file() else None

    def finish(self, result: dict) -> dict:
        tmp = self.done_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(result, indent=1, default=str))
        tmp.replace(self.done_file)
        return result


@dataclass
class Pipeline:
    cfg: BuildConfig
    cache: Path
    progress: bool = True
    stages: list[dict] = field(default_factory=list)

    def stage(self, name: str, *key_parts) -> Stage:
        key = _key(name, *key_parts)
        folder = self.cache / f"{name}-{key}"
        folder.mkdir(parents=True, exist_ok=True)
        return Stage(name, key, folder)

    def _run(self, st: Stage, fn) -> dict:
        cached = st.result()
        if cached is not None:
            log.info("%s: cached (%s)", st.name, st.folder)
            self.stages.append({"stage": st.name, "folder": str(st.folder), "cached": True})
            return cached
        log.info("%s: running into %s", st.name, st.folder)
        t0 = time.monotonic()
        out = fn(st.folder)
        out["wall_s"] = round(time.monotonic() - t0, 1)
        self.stages.append({"stage": st.name, "folder": str(st.folder), "cached": False, "wall_s": out["wall_s"]})
        return st.finish(out)

    # --- stages -----------------------------------------------------------------------------
    def collect(self, name: str, episodes: int, seed0: int, noise: float) -> tuple[Stage, dict]:
        from promptbot.policy.collect_skills import collect_skills

        c = self.cfg
        st = self.stage(name, episodes, seed0, noise, c.image_size, *self._release())
        return st, self._run(st, lambda d: collect_skills(str(d), episodes, seed0, c.image_size, self.progress,
                                                          noise_lin_m_s=noise, workers=c.workers,
                                                          release_width_m=c.release_width_m or None))

    def _release(self) -> tuple:
        """The release width as part of a collecting stage's key (nothing when it is the expert's default, so the
        keys of caches made before the setting existed still hold)."""
        return (self.cfg.release_width_m,) if self.cfg.release_width_m else ()

    def train(self, name: str, data: list[Stage], init: Path | None, epochs: int, minutes: float,
              lr: float | None) -> tuple[Stage, dict]:
        c = self.cfg
        from promptbot.policy.train import resolve_precision

        precision = resolve_precision("auto", "cpu")
        # the precision (when not float32) and the batch (when set) are part of the key only then, so caches made
        # before either setting existed still hold
        st = self.stage(name, [d.key for d in data], _file_key(init) if init else "", epochs, minutes, lr,
                        c.gripper_head, c.seed, *((precision,) if precision != "fp32" else ()),
                        *((("batch", c.batch_size),) if c.batch_size else ()))

        def run(folder: Path) -> dict:
            from promptbot.policy.presets import PRESETS as TRAIN_PRESETS
            from promptbot.policy.data import load_segments
            from promptbot.policy.embeddings import instruction_embedder
            from promptbot.policy.train import TrainConfig, train

            preset = dict(TRAIN_PRESETS["cpu"])
            preset["model"] = {**preset["model"], "gripper_head": c.gripper_head, "image_size": c.image_size}
            preset.update(epochs=epochs)
            if c.batch_size:
                preset["batch_size"] = c.batch_size
            if lr is not None:
                preset["lr"] = lr
            if init is not None:       # fine-tuning keeps the network it starts from (and its head)
                from promptbot.policy.checkpoint import load_checkpoint

                preset["model"] = load_checkpoint(init)[1].to_dict()
                preset["init_checkpoint"] = str(init)
            tcfg = TrainConfig(out_dir=str(folder), seed=c.seed, max_minutes=minutes, **preset)
            episodes = load_segments([d.folder for d in data], tcfg.model.image_size, tcfg.model.use_wrist,
                                     seed=c.seed)
            if not episodes:
                raise RuntimeError(f"{name}: no successful skill segments in {[str(d.folder) for d in data]}")
            metrics = train(episodes, tcfg, instruction_embedder([]), resume=True, progress=self.progress)
            return {"checkpoint": str(folder / "best.pt"), "steps": metrics["steps"],
                    "best_val_l1": metrics["best_val_l1"], "minutes": metrics["minutes"],
                    "episodes": len(episodes)}

        return st, self._run(st, run)

    def evaluate(self, name: str, trained: Stage | None, checkpoint: str) -> tuple[Stage, dict]:
        from promptbot.policy.evaluate import evaluate

        c = self.cfg
        upstream = trained.key if trained is not None else _file_key(Path(checkpoint))
        st = self.stage(name, upstream, c.eval_episodes, list(c.eval_conditions), c.eval_timeout_s)

        def run(folder: Path) -> dict:
            rep = evaluate(checkpoint, "torch", list(SKILL_NAMES), list(c.eval_conditions), c.eval_episodes,
                           timeout_s=c.eval_timeout_s or None, workers=c.workers, progress=self.progress)
            (folder / "eval.json").write_text(json.dumps(rep, indent=1, default=str))
            wins = sum(w for per in rep["counts"].values() for w, _ in per.values())
            n = sum(k for per in rep["counts"].values() for _, k in per.values())
            return {"results": rep["results"], "ends": rep.get("ends", {}), "success": wins / n if n else 0.0,
                    "episodes": n, "checkpoint": checkpoint}

        return st, self._run(st, run)

    def dagger(self, name: str, trained: Stage | None, checkpoint: str, round_: int) -> tuple[Stage, dict]:
        from promptbot.policy.dagger import DAGGER_SEED0, collect_dagger

        c = self.cfg
        seed0 = DAGGER_SEED0 + 50_000 * (round_ - 1)
        upstream = trained.key if trained is not None else _file_key(Path(checkpoint))
        st = self.stage(name, upstream, c.dagger_episodes, seed0, list(c.takeover_s), c.image_size, *self._release())
        return st, self._run(st, lambda d: collect_dagger(checkpoint, str(d), c.dagger_episodes, seed0,
                                                          *c.takeover_s, c.image_size, c.workers, self.progress,
                                                          release_width_m=c.release_width_m or None))

    # --- the whole pipeline -------------------------------------------------------------------
    def run(self) -> dict:
        c = self.cfg
        t0 = time.monotonic()
        data = [self.collect("plain", c.plain_episodes, 0, 0.0)[0]]
        if c.dart_episodes:
            data.append(self.collect("dart", c.dart_episodes, DART_SEED0, c.dart_noise_m_s)[0])
        if c.base_checkpoint:
            trained, tres = None, {"checkpoint": c.base_checkpoint, "steps": None, "best_val_l1": None}
        else:
            trained, tres = self.train("train0", data, None, c.train_epochs, c.train_minutes, None)
        _, eres = self.evaluate("eval0", trained, tres["checkpoint"])
        rounds = [{"round": 0, "data_episodes": None, **{k: eres[k] for k in ("success", "results", "ends")},
                   "checkpoint": tres["checkpoint"], "train_steps": tres["steps"], "best_val_l1": tres["best_val_l1"]}]
        for r in range(1, c.dagger_rounds + 1):
            dst, dres = self.dagger(f"dagger{r}", trained, tres["checkpoint"], r)
            data.append(dst)
            trained, tres = self.train(f"train{r}", data, Path(tres["checkpoint"]), c.finetune_epochs,
                                       c.finetune_minutes, c.finetune_lr)
            _, eres = self.evaluate(f"eval{r}", trained, tres["checkpoint"])
            rounds.append({"round": r, "dagger_episodes": dres["episodes"], "dagger_successful": dres["successful"],
                           **{k: eres[k] for k in ("success", "results", "ends")}, "checkpoint": tres["checkpoint"],
                           "train_steps": tres["steps"], "best_val_l1": tres["best_val_l1"]})
        best = max(rounds, key=lambda x: (x["success"], -x["round"]))
        report = {"config": asdict(c), "rounds": rounds, "best_round": best["round"],
                  "best_checkpoint": best["checkpoint"], "stages": self.stages,
                  "wall_s_this_sitting": round(time.monotonic() - t0, 1)}
        (self.cache / "report.json").write_text(json.dumps(report, indent=1, default=str))
        return report


def build_policy(cfg: BuildConfig, cache: str | Path = "data/policy_build", progress: bool = True,
                 install: bool = False) -> dict:
    """Run (or resume) the pipeline; returns the report (also ``<cache>/report.json``)."""
    report = Pipeline(cfg, Path(cache), progress).run()
    if install:
        from promptbot.policy.paths import default_checkpoint

        if Path(report["best_checkpoint"]).resolve() != default_checkpoint().resolve():
            shutil.copyfile(report["best_checkpoint"], default_checkpoint())
        report["installed"] = str(default_checkpoint())
    return report


def config_from(preset: str, overrides: dict) -> BuildConfig:
    """A preset with ``field=value`` overrides (types follow the field's default)."""
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; known: {', '.join(PRESETS)}")
    base = PRESETS[preset]
    fields = asdict(base)
    typed = {}
    for name, text in overrides.items():
        if name not in fields:
            raise ValueError(f"unknown setting {name!r}; known: {', '.join(fields)}")
        default = fields[name]
        if isinstance(default, bool):
            typed[name] = text.lower() in ("1", "true", "yes")
        elif isinstance(default, int):
            typed[name] = int(text)
        elif isinstance(default, float):
            typed[name] = float(text)
        elif isinstance(default, (tuple, list)):
            items = [v for v in str(text).split(",") if v]
            typed[name] = tuple(float(v) for v in items) if name == "takeover_s" else tuple(items)
        else:
            typed[name] = text
    return replace(base, **typed)
