"""Instruction-embedding tables for machines without the sentence encoder.

A GPU machine that trains the policy may lack the offline MiniLM package; the
texts it will see are known in advance (paraphrases of the skill steps of the
seeds it collects and evaluates), so their embeddings are computed here and
carried over as an npz (``texts``, ``vectors`` float16).

    python -m promptbot.policy.embeddings --out emb.npz --seeds 0:4000 --eval-seeds 1000000:1000800
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

import numpy as np


class LookupEncoder:
    """Drop-in for InstructionEncoder backed by precomputed tables.

    Each table is an npz with ``texts`` and ``vectors`` (this module's output; a
    policy pack carries one too). Later tables win on a text they share.
    """

    def __init__(self, *paths):
        if not paths:
            raise ValueError("LookupEncoder needs at least one embedding table")
        self.table: dict[str, np.ndarray] = {}
        for path in paths:
            with np.load(path, allow_pickle=False) as data:
                self.table.update({str(t): v.astype(np.float32) for t, v in zip(data["texts"], data["vectors"])})
        self.source = ", ".join(map(str, paths))

    def encode(self, texts):
        single = isinstance(texts, str)
        items = [texts] if single else list(texts)
        missing = [t for t in items if t not in self.table]
        if missing:
            raise KeyError(f"{len(missing)} instruction(s) not in {self.source}, e.g. {missing[0]!r}")
        out = np.stack([self.table[t] for t in items])
        return out[0] if single else out


def instruction_embedder(tables=()) -> Callable:
    """Instruction texts -> embeddings: a LookupEncoder over ``tables``, or the sentence encoder if none."""
    tables = list(tables)
    if not tables:
        from promptbot.policy.language import default_encoder

        return default_encoder().encode
    return LookupEncoder(*tables).encode


def texts_for_seeds(seeds, heldout: bool = False) -> set[str]:
    from promptbot.policy.collect_skills import skill_episode_spec
    from promptbot.policy.data import step_paraphrases

    out: set[str] = set()
    for seed in seeds:
        spec = skill_episode_spec(seed)
        out.add(spec.instruction)
        for skill, args in spec.plan:
            out.update(step_paraphrases(skill, args))
            if heldout:
                out.update(step_paraphrases(skill, args, heldout=True))
    return out


def _range(text: str) -> range:
    a, b = text.split(":")
    return range(int(a), int(b))


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--seeds", required=True, help="training seed range A:B")
    p.add_argument("--eval-seeds", default="", help="evaluation seed range A:B (adds held-out paraphrases)")
    a = p.parse_args(argv)
    texts = texts_for_seeds(_range(a.seeds))
    if a.eval_seeds:
        texts |= texts_for_seeds(_range(a.eval_seeds), heldout=True)
    from promptbot.policy.language import InstructionEncoder

    ordered = sorted(texts)
    vecs = InstructionEncoder().encode(ordered)
    np.savez_compressed(a.out, texts=np.array(ordered), vectors=vecs.astype(np.float16))
    print(f"{len(ordered)} texts -> {a.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
