"""Does a reading account for every content word of the request? (pure)

A reading (a grounded goal) that ignores a word such as "except", "don't", "leave", "only" or a
self-correction is not acceptable: it is how a confident wrong plan is made ("all the cubes except
the red one" planned for all of them, "don't put X in Y" planned as putting X in Y). This module
checks a goal against the instruction, whichever parser produced it, and lists what the goal does
not account for; the planner then asks instead of acting.

The check looks at the goal only, not at how a parser got there:

* an exclusion ("except", "but", "other than", "apart from", "besides", "excluding", "instead of",
  "rather than") of a movable object needs ``unmoved(x)`` or a negated literal about x; of a
  container, that nothing is placed in it;
* a negation ("don't", "do not", "never", "not", "no", "without") or a constraint ("leave", "keep",
  "stay", "alone") needs ``unmoved(x)`` or a negated literal about an object of its clause - or,
  where the clause names a placement ("not on the tray", "keep it out of the bowl"), that no
  positive literal makes that placement;
* a self-correction ("no, sorry", "I mean", "actually", "wait", "scratch that", "make that", "er")
  needs the object named just before it to be absent from the goal;
* "the rest", "the others", "other X" need the goal to name an object the request does not name;
* "the same", "too", "also", "as well" need at least two objects placed;
* "only" needs the goal to move nothing the request does not name;
* "next to the C one" where a movable thing and a container share the colour C needs to be told apart;
* an "it" as the first thing moved, before anything is named, names nothing: the reading cannot account for it;
* every object the request names by colour needs to be in the goal, unless it was corrected away;
* "instead" needs a placement (what to do instead), not only prohibitions, and so does a command to
  place something that is not a prohibition ("... and put the rest in the bowl");
* a colour match ("its own colour", "the matching bowl", "the bowl that matches it", "sort by colour")
  needs every object put in a container to share the container's colour, unless the request names
  that container by its colour.
* a part of the table said to pick things out ("the cubes up front", "the bowl on the left", "the back one") needs
  the reading to use it: a literal with that side, a place used that lies there, or things moved that lie there (a
  kind moved as a whole must all lie there, unless "all", "every" or "both" says the whole kind).

Objects are found by their colour and label words (and the label synonyms of
:mod:`promptbot.vocab`); "it" and "one" are taken as unknown, so a check that needs them falls back
to the strict form (a negated literal or ``unmoved`` must be present).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from promptbot.scene import SIDE_AXES, ObjectState, region_of
from promptbot.tasks.goal import Goal
from promptbot.vocab import COLORS, NOUN_LABELS, NOUN_PLURALS, noun_labels

PLACEMENTS = ("in", "on", "near", "left_of", "right_of", "in_region", "on_table", "in_any")

_EXCLUDE = r"except( for)?|but( not)?|other than|apart from|besides|excluding|instead of|rather than"
_NEGATE = r"don'?t|do not|never|not|no|without|doesn'?t|does not|shouldn'?t|should not|mustn'?t"
_KEEP = r"leave|keep|stay|stays|alone|untouched|where (it is|they are)"
# "no, let me start again: put ...", "ignore that", "let me rephrase that": the request before is dropped as a whole
RESTART = (r"(?:no,? )?(?:let me|i'?ll|i will) (?:start|begin) (?:again|over)|start (?:again|over)|let me (?:rephrase|reword)"
           r"(?: that| it)?|let me try (?:that |it )?again|ignore that|never ?mind that")
_DROPS_ALL = rf"(?:scratch|forget) that|{RESTART}"      # a correction that drops the whole request before it
_CORRECT = (r"no,? sorry|no,? wait|wait,? no|no,? actually|wait|sorry|i mean|i meant|hang on|hold on|actually|correction"
            r"|scratch that|forget that|" + RESTART +
            r"|undo that|undo it"
            r"|make that|er|erm|uh|um"
            r"|no(?= ,| \.)|other way (a)?round")
# "... in the pink bowl. hmm, use the yellow cube instead", "leave that, do the yellow one instead": a new object (or
# container) said in place of the one before it; read as a self-correction ("sorry, the yellow cube")
SWAP_VERBS = (r"(?:just )?(?:do|use|take|try|grab|pick|move|go with|get|choose|make it|swap (?:that|it) for"
              r"|switch (?:that|it) for|change (?:that|it) to)")
INSTEAD_SWAP_RE = re.compile(
    r"(?:^|(?<=[.;,] ))(?:(?:hmm+|oh|ok|okay|well|so|no)(?: ,)? )*(?:(?:leave|forget|skip|drop) (?:that|it|this)(?: one)?"
    rf"(?: alone)?(?: ,)? (?:and )?)?{SWAP_VERBS} (the (?:\w+ ){{0,2}}?(?:one|cube|block|lego|mug|bowl|tray)) instead\b(?! of\b)")
_REST = (r"(?<!before )(?<!after )(?<!do )(?<!doing )(?:the rest|the others|the other(?! (?:one|bowl|tray|cube|block|lego"
         r"|mug|thing|way)\b)|other \w+s|anything else|everything else)")
_SAME = (r"the same (?!colou?r)\w+|do the same|too(?= [,.;:!?]| $)|also(?! (?:" + "|".join(COLORS) + r")\b)"
         r"|as well")       # "into bowl also red": the bowl that is red too, not a second placement
_ONLY = r"only|just the"
_MOTION = r"move|moving|touch|touching|disturb|shift|budge|alone|where (it is|they are)|in place|untouched|still"
_NOUNS = "|".join(sorted(set(NOUN_LABELS) | set(NOUN_PLURALS) | {"one", "ones"}, key=len, reverse=True))
_PLACE_WORDS = r"\b(in|into|inside|on|onto|to|next to|near|beside|by|from|out of)\b"
_STATE = r"belong|belongs|matter|fit|fits|need to worry|care|mind|look|seem"
# a sentence that tells what is on the table before the request: "there's a yellow block over on the left."
NARRATION = r"there'?s|there is|there are|i see|i can see|you see|you've got|we have"
_BOUNDARY = re.compile(r"[,.;:!?]| and | then | but | while | so ")
_MATCH = (r"\bmatch(es|ing)?\b|\bsame colou?r\b|\b(its|their) (own )?(colou?rs?|bowls?|trays?|containers?|dish(es)?)\b"
          r"|\bby colou?r\b")
_MARK_PRED = [(r"\bout\b|\bempty\b", ("in", "on", "in_any")), (r"\bin(to)?\b|\binside\b", ("in", "on", "in_any")),
              (r"\bon(to)?\b|\bon top\b", ("on", "in")), (r"\bnext to\b|\bnear\b|\bbeside\b|\bby\b", ("near",)),
              (r"\bleft\b", ("left_of", "in_region")), (r"\bright\b", ("right_of", "in_region"))]


# After "the cube next to the red one": the request goes on about that cube ("..., put it in the bowl", "... goes
# in the bowl", "... on the blue cube"), so "next to" told which cube was meant; otherwise ("put the cube next
# to the red one", "cyan cube next to the green cube, and ...") it says where the cube goes.
BESIDE_TELLS_WHICH = re.compile(
    # (not "on the right side": a second place for the thing, "put A next to B on the right side")
    r"\s*(?:(?:goes|go|should|must|needs|into|in|onto)\b|on\b(?! the (?:far )?(?:left|right|front|back|middle|centre|center)\b)"
    r"|(?:that|this)(?: one)? (?:goes|should|must|needs)\b"
    # "the cube by the orange cube move it left of the red bowl" (no comma heard)
    r"|(?:please\s)?(?:put|place|move|drop|take|grab|pop|stick|set|bring|lift)\s(?:it|that one|this one)\b"
    r"|[,.;:\-]\s*(?:(?:please\s)?(?:put|place|move|drop|take"
    r"|grab|pop|stick|set|bring|lift)\s(?:it|that|that one|this one)\b|(?:in|into|on|onto)\b|it\b"
    r"|(?:that|this)(?: one)? (?:goes|should|must|needs)\b))")


@dataclass(frozen=True)
class Unaccounted:
    """A phrase of the request that the reading ignores, and why."""

    phrase: str
    why: str

    def __str__(self) -> str:
        return f"'{self.phrase}' ({self.why})"


def _norm(text: str) -> str:
    t = text.lower().replace("’", "'")
    t = re.sub(r"\s+[-\u2013\u2014]+\s+", " , ", t)      # a dash between spaces joins two clauses
    # "there's a yellow block and a yellow lego over on the left. put the yellow one ...": what is seen is told
    # before the request; the objects it names need not be in the reading
    t = re.sub(rf"(?:^|(?<=[.;!?] ))(?:{NARRATION}) [^.;!?]*[.;!?]",
               " . ", t)
    t = re.sub(r"[^a-z0-9,;.:!?' ]", " ", t)
    t = re.sub(r"([,;.:!?])", r" \1 ", t)
    return " " + " ".join(t.split()) + " "


def mentioned(text: str, objects: Sequence[ObjectState]) -> list[tuple[int, set[str]]]:
    """(position, candidate ids) for each colour word of ``text`` that names scene objects.

    "the red cube" -> the red cubes; "red" alone -> every red object. Words whose colour no
    object has are skipped (the grounding reports those).
    """
    words = text.split()
    out = []
    for k, w in enumerate(words):
        if w not in COLORS:
            continue
        nxt = words[k + 1] if k + 1 < len(words) else ""
        labels = noun_labels(nxt)
        if not labels and nxt in ("and", "or", ","):
            # "the yellow and the blue cube": the noun of the next colour is shared
            labels = next((noun_labels(a) for a in words[k + 2:k + 5] if noun_labels(a)), ())
        ids = {o.id for o in objects if o.color == w and (not labels or o.label in labels)}
        if not ids:
            ids = {o.id for o in objects if o.color == w}
        if ids:
            out.append((len(" ".join(words[:k])), ids))
    return out


def _clause_after(t: str, start: int) -> str:
    m = _BOUNDARY.search(t, start)
    return t[start:m.start() if m else len(t)]


def _clause_around(t: str, pos: int) -> str:
    left = max((m.end() for m in _BOUNDARY.finditer(t, 0, pos)), default=0)
    m = _BOUNDARY.search(t, pos)
    return t[left:m.start() if m else len(t)]


def _ids_in(clause: str, objects: Sequence[ObjectState]) -> set[str]:
    ids: set[str] = set()
    for _, c in mentioned(clause, objects):
        ids |= c
    words = clause.split()
    for k, w in enumerate(words):    # "the bowl", "the tray": a label with no colour, when it is the only one
        labels = noun_labels(w)
        if labels and (k == 0 or words[k - 1] not in COLORS):
            fit = [o.id for o in objects if o.label in labels]
            if len(fit) == 1:
                ids.add(fit[0])
    return ids


# the placements that send a thing somewhere (the last argument is where)
_SENT_PREDS = ("in", "on", "in_region", "near", "left_of", "right_of")


def _sources(t: str, objects: Sequence[ObjectState]) -> set[str]:
    """Objects named as where something comes from ("off the green cube", "from the bowl"), or to tell
    another apart ("the cube closest to the mug", "the cube next to the red one, put it ...")."""
    out: set[str] = set()
    for m in re.finditer(r"\b(from|off( of)?|out of|that is (in|on)|which is (in|on)|that are (in|on)"
                         r"|(?:nearest|closest|furthest|farthest)(?: to)?|(?:right |just )?(?:next to|beside|by)"
                         r"|behind|in front of|(?:just |right )?(?:to the )?(?:left|right) of)\b", t):
        words = t[m.end():].split()
        head = " ".join(words[:4])
        anchor = mentioned(head, objects)
        if re.search(r"next to|beside|by|behind|front of|left of|right of", m.group(0)):
            end = re.match(r"\s*(?:the |a )?(?:\w+ )?\w+", t[m.end():])
            if not anchor or end is None or not BESIDE_TELLS_WHICH.match(t[m.end() + end.end():]):
                continue
        out |= {x for _, c in anchor for x in c}
    # "put the red cube on the orange cube, then take it off again and put it on the yellow cube": the place of the step
    # that is undone is where the thing comes from (the orange cube had been reported as left out, and it was asked)
    undone = re.search(r"\b(?:take|lift|pull|get) (?:it|them) (?:back )?(?:off|out|down)\b", t)
    if undone:
        placed = re.findall(r"\b(?:on|onto|in|into|inside)\s+((?:the )?(?:\w+ )?\w+)", t[:undone.start()])
        if placed:
            out |= {x for _, c in mentioned(placed[-1], objects) for x in c}
    return out


# words before "in the yellow bowl" that make it where something is, not where it goes ("the cube in the yellow bowl",
# "whichever is closer to the yellow bowl", "everything in the bowl")
_NOT_SENT = (r"cube|cubes|block|blocks|lego|legos|mug|mugs|one|ones|thing|things|that's|thats|is|are|was|were|sits|sit"
             r"|sitting|stands|standing|lies|lying|closer|closest|nearer|nearest|further|furthest|farther|farthest"
             r"|next|close|near|from|than|away|everything|anything|all|whatever|what's|whats|stuff|it's|its|they're")


def _sent_to(t: str, o: ObjectState) -> bool:
    """Whether ``t`` sends something to container ``o`` ("put X into the yellow bowl", "X yellow bowl")."""
    nouns = "|".join(sorted({w for w, labs in NOUN_LABELS.items() if o.label in labs} |
                            {p for p, w in NOUN_PLURALS.items() if o.label in noun_labels(w)}, key=len, reverse=True))
    if not nouns:
        return False
    for m in re.finditer(rf" (in|into|inside|onto|to) the {o.color} (?:{nouns})(?= )", t):
        before = t[:m.start()].split()
        if before and re.fullmatch(_NOT_SENT, before[-1]):
            continue
        if re.search(r"\b(?:if|unless|whether|when|while|once)\b[^,.;]*$", t[:m.start()]):
            continue                   # a condition: "if the red cube is in the yellow bowl, ..."
        if re.search(r"\b(?:don't|do not|never|not|no|nothing|none|isn't|aren't|without|keep)\b[^,.;]*$", t[:m.start()]):
            continue                   # under a negation: checked by the negation rules
        return True
    # telegraphic: "red cube yellow bowl and ...": a thing, then the place, with nothing between
    return re.search(rf" (?:cube|block|lego|mug|one|brick|box) (?:the )?{o.color} (?:{nouns}) (?:[,.;]|and|then|$)",
                     t + " ") is not None


def _names(ids: set[str], by_id: dict[str, ObjectState]) -> str:
    return " or ".join(f"the {by_id[i].color} {by_id[i].label}" for i in sorted(ids))


def unaccounted(instruction: str, goal: Goal, objects: Sequence[ObjectState]) -> list[Unaccounted]:
    """Phrases of ``instruction`` that ``goal`` does not account for ([] when it accounts for all)."""
    t = INSTEAD_SWAP_RE.sub(lambda m: " sorry , " + m.group(1), _norm(instruction))
    by_id = {o.id: o for o in objects}
    pos_lits = [l for l in goal.literals if not l.negated and l.pred in PLACEMENTS]
    guarded = {l.args[0] for l in goal.literals if l.pred == "unmoved"} | \
        {a for l in goal.literals if l.negated for a in l.objects()}
    placed = {a for l in pos_lits for a in l.objects()}
    subjects = {l.args[0] for l in pos_lits}
    in_goal = goal.objects()
    named = _ids_in(t, objects)
    # every movable thing is named or in the reading: "nothing else changes" has nothing left to keep still
    nothing_else = all(o.id in named | in_goal for o in objects if not o.is_container)
    out: list[Unaccounted] = []
    exempt: set[str] = set()           # named, but corrected away or excluded

    for m in re.finditer(rf"(?<= )(?:{_CORRECT})(?= )", t):
        before = t[:m.start()]
        prev = mentioned(before, objects)
        after = t[m.end():]
        if not re.search(r"\w", re.sub(r"[,.;:!?]", "", after)):
            continue                   # "..., actually": nothing follows that could replace anything
        if m.group(0) in ("er", "erm", "uh", "um") and (
                re.search(r" (the|a|an|in|into|on|onto|to|and|then|so|but|or|also|next|others|rest|ones|both|them|these|those)"
                          r" ?[,.]? *$", before) or
                not re.match(rf" [,.]? ?(the |a |an )?(?:{'|'.join(COLORS)})\b", after)):
            continue                   # "in the, uh, white bowl", "the red cube, um, in ...": a hesitation
        if m.group(0) == "sorry" and re.search(r"\b(?:no|wait|i mean|actually) , (?:in|into|on|onto|to|next to) (?:the )?(?:\w+ )?"
                                               r"\w+ , $", before):
            continue                   # "in the gray bowl - no, on the tray, sorry - ...": an apology after the correction
        if m.group(0).startswith("other way") or re.match(r" (?:, )?(the )?other way", t[m.end():]):
            if goal.literals and prev:
                # "put A on B, wait, other way around": the reading must not keep A on B
                ids = [c for _, c in prev[-2:]]
                if len(ids) == 2 and any(l.args[0] in ids[0] and l.args[1] in ids[1] for l in pos_lits
                                         if len(l.args) == 2):
                    out.append(Unaccounted(m.group(0), "the reading keeps the order that was taken back"))
            continue
        if not prev:
            continue
        if re.search(r" (?:in|into|inside|on|onto|to|of|near|beside|by|next to) (?:the|a|an)(?: [,.;:\-])* *$", before):
            continue                   # "in the blue- sorry, the white bowl": the word cut off is said again
        cut = re.search(rf" (?:in|into|inside) the ({'|'.join(COLORS)})(?: [,.;:\-]| no| sorry| wait| oh| ugh| uh| um| er| erm"
                        r"| argh| oops| hmm)* *$", before)
        if cut and re.match(r"[^.;!?]*\b(?:bowl|tray|dish|container|basin)\b", after):
            # "into the yellow b- no, hang on, the green bowl": the container cut off is corrected
            exempt |= {o.id for o in objects if o.color == cut.group(1) and o.is_container}
            continue
        cut = re.search(rf" (?:and|or|,|then) (?:the )?({'|'.join(COLORS)})(?: [,.;:\-]| no| sorry| wait| oh| uh| um| er"
                        r"| erm| hmm)* *$", before)
        if cut:                        # "the purple cube and the yellow- no, the blue cube": the list item cut off
                                       # ("blue at the bottom, then yellow - no wait, green - ...": a tower's level)
            exempt |= {o.id for o in objects if o.color == cut.group(1) and not o.is_container}
            continue
        if re.match(r" (?:[,.;:\-] )*(?:(?:no|sorry|wait|i mean|i meant) (?:[,.;:\-] )*)*(?:to )?(?:the )?"
                    r"(?:left|right|front|back|middle|centre|center)\b(?! of\b)", after):
            continue                   # "to the left side, sorry, I mean the back": the place is corrected
        if re.fullmatch(_DROPS_ALL, m.group(0)) or re.match(rf" (?:[,.;:] )*(?:{_DROPS_ALL})\b", after):
            exempt |= {x for _, c in prev for x in c}
            continue                   # the request before is dropped as a whole; "it" after may still name X
        # the object corrected is the last one named of the kind the correction names ("put the red cube in
        # the yellow bowl, hang on, I meant the green cube": the red cube, not the bowl)
        if re.match(r" (?:[,.;:\-] )*(?:(?:no|sorry|wait|oh) (?:[,.;:\-] )*)*(?:leave|keep|except|but|skip|without)\b", after):
            continue                   # "put all cubes in the red bowl. actually, leave the blue one": an amendment (its
                                       # own words are checked as an exclusion or a constraint below), not a swap
        named_after = mentioned(after, objects)
        instead_of = re.match(rf" (?:[,.;:] )*(?:(?:actually|hmm+|oh|ok|okay|well|so|no|wait|sorry) (?:[,.;:] )*)*"
                              rf"{SWAP_VERBS} the (?:\w+ ){{0,2}}?\w+ (?:instead of|in place of|rather than) ", after)
        if instead_of and len(named_after) >= 2:
            exempt |= named_after[1][1]    # "actually, use the orange one instead of the blue one": the blue one
            continue
        kind = {by_id[x].is_container for x in named_after[0][1]} if named_after else set()
        same_kind = [c for _, c in prev if {by_id[x].is_container for x in c} == kind] if len(kind) == 1 else []
        place_fix = re.match(rf" (?:[,.;:\-] )*(?:(?:no|sorry|wait) (?:[,.;:\-] )*)*{_PLACE_WORDS}", after)
        last = same_kind[-1] if same_kind and not place_fix else prev[-1][1]
        exempt |= last
        # ("X in the bowl no sorry i meant on the brown block": "i meant" before a place with "the" says nothing more)
        if (re.match(r" (?:[,.;:\-] )*(?:(?:no|sorry|wait) (?:[,.;:\-] )*)*(?:in|into|inside|on|onto|next to|near|beside|by|to)\b",
                     after) or re.match(r" (?:[,.;:\-] )*(?:(?:no|sorry|wait|oh) (?:[,.;:\-] )*)*i meant? (?:[,.;:\-] )*"
                                        r"(?:in|into|inside|on|onto|next to|near|beside|by) the\b", after)) \
                and not any(re.search(rf"\b(in|into|on|onto|to|next to|near|beside|by) (the |a )?{o.color}\b", before[-40:])
                            for x in last for o in [by_id[x]]):
            continue                   # "X in the bowl - no, next to the mug": the place is corrected, not X
        again = {x for _, c in mentioned(after, objects) for x in c}
        # (kept still by "nothing else moves" is not kept by the reading: "X on the yellow cube. sorry, I mean on the blue
        # cube. nothing else moves" keeps the yellow cube where it is)
        if last & placed and not last <= again:       # "... no, orange on red. actually, orange on blue is fine":
                                                      # named again after the correction, it is wanted after all
            out.append(Unaccounted(f"{_names(last, by_id)}, {m.group(0)}",
                                   "the reading keeps what the correction took back"))

    for m in re.finditer(rf"(?<= )(?:{_EXCLUDE})(?= )", t):
        word = m.group(0)
        rest = t[m.end():]
        if word == "but" and not re.match(rf" (?:the |a |an )?(?:{'|'.join(COLORS)}|{_NOUNS})\b", rest) or \
                word == "but not" and re.match(rf" {_PLACE_WORDS}", rest):
            continue                   # "but" as a conjunction ("but first ..."): its clause is checked on its own
        if word == "but" and m.start() == 1 and subjects:
            continue                   # "but the purple cube in the yellow bowl": heard for "put", nothing before
        clause = _clause_after(t, m.end())
        if re.match(r" (?:the |a )?(?:\w+ )?(?:one|cube|block|lego|mug|thing)s? (?:that'?s |which is |that is )?(?:nearest"
                    r"|closest|furthest|farthest|next to|beside|near|by|behind|in front of|(?:to the )?(?:left|right) of"
                    r"|(?:on|at|in) the (?:far )?(?:left|right|front|back|middle|corner))\b|(?: the)? (?:left|right|front|back)most\b",
                    clause):
            # "except the one nearest the white bowl": the thing left out is told by where it is, and the object
            # named is where it is told from; the reading must leave something out
            if not guarded:
                out.append(Unaccounted(f"{word}{clause.rstrip()}", "nothing in the reading is left out"))
            continue
        rel = re.search(_PLACE_WORDS, clause)   # "except the yellow cube in the pink bowl": up to "in"
        if rel and (mentioned(clause[:rel.start()], objects) or
                    any(noun_labels(w) for w in clause[:rel.start()].split())):
            clause = clause[:rel.start()]
        alts = [c for _, c in mentioned(clause, objects)] or [{x} for x in _ids_in(clause, objects)] or \
            [{o.id} for w in clause.split() if w in NOUN_PLURALS for o in objects if o.label in noun_labels(w)[:1]]
        if not alts:
            if word != "but" and not guarded:
                out.append(Unaccounted(word, "nothing in the reading is left out"))
            continue
        # "put the cyan cube on any cube except the orange one": left out of the places to choose from
        among_targets = re.search(r"\b(?:on|onto|on top of|in|into|inside|next to|near|beside) (?:any|a|one of the)"
                                  r"(?: other)? \w+ $", t[:m.start()]) is not None
        for ids in alts:               # one mention; "the yellow one" may be any yellow object
            exempt |= ids

            def kept_out(x: str) -> bool:
                o = by_id[x]
                # "put the blue cube instead of the red one": the one named instead is not moved
                return x in guarded or ((o.is_container or among_targets or word in ("instead of", "rather than"))
                                        and x not in placed) or sent_elsewhere(x)

            def sent_elsewhere(x: str) -> bool:
                if by_id[x].is_container:
                    # "put the purple cube in a bowl, just not the red one, and after that the orange cube goes in the
                    # red one": what goes in it later is not what the exclusion was said of
                    inside = {l.args[0] for l in pos_lits if l.pred == "in" and l.args[1] == x}
                    said_before = {y for _, c in mentioned(t[:m.start()], objects) for y in c}
                    return among_targets and bool(inside) and not inside & said_before
                # "every cube except the orange one goes in the red bowl; then bring the orange one to the front": left
                # out of the group and named again with a place of its own, where nothing of the group goes (it had been
                # asked what the exclusion changes)
                if by_id[x].is_container or sum(x in c for _, c in mentioned(t, objects)) < 2:
                    return False
                own = {l.args[-1] for l in pos_lits if l.pred in _SENT_PREDS and l.args[0] == x}
                rest = {l.args[-1] for l in pos_lits if l.pred in _SENT_PREDS and l.args[0] != x}
                return bool(own) and not own & rest

            if not any(kept_out(x) for x in ids):
                out.append(Unaccounted(f"{word} {_names(ids, by_id)}",
                                       f"the reading does not keep {_names(ids, by_id)} out"))

    for m in re.finditer(rf"(?<= )(?:{_NEGATE}|{_KEEP})(?= )", t):
        word = m.group(0)
        if word == "no" and (re.match(r" ,| \.| sorry| wait| actually", t[m.end():]) or
                             re.search(r"\b(wait|oh|er|erm|uh|um|sorry) ,? ?$", t[:m.start()])):
            continue                   # a self-correction, checked above
        if word == "not" and re.search(r"\b(wait|sorry|no|hang on|hold on|actually|oops) [,.]? ?$", t[:m.start()]) and \
                re.match(r" (?:the |a )?(?:\w+ )?\w+ , (?:the |a )?\w", t[m.end():]):
            continue                   # "wait, not the cube, the orange block": a self-correction too
        double = re.compile(r" (?:leave|want) (?:a single|any|one|a) \w+ (?:left )?(?:out of|outside)\b")
        if any(l.pred in ("in", "in_any") for l in pos_lits) and (
                word in ("don't", "dont", "do not", "never") and double.match(t[m.end():]) or
                word == "leave" and re.search(r"(?:don't|dont|do not|never)$", t[:m.start()].rstrip()) and
                double.match(t[m.start() - 1:])):
            continue                   # "don't leave a single cube outside the bowl": every one in it (placed)
        np_ = re.match(rf" ((?:the |a )?(?:\w+ ){{0,2}}?(?:{_NOUNS})) [,.;] (?=\w)", t[m.end():])
        if word == "not" and np_ and re.search(r"(?:^ ?|[,.;:] )$", t[:m.start()]):
            # "the green cube, not the blue cube, goes ...", "no, not the white bowl - the red cube ...": a
            # contrast; the reading accounts for it when it moves nothing it names and puts nothing there
            ids = _ids_in(np_.group(1), objects)
            if ids and not ids & subjects and not any(by_id[i].is_container and i in placed for i in ids):
                exempt |= ids
                continue
        clause = _clause_around(t, m.start()) if word in ("stay", "stays", "alone", "untouched") or \
            word.startswith("where") else _clause_after(t, m.start())
        ids = _ids_in(clause, objects)
        if not ids and re.search(r"\b(?:everything|anything|nothing|all) else\b|\bthe (?:rest|others)\b|\b(?:all |the )?other "
                                 r"(?:objects|things|items|stuff|cubes|blocks|pieces)\b", clause) and \
                nothing_else:
            continue                   # "Final configuration: ... Nothing else changes." with nothing else to keep still
        if not ids and re.search(r"\b(it|them|there|that one|this one)\b", clause):
            prev = mentioned(t[:m.start()], objects)     # "not on it": the object named last before
            excl = [e.end() for e in re.finditer(r"\b(?:except|apart from|but not|other than|besides|excluding)\b",
                                                 t[:m.start()])]
            if guarded and excl and (not prev or prev[-1][0] < excl[-1]):
                continue               # "... except the cube in the middle. That one stays.": what was left out
            ids = set(prev[-1][1]) if prev and len(prev[-1][1]) == 1 else set()
        exempt |= ids
        if ids & guarded or (not ids and guarded):
            continue
        motion = re.search(rf"\b(?:{_MOTION})\b", clause) or word in ("leave", "alone", "untouched") \
            or word.startswith("where")
        preds = next((p for pat, p in _MARK_PRED if re.search(pat, clause.split(word, 1)[-1])), None)
        if ids and preds and not motion:
            hit = [l for l in pos_lits if l.pred in preds and (set(l.objects()) & ids)
                   and (len(ids) < 2 or set(l.objects()) >= ids or any(by_id[i].is_container for i in ids))]
            if not hit or word == "keep":
                continue               # "keep the cyan lego inside the bowl": the placement is what is asked
        if ids and not preds and not motion and all(by_id[i].is_container for i in ids) and not ids & placed:
            continue                   # "a bowl, but not the white one": nothing goes there
        if ids and word in ("keep",) and not preds and not motion:
            continue                   # "keep going", "keep it tidy": not a constraint on an object
        if ids and re.match(r" (?:use|using|include|including)\b", t[m.end():]) and \
                not ids & {a for l in pos_lits for a in l.objects()}:
            continue                   # "a tower ...; do not use the orange block": the reading leaves it out
        if not preds and not motion and re.match(rf" (?:{_STATE})\b", t[m.end():]):
            continue                   # "it doesn't belong anywhere": says how things are, asks nothing
        if word in ("no", "not", "never") and re.match(r" (?:too much |a |any |much of a )?(?:trouble|problem|problems|"
                                                       r"bother|rush|hurry|worries|pressure|big deal|biggie|stress|cap|drama|fuss)\b",
                                                       t[m.end():]):
            continue                   # "if it's no trouble", "no rush": politeness, not a constraint
        if word == "not" and re.search(r"\bor $", t[:m.start()]):
            continue                   # "can or not?", "whether or not": a question tag, not a constraint
        if word in ("no", "not", "nothing") and re.match(r" (?:really |quite |100 % )?(?:sure|certain|fancy|towers?|stacking)\b",
                                                       t[m.end():]):
            continue                   # "I'm not sure, but ...", "no towers, nothing fancy, just slide ...": a hedge
        what = " ".join(clause.split()[:6])
        out.append(Unaccounted(what, "the reading has no constraint for it (no unmoved or negated literal)"))

    for m in re.finditer(rf"(?<= )(?:{_REST})(?= )", t):
        if not (in_goal - named) and not guarded - named:
            if re.search(r"\b(?:alone|stays?|remains?|moves?|changes?|still|where (?:it|they) (?:is|are))\b",
                         _clause_around(t, m.start())) and nothing_else:
                continue               # "Nothing else changes." with nothing else to keep still
            out.append(Unaccounted(m.group(0), "the reading names nothing beyond what was named"))
    for m in re.finditer(rf"(?<= )(?:{_SAME})(?= )", t):
        if len(subjects) < 2 and not re.search(r"same colou?r|matching|match", t):
            out.append(Unaccounted(m.group(0), "the reading places only one object"))
    for m in re.finditer(rf"(?<= )(?:{_ONLY})(?= )", t):
        if subjects - named:
            out.append(Unaccounted(m.group(0), "the reading moves something that was not named"))
    sources = _sources(t, objects)       # named as where things come from or as a landmark: need not be in the goal
    for x in sorted(named - exempt - in_goal - sources):
        o = by_id[x]
        if o.is_container:
            # a place named: where things are, or go (checked by what goes there); a place things are sent to
            # ("... into the yellow bowl") that the reading does not use at all is a part of the request dropped
            # ("read cube yellow bowl and leave the blue one alone" read as the constraint alone)
            if _sent_to(t, o):
                out.append(Unaccounted(f"the {o.color} {o.label}", "the reading puts nothing there"))
            continue
        colour_named = [c for _, c in mentioned(t, objects) if x in c]
        if colour_named and all(len(c) == 1 for c in colour_named):
            out.append(Unaccounted(f"the {o.color} {o.label}", "the reading leaves it out"))
    # "cyan, purple, green, blue" with a green cube and a green lego: a colour said that names several things here, none
    # of which the reading uses (green had been dropped from the list without a word)
    said = " ".join(t.split())           # (the text mentioned() counts positions in)
    for pos, c in mentioned(t, objects):
        if len(c) > 1 and not c & (in_goal | exempt | sources) and not any(by_id[x].is_container for x in c) and \
                not re.search(r"\b(?:by|next to|near|beside|behind|in front of|of|from|at|than)(?: the| a)?\s*$", said[:pos]):
            # (a landmark that picks something out is not dropped: "the cube by the yellow one - no, the one by ...")
            out.append(Unaccounted(_names(c, by_id), "the reading does nothing with any of them"))
            break
    if not pos_lits:
        # "match up orange with orange and blue with blue, the purple one can stay where it is" read as the constraint
        # alone: a reading that moves nothing must still account for every object the request names by colour
        for _, c in mentioned(t, objects):
            if c and not c & (in_goal | exempt | sources):
                out.append(Unaccounted(_names(c, by_id), "the reading does nothing with it"))
                break
        # "leave the green cube alone and put rest in the bowl" read as the constraint alone: a command to
        # place something that is not a prohibition ("don't put ...") needs a placement in the reading
        for m in re.finditer(r"(?<= )(put|place|move|stack|set|drop|stick|pop|push|slide|bring|take|sort|match|pile"
                             r"|arrange|organi[sz]e|go|goes)(?= )", t):
            # (a sort needs no place word: "match the colours, but leave the yellow cube where it is" had been read as
            # the constraint alone)
            if not re.search(r"(don'?t|do not|never|not|no|n't) (\w+ )?$", t[:m.start()]) and (
                    m.group(0) in ("sort", "match", "pile", "arrange", "organise", "organize") or
                    re.search(r"\b(in|into|on|onto|to|next to|near|beside|by)\b", _clause_after(t, m.end()))):
                out.append(Unaccounted(m.group(0), "the reading places nothing"))
                break
    out += _sides_unused(t, goal, pos_lits, objects)
    # "set the orange cube down beside the blue one" with a blue cube and a blue tray: either can be the one it goes
    # beside (the cube had been taken: a bowl or tray is as good a landmark)
    # ... and "set the red cube down on the blue one" with a blue cube and a blue tray (on a tray is in it)
    for m in re.finditer(rf" (?:next to|beside|by|near|alongside|on|onto|on top of) the ({'|'.join(COLORS)}) one(?= )", t):
        near = not re.match(r" (?:on|onto|on top of) ", m.group(0))
        for l in pos_lits:
            if len(l.args) < 2 or l.args[1] not in by_id or by_id[l.args[1]].color != m.group(1):
                continue
            if (near and l.pred != "near") or (not near and not (l.pred == "on" or l.pred == "in"
                                                                    and by_id[l.args[1]].label == "tray")):
                continue
            anchor = by_id[l.args[1]]
            rivals = [o for o in objects if o.color == anchor.color and o.id not in l.args
                      and o.is_container != anchor.is_container and (near or o.label in ("tray", "cube", "block"))]
            if rivals:
                out.append(Unaccounted(m.group(0).strip(), f"{_names({anchor.id, rivals[0].id}, by_id)} both fit"))
    # "put it next to the mug, and the red one in the bowl": an "it" said before anything is named names nothing (its
    # clause had been dropped and the rest planned)
    lead = re.match(r" (?:(?:please|now|then|ok|okay|so|and|just|can you|could you) )*(?:put|place|move|set|stick|pop|drop"
                    r"|bring|slide|push|grab|take|pick up) (it|that one|this one)(?= )", t)
    if lead and not mentioned(t[:lead.start(1)], objects):
        out.append(Unaccounted(lead.group(1), "it comes before anything it could name"))
    # "stack the green on the red, then take it off again": the end state is not the first placement
    undo = re.search(r" (?:take|get|lift|pull|move) (?:it|them|that|the (?:\w+ )?\w+) (?:back )?(?:out|off|away)\b[^,.;]*? again ", t) \
        or re.search(r" (?:then|after that|afterwards|and then) (?:, )?(?:take|get|lift|pull) (?:it|them|that|the (?:\w+ )?\w+) "
                     r"(?:back )?(?:out|off)(?= [,.;]| $)", t)
    if undo and not re.search(r"\b(?:put|place|set|drop|stick|pop|move|stack)\b", t[undo.end():]) and \
            not any(l.negated or l.pred in ("on_table", "near", "in_region", "left_of", "right_of") for l in goal.literals):
        out.append(Unaccounted(undo.group(0).strip(), "the reading leaves it where it was put first"))
    if re.search(r" instead ", t) and not pos_lits:
        out.append(Unaccounted("instead", "the reading says what not to do, and nothing to do instead"))
    if re.search(_MATCH, t):
        said = {x for _, c in mentioned(t, objects) for x in c}
        for l in pos_lits:
            if l.pred != "in" or l.args[1] not in by_id or l.args[0] not in by_id or l.args[1] in said:
                continue
            a, c = by_id[l.args[0]], by_id[l.args[1]]
            # "the yellow one into the matching bowl, then the green one, same bowl": the second goes where the first did
            follows_first = re.search(r"\b(?:the same|in there|into there)\b", t) and any(
                k.pred == "in" and k.args[1] == c.id and k.args[0] in by_id and by_id[k.args[0]].color == c.color
                for k in pos_lits)
            if a.color != c.color and not follows_first:
                out.append(Unaccounted(re.search(_MATCH, t).group(0),
                                       f"the reading puts the {a.color} {a.label} in the {c.color} {c.label}"))
    seen, uniq = set(), []
    for u in out:
        if u.phrase not in seen:
            seen.add(u.phrase)
            uniq.append(u)
    return uniq


# a part of the table said about what moves or where it goes: "the cubes up front", "on the far left", "the back one"
_SIDE_RE = re.compile(r"(?<= )(?:the (?:very |far )?(front|back|rear|left|right)\b(?! of\b| (?:hand |-hand )?side of (?!the table\b))"
                      r"|(front|back|left|right)most\d?|(?:up|out) (?:at )?(?:the )?(front)\b(?! of\b)"
                      r"|way (?:at )?(?:the )?(back)\b(?! to\b| where\b| in\b| into\b| on\b))(?= )")
# "to the left side, sorry, I mean the back": the place is corrected (checked with the corrections)
_SIDE_CORRECTED = re.compile(r"(?: (?:hand )?side| edge| end)?(?: of the table)? (?:[,.;:] )*(?:sorry|no|wait|i mean|i meant"
                             r"|actually|er|erm|um|uh|make that|or rather)\b")
_WHOLE_GROUP = re.compile(r"\b(?:all|every|each|everything|both|them all|all of them|the lot|four|five|tower|stack)\b")
_SIDE_SKIP = re.compile(r"\b(?:if|unless|whether|when|while|once|not|\w+n'?t|never|no|nothing|except|but|other than|apart from"
                        r"|besides|leave|keep|stay|stays|instead|rather|was|were|used to|from)\b")
_SIDE_KEPT_AFTER = re.compile(r"[^,.;:!?]*?\b(?:untouched|alone|stays?|unmoved|where (?:it is|they are)|in place)\b")


def _toward(o: ObjectState, side: str, pool: Sequence[ObjectState]) -> bool:
    """``o`` is in that part of the table, or among the objects of its kind most that way (fewer than half beyond it)."""
    if side in region_of(o):
        return True
    axis, sign = SIDE_AXES[side]
    beyond = sum(1 for p in pool if sign * p.position[axis] > sign * o.position[axis] + 1e-6)
    return beyond < len(pool) / 2


def _sides_unused(t: str, goal: Goal, pos_lits: list, objects: Sequence[ObjectState]) -> list[Unaccounted]:
    """A part of the table the request names ("the cubes up front go in the pink bowl") that the reading ignores: no
    literal uses it, no place the reading uses lies there, and the things it moves of some kind are not all there."""
    if not pos_lits:
        return []
    by_id = {o.id: o for o in objects}
    kinds: dict[str, list[ObjectState]] = {}
    for o in objects:
        kinds.setdefault(o.label, []).append(o)
    subjects = {l.args[0] for l in pos_lits if l.args[0] in by_id}
    targets = {a for l in pos_lits for a in l.args[1:] if a in by_id and a not in subjects}
    out = []
    for m in _SIDE_RE.finditer(t):
        said = next(g for g in m.groups() if g)
        side = {"rear": "back"}.get(said, said)
        start = max((b.end() for b in _BOUNDARY.finditer(t, 0, m.start())), default=0)
        if _SIDE_SKIP.search(t[start:m.start()]) or _SIDE_CORRECTED.match(t, m.end()) or _SIDE_KEPT_AFTER.match(t, m.end()) \
                or re.search(rf"(?<= )(?:{_CORRECT})(?= )[^.!?]*\b(?:front|back|rear|left|right)", t[m.end():]):
            continue                   # a condition, a contrast, a thing kept out or a place corrected: checked elsewhere
        if any(l.pred == "in_region" and l.args[1] == side or l.pred in ("left_of", "right_of") and side in ("left", "right")
               for l in pos_lits):
            continue
        # what the place tells about: the noun said last before it ("the cubes up front", "the bowl on the left")
        after = re.match(r" (?:-?hand |side )?(\w+)", t[m.end():])
        noun = noun_labels(after.group(1)) if after and noun_labels(after.group(1)) else \
            next((noun_labels(w) for w in reversed(t[start:m.start()].split()[-6:]) if noun_labels(w)), ())
        told = {o.is_container for o in objects if o.label in noun}
        if any(_toward(by_id[a], side, kinds[by_id[a].label]) for a in targets if not noun or by_id[a].label in noun):
            continue
        if told == {True}:
            out.append(Unaccounted(m.group(0), "the reading uses no place there"))
            continue
        # a kind moved as a whole ("the cubes up front go in the bowl" read as every cube) though some are elsewhere
        whole = [k for k in {by_id[x].label for x in subjects} if len(kinds[k]) > 1 and {o.id for o in kinds[k]} <= subjects
                 and not all(_toward(o, side, kinds[k]) for o in kinds[k])]
        if any(_toward(by_id[x], side, kinds[by_id[x].label]) for x in subjects) and (not whole or _WHOLE_GROUP.search(t)):
            continue
        out.append(Unaccounted(m.group(0), "the reading moves things that are not there"))
    return out


# words that refer to objects without naming them: a reading may use objects beyond those named
_REFERRING = (r"\b(it|its|them|they|their|rest|others?|all|every|each|everything|anything|both|two|three|four|five"
              r"|matching|same|tower|stack|sort|tidy|clean|empty|swap|leftmost|rightmost|closest|nearest|furthest"
              r"|farthest|biggest|smallest|where|these|those|ones)\b")


def guessed(instruction: str, goal: Goal, objects: Sequence[ObjectState]) -> list[Unaccounted]:
    """Objects a reading chose that the request did not pick out (for readings a parser produced freely,
    the LLM's; the rule parser grounds every object from the words).

    * a description several movable objects fit ("the black one": a mug and a block) and the reading
      moves one of them: the parser guessed;
    * an object the request never refers to ("put the green one on top": on top of which?), when the
      request has no word that refers to objects without naming them ("all", "the rest", "it", ...).
    """
    t = _norm(instruction)
    by_id = {o.id: o for o in objects}
    out: list[Unaccounted] = []
    subjects = {l.args[0] for l in goal.literals if not l.negated and l.pred in PLACEMENTS}
    for _, ids in mentioned(t, objects):
        movable = {x for x in ids if not by_id[x].is_container}
        if len(movable) > 1 and movable & subjects and not any(len(c) == 1 and c <= movable
                                                               for _, c in mentioned(t, objects)):
            out.append(Unaccounted(_names(movable, by_id), "several objects fit; the reading picked one"))
    words = t.split()
    bare_one = any(w in ("one", "ones") and (k == 0 or words[k - 1] not in COLORS) for k, w in enumerate(words))
    if not re.search(_REFERRING, t) and not bare_one:
        # a noun without a colour ("the bowl", "cubes") may be any object of its kinds
        named = _ids_in(t, objects) | {o.id for k, w in enumerate(words) if k == 0 or words[k - 1] not in COLORS
                                       for o in objects if o.label in noun_labels(w)}
        extra = sorted(goal.objects() - named)
        if extra:
            out.append(Unaccounted(_names(set(extra), by_id), "the request does not name it"))
    return out


def question(items: Sequence[Unaccounted]) -> str:
    """The clarifying question for what a reading could not account for."""
    what = "; ".join(str(u) for u in items[:3])
    if items[0].why.endswith(" both fit"):      # "beside the blue one": which of two things
        return f"Which do you mean by {items[0].phrase!r}: {items[0].why[:-len(' both fit')]}?"
    return (f"I'm not sure what {items[0].phrase!r} changes: {what}. "
            "Could you say it another way, e.g. which objects should move and which must stay?")
