"""End-to-end runs through the real ROS graph: `promptbot run` and `promptbot demo`."""
