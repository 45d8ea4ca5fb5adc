"""VLA policy serving (pure: no ROS). ``Policy.infer(observation) -> ActionChunk`` hides the backend."""
