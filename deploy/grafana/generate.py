"""Generate firestorm's Grafana dashboards (JSON models) from code.

    .venv/bin/python deploy/grafana/generate.py          # writes deploy/grafana/dashboards/*.json
    .venv/bin/python deploy/grafana/generate.py --check  # exit 1 if the checked-in files differ

Two dashboards, both on the provisioned Prometheus datasource (uid DATASOURCE_UID, see
provisioning/datasources/firestorm.yml):

- "Firestorm" (uid firestorm-entity, the on-call view; the notifier's PagerDuty links open it
  with ?var-entity=<entity>): one entity's volume against its expected band with the incident
  and alert events as annotations, sentiment, detector score, the open incident's drivers, and
  the open incidents of every entity.
- "Firestorm pipeline health" (uid firestorm-pipeline): targets, throughput, outcomes, dead
  letters, consumer lag, watermark delay, latencies, sentiment by language, notifier deliveries.

Plain dicts in Grafana's dashboard JSON model (schemaVersion 39, Grafana 10.x/11.x); every query
is run against a real Prometheus by tests/integration/test_dashboards.py.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "dashboards"
RUNBOOK = HERE.parent.parent / "docs" / "runbook.md"
RUNBOOK_PANEL_ID = 100  # the notifier's default FIRESTORM_RUNBOOK_URL opens it (?viewPanel=100)
DATASOURCE_UID = "firestorm-prometheus"
DS = {"type": "prometheus", "uid": DATASOURCE_UID}
SCHEMA_VERSION = 39

Panel = dict[str, Any]


# --- building blocks ----------------------------------------------------------------------


def target(expr: str, legend: str = "", ref: str = "A", instant: bool = False, table: bool = False) -> dict[str, Any]:
    return {
        "datasource": DS,
        "refId": ref,
        "expr": expr,
        "legendFormat": legend or "__auto",
        "range": not instant,
        "instant": instant,
        "format": "table" if table else "time_series",
        "editorMode": "code",
    }


def targets(*items: tuple[str, str]) -> list[dict[str, Any]]:
    """(expr, legend) pairs as targets with refIds A, B, C..."""
    return [target(expr, legend, chr(ord("A") + i)) for i, (expr, legend) in enumerate(items)]


def panel(
    kind: str,
    title: str,
    description: str,
    grid: tuple[int, int, int, int],
    queries: list[dict[str, Any]],
    unit: str = "short",
    defaults: dict[str, Any] | None = None,
    overrides: list[dict[str, Any]] | None = None,
    options: dict[str, Any] | None = None,
    transformations: list[dict[str, Any]] | None = None,
) -> Panel:
    x, y, w, h = grid
    field_defaults: dict[str, Any] = {"unit": unit, **(defaults or {})}
    out: Panel = {
        "type": kind,
        "title": title,
        "description": description,
        "datasource": DS,
        "gridPos": {"x": x, "y": y, "w": w, "h": h},
        "targets": queries,
        "fieldConfig": {"defaults": field_defaults, "overrides": overrides or []},
        "options": options or {},
    }
    if transformations:
        out["transformations"] = transformations
    return out


def timeseries(
    title: str,
    description: str,
    grid: tuple[int, int, int, int],
    queries: list[dict[str, Any]],
    unit: str = "short",
    overrides: list[dict[str, Any]] | None = None,
    stack: bool = False,
    bars: bool = False,
    **custom: Any,
) -> Panel:
    style: dict[str, Any] = {
        "drawStyle": "bars" if bars else "line",
        "lineInterpolation": "stepAfter",
        "lineWidth": 1,
        "fillOpacity": 60 if bars else 10,
        "showPoints": "never",
        "spanNulls": False,
        "stacking": {"mode": "normal" if stack else "none", "group": "A"},
        **custom,
    }
    return panel(
        "timeseries",
        title,
        description,
        grid,
        queries,
        unit,
        defaults={"custom": style, "color": {"mode": "palette-classic"}},
        overrides=overrides,
        options={
            "legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
            "tooltip": {"mode": "multi", "sort": "desc"},
        },
    )


def stat(
    title: str,
    description: str,
    grid: tuple[int, int, int, int],
    expr: str,
    unit: str = "short",
    legend: str = "",
    thresholds: list[tuple[float | None, str]] | None = None,
    mappings: list[dict[str, Any]] | None = None,
    decimals: int | None = None,
    text_mode: str = "value",
) -> Panel:
    steps = [{"value": v, "color": c} for v, c in (thresholds or [(None, "blue")])]
    defaults: dict[str, Any] = {
        "thresholds": {"mode": "absolute", "steps": steps},
        "color": {"mode": "thresholds"},
        "mappings": mappings or [],
    }
    if decimals is not None:
        defaults["decimals"] = decimals
    return panel(
        "stat",
        title,
        description,
        grid,
        [target(expr, legend)],
        unit,
        defaults=defaults,
        options={
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
            "colorMode": "background",
            "graphMode": "area",
            "textMode": text_mode,
            "justifyMode": "auto",
            "orientation": "auto",
        },
    )


def table(
    title: str,
    description: str,
    grid: tuple[int, int, int, int],
    queries: list[dict[str, Any]],
    rename: dict[str, str],
    units: dict[str, str] | None = None,
    sort_by: str | None = None,
) -> Panel:
    overrides = [
        {"matcher": {"id": "byName", "options": name}, "properties": [{"id": "unit", "value": unit}]}
        for name, unit in (units or {}).items()
    ]
    transformations: list[dict[str, Any]] = [
        {"id": "merge", "options": {}},
        {
            "id": "organize",
            "options": {
                "excludeByName": {"Time": True, "__name__": True, "job": True, "instance": True},
                "renameByName": rename,
                "indexByName": {},
            },
        },
    ]
    return panel(
        "table",
        title,
        description,
        grid,
        queries,
        overrides=overrides,
        options={
            "showHeader": True,
            "cellHeight": "sm",
            "sortBy": [{"displayName": sort_by, "desc": True}] if sort_by else [],
            "footer": {"show": False, "reducer": ["sum"], "fields": ""},
        },
        transformations=transformations,
    )


def instant_table_targets(*items: str) -> list[dict[str, Any]]:
    return [target(expr, "", chr(ord("A") + i), instant=True, table=True) for i, expr in enumerate(items)]


def by_name(name: str, *properties: tuple[str, Any]) -> dict[str, Any]:
    return {"matcher": {"id": "byName", "options": name}, "properties": [{"id": k, "value": v} for k, v in properties]}


def query_variable(name: str, label: str, query: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "label": label,
        "type": "query",
        "datasource": DS,
        "definition": query,
        "query": {"query": query, "refId": f"{name}-values", "qryType": 1},
        "refresh": 2,
        "sort": 1,
        "current": {},
        "options": [],
        "hide": 0,
        **extra,
    }


def dashboard(
    uid: str,
    title: str,
    description: str,
    panels: list[Panel],
    variables: list[dict[str, Any]],
    annotations: list[dict[str, Any]] | None = None,
    links: list[dict[str, Any]] | None = None,
    time_from: str = "now-6h",
) -> dict[str, Any]:
    for number, item in enumerate(panels, 1):
        item["id"] = number
    return {
        "uid": uid,
        "title": title,
        "description": description,
        "tags": ["firestorm"],
        "timezone": "browser",
        "editable": True,
        "graphTooltip": 1,
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "refresh": "30s",
        "time": {"from": time_from, "to": "now"},
        "timepicker": {},
        "fiscalYearStartMonth": 0,
        "liveNow": False,
        "weekStart": "",
        "templating": {"list": variables},
        "annotations": {"list": annotations or []},
        "links": links or [],
        "panels": panels,
    }


def runbook_text() -> str:
    """docs/runbook.md's "first five minutes" for the dashboard's runbook panel (links to other pages dropped)."""
    page = RUNBOOK.read_text(encoding="utf-8")
    start = page.index("## The first five minutes")
    end = page.index("\n## ", start + 1)
    section = re.sub(r"\[([^\]]+)\]\([^)]*\.md[^)]*\)", r"\1", page[start:end]).strip()
    return (
        "## You were paged by firestorm\n\n"
        + section.removeprefix("## The first five minutes").strip()
        + "\n\nThe whole runbook (bot bursts, planned events and mutes with `firestorm plan`, when firestorm "
        "itself is down) is docs/runbook.md in the firestorm repository."
    )


def runbook_panel(grid: tuple[int, int, int, int]) -> Panel:
    x, y, w, h = grid
    return {
        "type": "text",
        "title": "On-call runbook",
        "description": "Generated from docs/runbook.md by deploy/grafana/generate.py; PagerDuty pages link here.",
        "gridPos": {"x": x, "y": y, "w": w, "h": h},
        "options": {"mode": "markdown", "content": runbook_text()},
    }


SEVERITY_COLORS = [(None, "green"), (1, "red")]


# --- the on-call dashboard ------------------------------------------------------------------

E = '{entity="$entity"}'


def oncall() -> dict[str, Any]:
    w, e, a = (
        f"max(firestorm_entity_window_mentions{E})",
        f"max(firestorm_entity_expected_mentions{E})",
        f"max(firestorm_entity_alert_threshold_mentions{E})",
    )
    panels: list[Panel] = [
        stat(
            "Incident",
            "Severity of the entity's open firestorm incident ('none' when none is open). "
            "The notifier pages comms for warning and critical incidents.",
            (0, 0, 5, 4),
            f"(max by (severity) (firestorm_entity_incident_severity{E}) == 1)"
            ' or on () label_replace(vector(0), "severity", "none", "", "")',
            legend="{{severity}}",
            thresholds=SEVERITY_COLORS,
            mappings=[
                {"type": "value", "options": {"0": {"text": "no incident"}, "1": {"text": "OPEN"}}},
            ],
            text_mode="value_and_name",
        ),
        stat(
            "Mentions in the last window",
            "Mentions of the entity in its last closed window (event time).",
            (5, 0, 4, 4),
            w,
        ),
        stat(
            "Versus expected",
            "Last window's mentions divided by the baseline (expected) count.",
            (9, 0, 4, 4),
            f"{w} / {e}",
            unit="x",
            decimals=1,
            thresholds=[(None, "green"), (3, "orange"), (10, "red")],
        ),
        stat(
            "Negative share",
            "Share of the last window's scored mentions that are negative (VADER compound <= -0.05).",
            (13, 0, 4, 4),
            f"max(firestorm_entity_negative_ratio{E})",
            unit="percentunit",
            thresholds=[(None, "green"), (0.4, "orange"), (0.5, "red")],
        ),
        stat(
            "Mean sentiment",
            "Mean VADER compound of the last window, from -1 (very negative) to +1.",
            (17, 0, 3, 4),
            f"max(firestorm_entity_mean_compound{E})",
            decimals=2,
            thresholds=[(None, "red"), (-0.05, "orange"), (0.05, "green")],
        ),
        stat(
            "Reach",
            "Followers summed over the last window's mentions.",
            (20, 0, 4, 4),
            f"max(firestorm_entity_window_reach{E})",
        ),
        timeseries(
            "Volume vs expected band",
            "Mentions per window against the band from the expected count (baseline) up to the alert "
            "line (the count at which the detector alerts on volume). Red regions: an incident is open; "
            "markers: alert events (triggered, escalated, updated, resolved).",
            (0, 4, 24, 10),
            targets((w, "mentions per window"), (e, "expected"), (a, "alert line")),
            overrides=[
                by_name("mentions per window", ("color", {"mode": "fixed", "fixedColor": "blue"})),
                by_name("mentions per window", ("custom.lineWidth", 2), ("custom.fillOpacity", 0)),
                by_name("expected", ("color", {"mode": "fixed", "fixedColor": "green"})),
                by_name("expected", ("custom.fillOpacity", 0)),
                by_name("alert line", ("color", {"mode": "fixed", "fixedColor": "red"})),
                by_name(
                    "alert line",
                    ("custom.fillBelowTo", "expected"),
                    ("custom.fillOpacity", 15),
                    ("custom.lineStyle", {"fill": "dash", "dash": [4, 4]}),
                ),
            ],
        ),
        timeseries(
            "Negative share and mean sentiment",
            "Per window: the share of negative mentions (left, 0-100%) and the mean compound (right, -1..1).",
            (0, 14, 12, 8),
            targets(
                (f"max(firestorm_entity_negative_ratio{E})", "negative share"),
                (f"max(firestorm_entity_mean_compound{E})", "mean sentiment"),
            ),
            unit="percentunit",
            overrides=[
                by_name(
                    "mean sentiment",
                    ("unit", "none"),
                    ("min", -1),
                    ("max", 1),
                    ("custom.axisPlacement", "right"),
                    ("color", {"mode": "fixed", "fixedColor": "purple"}),
                ),
                by_name("negative share", ("color", {"mode": "fixed", "fixedColor": "red"}), ("max", 1)),
            ],
        ),
        timeseries(
            "Detector score",
            "The detector's evidence for a spike: -log10 of the Poisson tail probability of the "
            "window's count. The default trigger is 6 (with at least 3x the baseline and 10 mentions).",
            (12, 14, 12, 8),
            targets((f"max(firestorm_entity_detector_score{E})", "score")),
        ),
        table(
            "Open incidents (all entities)",
            "Every entity with an open firestorm incident, most abnormal first: severity, last window "
            "against its baseline, mentions, negative share.",
            (0, 22, 12, 8),
            instant_table_targets(
                "sort_desc(max by (entity, severity) (firestorm_entity_incident_severity == 1)"
                " * on (entity) group_left max by (entity)"
                " (firestorm_entity_window_mentions / firestorm_entity_expected_mentions))",
                "max by (entity) (firestorm_entity_window_mentions) * on (entity) group_left (severity)"
                " (max by (entity, severity) (firestorm_entity_incident_severity == 1))",
                "max by (entity) (firestorm_entity_negative_ratio) * on (entity) group_left (severity)"
                " (max by (entity, severity) (firestorm_entity_incident_severity == 1))",
            ),
            rename={
                "Value #A": "x expected",
                "Value #B": "mentions/window",
                "Value #C": "negative",
            },
            units={"x expected": "x", "negative": "percentunit"},
            sort_by="x expected",
        ),
        table(
            "Drivers of the open incident",
            "Top terms and hashtags of the entity's last alert window while its incident is open, with "
            "the mentions naming them. Authors and sample posts are in the PagerDuty incident "
            "(never metric labels). Empty unless the worker runs with FIRESTORM_METRICS_DRIVER_TERMS=1 "
            "(terms are free text from posts and may name people).",
            (12, 22, 12, 8),
            instant_table_targets(f"sort_desc(max by (kind, rank, term) (firestorm_entity_driver_mentions{E}))"),
            rename={"Value": "mentions", "term": "term or hashtag"},
            sort_by="mentions",
        ),
        timeseries(
            "Authors and reach",
            "Distinct authors per window (left) and reach, the followers summed over the window's "
            "mentions (right): a storm of many small accounts, or one big one?",
            (0, 30, 12, 8),
            targets(
                (f"max(firestorm_entity_window_unique_authors{E})", "unique authors"),
                (f"max(firestorm_entity_window_reach{E})", "reach"),
            ),
            overrides=[by_name("reach", ("custom.axisPlacement", "right"))],
        ),
        timeseries(
            "Busiest entities",
            "Mentions per minute of the ten busiest entities (wall-clock rate).",
            (12, 30, 12, 8),
            targets(
                (
                    "topk(10, sum by (entity) (rate(firestorm_entity_mentions_total[$__rate_interval])) * 60)",
                    "{{entity}}",
                )
            ),
        ),
        runbook_panel((0, 38, 24, 16)),
    ]
    score = next(p for p in panels if p["title"] == "Detector score")
    score["fieldConfig"]["defaults"] = _score_defaults()  # the trigger score as a threshold line
    annotations = [
        {
            "name": "Incident open",
            "datasource": DS,
            "enable": True,
            "hide": False,
            "iconColor": "rgba(245, 54, 54, 0.35)",
            "expr": f"max(firestorm_entity_incident_open{E}) == 1",
            "step": "1m",
            "titleFormat": "incident open",
            "textFormat": "$entity",
            "tagKeys": "",
            "useValueForTime": False,
        },
        {
            "name": "Alert events",
            "datasource": DS,
            "enable": True,
            "hide": False,
            "iconColor": "orange",
            "expr": f"sum by (status) (increase(firestorm_entity_alerts_total{E}[2m])) > 0",
            "step": "1m",
            "titleFormat": "{{status}}",
            "textFormat": "$entity: {{status}}",
            "tagKeys": "status",
            "useValueForTime": False,
        },
    ]
    variables = [query_variable("entity", "Entity", "label_values(firestorm_entity_window_mentions, entity)")]
    links = [
        {
            "title": "Pipeline health",
            "type": "link",
            "url": "/d/firestorm-pipeline/firestorm-pipeline-health",
            "icon": "dashboard",
            "keepTime": True,
            "includeVars": False,
            "targetBlank": False,
            "asDropdown": False,
            "tags": [],
            "tooltip": "Is the pipeline itself healthy?",
        },
        {
            "title": "On-call runbook",
            "type": "link",
            "url": f"/d/firestorm-entity/firestorm?orgId=1&viewPanel={RUNBOOK_PANEL_ID}",
            "icon": "doc",
            "keepTime": False,
            "includeVars": False,
            "targetBlank": False,
            "asDropdown": False,
            "tags": [],
            "tooltip": "You were paged by firestorm: what to do",
        },
    ]
    model = dashboard(
        "firestorm-entity",
        "Firestorm",
        "On-call view of one watched entity: volume against its expected band, sentiment, incidents, drivers.",
        panels,
        variables,
        annotations,
        links,
    )
    panels[-1]["id"] = RUNBOOK_PANEL_ID
    return model


def _score_defaults() -> dict[str, Any]:
    return {
        "unit": "none",
        "min": 0,
        "color": {"mode": "palette-classic"},
        "thresholds": {"mode": "absolute", "steps": [{"value": None, "color": "green"}, {"value": 6, "color": "red"}]},
        "custom": {
            "drawStyle": "line",
            "lineInterpolation": "stepAfter",
            "lineWidth": 1,
            "fillOpacity": 10,
            "showPoints": "never",
            "spanNulls": False,
            "stacking": {"mode": "none", "group": "A"},
            "thresholdsStyle": {"mode": "line+area"},
        },
    }


# --- the pipeline dashboard ------------------------------------------------------------------

J = '{job=~"$job"}'
UNSCORED = '{job=~"$job", scored="false"}'


def rate(metric: str, by: str = "", selector: str = J, window: str = "$__rate_interval") -> str:
    grouping = f"sum by ({by}) " if by else "sum"
    return f"{grouping}(rate({metric}{selector}[{window}]))"


def quantiles(metric: str, window: str = "$__rate_interval") -> list[dict[str, Any]]:
    return targets(
        *(
            (f"histogram_quantile({q}, sum by (le) (rate({metric}_bucket{J}[{window}])))", f"p{round(q * 100)}")
            for q in (0.5, 0.99)
        )
    )


def pipeline() -> dict[str, Any]:
    panels: list[Panel] = [
        stat(
            "Targets up",
            "Firestorm processes Prometheus scrapes successfully (workers, notifiers, replays).",
            (0, 0, 4, 4),
            f"sum(up{J})",
            thresholds=[(None, "red"), (1, "green")],
        ),
        stat(
            "Targets down",
            "Firestorm processes that did not answer their last scrape.",
            (4, 0, 4, 4),
            f"count(up{J} == 0) or vector(0)",
            thresholds=[(None, "green"), (1, "red")],
        ),
        stat(
            "Mentions consumed",
            "Raw mention messages read per second, all workers.",
            (8, 0, 4, 4),
            rate("firestorm_mentions_consumed_total"),
            unit="reqps",
        ),
        stat(
            "Consumer lag",
            "Messages of the mentions topic not yet read, all partitions.",
            (12, 0, 4, 4),
            f"sum(firestorm_consumer_lag{J})",
            thresholds=[(None, "green"), (1000, "orange"), (100000, "red")],
        ),
        stat(
            "Freshest watermark delay",
            "How far the most recent clock domain's event-time watermark trails the wall clock.",
            (16, 0, 4, 4),
            f"min(firestorm_watermark_delay_seconds{J})",
            unit="s",
            thresholds=[(None, "green"), (300, "orange"), (900, "red")],
        ),
        stat(
            "Dead-lettered",
            "Share of mentions sent to the dead-letter topic over the last 10 minutes.",
            (20, 0, 4, 4),
            f"({rate('firestorm_dead_letters_total', window='10m')} or vector(0))"
            f" / {rate('firestorm_mentions_consumed_total', window='10m')}",
            unit="percentunit",
            thresholds=[(None, "green"), (0.01, "orange"), (0.05, "red")],
        ),
        timeseries(
            "Mentions by outcome",
            "Per second: accepted, duplicate (same id within the open windows), late (window already "
            "closed), dead_letter (could not be decoded). Decoded = all but dead_letter.",
            (0, 4, 12, 8),
            targets((rate("firestorm_mentions_total", "outcome"), "{{outcome}}")),
            unit="reqps",
            stack=True,
        ),
        timeseries(
            "Dead letters by reason",
            "Mentions dead-lettered per second, by reason (not_json, missing_field, bad_timestamp, ...).",
            (12, 4, 12, 8),
            targets((rate("firestorm_dead_letters_total", "reason"), "{{reason}}")),
            unit="reqps",
            stack=True,
        ),
        timeseries(
            "Consumer lag per partition",
            "Highwater minus position of each assigned mentions partition (sampled every 5 s by each worker).",
            (0, 12, 12, 8),
            targets((f"max by (topic, partition) (firestorm_consumer_lag{J})", "{{topic}}/{{partition}}")),
        ),
        timeseries(
            "Watermark delay",
            "Wall clock minus the event-time watermark of each clock domain (a partition, or a replay).",
            (12, 12, 12, 8),
            targets((f"max by (instance, domain) (firestorm_watermark_delay_seconds{J})", "{{instance}} {{domain}}")),
            unit="s",
        ),
        timeseries(
            "Event-to-alert latency",
            "Wall time from the arrival of the mention whose ingestion closed a window to its alert "
            "being sent (p50, p99).",
            (0, 20, 12, 8),
            quantiles("firestorm_event_to_alert_latency_seconds"),
            unit="s",
        ),
        timeseries(
            "Batch processing time",
            "Wall time to process one batch of mentions in a worker (p50, p99).",
            (12, 20, 12, 8),
            quantiles("firestorm_batch_processing_seconds"),
            unit="s",
        ),
        timeseries(
            "Mentions by language",
            "Valid mentions per second by language; scored=false: no sentiment lexicon for it.",
            (0, 28, 8, 8),
            targets((rate("firestorm_sentiment_mentions_total", "language, scored"), "{{language}} scored={{scored}}")),
            unit="reqps",
            stack=True,
        ),
        timeseries(
            "Unscored share",
            "Share of valid mentions in a language firestorm cannot score (they count for volume only).",
            (8, 28, 8, 8),
            targets(
                (
                    f"({rate('firestorm_sentiment_mentions_total', selector=UNSCORED)}"
                    f" or vector(0)) / {rate('firestorm_sentiment_mentions_total')}",
                    "unscored",
                )
            ),
            unit="percentunit",
        ),
        timeseries(
            "Negative share by language",
            "Share of scored mentions that are negative (VADER compound <= -0.05), per language.",
            (16, 28, 8, 8),
            targets(
                (
                    f'sum by (language) (rate(firestorm_sentiment_compound_bucket{{job=~"$job", le="-0.05"}}'
                    f"[$__rate_interval])) / {rate('firestorm_sentiment_compound_count', 'language')}",
                    "{{language}}",
                )
            ),
            unit="percentunit",
        ),
        timeseries(
            "Alert events",
            "Alert events emitted by status and severity (per rate interval).",
            (0, 36, 12, 8),
            targets(
                (
                    f"sum by (status, severity) (increase(firestorm_alerts_total{J}[$__rate_interval]))",
                    "{{status}} {{severity}}",
                )
            ),
            bars=True,
            stack=True,
        ),
        timeseries(
            "Entities and label cap",
            "Entities with their own series per process, and window updates folded into "
            'entity="other" per second (FIRESTORM_ENTITY_LABEL_CAP reached).',
            (12, 36, 12, 8),
            targets(
                (f"count by (instance) (firestorm_entity_window_mentions{J})", "{{instance}} entities"),
                (rate("firestorm_entity_labels_folded_total"), "folded into other /s"),
            ),
        ),
        timeseries(
            "Notifier deliveries",
            "Events accepted per second by each sink (PagerDuty, webhooks, Slack), by action.",
            (0, 44, 8, 8),
            targets((rate("firestorm_notifier_events_sent_total", "sink, action"), "{{sink}} {{action}}")),
            unit="reqps",
        ),
        timeseries(
            "Notifier failures and retries",
            "Events given up (rejected, retries exhausted: they are dead-lettered) and attempts retried, per second.",
            (8, 44, 8, 8),
            targets(
                (rate("firestorm_notifier_events_failed_total", "sink, reason"), "failed {{sink}} {{reason}}"),
                (rate("firestorm_notifier_retries_total", "sink, reason"), "retry {{sink}} {{reason}}"),
            ),
            unit="reqps",
        ),
        timeseries(
            "Notifier queue and latency",
            "Events waiting for delivery (left) and p99 time from reading an alert to the sink accepting it (right).",
            (16, 44, 8, 8),
            [
                target(f"max(firestorm_notifier_queue_depth{J})", "queue depth", "A"),
                target(
                    "histogram_quantile(0.99, sum by (le) "
                    f"(rate(firestorm_notifier_delivery_latency_seconds_bucket{J}[$__rate_interval])))",
                    "p99 delivery latency",
                    "B",
                ),
            ],
            overrides=[by_name("p99 delivery latency", ("unit", "s"), ("custom.axisPlacement", "right"))],
        ),
        table(
            "Versions",
            "firestorm version, Python and role of each process.",
            (0, 52, 12, 6),
            instant_table_targets(f"firestorm_build_info{J}"),
            rename={"Value": "up"},
        ),
        table(
            "Targets",
            "Every firestorm scrape target and whether its last scrape succeeded (1) or not (0).",
            (12, 52, 12, 6),
            instant_table_targets(f"up{J}"),
            rename={"Value": "up"},
        ),
    ]
    variables = [
        query_variable(
            "job",
            "Job",
            "label_values(up, job)",
            regex="/firestorm/",
            multi=True,
            includeAll=True,
            current={"selected": True, "text": ["All"], "value": ["$__all"]},
        )
    ]
    links = [
        {
            "title": "Firestorm (on-call)",
            "type": "link",
            "url": "/d/firestorm-entity/firestorm",
            "icon": "dashboard",
            "keepTime": True,
            "includeVars": False,
            "targetBlank": False,
            "asDropdown": False,
            "tags": [],
            "tooltip": "Entities, incidents, drivers",
        }
    ]
    return dashboard(
        "firestorm-pipeline",
        "Firestorm pipeline health",
        "Is firestorm itself healthy? Targets, throughput, lag, event time, latencies, sentiment coverage, paging.",
        panels,
        variables,
        links=links,
        time_from="now-3h",
    )


DASHBOARDS = {"firestorm.json": oncall, "pipeline-health.json": pipeline}


def render(name: str) -> str:
    return json.dumps(DASHBOARDS[name](), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--check", action="store_true", help="exit 1 if a checked-in dashboard is out of date")
    args = parser.parse_args(argv)
    stale = []
    for name in DASHBOARDS:
        path = OUT / name
        text = render(name)
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(str(path))
            continue
        OUT.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    if stale:
        print("out of date (run deploy/grafana/generate.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
