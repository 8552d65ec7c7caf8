"""Text similarity: MinHash signatures of word shingles, and their LSH band keys (the Redis store's candidate
look-up; the SQLite store screens every article of the window with the signatures themselves).

Parameters, from the replicas (kp40, vest, kaluga24; Jaccard of the exact shingle sets, see bench/stories_bench.py):

* ``SHINGLE_SIZE = 3`` words.  Rewrites of one press release score 0.41–0.50; template twins of one outlet 0.24–0.53 (they are
  *more* alike than some rewrites, so similarity only proposes candidates and the facts decide); unrelated
  articles sharing stock phrases score up to 0.33.  Single words and word pairs blur that (every Kaluga article
  shares «в калужской области»), longer shingles drop reworded rewrites below the unrelated ones.
* ``NUM_PERM = 128``: the Jaccard estimate of a pair then has a standard error of about 0.04 at J = 0.45.
* ``BANDS = 64`` bands of ``ROWS = 2`` (all 128 permutations): two texts become candidates with probability
  1 − (1 − J²)⁶⁴: 0.983 at J = 0.25, 0.9977 at J = 0.3, 0.99998 at J = 0.4. With 32 bands (0.95 at J = 0.3) a
  replica rewrite pair whose signatures agree on 20 of the first 64 values shared no band: one miss in twenty at
  that similarity is too many for a 0.90 recall target over all pairs. Unrelated pairs (J ≈ 0.1) are candidates
  47 % of the time; the numpy screen and verification reject them, and the time window bounds their number.
"""

from __future__ import annotations

import zlib
from functools import lru_cache

import numpy as np

from newscrawler.stories.text import normalised_words

SHINGLE_SIZE = 3
NUM_PERM = 128
BANDS = 64
ROWS = 2
#: The permutations' seed: fixed, so signatures in a persistent index compare across processes and runs.
SEED = 1

# MinHash written out on numpy, on datasketch's "affine32" scheme (seed 1): each shingle's 32-bit hash, pre-mixed
# with the MurmurHash3 finalizer, goes through NUM_PERM affine permutations h -> a·h + b (mod 2^32, odd a); the
# signature is the minimum per permutation (a shingle repeated in the text changes no minimum, so the shingles
# need not be made a set).  A shingle's hash is built from its words' hashes — the CRC-32 (zlib) of each word,
# spread by the finalizer, weighted by its place in the shingle — so that no shingle string is ever built:
# 0.09 ms per replica article against 0.13 ms hashing each shingle's text.  Not the datasketch package itself:
# importing it imports scipy (355 modules, +56 MB of memory in every crawl process: ru_maxrss 71 → 127 MB),
# which alone would break the crawl's 150 MB budget. tests/test_stories.py pins the signatures: they live in a
# persistent index, whose stores drop evidence of another SIGNATURE_SCHEME.
SIGNATURE_SCHEME = "minhash-affine32-seed1-128-crc32-word-3-shingles"
_FMIX = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))
#: Odd 32-bit multipliers weighting a word's hash by its place in a shingle (any fixed odd constants do).
_SHINGLE_PLACE_MIX = (np.uint32(0x9E3779B1), np.uint32(0x85EBCA77), np.uint32(0xC2B2AE3D))
_NO_SHINGLE = np.full(NUM_PERM, 0xFFFFFFFF, dtype=np.uint32)


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """(a, b) of the NUM_PERM permutations, drawn once from the fixed seed (drawing them costs more than
    hashing a whole article)."""
    generator = np.random.RandomState(SEED)
    a = generator.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


def _fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer (a bijection that spreads weak input hashes); wraps mod 2^32."""
    s1, m1, s2, m2, s3 = _FMIX
    values = values ^ (values >> s1)
    values = values * m1
    values = values ^ (values >> s2)
    values = values * m2
    return values ^ (values >> s3)


def shingle_hashes(words: list[str]) -> np.ndarray:
    """One 32-bit hash per run of SHINGLE_SIZE consecutive words (a text shorter than that is one shingle)."""
    with np.errstate(over="ignore"):
        word_hashes = _fmix32(np.array([zlib.crc32(word.encode("utf-8")) for word in words], dtype=np.uint32))
        count = max(1, len(words) - SHINGLE_SIZE + 1)
        hashes = np.zeros(count, dtype=np.uint32)
        for place, weight in enumerate(_SHINGLE_PLACE_MIX[:min(len(words), SHINGLE_SIZE)]):
            hashes += word_hashes[place:place + count] * weight
        return _fmix32(hashes)


def signature(text: str) -> np.ndarray:
    """MinHash signature (``NUM_PERM`` uint32 values) of the text's word shingles."""
    words = normalised_words(text)
    if not words:
        return _NO_SHINGLE.copy()
    a, b = _permutations()
    with np.errstate(over="ignore"):
        permuted = shingle_hashes(words)[:, None] * a + b  # shingles × permutations, mod 2^32
    return permuted.min(axis=0)


#: Odd 64-bit multipliers mixing a band's number and its two values into its key (any fixed odd constants do).
_BAND_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x165667B19E3779F9))
_BAND_NUMBERS = np.arange(BANDS, dtype=np.uint64)


def band_keys(sig: np.ndarray) -> list[int]:
    """One key per LSH band: a 31-bit hash of the band's number and its ROWS (= 2) values, all bands at once
    (fits SQLite's 4-byte integers; a collision only adds a candidate, which verification rejects)."""
    rows = sig[:BANDS * ROWS].astype(np.uint64).reshape(BANDS, ROWS)
    first, second, band_mix = _BAND_MIX
    with np.errstate(over="ignore"):
        mixed = rows[:, 0] * first ^ rows[:, 1] * second ^ _BAND_NUMBERS * band_mix
    return (mixed >> np.uint64(33)).astype(np.int64).tolist()


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a == b)) / len(a)


def signature_to_bytes(sig: np.ndarray) -> bytes:
    return sig.astype("<u4").tobytes()


def signature_from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<u4").astype(np.uint32)
