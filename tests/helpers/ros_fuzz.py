"""Hypothesis strategies for any ROS 2 message, service request or action goal type.

Built from the rosidl type description (``get_fields_and_field_types``), so every
interface a node exposes can be fuzzed without writing a strategy per type: NaN and
inf in floats, integers over the whole range of their type (out-of-range enums),
empty, long and odd-unicode strings, sequences of the wrong length, nested messages.
Values the Python message class itself refuses (a bounded sequence too long) keep
the field's default: the node can never receive those.
"""
from __future__ import annotations

import importlib
import re

from hypothesis import strategies as st


def get_interface(name: str):
    """``pkg/msg/Type``, ``pkg/Type`` (a nested field), ``pkg/srv/Type`` or ``pkg/action/Type`` -> class.
    (rosidl_runtime_py has no pip wheel.)"""
    parts = name.split("/")
    pkg, kind, typ = (parts[0], "msg", parts[1]) if len(parts) == 2 else parts
    return getattr(importlib.import_module(f"{pkg}.{kind}"), typ)


get_message = get_interface

_INT_RANGES = {
    "int8": (-2**7, 2**7 - 1), "uint8": (0, 2**8 - 1), "char": (0, 2**8 - 1),
    "int16": (-2**15, 2**15 - 1), "uint16": (0, 2**16 - 1),
    "int32": (-2**31, 2**31 - 1), "uint32": (0, 2**32 - 1),
    "int64": (-2**63, 2**63 - 1), "uint64": (0, 2**64 - 1),
}
# encodable text (no lone surrogates): odd unicode, control characters, right-to-left, emoji
_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
_STRINGS = st.one_of(_TEXT, st.just(""), st.just("x" * 20000), st.sampled_from(
    ["\x00", "../../etc/passwd", "rgb8", "32FC1", "16UC1", "tabletop", "pick", "red_cube", "  ", "\u202e\u200b"]))
_SEQ = re.compile(r"^sequence<(.+?)(?:, (\d+))?>$")
_ARR = re.compile(r"^(.+)\[(\d+)\]$")
_BOUNDED_STR = re.compile(r"^w?string<=(\d+)$")
MAX_SEQ = 6                 # elements of a fuzzed sequence (bytes: up to MAX_BYTES)
MAX_BYTES = 4096


def _scalar(t: str, depth: int):
    if t == "boolean":
        return st.booleans()
    if t in ("float", "double", "float32", "float64"):
        return st.floats(allow_nan=True, allow_infinity=True, width=32 if t in ("float", "float32") else 64)
    if t in _INT_RANGES:
        lo, hi = _INT_RANGES[t]
        return st.one_of(st.integers(lo, hi), st.sampled_from([lo, hi, 0, 1, 255 if hi >= 255 else hi]))
    if t in ("octet", "byte"):
        return st.binary(min_size=1, max_size=1)
    if t in ("string", "wstring"):
        return _STRINGS
    m = _BOUNDED_STR.match(t)
    if m:
        return st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=int(m.group(1)))
    if "/" in t:
        return message_strategy(get_message(t), depth + 1)
    raise ValueError(f"no strategy for ROS type {t!r}")


def _field(t: str, depth: int):
    m = _SEQ.match(t)
    if m:
        inner, bound = m.group(1), m.group(2)
        if inner in ("uint8", "octet", "byte"):          # image / audio payloads: a byte string
            n = min(int(bound), MAX_BYTES) if bound else MAX_BYTES
            return st.binary(max_size=n) if inner != "uint8" else st.binary(max_size=n).map(list)
        n = min(int(bound), MAX_SEQ) if bound else MAX_SEQ
        if depth > 2 and "/" in inner:
            return st.just([])
        return st.lists(_scalar(inner, depth), max_size=n)
    m = _ARR.match(t)
    if m:
        n = int(m.group(2))
        return st.lists(_scalar(m.group(1), depth), min_size=n, max_size=n)
    return _scalar(t, depth)


def message_strategy(cls, depth: int = 0):
    """A strategy producing instances of the rosidl message class ``cls``."""
    fields = cls.get_fields_and_field_types()

    @st.composite
    def build(draw):
        msg = cls()
        for name, t in fields.items():
            if depth > 3:
                break
            value = draw(_field(t, depth))
            try:
                setattr(msg, name, value)
            except (AssertionError, TypeError, ValueError, OverflowError):
                pass          # the message class refuses it: no subscriber can ever receive it
        return msg

    return build()
