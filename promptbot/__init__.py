"""promptbot: prompt a robot like an LLM.

Import layout: ``promptbot`` is this folder; the repository's top-level folders
``nodes/``, ``planning/``, ``models/``, ``sim_worlds/`` and ``bench/`` are its
subpackages ``promptbot.nodes``, ``promptbot.planning``, ... (mapped by
``package_dir`` in setup.py). When the package is used straight from a source
tree without that mapping (``colcon build --symlink-install`` uses
``setup.py develop``), the repository root is appended to ``__path__`` so the
same imports resolve.
"""
import os as _os

__version__ = "0.1.0"

_REPO_ROOT = _os.path.dirname(_os.path.dirname(_os.path.abspath(__file__)))
if _os.path.isfile(_os.path.join(_REPO_ROOT, "setup.py")) and _os.path.isdir(
    _os.path.join(_REPO_ROOT, "nodes")
):
    __path__.append(_REPO_ROOT)  # noqa: F821  (module attribute of a package)
