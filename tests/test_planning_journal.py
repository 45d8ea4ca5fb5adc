"""The planner's task journal: what was running when the planner died is said after its restart (issue 24)."""
import pytest

from promptbot.planning.journal import TaskJournal, interrupted_message


def test_a_task_begun_and_never_ended_is_recovered_once(tmp_path):
    j = TaskJournal(tmp_path / "sub" / "journal.jsonl")
    j.begin("g1", "put the red cube in the bowl", "action", now_s=100.0)
    j.end("g1", "succeeded")
    j.begin("g2", "stack the cubes", "voice", now_s=110.0)
    # the process is killed here, mid-task: a torn line follows
    with open(j.path, "a") as f:
        f.write('{"begin":"g3","instr')
    again = TaskJournal(j.path)
    lost = again.recover(now_s=120.0)
    assert [(e.task_id, e.instruction, e.source) for e in lost] == [("g2", "stack the cubes", "voice")]
    assert again.recover(now_s=121.0) == []          # said once; the journal starts afresh
    msg = interrupted_message(lost[0])
    assert msg["task_id"] == "g2" and "stack the cubes" in msg["message"] and "did not finish" in msg["message"]


def test_an_old_journal_is_not_this_graphs(tmp_path):
    j = TaskJournal(tmp_path / "j.jsonl", max_age_s=60.0)
    j.begin("old", "put the red cube in the bowl", "action", now_s=0.0)
    assert j.open_tasks(now_s=30.0) and j.recover(now_s=100.0) == []


def test_bad_settings_are_refused(tmp_path):
    with pytest.raises(ValueError):
        TaskJournal(tmp_path / "j.jsonl", max_age_s=0)
    with pytest.raises(ValueError):
        TaskJournal(tmp_path / "j.jsonl").begin("", "x", "voice")
    assert TaskJournal(tmp_path / "none.jsonl").recover() == []
