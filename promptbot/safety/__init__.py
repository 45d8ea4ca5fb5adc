"""Safety below the LLM and the policy (pure, no ROS).

- :mod:`promptbot.safety.governor`: checks every arm command (twist, gripper,
  joint trajectory): NaN/inf rejection, speed/acceleration clamps, workspace box,
  command timeout, latching e-stop, timed pause (while someone speaks).
- :mod:`promptbot.safety.follow`: what an executor that drives the arm itself (the sim's
  scripted expert) does with the governor's state: stop on an e-stop, hold during a pause.
- :mod:`promptbot.safety.kinematics`: Franka Panda forward kinematics (numpy).
- :mod:`promptbot.safety.prompt_guard`: the one screen for untrusted instructions:
  ``screen(text) -> (ok, reason)`` and the planner's ``screen_instruction(text)
  -> Refusal | None``. (Plans are checked in :mod:`promptbot.planning.validate`.)
- :mod:`promptbot.safety.adversarial`: curated adversarial and benign commands.
"""
from promptbot.safety.config import Box, GovernorConfig
from promptbot.safety.governor import (
    EEPose,
    Governor,
    Intervention,
    JointSample,
    State,
    Trajectory,
    TrajectoryPoint,
    Twist,
)
from promptbot.safety.prompt_guard import screen

__all__ = [
    "Box", "GovernorConfig", "EEPose", "Governor", "Intervention", "JointSample", "State",
    "Trajectory", "TrajectoryPoint", "Twist", "screen",
]
