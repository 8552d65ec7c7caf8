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

from functools import lru_cache
from hashlib import blake2b, sha1

import numpy as np
from datasketch import MinHash

from newscrawler.stories.text import normalised_words

SHINGLE_SIZE = 3
NUM_PERM = 128
#: Named, not defaulted: signatures live in a persistent index, and datasketch's default scheme has changed
#: before (2.0.0); a different scheme would silently make old and new signatures incomparable.
MINHASH_SCHEME = "affine32"
BANDS = 32
ROWS = 2


#: The MurmurHash3 32-bit finalizer datasketch's "affine32" scheme pre-mixes every input hash with.
_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))
_EMPTY = np.full(NUM_PERM, 0xFFFFFFFF, dtype=np.uint32)   # datasketch's value for an empty set
_BAND_PREFIXES = [bytes([band]) for band in range(BANDS)]
_BAND_BYTES = ROWS * 4


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    # datasketch draws them from a fixed seed, so signatures are stable across processes and runs; made once
    # here because drawing them costs more than hashing a whole article.
    a, b = MinHash(num_perm=NUM_PERM, scheme=MINHASH_SCHEME).permutations
    return a, b


def signature(text: str) -> np.ndarray:
    """MinHash signature (``NUM_PERM`` uint32 values) of the text's word shingles.

    Bit for bit what ``datasketch.MinHash(scheme="affine32").update_batch`` gives for the encoded shingles (a test
    checks it), computed here without its per-call overhead: one SHA-1 per shingle joined into one buffer instead
    of a ``struct.unpack`` each, no de-duplicating set (a repeated shingle cannot change a minimum) and no
    MinHash object — 90 → 40 µs for a 90-word article (bench/stories_bench.py)."""
    words = [word.encode("utf-8") for word in normalised_words(text)]
    if not words:
        return _EMPTY.copy()
    size = min(SHINGLE_SIZE, len(words))
    digests = b"".join([sha1(b" ".join(words[i:i + size])).digest() for i in range(len(words) - size + 1)])
    # datasketch's sha1_hash32: the first 4 bytes of each 20-byte digest, little-endian.
    hashed = np.frombuffer(digests, dtype="<u4")[::5].astype(np.uint32)
    s1, m1, s2, m2, s3 = _FMIX32
    hashed = hashed ^ (hashed >> s1)
    hashed = hashed * m1
    hashed = hashed ^ (hashed >> s2)
    hashed = hashed * m2
    hashed = hashed ^ (hashed >> s3)
    a, b = _permutations()
    return (hashed[:, np.newaxis] * a + b).min(axis=0)  # uint32 arithmetic wraps, as in datasketch


def band_keys(sig: np.ndarray) -> list[int]:
    """One key per LSH band: a 31-bit hash of the band's number and values (fits SQLite's 4-byte integers; a
    collision only adds a candidate, which verification rejects)."""
    data = sig.astype("<u4", copy=False).tobytes()
    return [int.from_bytes(blake2b(prefix + data[band * _BAND_BYTES:(band + 1) * _BAND_BYTES],
                                   digest_size=4).digest(), "big") >> 1
            for band, prefix in enumerate(_BAND_PREFIXES)]


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a == b)) / len(a)


def signature_to_bytes(sig: np.ndarray) -> bytes:
    return sig.astype("<u4").tobytes()


def signature_from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<u4").astype(np.uint32)
