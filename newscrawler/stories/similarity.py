"""Candidate search by text similarity: MinHash signatures of word shingles and their LSH band keys.

Parameters, from the replicas (kp40, vest, kaluga24; Jaccard of the exact shingle sets, see bench/stories_bench.py):

* ``SHINGLE_SIZE = 3`` words.  Rewrites of one press release score 0.41–0.50; template twins of one outlet 0.24–0.53 (they are
  *more* alike than some rewrites, so similarity only proposes candidates and the facts decide); unrelated
  articles sharing stock phrases score up to 0.33.  Single words and word pairs blur that (every Kaluga article
  shares «в калужской области»), longer shingles drop reworded rewrites below the unrelated ones.
* ``NUM_PERM = 128``: the Jaccard estimate of a pair then has a standard error of about 0.04 at J = 0.45.
* ``BANDS = 32`` bands of ``ROWS = 2`` (the first 64 permutations): two texts become candidates with probability
  1 − (1 − J²)³²: 0.95 at J = 0.3, 0.996 at J = 0.4, 0.9998 at J = 0.5, so a heavier rewrite than any in the data
  is still found, while 32 band keys per article keep the persistent index small.  Unrelated pairs (J ≈ 0.1) are
  candidates 28 % of the time; verification rejects them and the time window keeps their number bounded.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import numpy as np
from datasketch import MinHash

from newscrawler.stories.text import normalised_words, word_shingles

SHINGLE_SIZE = 3
NUM_PERM = 128
#: Named, not defaulted: signatures live in a persistent index, and datasketch's default scheme has changed
#: before (2.0.0); a different scheme would silently make old and new signatures incomparable.
MINHASH_SCHEME = "affine32"
BANDS = 32
ROWS = 2


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    # datasketch draws them from a fixed seed, so signatures are stable across processes and runs; made once
    # here because drawing them costs more than hashing a whole article.
    return MinHash(num_perm=NUM_PERM, scheme=MINHASH_SCHEME).permutations


def signature(text: str) -> np.ndarray:
    """MinHash signature (``NUM_PERM`` uint32 values) of the text's word shingles."""
    shingles = word_shingles(normalised_words(text), SHINGLE_SIZE)
    minhash = MinHash(num_perm=NUM_PERM, permutations=_permutations(), scheme=MINHASH_SCHEME)
    minhash.update_batch([shingle.encode("utf-8") for shingle in shingles])
    return minhash.hashvalues.astype(np.uint32)


def band_keys(sig: np.ndarray) -> list[int]:
    """One key per LSH band: a 31-bit hash of the band's number and values (fits SQLite's 4-byte integers; a
    collision only adds a candidate, which verification rejects)."""
    keys = []
    for band in range(BANDS):
        values = sig[band * ROWS:(band + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(bytes([band]) + values, digest_size=4).digest()
        keys.append(int.from_bytes(digest, "big") >> 1)
    return keys


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a == b)) / len(a)


def signature_to_bytes(sig: np.ndarray) -> bytes:
    return sig.astype("<u4").tobytes()


def signature_from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<u4").astype(np.uint32)
