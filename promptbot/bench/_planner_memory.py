"""The planner node's memory without ROS: the soak's command mix planned in a loop, RSS after every call.

    python -m promptbot.bench._planner_memory [--commands 200] [--threads 4] [--log calls.jsonl]
                                              [--trim] [--tracemalloc] [--set prior=llm ...]

The planner is built as ``nodes/planner_node.py`` builds it: the settings of ``config/planner_node.yaml``
(``--set NAME=VALUE`` overrides one), the kernel-cache bounds set before torch loads, the LLM loaded
before the first task and ``gc.freeze()`` after it. Commands follow ``promptbot bench soak``'s schedule
(:func:`promptbot.bench.soak.schedule`) with typed text: tasks from the chain generator on the current
scene (applied symbolically after a plan succeeds; a cancel's plan is not), its refusals and ambiguous
requests; garbage audio never reaches the planner. A new world every ``RESET_EVERY`` commands. The node
plans on any of its executor's four threads: ``--threads`` plans each call on one of that many threads,
picked at random (seeded).

Per planner call (stdout, and ``--log`` as JSON lines): RSS (``/proc/self/statm``), glibc's heap in use and
held free (``mallinfo2``), what the LLM did (scoring calls, memo and prefix-cache hits, the prefix cache's
entries and bytes, the input shapes of each forward pass). At the end: RSS growth from call 20 to the last,
and with ``--tracemalloc`` the Python allocations that grew in between (by traceback, 10 frames). ``--trim``
calls ``malloc_trim(0)`` after every call: what is then still resident is not freed memory held by malloc.
Heavy (loads the LLM): run it through the machine's heavy-job lock. Results: docs/soak.md.
"""
from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import queue
import random
import sys
import threading
import time
from dataclasses import fields
from pathlib import Path

from promptbot.planning.llm import bound_kernel_caches

REPO = Path(__file__).resolve().parents[2]
FROM_CALL = 20                    # growth is measured from this planner call (the soak: from command 20)
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE_BYTES / 1e6


class _MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                               "fsmblks", "uordblks", "fordblks", "keepcost")]


def _libc():
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _MallInfo2
        return libc
    except (OSError, AttributeError):      # not glibc >= 2.33: RSS only
        return None


def heap_mb(libc) -> dict:
    """glibc's heap: bytes in use (small + mmapped blocks) and held free, over all arenas [MB]."""
    if libc is None:
        return {}
    m = libc.mallinfo2()
    return {"heap_used_mb": round((m.uordblks + m.hblkhd) / 1e6, 1), "heap_free_mb": round(m.fordblks / 1e6, 1)}


class _Workers:
    """``k`` threads; each call runs on one picked at random (seeded), like the node's executor threads."""

    def __init__(self, k: int, seed: int):
        self.queues: list[queue.Queue] = []
        self.rng = random.Random(seed)
        for i in range(k):
            q: queue.Queue = queue.Queue()
            threading.Thread(target=self._loop, args=(q,), name=f"plan-{i}", daemon=True).start()
            self.queues.append(q)

    @staticmethod
    def _loop(q: queue.Queue) -> None:
        while True:
            fn, box, done = q.get()
            try:
                box.append((True, fn()))
            except BaseException as exc:  # noqa: BLE001 - handed back to the caller
                box.append((False, exc))
            done.set()

    def run(self, fn):
        if not self.queues:
            return fn()
        box: list = []
        done = threading.Event()
        self.queues[self.rng.randrange(len(self.queues))].put((fn, box, done))
        done.wait()
        ok, value = box[0]
        if not ok:
            raise value
        return value


def settings_from_yaml(overrides: list[str]):
    import yaml

    from promptbot.planning.planner import PlannerSettings

    params = yaml.safe_load((REPO / "config" / "planner_node.yaml").read_text())["planner_node"]["ros__parameters"]
    kw = {f.name: params[f.name] for f in fields(PlannerSettings) if f.name in params}
    for item in overrides:
        name, sep, value = item.partition("=")
        if not sep or name not in {f.name for f in fields(PlannerSettings)}:
            raise SystemExit(f"--set {item!r}: expected NAME=VALUE with NAME a PlannerSettings field")
        kw[name] = type(getattr(PlannerSettings(), name))(value)
    return PlannerSettings(**kw)


def _hook_forwards(model, shapes: list) -> None:
    """Record (input shape, cached length) of every forward pass of ``model``."""
    def hook(_module, args, kwargs):
        ids = kwargs.get("input_ids", args[0] if args else None)
        past = kwargs.get("past_key_values")
        cached = past.get_seq_length() if past is not None and hasattr(past, "get_seq_length") else 0
        shapes.append((tuple(ids.shape) if ids is not None else (), int(cached)))
    model.register_forward_pre_hook(hook, with_kwargs=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m promptbot.bench._planner_memory",
                                 description=__doc__.strip().splitlines()[0])
    ap.add_argument("--commands", type=int, default=200, help="soak commands (~3/4 reach the planner)")
    ap.add_argument("--seed", type=int, default=0, help="the soak's seed: command mix and worlds")
    ap.add_argument("--world", default="tabletop")
    ap.add_argument("--threads", type=int, default=4, help="plan on this many threads (the node's executor: 4)")
    ap.add_argument("--trim", action="store_true", help="malloc_trim(0) after every planner call")
    ap.add_argument("--tracemalloc", action="store_true", help="Python allocations grown from call 20 to the end")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="override a planner setting")
    ap.add_argument("--log", default="", help="write one JSON line per planner call here")
    args = ap.parse_args(argv)
    if args.commands < 1 or args.threads < 1:
        raise SystemExit("--commands and --threads must be >= 1")
    if not bound_kernel_caches():
        print("warning: torch was loaded before the kernel caches were bounded", file=sys.stderr)

    from promptbot.bench.soak import AMBIGUOUS, REFUSALS, RESET_EVERY, schedule
    from promptbot.e2e.chains import next_command
    from promptbot.planning.planner import PlannerCache
    from promptbot.planning.world import InadmissibleAction, execute
    from promptbot.safety.prompt_guard import screen_instruction
    from promptbot.tasks.generator import sample_scene

    settings = settings_from_yaml(args.set)
    r0 = rss_mb()
    planner = PlannerCache().get(settings)
    llm = planner.llm
    if hasattr(llm, "_ensure"):
        llm._ensure()
    gc.freeze()                                   # as the node does after its preload
    print(f"{settings}\nloaded: RSS {r0:.0f} -> {rss_mb():.0f} MB", flush=True)
    shapes: list = []
    if getattr(llm, "_model", None) is not None:
        _hook_forwards(llm._model, shapes)
    libc = _libc()
    workers = _Workers(args.threads if args.threads > 1 else 0, args.seed + 1)
    if args.tracemalloc:
        import tracemalloc

        tracemalloc.start(10)
    log = open(args.log, "w") if args.log else None
    rng = random.Random(args.seed)
    resets, earlier, objects, world_seed, force_reset = 0, [], [], args.seed, True
    history: list[str] = []
    rss_by_call: dict[int, float] = {}
    snap_from = None
    call = 0
    t_start = time.monotonic()
    for i, kind in enumerate(schedule(args.commands, args.seed), 1):
        if force_reset or (i - 1) % RESET_EVERY == 0:
            world_seed, resets = args.seed + resets, resets + 1
            objects, earlier, force_reset = sample_scene(args.world, world_seed), [], False
        cmd = None
        if kind in ("task_spoken", "task_typed", "cancel"):
            cmd = next_command(args.world, world_seed, len(earlier) + 1, objects, earlier)
            if cmd is None:
                force_reset = True
                continue
            text = cmd.instruction
        elif kind in ("refusal", "ambiguous"):
            text = rng.choice(REFUSALS if kind == "refusal" else AMBIGUOUS)
        else:
            continue                              # garbage audio: dropped by speech
        if screen_instruction(text) is not None:  # the executive refuses it before planning
            continue
        before = {k: getattr(llm, k, 0) for k in ("calls", "memo_hits", "prefix_cache_hits")}
        shapes.clear()
        t0 = time.perf_counter()
        res = workers.run(lambda: planner.plan(text, objects, history=tuple(history[-3:])))
        svg = res.tree_svg()                      # the node publishes the search tree of every plan
        dt = time.perf_counter() - t0
        if res.ok:
            history.append(text)
        if cmd is not None:
            if res.ok and kind != "cancel":
                try:
                    objects = list(execute([s.step for s in res.steps], objects).objects)
                except InadmissibleAction:
                    force_reset = True
            earlier.append(cmd)
        call += 1
        if args.trim and libc is not None:
            libc.malloc_trim(0)
        rss = rss_by_call[call] = rss_mb()
        rec = {"call": call, "command": i, "kind": kind, "status": res.status, "rss_mb": round(rss, 1),
               **heap_mb(libc), "plan_s": round(dt, 3),
               **{k: getattr(llm, k, 0) - v for k, v in before.items()},
               "prefix_cache_entries": len(getattr(llm, "_prefix_cache", ())),
               "prefix_cache_mb": round(sum(getattr(llm, "_cached_bytes", {}).values()) / 1e6, 1),
               "forwards": [[list(s), c] for s, c in shapes], "svg_kB": len(svg) // 1000, "text": text}
        if args.tracemalloc:
            rec["python_mb"] = round(tracemalloc.get_traced_memory()[0] / 1e6, 1)
        print(f"{call:4d} cmd {i:4d} {kind:12s} {res.status:10s} RSS {rss:7.1f} heap used "
              f"{rec.get('heap_used_mb', '-')} free {rec.get('heap_free_mb', '-')} plan {dt:5.2f} s "
              f"llm {rec['calls']} prefix cache {rec['prefix_cache_entries']}/{rec['prefix_cache_mb']} MB "
              f"forwards {[(s, c) for s, c in shapes][:6]}", flush=True)
        if log:
            log.write(json.dumps(rec) + "\n")
            log.flush()
        if args.tracemalloc and call == FROM_CALL:
            snap_from = tracemalloc.take_snapshot()
    print(f"{call} planner calls in {time.monotonic() - t_start:.0f} s; heap at the end {heap_mb(libc)}")
    for a, b in ((1, FROM_CALL), (FROM_CALL, 60), (60, call), (FROM_CALL, call)):
        if a in rss_by_call and b in rss_by_call and a < b:
            print(f"RSS call {a} -> {b}: {rss_by_call[a]:.0f} -> {rss_by_call[b]:.0f} MB "
                  f"({100 * (rss_by_call[b] / rss_by_call[a] - 1):+.1f} %)")
    if snap_from is not None:
        print("Python allocations grown from call 20 (tracemalloc, by traceback):")
        for stat in tracemalloc.take_snapshot().compare_to(snap_from, "traceback")[:10]:
            print(f"{stat.size_diff / 1e6:+.2f} MB {stat.count_diff:+d} blocks")
            for line in stat.traceback.format()[-10:]:
                print("   ", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
