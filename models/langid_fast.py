"""py3langid's `classify` label, several times faster, identical for every input (issue 19).

py3langid walks the UTF-8 bytes through a DFA in Python (one step per byte), counts the n-gram
features it emits, and scores each language j as the float32 value
    R_j = fl32( (log1p(counts) @ ptc[features])_j + pc_j )
keeping the first argmax. Two things make that slow on tweet-sized text: the per-byte walk and
half a dozen NumPy calls per text. This module removes both without changing any answer:

* Memoized walk. The bytes are split after each space; a chunk's walk depends only on the DFA
  state it starts in, so `(entry state, chunk) -> (exit state, features, packed sum)` is cached.
  Same features as py3langid, by construction.
* Exact integer sums. The model's float16 log-probabilities are integers once scaled by a power
  of two, so each feature row is packed into one Python int (one 32-bit lane per language, with
  a bias that keeps lanes non-negative). Adding packed ints adds all languages at once, exactly.
* A certified decision. From the exact sums we compute every score in float64 (E_j), and bound
  how far NumPy's float32 result can be from it: a dot product of k terms in any summation order,
  with or without FMA, is within gamma_k * sum|terms| of the exact value (Higham, Accuracy and
  Stability of Numerical Algorithms, 2nd ed., section 3.1), plus one rounding for `+ pc`, plus a
  generous allowance for float32 log1p (64 ulps). When the best E beats the second best by more
  than twice that bound, R's argmax is the same language. Otherwise (near-ties, no features,
  huge texts) we call py3langid's own `classify`, so the answer is always py3langid's.

Only the py3langid versions in TESTED, with the layout checked in `unsupported_reason`, take the
fast path; anything else uses `classify` for every text. Caches are bounded (two generations of
at most CAP entries each), so memory stays flat over a long replay.
"""

from __future__ import annotations

import math
import struct
from collections import Counter
from collections.abc import Callable, Hashable
from importlib import metadata
from typing import Any, Generic, TypeVar

import numpy as np

TESTED = frozenset({"0.4.0"})  # py3langid versions whose scoring this module reproduces
CHUNK_CAP = 16384  # (entry state, chunk) walks kept per generation (a quarter of that for last chunks)
TEXT_CAP = 8192  # whole texts kept per generation (exact copies: retweets, campaigns)
MAX_CHUNK_BYTES = 64  # longer chunks are walked but not cached
MAX_MEMO_CHARS = 512  # longer texts are not kept in the text memo
MAX_FAST_BYTES = 1 << 17  # longer texts go to py3langid directly (lane capacity, bound validity)
UNIT = 2.0**-24  # float32 unit roundoff
LOG1P_SLACK = 2.0**-18  # relative error allowed for NumPy's float32 log1p (64 ulps)
LANE_BITS = 32
BLOCK_ROWS = 4096  # model rows packed at a time
W1 = math.log1p(1.0)  # weight of a feature seen once

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TwoGenerationMemo(Generic[K, V]):
    """A dict bounded to 2 * cap entries that keeps what is still being used.

    New entries go to the current generation; when it is full it becomes the old one (the
    previous old one is dropped). A hit in the old generation is copied forward.
    """

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.current: dict[K, V] = {}
        self.old: dict[K, V] = {}

    def __len__(self) -> int:
        return len(self.current) + len(self.old)

    def rotate_if_full(self) -> None:
        if len(self.current) >= self.cap:
            self.old = self.current
            self.current = {}

    def recall(self, key: K) -> V | None:
        """Old-generation lookup (call after a miss in `current`); promotes a hit if there is room."""
        value = self.old.get(key)
        if value is not None and len(self.current) < self.cap:
            self.current[key] = value
        return value

    def keep(self, key: K, value: V) -> None:
        if len(self.current) < self.cap:
            self.current[key] = value


def unsupported_reason(identifier: Any) -> str | None:
    """Why the fast path cannot reproduce `identifier.classify`, or None when it can."""
    try:
        version = metadata.version("py3langid")
    except metadata.PackageNotFoundError:
        return "py3langid is not installed as a distribution"
    if version not in TESTED:
        return f"py3langid {version} is not in TESTED {sorted(TESTED)}"
    if getattr(identifier, "_norm_probs", True) or getattr(identifier, "min_confidence", 0) is not None:
        return "normalized probabilities or a confidence floor"
    if getattr(identifier, "_alias_pairs", None) != []:
        return "aliased labels"
    table, prior = getattr(identifier, "nb_ptc", None), getattr(identifier, "nb_pc", None)
    if not isinstance(table, np.ndarray) or table.dtype != np.float16 or table.ndim != 2:
        return "feature table is not a 2-d float16 array"
    if not isinstance(prior, np.ndarray) or prior.dtype != np.float32 or prior.shape != (table.shape[1],):
        return "class priors are not float32, one per class"
    if len(identifier.nb_classes) != table.shape[1]:
        return "classes and table columns differ"
    if not (np.isfinite(table).all() and np.isfinite(prior).all()):
        return "non-finite model values"
    if not isinstance(identifier.tk_output, list) or not isinstance(identifier._rowbase, list):
        return "unexpected DFA layout"
    if len(identifier.tk_output) != len(identifier._rowbase):
        return "unexpected DFA layout"
    return None


class FastLanguageIdentifier:
    """`label(text)` == `identifier.classify(text)[0]` for every str, faster."""

    def __init__(self, identifier: Any, chunk_cap: int = CHUNK_CAP, text_cap: int = TEXT_CAP) -> None:
        self.identifier = identifier
        self.classify: Callable[[str], tuple[str, float]] = identifier.classify
        self.reason = unsupported_reason(identifier)
        self.chunks: TwoGenerationMemo[tuple[int, bytes], tuple[int, tuple[int, ...], int]]
        self.chunks = TwoGenerationMemo(chunk_cap)
        self.tails: TwoGenerationMemo[tuple[int, bytes], tuple[int, tuple[int, ...], int]]
        self.tails = TwoGenerationMemo(max(1, chunk_cap // 4))  # last pieces repeat less
        self.texts: TwoGenerationMemo[str, str] = TwoGenerationMemo(text_cap)
        self.fallbacks = 0  # texts py3langid decided (near-ties, no features, long texts)
        if self.reason is None:
            self._prepare(identifier)

    def _prepare(self, identifier: Any) -> None:
        table = identifier.nb_ptc
        # Blocks of rows keep the temporaries small (whole-table float64 copies would leave the
        # process tens of MB larger: freed heap is not always given back).
        blocks = range(0, table.shape[0], BLOCK_ROWS)
        exponent = 0
        for start in blocks:
            block = table[start : start + BLOCK_ROWS].astype(np.float64)  # exact
            while exponent <= 24 and not np.array_equal(block * 2.0**exponent, np.round(block * 2.0**exponent)):
                exponent += 1
        if exponent > 24:
            self.reason = "feature table is not a multiple of 2**-24"
            return
        bias = round(max(abs(float(table.max())), abs(float(table.min()))) * 2.0**exponent)
        per_feature = 2 * bias  # largest lane value one feature adds
        if per_feature * MAX_FAST_BYTES >= 1 << LANE_BITS:
            self.reason = "feature values too large for the packed lanes"
            return
        classes = table.shape[1]
        self.lane_format = struct.Struct(f"<{classes}I")
        self.packed_bytes = step = classes * LANE_BITS // 8
        self.packed: list[int] = []
        for start in blocks:
            block = table[start : start + BLOCK_ROWS].astype(np.float64)
            raw = (np.round(block * 2.0**exponent).astype(np.int64) + bias).astype("<u4").tobytes()
            self.packed += [int.from_bytes(raw[i : i + step], "little") for i in range(0, len(raw), step)]
        self.bias = bias
        self.step = W1 * 2.0**-exponent  # score per lane unit
        priors = [round(float(p) / self.step) for p in identifier.nb_pc]
        prior_bias = max(abs(p) for p in priors)
        if per_feature * MAX_FAST_BYTES + 2 * prior_bias >= 1 << LANE_BITS:
            self.reason = "class priors too large for the packed lanes"
            return
        self.packed_priors = int.from_bytes(struct.pack(f"<{classes}I", *[p + prior_bias for p in priors]), "little")
        self.labels: list[str] = [str(c) for c in identifier.nb_classes]
        self.max_abs = float(np.abs(table).max())
        self.max_prior = float(np.abs(identifier.nb_pc).max())
        self.nextmove = identifier.tk_nextmove
        self.rowbase: list[int] = identifier._rowbase
        self.output: list[int] = identifier.tk_output
        self.encode: Callable[[str], bytes] = identifier._encode

    def label(self, text: str) -> str:
        if self.reason is not None:
            return self.classify(text)[0]
        texts = self.texts
        known = texts.current.get(text)
        if known is None:
            known = texts.recall(text)
            if known is None:
                known = self._label(text)
                if len(text) <= MAX_MEMO_CHARS:
                    texts.rotate_if_full()
                    texts.keep(text, known)
        return known

    def _label(self, text: str) -> str:
        data = self.encode(text)
        if len(data) > MAX_FAST_BYTES:
            return self._fallback(text)
        self.chunks.rotate_if_full()
        self.tails.rotate_if_full()
        features: list[int] = []
        extend = features.extend
        total = 0
        state = 0
        pieces = data.split(b" ")
        last = pieces.pop()
        chunks = self.chunks
        get = chunks.current.get
        for piece in pieces:
            entry = get((state, piece))
            if entry is None:
                entry = self._chunk(chunks, state, piece, b" ")
            state, found, packed = entry
            extend(found)
            total += packed
        if last:
            entry = self.tails.current.get((state, last))
            if entry is None:
                entry = self._chunk(self.tails, state, last, b"")
            _, found, packed = entry
            extend(found)
            total += packed
        count = len(features)
        if not count:
            return self._fallback(text)
        return self._decide(text, features, count, total)

    def _chunk(
        self,
        memo: TwoGenerationMemo[tuple[int, bytes], tuple[int, tuple[int, ...], int]],
        state: int,
        piece: bytes,
        end: bytes,
    ) -> tuple[int, tuple[int, ...], int]:
        """Walk `piece + end` from `state` (py3langid's visit_counts step by step)."""
        key = (state, piece)
        if memo.old:
            entry = memo.recall(key)
            if entry is not None:
                return entry
        nextmove, rowbase, output = self.nextmove, self.rowbase, self.output
        found: list[int] = []
        append = found.append
        for letter in piece + end:
            state = nextmove[rowbase[state] + letter]
            feature = output[state]
            if feature >= 0:
                append(feature)
        entry = (state, tuple(found), sum(map(self.packed.__getitem__, found)))
        if len(piece) < MAX_CHUNK_BYTES:
            memo.keep(key, entry)
        return entry

    def _decide(self, text: str, features: list[int], count: int, total: int) -> str:
        """The label when the certified margin allows it (module docstring), else py3langid's."""
        # Lane j holds F_j = S_j + round(pc_j / step) + constant, where S_j is the exact sum of the
        # scaled rows of every feature occurrence: E_j = step * F_j (+ constant) is the score with
        # every feature at weight log1p(1), up to step/2 from rounding the prior.
        lanes: tuple[float, ...] = self.lane_format.unpack(
            (total + self.packed_priors).to_bytes(self.packed_bytes, "little")
        )
        if len(set(features)) != count:  # a feature seen c times weighs log1p(c), not c*log1p(1)
            lanes = self._repeats(features, lanes)
        best = max(lanes)
        margin = best - sorted(lanes)[-2]
        # |NumPy's float32 score - step*F_j| <= bound + step for every class; the magnitude uses
        # count >= distinct features and log1p(c) <= c*log1p(1).
        magnitude = W1 * count * self.max_abs + self.max_prior
        bound = ((count + 4) * UNIT * 1.01 + LOG1P_SLACK) * magnitude
        if margin * self.step > 2.0 * (bound + self.step):
            return self.labels[lanes.index(best)]
        return self._fallback(text)

    def _repeats(self, features: list[int], lanes: tuple[float, ...]) -> tuple[float, ...]:
        """Add (log1p(c) - c*log1p(1)) * row for every feature seen c > 1 times."""
        repeated = [(seen, feature) for feature, seen in Counter(features).items() if seen > 1]
        by_count: dict[int, tuple[int, int]] = {}
        packed = self.packed
        for seen, feature in repeated:
            rows, members = by_count.get(seen, (0, 0))
            by_count[seen] = (rows + packed[feature], members + 1)
        for seen, (rows, members) in by_count.items():
            ratio = (math.log1p(seen) - seen * W1) / W1
            shift = members * self.bias
            extra = self.lane_format.unpack(rows.to_bytes(self.packed_bytes, "little"))
            lanes = tuple([lane + ratio * (row - shift) for lane, row in zip(lanes, extra, strict=True)])
        return lanes

    def _fallback(self, text: str) -> str:
        self.fallbacks += 1
        return self.classify(text)[0]
