"""The crisis screen: every message is checked before retrieval, and a crisis gets help first.

Two layers, each measured by `therapy-faq eval`:
1. Explicit patterns on normalised text (word boundaries, typo-tolerant spellings). Ambiguous
   words (die, kill me, end it) have idiom guards; a guard cancels only the match it overlaps.
   There is no negation handling: "I don't want to live" is a crisis.
2. Semantic similarity (same embedding model) to curated crisis examples, compared with ordinary
   examples and the FAQ's own questions, so indirect wording is caught. It can only add a
   crisis, never cancel a pattern match.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from therapy_faq.errors import FaqError

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


# --- resources ------------------------------------------------------------------------------


class Resource(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Text
    contact: Text
    region: Text
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = None


class CrisisResources(BaseModel):
    """What a person in crisis is shown: `data/crisis.yaml`, localisable by maintainers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    last_checked: date
    title: Text
    message: Text
    urgent: Text
    notice: Text
    resources: list[Resource] = Field(min_length=1)

    def to_json(self) -> dict[str, Any]:
        payload = self.model_dump(mode="json")
        payload["message"] = " ".join(self.message.split())
        return payload


def load_resources(path: Path) -> CrisisResources:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return CrisisResources.model_validate(data)
    except OSError as exc:
        raise FaqError(f"cannot read the crisis resources file {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise FaqError(f"{path}: YAML error: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}"
            for e in exc.errors()
        )
        raise FaqError(f"{path}: invalid crisis resources: {problems}") from None


class CrisisExamples(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    crisis: list[Text] = Field(min_length=1)
    ordinary: list[Text] = Field(min_length=1)


def load_examples(path: Path) -> CrisisExamples:
    try:
        return CrisisExamples.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise FaqError(f"invalid crisis examples file {path}: {exc}") from None


# --- layer 1: patterns ------------------------------------------------------------------------

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "@": "a", "$": "s"})


def normalise(text: str) -> str:
    """Lower case, plain apostrophes dropped (don't -> dont), leetspeak inside words undone."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[’‘`´']", "", text)
    words = [
        word.translate(_LEET) if re.search(r"[a-z]", word) and re.search(r"[0-9@$]", word) else word
        for word in text.split()
    ]
    text = " ".join(words)
    text = re.sub(r"(\w)\1{2,}", r"\1\1", text)  # sooooo -> soo
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


_SELF = r"(?:my ?self|me ?self|myslef)"
_PEOPLE = (
    r"(?:him|her|them|someone|somebody|people|everyone|everybody|"
    r"my (?:\w+ )?(?:therapist|counsell?or|wife|husband|partner|boyfriend|girlfriend|mom|mum|"
    r"mother|dad|father|boss|baby|kid|kids|child|children|son|daughter|family|brother|sister|"
    r"roommate|friend|neighbou?r|teacher|ex|coworkers?|classmates?))"
)
_INTENT = (
    r"(?:want(?:s|ed)? to|wanna|going to|gonna|will|plan(?:ning)? to|urges? to|"
    r"thoughts? (?:of|about)|thinking (?:of|about)|could|might|about to|ready to)"
)

EXPLICIT: dict[str, str] = {
    "suicide": (
        r"\bsu+i?[cs]+i?[dt]+(?:e|es|al|ality|ing|le|l|el|ial)\b|"
        r"\bsewer ?slide\b|\bun ?aliv(?:e|ed|ing)\b"
    ),
    "slang": r"\b(?:kms|kys|ctb)\b|\bcommit (?:die|dying|unalive|toaster bath)\b",
    "self-harm verb": (
        r"\b(?:kil+(?:ed|ing|in)?|hurt(?:ing|in)?|harm(?:ing)?|cut(?:ting|tin)?|burn(?:ed|t|ing)?|"
        r"starv(?:e|ing)|hang(?:ing)?|drown(?:ing)?|poison(?:ing)?|shoot(?:ing)?|off(?:ing)?|"
        r"end(?:ing)?|unaliv(?:e|ing)) " + _SELF + r"\b"
    ),
    "self-harm": (
        r"\bself ?harm\w*|\bself ?injur\w*|\bcut(?:ting)? (?:my|on my) (?:wrists?|arms?|legs?|"
        r"thighs?|skin)\b|\bslit\w* (?:my )?wrists?\b|\b(?:want(?:ing)?|urges?|need) to cut\b|"
        r"\bon purpose\b.{0,80}?\b(?:bleed|burn|cut|hurt)\w*|"
        r"\b(?:bleed|burn|cut|hurt)\w*\b.{0,80}?\bon purpose\b"
    ),
    "want to die": (
        r"\b(?:want(?:s|ed|ing)?|wanna|wish(?:ed)?|going|gonna|plan(?:ning)?|ready|deserve|tryna|"
        r"trying) (?:to )?(?:die|be dead|not (?:be )?(?:alive|here|exist))\b"
    ),
    "wish dead": (
        r"\bwish (?:i|id) (?:was|were|had) (?:dead|never been born|not been born|never existed)\b|"
        r"\bwish i (?:could )?(?:die|disappear forever)\b|\bwish i (?:was|were) never born\b|"
        r"\b(?:id|i would) rather be dead\b"
    ),
    "not live": (
        r"\b(?:dont|do not|no longer|never|not) (?:really )?(?:want|wanna|wish) (?:to )?(?:live|"
        r"be alive|exist|be here|wake up|go on|keep going|keep living)\b|"
        r"\b(?:tired|sick) of (?:living|being alive|life|existing)\b"
    ),
    "no point living": (
        r"\b(?:no|whats the|what is the|not any) (?:point|reason|purpose) (?:in |of |to )?"
        r"(?:living|live|being alive|going on|keep(?:ing)? going|life)\b|"
        r"\bnot worth (?:living|it anymore)\b|\blife (?:isnt|is not|aint) worth (?:living|it)\b|"
        r"\b(?:cant|cannot|can not) (?:go on|keep going|do this anymore|take (?:it|this) anymore|"
        r"live like this)\b"
    ),
    "end life": (
        r"\bend(?:ing|ed)? (?:my|his|her|their) (?:own )?(?:life|lives)\b|\bend(?:ing)? it all\b|"
        r"\btak(?:e|ing) (?:my|his|her|their) (?:own )?life\b"
    ),
    "never wake": r"\bnever wake up\b|\bsleep forever\b|\b(?:wont|will not|dont|do not) wake up\b",
    "disappear": (
        r"\bdisappear(?:ing)? (?:forever|for good|permanently)\b|\bgone forever\b|"
        r"\bif i (?:was|were) gone\b|\bwhen im gone\b|\bif i died\b"
    ),
    "better off": (
        r"\bbetter off (?:dead|without (?:me|him|her|them))\b|"
        r"\b(?:relieved|happier|easier) if i (?:was|were|wasnt|werent|died|disappeared|"
        r"was gone|wasnt here)\b|\bim (?:such )?a burden\b|"
        r"\bburden (?:to|on) (?:everyone|everybody|my family)\b"
    ),
    "method": (
        r"\bhow many (?:\w+ )?(?:pills|tablets|capsules|meds)\b|\bleth?al dose\b|\boverdos\w*|"
        r"\bod (?:on|with)\b|\bnoose\b|\bjump (?:off|from|in front of)\b|"
        r"\bhigh enough to (?:jump|die|kill)\b|\bstockpil\w* (?:my )?(?:pills|meds|medication)|"
        r"\bsav(?:e|ing) up (?:my )?(?:pills|meds)\b|"
        r"\b(?:best|easiest|painless|quickest|fastest|surest) way to (?:die|kill|end)\b|"
        r"\bkill (?:yourself|urself|your self)\b"
    ),
    "goodbye": (
        r"\b(?:this is|saying|say) (?:my )?(?:final |last )?goodbye\b|"
        r"\bgoodbye (?:everyone|everybody|forever|world|cruel world|all)\b|"
        r"\b(?:final|last) (?:message|note|words|goodbye|letter)\b|\bsuicide note\b|"
        r"\bgoodbye (?:note|letter|message|text)s?\b|\btexted (?:me )?goodbye\b|"
        r"\b(?:wont|will not) be (?:here|around) (?:much longer|anymore|tomorrow|for long)\b|"
        r"\bgiving away (?:all )?(?:my|his|her) (?:stuff|things|belongings|possessions)\b|"
        r"\bby the time (?:anyone|you|someone) reads? this\b|\bill be gone\b"
    ),
    "harm others": (
        r"\b(?:kill|murder|stab|shoot|strangle|poison)(?:ing)? " + _PEOPLE + r"\b|"
        r"\b" + _INTENT + r" (?:hurt|harm|attack|beat up|shoot|stab) " + _PEOPLE + r"\b"
    ),
    "someone in danger": (
        r"\b(?:kill|hurt|harm|cut|off|unaliv)\w* (?:him|her|them|their)sel(?:f|ves)\b|"
        r"\b(?:took|swallowed|taken) (?:a bunch of|a lot of|too many|all (?:of )?(?:his|her|their|"
        r"my|the)|a whole bottle of) (?:pills|meds|tablets)\b|\bwants? to die\b|"
        r"\b(?:threaten\w*|talk\w* about|thinking about|planning) (?:to )?"
        r"(?:suicide|jump\w*|kill\w*|end\w* (?:his|her|their) life)"
    ),
    "danger to me": (
        r"\b(?:threaten\w*|trying|tried|wants?) (?:to )?(?:kill|hurt|hit|beat|rape|strangle|choke) "
        r"me\b(?! with (?:\w+ )?(?:eyes|looks?|stares?|kindness|jokes|questions))|"
        r"\b(?:he|she|they) (?:hits|beats|chokes|rapes|hurts) me\b|"
        r"\bnot safe (?:at home|with (?:him|her|them)|in my (?:house|home))\b|\bim not safe\b"
    ),
}

# Ambiguous words: a crisis unless an idiom guard overlaps the very match.
GUARDED: dict[str, tuple[str, list[str]]] = {
    "die about me": (
        r"\b(?:i|im|i am|ill|id|me)\b(?: \w+){0,3}? (?:die|died|dying|dead)\b",
        [
            r"\bdying (?:to|for)\b",
            r"\b(?:die|died|dying) (?:for|of|laughing|from)\b",
            r"\bdead (?:tired|inside|serious|wrong|giveaway|on|set)\b",
            r"\bto die for\b",
        ],
    ),
    "kill me": (
        r"\bkill(?:ing)? me\b",
        [
            r"\b(?:is|are|s|was|were|its|it|this|that|they|these|those|you|youre|u|will|would|"
            r"gonna|going to|to) (?:\w+ )?kill(?:ing)? me\b",
            r"\bkill(?:ing)? me (?:softly|with)\b",
        ],
    ),
    "end it": (
        r"\b(?:gonna|going to|want to|wanna|will|plan(?:ning)? to|ready to|decided to|about to|"
        r"thinking (?:of|about)|should i) end(?:ing)? (?:it|things|everything)\b",
        [
            r"\bend(?:ing)? (?:it|things|everything) (?:with|between|early|there|here)\b",
        ],
    ),
}

_EXPLICIT = {name: re.compile(pattern) for name, pattern in EXPLICIT.items()}
_GUARDED = {
    name: (re.compile(pattern), [re.compile(g) for g in guards])
    for name, (pattern, guards) in GUARDED.items()
}


def pattern_match(text: str) -> str | None:
    """The name of the first crisis pattern in `text`, or None."""
    norm = normalise(text)
    for name, regex in _EXPLICIT.items():
        if regex.search(norm):
            return name
    for name, (regex, guards) in _GUARDED.items():
        guard_spans = [m.span() for g in guards for m in g.finditer(norm)]
        for match in regex.finditer(norm):
            start, end = match.span()
            if not any(s < end and start < e for s, e in guard_spans):
                return name
    return None


# --- layer 2: semantic similarity -------------------------------------------------------------

# Calibrated with `therapy-faq eval` on eval/crisis.yaml, eval/ordinary.yaml and the in-scope
# questions of eval/queries.yaml (see README, "Crisis screen").
SEMANTIC_FLOOR = 0.50  # below this, never a crisis by similarity
SEMANTIC_SURE = 0.70  # at or above this, a crisis whatever the ordinary examples say
SEMANTIC_MARGIN = 0.10  # in between: must beat the closest ordinary text by this much


@dataclass(frozen=True)
class Assessment:
    crisis: bool
    layer: Literal["pattern", "semantic"] | None = None
    reason: str | None = None


_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\s*\n\s*|,\s+(?:and|but|so)\s+")


def sentences(text: str, limit: int = 8) -> list[str]:
    """Clauses of a long message, so one crisis sentence is not diluted by the rest."""
    parts = [p.strip() for p in _SENTENCE.split(text) if p and len(p.split()) >= 2]
    return parts[:limit] if len(parts) > 1 else []


class CrisisScreen:
    """Decides whether a message is a crisis. Vectors are unit-norm rows of the same model."""

    def __init__(self, crisis_vectors: np.ndarray, ordinary_vectors: np.ndarray) -> None:
        self.crisis_vectors = crisis_vectors
        self.ordinary_vectors = ordinary_vectors

    def semantic(self, vectors: np.ndarray) -> float | None:
        """The crisis similarity of the first row that counts as a crisis, or None.

        A row counts when it is very close to a crisis example, or fairly close and clearly
        closer to a crisis example than to any ordinary text.
        """
        best_crisis = (vectors @ self.crisis_vectors.T).max(axis=1)
        lead = best_crisis - (vectors @ self.ordinary_vectors.T).max(axis=1)
        hits = (best_crisis >= SEMANTIC_SURE) | (
            (best_crisis >= SEMANTIC_FLOOR) & (lead >= SEMANTIC_MARGIN)
        )
        return float(best_crisis[hits].max()) if hits.any() else None

    def assess(self, text: str, vectors: np.ndarray) -> Assessment:
        """`vectors`: the message's vector, then one per clause (see `sentences`)."""
        name = pattern_match(text)
        if name is not None:
            return Assessment(True, "pattern", name)
        similarity = self.semantic(vectors)
        if similarity is not None:
            return Assessment(True, "semantic", f"close to a crisis example ({similarity:.2f})")
        return Assessment(False)
