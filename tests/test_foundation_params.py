"""Parameter specs: declared with descriptions/ranges, validated at start-up and on set."""
from __future__ import annotations

import math

import pytest
import rclpy
from rclpy.parameter import Parameter

from promptbot.ros.params import ParamSpec, declare_params


def test_spec_validation_pure():
    spec = ParamSpec("rate_hz", 30.0, "camera rate [Hz]", min=1.0, max=120.0)
    assert spec.check(30.0) is None
    assert "must be <= 120.0" in spec.check(500.0)
    assert "finite" in spec.check(math.nan)
    mode = ParamSpec("mode", "sim", "where to run", choices=["sim", "robot"])
    assert "one of" in mode.check("mars")
    with pytest.raises(ValueError, match="default of 'bad' is invalid"):
        ParamSpec("bad", 0.0, "x", min=1.0)
    with pytest.raises(ValueError, match="description"):
        ParamSpec("nodesc", 1, "")
    with pytest.raises(ValueError, match="unsupported default type"):
        ParamSpec("d", {"a": 1}, "dict")


@pytest.fixture
def node():
    context = rclpy.Context()
    rclpy.init(context=context, domain_id=0)
    n = rclpy.create_node("param_test", context=context,
                          parameter_overrides=[Parameter("world", value="clutter")])
    yield n
    n.destroy_node()
    rclpy.try_shutdown(context=context)


@pytest.mark.graph
def test_declare_and_validate_on_set(node):
    changes = []
    specs = [
        ParamSpec("rate_hz", 30.0, "camera rate [Hz]", min=1.0, max=120.0),
        ParamSpec("world", "tabletop", "world name", validator=lambda v: None if v.isidentifier() else "bad name"),
        ParamSpec("seed", 0, "random seed", min=0),
        ParamSpec("topics", ["a", "b"], "topic list"),
        ParamSpec("frame", "panda_link0", "base frame", read_only=True),
    ]
    store = declare_params(node, specs, on_change=lambda n, v: changes.append((n, v)))
    assert store.rate_hz == 30.0 and store.world == "clutter" and store.topics == ["a", "b"]
    desc = node.describe_parameter("rate_hz")
    assert desc.description == "camera rate [Hz]"
    assert desc.floating_point_range[0].to_value == 120.0

    ok = node.set_parameters([Parameter("rate_hz", value=15.0)])[0]
    assert ok.successful and store.rate_hz == 15.0 and changes == [("rate_hz", 15.0)]
    too_fast = node.set_parameters([Parameter("rate_hz", value=500.0)])[0]
    assert not too_fast.successful and store.rate_hz == 15.0
    bad_name = node.set_parameters([Parameter("world", value="not a world")])[0]
    assert not bad_name.successful and "bad name" in bad_name.reason
    negative = node.set_parameters([Parameter("seed", value=-1)])[0]
    assert not negative.successful
    assert not node.set_parameters([Parameter("frame", value="world")])[0].successful
    with pytest.raises(AttributeError):
        store.rate_hz = 3.0


@pytest.mark.graph
def test_invalid_start_up_value_raises():
    context = rclpy.Context()
    rclpy.init(context=context, domain_id=0)
    n = rclpy.create_node("param_test2", context=context,
                          parameter_overrides=[Parameter("world", value="not valid")])
    try:
        with pytest.raises(ValueError, match="invalid parameter at start-up: bad name"):
            declare_params(n, [ParamSpec("world", "tabletop", "world name",
                                         validator=lambda v: None if v.isidentifier() else "bad name")])
    finally:
        n.destroy_node()
        rclpy.try_shutdown(context=context)
