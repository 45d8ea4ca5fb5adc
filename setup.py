"""promptbot: one import root, ``promptbot``, over the repository's folders.

The repository keeps the layout a ROS 2 user expects: ``nodes/``, ``planning/``,
``models/`` and ``sim_worlds/`` at the top. ``package_dir`` maps exactly those
folders (``MAPPED_FOLDERS`` in promptbot/__init__.py, read here without importing
the package) to subpackages of ``promptbot`` (``nodes/`` -> ``promptbot.nodes``);
everything else that is importable lives under ``promptbot/``. A pip install
(editable or not) gets the mapping from here; a source tree without it (colcon's
``--symlink-install``) gets it from promptbot/__init__.py, so the imports are the same.
"""
import ast
import glob
import os

from setuptools import setup

PACKAGE = "promptbot"
# realpath: colcon's --symlink-install runs a symlink to this file from its build folder
HERE = os.path.dirname(os.path.realpath(__file__))


def _mapped_folders() -> list[str]:
    """``promptbot.MAPPED_FOLDERS``: the top-level folders that are subpackages of promptbot."""
    with open(os.path.join(HERE, PACKAGE, "__init__.py"), encoding="utf-8") as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "MAPPED_FOLDERS" for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise RuntimeError("promptbot/__init__.py defines no MAPPED_FOLDERS")


MAPPED = _mapped_folders()


def _subpackages(root: str, prefix: str) -> dict:
    """Map dotted package names to folders for every folder with __init__.py.

    Folders are relative to the working directory, which is this folder except under
    colcon's --symlink-install (its build folder, where only promptbot/ is linked).
    """
    found = {}
    for dirpath, dirnames, filenames in os.walk(os.path.join(HERE, root)):
        dirnames[:] = [d for d in dirnames if not d.startswith((".", "__"))]
        if "__init__.py" not in filenames:
            continue
        rel = os.path.relpath(dirpath)
        sub = os.path.relpath(dirpath, os.path.join(HERE, root))
        name = prefix if sub == "." else prefix + "." + sub.replace(os.sep, ".")
        found[name] = rel
    return found


# promptbot/ and its subpackages sit where their names say; only the mapped folders need
# package_dir (an identity entry such as "promptbot": "promptbot" makes colcon's
# --symlink-install refuse the package).
package_dir = {}
for folder in MAPPED:
    package_dir.update(_subpackages(folder, f"{PACKAGE}.{folder}"))
packages = sorted({**_subpackages(PACKAGE, PACKAGE), **package_dir})

NODES = {
    "sim_node": "promptbot.nodes.sim_node:main",
    "perception_node": "promptbot.nodes.perception_node:main",
    "speech_node": "promptbot.nodes.speech_node:main",
    "planner_node": "promptbot.nodes.planner_node:main",
    "vla_node": "promptbot.nodes.vla_node:main",
    "safety_node": "promptbot.nodes.safety_node:main",
}
existing_nodes = [
    f"{name} = {target}"
    for name, target in NODES.items()
    if os.path.exists(os.path.join(HERE, "nodes", name + ".py"))
]

setup(
    name=PACKAGE,
    version="0.1.0",
    description="Prompt a robot like an LLM: a ROS 2 stack for voice-commanded manipulation.",
    license="Apache-2.0",
    python_requires=">=3.10",
    packages=packages,
    package_dir=package_dir,
    package_data={
        "promptbot.sim_worlds": ["*.yaml", "*.md"],
        "promptbot.models": ["*.pt", "*.json", "*.md", "parser/*/*"],   # parser/: the LoRA adapter
        "promptbot.perception": ["tables/*.npz", "README.md"],
        "promptbot.speech": ["README.md"],
        "promptbot.bench": ["data/*.jsonl"],
    },
    data_files=[
        ("share/ament_index/resource_index/packages", ["resource/" + PACKAGE]),
        ("share/" + PACKAGE, ["package.xml"]),
        ("share/" + PACKAGE + "/launch", glob.glob("launch/*.py") + glob.glob("launch/*.yaml")),
        ("share/" + PACKAGE + "/config", [f for f in glob.glob("config/*") if os.path.isfile(f)]),
        ("share/" + PACKAGE + "/config/sros2", glob.glob("config/sros2/*.xml")),
        ("share/" + PACKAGE + "/docs", glob.glob("docs/*.md")),
    ],
    install_requires=["numpy", "pyyaml"],
    extras_require={"mic": ["sounddevice"]},
    entry_points={"console_scripts": ["promptbot = promptbot.cli:main"] + existing_nodes},
    zip_safe=False,
)
