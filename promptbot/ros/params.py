"""Declare node parameters from a spec: description, type, range, validation on set.

Usage in a node::

    SPECS = [
        ParamSpec("rate_hz", 30.0, "camera publishing rate [Hz]", min=1.0, max=120.0),
        ParamSpec("world", "tabletop", "world to load at start"),
    ]
    self.params = declare_params(self, SPECS)
    self.params.rate_hz  # current value, kept up to date on `ros2 param set`
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rcl_interfaces.msg import (
    FloatingPointRange,
    IntegerRange,
    ParameterDescriptor,
    ParameterType,
    SetParametersResult,
)
from rclpy.node import Node
from rclpy.parameter import Parameter

_TYPES = {
    bool: ParameterType.PARAMETER_BOOL,
    int: ParameterType.PARAMETER_INTEGER,
    float: ParameterType.PARAMETER_DOUBLE,
    str: ParameterType.PARAMETER_STRING,
}
_ARRAY_TYPES = {
    bool: ParameterType.PARAMETER_BOOL_ARRAY,
    int: ParameterType.PARAMETER_INTEGER_ARRAY,
    float: ParameterType.PARAMETER_DOUBLE_ARRAY,
    str: ParameterType.PARAMETER_STRING_ARRAY,
}


@dataclass(frozen=True)
class ParamSpec:
    """One parameter: name, default (its type is the parameter's type), description, limits."""

    name: str
    default: Any
    description: str
    min: float | None = None
    max: float | None = None
    choices: Sequence[Any] | None = None
    read_only: bool = False
    validator: Callable[[Any], str | None] | None = field(default=None, compare=False)

    def __post_init__(self):
        if not self.name or not self.description:
            raise ValueError("a parameter needs a name and a description")
        self.param_type()  # raises for unsupported defaults
        err = self.check(self.default)
        if err:
            raise ValueError(f"default of {self.name!r} is invalid: {err}")

    def param_type(self) -> int:
        d = self.default
        if isinstance(d, (list, tuple)):
            if not d:
                raise ValueError(f"{self.name}: list defaults must be non-empty to infer a type")
            return _ARRAY_TYPES[type(d[0])]
        if type(d) not in _TYPES:
            raise ValueError(f"{self.name}: unsupported default type {type(d).__name__}")
        return _TYPES[type(d)]

    def check(self, value: Any) -> str | None:
        """Return a reason the value is invalid, or None when it is fine."""
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            if isinstance(v, float) and not math.isfinite(v):
                return f"{self.name} must be finite, got {v}"
            if self.min is not None and isinstance(v, (int, float)) and v < self.min:
                return f"{self.name} must be >= {self.min}, got {v}"
            if self.max is not None and isinstance(v, (int, float)) and v > self.max:
                return f"{self.name} must be <= {self.max}, got {v}"
            if self.choices is not None and v not in self.choices:
                return f"{self.name} must be one of {list(self.choices)}, got {v!r}"
        if self.validator is not None:
            return self.validator(value)
        return None

    def descriptor(self) -> ParameterDescriptor:
        desc = ParameterDescriptor(
            name=self.name,
            type=self.param_type(),
            description=self.description,
            read_only=self.read_only,
        )
        if self.choices is not None:
            desc.additional_constraints = f"one of {list(self.choices)}"
        base = self.default[0] if isinstance(self.default, (list, tuple)) else self.default
        if (self.min is not None or self.max is not None) and not isinstance(base, bool):
            if isinstance(base, int):
                desc.integer_range = [
                    IntegerRange(
                        from_value=int(self.min if self.min is not None else -(2**63)),
                        to_value=int(self.max if self.max is not None else 2**63 - 1),
                        step=0,
                    )
                ]
            elif isinstance(base, float):
                desc.floating_point_range = [
                    FloatingPointRange(
                        from_value=float(self.min if self.min is not None else -math.inf),
                        to_value=float(self.max if self.max is not None else math.inf),
                        step=0.0,
                    )
                ]
        return desc


class ParamStore:
    """Attribute access to a node's current parameter values."""

    def __init__(self, values: dict[str, Any]):
        self.__dict__["_values"] = values

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        raise AttributeError("parameters change through ROS (set_parameters), not by assignment")

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)


def declare_params(
    node: Node,
    specs: Sequence[ParamSpec],
    on_change: Callable[[str, Any], None] | None = None,
) -> ParamStore:
    """Declare every spec on ``node``, validate values on set, and return a live store.

    Values given at start-up (``--params-file``, overrides) are validated too:
    an invalid start-up value raises ValueError with the reason.
    """
    by_name = {s.name: s for s in specs}
    values: dict[str, Any] = {}
    for spec in specs:
        param = node.declare_parameter(spec.name, spec.default, spec.descriptor())
        value = param.value
        err = spec.check(value)
        if err:
            raise ValueError(f"invalid parameter at start-up: {err}")
        values[spec.name] = value

    def _on_set(params: list[Parameter]) -> SetParametersResult:
        for p in params:
            spec = by_name.get(p.name)
            if spec is None:
                continue
            if spec.read_only:
                return SetParametersResult(successful=False, reason=f"{p.name} is read-only")
            err = spec.check(p.value)
            if err:
                return SetParametersResult(successful=False, reason=err)
        for p in params:
            if p.name in by_name:
                values[p.name] = p.value
                if on_change is not None:
                    on_change(p.name, p.value)
        return SetParametersResult(successful=True)

    node.add_on_set_parameters_callback(_on_set)
    return ParamStore(values)
