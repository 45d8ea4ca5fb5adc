"""What the planner was doing when it died: a small append-only task journal (pure, no ROS).

A task (a RunTask goal or a spoken command) is written down when it starts and again when it
ends. A planner that is killed mid-task (SIGKILL, OOM, a crash) leaves a start without an end; the
next planner process reads those on start-up (:meth:`TaskJournal.recover`) and says which commands
were interrupted, so no command disappears without an answer (issue 24). Each line is one JSON
object, flushed and fsynced before the task runs; a line torn by the kill is skipped. Entries older
than ``max_age_s`` are not reported (a journal left by a graph that ran long ago is not this one's).
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["JournalEntry", "TaskJournal", "interrupted_message"]


@dataclass(frozen=True)
class JournalEntry:
    task_id: str
    instruction: str
    source: str                 # "action" (a RunTask goal) or "voice" (a transcript)
    started_unix_s: float


class TaskJournal:
    """Append-only journal of started and finished tasks at ``path`` (created with its folder)."""

    def __init__(self, path: str | Path, max_age_s: float = 900.0):
        if max_age_s <= 0:
            raise ValueError(f"max_age_s must be > 0, got {max_age_s}")
        self.path = Path(path).expanduser()
        self.max_age_s = float(max_age_s)

    def _append(self, record: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, separators=(",", ":")) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def begin(self, task_id: str, instruction: str, source: str, now_s: float | None = None) -> None:
        if not task_id:
            raise ValueError("task_id must not be empty")
        self._append({"begin": task_id, "instruction": instruction, "source": source,
                      "t": time.time() if now_s is None else now_s})

    def end(self, task_id: str, outcome: str) -> None:
        self._append({"end": task_id, "outcome": outcome})

    def open_tasks(self, now_s: float | None = None) -> list[JournalEntry]:
        """Tasks begun and never ended, oldest first, younger than ``max_age_s``."""
        if not self.path.is_file():
            return []
        now = time.time() if now_s is None else now_s
        begun: dict[str, JournalEntry] = {}
        for line in self.path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue                        # the line the kill tore
            if not isinstance(rec, dict):
                continue
            if "begin" in rec:
                begun[str(rec["begin"])] = JournalEntry(str(rec["begin"]), str(rec.get("instruction", "")),
                                                        str(rec.get("source", "")), float(rec.get("t", 0.0)))
            elif "end" in rec:
                begun.pop(str(rec["end"]), None)
        return [e for e in begun.values() if now - e.started_unix_s <= self.max_age_s]

    def recover(self, now_s: float | None = None) -> list[JournalEntry]:
        """The interrupted tasks (see :meth:`open_tasks`); the journal then starts afresh."""
        out = self.open_tasks(now_s)
        if self.path.is_file():
            tmp = self.path.with_suffix(self.path.suffix + ".tmp")
            tmp.write_text("", encoding="utf-8")
            tmp.replace(self.path)
        return out


def interrupted_message(entry: JournalEntry) -> dict:
    """What the restarted planner says about an interrupted task (JSON on ``/planner/interrupted``)."""
    return {"task_id": entry.task_id, "instruction": entry.instruction, "source": entry.source,
            "started_unix_s": entry.started_unix_s,
            "message": f"I was restarted while doing {entry.instruction!r}, so it did not finish. "
                       "Please check the table and say it again if you still want it."}
