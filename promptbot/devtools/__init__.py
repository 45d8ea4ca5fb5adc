"""Checks of the code base itself (pure, no ROS): ``python -m promptbot.devtools.imports``."""
