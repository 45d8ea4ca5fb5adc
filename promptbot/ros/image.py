"""Fast numpy <-> sensor_msgs/Image conversion (no cv_bridge needed).

Receive is zero-copy: the returned array is a view on the message buffer.
Send copies once through ``array.array`` + ``memoryview`` (~0.5 ms for a
640x480 rgb8 frame; assigning an ndarray to ``msg.data`` directly would be
element-wise and ~45 ms).
"""
from __future__ import annotations

import array

import numpy as np
from sensor_msgs.msg import Image

# encoding -> (dtype, channels)
ENCODINGS: dict[str, tuple[np.dtype, int]] = {
    "rgb8": (np.dtype(np.uint8), 3),
    "bgr8": (np.dtype(np.uint8), 3),
    "mono8": (np.dtype(np.uint8), 1),
    "16UC1": (np.dtype(np.uint16), 1),  # depth in millimetres (REP 118)
    "32FC1": (np.dtype(np.float32), 1),  # depth in metres (REP 118)
}


class ImageConversionError(ValueError):
    """An image message or array that cannot be converted."""


def _spec(encoding: str) -> tuple[np.dtype, int]:
    try:
        return ENCODINGS[encoding]
    except KeyError:
        raise ImageConversionError(
            f"unsupported image encoding {encoding!r}; supported: {', '.join(ENCODINGS)}"
        ) from None


def image_to_numpy(msg: Image) -> np.ndarray:
    """View a sensor_msgs/Image as an (H, W, C) or (H, W) array without copying.

    Raises ImageConversionError for unsupported encodings or a data size that
    does not match height, step and width.
    """
    dtype, channels = _spec(msg.encoding)
    height, width, step = int(msg.height), int(msg.width), int(msg.step)
    row_bytes = width * channels * dtype.itemsize
    if height == 0 or width == 0:
        raise ImageConversionError(f"empty image ({width}x{height})")
    if step < row_bytes:
        raise ImageConversionError(
            f"{msg.encoding} image {width}x{height}: step {step} < {row_bytes} bytes per row"
        )
    buf = np.frombuffer(msg.data, dtype=np.uint8)
    if buf.size != step * height:
        raise ImageConversionError(
            f"{msg.encoding} image {width}x{height} (step {step}) needs {step * height} bytes, "
            f"message has {buf.size}"
        )
    if step % dtype.itemsize:
        raise ImageConversionError(f"step {step} is not a multiple of the {dtype} element size")
    dt = dtype.newbyteorder(">" if msg.is_bigendian else "<") if dtype.itemsize > 1 else dtype
    rows = buf.view(dt).reshape(height, step // dtype.itemsize)
    arr = rows[:, : width * channels]
    if channels > 1:
        arr = arr.reshape(height, width, channels)
    if dt.byteorder == ">" or (dt.byteorder == "=" and not np.little_endian):
        arr = arr.astype(dtype.newbyteorder("="))
    return arr


def numpy_to_image(
    arr: np.ndarray,
    encoding: str,
    stamp=None,
    frame_id: str = "",
    out: Image | None = None,
) -> Image:
    """Pack an array into a sensor_msgs/Image (one copy).

    ``arr`` must be (H, W, 3) for rgb8/bgr8 and (H, W) for single-channel
    encodings, with the encoding's dtype (uint8, uint16 or float32).
    """
    dtype, channels = _spec(encoding)
    arr = np.asarray(arr)
    expected_ndim = 3 if channels > 1 else 2
    if arr.ndim == 3 and channels == 1 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim != expected_ndim or (channels > 1 and arr.shape[2] != channels):
        want = "(H, W, 3)" if channels > 1 else "(H, W)"
        raise ImageConversionError(f"{encoding} needs an array of shape {want}, got {arr.shape}")
    if arr.dtype != dtype:
        raise ImageConversionError(f"{encoding} needs dtype {dtype}, got {arr.dtype}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ImageConversionError(f"empty image of shape {arr.shape}")
    arr = np.ascontiguousarray(arr)
    if arr.dtype.byteorder == ">":
        arr = arr.astype(arr.dtype.newbyteorder("<"))
    msg = out if out is not None else Image()
    if stamp is not None:
        msg.header.stamp = stamp
    msg.header.frame_id = frame_id
    msg.height, msg.width = int(arr.shape[0]), int(arr.shape[1])
    msg.encoding = encoding
    msg.is_bigendian = 0
    msg.step = int(arr.shape[1] * channels * dtype.itemsize)
    data = array.array("B")
    data.frombytes(memoryview(arr).cast("B"))
    msg.data = data
    return msg
