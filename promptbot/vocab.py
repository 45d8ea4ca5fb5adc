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
    "bin": ("bowl", "tray"), "pot": ("bowl",), "tote": ("tray", "bowl"),
    "basket": ("bowl", "tray"), "tub": ("bowl", "tray"), "tray": ("tray",), "plate": ("tray",), "mug": ("mug",), "cup": ("mug",),
    "glass": ("mug",),
}
NOUN_PLURALS: dict[str, str] = {**{n + "s": n for n in NOUN_LABELS}, "boxes": "box", "dice": "die",
                                "dishes": "dish", "pieces": "piece"}


def noun_labels(word: str) -> tuple[str, ...]:
    """Labels ``word`` (singular or plural) may name: ``noun_labels("bricks") == ("lego", "block", "cube")``."""
    return NOUN_LABELS.get(NOUN_PLURALS.get(word, word), ())


# --- the command language beyond object names (speech rescoring; the interpreter tells a glue word
# from an unknown noun with it) ---
DEFAULT_VERBS = (
    "pick", "place", "put", "stack", "unstack", "move", "push", "slide", "sort", "grab", "drop", "lift",
    "take", "get", "collect", "empty", "switch", "swap", "open", "close", "stop",
    # the task library's other command verbs (tests/test_speech_core.py keeps this list complete)
    "nudge", "shove", "remove", "transfer", "gather", "exchange", "tidy", "clean", "clear", "build",
)
# Things in every scene that are not objects of the world.
SCENE_WORDS = ("table", "tower", "side", "corner")
# Function words of the command language (template words, spatial words, fillers).
FUNCTION_WORDS = tuple(
    "a an the it them this that these those one ones all each every other up down in on to into onto of "
    "and then after before first next finally please now robot hey okay can could you would will i want "
    "left right front behind back near next top bottom middle center side of from with by over under "
    "inside beside between far closest nearest same different two three both is are be so that its "
    "bring give take set leave keep make go out apart places place leftmost rightmost colour color has "
    "there here what which where into onto at towards around away goes except but than everything "
    "objects positions matching furthest stacked edge last lastly base".split()
)
# Every word of the command language that is not a colour or an object noun: after a colour, such a
# word leaves the colour bare ("put red in blue"); any other word is a noun ("the purple elephant").
COMMAND_WORDS: frozenset[str] = frozenset(DEFAULT_VERBS + SCENE_WORDS + FUNCTION_WORDS)
