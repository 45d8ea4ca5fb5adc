"""Fine-tune SmolLM2-135M-Instruct (LoRA) into the semantic parser (pure training loop, no ROS).

    promptbot train-parser --out models/parser/smollm2-lora

Data: :func:`promptbot.planning.parse_data.generate` (seeded); prompts and targets are built
exactly as the parser decodes them (:func:`format_prompt`, :meth:`GoalGrammar.encode`), and the
loss is on the target tokens only. LoRA adapters (peft) on every attention and MLP projection;
the base weights stay frozen. Resumable: ``<out>/checkpoint/`` holds the adapter, the optimiser
and the step; a rerun with the same config continues from there. Deterministic for a seed on
one machine (data order, initialisation, dropout).
"""
from __future__ import annotations

import json
import logging
import math
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

log = logging.getLogger(__name__)

EVAL_S_PER_EXAMPLE = {"cpu": 2.5, "cuda": 0.3}   # of max_minutes, kept for the held-out evaluation [s]
LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass(frozen=True)
class ParserTrainConfig:
    out: str = "models/parser/smollm2-lora"
    examples: int = 6000             # generated training examples
    val_examples: int = 200          # held-out examples (other scene seeds) for exact-match accuracy
    steps: int = 500
    batch_size: int = 8
    lr: float = 1e-3
    warmup: int = 20
    lora_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.05
    seed: int = 0
    threads: int = 2                 # CPU threads
    device: str = "auto"             # auto | cpu | cuda
    save_every: int = 50
    max_minutes: float = 90.0        # wall-clock cap: stop, save and report when reached

    def __post_init__(self):
        if self.examples < 1 or self.steps < 1 or self.batch_size < 1:
            raise ValueError("examples, steps and batch_size must be >= 1")
        if not 0 < self.lr < 1:
            raise ValueError("lr must be in (0, 1)")
        if self.lora_r < 1 or self.lora_alpha < 1 or not 0 <= self.lora_dropout < 1:
            raise ValueError("lora_r, lora_alpha >= 1 and lora_dropout in [0, 1)")
        if self.device not in ("auto", "cpu", "cuda"):
            raise ValueError("device must be auto, cpu or cuda")
        if self.max_minutes <= 0 or self.save_every < 1 or self.val_examples < 0:
            raise ValueError("max_minutes > 0, save_every >= 1, val_examples >= 0")


def encode_examples(examples, tok):
    """[(input ids, number of prompt tokens)] for examples; those whose goal the grammar lacks are skipped."""
    from promptbot.planning.parse_data import scene_for
    from promptbot.planning.semantic_parser import GoalGrammar, format_prompt

    grammars: dict = {}
    out, skipped = [], 0
    for ex in examples:
        key = (ex.world, ex.seed)
        if key not in grammars:
            objs = scene_for(*key)
            grammars[key] = (objs, GoalGrammar(tok, objs))
        objs, g = grammars[key]
        prompt = tok(format_prompt(ex.instruction, objs, ex.history), add_special_tokens=False).input_ids
        try:
            target = g.encode(ex.target)
        except KeyError:
            skipped += 1
            continue
        out.append((prompt + target, len(prompt)))
    return out, skipped


def _batch(rows, pad_id, device):
    import torch

    n = max(len(r[0]) for r in rows)
    ids = torch.full((len(rows), n), pad_id, dtype=torch.long)
    att = torch.zeros((len(rows), n), dtype=torch.long)
    lab = torch.full((len(rows), n), -100, dtype=torch.long)
    for i, (seq, p) in enumerate(rows):
        ids[i, :len(seq)] = torch.tensor(seq)
        att[i, :len(seq)] = 1
        lab[i, p:len(seq)] = torch.tensor(seq[p:])
    return ids.to(device), att.to(device), lab.to(device)


def _lr(step: int, cfg: ParserTrainConfig, total: int) -> float:
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    frac = (step - cfg.warmup) / max(1, total - cfg.warmup)
    return cfg.lr * 0.5 * (1 + math.cos(math.pi * min(1.0, frac)))


def evaluate(model, tok, examples, limit: int | None = None) -> dict:
    """Exact-match accuracy (canonical goal or special) of greedy constrained decoding."""
    from promptbot.planning.parse_data import scene_for
    from promptbot.planning.semantic_parser import GoalGrammar, _merge, beam_decode, format_prompt

    ok, n = 0, 0
    model.eval()
    for ex in examples[:limit]:
        objs = scene_for(ex.world, ex.seed)
        ids = tok(format_prompt(ex.instruction, objs, ex.history), add_special_tokens=False).input_ids
        raw, _ = beam_decode(model, GoalGrammar(tok, objs), ids, beam=1)
        top = _merge(raw, 1)
        want = _merge([(ex.target, 0.0)], 1)
        ok += bool(top and want and top[0].text == want[0].text)
        n += 1
    return {"items": n, "exact_match": round(ok / n, 4) if n else None}


def train(cfg: ParserTrainConfig, progress: bool = True) -> dict:
    import torch
    from peft import LoraConfig, get_peft_model, set_peft_model_state_dict
    from safetensors.torch import load_file

    from promptbot.planning.llm import load_model, smollm2_path
    from promptbot.planning.parse_data import SCENES_PER_WORLD, TRAIN_SEED_BASE, generate

    t_start = time.perf_counter()
    device = ("cuda" if torch.cuda.is_available() else "cpu") if cfg.device == "auto" else cfg.device
    if device == "cpu":
        torch.set_num_threads(cfg.threads)
    random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    out = Path(cfg.out)
    ckpt = out / "checkpoint"
    d, f = smollm2_path()
    tok, base = load_model(d, f, "float32")
    t_load = time.perf_counter() - t_start
    data = generate(cfg.examples, seed=cfg.seed)
    val = generate(cfg.val_examples, seed=cfg.seed + 1, seed_base=TRAIN_SEED_BASE + SCENES_PER_WORLD)
    rows, skipped = encode_examples(data, tok)
    t_data = time.perf_counter() - t_start - t_load
    lcfg = LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                      target_modules=list(LORA_TARGETS), task_type="CAUSAL_LM")
    model = get_peft_model(base, lcfg).to(device)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=0.0)
    step = 0
    if (ckpt / "state.json").is_file():
        state = json.loads((ckpt / "state.json").read_text())
        if state.get("config") != asdict(cfg):
            log.warning("checkpoint config differs from this run's; resuming anyway from step %s", state["step"])
        set_peft_model_state_dict(model, load_file(str(ckpt / "adapter_model.safetensors")))
        opt.load_state_dict(torch.load(ckpt / "optimizer.pt", map_location=device))
        step = int(state["step"])
        log.info("resumed from %s at step %d", ckpt, step)
    order_rng = random.Random(cfg.seed)
    order: list[int] = []
    for _ in range(math.ceil(cfg.steps * cfg.batch_size / len(rows)) + 1):
        perm = list(range(len(rows)))
        order_rng.shuffle(perm)
        order += perm
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=cfg.steps, initial=step, desc="train-parser", unit="step")
    use_bf16 = device == "cuda"
    losses: list[float] = []
    stopped_early = False
    total = cfg.steps            # shrunk once if the measured step time says cfg.steps cannot fit
    t_fit, fit_from = None, step + 5
    budget_s = cfg.max_minutes * 60 - cfg.val_examples * EVAL_S_PER_EXAMPLE[device]
    model.train()
    while step < total:
        now = time.perf_counter()
        if now - t_start > budget_s:
            stopped_early = True
            break
        if step == fit_from:
            t_fit = now
        elif t_fit is not None and step == fit_from + 10:
            per_step = (now - t_fit) / 10
            fit = step + int(0.95 * (budget_s - (now - t_start)) / per_step)
            if fit < total:
                log.warning("%d steps do not fit in %.0f min at %.2f s/step: training %d steps", total,
                            cfg.max_minutes, per_step, fit)
                total = max(step + 1, fit)
                if bar is not None:
                    bar.total = total
        torch.manual_seed(cfg.seed * 100003 + step)
        idx = order[step * cfg.batch_size:(step + 1) * cfg.batch_size]
        ids, att, lab = _batch([rows[i] for i in idx], tok.pad_token_id, device)
        for g in opt.param_groups:
            g["lr"] = _lr(step, cfg, total)
        with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=use_bf16):
            loss = model(input_ids=ids, attention_mask=att, labels=lab).loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        losses.append(float(loss.detach()))
        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{sum(losses[-20:]) / len(losses[-20:]):.3f}")
        if step % cfg.save_every == 0 or step == total:
            _save_checkpoint(model, opt, step, cfg, ckpt)
    if bar is not None:
        bar.close()
    t_train = time.perf_counter() - t_start - t_load - t_data
    _save_adapter(model, out)
    metrics = evaluate(model, tok, val) if cfg.val_examples else {}
    report = {"config": asdict(cfg), "device": device, "steps_planned": total, "steps_done": step,
              "stopped_early": stopped_early,
              "train_examples": len(rows), "skipped_examples": skipped,
              "final_loss_mean20": round(sum(losses[-20:]) / max(1, len(losses[-20:])), 4) if losses else None,
              "time_s": {"load": round(t_load, 1), "data": round(t_data, 1), "train": round(t_train, 1),
                         "total": round(time.perf_counter() - t_start, 1)},
              "step_time_s": round(t_train / max(1, len(losses)), 4) if losses else None,
              "val": metrics}
    (out / "train_report.json").write_text(json.dumps(report, indent=2) + "\n")
    return report


def _save_checkpoint(model, opt, step, cfg, ckpt: Path) -> None:
    import torch
    from peft import get_peft_model_state_dict
    from safetensors.torch import save_file

    ckpt.mkdir(parents=True, exist_ok=True)
    sd = {k: v.detach().cpu().contiguous() for k, v in get_peft_model_state_dict(model).items()}
    save_file(sd, str(ckpt / "adapter_model.safetensors"))
    torch.save(opt.state_dict(), ckpt / "optimizer.pt")
    (ckpt / "state.json").write_text(json.dumps({"step": step, "config": asdict(cfg)}) + "\n")


def _save_adapter(model, out: Path) -> None:
    """The final adapter in float16 (what is committed: ~2 MB per rank-8 set of projections)."""
    import torch
    from safetensors.torch import load_file, save_file

    model.save_pretrained(str(out))
    f = out / "adapter_model.safetensors"
    sd = load_file(str(f))
    save_file({k: v.to(torch.float16) for k, v in sd.items()}, str(f))
