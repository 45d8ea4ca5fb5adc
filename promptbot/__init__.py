"""promptbot: prompt a robot like an LLM.

Import layout: ``promptbot`` is this folder, and the repository's top-level folders
named in :data:`MAPPED_FOLDERS` (``nodes/``, ``planning/``, ``models/``,
``sim_worlds/``) are its subpackages ``promptbot.nodes``, ``promptbot.planning``, ...
Nothing else at the top is: ``tests/``, ``scripts/``, ``launch/`` (launch files),
``msgs/`` (the promptbot_msgs package) and ``setup.py`` are not importable as
``promptbot.*``.

How the mapping is made:

- pip install (editable or not): setup.py's ``package_dir`` maps each folder
  (setup.py reads :data:`MAPPED_FOLDERS` from this file);
- a source tree without that mapping (``colcon build --symlink-install``, or the
  repository root on ``sys.path``): this module adds a finder to ``sys.meta_path``
  that resolves exactly ``promptbot.<folder>`` for those folders to
  ``<repository>/<folder>``, and nothing else.
"""
import importlib.util as _util
import os as _os
import sys as _sys

__version__ = "0.1.0"

#: The repository's top-level folders that are subpackages of promptbot (setup.py reads this).
MAPPED_FOLDERS = ("nodes", "planning", "models", "sim_worlds")


class _SourceTreeFinder:
    """Meta-path finder: ``promptbot.<folder>`` -> ``<root>/<folder>`` for the mapped folders only."""

    def __init__(self, root: str):
        self.root = root

    def find_spec(self, fullname, path=None, target=None):
        parent, _, folder = fullname.partition(".")
        if parent != __name__ or folder not in MAPPED_FOLDERS:
            return None
        location = _os.path.join(self.root, folder)
        return _util.spec_from_file_location(
            fullname, _os.path.join(location, "__init__.py"), submodule_search_locations=[location])


def _map_source_tree() -> None:
    """Install the finder when promptbot runs from a source tree that lacks the mapping."""
    # realpath: colcon's build folder holds a symlink to promptbot/, the folders sit beside its target
    root = _os.path.dirname(_os.path.dirname(_os.path.realpath(__file__)))
    if not _os.path.isfile(_os.path.join(root, "setup.py")):
        return  # an installed copy: package_dir put the folders inside promptbot/
    if any(isinstance(f, _SourceTreeFinder) for f in _sys.meta_path):
        return
    if all(_util.find_spec(f"{__name__}.{folder}") is not None for folder in MAPPED_FOLDERS):
        return  # mapped already (pip's editable finder)
    _sys.meta_path.append(_SourceTreeFinder(root))


_map_source_tree()
