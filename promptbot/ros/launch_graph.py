"""Build a launch description from config/graph.yaml (used by launch/*.launch.py).

Needs the ROS ``launch`` and ``launch_ros`` packages (a ROS install); the
pip-only runner ``promptbot up`` reads the same graph description instead.
"""
from __future__ import annotations

import os
from pathlib import Path

from promptbot.graph import graph_remaps, load_graph


def graph_launch_description(graph: str):
    from ament_index_python.packages import get_package_share_directory
    from launch import LaunchDescription
    from launch.actions import DeclareLaunchArgument, SetEnvironmentVariable
    from launch.substitutions import LaunchConfiguration
    from launch_ros.actions import Node

    share = Path(get_package_share_directory("promptbot"))
    graph_path = share / "config" / "graph.yaml"
    profile = str(share / "config" / "fastdds.xml")
    actions = [
        SetEnvironmentVariable("FASTRTPS_DEFAULT_PROFILES_FILE", os.environ.get("FASTRTPS_DEFAULT_PROFILES_FILE", profile)),
        SetEnvironmentVariable("FASTDDS_DEFAULT_PROFILES_FILE", os.environ.get("FASTDDS_DEFAULT_PROFILES_FILE", profile)),
    ]
    remaps = graph_remaps(graph, graph_path)
    for arg, topic in remaps.items():
        actions.append(DeclareLaunchArgument(arg, default_value=topic, description=f"topic used for {topic}"))
    remappings = [(topic, LaunchConfiguration(arg)) for arg, topic in remaps.items()]
    for spec in load_graph(graph, graph_path):
        actions.append(Node(
            package="promptbot",
            executable=spec.executable,
            name=f"{spec.name}_node",
            parameters=[str(spec.params), {"use_sim_time": spec.sim_time}],
            remappings=remappings,
            respawn=spec.respawn,
            respawn_delay=spec.respawn_delay,
            output="screen",
        ))
    return LaunchDescription(actions)
