"""Training data for the LLM semantic parser: (scene, instruction, goal) triples (pure, seeded).

Written from the linguistic phenomena of issue 20, not from any benchmark sentence: each
``_b_*`` builder realises one phenomenon over a sampled scene and returns the instruction and
its grounded goal in the goal syntax of :mod:`promptbot.tasks.goal` (``unmoved(x)`` included),
or one of the special answers :data:`ASK` (a question is the right answer: ambiguous or
unknown reference) and :data:`REFUSE` (out of scope). Decorators then add politeness / filler
and ASR-style noise. Scenes come from :func:`promptbot.sim.worlds.sample_scene` with seeds
from :data:`TRAIN_SEED_BASE` up, far from the understanding suite's seeds (all below 100).

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
}


# --- decorators ------------------------------------------------------------------------------

def add_politeness(text: str, rng: random.Random) -> str:
    r = rng.random()
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
             seed_base: int = TRAIN_SEED_BASE) -> list[Example]:
    """``n`` examples, deterministic for (n, seed, scenes_per_world, seed_base)."""
    if n < 0 or scenes_per_world < 1:
        raise ValueError("n must be >= 0 and scenes_per_world >= 1")
    rng = random.Random(seed)
    cache: dict[tuple[str, int], _Scene] = {}
    names = list(BUILDERS)
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
            text = add_politeness(text, rng)
            tags.add("politeness")
        if rng.random() < 0.22:
            text = add_asr_noise(text, rng, scene)
            tags.add("asr_noise")
        elif rng.random() < 0.3:
            text = text.lower() if rng.random() < 0.5 else text[:1].upper() + text[1:]
        text = " ".join(text.split())
        out.append(Example(world, sseed, text, target, tuple(sorted(tags)), tuple(history)))
    return out
