"""Words the recogniser misheard: match them against what the scene can name (pure).

Speech recognition on unseen voices gets about one word in six wrong, and the wrong word is
usually a near-word: "bowl" heard as "board" or "barrel", "red" as "med" or "read". A word that
names nothing in the scene, in a place where a colour or an object noun must stand, is matched
against the scene's own vocabulary by sound (metaphone codes, also with non-initial r dropped:
"barrel" and "bowl" both sound B-L) and by spelling (Damerau-Levenshtein distance), averaged. It is replaced only
when one candidate is clearly the closest, and every replacement is returned in words ("'board'
taken as 'bowl'") so that the reply can say what was assumed.

Never corrected: a word that names something present (a colour some object has, a noun of a
label present), a colour word into another colour ("the red cube" with no red cube is asked about,
not turned into the green one), and any word outside a colour / noun / region slot.
"""
from __future__ import annotations

import re
from typing import Iterable, Sequence

import jellyfish

from promptbot.scene import REGIONS, ObjectState
from promptbot.vocab import COLORS, COMMAND_WORDS, NOUN_LABELS, noun_labels

MATCH_FLOOR = 0.45      # a candidate below this similarity is no match ('board' ~ 'bowl': 0.45)
CLEAR_LEAD = 0.08       # the best candidate must beat the next by this much
# Words that are never a misheard colour or noun: determiners, quantifiers and adjectives that
# stand in the same places ("the small cube", "the other bowl").
KEEP = frozenset("""the a an this that these those any each every all both some no one ones other another same
matching leftmost rightmost small big large little tiny last first second third next empty whole
left right front back center middle top bottom base side far near of and or to in on into onto
beside besides behind between above below under underneath beneath atop inside outside against opposite
it them its their there here with for from by at out off up down where when while whose
wooden plastic metal shiny dark bright light pale tall short heavy round flat nearest closest farthest
furthest new old only single lone remaining two three four five
sorry wait mean meant actually instead rather oops er erm uh um hmm
stay stays remain remains stays
thing things object objects item items piece pieces stuff goes go very exactly
water coffee tea juice milk soup wine beer soil dirt sand garden faucet sink car garage kitchen fridge door
window room house shop store biggest largest smallest littlest tiniest best robot robots arm gripper
color colour colored coloured colors colours
then after before too also
narrow thin thick skinny chunky huge wee fine okay yes yeah""".split())
# correction words, fillers and "stays" are never nouns or colours ("the same coloured bowl" had become "the same red
# bowl"); "the green thing" is any green object to move,
# never a bowl ("thing" taken as "bowl"), "goes" after a colour is not "box" ("Blue goes down first"), and places and
# stuff away from the table ("the garden", "the tap") are refused, not heard as a container; sizes and shapes ("the thin
# block", "the chunky one") and replies ("the orange? fine." is not "the orange bin") are words people say; "wide" and
# "great" are not: a recogniser writes them for "white" and "gray"


# words that may follow an object noun: "in the bowel", "the bull that matches it"
_PHRASE_ENDS = frozenset(", . ; : ! ? and then please thanks but or in into on onto to next near that which with first too"
                         .split())


def _sounds(word: str) -> set[str]:
    """Metaphone codes, as spoken and with non-initial r dropped (non-rhotic speech: "barrel" ~ "bowl")."""
    return {jellyfish.metaphone(word), jellyfish.metaphone(word[:1] + re.sub("r", "", word[1:]))} if word else set()


def _alike(a: str, b: str, dist) -> float:
    return 1.0 - dist(a, b) / max(len(a), len(b), 1)


# What recognisers write for a few of the scene's words that spelling and metaphone do not bring close: "cyan"
# (say "SY-an") is heard as "sion" / "scion" / "sign", "gray" as "great", "cube" as "queue" or "cue".
HEARD_AS = {
    "cyan": frozenset("sion scion sign sian psion zion sayan cyane siam cayenne kyan siren".split()),
    "gray": frozenset("great grade grain greig".split()),
    "cube": frozenset("queue cue cute kube cubed tube tubes".split()),
    "bowl": frozenset("bull ball bowel bold bole boll roll".split()),
    "red": frozenset("read rid rod".split()),
    "blue": frozenset("blew blu".split()),
    "pink": frozenset("ping pinc".split()),
    "tray": frozenset("trade trey tree trait train".split()),
    "orange": frozenset("orinj orenj orinje".split()),
    "white": frozenset("wide wight".split()),
}
HEARD_AS_SIMILARITY = 0.8
# A colour the recogniser wrote as two words ("yell oh cube", "sigh an block"): joined before anything is matched
SPLIT_WORDS = tuple((re.compile(pat), word) for pat, word in (
    (r"\byell(?:ow)? oh\b", "yellow"), (r"\b(?:sigh|sy|psy) an\b", "cyan"), (r"\bor ange\b", "orange"),
    (r"\bpur pull\b|\bpurr pull\b|\bper pull\b", "purple")))


# What recognisers write for the small words of a self-correction or a reference back, where the phrase as heard
# means nothing ("..., no weight, green bowl", "in the red bowl, nowhere, the green bowl", "actually know, leave
# ...", "in the order one", "put the under two in ..."): the phrase as said.
MISHEARD_PHRASES = tuple((re.compile(pat), words) for pat, words in (
    (r"\bno weight\b", "no wait"), (r"\bnowhere(?=\s*,)", "no wait"), (r"\bactually know\b", "actually no"),
    (r"\bthe (?:order|under|udder) (?=(?:one|ones|two|three)\b)", "the other "),
    (r",\s*(?:air|uh|ah)\s*,", ", er,"), (r"\bno,? actual\b(?!ly)", "no, actually"), (r"\bactually,? go(?=\s*,)", "actually no"),
    (r"\bi won'?t want\b", "i don't want"), (r"\b(?:mice|nice|bice|vise|vice) versa\b", "vice versa"),
    (r"\bof it'?s own\b", "of its own"), (r"\bin it'?s own\b", "in its own"),
    # "stock them up", "stock every cube": stack; "the to cubes": two; "over two the mug": to; "on top off": of
    (r"\bstock (?=(?:the|them|every|all|up|it|those|these)\b)", "stack "),
    (r"\bthe to (?=(?:cubes|blocks|legos|ones)\b)", "the two "),
    (r"\btwo (?=the\b)", "to "), (r"\bon top off\b", "on top of"),
    # "every cute but the green one", "the only cute on the left", "cutes": cube after a quantifier (no colour to
    # place it in a colour-noun slot)
    (r"\b(every|each|only|other|all the|the two|the three|both) (?:cute|queue)\b", r"\1 cube"),
    (r"\bcutes\b", "cubes")))


def joined(text: str) -> str:
    """``text`` with the split colour words of :data:`SPLIT_WORDS` joined ("stack the yell oh cube" -> "... yellow cube")
    and the misheard small words of :data:`MISHEARD_PHRASES` restored ("..., no weight, the green bowl" -> "no wait")."""
    for pat, word in SPLIT_WORDS:
        text = pat.sub(word, text)
    for pat, words in MISHEARD_PHRASES:
        text = pat.sub(words, text)
    return text


def similarity(heard: str, word: str) -> float:
    """How alike two words are, in [0, 1]: the mean of spelling (Damerau-Levenshtein) and sound (metaphone);
    a known mishearing of ``word`` (``HEARD_AS``) is at least ``HEARD_AS_SIMILARITY``."""
    if heard == word:
        return 1.0
    if heard in HEARD_AS.get(word, ()):
        return HEARD_AS_SIMILARITY
    spell = _alike(heard, word, jellyfish.damerau_levenshtein_distance)
    sound = max(_alike(a, b, jellyfish.levenshtein_distance) for a in _sounds(heard) for b in _sounds(word))
    return (spell + sound) / 2


def closest(heard: str, candidates: Iterable[str]) -> str | None:
    """The one candidate clearly closest to ``heard`` (None when none is close, or two are as close)."""
    scored = sorted(((similarity(heard, c), c) for c in set(candidates)), reverse=True)
    if not scored or scored[0][0] < MATCH_FLOOR:
        return None
    if len(scored) > 1 and scored[0][0] - scored[1][0] < CLEAR_LEAD:
        return None
    return scored[0][1]


# the recogniser's words for a colour (HEARD_AS) that are taken for it even alone, in a list of colours
_MOVE_VERBS = frozenset("put place move stack set drop pop take get slide push shift stick".split())
_BARE_HEARD = {w: c for c, words in HEARD_AS.items() for w in words if w in ("read", "blew", "sign", "sion", "scion")}
_BARE_BEFORE = frozenset(", ; : then and in into on onto to the".split()) | {""}
TYPO_FLOOR = 0.7       # a word outside any slot is taken as a colour only this close ('geen' ~ 'green' 0.73)
SLOT_FLOOR = 0.33      # after a colour, a word must name one of that colour's objects: a lower floor ...
SLOT_LEAD = 0.15       # ... when one kind of object is this far ahead of every other kind ("orange wall" -> bowl)


def closest_label(heard: str, labels: Iterable[str]) -> str | None:
    """The object label whose nouns sound and spell clearly closest to ``heard`` (a word in a noun slot after a
    colour: only the labels of objects of that colour). Kinds are compared, not synonyms: "wall" is 0.38 from
    "bowl" and 0.17 from the nearest word for a cube, so with an orange cube and an orange bowl it is the bowl."""
    scored = sorted(((max(similarity(heard, n) for n in _nouns_for([lab])), lab) for lab in set(labels)), reverse=True)
    if not scored or scored[0][0] < SLOT_FLOOR:
        return None
    if len(scored) > 1 and scored[0][0] - scored[1][0] < SLOT_LEAD:
        return None
    return scored[0][1]


def _nouns_for(labels: Iterable[str]) -> set[str]:
    labels = set(labels)
    return {n for n, labs in NOUN_LABELS.items() if labs[0] in labels} | labels


def correct_words(words: Sequence[str], objects: Sequence[ObjectState]) -> tuple[list[str], list[str]]:
    """``words`` with misheard colour, noun and region words replaced, and what was assumed.

    * colour slot (the word before an object noun): a word that is not a colour of an object with
      that noun -> the closest such colour ("med cube" -> "red cube");
    * noun slot (the word after a colour of the scene): a word that is not a noun of an object of that
      colour -> the closest such noun ("pink board" -> "pink bowl", "brown black" -> "brown block");
    * region slot ("to the write"): the closest region word.
    """
    out = list(words)
    said: list[str] = []
    colours = {o.color for o in objects}
    labels = {o.label for o in objects}

    def known(w: str) -> bool:
        return w in KEEP or not w.isalpha() or len(w) < 3

    for k, w in enumerate(out):
        prev = out[k - 1] if k > 0 else ""
        nxt = out[k + 1] if k + 1 < len(out) else ""
        if known(w) or w in colours or set(noun_labels(w)) & labels:
            continue
        fix = None
        nlabs = set(noun_labels(nxt)) & labels
        if nlabs and w not in NOUN_LABELS:
            if w in COLORS:
                continue       # a colour said is the colour meant: an absent one is asked about, not guessed
            # a colour slot: only colours of objects that the noun names
            fix = closest(w, {o.color for o in objects if o.label in nlabs})
        elif prev in colours and not noun_labels(w) or (prev in colours and w in COLORS):
            fix = closest(w, _nouns_for(o.label for o in objects if o.color == prev)) or \
                closest_label(w, (o.label for o in objects if o.color == prev))
        elif prev == "the" and k >= 2 and (
                out[k - 2] in ("to", "towards", "toward", "at") and
                (not nxt or not nxt.isalpha() or nxt in ("side", "of", "and", "then", "hand"))
                or out[k - 2] == "on" and nxt in ("side", "hand")):
            # ("over on the write hand side": the right; "on the trey" stays a noun slot)
            fix = closest(w, REGIONS)
        elif prev == "on" and nxt == "of":
            fix = closest(w, ("top",))
        elif prev in ("the", "a") and (nxt in ("one", "ones") or nxt in ("and", "or", ",") and k + 2 < len(out) and
                                       (out[k + 2] in colours or _BARE_HEARD.get(out[k + 2]) in colours or
                                        out[k + 2] == "the" and k + 3 < len(out) and out[k + 3] in colours)) and \
                w not in COMMAND_WORDS and w not in COLORS:
            # ("put the blew and sign cubes in the white bowel": a list of two misheard colours; blew had become a bowl)
            # "on the read one", "the yellow the blew and the green ones": a colour slot before "one", or in a list
            # of colours; only a very close match to a colour of the scene
            col = closest(w, colours)
            if col is not None and similarity(w, col) >= TYPO_FLOOR:
                fix = col
        elif prev == "the" and _BARE_HEARD.get(w) is not None and k >= 2 and out[k - 2] in _MOVE_VERBS and \
                nxt in ("on", "onto", "in", "into", "next", "to", "at", "beside", "near"):
            # "then put the blew on it": the thing moved, a colour said alone (it had become a bowl, and the tower lost it;
            # a colour the scene lacks is then asked about, not dropped)
            fix = _BARE_HEARD[w]
        elif prev in ("the", "a", "an", "same", "other") and w not in COLORS and not noun_labels(w) and \
                w not in COMMAND_WORDS and \
                (not nxt or nxt in _PHRASE_ENDS):
            # "in the bowel": a noun slot at the end of a phrase
            fix = closest(w, _nouns_for(labels))
        elif prev in ("the", "a", "an", "", ",", ".", ";", ":", "and", "then") and w not in COLORS and \
                w not in COMMAND_WORDS and nxt.isalpha() and \
                not known(nxt) and nxt not in COMMAND_WORDS and not noun_labels(nxt) and nxt not in COLORS:
            # "the yellw bull": a colour slot and a noun slot both misheard; the pair is taken only when the
            # colour is one of the scene's, clearly, and the noun then clearly one of that colour's objects (also at
            # the start of a clause: "blew cute in the yellow bowl, yellow cute in the blew bowl")
            col = closest(w, colours)
            noun = col and (closest(nxt, _nouns_for(o.label for o in objects if o.color == col)) or
                            closest_label(nxt, (o.label for o in objects if o.color == col)))
            if col and noun and similarity(w, col) >= TYPO_FLOOR:
                out[k + 1] = noun
                said.append(f"{nxt!r} taken as {noun!r}")
                fix = col
        elif _BARE_HEARD.get(w) in colours and (nxt in COLORS or prev in COLORS or prev in ("up", "then")):
            # a colour in a list of colours, heard as a word ("stack the read green and yellow cubes", "stack them up
            # read on top then purple"): only the recogniser's usual words for a colour the scene has
            fix = _BARE_HEARD[w]
        elif w not in COMMAND_WORDS and not noun_labels(w) and w not in COLORS and \
                prev in _BARE_BEFORE and (not nxt or nxt in _PHRASE_ENDS):
            # a bare colour misspelt or misheard ("then geen", "blue in reed"): only a very close match, and
            # closer to that colour than to any object noun ("bull" is nearer "bowl" than "blue")
            col = closest(w, colours)
            nearest_noun = max((similarity(w, n) for n in _nouns_for(labels)), default=0.0)
            if col is not None and similarity(w, col) >= TYPO_FLOOR and similarity(w, col) > nearest_noun:
                fix = col
        if fix is not None and fix != w:
            out[k] = fix
            said.append(f"{w!r} taken as {fix!r}")
    return out, said
