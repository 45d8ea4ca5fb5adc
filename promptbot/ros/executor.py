"""A multi-threaded rclpy executor that does not starve its own callbacks.

rclpy's ``MultiThreadedExecutor`` (Jazzy, rclpy 7.1.x) hands every ready callback to a thread
pool as a ``Task``. Until a worker *starts* that task, ``wait_for_ready_callbacks`` yields the
same task again ("in progress, not executing"), and the executor submits it again. The spin
thread loops on this without blocking and holds the GIL, so the workers hardly get to run
(upstream: ros2/rclpy issue 1452, fixed in later rclpy releases than the wheels this project
pins). Measured on this 2-core machine (``tests/test_ros_executor.py`` checks the same): one
node with a 50 Hz timer and a 100 Hz subscription ran its timer 7 times in 5 s instead of
250, and took 15 of 500 messages; a safety-node test rig saw its fake arm's joint states
stall for 1.3 s, so the governor held the arm for "stale" states that were never stale.

:class:`PoolExecutor` keeps rclpy's executor and changes one thing: a task that was submitted
and has not started yet is not submitted again; the spin thread waits (GIL released) until a
worker picks it up. Everything else (callback groups, coroutine tasks, futures, shutdown) is
rclpy's own code.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Callable

from rclpy.executors import (
    ConditionReachedException,
    Executor,
    ExternalShutdownException,
    MultiThreadedExecutor,
    ShutdownException,
    SingleThreadedExecutor,
    TimeoutException,
)

# how long the spin thread waits at a time for a worker to start a queued task [s]; it then
# looks again (new work, shutdown), so this bounds nothing but the loop's rate while the pool is busy
QUEUED_WAIT_S = 0.05

_NOT_READY = (ExternalShutdownException, ShutdownException, TimeoutException, ConditionReachedException)


class PoolExecutor(MultiThreadedExecutor):
    """rclpy's ``MultiThreadedExecutor`` without the resubmission storm (see the module doc)."""

    def __init__(self, num_threads: int, *, context=None) -> None:
        if num_threads < 2:
            raise ValueError(f"a pool needs at least 2 threads, got {num_threads} (use SingleThreadedExecutor)")
        super().__init__(num_threads=num_threads, context=context)
        self._started: dict[object, threading.Event] = {}    # task -> set once a worker began it
        self._started_lock = threading.Lock()

    def _spin_once_impl(self, timeout_sec=None, wait_condition: Callable[[], bool] = lambda: False) -> None:
        try:
            handler, _entity, _node = self.wait_for_ready_callbacks(timeout_sec, None, wait_condition)
        except _NOT_READY:
            handler = None
        if handler is not None:
            with self._started_lock:
                started = self._started.get(handler)
            if started is not None and not started.is_set():
                started.wait(QUEUED_WAIT_S)        # queued: let a worker start it, do not queue it twice
            else:
                self._submit(handler)
        self._collect_done()

    def _submit(self, handler) -> None:
        started = threading.Event()
        with self._started_lock:
            self._started[handler] = started

        def run() -> None:
            started.set()
            handler()

        self._executor.submit(run)
        if handler not in self._futures:
            self._futures.append(handler)

    def _collect_done(self) -> None:
        for task in self._futures[:]:
            if task.done():
                self._futures.remove(task)
                with self._started_lock:
                    self._started.pop(task, None)
                task.result()                      # raise any exception of the callback, as rclpy does


EXECUTOR_ENV = "PROMPTBOT_EXECUTOR"     # "pool" (default) or "rclpy": rclpy's own MultiThreadedExecutor, for comparison


def make_executor(threads: int, context=None) -> Executor:
    """A ``SingleThreadedExecutor`` for 1 thread, else a :class:`PoolExecutor` of ``threads``.

    ``PROMPTBOT_EXECUTOR=rclpy`` in the environment gives rclpy's own ``MultiThreadedExecutor`` instead (to measure
    the difference, e.g. ``bench asr --node`` with and without it, or to rule the pool out when debugging).
    """
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    if threads == 1:
        return SingleThreadedExecutor(context=context)
    kind = os.environ.get(EXECUTOR_ENV, "pool").strip().lower() or "pool"
    if kind not in ("pool", "rclpy"):
        raise ValueError(f"{EXECUTOR_ENV} must be 'pool' or 'rclpy', got {kind!r}")
    if kind == "rclpy":
        return MultiThreadedExecutor(num_threads=threads, context=context)
    return PoolExecutor(threads, context=context)
