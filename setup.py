"""promptbot: one import root, ``promptbot``, over the repository's folders.

The repository keeps the layout a ROS 2 user expects (``nodes/``, ``planning/``,
``models/``, ``sim_worlds/``, ``bench/`` at the top). ``package_dir`` maps each
folder to a subpackage of ``promptbot`` (``nodes/`` -> ``promptbot.nodes``), so
the same imports work in an editable pip install and in a colcon install.
"""
import glob
import os

from setuptools import setup

PACKAGE = "promptbot"
HERE = os.path.dirname(os.path.abspath(__file__))

# Top-level folders that are subpackages of promptbot.
MAPPED = ["nodes", "planning", "models", "sim_worlds"]


def _subpackages(root: str, prefix: str) -> dict:
    """Map dotted package names to folders for every folder with __init__.py."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(os.path.join(HERE, root)):
        dirnames[:] = [d for d in dirnames if not d.startswith((".", "__"))]
        if "__init__.py" not in filenames:
            continue
        rel = os.path.relpath(dirpath, HERE)
        sub = os.path.relpath(dirpath, os.path.join(HERE, root))
        name = prefix if sub == "." else prefix + "." + sub.replace(os.sep, ".")
        found[name] = rel
    return found


package_dir = _subpackages("promptbot", PACKAGE)
for folder in MAPPED:
    package_dir.update(_subpackages(folder, f"{PACKAGE}.{folder}"))

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
    packages=sorted(package_dir),
    package_dir=package_dir,
    package_data={
        "promptbot.sim_worlds": ["*.yaml", "*.md"],
        "promptbot.models": ["*.pt", "*.json", "*.md"],
        "promptbot.perception": ["tables/*.npz", "README.md"],
        "promptbot.speech": ["README.md"],
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
