"""ros2 launch promptbot robot.launch.py: the 'robot' graph of config/graph.yaml.

The node list, parameter files and respawn settings come from config/graph.yaml,
which `promptbot up robot` (the pip-only runner) reads too.
"""
from promptbot.ros.launch_graph import graph_launch_description


def generate_launch_description():
    return graph_launch_description("robot")
