"""Where promptbot's data files live, in a source tree and in an install."""
from __future__ import annotations

import os
from pathlib import Path

_PKG = Path(__file__).resolve().parent


def repo_root() -> Path | None:
    """The source checkout this package runs from, or None when installed."""
    root = _PKG.parent
    return root if (root / "setup.py").is_file() and (root / "msgs").is_dir() else None


def share_dir() -> Path:
    """Folder holding ``config/`` and ``launch/``: the checkout or the ament share dir."""
    root = repo_root()
    if root is not None:
        return root
    prefix = Path(os.environ.get("VIRTUAL_ENV", "") or Path(__file__).resolve().parents[4])
    candidate = prefix / "share" / "promptbot"
    if candidate.is_dir():
        return candidate
    try:  # a colcon install
        from ament_index_python.packages import get_package_share_directory

        return Path(get_package_share_directory("promptbot"))
    except Exception as exc:  # pragma: no cover - depends on the install
        raise FileNotFoundError("cannot locate promptbot's share directory (config/, launch/)") from exc


def config_dir() -> Path:
    return share_dir() / "config"


def launch_dir() -> Path:
    return share_dir() / "launch"


def dds_profile() -> Path:
    """The shipped Fast DDS profile (shared memory with a 16 MB segment + UDPv4)."""
    return config_dir() / "fastdds.xml"
