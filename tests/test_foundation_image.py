"""numpy <-> sensor_msgs/Image conversion."""
from __future__ import annotations

import array

import numpy as np
import pytest
from sensor_msgs.msg import Image

from promptbot.ros.image import ENCODINGS, ImageConversionError, image_to_numpy, numpy_to_image

RNG = np.random.default_rng(0)


def _sample(encoding: str, h: int = 48, w: int = 64) -> np.ndarray:
    dtype, channels = ENCODINGS[encoding]
    shape = (h, w, channels) if channels > 1 else (h, w)
    if dtype == np.float32:
        return RNG.uniform(0.1, 3.0, shape).astype(np.float32)
    return RNG.integers(0, np.iinfo(dtype).max, shape, dtype=dtype)


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
def test_round_trip_every_encoding(encoding):
    arr = _sample(encoding)
    msg = numpy_to_image(arr, encoding, frame_id="camera_color_optical_frame")
    assert msg.encoding == encoding and msg.height == 48 and msg.width == 64
    assert msg.step == 64 * arr.itemsize * (arr.shape[2] if arr.ndim == 3 else 1)
    assert isinstance(msg.data, array.array)
    back = image_to_numpy(msg)
    assert back.dtype == arr.dtype and back.shape == arr.shape
    np.testing.assert_array_equal(back, arr)


def test_receive_is_zero_copy():
    msg = numpy_to_image(_sample("rgb8"), "rgb8")
    view = image_to_numpy(msg)
    assert not view.flags.owndata
    assert np.shares_memory(view, np.frombuffer(msg.data, np.uint8))


def test_row_padding_is_respected():
    arr = _sample("mono8", 4, 5)
    msg = Image(height=4, width=5, encoding="mono8", step=8)
    padded = np.zeros((4, 8), np.uint8)
    padded[:, :5] = arr
    msg.data = array.array("B", padded.tobytes())
    np.testing.assert_array_equal(image_to_numpy(msg), arr)


def test_big_endian_depth():
    depth = np.arange(12, dtype=np.uint16).reshape(3, 4) * 300
    msg = Image(height=3, width=4, encoding="16UC1", step=8, is_bigendian=1)
    msg.data = array.array("B", depth.astype(">u2").tobytes())
    np.testing.assert_array_equal(image_to_numpy(msg), depth)


def test_single_channel_accepts_trailing_axis():
    arr = _sample("32FC1")[:, :, None]
    np.testing.assert_array_equal(image_to_numpy(numpy_to_image(arr, "32FC1")), arr[:, :, 0])


@pytest.mark.parametrize(
    "arr, encoding, match",
    [
        (np.zeros((4, 4, 3), np.uint8), "yuv422", "unsupported image encoding"),
        (np.zeros((4, 4), np.uint8), "rgb8", r"shape \(H, W, 3\)"),
        (np.zeros((4, 4, 4), np.uint8), "rgb8", r"shape \(H, W, 3\)"),
        (np.zeros((4, 4, 3), np.float32), "rgb8", "dtype uint8"),
        (np.zeros((4, 4), np.float64), "32FC1", "dtype float32"),
        (np.zeros((0, 4, 3), np.uint8), "rgb8", "empty"),
    ],
)
def test_bad_arrays_raise_clear_errors(arr, encoding, match):
    with pytest.raises(ImageConversionError, match=match):
        numpy_to_image(arr, encoding)


def test_bad_messages_raise_clear_errors():
    good = numpy_to_image(_sample("rgb8", 4, 4), "rgb8")
    short = Image(height=4, width=4, encoding="rgb8", step=12)
    short.data = array.array("B", bytes(good.data)[:-1])
    with pytest.raises(ImageConversionError, match="needs 48 bytes, message has 47"):
        image_to_numpy(short)
    bad_step = Image(height=4, width=4, encoding="rgb8", step=8)
    bad_step.data = array.array("B", bytes(32))
    with pytest.raises(ImageConversionError, match="step 8 < 12"):
        image_to_numpy(bad_step)
    with pytest.raises(ImageConversionError, match="unsupported image encoding 'bayer_rggb8'"):
        image_to_numpy(Image(height=4, width=4, encoding="bayer_rggb8", step=4))
    with pytest.raises(ImageConversionError, match="empty image"):
        image_to_numpy(Image(encoding="mono8"))
