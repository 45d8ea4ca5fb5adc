"""ros2 launch promptbot speech.launch.py: the 'speech' graph of config/graph.yaml.

The node list, parameter files and respawn settings come from config/graph.yaml,
which `promptbot up speech` (the pip-only runner) reads too. Every node serves its readiness probe
/<name>_node/health (std_srvs/Trigger, promptbot.ros.health), e.g.
`ros2 service call /planner_node/health std_srvs/srv/Trigger`; `promptbot up` prints the
graph's readiness from them.
"""
from promptbot.ros.launch_graph import graph_launch_description


def generate_launch_description():
    return graph_launch_description("speech")
