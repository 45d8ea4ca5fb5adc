"""Simulation: worlds as data (worlds.py, pure), the PyBullet core (env.py), the scripted
expert (expert.py), demonstrations (demos.py), episode media (recording.py), skill trials (trials.py)."""
