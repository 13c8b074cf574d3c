"""Human text and links for an alert, shared by every sink (pure functions, no I/O)."""

from __future__ import annotations

import urllib.parse
from typing import Any

from firestorm.models.alerts import Alert, NarrativeSummary
from firestorm.models.narrative_text import SHOWN_TEXT_CHARS, shorten

GRAFANA_MARGIN_MS = 30 * 60 * 1000  # show half an hour either side of the incident
_SEVERE = ("warning", "critical")


def window_label(alert: Alert) -> str:
    """The window size as people write it: 30s, 1m, 5m, 1h."""
    start, end = alert.window_start_ms, alert.window_end_ms
    if end <= start:
        return "one window"
    seconds = (end - start) // 1000
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def ratio(alert: Alert) -> float | None:
    if alert.drivers.ratio is not None:
        return alert.drivers.ratio
    return alert.volume / alert.baseline if alert.baseline else None


def reopened(alert: Alert) -> bool:
    """A resolved incident that its episode's aftershock or second wave re-opened (models/incidents.py)."""
    return alert.drivers.reopens > 0


def crisis_words(alert: Alert, limit: int = 3) -> list[str]:
    """The crisis-event words (models/crisis_events.py) of a crisis-event page, most frequent first."""
    figures = alert.crisis_figures()
    return figures[2][:limit] if figures is not None else []


def headline(alert: Alert) -> str:
    """What happened, in a few words: a crisis event (a surge paged whatever its sentiment) names its
    crisis words; otherwise a negative spike pages and a mention spike informs."""
    words = crisis_words(alert)
    if alert.crisis_figures() is not None:
        kind = f"crisis event ({', '.join(words)})" if words else "crisis event"
    else:
        kind = "negative spike" if alert.severity in _SEVERE else "mention spike"
    if alert.status == "escalated":
        return f"{kind}, escalated to {alert.severity}"
    if alert.status == "updated" and reopened(alert):
        return f"{kind}, back again (same episode)"
    if alert.status == "updated":
        return f"{kind}, still growing"
    if alert.status == "resolved":
        return f"{kind} over, back near normal"
    return kind


def summary(alert: Alert, limit: int = 1024) -> str:
    """One line: entity, what happened, ratio to normal, sentiment, the top narrative (at most
    `limit` characters; the narrative's label is shortened first, so it is always named)."""
    x = ratio(alert)
    text = (
        f"{'[DRILL] ' if alert.drill else ''}{alert.entity}: {headline(alert)} - "
        f"{alert.volume} mentions in {window_label(alert)} vs {alert.baseline:.1f} expected "
        f"({'x' + format(x, '.1f') if x is not None else 'no baseline'}), "
        f"{alert.negative_share:.0%} negative, mean sentiment {alert.mean_compound:+.2f}"
    )
    span = fifteen_minutes(alert)
    if span is not None:  # a crisis event crossed its line on the last 15 minutes: show that figure too
        text += f", last 15m {span[0]:.0f} vs {span[1]:.1f} expected (x{span[0] / span[1]:.1f})" if span[1] else ""
    text = " ".join(text.split())  # one line, whatever the entity holds
    top = top_narrative(alert)
    if top is not None:
        label, share = top
        room = limit - len(text) - len(' - top narrative "" (100% of posts)')
        if room >= 20:
            text += f' - top narrative "{shorten(label, min(room, 120))}" ({share:.0%} of posts)'
    return text if len(text) <= limit else text[: limit - 3] + "..."


def fifteen_minutes(alert: Alert) -> tuple[float, float] | None:
    """(volume, expected) of the last 15 minutes, on a crisis-event page (the figures its rule compared)."""
    figures = alert.crisis_figures()
    return (figures[0], figures[1]) if figures is not None else None


def narratives(alert: Alert) -> list[NarrativeSummary]:
    """The alert's narratives (drivers.narratives; none when the engine ran without them)."""
    return alert.drivers.narratives or []


def top_narrative(alert: Alert) -> tuple[str, float] | None:
    """(label, share of posts) of the largest narrative."""
    for n in narratives(alert)[:1]:
        return " ".join(n["label"].split()), float(n["share"])
    return None


def narrative_examples(narrative: NarrativeSummary, limit: int = 3) -> list[dict[str, Any]]:
    """A narrative's representative posts: text (one line, at most SHOWN_TEXT_CHARS), an http(s)
    url or None."""
    out: list[dict[str, Any]] = []
    for example in narrative["examples"][:limit]:
        url = example["url"]
        ok_url = url is not None and url.startswith(("https://", "http://")) and len(url) <= 2048
        out.append(
            {
                "text": shorten(example["text"], SHOWN_TEXT_CHARS),
                "url": url if ok_url else None,
                "reach": example["reach"],
                "why": example["why"],
            }
        )
    return out


def narrative_details(alert: Alert) -> list[dict[str, Any]]:
    """The narratives as an on-call screen shows them (no timeline, texts shortened)."""
    out = []
    for n in narratives(alert):
        out.append(
            {
                "narrative": n["label"][:200],
                "share_of_posts": n["share"],
                "negative_share": n["negative_share"],
                "languages": n["languages"],
                "since": n["start"],
                "reposts": n["reposts"],
                "posts": [f"{e['text']}" + (f" <{e['url']}>" if e["url"] else "") for e in narrative_examples(n)],
            }
        )
    return out


def grafana_url(template: str, alert: Alert) -> str | None:
    """The entity's Grafana panel over the incident's time range (None when no template)."""
    if not template:
        return None
    start, end = alert.incident_start_ms, alert.window_end_ms
    return template.format(
        entity=urllib.parse.quote(alert.entity, safe=""),
        incident_id=urllib.parse.quote(alert.incident_id, safe=""),
        from_ms=start - GRAFANA_MARGIN_MS,
        to_ms=end + GRAFANA_MARGIN_MS,
    )


def sample_mentions(alert: Alert, limit: int) -> list[tuple[str, str]]:
    """(id, url) of sample mentions that have an http(s) URL, at most `limit`."""
    out: list[tuple[str, str]] = []
    for sample in alert.drivers.samples:
        if len(out) >= limit:
            break
        url = sample.get("url")
        if isinstance(url, str) and url.startswith(("https://", "http://")) and len(url) <= 2048:
            out.append((str(sample.get("id", ""))[:200], url))
    return out


def _pairs(value: list[tuple[str, int]], limit: int = 10) -> str | None:
    """[("term", 4), ...] as 'term (4), ...'."""
    return ", ".join(f"{term} ({count})" for term, count in value[:limit]) or None


def details(alert: Alert, group: str | None = None) -> dict[str, Any]:
    """The drivers and figures, flattened for an on-call screen (PagerDuty custom_details)."""
    d = alert.drivers
    out: dict[str, Any] = {
        "incident_id": alert.incident_id,
        "entity": alert.entity,
        "group": group,
        "status": alert.status,
        "severity": alert.severity,
        "drill": alert.drill,
        "window": f"{alert.window_start} - {alert.window_end}",
        "detected_at": alert.detected_at,
        "mentions": alert.volume,
        "expected": alert.baseline,
        "ratio": d.ratio,
        "score": alert.score,
        "negative_share": alert.negative_share,
        "mean_compound": alert.mean_compound,
    }
    out["top_terms"] = _pairs(d.top_terms) or d.top_terms
    out["top_hashtags"] = _pairs(d.top_hashtags) or d.top_hashtags
    out["top_authors"] = ", ".join(f"{a['id']} ({a['followers']:,} followers)" for a in d.top_authors[:10])
    out["sample_mentions"] = [s["url"] or s["id"] for s in d.samples[:10] if s]
    if d.narratives is not None:
        out["narratives"] = narrative_details(alert)
    sample = d.narrative_sample
    if isinstance(sample, dict) and sample.get("sampled"):
        out["narratives_from"] = (
            f"{sample.get('sampled')} sampled of {sample.get('seen')} posts since {sample.get('since')}; "
            f"{sample.get('other_share', 0):.0%} in smaller stories"
        )
    figures = {
        "languages": d.languages,
        "unique_authors": d.unique_authors,
        "reach": d.reach,
        "reposts": d.reposts,
        "negative": d.negative,
        "scored": d.scored,
        "distinct_texts": d.distinct_texts,
        **d.detector,  # the detector's own figures, flat on the on-call screen
        "reopens": d.reopens or None,
    }
    out.update({k: v for k, v in figures.items() if k not in out})
    return {k: v for k, v in out.items() if v is not None}
