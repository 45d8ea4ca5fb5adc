"""The ``main()`` every promptbot node shares: init, build, spin, clean shutdown.

One place decides what a node process does at its edges:

- Ctrl-C / ``ros2 launch`` shutdown: leave quietly (exit 0) after the node's own
  ``on_exit`` clean-up (the policy node holds the arm still, the sim node stops its
  physics thread) and ``destroy_node``.
- A node that cannot be built from its parameters (``declare_params`` raises
  ``ValueError`` for an invalid start-up value, rclpy refuses a value outside a
  parameter's range or of the wrong type; the speech node raises ``ModelError``
  for a missing model) says why in one line and exits with ``EXIT_CANNOT_START``
  instead of a traceback. The runner gives such a node up after a few quick respawns
  (``promptbot.supervisor``), ``ros2 launch`` shows the line.
- Any other error, or an error after the node is up, propagates (traceback, non-zero
  exit) so the respawn logic sees a crash.
- Once built, every node serves ``/<node>/health`` (:mod:`promptbot.ros.health`).
"""
from __future__ import annotations

from collections.abc import Callable

import rclpy
import rclpy.logging
from rclpy.exceptions import InvalidParameterTypeException, InvalidParameterValueException
from rclpy.executors import ExternalShutdownException
from rclpy.node import Node

from promptbot.ros.executor import make_executor

EXIT_CANNOT_START = 1
# a value the node's parameter spec (ValueError) or rclpy's descriptor range/type check refuses
PARAMETER_ERRORS: tuple[type[BaseException], ...] = (
    ValueError, InvalidParameterValueException, InvalidParameterTypeException)


def spin_node(
    make_node: Callable[[], Node],
    name: str,
    threads: int = 1,
    on_exit: Callable[[Node], None] | None = None,
    startup_errors: tuple[type[BaseException], ...] = (),
    args: list[str] | None = None,
) -> None:
    """Build the node with ``make_node`` and spin it until shutdown.

    ``threads`` > 1 uses a :class:`~promptbot.ros.executor.PoolExecutor` with that many threads.
    ``startup_errors``: exceptions that, raised while the node is being built, mean
    "this configuration cannot run" (one line on the log, exit ``EXIT_CANNOT_START``),
    besides ``PARAMETER_ERRORS``.
    """
    if threads < 1:
        raise ValueError("threads must be >= 1")
    rclpy.init(args=args)
    node = None
    try:
        try:
            node = make_node()
        except PARAMETER_ERRORS + tuple(startup_errors) as exc:
            rclpy.logging.get_logger(name).error(f"cannot start: {exc}")
            raise SystemExit(EXIT_CANNOT_START) from None
        from promptbot.ros.health import add_health_service

        add_health_service(node)      # /<node>/health answers from here on: the node is built (models loaded)
        executor = make_executor(threads)
        executor.add_node(node)
        executor.spin()
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        if node is not None:
            if on_exit is not None:
                try:
                    on_exit(node)
                except Exception as exc:  # noqa: BLE001 - shutting down: the clean-up must not mask the exit
                    rclpy.logging.get_logger(name).error(f"clean-up at exit failed: {exc!r}")
            node.destroy_node()
        rclpy.try_shutdown()
