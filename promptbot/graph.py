"""The node graph description (config/graph.yaml), shared by launch files and ``promptbot up``.

Pure: no ROS imports, so launch files on a ROS install and the pip-only runner
read the same list of nodes, parameter files and respawn settings.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from promptbot.paths import config_dir


class GraphError(ValueError):
    """A malformed graph description or an unknown graph name."""


@dataclass(frozen=True)
class NodeSpec:
    name: str
    executable: str
    params: Path                 # absolute path of the node's parameter file
    respawn: bool
    respawn_delay: float         # [s]
    sim_time: bool

    @property
    def module(self) -> str:
        return f"promptbot.nodes.{self.executable}"

    def ros_args(self, extra: dict[str, str] | None = None) -> list[str]:
        """``--ros-args`` for running this node as a process (what ros2 launch would pass)."""
        args = ["--ros-args", "-r", f"__node:={self.name}_node"]
        if self.params.is_file():
            args += ["--params-file", str(self.params)]
        args += ["-p", f"use_sim_time:={'true' if self.sim_time else 'false'}"]
        for key, value in (extra or {}).items():
            args += ["-p", f"{key}:={value}"]
        return args


def graph_file() -> Path:
    return config_dir() / "graph.yaml"


def graph_names(path: Path | None = None) -> list[str]:
    return sorted(_load(path)["graphs"])


def _load(path: Path | None) -> dict:
    path = path or graph_file()
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise GraphError(f"cannot read graph description {path}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("nodes"), dict) or not isinstance(data.get("graphs"), dict):
        raise GraphError(f"{path}: needs mappings 'nodes' and 'graphs'")
    return data


def graph_remaps(name: str, path: Path | None = None) -> dict[str, str]:
    """Launch-argument name -> the promptbot topic it replaces, for graph ``name``."""
    data = _load(path)
    if name not in data["graphs"]:
        raise GraphError(f"unknown graph {name!r}; known: {', '.join(sorted(data['graphs']))}")
    remaps = data["graphs"][name].get("remaps") or {}
    if not isinstance(remaps, dict) or not all(str(t).startswith("/") for t in remaps.values()):
        raise GraphError(f"graph {name!r}: remaps must map argument names to absolute topic names")
    return {str(k): str(v) for k, v in remaps.items()}


def load_graph(name: str, path: Path | None = None) -> list[NodeSpec]:
    """The nodes of graph ``name`` in start order."""
    data = _load(path)
    graphs = data["graphs"]
    if name not in graphs:
        raise GraphError(f"unknown graph {name!r}; known: {', '.join(sorted(graphs))}")
    graph = graphs[name]
    sim_time = bool(graph.get("sim_time", False))
    cfg = (path or graph_file()).parent
    specs = []
    for node in graph.get("nodes", []):
        entry = data["nodes"].get(node)
        if not isinstance(entry, dict) or "executable" not in entry:
            raise GraphError(f"graph {name!r} names node {node!r}, which has no entry with an executable")
        delay = float(entry.get("respawn_delay", 1.0))
        if not 0.0 <= delay <= 60.0:
            raise GraphError(f"node {node!r}: respawn_delay must be in [0, 60] s")
        specs.append(NodeSpec(
            name=node,
            executable=str(entry["executable"]),
            params=cfg / str(entry.get("params", f"{entry['executable']}.yaml")),
            respawn=bool(entry.get("respawn", True)),
            respawn_delay=delay,
            sim_time=bool(entry.get("sim_time", sim_time)),
        ))
    return specs
