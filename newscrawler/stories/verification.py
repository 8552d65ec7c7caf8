"""Verification of a candidate pair: are two similar texts one story, or template look-alikes?

Text similarity proposes candidates; this step decides, on principles rather than on tuned pages:

1. **Time.**  Outlets carry a press release within hours or days; texts further apart than the window are
   different stories whatever they say.  Closeness alone proves nothing: a template repeats on consecutive days.
2. **Conflicting facts.**  Two texts about one event report the same dates, times, streets, numbers and names.
   A rewrite *cuts* some of them and *adds* a line of its own, so its facts differ from the original's on one
   side at a time; template twins differ on *both* sides (15 июня vs 20 июля, ул. Болотникова vs ул. Гагарина).
   So a kind of fact conflicts when each text reports one the other lacks.  Dates, times and streets are read
   by exact patterns and a rewrite has no reason to change them: one mismatch each way is a conflict.  Numbers,
   weekdays and names come from looser reading (spelled-out numbers, capitalised sentence openings, stemming),
   so one stray mismatch each way is forgiven where that kind otherwise agrees (at least two shared).
3. **Positive evidence.**  Without a conflict the texts must still show they are one story: either most of the
   facts of the sparser text recur in the other (a rewrite keeps its press release's facts however much the
   wording changes), or the texts are near copies.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from newscrawler.stories.facts import Facts
from newscrawler.stories.similarity import estimated_jaccard

#: Fact kinds read by exact patterns: a single mismatch each way means different events.
EXACT_KINDS = ("dates", "times", "streets")
#: Fact kinds read loosely: one mismatch each way is noise when the kind otherwise agrees.
LOOSE_KINDS = ("numbers", "weekdays", "names")
#: How many shared facts of a loose kind make one mismatch each way forgivable.
AGREEMENT_TO_FORGIVE = 2
#: Positive evidence from facts: at least this many shared facts ...
MIN_SHARED_FACTS = 3
#: ... covering at least this share of the sparser text's facts (a rewrite keeps most of them).
MIN_FACT_OVERLAP = 0.5
#: Below this 3-shingle Jaccard the texts are not about one story (rewrites in the data: ≥ 0.41; unrelated
#: articles sharing stock phrases reach 0.33, so facts must carry the decision in between).
MIN_TEXT_SIMILARITY = 0.2
#: At or above this Jaccard the texts are near copies; that alone is positive evidence (conflicts still veto).
NEAR_COPY_SIMILARITY = 0.7


@dataclass(frozen=True)
class ArticleEvidence:
    """What verification needs to know of an article; the index stores exactly this."""

    published_at: datetime
    signature: np.ndarray
    facts: Facts


@dataclass(frozen=True)
class Verdict:
    same_story: bool
    reason: str
    similarity: float


def conflicting_kinds(a: Facts, b: Facts) -> list[str]:
    """Kinds of fact in which each text reports something the other does not (see the module's rule 2)."""
    conflicts = []
    for kind in EXACT_KINDS + LOOSE_KINDS:
        facts_a, facts_b = getattr(a, kind), getattr(b, kind)
        mismatch = min(len(facts_a - facts_b), len(facts_b - facts_a))
        forgiven = 1 if kind in LOOSE_KINDS and len(facts_a & facts_b) >= AGREEMENT_TO_FORGIVE else 0
        if mismatch > forgiven:
            conflicts.append(kind)
    return conflicts


def fact_overlap(a: Facts, b: Facts) -> tuple[int, float]:
    """Shared facts (all kinds, each tagged with its kind) and their share of the sparser text's facts."""
    tagged_a = {(kind, value) for kind, values in a.by_kind().items() for value in values}
    tagged_b = {(kind, value) for kind, values in b.by_kind().items() for value in values}
    shared = len(tagged_a & tagged_b)
    smaller = min(len(tagged_a), len(tagged_b))
    return shared, (shared / smaller if smaller else 0.0)


def verify(a: ArticleEvidence, b: ArticleEvidence, max_gap: timedelta) -> Verdict:
    similarity = estimated_jaccard(a.signature, b.signature)
    if abs(a.published_at - b.published_at) > max_gap:
        return Verdict(False, "published too far apart", similarity)
    if similarity < MIN_TEXT_SIMILARITY:
        return Verdict(False, "texts not similar", similarity)
    conflicts = conflicting_kinds(a.facts, b.facts)
    if conflicts:
        return Verdict(False, "conflicting " + ", ".join(conflicts), similarity)
    if similarity >= NEAR_COPY_SIMILARITY:
        return Verdict(True, "near copy", similarity)
    shared, overlap = fact_overlap(a.facts, b.facts)
    if shared >= MIN_SHARED_FACTS and overlap >= MIN_FACT_OVERLAP:
        return Verdict(True, f"{shared} shared facts ({overlap:.0%})", similarity)
    return Verdict(False, f"too few shared facts ({shared}, {overlap:.0%})", similarity)


# --- screening: the part of verify() that can run on all candidates at once ---------------------------------
#
# The SQLite store offers every article of the window's days (~500 in the synthetic bench), and template
# look-alikes make many of them similar enough to need their facts checked: reading and checking each one in
# Python would cost milliseconds per article.  The screen below rejects, with numpy over all candidates at once,
# those that verify() would certainly reject: text similarity under MIN_TEXT_SIMILARITY, or a conflict in an
# exact fact kind proven by the kinds' bit masks (~0.07 ms for 500).  It never rejects a pair verify() accepts (a
# test checks it), so decisions do not change; only the few survivors are read in full and verified.

#: Bits of a fact-kind mask: 63, so that a mask is a non-negative SQLite / numpy 64-bit integer.
MASK_BITS = 63


def fact_mask(values: frozenset[str]) -> int:
    """A 63-bit Bloom-style mask of a set of facts (one bit per fact, by a hash stable across processes).
    ``mask(A) & ~mask(B) != 0`` proves that A has a fact B lacks; the converse does not hold (bits collide)."""
    mask = 0
    for value in values:
        mask |= 1 << (zlib.crc32(value.encode("utf-8")) % MASK_BITS)
    return mask


def exact_fact_masks(facts: Facts) -> tuple[int, ...]:
    """One mask per kind of EXACT_KINDS."""
    return tuple(fact_mask(getattr(facts, kind)) for kind in EXACT_KINDS)


def may_be_same_story(a: ArticleEvidence, signatures: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """The rows of the candidates, given by their signatures (n × NUM_PERM) and exact-kind masks
    (n × len(EXACT_KINDS)), that verify(a, candidate) might find the same story; every other row it would
    certainly reject (rules 2 and 3's text similarity)."""
    # equal values per row: summing the booleans as bytes is twice as fast as np.count_nonzero along an axis
    equal_values = (signatures == a.signature).view(np.uint8).sum(axis=1, dtype=np.uint16)
    similar = np.flatnonzero(equal_values >= MIN_TEXT_SIMILARITY * len(a.signature))
    own, theirs = np.array(exact_fact_masks(a.facts), dtype=np.int64), masks[similar]
    conflicting = ((own & ~theirs) != 0) & ((theirs & ~own) != 0)   # each side has a fact the other lacks
    return similar[~conflicting.any(axis=1)]
