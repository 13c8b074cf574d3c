"""Narratives benchmark: storms with 2-4 injected narratives, grouped by the real engine.

Usage: python -m bench.narratives [--storms 40] [--seed 1] [--sentiment MODE]

Each storm is an entity with two hours of quiet chatter (the detector's warm-up), then a storm
of 2-4 narratives for 70-100 minutes, then a quiet tail. Every narrative is a story told in
several phrasings with varying details (places, numbers, emojis, hashtags); some start
10-40 minutes after the first one; in about half the storms one narrative is in another
language (French, German or Spanish); in about half one narrative is carried by reposts (a
viral post copied many times, a few paraphrases of it). The mentions go through the real path
(decode, language, sentiment with the scorer of `--sentiment`, engine) and the incident's
narratives are read from the engine's state when the storm ends, and from the alert events.

Scores (targets from issue 16): purity of the narratives (share of each narrative's sampled
posts that belong to its majority story) >= 0.85; share of the storm's sampled posts assigned
to a narrative whose majority is their story; the top narrative of the last alert event is the
storm's largest story in >= 90% of storms. Costs: the window sample per post, the incident
sample per window, the grouping per alert event, and the serialized state of an open incident.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from firestorm.models.engine import Engine, EngineSettings
from firestorm.models.narrative_groups import group
from firestorm.models.narratives import INCIDENT_POSTS, NarrativeState, WindowSample
from firestorm.models.pipeline import MentionProcessor
from firestorm.models.sentiment import DEFAULT_MODE, SENTIMENT_MODES, SentimentScorer
from firestorm.models.timeutil import iso_utc

MINUTE_MS = 60_000
START_MS = 1_772_409_600_000  # 2026-03-02T00:00:00Z
WARMUP_MINUTES = 120
TAIL_MINUTES = 40
BACKGROUND = "background"

CITIES = ("London", "Paris", "Leeds", "Lyon", "Berlin", "Madrid", "Dublin", "Glasgow", "Nantes", "Lille", "Rome")
TAGS = ("#fail", "#customerservice", "#annoyed", "#help", "#wtf", "")
EMOJI = ("", "", "😡", "🤬", "😤", "😭", "🙄")

# Each story: (language, phrasings). {e} entity, {c} a city, {n} a number.
STORIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "outage": (
        "en",
        (
            "@{e} app is down again, can't log in at all",
            "Is the {e} app down for everyone? Login keeps failing since this morning",
            "{e} login broken in {c}, the app just spins and times out",
            "Can't log into {e} for {n} hours now. App down, website down, nothing works",
            "{e} outage again?? The app won't let me log in",
            "Whole {e} app is down, login error every single time",
        ),
    ),
    "breach": (
        "en",
        (
            "{e} confirms a data breach: customer emails and passwords leaked",
            "My password was in the {e} data leak. Breach notice came weeks too late",
            "{e} leaked {n} thousand customer records and said nothing. Data breach scandal",
            "Change your {e} password now, their customer data was leaked in a breach",
            "So {e} had a data breach and we hear about it from journalists? Passwords leaked",
        ),
    ),
    "prices": (
        "en",
        (
            "{e} raising prices by {n}% from next month. Ridiculous price hike",
            "Another {e} price increase? {n}% more for the same plan, no thanks",
            "The {e} price hike is outrageous, {n}% more and the service got worse",
            "Just got the letter: {e} prices up {n}% in {c}. Greedy price increase",
            "{e} price increase again, third time this year",
        ),
    ),
    "ceo": (
        "en",
        (
            "The {e} CEO told customers to 'read the contract'. Arrogant remark",
            "That {e} CEO interview was tone deaf, blaming customers for reading the contract wrong",
            "{e} chief executive mocks customers in interview, says they should read the contract",
            "Can't believe the {e} CEO said that on TV. Arrogant and insulting to customers",
        ),
    ),
    "refunds": (
        "en",
        (
            "Still waiting for my {e} refund after {n} weeks. Nobody answers",
            "{e} refused my refund again, {n} emails and still no money back",
            "Where is my refund {e}? {n} weeks of excuses",
            "{e} customer service keeps promising a refund that never comes",
        ),
    ),
    "panne": (
        "fr",
        (
            "Panne générale chez {e}, impossible de se connecter depuis ce matin",
            "L'application {e} est en panne à {c}, connexion impossible",
            "Encore une panne {e} ! Impossible de me connecter depuis {n} heures",
            "{e} en panne partout ? L'appli refuse toute connexion",
            "Toujours en panne chez {e}, la connexion plante à chaque fois",
        ),
    ),
    "fuite": (
        "fr",
        (
            "{e} confirme une fuite de données, mots de passe et adresses exposés",
            "Fuite de données chez {e} : changez vos mots de passe",
            "Mes données dans la fuite {e}, prévenu beaucoup trop tard",
            "Scandale de la fuite de données {e}, {n} mille clients touchés",
        ),
    ),
    "stoerung": (
        "de",
        (
            "Störung bei {e}, Anmeldung geht seit heute Morgen nicht",
            "{e} App wieder gestört, keine Anmeldung möglich in {c}",
            "Schon wieder eine Störung bei {e}, seit {n} Stunden keine Anmeldung",
            "Ist {e} gestört? Die Anmeldung schlägt immer fehl",
        ),
    ),
    "caida": (
        "es",
        (
            "{e} caído otra vez, no puedo iniciar sesión desde esta mañana",
            "La aplicación de {e} está caída en {c}, imposible iniciar sesión",
            "Otra caída de {e}, llevo {n} horas sin poder iniciar sesión",
            "¿{e} caído para todos? No me deja iniciar sesión",
        ),
    ),
}
VIRAL = (  # the viral post, then paraphrases of the same story
    "BREAKING: leaked memo shows {e} knew about the faulty update for months and shipped it anyway",
    "A leaked memo says {e} knew the update was faulty months ago. They shipped it anyway",
    "So {e} shipped an update they knew was faulty? That leaked memo is damning",
    "{e} knew for months, the memo proves it. Faulty update shipped on purpose",
)
QUIET = (
    "Paid my bill with {e} today, quick and easy",
    "Anyone know if {e} has an offer on this month?",
    "{e} support sorted my question in five minutes, nice",
    "Switched my plan with {e}, the website was fine",
    "Nice to see {e} sponsoring the local football team",
    "Got a letter from {e} about the new terms, nothing special",
)
ENGLISH = ("outage", "breach", "prices", "ceo", "refunds")
OTHER_LANGUAGES = ("panne", "fuite", "stoerung", "caida")


@dataclass(slots=True)
class Injected:
    name: str  # story name, or "viral"
    lang: str
    weight: float
    start_minute: int
    reposts: bool = False


@dataclass(slots=True)
class Storm:
    entity: str
    narratives: list[Injected]
    lines: list[bytes]
    truth: dict[str, str]  # mention id -> story (or BACKGROUND)
    storm_start_ms: int
    storm_end_ms: int


def _fill(rng: random.Random, template: str, entity: str) -> str:
    text = template.format(e=entity, c=rng.choice(CITIES), n=rng.randint(2, 40))
    extras = " ".join(x for x in (rng.choice(EMOJI), rng.choice(TAGS)) if x)
    return f"{text} {extras}".strip()


def make_storm(seed: int) -> Storm:
    """One storm, deterministic for its seed."""
    rng = random.Random(seed)
    entity = f"brand{seed:03d}"
    k = rng.choice((2, 3, 3, 4))
    stories = rng.sample(ENGLISH, k)
    narratives = [Injected(s, "en", 0.0, 0) for s in stories]
    if k >= 2 and rng.random() < 0.5:
        other = rng.choice(OTHER_LANGUAGES)
        narratives[-1] = Injected(other, STORIES[other][0], 0.0, 0)
    if rng.random() < 0.5:
        narratives[rng.randrange(1, k)] = Injected("viral", "en", 0.0, 0, reposts=True)
    # The first narrative leads; the others are smaller, some start later.
    weights = sorted((rng.uniform(0.15, 0.35) for _ in range(k - 1)), reverse=True)
    lead = max(0.4, 1.2 * weights[0]) if weights else 1.0
    for n, weight in zip(narratives, [lead, *weights], strict=True):
        n.weight = weight
    for n in narratives[1:]:
        n.start_minute = rng.choice((0, 0, 10, 20, 40))
    storm_minutes = rng.randint(70, 100)
    rate = rng.uniform(20, 60)
    total_weight = sum(n.weight for n in narratives)
    storm_start = START_MS + WARMUP_MINUTES * MINUTE_MS
    lines: list[tuple[int, bytes]] = []
    truth: dict[str, str] = {}
    viral_text = _fill(rng, VIRAL[0], entity)
    seq = 0

    def emit(ts: int, text: str, label: str, lang: str | None, followers: int, repost_of: str | None = None) -> str:
        nonlocal seq
        seq += 1
        mid = f"x:{entity}-{seq}"
        author = f"user{rng.randrange(100_000)}"
        obj: dict[str, Any] = {
            "id": mid,
            "entity": entity,
            "ts": ts,
            "text": text,
            "author": {"id": author, "followers": followers},
            "source": "x",
            "url": f"https://x.com/{author}/status/{seq}",
        }
        if lang is not None and rng.random() < 0.7:
            obj["lang"] = lang
        if repost_of:
            obj["repost_of"] = repost_of
        lines.append((ts, orjson.dumps(obj)))
        truth[mid] = label
        return mid

    total_minutes = WARMUP_MINUTES + storm_minutes + TAIL_MINUTES
    viral_id: str | None = None
    for minute in range(total_minutes):
        base = START_MS + minute * MINUTE_MS
        for _ in range(rng.choice((0, 1, 1, 2))):
            emit(base + rng.randrange(MINUTE_MS), _fill(rng, rng.choice(QUIET), entity), BACKGROUND, "en", 80)
        into = minute - WARMUP_MINUTES
        if not 0 <= into < storm_minutes:
            continue
        ramp = min(1.0, (into + 1) / 8) * (0.4 if into > storm_minutes - 15 else 1.0)
        for n in narratives:
            if into < n.start_minute:
                continue
            late_ramp = min(1.0, (into - n.start_minute + 1) / 5)
            expected = rate * ramp * late_ramp * n.weight / total_weight
            count = int(expected) + (rng.random() < expected - int(expected))
            for _ in range(count):
                ts = base + rng.randrange(MINUTE_MS)
                followers = int(rng.lognormvariate(4.5, 1.5))
                if n.reposts:
                    if viral_id is None:
                        viral_id = emit(ts, viral_text, n.name, "en", 250_000)
                    elif rng.random() < 0.85:
                        emit(ts, viral_text, n.name, "en", followers, repost_of=viral_id)
                    else:
                        emit(ts, _fill(rng, rng.choice(VIRAL[1:]), entity), n.name, "en", followers)
                    continue
                lang, phrasings = STORIES[n.name]
                emit(ts, _fill(rng, rng.choice(phrasings), entity), n.name, lang, followers)
    lines.sort(key=lambda pair: pair[0])
    return Storm(
        entity=entity,
        narratives=narratives,
        lines=[line for _ts, line in lines],
        truth=truth,
        storm_start_ms=storm_start,
        storm_end_ms=storm_start + storm_minutes * MINUTE_MS,
    )


@dataclass(slots=True)
class Score:
    storm: Storm
    detected: bool
    purity: float = 0.0
    assigned_right: float = 0.0
    top_correct: bool = False
    alert_top_correct: bool = False
    narratives: int = 0
    state_bytes: int = 0
    state_json: bytes = b""
    sampled: int = 0
    labels: list[str] = field(default_factory=list)
    group_s: float = 0.0


def _majority(labels: Sequence[str]) -> str:
    counts = Counter(labels)
    return min(counts, key=lambda label: (-counts[label], label))


def evaluate(storm: Storm, processor: MentionProcessor) -> Score:
    """Replay one storm through the engine; score the open incident's narratives as the storm ends."""
    engine = Engine(EngineSettings())
    alerts = []
    score = Score(storm, detected=False)
    graded = False
    for raw in storm.lines:
        processed = processor.process(engine, raw)
        for closed in processed.closed:
            if closed.alert is not None and closed.alert.entity == storm.entity:
                alerts.append(closed.alert)
        if not graded and processed.mention is not None and processed.mention.ts_ms >= storm.storm_end_ms:
            graded = True
            _grade(score, engine, storm, alerts)
    if not graded:
        _grade(score, engine, storm, alerts)
    return score


def _grade(score: Score, engine: Engine, storm: Storm, alerts: list[Any]) -> None:
    state = engine.entities[storm.entity]
    sample = state.narrative
    if sample.incident_id is None or not sample.posts:
        return
    score.detected = True
    score.sampled = len(sample.posts)
    score.state_json = orjson.dumps(sample.to_dict())
    score.state_bytes = len(score.state_json)
    started = time.perf_counter()
    grouping = group(
        sample.posts,
        sample.estimated_weights(),
        entity=storm.entity,
        new_terms=sample.new_terms,
        bucket_from_ms=sample.since_ms,
    )
    score.group_s = time.perf_counter() - started
    labels = [storm.truth[p.id] for p in grouping.posts]
    members: dict[int, list[str]] = {}
    for label, assigned in zip(labels, grouping.assignment, strict=True):
        if assigned >= 0:
            members.setdefault(assigned, []).append(label)
    majority = {n: _majority(ls) for n, ls in members.items()}
    assigned = sum(len(ls) for ls in members.values())
    score.purity = sum(ls.count(majority[n]) for n, ls in members.items()) / assigned if assigned else 0.0
    story_posts = [(label, a) for label, a in zip(labels, grouping.assignment, strict=True) if label != BACKGROUND]
    right = sum(1 for label, a in story_posts if a >= 0 and majority[a] == label)
    score.assigned_right = right / len(story_posts) if story_posts else 0.0
    score.narratives = len(grouping.narratives)
    score.labels = [n.label for n in grouping.narratives]
    since = sample.since_ms or storm.storm_start_ms
    stamps = _timestamps(storm)
    truth_counts = Counter(label for mid, label in storm.truth.items() if label != BACKGROUND and stamps[mid] >= since)
    largest = min(truth_counts, key=lambda label: (-truth_counts[label], label))
    score.top_correct = bool(grouping.narratives) and majority.get(0) == largest
    last = next((a for a in reversed(alerts) if a.drivers.narratives), None)
    if last is not None and last.drivers.narratives:
        examples = last.drivers.narratives[0]["examples"]
        score.alert_top_correct = _majority([storm.truth[e["id"]] for e in examples]) == largest


def _timestamps(storm: Storm) -> dict[str, int]:
    """Each mention's event time, read from the storm's own lines (a cache keyed by id(storm)
    handed a later storm an earlier one's stamps once the first was collected: CI's KeyError)."""
    return {obj["id"]: int(obj["ts"]) for obj in map(orjson.loads, storm.lines)}


def state_memory(state_json: bytes) -> int:
    """Bytes of Python memory one open incident's narrative state keeps (tracemalloc: parsed and
    restored as a worker does, the parsed JSON then dropped; its strings live on in the posts)."""
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    data = orjson.loads(state_json)
    state = NarrativeState.from_dict(data)
    del data
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del state
    return used


def window_sample_cost(storms: Sequence[Storm], processor: MentionProcessor) -> float:
    """Seconds per post to offer posts to a window's sample (decoding and scoring excluded)."""
    from firestorm.models.records import decode_mention

    scored = []
    for storm in storms[:5]:
        for raw in storm.lines:
            mention = decode_mention(raw)
            scored.append((mention, processor.scorer.score(mention.text, mention.lang)))
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        sample = WindowSample()
        for n, (mention, sentiment) in enumerate(scored):
            if n % 60 == 0:
                sample = WindowSample()
            sample.offer(mention, sentiment)
            if n % 60 == 59:
                sample.posts()
        best = min(best, (time.perf_counter() - started) / len(scored))
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--storms", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-v", "--verbose", action="store_true", help="one line per storm")
    parser.add_argument("--sentiment", choices=SENTIMENT_MODES, default=DEFAULT_MODE, help="the scorer of the texts")
    args = parser.parse_args(argv)
    processor = MentionProcessor(SentimentScorer(args.sentiment))
    storms = [make_storm(args.seed * 1000 + i) for i in range(args.storms)]
    started = time.perf_counter()
    scores = [evaluate(storm, processor) for storm in storms]
    elapsed = time.perf_counter() - started
    detected = [s for s in scores if s.detected]
    posts = sum(len(s.lines) for s in storms)
    print(
        f"# narratives benchmark: {len(storms)} storms (seed {args.seed}), {posts:,} mentions, "
        f"sentiment {args.sentiment}, {elapsed:.1f} s"
    )
    if args.verbose:
        for s in scores:
            kinds = ", ".join(
                f"{n.name}{'(reposts)' if n.reposts else ''}@{n.start_minute}m/{n.weight:.2f}"
                for n in s.storm.narratives
            )
            print(
                f"{s.storm.entity}: [{kinds}] purity {s.purity:.2f} right {s.assigned_right:.2f} "
                f"top {'ok' if s.top_correct else 'WRONG'} alert-top {'ok' if s.alert_top_correct else 'WRONG'} "
                f"narratives {s.narratives}: {' | '.join(s.labels)}"
            )
    if not detected:
        print("no storm detected")
        return 1
    purity = statistics.fmean(s.purity for s in detected)
    right = statistics.fmean(s.assigned_right for s in detected)
    top = sum(s.top_correct for s in detected) / len(detected)
    alert_top = sum(s.alert_top_correct for s in detected) / len(detected)
    print(f"storms detected:                       {len(detected)}/{len(storms)}")
    print(f"cluster purity (mean over storms):     {purity:.3f}   (target >= 0.85)")
    print(f"  worst storm:                         {min(s.purity for s in detected):.3f}")
    print(f"story posts in the right narrative:    {right:.3f}")
    print(f"top narrative correct (state):         {top:.0%}   (target >= 90%)")
    print(f"top narrative correct (last alert):    {alert_top:.0%}")
    print(f"narratives per storm (mean):           {statistics.fmean(s.narratives for s in detected):.2f}")
    per_post = window_sample_cost(storms, processor)
    group_ms = [s.group_s * 1000 for s in detected]
    print(f"window sample cost per post:           {per_post * 1e6:.2f} us")
    print(
        f"grouping per alert event:              median {statistics.median(group_ms):.1f} ms, "
        f"max {max(group_ms):.1f} ms (sample of <= {INCIDENT_POSTS} posts)"
    )
    sizes = [s.state_bytes for s in detected]
    median_kib, max_kib = statistics.median(sizes) / 1024, max(sizes) / 1024
    print(f"open incident's narrative state:       median {median_kib:.1f} KiB, max {max_kib:.1f} KiB serialized")
    biggest = max(detected, key=lambda s: s.state_bytes)
    print(f"  in memory (the largest, tracemalloc):  {state_memory(biggest.state_json) / 1024:.1f} KiB")
    print(f"first storm starts {iso_utc(storms[0].storm_start_ms)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
