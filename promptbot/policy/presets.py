"""Training presets of the VLA (``promptbot train --preset``, ``promptbot build-policy``)."""
from __future__ import annotations

PRESETS = {
    "cpu": dict(epochs=40, batch_size=64, lr=1e-3, threads=2, eval_every_steps=2000,
                model=dict(image_size=64, channels=(16, 32, 48, 64), strides=(2, 2, 2, 1), hidden=256, chunk=10,
                           use_wrist=True)),
    "gpu": dict(epochs=200, batch_size=256, lr=1e-3, device="cuda", data_on_device=True, eval_every_steps=2000,
                model=dict(image_size=64, channels=(16, 32, 48, 64), strides=(2, 2, 2, 1), hidden=256, chunk=10,
                           use_wrist=True)),
    "gpu-large": dict(epochs=200, batch_size=256, lr=1e-3, device="cuda", data_on_device=True,
                      eval_every_steps=2000,
                      model=dict(image_size=64, channels=(32, 64, 96, 128), strides=(2, 2, 2, 1), hidden=512,
                                 chunk=10, use_wrist=True)),
}
