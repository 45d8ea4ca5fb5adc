"""``promptbot bench NAME``: run one benchmark from ``promptbot/bench/`` (``promptbot.bench.NAME``).

Every benchmark module has ``add_arguments(parser)`` and ``run(args) -> int``
and prints JSON on stdout with ``--json``.
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil


def available() -> list[str]:
    import promptbot.bench as pkg

    return sorted(m.name for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith("_"))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    names = available()
    sub = parser.add_subparsers(dest="bench", metavar="NAME", required=True)
    for name in names:
        module = importlib.import_module(f"promptbot.bench.{name}")
        p = sub.add_parser(name, help=(module.__doc__ or "").strip().splitlines()[0] if module.__doc__ else None)
        module.add_arguments(p)


def run(args: argparse.Namespace) -> int:
    module = importlib.import_module(f"promptbot.bench.{args.bench}")
    return int(module.run(args) or 0)
