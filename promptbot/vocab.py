"""The command language's nouns and adjectives: one home for the interpreter, the task library and speech.

Pure (imports nothing). The order of :data:`COLORS` matters to the task library: its
impossible-instruction generator draws from it with a seeded RNG.
"""
from __future__ import annotations

COLORS = ("red", "green", "blue", "yellow", "purple", "orange", "cyan", "pink", "white", "black",
          "brown", "gray")
# Object classes of the worlds (sim_worlds/*.yaml) and perception's shape templates.
LABELS = ("cube", "bowl", "block", "lego", "mug", "tray")
CONTAINER_LABELS = ("bowl", "tray")
# Speech also hears nouns of objects that are in no world, so that "put the block on the plate"
# is transcribed as said and then answered by the interpreter ("there is no plate").
HEARD_LABELS = LABELS + ("plate",)
