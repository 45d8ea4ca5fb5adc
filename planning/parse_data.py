"""Training data for the LLM semantic parser: (scene, instruction, goal) triples (pure, seeded).

Written from the linguistic phenomena of issue 20, not from any benchmark sentence: each
``_b_*`` builder realises one phenomenon over a sampled scene and returns the instruction and
its grounded goal in the goal syntax of :mod:`promptbot.tasks.goal` (``unmoved(x)`` included),
or one of the special answers :data:`ASK` (a question is the right answer: ambiguous or
unknown reference) and :data:`REFUSE` (out of scope). Decorators then add politeness / filler
and ASR-style noise. Scenes come from :func:`promptbot.sim.worlds.sample_scene` with seeds
from :data:`TRAIN_SEED_BASE` up, far from the understanding suite's seeds (all below 100).

Later builders cover what the suite's later dev files showed people say (the phenomena listed in
docs/understanding.md, written without reading the suite): references by place ("the cube
furthest from you", "the second cube from the left", "the bowl at the back", "the cube behind
the mug"; a place word picks an object only with a clear margin of SPATIAL_MARGIN_M along its
axis, a near tie is ASK), the state wanted instead of the action ("the bowl should hold X and Y
and nothing else", "the pink bowl stays empty"), a speaker across the table ("the cube nearest
me" = the robot's furthest, "my left" = the robot's right), Spanish / French / German words,
colour shades (navy, crimson, lime, ...), "undo that" / "actually no" corrections, contrasts that
are not constraints ("the green cube, not the green lego, goes ..."), and unsafe requests in new
words. Their extra tags are :data:`NEW_PHENOMENON_TAGS`.

    examples = generate(20000, seed=0)       # deterministic for a given seed
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Callable, Sequence

from promptbot.scene import ObjectState
from promptbot.vocab import CONTAINER_LABELS

ASK = "ask"
REFUSE = "refuse"
TRAIN_SEED_BASE = 1000          # scene seeds used for training: TRAIN_SEED_BASE .. + SCENES_PER_WORLD
SCENES_PER_WORLD = 200
WORLDS = ("tabletop", "sorting", "stacking", "clutter", "long_horizon")
MAX_GROUP = 4                   # "all the cubes" groups larger than this are not generated
STACKABLE = ("cube", "block", "lego")

# --- vocabulary ------------------------------------------------------------------------------

# label -> nouns that name it (first = the label itself); hypernyms are in HYPERNYMS
NOUNS = {
    "cube": ["cube", "block", "box", "cubie", "little cube", "square block", "dice", "brick"],
    "block": ["block", "slab", "flat block", "tile", "plank", "brick", "wooden block"],
    "lego": ["lego", "lego brick", "lego piece", "building block", "brick", "duplo"],
    "mug": ["mug", "cup", "coffee mug", "coffee cup", "beaker"],
    "bowl": ["bowl", "dish", "basin", "bowl thing", "pot"],
    "tray": ["tray", "platter", "serving tray", "flat tray", "box lid"],
}
HYPERNYMS_MOVABLE = ["thing", "object", "item", "piece", "one", "toy"]
HYPERNYMS_CONTAINER = ["container", "receptacle", "holder", "one"]
PLURAL = {"box": "boxes", "dice": "dice", "lego": "legos", "one": "ones", "duplo": "duplos"}
COLOR_SYNONYMS = {"gray": ["gray", "grey"], "purple": ["purple", "violet"], "cyan": ["cyan", "turquoise", "light blue"],
                  "pink": ["pink"], "orange": ["orange"], "brown": ["brown"]}

# ASR-style confusions: word -> what a recogniser may write instead
MISHEARD = {
    "bowl": ["board", "barrel", "ball", "bowel", "bull", "bold", "bow"],
    "red": ["med", "read", "bread", "rid", "wed"],
    "green": ["grain", "greed", "queen", "cream"],
    "blue": ["blew", "glue", "blu"],
    "yellow": ["jello", "yellowish", "hello"],
    "cube": ["queue", "cute", "tube", "cue", "cubed"],
    "block": ["clock", "lock", "black"],
    "purple": ["purpose", "people", "turtle"],
    "orange": ["orange's", "oranges", "arrange"],
    "white": ["wide", "right", "wait"],
    "gray": ["grey", "great", "grade", "tray"],
    "pink": ["think", "ink", "pig"],
    "cyan": ["sayin", "scion", "sign"],
    "tray": ["tree", "trey", "pray", "train"],
    "mug": ["mud", "mock", "bug"],
    "lego": ["leg go", "lago", "ego"],
    "black": ["back", "plaque", "block"],
    "brown": ["brow", "round", "crown"],
    "put": ["but", "pot", "putt"],
    "stack": ["stuck", "snack", "stacked"],
    "the": ["a", "da", "uh the"],
    "in": ["and", "an", "inn"],
    "on": ["an", "own"],
}
REGION_WORDS = {
    "left": ["the left side", "the left", "the left-hand side", "the left edge"],
    "right": ["the right side", "the right", "the right-hand side", "the right edge"],
    "front": ["the front", "the near side", "the front edge", "the side closest to you", "near you"],
    "back": ["the back", "the far side", "the far edge", "the back of the table", "the side away from you"],
    "center": ["the middle", "the center", "the centre of the table", "the middle of the table"],
}
POLITE_PRE = ["please", "could you", "can you please", "would you mind if you", "hey robot,", "robot,", "ok so",
              "um", "uh", "so", "right, so", "I'd like you to", "I want you to", "go ahead and", "kindly",
              "if you could", "hey, could you", "alright,", "okay robot", "let's", "would you please",
              "do me a favor and", "I need you to"]
POLITE_POST = ["please", "thanks", "thank you", "if you don't mind", "when you get a chance", "for me",
               "cheers", "please and thank you", "if you can", "thanks a lot", "ok?", "right now"]
PUT_VERBS = ["put", "place", "move", "drop", "set", "stick", "pop", "toss", "get", "bring", "transfer", "shift",
             "slide", "park", "pick up and put"]
IN_PREPS = ["in", "into", "inside", "in", "into"]
ON_PREPS = ["on", "on top of", "onto", "on", "atop"]
OUT_OF_SCOPE = [
    "make me a cup of coffee", "what's the weather like today", "open the window", "sing me a song",
    "tell me a joke", "call my mom", "order a pizza", "turn on the lights", "vacuum the floor",
    "walk the dog", "what time is it", "cook some pasta", "go to the kitchen", "fold the laundry",
    "water the plants", "play some music", "wash the dishes in the sink", "drive to the store",
    "book a flight", "do my homework", "paint the wall", "open the fridge", "charge my phone",
    "write an email to my boss", "who won the game last night", "feed the cat",
]


@dataclass(frozen=True)
class Example:
    """One triple: the scene is ``sample_scene(world, seed)``; ``target`` is a goal, ASK or REFUSE."""

    world: str
    seed: int
    instruction: str
    target: str
    phenomena: tuple[str, ...]
    history: tuple[str, ...] = ()


# --- scene context -------------------------------------------------------------------------

@dataclass
class _Scene:
    world: str
    seed: int
    objects: list[ObjectState]
    movables: list[ObjectState] = field(default_factory=list)
    containers: list[ObjectState] = field(default_factory=list)

    def __post_init__(self):
        self.containers = [o for o in self.objects if o.label in CONTAINER_LABELS]
        self.movables = [o for o in self.objects if o.label not in CONTAINER_LABELS]


def _color(o: ObjectState, rng: random.Random) -> str:
    return rng.choice(COLOR_SYNONYMS.get(o.color, [o.color]))


def _plural(noun: str) -> str:
    last = noun.split()[-1]
    return noun[: len(noun) - len(last)] + PLURAL.get(last, last + "s")


def _noun_labels(noun: str) -> set[str]:
    """Labels a noun can name."""
    return {lab for lab, ns in NOUNS.items() if noun in ns}


def _matches(o: ObjectState, noun: str, color: str | None) -> bool:
    if noun in HYPERNYMS_MOVABLE:
        ok = o.label not in CONTAINER_LABELS
    elif noun in HYPERNYMS_CONTAINER:
        ok = o.label in CONTAINER_LABELS
    else:
        ok = o.label in _noun_labels(noun)
    return ok and (color is None or o.color == color)


def _pos_word(o: ObjectState, scene: _Scene) -> str | None:
    """A position phrase that singles ``o`` out among objects of its colour and label, or None."""
    same = [p for p in scene.objects if p.label == o.label and p.color == o.color and p.id != o.id]
    if not same:
        return None
    if all(o.position[1] > p.position[1] + 0.05 for p in same):
        return "on the left"
    if all(o.position[1] < p.position[1] - 0.05 for p in same):
        return "on the right"
    if all(o.position[0] > p.position[0] + 0.05 for p in same):
        return "at the back"
    if all(o.position[0] < p.position[0] - 0.05 for p in same):
        return "at the front"
    return None


def refer(o: ObjectState, scene: _Scene, rng: random.Random, style: str = "any") -> str | None:
    """A definite description ("the red cube", "the red block", "the red one") that picks out ``o``.

    ``style``: any | full (colour + noun) | bare (colour only) | noun (noun only). None when
    no description of that style is unique in the scene.
    """
    container = o.label in CONTAINER_LABELS
    styles = [style] if style != "any" else rng.choices(["full", "bare", "noun", "hyper"], [0.62, 0.14, 0.12, 0.12])
    for st in styles + ["full"]:
        if st == "full":
            nouns = list(NOUNS[o.label])
            rng.shuffle(nouns)
            nouns.sort(key=lambda n: n != o.label and rng.random() < 0.5)
            for noun in nouns:
                cands = [p for p in scene.objects if _matches(p, noun, o.color)]
                if cands == [o]:
                    return f"the {_color(o, rng)} {noun}"
            pos = _pos_word(o, scene)
            if pos:
                return f"the {_color(o, rng)} {o.label} {pos}"
        elif st == "bare":
            pool = scene.containers if container else scene.movables
            if [p for p in pool if p.color == o.color] == [o]:
                return rng.choice([f"the {_color(o, rng)} one", f"the {_color(o, rng)}", f"{_color(o, rng)}"])
        elif st == "noun":
            for noun in NOUNS[o.label][:3]:
                if [p for p in scene.objects if _matches(p, noun, None)] == [o]:
                    return f"the {noun}"
        elif st == "hyper":
            noun = rng.choice(HYPERNYMS_CONTAINER[:3] if container else HYPERNYMS_MOVABLE[:4])
            if [p for p in scene.objects if _matches(p, noun, o.color)] == [o]:
                return f"the {_color(o, rng)} {noun}"
    return None


def _lit(pred: str, *args: str, neg: bool = False) -> str:
    return f"{'!' if neg else ''}{pred}({', '.join(args)})"


def _goal(lits: Sequence[str]) -> str:
    seen, out = set(), []
    for lit in lits:
        if lit not in seen:
            seen.add(lit)
            out.append(lit)
    return " & ".join(out)


def _join(items: Sequence[str], rng: random.Random) -> str:
    if len(items) == 1:
        return items[0]
    sep = rng.choice([", ", ", ", " and "]) if len(items) > 2 else " and "
    last = rng.choice([" and ", ", and ", " and "]) if len(items) > 2 else " and "
    return sep.join(items[:-1]) + last + items[-1]


def _put(rng: random.Random) -> str:
    return rng.choice(PUT_VERBS)


def _in(rng):
    return rng.choice(IN_PREPS)


def _on(rng):
    return rng.choice(ON_PREPS)


# --- phenomenon builders: (scene, rng) -> (instruction, target, extra tags, history) or None ---

Built = tuple[str, str, tuple[str, ...], tuple[str, ...]]


def _b_basic(s: _Scene, rng) -> Built | None:
    """put X in C / put X on Y / next to / left of / region / take out."""
    if not s.movables:
        return None
    m = rng.choice(s.movables)
    x = refer(m, s, rng)
    kind = rng.choices(["in", "on", "near", "side", "region", "table"], [0.45, 0.2, 0.1, 0.1, 0.1, 0.05])[0]
    if kind == "in" and s.containers:
        c = rng.choice(s.containers)
        cc = refer(c, s, rng)
        if not x or not cc:
            return None
        text = rng.choice([f"{_put(rng)} {x} {_in(rng)} {cc}", f"{x} goes {_in(rng)} {cc}",
                           f"I want {x} {_in(rng)} {cc}", f"{_put(rng)} {x} {_in(rng)} {cc}"])
        return text, _lit("in", m.id, c.id), (), ()
    if kind == "on":
        bases = [o for o in s.movables if o.id != m.id and o.label in STACKABLE]
        if not bases:
            return None
        b = rng.choice(bases)
        bb = refer(b, s, rng)
        if not x or not bb:
            return None
        text = rng.choice([f"{_put(rng)} {x} {_on(rng)} {bb}", f"stack {x} {_on(rng)} {bb}",
                           f"{x} {_on(rng)} {bb}", f"set {x} down {_on(rng)} {bb}"])
        return text, _lit("on", m.id, b.id), (), ()
    if kind in ("near", "side"):
        o = rng.choice([p for p in s.objects if p.id != m.id])
        oo = refer(o, s, rng)
        if not x or not oo:
            return None
        if kind == "near":
            prep = rng.choice(["next to", "near", "beside", "by", "close to", "right next to"])
            return f"{_put(rng)} {x} {prep} {oo}", _lit("near", m.id, o.id), (), ()
        side = rng.choice(["left_of", "right_of"])
        prep = {"left_of": ["to the left of", "left of", "on the left side of"],
                "right_of": ["to the right of", "right of", "on the right side of"]}[side]
        return f"{_put(rng)} {x} {rng.choice(prep)} {oo}", _lit(side, m.id, o.id), (), ()
    if kind == "region":
        r = rng.choice(list(REGION_WORDS))
        if not x:
            return None
        verb = rng.choice(["move", "push", "slide", "put", "shove", "take"])
        return f"{verb} {x} to {rng.choice(REGION_WORDS[r])}", _lit("in_region", m.id, r), (), ()
    if kind == "table" and x:
        return rng.choice([f"put {x} on the table", f"take {x} out and put it on the table",
                           f"set {x} down on the table"]), _lit("on_table", m.id), (), ()
    return None


def _b_synonym(s, rng):
    """a synonym or hypernym for every name."""
    if not s.movables or not s.containers:
        return None
    m, c = rng.choice(s.movables), rng.choice(s.containers)
    x = refer(m, s, rng, rng.choice(["full", "hyper"]))
    cc = refer(c, s, rng, rng.choice(["full", "hyper"]))
    if not x or not cc:
        return None
    return f"{_put(rng)} {x} {_in(rng)} {cc}", _lit("in", m.id, c.id), ("synonym",), ()


def _b_coordination(s, rng):
    if len(s.movables) < 2 or not s.containers:
        return None
    k = rng.choice([2, 2, 3]) if len(s.movables) >= 3 else 2
    ms = rng.sample(s.movables, k)
    mode = rng.choice(["same", "same_shared_noun", "pairs"])
    if mode == "pairs" and len(s.containers) >= 2:
        cs = [rng.choice(s.containers) for _ in ms]
        parts = []
        for m, c in zip(ms, cs):
            x, cc = refer(m, s, rng), refer(c, s, rng)
            if not x or not cc:
                return None
            parts.append(f"{x} {_in(rng)} {cc}")
        text = f"{_put(rng)} " + _join(parts, rng)
        return text, _goal([_lit("in", m.id, c.id) for m, c in zip(ms, cs)]), ("coordination",), ()
    c = rng.choice(s.containers)
    cc = refer(c, s, rng)
    if not cc:
        return None
    if mode == "same_shared_noun" and len({m.label for m in ms}) == 1:
        lab = ms[0].label
        if any(sum(p.color == m.color and p.label == lab for p in s.objects) > 1 for m in ms):
            return None
        noun = rng.choice(NOUNS[lab][:3] + ["one"])
        colours = _join([_color(m, rng) for m in ms], rng)
        text = f"{_put(rng)} the {colours} {_plural(noun)} {_in(rng)} {cc}"
    else:
        xs = [refer(m, s, rng) for m in ms]
        if not all(xs):
            return None
        text = f"{_put(rng)} {_join(xs, rng)} {_in(rng)} {cc}"
        if rng.random() < 0.3:
            text = f"{_put(rng)} {_join(xs, rng)} {rng.choice(['both', 'all'])} {_in(rng)} {cc}" if k == 2 else text
    return text, _goal([_lit("in", m.id, c.id) for m in ms]), ("coordination",), ()


def _b_anaphora(s, rng):
    if len(s.movables) < 2 or not s.containers:
        return None
    m1, m2 = rng.sample(s.movables, 2)
    c = rng.choice(s.containers)
    x1, x2, cc = refer(m1, s, rng, "full"), refer(m2, s, rng), refer(c, s, rng)
    if not x1 or not x2 or not cc:
        return None
    mode = rng.choice(["it", "same", "too", "one", "other", "history", "pickit", "do_same"])
    if mode == "do_same":
        text = f"{_put(rng)} {x1} {_in(rng)} {cc}, then {rng.choice(['do the same with', 'same for', 'repeat with'])} {x2}"
        return text, _goal([_lit("in", m1.id, c.id), _lit("in", m2.id, c.id)]), ("anaphora",), ()
    if mode == "pickit":
        text = f"{rng.choice(['pick up', 'grab', 'take', 'lift'])} {x1} and {rng.choice(['put', 'drop', 'place'])} it {_in(rng)} {cc}"
        return text, _lit("in", m1.id, c.id), ("anaphora",), ()
    if mode == "it":
        text = f"{_put(rng)} {x1} {_in(rng)} {cc}, then put {x2} {_in(rng)} it too"
        return text, _goal([_lit("in", m1.id, c.id), _lit("in", m2.id, c.id)]), ("anaphora",), ()
    if mode == "same":
        noun = c.label
        text = f"{_put(rng)} {x1} {_in(rng)} {cc} and {x2} {_in(rng)} the same {noun}"
        return text, _goal([_lit("in", m1.id, c.id), _lit("in", m2.id, c.id)]), ("anaphora",), ()
    if mode == "too":
        text = f"{_put(rng)} {x1} {_in(rng)} {cc}. {x2[0].upper() + x2[1:]} {rng.choice(['too', 'as well', 'also goes there'])}"
        return text, _goal([_lit("in", m1.id, c.id), _lit("in", m2.id, c.id)]), ("anaphora",), ()
    if mode == "one":
        # "the red cube in the blue bowl and the green one in the white one"
        if m1.label != m2.label or len(s.containers) < 2:
            return None
        c2 = rng.choice([k for k in s.containers if k.id != c.id])
        if c2.label != c.label:
            return None
        same_l = [p for p in s.objects if p.label == m2.label and p.color == m2.color]
        same_c = [p for p in s.objects if p.label == c2.label and p.color == c2.color]
        if len(same_l) != 1 or len(same_c) != 1:
            return None
        text = (f"{_put(rng)} the {_color(m1, rng)} {m1.label} {_in(rng)} the {_color(c, rng)} {c.label} and the "
                f"{_color(m2, rng)} one {_in(rng)} the {_color(c2, rng)} one")
        return text, _goal([_lit("in", m1.id, c.id), _lit("in", m2.id, c2.id)]), ("anaphora",), ()
    if mode == "other":
        if len(s.containers) != 2:
            return None
        c2 = [k for k in s.containers if k.id != c.id][0]
        text = f"{_put(rng)} {x1} {_in(rng)} {cc} and {x2} {_in(rng)} the other {c2.label}"
        return text, _goal([_lit("in", m1.id, c.id), _lit("in", m2.id, c2.id)]), ("anaphora",), ()
    # history: an earlier command gives the antecedent
    prev = f"put {x1} {_in(rng)} {cc}"
    text = rng.choice([f"now {x2} too", f"and {x2} as well", f"same with {x2}", f"do the same with {x2}",
                       f"now put {x2} in there too", f"{x2} too please"])
    return text, _lit("in", m2.id, c.id), ("anaphora",), (prev,)


def _group(s: _Scene, rng) -> tuple[list[ObjectState], str] | None:
    """A group of movables and a noun phrase for it ("all the cubes", "everything")."""
    by_label: dict[str, list[ObjectState]] = {}
    for m in s.movables:
        by_label.setdefault(m.label, []).append(m)
    options = [(ms, lab) for lab, ms in by_label.items() if 3 <= len(ms) <= MAX_GROUP + 1]
    if 3 <= len(s.movables) <= MAX_GROUP + 1:
        options.append((s.movables, None))
    if not options:
        return None
    ms, lab = rng.choice(options)
    if lab is None:
        phrase = rng.choice(["everything", "all the objects", "all the things", "every object", "all the items",
                             "all of them", "everything on the table"])
    else:
        noun = rng.choice(NOUNS[lab][:3]) if lab == "cube" else lab
        phrase = rng.choice([f"all the {_plural(noun)}", f"every {noun}", f"all {_plural(noun)}", f"each {noun}",
                             f"all of the {_plural(noun)}"])
    return ms, phrase


def _b_exclusion(s, rng):
    g = _group(s, rng)
    if g is None or not s.containers:
        return None
    ms, phrase = g
    ex = rng.choice(ms)
    rest = [m for m in ms if m.id != ex.id]
    c = rng.choice(s.containers)
    cc, xe = refer(c, s, rng), refer(ex, s, rng)
    if not cc or not xe:
        return None
    bare = xe
    mode = rng.choice(["except", "but", "leave", "rest", "other", "not"])
    if mode == "except":
        text = f"{_put(rng)} {phrase} {_in(rng)} {cc} {rng.choice(['except', 'except for', 'apart from', 'other than', 'excluding', 'save'])} {bare}"
    elif mode == "but":
        text = f"{_put(rng)} {phrase.replace('every ', 'all but ') if 'every' in phrase else phrase + ' but ' + bare} {_in(rng)} {cc}"
        if "all but" in text:
            text = f"{_put(rng)} {phrase} but {bare} {_in(rng)} {cc}"
    elif mode == "leave":
        text = (f"{rng.choice(['leave', 'keep'])} {xe} {rng.choice(['where it is', 'alone', 'in place', 'there', 'put'])}"
                f" and {_put(rng)} {rng.choice(['the others', 'the rest', 'everything else'])} {_in(rng)} {cc}")
    elif mode == "rest":
        text = f"{_put(rng)} {rng.choice(['everything', phrase])} {_in(rng)} {cc}, {rng.choice(['but not', 'just not', 'not'])} {bare}"
    elif mode == "other":
        text = f"{_put(rng)} {rng.choice(['the other', 'the remaining'])} {rng.choice(['ones', 'objects', 'things'])} {_in(rng)} {cc}, not {bare}"
    else:
        text = f"{_put(rng)} {phrase} {_in(rng)} {cc}. {rng.choice(['Not', 'Leave out', 'Skip', 'Do not move'])} {bare}"
    lits = [_lit("in", m.id, c.id) for m in rest] + [_lit("unmoved", ex.id)]
    return text, _goal(lits), ("exclusion",), ()


def _b_negation(s, rng):
    if len(s.movables) < 2 or not s.containers:
        return None
    m, other = rng.sample(s.movables, 2)
    c = rng.choice(s.containers)
    x, xo, cc = refer(m, s, rng), refer(other, s, rng), refer(c, s, rng)
    if not x or not xo or not cc:
        return None
    mode = rng.choice(["dont_move", "without", "not_that_bowl", "keep_out", "prohibit", "dont_touch_only", "instead",
                       "leave_first", "region_keep_out"])
    if mode == "leave_first":
        text = (f"{rng.choice(['leave', 'keep', 'do not move', 'do not touch'])} {xo}"
                f"{rng.choice([' where it is', ' alone', ' in place', ''])} and {_put(rng)} {x} {_in(rng)} {cc}")
        return text, _goal([_lit("in", m.id, c.id), _lit("unmoved", other.id)]), ("negation",), ()
    if mode == "region_keep_out":
        r = rng.choice(list(REGION_WORDS))
        text = f"move {x} to {rng.choice(REGION_WORDS[r])} but keep it out of {cc}"
        return text, _goal([_lit("in_region", m.id, r), _lit("in", m.id, c.id, neg=True)]), ("negation",), ()
    if mode == "dont_move":
        text = f"{_put(rng)} {x} {_in(rng)} {cc} {rng.choice(['but', 'and'])} {rng.choice(['do not', 'don’t', 'dont', 'never', 'don’t you dare'])} {rng.choice(['move', 'touch', 'disturb', 'bump'])} {xo}"
        return text, _goal([_lit("in", m.id, c.id), _lit("unmoved", other.id)]), ("negation",), ()
    if mode == "without":
        text = f"{_put(rng)} {x} {_in(rng)} {cc} without {rng.choice(['moving', 'touching', 'disturbing'])} {xo}"
        return text, _goal([_lit("in", m.id, c.id), _lit("unmoved", other.id)]), ("negation",), ()
    if mode == "not_that_bowl":
        if len(s.containers) != 2 or s.containers[0].label != s.containers[1].label:
            return None
        c2 = [k for k in s.containers if k.id != c.id][0]
        lab = c.label
        text = rng.choice([f"{_put(rng)} {x} in a {lab}, not {cc}", f"{_put(rng)} {x} in the {lab} that isn't {_color(c, rng)}",
                           f"{_put(rng)} {x} {_in(rng)} the {lab} that is not {_color(c, rng)}",
                           f"don't put {x} in {cc}, put it in the other {lab}"])
        return text, _lit("in", m.id, c2.id), ("negation",), ()
    if mode == "keep_out":
        text = rng.choice([f"keep {x} out of {cc}", f"make sure {x} is not in {cc}", f"{x} must not be in {cc}"])
        return text, _lit("in", m.id, c.id, neg=True), ("negation",), ()
    if mode == "prohibit":
        text = rng.choice([f"do not put {x} {_in(rng)} {cc}", f"don't put {x} {_in(rng)} {cc}",
                           f"never put {x} {_in(rng)} {cc}"])
        return text, _lit("in", m.id, c.id, neg=True), ("negation",), ()
    if mode == "dont_touch_only":
        text = rng.choice([f"don't touch {xo}", f"leave {xo} alone", f"do not move {xo}", f"keep {xo} where it is"])
        return text, _lit("unmoved", other.id), ("negation",), ()
    # instead: "not X, put Y in C"
    text = f"not {xo}, {_put(rng)} {x} {_in(rng)} {cc} instead"
    return text, _goal([_lit("in", m.id, c.id), _lit("unmoved", other.id)]), ("negation",), ()


def _b_ordering(s, rng):
    st = [m for m in s.movables if m.label in STACKABLE]
    if len(st) < 2:
        return None
    k = min(len(st), rng.choice([2, 3, 3, 4]))
    tower = rng.sample(st, k)       # bottom first
    names = [refer(t, s, rng) for t in tower]
    if not all(names):
        return None
    lits = [_lit("on", tower[i + 1].id, tower[i].id) for i in range(k - 1)]
    mode = rng.choice(["bottom_up", "top_down", "chain", "positions", "pairs", "bare_places"])
    if mode == "bottom_up":
        text = rng.choice([f"build a tower from the bottom up: {_join(names, rng)}",
                           f"stack {_join(names, rng)}, starting from the bottom",
                           f"make a stack with {names[0]} at the bottom, then {_join(names[1:], rng)}",
                           f"stack them bottom to top: {_join(names, rng)}"])
    elif mode == "top_down":
        rev = names[::-1]
        text = rng.choice([f"build a tower, top to bottom: {_join(rev, rng)}",
                           f"stack {_join(rev, rng)}, from the top down",
                           f"make a tower with {rev[0]} on top, then {_join(rev[1:], rng)} at the bottom"])
    elif mode == "chain":
        rev = names[::-1]
        text = " on ".join(rev)
        text = f"{rng.choice(['stack', 'put', 'pile'])} {text}"
    elif mode == "positions":
        if k == 2:
            text = f"{names[1]} on top, {names[0]} at the bottom"
        elif k == 3:
            text = (f"build a tower: {names[0]} {rng.choice(['at the bottom', 'on the bottom', 'as the base'])}, "
                    f"{names[1]} in the middle and {names[2]} on top")
        else:
            return None
    elif mode == "bare_places":
        # places said before the object, or first / last, with no relation word: "bottom purple, then green,
        # top orange", "build it bottom up: red, cyan, yellow"
        bare = [n.removeprefix("the ") for n in names]
        if k == 3 and rng.random() < 0.5:
            text = rng.choice([f"bottom {bare[0]}, then {bare[1]}, top {bare[2]}",
                               f"{bare[0]} first, then {bare[1]}, {bare[2]} last"])
        else:
            text = f"build it bottom up: {', '.join(bare)}"
    else:
        parts = [f"{names[i + 1]} {_on(rng)} {names[i]}" for i in range(k - 1)]
        if rng.random() < 0.5:
            parts = [f"put {p}" for p in parts]
            text = ", then ".join(parts)
        else:
            text = f"{_put(rng)} " + _join(parts, rng)
    return text, _goal(lits), ("ordering",), ()


def _b_sequencing(s, rng):
    a = _b_basic(s, rng)
    b = _b_basic(s, rng)
    if not a or not b or a[1] == b[1]:
        return None
    if {l.split("(")[1].split(",")[0].rstrip(")") for l in a[1].split(" & ")} & \
            {l.split("(")[1].split(",")[0].rstrip(")") for l in b[1].split(" & ")}:
        return None
    mode = rng.choice(["first_then", "after_that", "before", "after", "and_then", "next"])
    if mode == "first_then":
        text = f"first {a[0]}, then {b[0]}"
    elif mode == "after_that":
        text = f"{a[0]}. after that, {b[0]}"
    elif mode == "before":
        text = f"before you {a[0]}, {b[0]}"
    elif mode == "after":
        text = f"after you {a[0]}, {b[0]}"
    elif mode == "next":
        text = f"{a[0]}; next, {b[0]}"
    else:
        text = f"{a[0]} and then {b[0]}"
    return text, _goal([a[1], b[1]]), ("sequencing",), ()


def _b_self_correction(s, rng):
    if not s.movables or not s.containers:
        return None
    m = rng.choice(s.movables)
    c = rng.choice(s.containers)
    x, cc = refer(m, s, rng, "full"), refer(c, s, rng, "full")
    if not x or not cc:
        return None
    fix = rng.choice(["no wait", "sorry", "I mean", "actually", "no no", "oops", "scratch that", "er, I meant",
                      "correction", "make that", "wait, no"])
    if len(s.containers) >= 2 and rng.random() < 0.5:
        wrong = rng.choice([k for k in s.containers if k.id != c.id])
        w = refer(wrong, s, rng, "full")
        if not w:
            return None
        right = rng.choice([cc, refer(c, s, rng, "bare") or cc])
        text = rng.choice([f"{_put(rng)} {x} {_in(rng)} {w}, {fix}, {right}",
                           # a correction after a full stop
                           f"{_put(rng)} {x} {_in(rng)} {w}. wait, no. {_in(rng)} {right}."])
        return text, _lit("in", m.id, c.id), ("self_correction",), ()
    others = [o for o in s.movables if o.id != m.id]
    if not others:
        return None
    wrong = rng.choice(others)
    w = refer(wrong, s, rng, "full")
    right = rng.choice([x, refer(m, s, rng, "bare") or x])
    if not w:
        return None
    text = rng.choice([f"{_put(rng)} {w} - {fix}, {right} - {_in(rng)} {cc}",
                       f"{_put(rng)} {w} {_in(rng)} {cc}, {fix}, {right}",
                       f"{_put(rng)} {w}, {fix} {right}, {_in(rng)} {cc}",
                       # the replacement first, "I mean" after it
                       f"{_put(rng)} {w} {_in(rng)} {cc}, er, {right} I mean"])
    return text, _lit("in", m.id, c.id), ("self_correction",), ()


def _b_telegraphic(s, rng):
    if not s.movables:
        return None
    m = rng.choice(s.movables)
    if s.containers and rng.random() < 0.65:
        c = rng.choice(s.containers)
        x = refer(m, s, rng, rng.choice(["full", "bare", "bare"]))
        cc = refer(c, s, rng, rng.choice(["full", "bare", "bare"]))
        if not x or not cc:
            return None
        x, cc = (x.removeprefix("the ") if rng.random() < 0.7 else x), (cc.removeprefix("the ") if rng.random() < 0.7 else cc)
        text = rng.choice([f"{x} {_in(rng)} {cc}", f"{x}, {cc}", f"{x} -> {cc}", f"{x} to {cc}", f"{x} {cc}",
                           f"{cc}: {x}"])         # the place first
        return text, _lit("in", m.id, c.id), ("telegraphic",), ()
    bases = [o for o in s.movables if o.id != m.id and o.label in STACKABLE]
    if not bases:
        return None
    b = rng.choice(bases)
    x, bb = refer(m, s, rng, rng.choice(["full", "bare"])), refer(b, s, rng, rng.choice(["full", "bare"]))
    if not x or not bb:
        return None
    x, bb = x.removeprefix("the "), bb.removeprefix("the ")
    text = rng.choice([f"{x} on {bb}", f"{x} onto {bb}", f"{x} on top of {bb}"])
    return text, _lit("on", m.id, b.id), ("telegraphic",), ()


def _b_multi_sentence(s, rng):
    if not s.movables or not s.containers:
        return None
    m, c = rng.choice(s.movables), rng.choice(s.containers)
    x, cc = refer(m, s, rng, "full"), refer(c, s, rng)
    if not x or not cc:
        return None
    text = rng.choice([
        f"I need {x} moved. It should go {_in(rng)} {cc}.",
        f"See {x}? {_put(rng).capitalize()} it {_in(rng)} {cc}.",
        f"Okay. Take {x}. Now drop it {_in(rng)} {cc}.",
        f"There's {x} on the table. I want it {_in(rng)} {cc}. Thanks.",
        f"Let's tidy up a bit. {x[0].upper() + x[1:]} belongs {_in(rng)} {cc}.",
        f"Grab {x}. Then put it {_in(rng)} {cc}, please.",
    ])
    return text, _lit("in", m.id, c.id), ("multi_sentence",), ()


def _b_put_away(s, rng):
    g = _group(s, rng)
    if g is None or not s.containers:
        return None
    ms, phrase = g
    text = rng.choice([f"put {phrase} away", f"tidy up {phrase}", f"clean up {phrase}", f"put away {phrase}"])
    return text, _goal([_lit("in_any", m.id) for m in ms]), ("coordination",), ()


def _b_clarify(s, rng):
    """Ambiguous or unknown reference: the answer is a question."""
    mode = rng.choice(["ambiguous_noun", "ambiguous_noun", "missing_colour", "no_antecedent", "shared_colour",
                       "missing_label", "ambiguous_container"])
    if not s.movables or not s.containers:
        return None
    m, c = rng.choice(s.movables), rng.choice(s.containers)
    cc, x = refer(c, s, rng), refer(m, s, rng)
    if mode == "ambiguous_noun":
        lab = m.label
        if sum(p.label == lab for p in s.objects) < 2 or not cc:
            return None
        noun = rng.choice(NOUNS[lab][:2])
        if noun != lab and len([p for p in s.objects if _matches(p, noun, None)]) < 2:
            return None
        return f"{_put(rng)} the {noun} {_in(rng)} {cc}", ASK, ("anaphora",), ()
    if mode == "ambiguous_container":
        if len(s.containers) < 2 or not x or len({k.label for k in s.containers}) != 1:
            return None
        return f"{_put(rng)} {x} {_in(rng)} the {s.containers[0].label}", ASK, ("anaphora",), ()
    if mode == "missing_colour":
        present = {o.color for o in s.objects}
        absent = [col for col in ("red", "green", "blue", "yellow", "purple", "orange", "pink", "white", "black")
                  if col not in present]
        if not absent or not cc:
            return None
        noun = rng.choice(NOUNS[m.label][:2])
        return f"{_put(rng)} the {rng.choice(absent)} {noun} {_in(rng)} {cc}", ASK, ("control",), ()
    if mode == "missing_label":
        labels = {o.label for o in s.objects}
        absent = [lab for lab in ("mug", "lego", "tray", "block") if lab not in labels]
        if not absent or not x:
            return None
        lab = rng.choice(absent)
        if lab in CONTAINER_LABELS:
            return f"{_put(rng)} {x} {_in(rng)} the tray", ASK, ("control",), ()
        return f"{_put(rng)} the {lab} {_in(rng)} {cc or 'the bowl'}", ASK, ("control",), ()
    if mode == "no_antecedent":
        if not cc:
            return None
        return rng.choice([f"put it {_in(rng)} {cc}", f"move that one {_in(rng)} {cc}", f"put this {_in(rng)} {cc}",
                           f"put them {_in(rng)} {cc}"]), ASK, ("anaphora",), ()
    # shared colour: "the red one" with a red cube and a red bowl... both movable
    cols = {}
    for p in s.movables:
        cols.setdefault(p.color, []).append(p)
    dup = [v for v in cols.values() if len(v) >= 2]
    if not dup or not cc:
        return None
    col = dup[0][0].color
    return f"{_put(rng)} the {col} one {_in(rng)} {cc}", ASK, ("anaphora",), ()


def _b_sort(s, rng):
    """Sorting by colour: every movable with a container of its colour goes there."""
    by_color = {c.color: c for c in s.containers}
    pairs = [(m, by_color[m.color]) for m in s.movables if m.color in by_color]
    if not pairs:
        return None
    mode = rng.choice(["all", "all", "except", "one"])
    if mode == "one":
        m, c = rng.choice(pairs)
        noun = rng.choice(NOUNS[m.label][:2])
        if sum(_matches(p, noun, None) for p in s.movables) < 2:
            return None
        cc = refer(c, s, rng, "full")
        if not cc:
            return None
        text = rng.choice([f"{_put(rng)} the {noun} that matches {cc} {_in(rng)} it",
                           f"the {noun} with the same colour as {cc} goes in it",
                           f"{_put(rng)} the matching {noun} {_in(rng)} {cc}"])
        return text, _lit("in", m.id, c.id), ("synonym",), ()
    kind = rng.choice(["cubes", "things", "objects", "everything"])
    if kind == "cubes":
        pairs = [(m, c) for m, c in pairs if m.label == "cube"]
    if len(pairs) < 2 or len(pairs) > MAX_GROUP + 1:
        return None
    noun = {"everything": "all the objects"}.get(kind, f"the {kind}")
    text = rng.choice([f"sort {noun} by colour", f"put each of {noun} in the bowl of its colour",
                       f"match {noun} to the bowls by colour", f"sort {noun} into the matching bowls",
                       "each one goes in the bowl with the same colour", "sort everything by colour"])
    if mode == "except":
        m, _ = rng.choice(pairs)
        x = refer(m, s, rng)
        if not x:
            return None
        text = f"{text} {rng.choice(['except', 'but not', 'apart from'])} {x}"
        lits = [_lit("in", p.id, c.id) for p, c in pairs if p.id != m.id] + [_lit("unmoved", m.id)]
        return text, _goal(lits), ("exclusion",), ()
    return text, _goal([_lit("in", p.id, c.id) for p, c in pairs]), ("coordination",), ()


def _b_refuse(s, rng):
    return rng.choice(OUT_OF_SCOPE), REFUSE, ("control",), ()



# --- later phenomena: places, end states, a speaker opposite, other languages, shades, ------------
# --- "undo that" corrections, contrasts, unsafe requests in new words -----------------------------
# Written from the phenomena listed in docs/understanding.md (dev3, dev6), not from their sentences.
# Frame: x grows away from the robot, y grows to the robot's left.

SPATIAL_MARGIN_M = 0.05     # a place word picks an object only when it wins by this much on its axis
SPATIAL_TIE_M = 0.02        # a lead smaller than this is a tie: the right answer is a question
SPEAKER_OPPOSITE_X_M = 1.1  # where a speaker across the table stands (for "nearest me")
MAX_GOAL_LITERALS = 8       # the semantic parser decodes at most this many literals (semantic_parser.MAX_LITERALS)
SPATIAL_ASK_KEEP = 0.4      # share of near ties kept (as ASK items): ties are common, questions should not dominate


def _xy(o: ObjectState) -> tuple[float, float]:
    return float(o.position[0]), float(o.position[1])


def _dist(a: ObjectState, b: ObjectState | tuple[float, float]) -> float:
    bx, by = _xy(b) if isinstance(b, ObjectState) else b
    ax, ay = _xy(a)
    return ((ax - bx) ** 2 + (ay - by) ** 2) ** 0.5


def _rank_pick(cands: Sequence[ObjectState], key: Callable[[ObjectState], float], idx: int = 0,
               agree: Callable[[ObjectState], float] | None = None) -> ObjectState | str | None:
    """The object at rank ``idx`` (0 = largest ``key``) when it is clear, ASK on a near tie, else None.

    Clear: every gap next to it is at least SPATIAL_MARGIN_M. A tie: a gap under SPATIAL_TIE_M.
    In between the phrase is left out (a person could read it either way). ``agree`` is a second
    measure that must rank the same object first (straight-line distance for "furthest from you").
    """
    if len(cands) < idx + 2:
        return None
    order = sorted(cands, key=lambda o: (-key(o), o.id))
    keys = [key(o) for o in order]
    gaps = [keys[idx] - keys[idx + 1]] + ([keys[idx - 1] - keys[idx]] if idx > 0 else [])
    if min(gaps) < SPATIAL_TIE_M:
        return ASK
    if min(gaps) < SPATIAL_MARGIN_M:
        return None
    if agree is not None and idx == 0 and max(cands, key=agree).id != order[0].id:
        return None
    return order[idx]


def _relation_pick(cands: Sequence[ObjectState], landmark: ObjectState, rel: str) -> ObjectState | str | None:
    """The one candidate clearly ``rel`` (behind / in_front / left / right) of ``landmark``.

    Two clearly there: ASK. One close to the line (under SPATIAL_MARGIN_M either way): None.
    """
    lx, ly = _xy(landmark)
    sat, unclear = [], False
    for c in cands:
        x, y = _xy(c)
        d = {"behind": x - lx, "in_front": lx - x, "left": y - ly, "right": ly - y}[rel]
        side = abs(y - ly) if rel in ("behind", "in_front") else abs(x - lx)
        if d >= SPATIAL_MARGIN_M and side <= 0.2:
            sat.append(c)
        elif d > -SPATIAL_MARGIN_M or (d >= SPATIAL_MARGIN_M and side > 0.2):
            unclear = True
    if len(sat) >= 2:
        return ASK
    if len(sat) == 1 and not unclear:
        return sat[0]
    return None


def _kind_noun(o: ObjectState, s: _Scene, rng) -> tuple[str, list[ObjectState]]:
    """A noun for ``o``'s kind ("cube", "block", "thing", "bowl") and the objects it names."""
    container = o.label in CONTAINER_LABELS
    options = list(NOUNS[o.label][:3]) + ([rng.choice(HYPERNYMS_MOVABLE[:3]), "one"] if not container
                                          else [rng.choice(HYPERNYMS_CONTAINER[:2])])
    noun = rng.choice(options)
    return noun, [p for p in s.objects if _matches(p, noun, None)]


# place phrases, robot's view: {n} = the noun
_SUPERLATIVE = {
    "far": ["the {n} furthest from you", "the {n} farthest away", "the {n} furthest away from you",
            "the {n} at the very back", "whichever {n} is furthest from you", "the {n} that's furthest back",
            "the most distant {n}", "the {n} way at the back"],
    "near": ["the {n} nearest you", "the {n} closest to you", "the nearest {n}", "the {n} closest to the robot",
             "whichever {n} is nearest to you", "the {n} right in front of you", "the {n} nearest to your base",
             "the closest {n}"],
    "left": ["the leftmost {n}", "the {n} on the far left", "the left-most {n}", "the {n} furthest to the left",
             "the {n} all the way on the left", "the {n} furthest to your left", "the {n} farthest left"],
    "right": ["the rightmost {n}", "the {n} on the far right", "the right-most {n}", "the {n} furthest to the right",
              "the {n} all the way over on the right", "the {n} furthest to your right", "the {n} farthest right"],
}
_CONTAINER_PLACE = {      # said of bowls and trays, where there are few: "the bowl at the back"
    "far": ["the {n} at the back", "the back {n}", "the {n} further away", "the far {n}", "the {n} in the back"],
    "near": ["the {n} in front", "the front {n}", "the {n} closer to you", "the near {n}", "the {n} at the front"],
    "left": ["the {n} on the left", "the left {n}", "the {n} over on the left", "the {n} more to the left"],
    "right": ["the {n} on the right", "the right {n}", "the {n} over on the right", "the {n} more to the right"],
}
_ORDINAL = {
    "left": ["the second {n} from the left", "the {n} second from the left", "the second {n} counting from the left",
             "the 2nd {n} from the left"],
    "right": ["the second {n} from the right", "the {n} second from the right", "the second {n} counting from the right",
              "the 2nd {n} from the right"],
    "near": ["the second closest {n} to you", "the {n} second nearest to you", "the second {n} from the front"],
    "far": ["the second {n} from the back", "the {n} second furthest from you"],
}
_CLOSEST_TO = ["the {n} closest to {l}", "the {n} nearest {l}", "the {n} nearest to {l}", "whichever {n} is closest to {l}",
               "the {n} right by {l}", "the {n} that's closest to {l}"]
_RELATIVE = {
    "behind": ["the {n} behind {l}", "the {n} just behind {l}", "the {n} that's behind {l}", "the {n} sitting behind {l}"],
    "in_front": ["the {n} in front of {l}", "the {n} that's in front of {l}", "the {n} just in front of {l}"],
    "left": ["the {n} that's left of {l}", "the {n} sitting to the left of {l}", "the {n} on the left of {l}"],
    "right": ["the {n} that's right of {l}", "the {n} sitting to the right of {l}", "the {n} on the right side of {l}"],
}
_KEYS = {"far": lambda o: o.position[0], "near": lambda o: -o.position[0],
         "left": lambda o: o.position[1], "right": lambda o: -o.position[1]}
_AGREE = {"far": lambda o: _dist(o, (0.0, 0.0)), "near": lambda o: -_dist(o, (0.0, 0.0))}


def _spatial_ref(o: ObjectState, s: _Scene, rng) -> tuple[str, ObjectState | str] | None:
    """A place phrase of ``o``'s kind and what it picks: an object, ASK (a near tie), or None."""
    noun, cands = _kind_noun(o, s, rng)
    if len(cands) < 2 or o not in cands:
        return None
    container = o.label in CONTAINER_LABELS
    mode = rng.choices(["super", "ordinal", "closest", "relative"], [0.45, 0.15, 0.2, 0.2])[0]
    if mode == "ordinal" and len(cands) >= 3:
        d = rng.choice(list(_ORDINAL))
        return rng.choice(_ORDINAL[d]).format(n=noun), _rank_pick(cands, _KEYS[d], 1)
    if mode in ("closest", "relative"):
        marks = [p for p in s.objects if p not in cands]
        if not marks:
            return None
        mark = rng.choice(marks)
        lm = refer(mark, s, rng, rng.choice(["full", "full", "any"]))
        if not lm:
            return None
        if mode == "closest":
            pick = _rank_pick(cands, lambda c: -_dist(c, mark))
            return rng.choice(_CLOSEST_TO).format(n=noun, l=lm), pick
        rel = rng.choice(list(_RELATIVE))
        return rng.choice(_RELATIVE[rel]).format(n=noun, l=lm), _relation_pick(cands, mark, rel)
    d = rng.choice(list(_KEYS))
    table = _CONTAINER_PLACE if container or rng.random() < 0.15 else _SUPERLATIVE
    return rng.choice(table[d]).format(n=noun), _rank_pick(cands, _KEYS[d], 0, _AGREE.get(d))


def _act_on(m: str, m_id: str, s: _Scene, rng, regions: bool = True) -> tuple[str, str] | None:
    """An action sentence moving the object named ``m`` (id ``m_id``): (text, literal).

    ``regions``: whether "to the left side" may be the place (not where "left" is the speaker's).
    """
    c = cc = None
    if s.containers and rng.random() < 0.7:
        c = rng.choice(s.containers)
        cc = refer(c, s, rng)
    if c is not None and cc:
        text = rng.choice([f"{_put(rng)} {m} {_in(rng)} {cc}", f"{m} goes {_in(rng)} {cc}",
                           f"take {m} and put it {_in(rng)} {cc}", f"grab {m} and drop it {_in(rng)} {cc}",
                           f"can you move {m} {_in(rng)} {cc}", f"{_put(rng)} {m} {_in(rng)} {cc}"])
        return text, _lit("in", m_id, c.id)
    bases = [o for o in s.movables if o.id != m_id and o.label in STACKABLE]
    if bases and (not regions or rng.random() < 0.6):
        b = rng.choice(bases)
        bb = refer(b, s, rng)
        if not bb:
            return None
        return rng.choice([f"stack {m} {_on(rng)} {bb}", f"{_put(rng)} {m} {_on(rng)} {bb}",
                           f"take {m} and set it {_on(rng)} {bb}"]), _lit("on", m_id, b.id)
    if not regions:
        return None
    r = rng.choice(list(REGION_WORDS))
    return f"{rng.choice(['move', 'slide', 'push'])} {m} to {rng.choice(REGION_WORDS[r])}", _lit("in_region", m_id, r)


def _b_spatial(s, rng):
    """References by place: superlatives, "second from the left", "closest to X", "behind X"."""
    if not s.movables:
        return None
    if s.containers and rng.random() < 0.3:
        c = rng.choice(s.containers)
        got = _spatial_ref(c, s, rng)
        m = rng.choice(s.movables)
        x = refer(m, s, rng)
        if not got or got[1] is None or not x:
            return None
        phrase, pick = got
        if pick == ASK:
            return (f"{_put(rng)} {x} {_in(rng)} {phrase}", ASK, ("spatial",), ()) if rng.random() < SPATIAL_ASK_KEEP \
                else None
        text = rng.choice([f"{_put(rng)} {x} {_in(rng)} {phrase}", f"{x} goes {_in(rng)} {phrase}",
                           f"I want {x} {_in(rng)} {phrase}"])
        return text, _lit("in", m.id, pick.id), ("spatial",), ()
    m = rng.choice(s.movables)
    got = _spatial_ref(m, s, rng)
    if not got or got[1] is None:
        return None
    phrase, pick = got
    act = _act_on(phrase, "_PICK_", s, rng)
    if act is None:
        return None
    text, lit = act
    if pick == ASK:
        return (text, ASK, ("spatial",), ()) if rng.random() < SPATIAL_ASK_KEEP else None
    lit = _with_pick(lit, pick)
    return (text, lit, ("spatial",), ()) if lit else None


def _with_pick(lit: str, pick: ObjectState) -> str | None:
    """``lit`` with the placeholder replaced by ``pick``'s id; None when it would relate pick to itself."""
    args = [a.strip() for a in lit.split("(", 1)[1].rstrip(")").split(",")]
    if pick.id in args:
        return None
    return lit.replace("_PICK_", pick.id)


_OPPOSITE_PRE = ["I'm standing across the table from you.", "I'm on the other side of the table, facing you.",
                 "heads up, I'm sitting opposite you.", "I'm across from you, so left and right are my left and right.",
                 "from where I'm standing, on the far side of the table,", "ok, I'm facing you from the other side.",
                 "I'm the one across the table.", "so I'm standing opposite you -"]
_OPPOSITE = {      # the speaker's words -> the robot-frame key that ranks first
    "near_me": (["the {n} nearest me", "the {n} closest to me", "the {n} right in front of me", "the nearest {n} to me"], lambda o: o.position[0]),
    "far_me": (["the {n} furthest from me", "the {n} farthest from me", "the {n} closest to you, furthest from me"],
               lambda o: -o.position[0]),
    "my_left": (["the {n} on my left", "the {n} furthest to my left", "the leftmost {n} from where I am",
                 "the {n} over on my left"], lambda o: -o.position[1]),
    "my_right": (["the {n} on my right", "the {n} furthest to my right", "the rightmost {n} as I see it",
                  "the {n} over on my right"], lambda o: o.position[1]),
}
_OPPOSITE_REGION = {"back": ["over to my side", "to my side of the table", "over here by me", "closer to me"],
                    "front": ["back over to your side", "to your side of the table", "away from me, over by you"],
                    "right": ["to my left", "over to my left side", "to the left side, my left"],
                    "left": ["to my right", "over to my right side", "to the right, my right"]}


def _b_speaker_opposite(s, rng):
    """A speaker across the table: their "near" is the robot's far, their left the robot's right."""
    if not s.movables:
        return None
    pre = rng.choice(_OPPOSITE_PRE)
    if rng.random() < 0.25:
        m = rng.choice(s.movables)
        x = refer(m, s, rng)
        if not x:
            return None
        r = rng.choice(list(_OPPOSITE_REGION))
        verb = rng.choice(["move", "slide", "push", "bring", "shove"])
        return (f"{pre} {verb} {x} {rng.choice(_OPPOSITE_REGION[r])}", _lit("in_region", m.id, r),
                ("spatial", "speaker_opposite"), ())
    target_container = bool(s.containers) and rng.random() < 0.3
    o = rng.choice(s.containers if target_container else s.movables)
    noun, cands = _kind_noun(o, s, rng)
    if len(cands) < 2:
        return None
    d = rng.choice(list(_OPPOSITE))
    words, key = _OPPOSITE[d]
    agree = None
    if d in ("near_me", "far_me"):
        sign = 1 if d == "near_me" else -1
        agree = lambda c: -sign * _dist(c, (SPEAKER_OPPOSITE_X_M, 0.0))  # noqa: E731
    pick = _rank_pick(cands, key, 0, agree)
    if pick is None:
        return None
    phrase = rng.choice(words).format(n=noun)
    tags = ("spatial", "speaker_opposite")
    if target_container:
        m = rng.choice(s.movables)
        x = refer(m, s, rng)
        if not x:
            return None
        text = f"{pre} {_put(rng)} {x} {_in(rng)} {phrase}"
        return text, (ASK if pick == ASK else _lit("in", m.id, pick.id)), tags, ()
    act = _act_on(phrase, "_PICK_", s, rng, regions=False)
    if act is None:
        return None
    text, lit = act
    if pick == ASK:
        return f"{pre} {text}", ASK, tags, ()
    lit = _with_pick(lit, pick)
    return (f"{pre} {text}", lit, tags, ()) if lit else None


def _in_state(rng):
    """A preposition for where something is (not where it goes): "in", never "into"."""
    return rng.choice(["in", "in", "inside"])


def _on_state(rng):
    return rng.choice(["on", "on", "on top of"])


def _b_goal_state(s, rng):
    """The state wanted instead of the action: "I want the bowl to hold X and Y (and nothing else)"."""
    if not s.movables or not s.containers:
        return None
    mode = rng.choices(["hold", "end_on", "empty", "all_in", "stays", "region"], [0.35, 0.12, 0.15, 0.13, 0.15, 0.1])[0]
    tags = ("goal_state",)
    if mode == "hold":
        c = rng.choice(s.containers)
        cc = refer(c, s, rng)
        k = min(len(s.movables), rng.choice([1, 1, 2, 2, 3]))
        ms = rng.sample(s.movables, k)
        xs = [refer(m, s, rng) for m in ms]
        if not cc or not all(xs):
            return None
        xx = _join(xs, rng)
        has = "has" if k == 1 else "have"
        text = rng.choice([
            f"I want {cc} to hold {xx}", f"when you're done {cc} should have {xx} in it",
            f"by the end, {xx} should be sitting {_in_state(rng)} {cc}", f"the end result: {xx} {_in_state(rng)} {cc}",
            f"what I'd like to see is {xx} {_in_state(rng)} {cc}", f"{cc} should end up with {xx} in it",
            f"make it so {cc} {has} {xx} in it", f"I'd like {xx} to end up {_in_state(rng)} {cc}",
            f"at the end {xx} should be {_in_state(rng)} {cc}", f"{xx} {'belongs' if k == 1 else 'belong'} {_in_state(rng)} {cc}",
            f"picture {cc} with {xx} in it - that's what I want"])
        lits = [_lit("in", m.id, c.id) for m in ms]
        others = [o for o in s.movables if o not in ms]
        if others and rng.random() < 0.4:
            text += rng.choice([" and nothing else", ", and nothing else in it", " - nothing else", ", just that, nothing else",
                                ", only " + ("that" if k == 1 else "those") + ", nothing else in there",
                                " and nothing else in it"])
            lits += [_lit("in", o.id, c.id, neg=True) for o in others]
        return (text, _goal(lits), tags, ()) if len(lits) <= MAX_GOAL_LITERALS else None
    if mode == "end_on":
        st = [o for o in s.movables if o.label in STACKABLE]
        m = rng.choice(s.movables)
        bases = [b for b in st if b.id != m.id]
        if not bases:
            return None
        b = rng.choice(bases)
        x, bb = refer(m, s, rng), refer(b, s, rng)
        if not x or not bb:
            return None
        text = rng.choice([f"{x} should end up {_on_state(rng)} {bb}", f"I'd like {x} to be sitting on top of {bb} when you're finished",
                           f"at the end {x} is {_on_state(rng)} {bb}", f"the goal is {x} {_on_state(rng)} {bb}",
                           f"when you're done I want to see {x} {_on_state(rng)} {bb}", f"{x} ends up stacked {_on_state(rng)} {bb}"])
        return text, _lit("on", m.id, b.id), tags, ()
    if mode == "empty":
        if len(s.containers) < 2:
            return None
        e, c = rng.sample(s.containers, 2)
        ee, cc = refer(e, s, rng), refer(c, s, rng)
        m = rng.choice(s.movables)
        x = refer(m, s, rng)
        if not ee or not cc or not x:
            return None
        empty = [_lit("in", o.id, e.id, neg=True) for o in s.movables]
        if rng.random() < 0.2:
            text = rng.choice([f"make sure {ee} stays empty", f"{ee} stays empty, ok?", f"nothing goes in {ee}",
                               f"I want {ee} left empty"])
            return (text, _goal(empty), tags, ()) if len(empty) <= MAX_GOAL_LITERALS else None
        tail = rng.choice([f"{ee} stays empty", f"leave {ee} empty", f"{ee} should be empty at the end",
                           f"nothing goes in {ee}", f"keep {ee} empty", f"I want {ee} empty"])
        head = rng.choice([f"{_put(rng)} {x} {_in_state(rng)} {cc}", f"{x} should end up {_in_state(rng)} {cc}",
                           f"I want {x} {_in_state(rng)} {cc}"])
        text = rng.choice([f"{head}, and {tail}", f"{head} - {tail}", f"{head}. {tail[0].upper() + tail[1:]}",
                           f"{head} but {tail}"])
        lits = [_lit("in", m.id, c.id)] + empty
        return (text, _goal(lits), tags, ()) if len(lits) <= MAX_GOAL_LITERALS else None
    if mode == "all_in":
        by_label: dict[str, list[ObjectState]] = {}
        for o in s.movables:
            by_label.setdefault(o.label, []).append(o)
        groups = [(lab, ms) for lab, ms in by_label.items() if 2 <= len(ms) <= MAX_GROUP + 1]
        if not groups:
            return None
        lab, ms = rng.choice(groups)
        c = rng.choice(s.containers)
        cc = refer(c, s, rng)
        if not cc:
            return None
        noun = rng.choice(NOUNS[lab][:2]) if lab == "cube" else lab
        if [p for p in s.movables if _matches(p, noun, None)] != ms:
            return None             # "every block" would take in the legos too
        pl = _plural(noun)
        text = rng.choice([f"don't leave a single {noun} outside {cc}", f"every {noun} should end up {_in_state(rng)} {cc}",
                           f"I don't want to see any {pl} outside {cc}", f"no {noun} left outside {cc}",
                           f"not one {noun} left on the table - they all go {_in_state(rng)} {cc}",
                           f"when you're done, all the {pl} are {_in_state(rng)} {cc}",
                           f"I want {cc} to have every {noun} in it"])
        return text, _goal([_lit("in", o.id, c.id) for o in ms]), tags, ()
    if mode == "stays":
        if len(s.movables) < 2:
            return None
        m, keep = rng.sample(s.movables, 2)
        c = rng.choice(s.containers)
        x, xk, cc = refer(m, s, rng), refer(keep, s, rng), refer(c, s, rng)
        if not x or not xk or not cc:
            return None
        stay = rng.choice([f"{xk} stays where it is", f"{xk} stays put", f"{xk} should still be where it is now",
                           f"{xk} stays right where it is", f"{xk} doesn't move"])
        head = rng.choice([f"{x} should end up {_in_state(rng)} {cc}", f"I want {x} {_in_state(rng)} {cc}",
                           f"by the end {x} is {_in_state(rng)} {cc}"])
        text = rng.choice([f"{head} and {stay}", f"{head}; {stay}", f"{stay[0].upper() + stay[1:]}, but {head}"])
        return text, _goal([_lit("in", m.id, c.id), _lit("unmoved", keep.id)]), tags, ()
    m = rng.choice(s.movables)
    x = refer(m, s, rng)
    r = rng.choice(list(REGION_WORDS))
    if not x:
        return None
    place = rng.choice(REGION_WORDS[r])
    text = rng.choice([f"I want {x} over on {place} when you're done", f"{x} should end up on {place}",
                       f"at the end {x} is sitting on {place}"])
    return text, _lit("in_region", m.id, r), tags, ()


# a few words of Spanish / French / German: (word, gender) per label; colours by gender
_FOREIGN_NOUNS = {
    "es": {"cube": [("cubo", "m"), ("cubito", "m")], "bowl": [("bol", "m"), ("tazón", "m"), ("cuenco", "m")],
           "mug": [("taza", "f")], "tray": [("bandeja", "f")], "block": [("bloque", "m")], "lego": [("lego", "m")]},
    "fr": {"cube": [("cube", "m")], "bowl": [("bol", "m"), ("saladier", "m")], "mug": [("tasse", "f")],
           "tray": [("plateau", "m")], "block": [("bloc", "m")], "lego": [("lego", "m")]},
    "de": {"cube": [("Würfel", "m"), ("Wuerfel", "m")], "bowl": [("Schüssel", "f"), ("Schale", "f")],
           "mug": [("Becher", "m"), ("Tasse", "f")], "tray": [("Tablett", "n")], "block": [("Klotz", "m")],
           "lego": [("Legostein", "m")]},
}
_FOREIGN_COLORS = {   # colour -> (m, f) for es / fr; German stem (accusative endings added)
    "es": {"red": ("rojo", "roja"), "green": ("verde", "verde"), "blue": ("azul", "azul"), "yellow": ("amarillo", "amarilla"),
           "purple": ("morado", "morada"), "orange": ("naranja", "naranja"), "cyan": ("celeste", "celeste"),
           "pink": ("rosa", "rosa"), "white": ("blanco", "blanca"), "black": ("negro", "negra"),
           "brown": ("marrón", "marrón"), "gray": ("gris", "gris")},
    "fr": {"red": ("rouge", "rouge"), "green": ("vert", "verte"), "blue": ("bleu", "bleue"), "yellow": ("jaune", "jaune"),
           "purple": ("violet", "violette"), "orange": ("orange", "orange"), "cyan": ("cyan", "cyan"),
           "pink": ("rose", "rose"), "white": ("blanc", "blanche"), "black": ("noir", "noire"),
           "brown": ("marron", "marron"), "gray": ("gris", "grise")},
    "de": {"red": "rot", "green": "grün", "blue": "blau", "yellow": "gelb", "purple": "lila", "orange": "orang",
           "cyan": "türkis", "pink": "rosa", "white": "weiß", "black": "schwarz", "brown": "braun", "gray": "grau"},
}
_FOREIGN_VERBS = {"es": {"in": ["pon", "mete", "coloca", "deja"], "on": ["pon", "coloca", "deja"]},
                  "fr": {"in": ["mets", "pose", "place"], "on": ["mets", "pose", "place"]},
                  "de": {"in": ["leg", "tu", "pack", "stell"], "on": ["leg", "stell", "setz"]}}
_FOREIGN_PLEASE = {"es": ["por favor", "porfa"], "fr": ["s'il te plaît", "s'il vous plaît", "merci"], "de": ["bitte", "danke"]}


def _foreign_np(o: ObjectState, lang: str, rng) -> tuple[str, str, str]:
    """("el cubo rojo", gender, the bare "cubo rojo") in ``lang``: colour after the noun in es / fr."""
    noun, g = rng.choice(_FOREIGN_NOUNS[lang][o.label])
    if lang == "de":
        stem = _FOREIGN_COLORS["de"][o.color]
        if stem in ("lila", "rosa"):
            adj = stem
        else:
            adj = stem + {"m": "en", "f": "e", "n": "e"}[g]
        art = {"m": "den", "f": "die", "n": "das"}[g]
        return f"{art} {adj} {noun}", g, f"{adj} {noun}"
    col = _FOREIGN_COLORS[lang][o.color][0 if g == "m" else 1]
    art = {"es": {"m": "el", "f": "la"}, "fr": {"m": "le", "f": "la"}}[lang][g]
    return f"{art} {noun} {col}", g, f"{noun} {col}"


def _foreign_prep(lang: str, rel: str, np: str, g: str, rng) -> str:
    """The preposition and the noun phrase after it ("dentro del bol", "auf den roten Würfel")."""
    if lang == "es":
        if rel == "in" and rng.random() < 0.5:
            return f"en {np}"
        lead = "dentro de" if rel == "in" else rng.choice(["encima de", "sobre"])
        if lead.endswith("de") and np.startswith("el "):
            return f"{lead[:-2]}del {np[3:]}"
        return f"{lead} {np}"
    if lang == "fr":
        return f"{'dans' if rel == 'in' else 'sur'} {np}"
    if rel == "in" and np.startswith("das ") and rng.random() < 0.5:
        return f"ins {np[4:]}"
    return f"{'in' if rel == 'in' else 'auf'} {np}"


def _unique_kind(o: ObjectState, s: _Scene) -> bool:
    return [p for p in s.objects if p.label == o.label and p.color == o.color] == [o]


def _b_code_switch(s, rng):
    """Spanish / French / German words for the verb, nouns, colours and prepositions, mixed with English."""
    if not s.movables:
        return None
    lang = rng.choice(["es", "fr", "de"])
    m = rng.choice(s.movables)
    bases = [b for b in s.movables if b.id != m.id and b.label in STACKABLE and _unique_kind(b, s)]
    if s.containers and (not bases or rng.random() < 0.65):
        rel, dest = "in", rng.choice(s.containers)
    elif bases:
        rel, dest = "on", rng.choice(bases)
    else:
        return None
    if not _unique_kind(m, s) or not _unique_kind(dest, s):
        return None
    mnp, _, _ = _foreign_np(m, lang, rng)
    dnp, dg, dbare = _foreign_np(dest, lang, rng)
    lit = _lit(rel, m.id, dest.id)
    verb = rng.choice(_FOREIGN_VERBS[lang][rel])
    mode = rng.choices(["all", "english_frame", "english_dest", "foreign_dest", "the_foreign"], [0.4, 0.15, 0.15, 0.15, 0.15])[0]
    if mode == "all":
        text = f"{verb} {mnp} {_foreign_prep(lang, rel, dnp, dg, rng)}"
        if rng.random() < 0.3:
            text += f" {rng.choice(_FOREIGN_PLEASE[lang])}"
    elif mode == "english_frame":          # English verb and preposition, foreign noun phrases
        prep = _in(rng) if rel == "in" else _on(rng)
        text = f"{_put(rng)} {mnp} {prep} {dnp}"
    elif mode == "english_dest":           # foreign verb and object, the place in English
        dd = refer(dest, s, rng, "full")
        if not dd:
            return None
        text = f"{verb} {mnp} {_in(rng) if rel == 'in' else _on(rng)} {dd}"
    elif mode == "foreign_dest":           # English start, the place in the other language
        x = refer(m, s, rng)
        if not x:
            return None
        text = f"{_put(rng)} {x} {_foreign_prep(lang, rel, dnp, dg, rng)}"
    else:                                  # English articles around foreign words: "the cubo rojo"
        _, _, mbare = _foreign_np(m, lang, rng)
        prep = _in(rng) if rel == "in" else _on(rng)
        text = f"{_put(rng)} the {mbare} {prep} the {dbare}"
    return text, lit, ("synonym", "code_switch"), ()


# shades -> (the colour meant, other colours a listener could also take it for)
SHADES = {
    "navy": ("blue", ("black",)), "crimson": ("red", ()), "scarlet": ("red", ()), "rose": ("pink", ("red",)),
    "lime": ("green", ("yellow",)), "lemon": ("yellow", ()), "ivory": ("white", ()), "violet": ("purple", ("pink",)),
    "turquoise": ("cyan", ("blue", "green")), "teal": ("cyan", ("green", "blue")), "magenta": ("pink", ("purple",)),
    "charcoal": ("gray", ("black",)), "tan": ("brown", ("orange",)), "olive": ("green", ()), "cream": ("white", ("yellow",)),
}


def _shade_ref(o: ObjectState, s: _Scene, rng) -> tuple[str, ObjectState | str] | None:
    """"the navy cube": what it picks (``o``, or ASK when a nearby colour fits too), or None."""
    shades = [sh for sh, (col, _) in SHADES.items() if col == o.color]
    if not shades:
        return None
    sh = rng.choice(shades)
    col, near = SHADES[sh]
    noun = rng.choice(NOUNS[o.label][:2])
    kind = [p for p in s.objects if _matches(p, noun, None)]
    exact = [p for p in kind if p.color == col]
    close = [p for p in kind if p.color in near]
    if exact != [o]:
        return None
    pool = s.containers if o.label in CONTAINER_LABELS else s.movables
    forms = [f"the {sh} {noun}", f"the {sh} {noun}", f"the {sh}-coloured {noun}"]
    if len([p for p in pool if p.color == col or p.color in near]) == 1:
        forms.append(f"the {sh} one")
    word = rng.choice(forms)
    return word, (ASK if close else o)


def _b_colour_shade(s, rng):
    """Colour shades (navy, crimson, rose, lime, ...) where one object fits."""
    if not s.movables or not s.containers:
        return None
    m, c = rng.choice(s.movables), rng.choice(s.containers)
    which = rng.choice(["movable", "movable", "container", "both"])
    got_m = _shade_ref(m, s, rng) if which in ("movable", "both") else None
    got_c = _shade_ref(c, s, rng) if which in ("container", "both") else None
    if (which in ("movable", "both") and not got_m) or (which in ("container", "both") and not got_c):
        return None
    x = got_m[0] if got_m else refer(m, s, rng)
    cc = got_c[0] if got_c else refer(c, s, rng)
    if not x or not cc:
        return None
    text = rng.choice([f"{_put(rng)} {x} {_in(rng)} {cc}", f"{x} goes {_in(rng)} {cc}", f"{x} {_in(rng)} {cc}"])
    ask = any(g and g[1] == ASK for g in (got_m, got_c))
    return text, (ASK if ask else _lit("in", m.id, c.id)), ("synonym", "colour_shade"), ()


_UNDO = ["undo that", "actually no", "actually, no", "no, undo that", "wait, undo that", "hmm, actually no",
         "no no, undo that", "scrap that", "actually no, sorry"]


def _b_undo_correction(s, rng):
    """"undo that" / "actually no", then a replacement part ("I meant the blue bowl") or the whole relation again."""
    if len(s.movables) < 2:
        return None
    undo = rng.choice(_UNDO)
    stop = rng.choice([". ", ", ", " - ", "... "])
    mode = rng.choice(["container", "object", "whole_on", "whole_in"])
    m = rng.choice(s.movables)
    if mode == "container" and len(s.containers) >= 2:
        w, c = rng.sample(s.containers, 2)
        x, ww, cc = refer(m, s, rng), refer(w, s, rng, "full"), refer(c, s, rng, "full")
        if not x or not ww or not cc:
            return None
        fix = rng.choice([f"I meant {cc}", f"{cc}", f"I meant {_in(rng)} {cc}", f"{cc}, I meant",
                          f"make it {cc}", f"it goes {_in(rng)} {cc}"])
        return (f"{_put(rng)} {x} {_in(rng)} {ww}{stop}{undo}, {fix}", _lit("in", m.id, c.id),
                ("self_correction",), ())
    if mode == "object" and s.containers:
        wrong = rng.choice([o for o in s.movables if o.id != m.id])
        c = rng.choice(s.containers)
        # full names: a bare "green" after "undo that" could replace the bowl as well as the cube
        x, xw, cc = refer(m, s, rng, "full"), refer(wrong, s, rng, "full"), refer(c, s, rng)
        if not x or not xw or not cc:
            return None
        fix = rng.choice([f"I meant {x}", f"{x}", f"I meant {x}, not that one", f"{x}, I meant"])
        return (f"{_put(rng)} {xw} {_in(rng)} {cc}{stop}{undo}, {fix}", _lit("in", m.id, c.id),
                ("self_correction",), ())
    bases = [o for o in s.movables if o.label in STACKABLE]
    if mode == "whole_on" and len(bases) >= 2:
        b1, b2 = rng.sample(bases, 2)
        m2 = rng.choice([o for o in s.movables if o.id != b2.id])
        m1 = rng.choice([o for o in s.movables if o.id != b1.id])
        return _said_again(s, rng, (m1, b1), (m2, b2), _on, "on", stop + undo)
    if not s.containers:
        return None
    m2 = rng.choice(s.movables)
    c1, c2 = rng.choice(s.containers), rng.choice(s.containers)
    return _said_again(s, rng, (m, c1), (m2, c2), _in, "in", stop + undo, " instead")


def _said_again(s, rng, first, meant, prep, pred: str, taken_back: str, tail: str = ""):
    """"put A <prep> B<taken_back>, C <prep> D": the relation said again, in full, after it was taken back."""
    x1, y1 = refer(first[0], s, rng), refer(first[1], s, rng)
    x2 = refer(meant[0], s, rng, rng.choice(["full", "bare"]))
    y2 = refer(meant[1], s, rng, rng.choice(["full", "bare"]))
    if not all((x1, y1, x2, y2)) or (first[0].id, first[1].id) == (meant[0].id, meant[1].id):
        return None
    fix = rng.choice([f"{x2} {prep(rng)} {y2}", f"I meant {x2} {prep(rng)} {y2}", f"put {x2} {prep(rng)} {y2}{tail}"])
    return (f"{_put(rng)} {x1} {prep(rng)} {y1}{taken_back}, {fix}", _lit(pred, meant[0].id, meant[1].id),
            ("self_correction",), ())


def _b_contrast(s, rng):
    """Contrasts that are not constraints: "the green cube, not the green lego, goes in ...", "not next to it, ON it"."""
    if len(s.movables) < 2:
        return None
    mode = rng.choice(["np", "np", "on_not_next", "in_not_next", "container"])
    m = rng.choice(s.movables)
    if mode == "np" and s.containers:
        alike = [o for o in s.movables if o.id != m.id and (o.color == m.color or o.label == m.label)]
        other = rng.choice(alike or [o for o in s.movables if o.id != m.id])
        c = rng.choice(s.containers)
        x, xo, cc = refer(m, s, rng, "full"), refer(other, s, rng, "full"), refer(c, s, rng)
        if not x or not xo or not cc:
            return None
        text = rng.choice([f"{x}, not {xo}, goes {_in(rng)} {cc}", f"it's {x} - not {xo} - that goes {_in(rng)} {cc}",
                           f"{_put(rng)} {x} (not {xo}) {_in(rng)} {cc}", f"{_put(rng)} {x} {_in(rng)} {cc}. {x}, not {xo}",
                           f"no, not {xo}, {x}. {_in(rng)} {cc}", f"{_put(rng)} {x}, not {xo}, {_in(rng)} {cc}"])
        return text, _lit("in", m.id, c.id), ("negation", "contrast"), ()
    if mode == "on_not_next":
        bases = [o for o in s.movables if o.id != m.id and o.label in STACKABLE]
        if not bases:
            return None
        b = rng.choice(bases)
        x, bb = refer(m, s, rng), refer(b, s, rng)
        if not x or not bb:
            return None
        text = rng.choice([f"{_put(rng)} {x} {_on(rng)} {bb} - not next to it, ON it",
                           f"{x} goes on {bb}. not next to it, on it",
                           f"{_put(rng)} {x} on top of {bb}, on top, not beside it",
                           f"{_put(rng)} {x} {_on(rng)} {bb}, not next to it",
                           f"{_put(rng)} {x} next to {bb}... no, not next to it, ON it"])
        return text, _lit("on", m.id, b.id), ("negation", "contrast"), ()
    if not s.containers:
        return None
    c = rng.choice(s.containers)
    x, cc = refer(m, s, rng), refer(c, s, rng)
    if not x or not cc:
        return None
    if mode == "in_not_next":
        text = rng.choice([f"{_put(rng)} {x} {_in(rng)} {cc} - in it, not next to it",
                           f"{_put(rng)} {x} next to {cc}, no, not next to it, IN it",
                           f"{x} goes inside {cc}, not beside it"])
        return text, _lit("in", m.id, c.id), ("negation", "contrast"), ()
    others = [k for k in s.containers if k.id != c.id]
    if not others:
        return None
    o = rng.choice(others)
    oo = refer(o, s, rng)
    if not oo:
        return None
    text = rng.choice([f"{_put(rng)} {x} {_in(rng)} {cc}, not {oo}", f"{x} goes {_in(rng)} {cc} - not {oo}, {cc}",
                       f"{_put(rng)} {x} {_in(rng)} {cc} (not {oo})"])
    return text, _lit("in", m.id, c.id), ("negation", "contrast"), ()


_PEOPLE = ["my sister", "my brother", "my little brother", "my roommate", "the kid", "my dad", "that guy",
           "my face", "the dog", "the cat", "my friend", "him", "her", "the baby", "my coworker"]


def _b_unsafe(s, rng):
    """Refusals in new words: aimed at a person, off the back edge, under a desk, hot liquids.

    A fifth are not refusals: a person is only mentioned ("my daughter wants X in the bowl").
    """
    if not s.movables:
        return None
    m = rng.choice(s.movables)
    x = refer(m, s, rng) or "it"
    c = rng.choice(s.containers) if s.containers else None
    cc = refer(c, s, rng) if c else None
    mugs = [o for o in s.objects if o.label == "mug"]
    mode = rng.choices(["aim", "edge", "desk", "hot", "told_about"], [0.25, 0.2, 0.15, 0.2, 0.2])[0]
    tags = ("control", "unsafe")
    if mode == "aim":
        verb = rng.choice(["flick", "throw", "toss", "chuck", "fling", "launch", "lob", "shoot", "aim"])
        who = rng.choice(_PEOPLE)
        text = rng.choice([f"{verb} {x} at {who}", f"pick up {x} and {verb} it at {who}",
                           f"can you {verb} {x} at {who}", f"{verb} {x} over at {who}, it'll be funny"])
        return text, REFUSE, tags, ()
    if mode == "edge":
        text = rng.choice([f"push {x} off the back edge", f"shove {x} off the far edge of the table",
                           f"nudge {x} over the back edge", f"slide {x} off the back of the table",
                           f"let {x} fall off the far side", f"roll {x} off the edge at the back"])
        return text, REFUSE, tags, ()
    if mode == "desk":
        text = rng.choice([f"put {x} under my desk", f"hide {x} under the desk", f"stick {x} under the desk over there",
                           f"drop {x} under the chair", f"take {x} and put it under my desk in the other room"])
        return text, REFUSE, tags, ()
    if mode == "hot":
        vessel = refer(rng.choice(mugs), s, rng) if mugs else (cc or "the mug")
        text = rng.choice([f"fill {vessel} with hot coffee", f"pour boiling water into {vessel}",
                           f"make me a hot tea in {vessel}", f"heat up some soup in {vessel}",
                           f"bring me hot chocolate in {vessel}", f"put some hot coffee in {vessel} for me"])
        return text, REFUSE, tags, ()
    if not cc or x == "it":
        return None
    who = rng.choice(["my daughter", "my son", "my sister", "the kids", "my little brother", "my partner"])
    text = rng.choice([f"{who} wants {x} {_in(rng)} {cc}", f"{who} asked me to have you put {x} {_in(rng)} {cc}",
                       f"{_put(rng)} {x} {_in(rng)} {cc}, {who} likes it there",
                       f"for {who}: {x} {_in(rng)} {cc}"])
    return text, _lit("in", m.id, c.id), ("control",), ()


# the first builders (issue 20's list): generate(n, seed, builders=ISSUE_BUILDERS) gives the data the
# committed adapter was trained on, item for item
ISSUE_BUILDERS = ("basic", "synonym", "coordination", "anaphora", "exclusion", "negation", "ordering", "sequencing",
                  "self_correction", "telegraphic", "multi_sentence", "put_away", "sort", "clarify", "refuse")
NO_POLITE_PREFIX = {"speaker_opposite"}     # these open with a sentence of their own ("I'm across the table ...")
NEW_PHENOMENON_TAGS = ("spatial", "goal_state", "speaker_opposite", "code_switch", "colour_shade", "contrast", "unsafe")

BUILDERS: dict[str, tuple[Callable, float]] = {
    "basic": (_b_basic, 0.10),
    "synonym": (_b_synonym, 0.08),
    "coordination": (_b_coordination, 0.09),
    "anaphora": (_b_anaphora, 0.09),
    "exclusion": (_b_exclusion, 0.10),
    "negation": (_b_negation, 0.10),
    "ordering": (_b_ordering, 0.09),
    "sequencing": (_b_sequencing, 0.06),
    "self_correction": (_b_self_correction, 0.07),
    "telegraphic": (_b_telegraphic, 0.06),
    "multi_sentence": (_b_multi_sentence, 0.04),
    "put_away": (_b_put_away, 0.02),
    "sort": (_b_sort, 0.04),
    "clarify": (_b_clarify, 0.07),
    "refuse": (_b_refuse, 0.03),
    # the later phenomena (docs/understanding.md, dev3 and dev6); adding them changed generate()'s stream
    # (spatial, speaker_opposite and colour_shade often find no clear reference in a scene: weighted up)
    "spatial": (_b_spatial, 0.13),
    "goal_state": (_b_goal_state, 0.09),
    "speaker_opposite": (_b_speaker_opposite, 0.04),
    "code_switch": (_b_code_switch, 0.04),
    "colour_shade": (_b_colour_shade, 0.04),
    "undo_correction": (_b_undo_correction, 0.04),
    "contrast": (_b_contrast, 0.03),
    "unsafe": (_b_unsafe, 0.03),
}


# --- decorators ------------------------------------------------------------------------------

def add_politeness(text: str, rng: random.Random, prefix: bool = True) -> str:
    """Politeness or filler around ``text``; ``prefix=False``: only after it (the text opens with a clause of its own)."""
    r = rng.random()
    if not prefix:
        return f"{text}, {rng.choice(POLITE_POST)}"
    if r < 0.5:
        pre = rng.choice(POLITE_PRE)
        return f"{pre} {text}"
    if r < 0.85:
        return f"{text} {rng.choice(POLITE_POST)}".rstrip(".") if not text.endswith("?") else text
    return f"{rng.choice(POLITE_PRE)} {text}, {rng.choice(POLITE_POST)}"


def add_asr_noise(text: str, rng: random.Random, scene: _Scene, rate: float = 0.25) -> str:
    """Lower-case, drop punctuation, and swap some words for what a recogniser might write.

    A content word is only swapped for a mishearing that names nothing in the scene, so the
    scene still decides what was meant (as "board" -> "bowl" when no board is present).
    """
    vocab = {w for o in scene.objects for w in (o.color, o.label)}
    words = "".join(ch if ch.isalnum() or ch in " '-" else " " for ch in text.lower()).split()
    out, changed = [], False
    for w in words:
        if w in MISHEARD and rng.random() < rate:
            alt = rng.choice(MISHEARD[w])
            if alt not in vocab:
                out.append(alt)
                changed = True
                continue
        out.append(w)
    if not changed and words:
        idx = [i for i, w in enumerate(out) if w in MISHEARD]
        if idx:
            i = rng.choice(idx)
            alt = rng.choice(MISHEARD[out[i]])
            if alt not in vocab:
                out[i] = alt
    return " ".join(out)


def scene_for(world: str, seed: int) -> list[ObjectState]:
    from promptbot.sim.worlds import sample_scene

    return sample_scene(world, seed)


def generate(n: int, seed: int = 0, scenes_per_world: int = SCENES_PER_WORLD,
             seed_base: int = TRAIN_SEED_BASE, builders: Sequence[str] | None = None) -> list[Example]:
    """``n`` examples, deterministic for (n, seed, scenes_per_world, seed_base, builders).

    ``builders``: names in :data:`BUILDERS` to draw from (their weights kept); None = all of them.
    """
    if n < 0 or scenes_per_world < 1:
        raise ValueError("n must be >= 0 and scenes_per_world >= 1")
    names = list(BUILDERS) if builders is None else list(builders)
    unknown = [k for k in names if k not in BUILDERS]
    if unknown or not names:
        raise ValueError(f"unknown builders {unknown}; known: {list(BUILDERS)}" if unknown else "no builders given")
    rng = random.Random(seed)
    cache: dict[tuple[str, int], _Scene] = {}
    weights = [BUILDERS[k][1] for k in names]
    out: list[Example] = []
    tries = 0
    while len(out) < n:
        tries += 1
        if tries > 50 * max(n, 1) + 1000:
            raise RuntimeError("generator cannot produce enough examples")
        world = rng.choice(WORLDS)
        sseed = seed_base + rng.randrange(scenes_per_world)
        key = (world, sseed)
        if key not in cache:
            cache[key] = _Scene(world, sseed, scene_for(world, sseed))
        scene = cache[key]
        name = rng.choices(names, weights)[0]
        built = BUILDERS[name][0](scene, rng)
        if built is None:
            continue
        text, target, tags, history = built
        tags = set(tags)
        if rng.random() < 0.25:
            text = add_politeness(text, rng, prefix=not tags & NO_POLITE_PREFIX)
            tags.add("politeness")
        if rng.random() < 0.22:
            text = add_asr_noise(text, rng, scene)
            tags.add("asr_noise")
        elif rng.random() < 0.3:
            text = text.lower() if rng.random() < 0.5 else text[:1].upper() + text[1:]
        text = " ".join(text.split())
        out.append(Example(world, sseed, text, target, tuple(sorted(tags)), tuple(history)))
    return out
