"""Process environment for promptbot's ROS graph (DDS profile, discovery range).

No rclpy import: the CLI and the test fixtures call this before any node starts.
"""
from __future__ import annotations

import os
from collections.abc import MutableMapping

from promptbot.paths import dds_profile

PROFILE_VARS = ("FASTRTPS_DEFAULT_PROFILES_FILE", "FASTDDS_DEFAULT_PROFILES_FILE")


def apply_dds_profile(env: MutableMapping[str, str] | None = None, override: bool = False) -> str:
    """Point Fast DDS (Jazzy and Kilted variable names) at the shipped profile.

    A profile the user already set is kept unless ``override``. Returns the path used.
    """
    env = os.environ if env is None else env
    path = str(dds_profile())
    for var in PROFILE_VARS:
        if override or not env.get(var):
            env[var] = path
    return env[PROFILE_VARS[0]]


def graph_env(domain_id: int | None = None, localhost_only: bool = False, base: dict | None = None) -> dict:
    """A copy of the environment for a node process of the promptbot graph."""
    env = dict(os.environ if base is None else base)
    apply_dds_profile(env)
    if domain_id is not None:
        if not 0 <= domain_id <= 232:
            raise ValueError(f"ROS_DOMAIN_ID must be in [0, 232], got {domain_id}")
        env["ROS_DOMAIN_ID"] = str(domain_id)
    if localhost_only:
        env["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "LOCALHOST"
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def init_context(env: dict[str, str]):
    """An initialised rclpy Context for this process on the graph described by ``env``.

    Copies the DDS profile and discovery range into this process's environment
    (Fast DDS reads them at participant creation) and uses env's ROS_DOMAIN_ID.
    """
    import rclpy

    for var in (*PROFILE_VARS, "ROS_AUTOMATIC_DISCOVERY_RANGE"):
        if var in env:
            os.environ[var] = env[var]
    context = rclpy.Context()
    rclpy.init(context=context, domain_id=int(env.get("ROS_DOMAIN_ID", "0")))
    return context
