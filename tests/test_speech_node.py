"""ROS graph tests of nodes/speech_node.py with real Whisper tiny.en weights.

The spoken command is made once per module with espeak-ng, and its transcript is checked first,
offline, with the same model: an ASR variation (another espeak-ng or Whisper build) fails that
check with what Whisper heard, instead of showing up as a flaky graph test.
"""
from __future__ import annotations

import shutil
import subprocess
import time

import numpy as np
import pytest

from promptbot.paths import config_dir
from promptbot.speech.audio import load_wav, resample
from promptbot.speech.text import normalize
from promptbot.testing import wait_for

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")

COMMAND = "pick up the red block and put it in the blue bowl"
NODE = "promptbot.nodes.speech_node"
PARAMS = ["--ros-args", "--params-file", str(config_dir() / "speech_node.yaml")]


@pytest.fixture(scope="module")
def command_wav(tmp_path_factory):
    from promptbot.speech import load_recognizer
    from promptbot.speech.recognizer import transcribe_file

    path = tmp_path_factory.mktemp("speech") / "cmd.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "160", "-w", str(path), COMMAND], check=True)
    heard = transcribe_file(load_recognizer("tiny.en"), path)
    assert normalize(heard.text) == COMMAND and heard.is_command, \
        f"offline, Whisper heard {heard.text!r} (is_command={heard.is_command}) for the espeak-ng clip of {COMMAND!r}"
    return path


def _stamp_s(m) -> float:
    return m.header.stamp.sec + m.header.stamp.nanosec * 1e-9


def _transcripts(ros_node) -> list:
    from promptbot_msgs.msg import Transcript
    from promptbot.ros.qos import EVENTS

    got: list = []
    ros_node.create_subscription(Transcript, "/speech/transcript", got.append, EVENTS)
    return got


def test_audio_topic_in_real_time_chunks_gives_one_transcript(ros_node, spawn, command_wav):
    from promptbot.ros.actions import ActionClient
    from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy

    from promptbot_msgs.action import Listen
    from promptbot_msgs.msg import AudioData

    rate, channels, chunk_s = 48000, 2, 0.02
    speech = resample(load_wav(command_wav).samples, 16000, rate)
    mono = np.concatenate([np.zeros(int(0.6 * rate)), speech, np.zeros(int(1.5 * rate))])
    mono += np.random.default_rng(0).normal(0, 1e-3, mono.size)  # a quiet room, not digital silence
    pcm = (np.clip(np.stack([mono, 0.9 * mono], axis=1), -1, 1) * 32767).astype("<i2")

    qos = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=200, reliability=ReliabilityPolicy.RELIABLE,
                     durability=DurabilityPolicy.VOLATILE)
    pub = ros_node.create_publisher(AudioData, "/audio/audio", qos)
    got = _transcripts(ros_node)
    node = spawn(NODE, *PARAMS, "-p", "partial_interval_s:=0.5")
    wait_for(lambda: pub.get_subscription_count() > 0 or not node.alive, 90, what="speech node subscription")
    assert node.alive, node.output()[-3000:]
    client = ActionClient(ros_node, Listen, "/speech/listen")
    assert client.wait_for_server(timeout_sec=30)

    feedback: list = []
    goal = Listen.Goal(timeout=30.0, require_wake_phrase=False)
    send = client.send_goal_async(goal, feedback_callback=lambda fb: feedback.append(fb.feedback))
    wait_for(send.done, 10, what="Listen goal accepted")
    handle = send.result()
    assert handle.accepted
    result_future = handle.get_result_async()

    def msg(data: bytes, encoding="s16le", sample_rate=rate, ch=channels) -> AudioData:
        m = AudioData(sample_rate=sample_rate, channels=ch, encoding=encoding)
        m.data = data
        return m

    def speak() -> None:
        step = int(chunk_s * rate)
        t0 = time.monotonic()
        for k, i in enumerate(range(0, len(pcm), step)):
            pub.publish(msg(pcm[i:i + step].tobytes()))
            time.sleep(max(0.0, t0 + (k + 1) * chunk_s - time.monotonic()))  # real-time pacing

    pub.publish(msg(b"\x00" * 10, encoding="mp3"))  # bad messages are dropped, not fatal
    pub.publish(msg(b"\x00" * 7))
    speak()
    wait_for(lambda: len(got) >= 1, 60, what="a transcript")
    wait_for(result_future.done, 30, what="Listen result")
    # exactly one transcript per utterance, checked with a counted window instead of a fixed wait:
    # the same utterance again; the node handles audio in order, so once the transcript of the
    # second one (stamped at its end of speech) is here, anything more from the first one is too
    t_second = time.time()
    speak()
    wait_for(lambda: any(_stamp_s(m) >= t_second for m in got), 60, what="the second utterance's transcript")
    first = [m for m in got if _stamp_s(m) < t_second]
    assert len(first) == 1, [m.text for m in got]
    t = first[0]
    assert normalize(t.text) == COMMAND, t.text
    assert t.error_code == 0 and t.is_command and t.confidence > 0.5 and t.language == "en"
    assert 2.5 < t.audio_duration < 5.0 and t.processing_time > 0
    # the n-best after rescoring goes out too, chosen first
    assert len(t.nbest_text) > 1 and t.nbest_text[0] == t.text
    assert len(t.nbest_confidence) == len(t.nbest_decoder_rank) == len(t.nbest_text)
    assert all(0.0 < c <= 1.0 for c in t.nbest_confidence) and sorted(t.nbest_decoder_rank) == list(range(len(t.nbest_text)))
    res = result_future.result().result
    assert res.error_code == Listen.Result.OK and normalize(res.transcript.text) == COMMAND
    states = {f.state for f in feedback}
    assert "speech" in states, states
    assert node.alive


def test_transcribe_file_service_and_microphone_fallback(ros_node, spawn, tmp_path, command_wav):
    from promptbot_msgs.srv import TranscribeFile

    (tmp_path / "corrupt.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEfmt garbage")
    got = _transcripts(ros_node)
    node = spawn(NODE, *PARAMS, "-p", "source:=microphone")  # no sounddevice/microphone here: a clear error
    client = ros_node.create_client(TranscribeFile, "/speech/transcribe_file")
    wait_for(lambda: client.service_is_ready() or not node.alive, 90, what="transcribe_file service")
    assert node.alive, node.output()[-3000:]
    wait_for(lambda: ros_node.count_publishers("/speech/transcript") > 0, 10, what="transcript publisher")

    def call(path: str, publish: bool = False):
        fut = client.call_async(TranscribeFile.Request(path=path, publish=publish))
        wait_for(fut.done, 60, what=f"transcribe_file({path})")
        return fut.result()

    r = call(str(command_wav), publish=True)
    assert r.error_code == TranscribeFile.Response.OK and normalize(r.transcript.text) == COMMAND
    assert r.transcript.is_command
    wait_for(lambda: len(got) == 1, 10, what="published transcript")
    r = call(str(tmp_path / "missing.wav"))
    assert r.error_code == TranscribeFile.Response.NOT_FOUND and not r.transcript.is_command
    r = call(str(tmp_path / "corrupt.wav"))
    assert r.error_code == TranscribeFile.Response.BAD_AUDIO and r.transcript.error_code == 3
    assert not r.transcript.is_command and r.error_msg
    assert node.alive
    log = node.output()
    assert "sounddevice" in log or "cannot open microphone" in log or "listening on microphone" in log, log[-2000:]
