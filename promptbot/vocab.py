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

# Nouns people use for the objects, and the labels each may mean, the likeliest first. The
# interpreter picks, per scene, the first label of which an object of the named colour is present
# ("the blue brick" is the blue lego where there is one, else the blue block or cube). A noun not
# listed here names nothing ("the purple banana").
NOUN_LABELS: dict[str, tuple[str, ...]] = {
    "cube": ("cube",), "block": ("block", "cube", "lego"), "box": ("cube", "block"),
    "brick": ("lego", "block", "cube"), "die": ("cube",), "dice": ("cube",), "square": ("cube",),
    "cuboid": ("cube", "block"), "lego": ("lego",), "piece": ("lego", "block", "cube"),
    "bowl": ("bowl",), "dish": ("bowl",), "basin": ("bowl",), "container": ("bowl", "tray"),
    "bin": ("bowl", "tray"), "pot": ("bowl",),
    "basket": ("bowl", "tray"), "tray": ("tray",), "plate": ("tray",), "mug": ("mug",), "cup": ("mug",),
    "glass": ("mug",),
}
NOUN_PLURALS: dict[str, str] = {**{n + "s": n for n in NOUN_LABELS}, "boxes": "box", "dice": "die",
                                "dishes": "dish", "pieces": "piece"}


def noun_labels(word: str) -> tuple[str, ...]:
    """Labels ``word`` (singular or plural) may name: ``noun_labels("bricks") == ("lego", "block", "cube")``."""
    return NOUN_LABELS.get(NOUN_PLURALS.get(word, word), ())
