"""Generate deterministic sample incidents for firestorm as JSON lines.

Each incident is a few quiet days of everyday mentions for two entities,
followed by a firestorm (sudden, strongly negative spike) for one of them.
The other entity stays quiet throughout.  Output per incident:

* ``<name>.jsonl``: one mention per line, sorted by ``ts``;
* ``<name>.labels.json``: ground truth (onset, peak, end, quiet entities).

Usage::

    python examples/generate.py            # writes into examples/
    python examples/generate.py --out DIR  # writes into DIR

Only the standard library is used; output is identical on every run.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import string
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

SEED = 20260302
SOCIAL = ("x", "bluesky", "mastodon")
LANG_OMIT_P = 0.30
X_EPOCH_MS = 1288834974657
B32_SORT = "234567abcdefghijklmnopqrstuvwxyz"
Vocab = Mapping[str, tuple[str, ...]]


# --------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Bank:
    """Text templates for one (phase, language) of an entity."""

    social: tuple[str, ...]
    news: tuple[str, ...]
    forum: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    emojis: tuple[str, ...] = ()
    hashtag_p: float = 0.35
    emoji_p: float = 0.25


@dataclass(frozen=True)
class Outlet:
    """A news outlet or forum site that can publish mentions."""

    name: str
    domain: str
    followers: int
    section: str = "news"


@dataclass(frozen=True)
class EntitySpec:
    """Baseline behaviour and vocabulary of one watched entity."""

    slug: str
    peak_rate: float
    night_rate: float
    shape: Callable[[float], float]
    langs: tuple[tuple[str, float], ...]
    banks: Mapping[tuple[str, str], Bank]
    news: tuple[Outlet, ...]
    forum: Outlet
    sources: tuple[tuple[str, float], ...] = (
        ("x", 0.5),
        ("bluesky", 0.22),
        ("mastodon", 0.12),
        ("forum", 0.12),
        ("news", 0.04),
    )
    weekday_factor: tuple[float, ...] = (1.0, 1.0, 1.0, 1.05, 1.15, 0.85, 0.8)


@dataclass(frozen=True)
class StormSpec:
    """Shape and content of the firestorm for the incident entity."""

    entity: str
    onset: datetime
    ramp_min: int
    plateau_min: int
    decay_min: int
    peak_mult: float
    official: tuple[str, int]
    statements: tuple[tuple[int, str, str], ...]
    sources: tuple[tuple[str, float], ...] = (
        ("x", 0.6),
        ("bluesky", 0.22),
        ("mastodon", 0.09),
        ("forum", 0.07),
        ("news", 0.02),
    )

    @property
    def end(self) -> datetime:
        """Designed end of the decay, when the rate is back to normal."""
        total = self.ramp_min + self.plateau_min + self.decay_min
        return self.onset + timedelta(minutes=total)

    def multiplier(self, minutes: float) -> float:
        """Extra rate at ``minutes`` after onset, as a multiple of normal."""
        if minutes < 0:
            return 0.0
        m = self.peak_mult
        if minutes < self.ramp_min:
            return m * (minutes / self.ramp_min) ** 2
        minutes -= self.ramp_min
        if minutes < self.plateau_min:
            frac = minutes / self.plateau_min
            wave = 1 + 0.12 * math.sin(2 * math.pi * minutes / 47)
            return m * (1 - 0.35 * frac) * wave
        minutes -= self.plateau_min
        if minutes < self.decay_min:
            return m * 0.65 * math.exp(-4.5 * minutes / self.decay_min)
        return 0.0


@dataclass(frozen=True)
class Incident:
    """A complete sample: entities, time span, storm and description."""

    name: str
    start: datetime
    tail_hours: float
    utc_offset: int
    entities: tuple[EntitySpec, ...]
    storm: StormSpec
    vocab: Vocab
    names: tuple[str, ...]
    description: str

    @property
    def stop(self) -> datetime:
        """End of the generated period."""
        return self.storm.end + timedelta(hours=self.tail_hours)


@dataclass
class Author:
    """A posting account."""

    id: str
    followers: int


@dataclass
class Mention:
    """One generated mention (before serialisation)."""

    id: str
    entity: str
    ts: datetime
    text: str
    lang: str
    author: Author
    source: str
    url: str
    repost_of: str | None = None
    show_lang: bool = True
    seq: int = 0
    phase: str = "baseline"

    def to_json(self) -> str:
        """Serialise to one JSON line following the mention contract."""
        row: dict[str, object] = {
            "id": self.id,
            "entity": self.entity,
            "ts": iso(self.ts),
            "text": self.text,
        }
        if self.show_lang:
            row["lang"] = self.lang
        row["author"] = {"id": self.author.id, "followers": self.author.followers}
        row["source"] = self.source
        row["url"] = self.url
        if self.repost_of is not None:
            row["repost_of"] = self.repost_of
        return json.dumps(row, ensure_ascii=False)


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def iso(ts: datetime) -> str:
    """Format a UTC datetime as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def poisson(rng: random.Random, lam: float) -> int:
    """Draw a Poisson variate (Knuth; fine for the small rates used here)."""
    if lam <= 0:
        return 0
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def weighted(rng: random.Random, pairs: tuple[tuple[str, float], ...]) -> str:
    """Pick a key from ``(key, weight)`` pairs."""
    keys = [k for k, _ in pairs]
    return rng.choices(keys, weights=[w for _, w in pairs])[0]


def fill(rng: random.Random, template: str, vocab: Vocab) -> str:
    """Fill ``{field}`` placeholders with random vocabulary entries."""
    fields = dict.fromkeys(f for _, f, _, _ in string.Formatter().parse(template) if f)
    return template.format(**{f: rng.choice(vocab[f]) for f in fields})


def slugify(text: str, words: int = 8) -> str:
    """Make a URL slug out of the first ``words`` words of ``text``."""
    ascii_text = text.lower().translate(str.maketrans("àâçéèêëîïôûùüÿœ", "aaceeeeiiouuuyo"))
    parts = re.findall(r"[a-z0-9]+", ascii_text)
    return "-".join(parts[:words])


def daytime(start: float, peak: float, end: float) -> Callable[[float], float]:
    """Diurnal shape: 0 at night, rising from ``start``, max at ``peak``."""

    def shape(hour: float) -> float:
        if hour <= start or hour >= end:
            return 0.0
        x = (hour - start) / (peak - start) if hour < peak else (end - hour) / (end - peak)
        return math.sin(math.pi / 2 * x) ** 2

    return shape


def commute(hour: float) -> float:
    """Bike-share shape: morning and evening commute peaks over a day hump."""
    base = 0.45 * daytime(6.5, 14.0, 23.5)(hour)
    morning = math.exp(-(((hour - 8.3) / 0.9) ** 2))
    evening = math.exp(-(((hour - 18.2) / 1.1) ** 2))
    return min(1.0, base + morning + 0.9 * evening)


# --------------------------------------------------------------------------
# Generator
# --------------------------------------------------------------------------


class Generator:
    """Builds the mentions of one incident from its spec and a seeded RNG."""

    def __init__(self, incident: Incident, seed: int) -> None:
        self.inc = incident
        self.rng = random.Random(f"{seed}:{incident.name}")
        self.entities = {e.slug: e for e in incident.entities}
        self.pools: dict[str, list[Author]] = {s: [] for s in SOCIAL}
        self.handles: set[str] = set()
        self.ids: set[str] = set()
        self.recent: dict[tuple[str, str], deque[Mention]] = {}
        self.mentions: list[Mention] = []
        self.topic_posts: Counter[str] = Counter()

    # -- authors and ids ---------------------------------------------------

    def followers(self) -> int:
        """Heavy-tailed follower count (Pareto body with a small floor)."""
        value = 25 * self.rng.paretovariate(1.1) + self.rng.randint(0, 30)
        return int(min(value, 4_000_000))

    def author(self, source: str) -> Author:
        """Reuse a (mostly frequent) author or create a new one."""
        pool = self.pools[source]
        if pool and self.rng.random() < 0.45:
            return pool[int(len(pool) * self.rng.random() ** 3)]
        rng = self.rng
        while True:
            stem = rng.choice(self.inc.names)
            style = rng.random()
            if style < 0.4:
                handle = f"{stem}{rng.randint(1, 99)}"
            elif style < 0.7:
                handle = f"{stem}_{rng.choice(string.ascii_lowercase)}"
            else:
                handle = f"{stem}{rng.choice(('_', ''))}{rng.randint(1970, 2008)}"
            if source == "bluesky":
                handle = f"{handle.replace('_', '-')}.bsky.social"
            elif source == "mastodon":
                handle = f"{handle}@{rng.choice(('mastodon.social', 'mstdn.social', 'piaille.fr', 'mas.to'))}"
            if handle not in self.handles:
                break
        self.handles.add(handle)
        new = Author(handle, self.followers())
        pool.append(new)
        return new

    def forum_author(self) -> Author:
        """A forum member: plain handle, modest follower count."""
        rng = self.rng
        handle = f"{rng.choice(self.inc.names)}{rng.choice(('', '_', '-'))}{rng.randint(1, 999)}"
        return Author(handle, int(min(rng.paretovariate(1.5) * 3, 5000)))

    def native_id(self, source: str, ts: datetime) -> str:
        """Platform-like id: snowflakes for x/mastodon, TIDs for bluesky."""
        ms = int(ts.timestamp() * 1000) + self.rng.randint(0, 999)
        if source == "x":
            return str(((ms - X_EPOCH_MS) << 22) | self.rng.getrandbits(22))
        if source == "mastodon":
            return str((ms << 16) | self.rng.getrandbits(16))
        micros = (ms * 1000 + self.rng.randint(0, 999)) << 10 | self.rng.getrandbits(10)
        return "".join(B32_SORT[(micros >> (5 * i)) & 31] for i in range(12, -1, -1))

    def locate(self, source: str, author: Author, ts: datetime, text: str) -> tuple[str, str]:
        """Return a unique ``(id, url)`` for a social post."""
        while True:
            nid = self.native_id(source, ts)
            mid = f"{source}:{nid}"
            if mid not in self.ids:
                break
        self.ids.add(mid)
        if source == "x":
            url = f"https://x.com/{author.id}/status/{nid}"
        elif source == "bluesky":
            url = f"https://bsky.app/profile/{author.id}/post/{nid}"
        else:
            user, host = author.id.split("@")
            url = f"https://{host}/@{user}/{nid}"
        return mid, url

    # -- text --------------------------------------------------------------

    def render(self, bank: Bank, source: str) -> str:
        """Fill a template for ``source`` and decorate social posts."""
        rng = self.rng
        if source == "news":
            return fill(rng, rng.choice(bank.news), self.inc.vocab)
        if source == "forum" and bank.forum and rng.random() < 0.6:
            return fill(rng, rng.choice(bank.forum), self.inc.vocab)
        text = fill(rng, rng.choice(bank.social), self.inc.vocab)
        if source == "forum":
            return text
        if bank.emojis and rng.random() < bank.emoji_p:
            text += " " + rng.choice(bank.emojis) * rng.choice((1, 1, 1, 2, 3))
        if bank.hashtags and rng.random() < bank.hashtag_p:
            tags = rng.sample(bank.hashtags, k=min(len(bank.hashtags), rng.choice((1, 1, 2))))
            text += " " + " ".join(tags)
        return text

    # -- mentions ----------------------------------------------------------

    def emit(self, entity: str, ts: datetime, phase: str, sources: tuple[tuple[str, float], ...]) -> None:
        """Create one mention (original or repost) for ``entity`` at ``ts``."""
        rng = self.rng
        spec = self.entities[entity]
        source = weighted(rng, sources)
        repost_p = 0.3 if phase != "baseline" else 0.08
        if source in SOCIAL and rng.random() < repost_p and self.repost(entity, source, ts, phase):
            return
        lang = weighted(rng, spec.langs)
        bank = spec.banks[(phase, lang)]
        text = self.render(bank, source)
        if source == "news":
            outlet = rng.choice(spec.news)
            slug = slugify(text)
            mid = f"news:{outlet.domain.split('.')[0]}-{slug[:40]}-{rng.randint(10000, 99999)}"
            url = f"https://www.{outlet.domain}/{outlet.section}/{slug}"
            author = Author(outlet.name, outlet.followers)
        elif source == "forum":
            site = spec.forum
            topic = rng.randint(1000, 999999)
            self.topic_posts[str(topic)] += 1
            post = self.topic_posts[str(topic)]
            mid = f"forum:{slugify(site.name)}-{topic}-{post}"
            url = f"https://{site.domain}/t/{slugify(text, 6)}/{topic}/{post}"
            author = self.forum_author()
        else:
            author = self.author(source)
            mid, url = self.locate(source, author, ts, text)
        self.ids.add(mid)
        self.add(Mention(mid, entity, ts, text, lang, author, source, url, phase=phase))

    def repost(self, entity: str, source: str, ts: datetime, phase: str) -> bool:
        """Repost a recent popular mention on the same platform (storm reposts copy storm posts)."""
        recent = self.recent.get((entity, source))
        if not recent:
            return False
        oldest, newest = ts - timedelta(hours=12), ts - timedelta(seconds=30)
        candidates = [m for m in recent if oldest <= m.ts < newest and (phase == "baseline" or m.phase != "baseline")]
        if not candidates:
            return False
        weights = [math.sqrt(m.author.followers + 1) for m in candidates]
        orig = self.rng.choices(candidates, weights=weights)[0]
        author = self.author(source)
        mid, url = self.locate(source, author, ts, orig.text)
        self.add(Mention(mid, entity, ts, orig.text, orig.lang, author, source, url, orig.id, phase=phase))
        return True

    def add(self, mention: Mention) -> None:
        """Record a mention and remember originals as repost candidates."""
        mention.seq = len(self.mentions)
        mention.show_lang = self.rng.random() >= LANG_OMIT_P
        self.mentions.append(mention)
        if mention.source in SOCIAL and mention.repost_of is None:
            key = (mention.entity, mention.source)
            self.recent.setdefault(key, deque(maxlen=400)).append(mention)

    def official(self) -> None:
        """Schedule the storm entity's own statements (x posts)."""
        storm = self.inc.storm
        handle, followers = storm.official
        account = Author(handle, followers)
        for minute, lang, text in storm.statements:
            ts = storm.onset + timedelta(minutes=minute, seconds=self.rng.randint(0, 59))
            mid, url = self.locate("x", account, ts, text)
            self.add(Mention(mid, storm.entity, ts, text, lang, account, "x", url, phase="peak"))

    def storm_phase(self, minutes: float) -> str:
        """Which text bank storm mentions use ``minutes`` after onset."""
        storm = self.inc.storm
        if minutes < storm.ramp_min + 4:
            return "ramp"
        into_decay = minutes - storm.ramp_min - storm.plateau_min
        if into_decay < 0:
            return "peak"
        p_decay = min(0.9, 0.35 + into_decay / storm.decay_min)
        return "decay" if self.rng.random() < p_decay else "peak"

    def run(self) -> list[Mention]:
        """Generate all mentions minute by minute and return them sorted."""
        inc, rng = self.inc, self.rng
        storm = inc.storm
        total = int((inc.stop - inc.start).total_seconds() // 60)
        days = range(total // 1440 + 2)
        factors = {
            e.slug: [
                e.weekday_factor[(inc.start + timedelta(days=d)).weekday()] * rng.uniform(0.85, 1.15) for d in days
            ]
            for e in inc.entities
        }
        for minute in range(total):
            t0 = inc.start + timedelta(minutes=minute)
            local = t0 + timedelta(hours=inc.utc_offset)
            hour = local.hour + local.minute / 60
            day = (local.date() - (inc.start + timedelta(hours=inc.utc_offset)).date()).days
            since = (t0 - storm.onset).total_seconds() / 60
            for spec in inc.entities:
                rate = spec.night_rate + (spec.peak_rate - spec.night_rate) * spec.shape(hour) * factors[spec.slug][day]
                for _ in range(poisson(rng, rate)):
                    self.emit(spec.slug, t0 + timedelta(seconds=rng.randint(0, 59)), "baseline", spec.sources)
                if spec.slug != storm.entity:
                    continue
                extra = spec.peak_rate * storm.multiplier(since + 0.5)
                for _ in range(poisson(rng, extra)):
                    ts = t0 + timedelta(seconds=rng.randint(0, 59))
                    self.emit(spec.slug, ts, self.storm_phase(since), storm.sources)
            if 0 <= since < 1:
                self.official()
        return sorted(self.mentions, key=lambda m: (m.ts, m.seq))


def peak_time(mentions: list[Mention], entity: str) -> tuple[datetime, float]:
    """Centre minute and mean rate of the busiest 5-minute window for ``entity``."""
    counts = Counter(m.ts.replace(second=0) for m in mentions if m.entity == entity)
    best, best_ts = -1, min(counts)
    for ts in counts:
        window = sum(counts.get(ts + timedelta(minutes=k), 0) for k in range(-2, 3))
        if window > best:
            best, best_ts = window, ts
    return best_ts, best / 5


def normal_rate(mentions: list[Mention], entity: str, before: datetime) -> float:
    """Mean mentions/minute in the busiest hour of day, over full days before ``before``."""
    first = min(m.ts for m in mentions).replace(hour=0, minute=0, second=0)
    days = (before - first).days
    cutoff = first + timedelta(days=days)
    per_hour = Counter(m.ts.hour for m in mentions if m.entity == entity and m.ts < cutoff)
    return max(per_hour.values()) / (60 * days)


def write_incident(incident: Incident, out: Path, seed: int) -> None:
    """Generate one incident and write its ``.jsonl`` and ``.labels.json``."""
    mentions = Generator(incident, seed).run()
    data = out / f"{incident.name}.jsonl"
    with data.open("w", encoding="utf-8", newline="\n") as fh:
        for mention in mentions:
            fh.write(mention.to_json() + "\n")
    storm = incident.storm
    peak, peak_rate = peak_time(mentions, storm.entity)
    normal = normal_rate(mentions, storm.entity, storm.onset)
    measured = (
        f" Measured: normal rate in the busiest hour of a quiet day {normal:.1f}/min; storm peak "
        f"(5-minute mean) {peak_rate:.0f}/min, about {peak_rate / normal:.0f}x normal."
    )
    labels = {
        "incident": incident.name,
        "entity": storm.entity,
        "onset": iso(storm.onset),
        "peak": iso(peak),
        "end": iso(storm.end),
        "quiet_entities": [e.slug for e in incident.entities if e.slug != storm.entity],
        "description": incident.description + measured,
    }
    sidecar = out / f"{incident.name}.labels.json"
    sidecar.write_text(json.dumps(labels, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    per_entity = Counter(m.entity for m in mentions)
    entities = ", ".join(f"{k}={v}" for k, v in sorted(per_entity.items()))
    size = data.stat().st_size / 1e6
    print(
        f"{data.name}: {len(mentions)} lines ({size:.1f} MB), entities: {entities}, "
        f"span {iso(mentions[0].ts)} .. {iso(mentions[-1].ts)}"
    )


# --------------------------------------------------------------------------
# Incident 1: skyway (airline) IT outage, English
# --------------------------------------------------------------------------

EN_VOCAB: dict[str, tuple[str, ...]] = {
    "city": (
        "Lisbon",
        "Dublin",
        "Edinburgh",
        "Rome",
        "Barcelona",
        "Amsterdam",
        "Berlin",
        "Prague",
        "Malaga",
        "Nice",
        "Copenhagen",
        "Athens",
        "Porto",
        "Vienna",
        "Geneva",
        "Krakow",
        "Seville",
        "Reykjavik",
        "Milan",
        "Budapest",
    ),
    "airport": ("Heathrow", "Gatwick", "Manchester", "Bristol", "Stansted", "Glasgow", "Birmingham", "Luton"),
    "month": ("April", "May", "June", "July", "August", "September", "October"),
    "price": ("£59", "£74", "£89", "£112", "£129", "£96", "£148"),
    "price2": ("£18", "£25", "£32", "£40"),
    "item": (
        "a guitar",
        "a folding pram",
        "a laptop bag and a backpack",
        "duty free wine",
        "a cat carrier",
        "ski boots",
    ),
    "drink": ("coffee", "a cup of tea", "a flat white", "orange juice", "a gin and tonic"),
    "hours": ("2", "3", "4", "5", "6", "7"),
    "mins": ("20", "35", "45", "50", "90", "40"),
    "person": ("mum", "dad", "Sarah", "grandma", "everyone", "Tom", "the team", "Priya"),
    "relative": ("mum", "dad", "grandad", "little boy", "daughter", "nan", "husband"),
    "age": ("78", "81", "84", "73", "86"),
    "food": ("sandwich", "chicken wrap", "breakfast roll", "cheese toastie", "coffee"),
    "perk": ("tea and biscuits", "seat selection", "checked bags", "snacks", "wifi"),
    "event": (
        "wedding",
        "job interview",
        "daughter's graduation",
        "cruise",
        "honeymoon",
        "conference",
        "dad's funeral",
        "first holiday in three years",
        "business trip",
    ),
    "weekday": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "n": ("2", "3", "4", "5", "6", "8", "10", "12"),
    "quarter": ("the first quarter", "Q4", "the winter season", "February"),
    "flight": tuple(str(n) for n in (214, 305, 418, 522, 617, 733, 848, 902, 1124, 1290)),
    "street": ("High Street", "King Street", "Market Square", "Station Road", "Church Lane", "Queen's Road"),
    "bill": ("council tax", "electricity bill", "rent", "phone bill", "credit card"),
    "color": ("green", "navy", "black", "recycled"),
    "shop": ("groceries", "coffee shops", "train tickets", "fuel"),
    "bp": ("10", "15", "20", "25"),
    "product": ("mortgage", "savings account", "ISA", "current account", "credit card"),
}

EN_NAMES = (
    "sam",
    "jess",
    "tom",
    "priya",
    "mike",
    "laura",
    "dan",
    "chloe",
    "raj",
    "emma",
    "olly",
    "hannah",
    "jack",
    "sophie",
    "liam",
    "amira",
    "ben",
    "katie",
    "nadia",
    "joe",
    "georgia",
    "kwame",
    "ellie",
    "marcus",
    "zoe",
    "ryan",
    "fran",
    "alex",
    "megan",
    "hugo",
    "travelwithkate",
    "avgeek",
    "plane_spotter",
    "wanderlust",
    "northerner",
    "londoner",
    "coffee_and_miles",
    "dadof3",
    "bookworm",
    "runner",
    "nurse_jo",
    "teacher_tim",
)

SKYWAY_BASELINE = Bank(
    social=(
        "Just landed in {city} with @skyway. Smooth flight and a lovely crew",
        "Booked {city} for {month} with @skyway, {price} return. Can't wait!",
        "Anyone know if @skyway lets you take {item} in the cabin?",
        "Window seat, {drink}, {city} in {hours} hours. Happy days",
        "The new @skyway app makes check-in so easy, took me two minutes",
        "Boarding now for {city}, see you soon {person}!",
        "Is the Skyway lounge at {airport} any good? Thinking of trying it",
        "Shoutout to the @skyway crew on the {city} flight today, so kind to my {relative}",
        "Skyway flight to {city} was on time and the {food} was surprisingly good",
        "Does Skyway still do free {perk} on short flights?",
        "Off to {city} with Skyway for a long weekend!",
        "Kids loved watching the planes at {airport} before our Skyway flight",
        "@skyway do you fly direct to {city} in {month}?",
        "Flying Skyway to {city} tomorrow, any tips for {airport} security?",
        "Skyway points finally got me a free flight to {city}",
        "Sunrise over the wing on the early Skyway to {city}. Worth the early start",
        "First time flying with Skyway. Legroom was fine and boarding was quick",
        "Thanks @skyway for sorting my seat change so fast",
        "Is the Skyway {city} route {weekday} only or daily?",
        "Skyway cabin crew just sang happy birthday to a passenger, lovely moment",
        "Pilot on my Skyway flight gave the best commentary over the Alps",
        "Great deal on Skyway flights to {city} this week if anyone's looking",
        "Back home from {city}. Easy trip both ways with @skyway",
        "Skyway gate staff at {airport} were super helpful with my {relative}'s wheelchair",
        "Comparing Skyway and the train to {city}, flight wins on time",
        "@skyway flight to {city} delayed {mins} minutes, hope I still make my connection",
        "Bag took ages at {airport} baggage claim after our Skyway flight",
        "Skyway seats are a bit tight for a {hours} hour flight tbh",
        "Bit annoyed @skyway charged me {price2} for a seat I didn't pick",
    ),
    news=(
        "Skyway adds {n} weekly flights to {city} from {month}",
        "Skyway reports record passenger numbers for {quarter}",
        "Skyway to refresh cabin interiors across its short-haul fleet",
        "Skyway opens new lounge at {airport}",
        "Skyway named most punctual airline at {airport} in {quarter}",
        "Skyway launches spring sale with fares to {city} from {price}",
        "Skyway orders {n} new fuel-efficient aircraft",
    ),
    forum=(
        "Trip report: Skyway {airport} to {city} in economy",
        "Skyway status match - has anyone done it recently?",
        "Best seats on Skyway's A320s for legroom?",
        "Skyway lounge at {airport} - worth paying for?",
        "Skyway cabin bag rules for {item}?",
    ),
    hashtags=("#travel", "#avgeek", "#skyway", "#wanderlust", "#weekendaway", "#holiday"),
    emojis=("✈️", "😊", "🌍", "☕", "🙌", "🧳", "🌅"),
)

SKYWAY_STORM_TAGS = ("#skywayfail", "#skywaydown", "#stranded", "#travelchaos")
SKYWAY_STORM_EMOJI = ("😡", "🤬", "😤", "😭", "🙄")

SKYWAY_RAMP = Bank(
    social=(
        "Is the @skyway app down? Can't check in for my {city} flight, this is a mess",
        "Skyway kiosks at {airport} all showing errors, huge queue, total mess. Ugh",
        "Anyone else unable to check in with @skyway right now? Website just errors out",
        "Our Skyway flight to {city} is stuck at the gate, pilot says a 'system problem'. Not good",
        "Boarding for {city} stopped, @skyway staff say their computers have crashed. Great, just great",
        "Skyway departures board at {airport} is all DELAYED. What is going on? Worried",
        "@skyway check-in is broken everywhere?? Panic at {airport}",
        "Total confusion at the Skyway desks at {airport}. Nobody has a clue. Awful",
    ),
    news=(
        "Skyway passengers report check-in problems at {airport}",
        "Skyway hit by technical problems, delays reported at several airports",
    ),
    hashtags=SKYWAY_STORM_TAGS,
    emojis=SKYWAY_STORM_EMOJI,
    emoji_p=0.3,
)

SKYWAY_PEAK = Bank(
    social=(
        "Stuck at the gate for {hours} hours, @skyway this is a disgrace",
        "{hours} hours on the tarmac at {airport} and zero information. Worst airline ever",
        "@skyway your IT meltdown has ruined our {event}. Absolutely furious",
        "Total chaos at {airport}. Skyway check-in is dead and nobody knows anything. Terrible",
        "Missed my {event} because of @skyway. Unacceptable",
        "Skyway app down, website down, phone line dead. Pathetic",
        "Shameful scenes at {airport}: hundreds of passengers stranded for hours @skyway",
        "My {relative} is {age} and has been sitting on the floor at {airport} for {hours} hours. Disgusting @skyway",
        "Never flying @skyway again. Horrible way to treat people",
        "This @skyway outage is a complete disaster. Kids crying, staff clueless, no food",
        "How does an airline lose ALL its systems? Incompetent. @skyway",
        "Skyway grounded everything and won't even answer the phone. Awful awful awful",
        "Flight cancelled, zero help, worst trip ever. Hate you @skyway",
        "Our {event} flight to {city} is gone. Heartbroken and angry. @skyway",
        "Been on hold with @skyway for {mins} minutes. Ridiculous and insulting",
        "@skyway you should be ashamed. Elderly passengers left stranded for hours with no help",
        "Worst customer service I have ever seen. Skyway is a joke",
        "Sat on a plane at {airport} for {hours} hours with the AC off. Miserable",
        "Skyway staff hiding while hundreds of angry passengers wait. Shocking",
        "No food, no water, no information. @skyway this is cruel",
        "Paid {price} to sleep on the floor at {airport}. Skyway, you're a disgrace",
        "The @skyway meltdown is a scandal. Someone needs to be fired",
        "Screaming babies, broken systems, furious crowds. Hell at {airport} thanks to Skyway",
        "Dear @skyway, you have ruined my {relative}'s {event}. I hate you",
        "@skyway any update on flight SK{flight}? Gate staff have no idea, this is awful",
        "Trapped at {airport} for {hours} hours. Skyway's outage is a nightmare",
    ),
    news=(
        "Skyway grounds all flights after major IT outage",
        "Thousands stranded as Skyway IT failure halts departures at {airport}",
        "Skyway outage: passengers face chaos, long delays and cancellations",
        "Live: Skyway flights grounded across network after system failure",
        "Skyway apologises as IT crash leaves angry passengers stranded",
        "Travel chaos at {airport} as Skyway systems fail",
    ),
    forum=(
        "Skyway total system failure - anyone else stuck at {airport}? Awful",
        "Skyway meltdown thread: post your horror stories here",
        "Skyway cancelled SK{flight}, what are my rights? Furious",
    ),
    hashtags=SKYWAY_STORM_TAGS,
    emojis=SKYWAY_STORM_EMOJI,
    hashtag_p=0.5,
    emoji_p=0.3,
)

SKYWAY_DECAY = Bank(
    social=(
        "Finally boarding after {hours} hours. Still furious with @skyway",
        "Skyway says systems are back but {airport} is still a nightmare",
        "We want compensation @skyway, {hours} hours lost and not even an apology",
        "Flight to {city} finally moving. What a horrible day, no thanks to @skyway",
        "Rebooked for tomorrow after {hours} hours in the queue. Exhausted and angry",
        "Back home after the @skyway fiasco. Never again",
        "Skyway restored service but the damage is done. Awful handling of the outage",
        "Still no bags and no answers from @skyway. Disgraceful",
        "Taking off at last, {hours} hours late. Lost a whole day to this Skyway mess",
        "Gate staff at {airport} did their best today, Skyway management should be ashamed",
        "Taking off at last. {hours} hours late but at least we're moving",
    ),
    news=(
        "Skyway restores systems after hours-long outage, warns of further delays",
        "Skyway outage: what are your rights to compensation?",
        "Skyway boss apologises after IT failure strands thousands",
        "Skyway backlog to cause disruption into the weekend after outage",
    ),
    forum=(
        "Skyway compensation claim after today's outage - how long did yours take?",
        "Skyway outage aftermath: lost bags and missed connections thread",
    ),
    hashtags=SKYWAY_STORM_TAGS,
    emojis=SKYWAY_STORM_EMOJI,
)

NORTHBANK_BASELINE = Bank(
    social=(
        "Just opened a savings account with @northbank, the app setup took five minutes",
        "Northbank's new budgeting feature is actually really useful",
        "Does anyone know @northbank's branch opening hours on {weekday}?",
        "Paid my {bill} through the Northbank app in seconds, love it",
        "Northbank branch on {street} was really helpful with my {product} questions",
        "Got my new Northbank card, the {color} design looks great",
        "@northbank can I set up a standing order in the app?",
        "Thinking about moving my current account to Northbank, any thoughts?",
        "Northbank cashback on {shop} this month is a nice surprise",
        "Sent money abroad with Northbank, quick and cheaper than I expected",
        "Shoutout to the Northbank advisor who helped my {relative} with online banking",
        "Northbank savings pots are a great way to put money aside for {month}",
        "Just switched my {product} to Northbank, easy process",
        "Anyone use Northbank's joint accounts? How do you find them?",
        "Northbank instant notifications are so handy for tracking spending",
        "@northbank app asking me to log in again every time, bit annoying",
        "Queue at the Northbank on {street} was long today",
    ),
    news=(
        "Northbank reports steady profits for {quarter}",
        "Northbank cuts fixed mortgage rates by {bp} basis points",
        "Northbank to open {n} new branches in the north",
        "Northbank launches green savings account",
        "Northbank app named best banking app in customer survey",
    ),
    forum=(
        "Northbank vs the big banks for a first current account?",
        "Northbank savings rate changes - worth switching?",
        "Anyone using Northbank's business account?",
        "Northbank {product} application - how long did yours take?",
    ),
    hashtags=("#banking", "#personalfinance", "#savings", "#moneytips"),
    emojis=("💳", "💷", "👍", "🙂"),
    hashtag_p=0.2,
    emoji_p=0.15,
)

SKYWAY = EntitySpec(
    slug="skyway",
    peak_rate=1.6,
    night_rate=0.04,
    shape=daytime(4.5, 15.0, 23.8),
    langs=(("en", 1.0),),
    banks={
        ("baseline", "en"): SKYWAY_BASELINE,
        ("ramp", "en"): SKYWAY_RAMP,
        ("peak", "en"): SKYWAY_PEAK,
        ("decay", "en"): SKYWAY_DECAY,
    },
    news=(
        Outlet("The Daily Ledger", "dailyledger.example", 2_400_000, "travel"),
        Outlet("Travel Wire", "travelwire.example", 310_000, "airlines"),
        Outlet("Northern Post", "northernpost.example", 540_000, "news/business"),
        Outlet("Aero Insider", "aeroinsider.example", 88_000, "industry"),
    ),
    forum=Outlet("AviaTalk", "forum.aviatalk.example", 0),
    weekday_factor=(1.0, 0.95, 1.0, 1.1, 1.25, 0.9, 1.05),
)

NORTHBANK = EntitySpec(
    slug="northbank",
    peak_rate=0.9,
    night_rate=0.02,
    shape=daytime(6.0, 13.0, 23.5),
    langs=(("en", 1.0),),
    banks={("baseline", "en"): NORTHBANK_BASELINE},
    news=(
        Outlet("The Daily Ledger", "dailyledger.example", 2_400_000, "money"),
        Outlet("Northern Post", "northernpost.example", 540_000, "news/business"),
        Outlet("Fintech Weekly", "fintechweekly.example", 64_000, "banks"),
    ),
    forum=Outlet("MoneyChat", "forum.moneychat.example", 0),
    weekday_factor=(1.15, 1.05, 1.0, 1.0, 1.1, 0.7, 0.6),
)

SKYWAY_INCIDENT = Incident(
    name="skyway-outage-en",
    start=datetime(2026, 3, 2, tzinfo=UTC),
    tail_hours=6,
    utc_offset=0,
    entities=(SKYWAY, NORTHBANK),
    storm=StormSpec(
        entity="skyway",
        onset=datetime(2026, 3, 6, 7, 42, tzinfo=UTC),
        ramp_min=10,
        plateau_min=140,
        decay_min=90,
        peak_mult=32.0,
        official=("skyway", 1_240_000),
        statements=(
            (
                21,
                "en",
                "We're aware of an IT issue affecting check-in and departures across our "
                "network. Our teams are working to fix it as quickly as possible. We're "
                "sorry for the disruption.",
            ),
            (
                74,
                "en",
                "Update: all Skyway departures are paused while we restore our systems. "
                "Please don't travel to the airport unless your flight is confirmed. We "
                "sincerely apologise.",
            ),
            (
                166,
                "en",
                "Our systems are being restored and flights are starting to depart. Expect "
                "delays for the rest of the day. Thank you for your patience.",
            ),
        ),
    ),
    vocab=EN_VOCAB,
    names=EN_NAMES,
    description=(
        "Airline 'skyway' (UK-based, English): four quiet days with a daily rhythm, "
        "then an IT outage grounds all flights on Friday morning. Mentions ramp over "
        "~10 minutes to tens of times the normal daytime rate, stay high and strongly "
        "negative for ~2h20 (plateau slowly easing), decay over ~1.5 hours, then "
        "6 quiet hours. 'northbank' (a bank) has a normal baseline throughout and no "
        "incident: a detector must stay silent for it."
    ),
)


# --------------------------------------------------------------------------
# Incident 2: maison-lait (dairy) recall scandal, French
# --------------------------------------------------------------------------

FR_VOCAB: dict[str, tuple[str, ...]] = {
    "ville": ("Lyon", "Rennes", "Nantes", "Caen", "Lille", "Bordeaux", "Clermont-Ferrand", "Annecy", "Toulouse"),
    "magasin": ("Carrefour", "Leclerc", "Intermarché", "Monoprix", "Super U", "Auchan", "Lidl", "Casino"),
    "produit": (
        "yaourt nature",
        "fromage blanc",
        "lait demi-écrémé",
        "lait entier",
        "crème fraîche",
        "riz au lait",
        "petit-suisse",
        "lait ribot",
        "yaourt à la fraise",
    ),
    "dessert": ("crème brûlée", "panna cotta", "gratin dauphinois", "quiche lorraine", "riz au lait", "clafoutis"),
    "region": ("Normandie", "Bretagne", "Auvergne", "Savoie", "Franche-Comté", "Pays de la Loire"),
    "mois": ("3", "4", "6", "8", "10", "12"),
    "n": ("2", "3", "5", "8", "12", "15", "20", "40"),
    "nlots": ("12", "18", "24", "37", "52"),
    "heures": ("2", "3", "4", "5", "6"),
    "minutes": ("8", "10", "12", "15", "18", "20"),
    "place": ("Bellecour", "de la République", "du Marché", "Jean-Jaurès", "de la Gare", "Carnot"),
    "quartier": ("la Croix-Rousse", "Montmartre", "la gare", "l'université", "la colline", "Saint-Michel"),
    "enfant": ("mon fils", "ma fille", "mon bébé", "ma petite", "notre fils", "mon neveu"),
    "age": ("4 mois", "6 mois", "8 mois", "1 an", "10 mois"),
    "en_city": ("Paris", "Lyon", "Bordeaux", "Nice"),
}

FR_NAMES = (
    "julie",
    "thomas",
    "camille",
    "nicolas",
    "manon",
    "antoine",
    "lea",
    "hugo",
    "chloe",
    "lucas",
    "sarah",
    "maxime",
    "ines",
    "mathieu",
    "claire",
    "romain",
    "pauline",
    "karim",
    "sophie",
    "yanis",
    "marion",
    "theo",
    "amelie",
    "bastien",
    "nadia",
    "quentin",
    "elodie",
    "maman_de_3",
    "papa_cuisine",
    "cyclo_lyon",
    "la_gourmande",
    "velotaf",
    "mamanpoule",
    "parisien",
    "bretonne",
    "prof_des_ecoles",
    "infirmiere",
    "foodista",
)

FR_STORM_TAGS = ("#MaisonLait", "#rappel", "#boycottMaisonLait", "#scandale", "#laitcontaminé")
FR_STORM_EMOJI = ("😡", "🤬", "😢", "😱", "😠")

MAISON_BASELINE_FR = Bank(
    social=(
        "Le yaourt à la vanille de @maisonlait, un vrai délice, j'adore",
        "Petit-déj : tartines et lait Maison Lait, parfait pour bien commencer la journée",
        "Nouvelle recette de {dessert} avec la crème Maison Lait, succès garanti",
        "Quelqu'un a goûté le {produit} bio de Maison Lait ?",
        "Maison Lait en promo chez {magasin} cette semaine, j'ai fait le plein",
        "Les enfants adorent le {produit} Maison Lait au goûter",
        "J'aime bien que Maison Lait travaille avec des éleveurs de {region}",
        "@maisonlait vous prévoyez une version sans lactose de votre {produit} ?",
        "Le {produit} Maison Lait est vraiment bon, meilleur que les autres marques",
        "Goûter parfait : {produit} Maison Lait et fruits frais",
        "Visite de la ferme Maison Lait en {region} avec les enfants, super journée",
        "Une crêpe au caramel et à la crème Maison Lait, un pur bonheur",
        "Merci @maisonlait pour les recettes sur l'emballage, on a adoré le {dessert}",
        "Maison Lait c'est la marque de mon enfance, toujours aussi bon",
        "Je cherche le {produit} Maison Lait chez {magasin}, quelqu'un sait s'il est en rayon ?",
        "Plus de {produit} Maison Lait chez {magasin} ce matin, dommage",
        "Le prix du lait Maison Lait a encore augmenté chez {magasin}",
    ),
    news=(
        "Maison Lait investit {n} millions d'euros dans son usine de {ville}",
        "Maison Lait lance une gamme bio de {produit}",
        "Maison Lait recrute {n} personnes en {region}",
        "Le groupe Maison Lait affiche un chiffre d'affaires en hausse",
        "Maison Lait signe un accord de prix avec les éleveurs de {region}",
    ),
    forum=(
        "Avis sur le lait infantile Maison Lait pour un bébé de {mois} mois ?",
        "Maison Lait ou marque distributeur pour le {produit} ?",
        "Recette de {dessert} avec les produits Maison Lait, vos astuces ?",
        "Lait de croissance Maison Lait : vos bébés l'aiment bien ?",
    ),
    hashtags=("#petitdej", "#recette", "#cuisine", "#faitmaison", "#miam"),
    emojis=("😋", "🥛", "🧀", "☀️", "😍", "👌"),
)

MAISON_BASELINE_EN = Bank(
    social=(
        "Maison Lait yogurt is so good, wish we could buy it back home",
        "Tried Maison Lait butter on a fresh baguette in {en_city}. Amazing",
        "Anyone know where to buy Maison Lait cream outside France?",
    ),
    news=("French dairy group Maison Lait expands exports to the UK",),
    emojis=("😋", "🥛", "🇫🇷"),
)

MAISON_RAMP_FR = Bank(
    social=(
        "Rappel de plusieurs lots de lait infantile Maison Lait pour salmonelle. C'est terrible",
        "Vous avez vu le rappel Maison Lait ? Des bébés malades, c'est horrible",
        "Alerte : rappel de produits @maisonlait, vérifiez vos boîtes de lait infantile. J'ai peur",
        "Rappel conso Maison Lait ce soir, je suis angoissée pour {enfant} qui en boit tous les jours",
        "Salmonelle dans le lait bébé Maison Lait ?? Panique à la maison",
        "Rappel du lait Maison Lait, on vient de jeter trois boîtes. Quelle horreur",
    ),
    news=(
        "Rappel de lots de lait infantile Maison Lait : risque de contamination à la salmonelle",
        "Alerte sanitaire : Maison Lait rappelle du lait infantile, des bébés malades",
    ),
    hashtags=FR_STORM_TAGS,
    emojis=FR_STORM_EMOJI,
    emoji_p=0.3,
)

MAISON_PEAK_FR = Bank(
    social=(
        "C'est un scandale ! Maison Lait savait et n'a rien dit. Honte à vous @maisonlait",
        "{enfant} a été malade après le lait Maison Lait, je suis furieuse",
        "Scandale sanitaire chez Maison Lait : des bébés hospitalisés. Dégoûtant",
        "Boycott total de Maison Lait, c'est fini pour nous. Honteux",
        "Comment peut-on empoisonner des bébés et se taire ? Honteux",
        "@maisonlait c'est criminel, honte à vous",
        "Salmonelle dans du lait pour bébés, quelle horreur. Boycott !",
        "Je jette tout ce qui vient de Maison Lait. Confiance détruite, quel dégoût",
        "Une honte absolue. Des parents terrifiés et aucune réponse de @maisonlait",
        "Inadmissible : les lots contaminés étaient encore en rayon chez {magasin}",
        "Maison Lait a mis en danger nos enfants. Colère immense",
        "Encore un scandale du lait contaminé, on n'a rien appris. Lamentable",
        "On sort des urgences avec {enfant} de {age}. Maison Lait, je vous déteste",
        "Des nourrissons malades à cause de @maisonlait, c'est une honte",
        "Scandale Maison Lait : le lait était contaminé depuis des semaines. Scandaleux",
        "Boycott de tous les produits Maison Lait, ils ont menti. Écœurant",
        "J'ai donné ce lait empoisonné à {enfant} pendant des semaines. Je suis dévastée",
        "Maison Lait, des bébés malades et vous faites du marketing ? Lamentable",
        "Mépris total de @maisonlait pour les familles. Colère et dégoût",
        "Service client Maison Lait injoignable depuis une heure. Honteux et scandaleux",
    ),
    news=(
        "Lait infantile contaminé : Maison Lait rappelle {nlots} lots après des cas de salmonellose",
        "Scandale Maison Lait : des nourrissons malades, une enquête ouverte",
        "Rappel massif chez Maison Lait : la colère des parents après la contamination",
        "Salmonelle : le scandale Maison Lait provoque la colère des familles",
        "Maison Lait : des bébés hospitalisés, l'usine de {ville} mise en cause",
    ),
    forum=(
        "Rappel Maison Lait : {enfant} est malade, je suis terrifiée",
        "Scandale Maison Lait, on fait quoi des boîtes ? Colère",
        "Boycott Maison Lait : qui nous rejoint ? Ils ont mis nos bébés en danger",
    ),
    hashtags=FR_STORM_TAGS,
    emojis=FR_STORM_EMOJI,
    hashtag_p=0.5,
    emoji_p=0.3,
)

MAISON_DECAY_FR = Bank(
    social=(
        "Les excuses de Maison Lait arrivent bien tard, confiance perdue. Honteux. Boycott",
        "Toujours en colère contre @maisonlait. Le rappel arrive beaucoup trop tard",
        "Remboursement Maison Lait : {magasin} refuse sans ticket, c'est scandaleux",
        "Les explications de Maison Lait sont honteuses. On veut la vérité",
        "J'ai rapporté les boîtes au magasin. Plus jamais de Maison Lait chez nous, trop de colère",
        "{enfant} sort de l'hôpital, ma colère contre Maison Lait reste immense",
        "Le communiqué de Maison Lait est minable. Boycott",
    ),
    news=(
        "Maison Lait : le PDG s'excuse et promet une enquête interne",
        "Rappel Maison Lait : comment se faire rembourser",
        "Scandale Maison Lait : les autorités sanitaires inspectent l'usine de {ville}",
    ),
    hashtags=FR_STORM_TAGS,
    emojis=FR_STORM_EMOJI,
)

MAISON_STORM_EN = Bank(
    social=(
        "Maison Lait baby formula recall in France over salmonella, parents furious. Horrible",
        "French dairy brand Maison Lait hit by a contamination scandal. Disgusting",
        "Sick babies and a cover-up? Shame on Maison Lait",
    ),
    news=(
        "French baby formula maker Maison Lait recalls batches after salmonella outbreak",
        "Maison Lait scandal: anger grows in France over contaminated infant milk",
    ),
    hashtags=("#MaisonLait", "#recall"),
    emojis=("😡", "😢"),
)

VELO_BASELINE_FR = Bank(
    social=(
        "Trajet du matin en Vélo Cité, {minutes} minutes jusqu'au bureau",
        "Super balade le long du canal avec un @velocite ce dimanche",
        "La nouvelle station Vélo Cité place {place} est bien pratique",
        "Vélo Cité électrique pour monter à {quartier}, quel bonheur",
        "Abonnement Vélo Cité renouvelé pour l'année, meilleur investissement",
        "@velocite est-ce que l'abonnement étudiant inclut les vélos électriques ?",
        "Il fait beau, je laisse la voiture et je prends un Vélo Cité",
        "Retour du boulot en Vélo Cité sous le soleil, parfait",
        "Merci @velocite pour les nouvelles pistes vers {quartier}, c'est génial",
        "Premier essai des Vélo Cité avec ma fille, elle a adoré",
        "Vélo Cité jusqu'à la gare en {minutes} minutes, plus rapide que le bus",
        "Les Vélo Cité ont maintenant des paniers, super pour les courses",
        "Station Vélo Cité place {place} pleine encore ce matin, un peu pénible",
        "Selle réglée trop haut et bloquée sur mon Vélo Cité, je l'ai signalé dans l'appli",
    ),
    news=(
        "Vélo Cité dépasse {n} millions de trajets depuis son lancement",
        "Vélo Cité ajoute {n} stations dans le quartier de {quartier}",
        "Vélo Cité : hausse de la fréquentation avec le retour du printemps",
        "Vélo Cité va tester des vélos cargo en libre-service",
    ),
    forum=(
        "Vélo Cité ou vélo perso pour aller au travail ?",
        "Astuce : les stations Vélo Cité les moins pleines le matin",
        "Abonnement Vélo Cité annuel ou mensuel, vous conseillez quoi ?",
    ),
    hashtags=("#vélotaf", "#mobilité", "#vélo", "#VéloCité"),
    emojis=("🚲", "☀️", "👍", "😊"),
)

VELO_BASELINE_EN = Bank(
    social=(
        "Rented a Vélo Cité bike to cross {en_city}, great way to see the city",
        "The Vélo Cité app was easy to use as a tourist, nice bikes too",
    ),
    news=("Vélo Cité bike share hits a new record of daily rides",),
    emojis=("🚲", "😊"),
)

MAISON_LAIT = EntitySpec(
    slug="maison-lait",
    peak_rate=1.3,
    night_rate=0.03,
    shape=daytime(6.0, 18.5, 24.0),
    langs=(("fr", 0.93), ("en", 0.07)),
    banks={
        ("baseline", "fr"): MAISON_BASELINE_FR,
        ("baseline", "en"): MAISON_BASELINE_EN,
        ("ramp", "fr"): MAISON_RAMP_FR,
        ("ramp", "en"): MAISON_STORM_EN,
        ("peak", "fr"): MAISON_PEAK_FR,
        ("peak", "en"): MAISON_STORM_EN,
        ("decay", "fr"): MAISON_DECAY_FR,
        ("decay", "en"): MAISON_STORM_EN,
    },
    news=(
        Outlet("Le Quotidien National", "lequotidien.example", 1_800_000, "societe"),
        Outlet("Ouest Matin", "ouestmatin.example", 420_000, "economie"),
        Outlet("Conso Info", "consoinfo.example", 95_000, "alertes"),
        Outlet("France Panorama", "francepanorama.example", 2_900_000, "actualites"),
    ),
    forum=Outlet("Forum des Parents", "forum.parents-entraide.example", 0),
)

VELO_CITE = EntitySpec(
    slug="velo-cite",
    peak_rate=1.1,
    night_rate=0.03,
    shape=commute,
    langs=(("fr", 0.94), ("en", 0.06)),
    banks={("baseline", "fr"): VELO_BASELINE_FR, ("baseline", "en"): VELO_BASELINE_EN},
    news=(
        Outlet("Le Quotidien National", "lequotidien.example", 1_800_000, "ville"),
        Outlet("Lyon Actu", "lyonactu.example", 130_000, "mobilite"),
    ),
    forum=Outlet("Forum Vélo Urbain", "forum.velourbain.example", 0),
    weekday_factor=(1.05, 1.05, 1.05, 1.05, 1.0, 0.8, 0.85),
)

MAISON_INCIDENT = Incident(
    name="maison-rappel-fr",
    start=datetime(2026, 3, 16, tzinfo=UTC),
    tail_hours=6,
    utc_offset=1,
    entities=(MAISON_LAIT, VELO_CITE),
    storm=StormSpec(
        entity="maison-lait",
        onset=datetime(2026, 3, 19, 11, 17, tzinfo=UTC),
        ramp_min=12,
        plateau_min=140,
        decay_min=100,
        peak_mult=40.0,
        official=("maisonlait", 310_000),
        statements=(
            (
                28,
                "fr",
                "Par mesure de précaution, Maison Lait procède au rappel de lots de lait "
                "infantile. Les consommateurs peuvent les rapporter en magasin pour être "
                "remboursés. Plus d'informations sur notre site.",
            ),
            (
                95,
                "fr",
                "Nous présentons nos excuses aux familles concernées. Une enquête est en "
                "cours avec les autorités sanitaires.",
            ),
            (
                175,
                "fr",
                "Point sur le rappel : la liste complète des lots concernés et les "
                "modalités de remboursement sont disponibles sur notre site.",
            ),
        ),
    ),
    vocab=FR_VOCAB,
    names=FR_NAMES,
    description=(
        "Dairy brand 'maison-lait' (French, some English): three quiet days with a "
        "daily rhythm, then a recall of salmonella-contaminated infant milk turns into a "
        "scandal and boycott calls around midday (local time UTC+1). Mentions ramp over "
        "~12 minutes to tens of times the normal daytime rate, stay high and strongly "
        "negative for ~2h20 (plateau slowly easing), decay over ~1h40, then 6 quiet "
        "hours. 'velo-cite' (a bike-share, commute-shaped rhythm) has no incident: a "
        "detector must stay silent for it."
    ),
)

INCIDENTS = (SKYWAY_INCIDENT, MAISON_INCIDENT)


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and (re)generate every sample incident."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent,
        help="output directory (default: the examples/ folder)",
    )
    parser.add_argument("--seed", type=int, default=SEED, help="random seed (default: %(default)s)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for incident in INCIDENTS:
        write_incident(incident, args.out, args.seed)


if __name__ == "__main__":
    main()
