"""Near-duplicate keys: MinHash over normalised word shingles, banded for LSH.

The bands are plain strings stored on each article and indexed, so finding candidates is
one indexed ``{"lsh": {"$in": bands}}`` query in whatever database holds the articles —
it works across runs and processes and scales with MongoDB instead of living in one
process's memory. Signatures are stored too, so a candidate's similarity is checked
without refetching or re-reading its text.

Changing NUM_PERM, SHINGLE, THRESHOLD or SEED changes every band: stored articles would no
longer match new ones until their keys are recomputed.
"""

from __future__ import annotations

import hashlib
import re
from array import array
from dataclasses import dataclass
from functools import cache
from typing import Any

_WORD = re.compile(r"\w+")

NUM_PERM = 128
SHINGLE = 3          # words per shingle
THRESHOLD = 0.8      # estimated Jaccard similarity from which two texts are near-duplicates
SEED = 1
MIN_SHINGLES = 10    # shorter texts (captions, stubs) are too generic to call duplicates

# 20 bands of 6 rows: a pair at similarity 0.8 shares a band with probability 0.998, at 0.5
# with 0.27, at 0.3 with 0.015 — candidates below THRESHOLD are then rejected by the
# signature check, so recall at the threshold matters more than candidate count.
BANDS, ROWS = 20, 6
# Pinned scheme: stored signatures must stay comparable across datasketch upgrades.
SCHEME = "affine32"


@cache
def _minhash_class() -> tuple[Any, Any]:
    """datasketch (with scipy, ~1.4 s to import) is loaded only by a process that computes
    signatures — a crawl — never by one that only compares or reads them (every command)."""
    from datasketch import MinHash

    return MinHash, MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations


def load_hashing() -> None:
    """For a long-running crawl process (``rasd worker``): load datasketch as it starts,
    not at its first article with the reactor held for a second."""
    _minhash_class()


@dataclass(frozen=True)
class Keys:
    signature: bytes       # NUM_PERM little-endian uint32 hash values
    bands: list[str]       # "band:hash" strings, one per LSH band


def shingles(text_norm: str) -> set[str]:
    """Word n-grams of a text already normalised by :func:`crawler.arabic.normalise`."""
    tokens = _WORD.findall(text_norm)
    if len(tokens) < SHINGLE:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i:i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1)}


def keys(text_norm: str) -> Keys | None:
    """MinHash signature and LSH bands of a normalised text (the pipelines' ``body_norm``);
    None when it is too short to compare."""
    grams = shingles(text_norm)
    if len(grams) < MIN_SHINGLES:
        return None
    minhash, permutations = _minhash_class()
    m = minhash(num_perm=NUM_PERM, seed=SEED, permutations=permutations, scheme=SCHEME)
    m.update_batch([g.encode("utf-8") for g in grams])
    values = m.hashvalues.astype("<u4")
    bands = [
        f"{b}:{hashlib.blake2b(values[b * ROWS:(b + 1) * ROWS].tobytes(), digest_size=8).hexdigest()}"
        for b in range(BANDS)
    ]
    return Keys(values.tobytes(), bands)


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two stored signatures (little-endian uint32 values;
    compared as 4-byte words, without numpy, which a reading command need not import)."""
    if len(a) != len(b) or not a:
        return 0.0
    va, vb = array("I", a), array("I", b)  # equality of words does not depend on byte order
    return sum(x == y for x, y in zip(va, vb, strict=True)) / len(va)
