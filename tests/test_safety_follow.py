"""promptbot.safety.follow: a self-driven executor (the sim's expert) follows the governor's state."""
import math

import pytest

from promptbot.safety.follow import SafetyFollower, Verdict


def test_no_state_yet_means_go():
    assert SafetyFollower().verdict(0.0) is Verdict.GO


def test_pause_holds_while_fresh_and_not_after_the_state_goes_stale():
    f = SafetyFollower(stale_after_s=1.0)
    f.update(estop_latched=False, paused=True, now=10.0)
    assert f.verdict(10.5) is Verdict.HOLD
    assert f.verdict(11.0) is Verdict.HOLD
    # the safety node stopped publishing (killed): a pause it announced does not hold the arm forever
    assert f.verdict(11.01) is Verdict.GO
    f.update(False, False, 11.5)
    assert f.verdict(11.6) is Verdict.GO


def test_estop_stops_and_stays_until_a_state_says_otherwise():
    f = SafetyFollower()
    f.update(estop_latched=True, paused=True, now=0.0)
    assert f.verdict(0.1) is Verdict.STOP
    assert f.verdict(100.0) is Verdict.STOP       # latched: staleness does not release it
    f.update(False, False, 101.0)
    assert f.verdict(101.0) is Verdict.GO


@pytest.mark.parametrize("bad", [0.0, -1.0, math.nan, math.inf])
def test_bad_staleness_rejected(bad):
    with pytest.raises(ValueError):
        SafetyFollower(stale_after_s=bad)
