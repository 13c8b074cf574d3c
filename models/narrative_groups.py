"""Narratives from an incident's sample: exact copies and reposts collapse on the text's
fingerprint, the remaining texts are grouped on their terms by cosine similarity (a deterministic
leader pass refined twice), similar groups merged into stories, the five largest described.
The sample itself is kept by narratives.py (the engine's path); see its docstring and docs/narratives.md."""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from firestorm.models.alerts import NarrativeSampling, NarrativeSummary
from firestorm.models.narrative_text import SHOWN_TEXT_CHARS, shorten
from firestorm.models.narratives import NarrativeState, Post
from firestorm.models.text import entity_tokens, terms_of
from firestorm.models.timeutil import iso_utc

_SCORED = ("en", "fr")  # languages grouped apart; the others share one group
MAX_NARRATIVES = 5
REPRESENTATIVES = 3
LABEL_TERMS = 3
JOIN = 0.30  # cosine to a narrative's centroid to join it
STORY = 0.18  # mean cosine between the core terms of two groups of phrasings to join them
CORE_SHARE = 0.5  # a phrasing's core terms: in at least half its posts
MAX_PHRASINGS = 60  # the largest groups of close texts considered for joining into stories
NEW_TERM_BOOST = 1.5
MIN_POSTS = 3  # sampled posts a narrative needs ...
MIN_SHARE = 0.03  # ... and its estimated share of the incident's posts
BUCKET_MS = 5 * 60_000  # the narratives' timeline buckets


@dataclass(slots=True)
class _Variant:
    """Posts with one text (exact copies and reposts of it)."""

    key: int
    posts: list[Post]
    weights: list[float]
    terms: tuple[str, ...]
    group: str  # 'en', 'fr', or 'xx' for other languages
    vector: dict[str, float] = field(default_factory=dict)
    weight: float = 0.0  # of its posts, set once they are all in


@dataclass(slots=True)
class Narrative:
    """One story: its posts (indexes into the grouped posts) and what the alert says of it."""

    label: str
    terms: list[str]
    members: list[int]
    share: float
    posts: float  # estimated posts of the incident
    negative_share: float | None
    languages: dict[str, int]
    lang: str
    start_ms: int
    reposts: int
    representatives: list[tuple[str, Post]]
    timeline: list[int]

    def to_dict(self) -> NarrativeSummary:
        """What `drivers.narratives` carries of it (models/alerts.py)."""
        return {
            "label": self.label,
            "terms": self.terms,
            "share": round(self.share, 3),
            "posts": round(self.posts),
            "sampled": len(self.members),
            "negative_share": None if self.negative_share is None else round(self.negative_share, 3),
            "lang": self.lang,
            "languages": self.languages,
            "start": iso_utc(self.start_ms),
            "reposts": self.reposts,
            "examples": [
                {
                    "why": why,
                    "id": p.id,
                    "url": p.url,
                    "text": shorten(p.text, SHOWN_TEXT_CHARS),
                    "reach": p.reach,
                    "lang": p.lang,
                }
                for why, p in self.representatives
            ],
            "timeline": self.timeline,
        }


@dataclass(slots=True)
class Grouping:
    """The narratives of a sample; `assignment[i]` is post i's narrative index (or -1: other)."""

    posts: list[Post]
    narratives: list[Narrative]
    assignment: list[int]
    other_share: float


def _entity_tokens(entity: str) -> frozenset[str]:
    return entity_tokens(entity)


def _features(text: str, drop: frozenset[str]) -> tuple[str, ...]:
    """The sorted distinct terms of a text, hashtags without their '#', the entity's own name left out."""
    terms, hashtags = terms_of(text)
    found = terms | {h[1:] for h in hashtags}
    return tuple(sorted(t for t in found if t not in drop and t.split("'")[0] not in drop))


def _text_key(text: str) -> int:
    return zlib.crc32(" ".join(text.lower().split()).encode("utf-8", "surrogatepass"))


def _lang_group(lang: str) -> str:
    return lang if lang in _SCORED else "xx"


def _cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Of two normalized vectors (summed in the order of the shorter one's terms: deterministic)."""
    if len(a) > len(b):
        a, b = b, a
    return sum([w * b[t] for t, w in a.items() if t in b])


def _normalized(vector: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(math.fsum(w * w for w in vector.values()))
    return {t: w / norm for t, w in vector.items()} if norm else {}


def _centroid(variants: Sequence[_Variant]) -> dict[str, float]:
    total: dict[str, float] = {}
    for v in variants:
        w = math.log1p(v.weight)
        for t, x in v.vector.items():
            total[t] = total.get(t, 0.0) + w * x
    return _normalized({t: total[t] for t in sorted(total)})


def group(
    posts: Sequence[Post],
    weights: Sequence[float] | None = None,
    *,
    entity: str = "",
    new_terms: Sequence[str] = (),
    max_narratives: int = MAX_NARRATIVES,
    bucket_from_ms: int | None = None,
) -> Grouping:
    """Group `posts` (with their estimated weights) into at most `max_narratives` narratives."""
    order = sorted(range(len(posts)), key=lambda i: (posts[i].ts_ms, posts[i].id))
    posts = [posts[i] for i in order]
    w = [1.0] * len(posts) if weights is None else [float(weights[i]) for i in order]
    drop = _entity_tokens(entity)
    boosted = frozenset(t.lstrip("#") for t in new_terms)

    variants: dict[tuple[int, str], _Variant] = {}
    index_of: list[tuple[int, str]] = []
    for p, weight in zip(posts, w, strict=True):
        key = (_text_key(p.text), _lang_group(p.lang))
        v = variants.get(key)
        if v is None:
            v = variants[key] = _Variant(key[0], [], [], _features(p.text, drop), key[1])
        v.posts.append(p)
        v.weights.append(weight)
        index_of.append(key)

    df: dict[str, int] = {}
    for v in variants.values():
        v.weight = math.fsum(v.weights)
        for t in v.terms:
            df[t] = df.get(t, 0) + 1
    n_variants = len(variants)
    for v in variants.values():
        v.vector = _normalized(
            {
                t: math.log((1 + n_variants) / df[t]) * (NEW_TERM_BOOST if t in boosted else 1.0)
                for t in v.terms
                if df[t] >= 2
            }
        )

    ordered = sorted(variants.values(), key=lambda v: (-v.weight, v.posts[0].ts_ms, v.posts[0].id))
    clusters = _leader(ordered)
    clusters = _refine(ordered, clusters)
    total = math.fsum(w) or 1.0
    clusters.sort(key=lambda c: (-math.fsum(v.weight for v in c), min(v.posts[0].ts_ms for v in c)))
    big = [c for c in clusters if _big_enough(c, total)][:MAX_PHRASINGS]
    clusters = _stories(big) + [c for c in clusters if not any(c is b for b in big)]
    clusters.sort(key=lambda c: (-math.fsum(v.weight for v in c), min(v.posts[0].ts_ms for v in c)))
    kept = [c for c in clusters if _big_enough(c, total)][:max_narratives]
    rest = [v for c in clusters if not any(c is k for k in kept) for v in c]
    if kept and rest:
        centroids = [_centroid(c) for c in kept]
        for v in rest:
            best, sim = _best(v, kept, centroids)
            if best is not None and sim >= JOIN:
                kept[best].append(v)

    by_key = {(v.key, v.group): n for n, c in enumerate(kept) for v in c}
    assignment = [by_key.get(k, -1) for k in index_of]
    narratives = [
        _describe(n, c, posts, w, assignment, total, df, n_variants, bucket_from_ms) for n, c in enumerate(kept)
    ]
    _label_languages(narratives)
    other = math.fsum(weight for weight, a in zip(w, assignment, strict=True) if a < 0)
    return Grouping(posts=posts, narratives=narratives, assignment=assignment, other_share=other / total)


def _big_enough(cluster: Sequence[_Variant], total: float) -> bool:
    return sum(len(v.posts) for v in cluster) >= MIN_POSTS and math.fsum(v.weight for v in cluster) / total >= MIN_SHARE


def _best(
    v: _Variant,
    clusters: Sequence[Sequence[_Variant]],
    centroids: Sequence[Mapping[str, float]],
    index: Mapping[str, set[int]] | None = None,
) -> tuple[int | None, float]:
    """The most similar compatible cluster and its cosine; with `index` (term -> clusters whose
    centroid has it), only the clusters sharing a term are compared (the others score 0)."""
    if index is None:
        candidates: Iterable[int] = range(len(clusters))
    else:
        found: set[int] = set()
        for t in v.vector:
            found |= index.get(t, set())
        candidates = sorted(found)
    best, best_sim = None, 0.0
    for n in candidates:
        if not _compatible(v.group, clusters[n][0].group):
            continue
        sim = _cosine(v.vector, centroids[n])
        if sim > best_sim:
            best, best_sim = n, sim
    return best, best_sim


def _index(centroids: Sequence[Mapping[str, float]]) -> dict[str, set[int]]:
    index: dict[str, set[int]] = {}
    for n, centroid in enumerate(centroids):
        for t in centroid:
            index.setdefault(t, set()).add(n)
    return index


def _compatible(a: str, b: str) -> bool:
    """English and French posts are never one narrative (they are labelled with their language)."""
    return a == b or not (a in _SCORED and b in _SCORED)


def _leader(ordered: Sequence[_Variant]) -> list[list[_Variant]]:
    """Heaviest texts first: each joins the most similar narrative so far, or starts one."""
    clusters: list[list[_Variant]] = []
    sums: list[dict[str, float]] = []
    centroids: list[dict[str, float]] = []
    index: dict[str, set[int]] = {}
    for v in ordered:
        best, sim = _best(v, clusters, centroids, index) if v.vector else (None, 0.0)
        if best is None or sim < JOIN:
            best = len(clusters)
            clusters.append([])
            sums.append({})
            centroids.append({})
        clusters[best].append(v)
        total, w = sums[best], math.log1p(v.weight)
        for t, x in v.vector.items():
            total[t] = total.get(t, 0.0) + w * x
            index.setdefault(t, set()).add(best)
        centroids[best] = _normalized({t: total[t] for t in sorted(total)})
    return clusters


def _refine(ordered: Sequence[_Variant], clusters: list[list[_Variant]], rounds: int = 2) -> list[list[_Variant]]:
    """Move each text to the narrative whose centroid it is closest to (texts alone stay alone)."""
    for _ in range(rounds):
        seeds = [c for c in clusters if len(c) > 1]
        if not seeds:
            return clusters
        centroids = [_centroid(c) for c in seeds]
        index = _index(centroids)
        moved: list[list[_Variant]] = [[] for _ in seeds]
        alone: list[list[_Variant]] = []
        for v in ordered:
            best, sim = _best(v, seeds, centroids, index) if v.vector else (None, 0.0)
            if best is not None and sim >= JOIN:
                moved[best].append(v)
            else:
                alone.append([v])
        clusters = [c for c in moved if c] + alone
    return clusters


def _core(cluster: Sequence[_Variant]) -> frozenset[str]:
    """The terms at least CORE_SHARE of the cluster's posts use."""
    weight = math.fsum(v.weight for v in cluster)
    counts: dict[str, float] = {}
    for v in cluster:
        for t in v.terms:
            counts[t] = counts.get(t, 0.0) + v.weight
    return frozenset(t for t, x in counts.items() if x >= CORE_SHARE * weight)


def _stories(clusters: list[list[_Variant]]) -> list[list[_Variant]]:
    """Join phrasings of one story: average-linkage agglomeration on the cosine of their core terms.

    The leader pass groups copies and close rewordings; two phrasings of one story share fewer
    words (a data breach told as 'passwords leaked' and as 'breach notice came late'), but
    the words they share are in most of their posts, while fillers (places, numbers, tags) are not.
    """
    cores = [_core(c) for c in clusters]
    k = len(clusters)
    sim = [[0.0] * k for _ in range(k)]
    apart = [[False] * k for _ in range(k)]
    for i in range(k):
        for j in range(i + 1, k):
            a, b = cores[i], cores[j]
            if not _compatible(clusters[i][0].group, clusters[j][0].group):
                apart[i][j] = apart[j][i] = True
            elif a and b:
                sim[i][j] = sim[j][i] = len(a & b) / math.sqrt(len(a) * len(b))
    # Average linkage with the Lance-Williams update: the similarity of a merged group to another
    # is the size-weighted mean of its parts' similarities; `apart` spreads the same way.
    groups: dict[int, list[int]] = {i: [i] for i in range(k)}
    while len(groups) > 1:
        best, pair = STORY, None
        alive = sorted(groups)
        for x, gi in enumerate(alive):
            row, row_apart = sim[gi], apart[gi]
            for gj in alive[x + 1 :]:
                if not row_apart[gj] and row[gj] >= best and (pair is None or row[gj] > best):
                    best, pair = row[gj], (gi, gj)
        if pair is None:
            break
        gi, gj = pair
        na, nb = len(groups[gi]), len(groups[gj])
        for other in groups:
            if other not in pair:
                mean = (na * sim[gi][other] + nb * sim[gj][other]) / (na + nb)
                sim[gi][other] = sim[other][gi] = mean
                far = apart[gi][other] or apart[gj][other]
                apart[gi][other] = apart[other][gi] = far
        groups[gi] = groups[gi] + groups.pop(gj)
    return [[v for i in groups[g] for v in clusters[i]] for g in sorted(groups)]


def _describe(
    n: int,
    cluster: Sequence[_Variant],
    posts: Sequence[Post],
    weights: Sequence[float],
    assignment: Sequence[int],
    total: float,
    df: Mapping[str, int],
    n_variants: int,
    bucket_from_ms: int | None,
) -> Narrative:
    members = [i for i, a in enumerate(assignment) if a == n]
    mine = [posts[i] for i in members]
    weight = math.fsum(weights[i] for i in members)
    scored = [p for p in mine if p.compound is not None]
    languages: dict[str, int] = {}
    for p in mine:
        languages[p.lang] = languages.get(p.lang, 0) + 1
    languages = dict(sorted(languages.items(), key=lambda kv: (-kv[1], kv[0])))
    terms = _label_terms(cluster, df, n_variants)
    start = min(p.ts_ms for p in mine)
    origin = bucket_from_ms if bucket_from_ms is not None else start
    origin -= origin % BUCKET_MS
    timeline: dict[int, float] = {}
    for i in members:
        bucket = (posts[i].ts_ms - origin) // BUCKET_MS
        timeline[bucket] = timeline.get(bucket, 0.0) + weights[i]
    span = max(timeline) + 1 if timeline else 0
    return Narrative(
        label=" \u00b7 ".join(terms) if terms else shorten(_typical(cluster).posts[0].text, 60),
        terms=terms,
        members=members,
        share=weight / total,
        posts=weight,
        negative_share=sum(p.negative for p in scored) / len(scored) if scored else None,
        languages=languages,
        lang=next(iter(languages)),
        start_ms=start,
        reposts=sum(p.repost for p in mine),
        representatives=_representatives(cluster),
        timeline=[round(timeline.get(b, 0.0)) for b in range(max(span, 0))],
    )


def _label_terms(cluster: Sequence[_Variant], df: Mapping[str, int], n_variants: int) -> list[str]:
    """The terms most of the narrative's posts use and few other texts of the incident do."""
    weight = math.fsum(v.weight for v in cluster) or 1.0
    inside: dict[str, float] = {}
    texts: dict[str, int] = {}
    for v in cluster:
        for t in v.terms:
            inside[t] = inside.get(t, 0.0) + v.weight
            texts[t] = texts.get(t, 0) + 1
    own = len(cluster)
    scores = {
        t: (x / weight) * math.log((1 + n_variants) / (1 + df[t] - texts[t] + 0.5))
        for t, x in inside.items()
        if texts[t] >= 2 or own == 1 or x / weight >= 0.5
    }
    return [t for t, _s in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:LABEL_TERMS]]


def _typical(cluster: Sequence[_Variant]) -> _Variant:
    centroid = _centroid(cluster)
    return max(cluster, key=lambda v: (_cosine(v.vector, centroid) * math.log1p(v.weight), -v.posts[0].ts_ms))


def _representatives(cluster: Sequence[_Variant]) -> list[tuple[str, Post]]:
    """The most reached original post, the most typical text, the first post: distinct texts."""
    chosen: list[tuple[str, Post]] = []
    keys: set[int] = set()

    def take(why: str, v: _Variant, p: Post) -> None:
        if v.key not in keys and len(chosen) < REPRESENTATIVES:
            keys.add(v.key)
            chosen.append((why, p))

    everyone = [(v, p) for v in cluster for p in v.posts]
    originals = [(v, p) for v, p in everyone if not p.repost] or everyone
    v, p = max(originals, key=lambda vp: (vp[1].reach, -vp[1].ts_ms, vp[1].id))
    take("most reached", v, p)
    typical = _typical(cluster)
    take("most typical", typical, next((p for p in typical.posts if not p.repost), typical.posts[0]))
    v, p = min(everyone, key=lambda vp: (vp[1].ts_ms, vp[1].id))
    take("first", v, p)
    return chosen


def _label_languages(narratives: list[Narrative]) -> None:
    """Name the language of narratives not in the incident's main language."""
    if not narratives:
        return
    totals: dict[str, float] = {}
    for n in narratives:
        totals[n.lang] = totals.get(n.lang, 0.0) + n.posts
    main = max(sorted(totals), key=lambda lang: totals[lang])
    if len(totals) > 1:
        for n in narratives:
            if n.lang != main:
                n.label = f"[{n.lang}] {n.label}"


# --- what the alert carries ---------------------------------------------------------------------


def narratives_of(state: NarrativeState, entity: str) -> tuple[list[NarrativeSummary], NarrativeSampling]:
    """The narratives of the open incident (for drivers.narratives) and how they were sampled."""
    if not state.posts:
        return [], {"sampled": 0, "seen": state.seen}
    grouping = group(
        state.posts,
        state.estimated_weights(),
        entity=entity,
        new_terms=state.new_terms,
        bucket_from_ms=state.since_ms,
    )
    origin = state.since_ms if state.since_ms is not None else grouping.posts[0].ts_ms
    meta: NarrativeSampling = {
        "sampled": len(state.posts),
        "seen": state.seen,
        "since": iso_utc(origin),
        "bucket_minutes": BUCKET_MS // 60_000,
        "bucket_from": iso_utc(origin - origin % BUCKET_MS),
        "other_share": round(grouping.other_share, 3),
    }
    return [n.to_dict() for n in grouping.narratives], meta
