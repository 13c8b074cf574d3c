"""Every Grafana panel query, run against a real Prometheus scraping a real incident.

One module-wide stack, scraped by the suite's Prometheus (Debian's 2.42, 1 s scrapes):
- `firestorm replay` of the English sample, paced (~20 s for 4 days) and cut at 09:00 on the day
  of the storm, so the skyway incident is still open when it ends, then held with `--hold`
  (job firestorm-replay): the on-call dashboard's data;
- a `firestorm worker` on the local broker fed a storm with bad lines (job firestorm-worker):
  consumer lag, batch times, dead letters; the storm is sent in two phases (the trigger, then the
  resolve) so that rates and latency histograms have samples before and after each step;
- a `firestorm notifier` paging the local PagerDuty-compatible server, which answers one 500
  first (a retry); a record that is not an alert event is a failure (job firestorm-notifier).
Then each panel's query (and each annotation's) is run with its variables substituted the way
Grafana does, as Grafana would (range queries over the test's time range, instant ones at its
end), and must return data, with at least one finite value.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.deploy.dashboards import Query, dashboard_files, load, queries, substitute
from tests.integration.services import PROMETHEUS_PORT, REPO, RUN_DIR, free_port, wait_for
from tests.integration.storms import storm_lines
from tests.integration.worker_process import Stack, WorkerProcess
from tests.paging.harness import NotifierProcess, paging_env, produce_alerts, routing_key
from tests.paging.server import PagerDutyServer

SAMPLE = REPO / "examples" / "skyway-outage-en.jsonl"
CUT = "2026-03-06T09:00:00Z"  # the skyway storm (07:42) is open at that time
SPEED = 20_000  # 4.4 days of event time in about 20 s
STORM_SPLIT = b"T08:40"  # storm_lines' burst starts at 08:30: phase 1 triggers, phase 2 resolves
RATE_INTERVAL = "1m"  # Grafana's $__rate_interval: 4 x the datasource's 15 s scrape interval


def prometheus_api(path: str, **params: str) -> Any:
    url = f"http://127.0.0.1:{PROMETHEUS_PORT}/api/v1/{path}?" + urllib.parse.urlencode(params)
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            body = orjson.loads(response.read())
    except urllib.error.HTTPError as exc:
        body = orjson.loads(exc.read())
    if body.get("status") != "success":
        raise AssertionError(f"{path} {params}: {body.get('errorType')}: {body.get('error')}")
    return body["data"]


def instant(query: str, at: float | None = None) -> list[dict[str, Any]]:
    params = {"query": query}
    if at is not None:
        params["time"] = f"{at:.3f}"
    return list(prometheus_api("query", **params)["result"])


@dataclass
class Observed:
    tag: str
    start: float
    end: float
    values: dict[str, str]  # Grafana variables, substituted as Grafana would
    worker_port: int


def write_target(name: str, port: int, job: str, tag: str) -> Path:
    """A file_sd target with its own job label (it takes precedence over the scrape config's job_name)."""
    targets = RUN_DIR / "prometheus" / "targets"
    targets.mkdir(parents=True, exist_ok=True)
    path = targets / f"{name}-{tag}.json"
    path.write_bytes(orjson.dumps([{"targets": [f"127.0.0.1:{port}"], "labels": {"job": job, "test": tag}}]))
    return path


def grafana_all(regex: str, values: list[str]) -> str:
    """A multi-value variable set to All, as Grafana formats it for Prometheus: (a|b|c), regex-escaped."""
    chosen = sorted(v for v in values if re.search(regex, v))
    return "(" + "|".join(re.sub(r"([\\.+*?()|\[\]{}^$])", r"\\\1", v) for v in chosen) + ")"


@pytest.fixture(scope="module")
def observed(kafka: int, prometheus: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Observed]:
    tmp = tmp_path_factory.mktemp("dashboards")
    stack = Stack(tmp=tmp, metrics_port=free_port())
    tag = stack.tag
    cut = tmp / "skyway-until-0900.jsonl"
    cut.write_bytes(b"".join(line for line in SAMPLE.open("rb") if orjson.loads(line)["ts"] < CUT))
    replay_port, notifier_port = free_port(), free_port()
    target_files = [
        write_target("dash-replay", replay_port, "firestorm-replay", tag),
        write_target("dash-worker", stack.metrics_port, "firestorm-worker", tag),
        write_target("dash-notifier", notifier_port, "firestorm-notifier", tag),
    ]
    pagerduty = PagerDutyServer().start()
    pagerduty.fail_next(1, 500)  # the first attempt is retried
    processes: list[WorkerProcess] = []
    replay_log = (tmp / "replay.log").open("wb")
    replay = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "firestorm.streams.cli",
            "replay",
            str(cut),
            "-q",
            "--no-labels",
            "--metrics-port",
            str(replay_port),
            "--speed",
            str(SPEED),
            "--hold",
            "300",
        ],
        env={**stack.env(), "FIRESTORM_METRICS_PORT": "0", "FIRESTORM_METRICS_DRIVER_TERMS": "1"},
        stdout=replay_log,
        stderr=subprocess.STDOUT,
        cwd=str(tmp),
    )
    start = time.time() - 5
    try:
        worker = WorkerProcess(stack)
        processes.append(worker)
        env = paging_env(
            stack,
            pagerduty.url,
            routing_key("prod"),
            FIRESTORM_NOTIFIER_METRICS_PORT=str(notifier_port),
            FIRESTORM_LOG_LEVEL="info",
        )
        processes.append(NotifierProcess(stack, env))

        def scraped(query: str) -> bool:
            return bool(instant(query))

        def wait_scraped(what: str, query: str, timeout_s: float = 45) -> None:
            wait_for(lambda: scraped(query), timeout_s, what=f"Prometheus to scrape {what}")

        # Rates need samples before and after: the worker and the notifier are scraped idle first.
        wait_scraped("the idle worker", f'firestorm_batch_processing_seconds_count{{test="{tag}"}}')
        wait_scraped("the idle notifier", f'firestorm_notifier_queue_depth{{test="{tag}"}}')
        lines = storm_lines(entity="acme", quiet_entity="calm", with_bad_lines=True, seed=11)
        split = next(i for i, line in enumerate(lines) if line.startswith(b'{"id"') and STORM_SPLIT in line)
        consumed = 0
        for phase, batch in enumerate((lines[:split], lines[split:]), 1):
            stack.produce(batch)
            consumed += len(batch)

            def worker_done(n: int = consumed) -> bool:
                worker.assert_running()
                return stack.metric("firestorm_mentions_consumed_total") == n

            wait_for(worker_done, 90, what=f"the worker to consume phase {phase} of the storm")
            pagerduty.wait_for(lambda n=phase: len(pagerduty.statuses([202])) >= n, 60, f"page {phase}")
            wait_scraped(f"page {phase}", f'sum(firestorm_notifier_events_sent_total{{test="{tag}"}}) >= {phase}')
        produce_alerts(stack, [], raw=[b"not an alert event"])  # the notifier dead-letters it: a failure

        def replay_done() -> bool:
            assert replay.poll() is None, (tmp / "replay.log").read_text()
            return "serving http://" in (tmp / "replay.log").read_text()

        wait_for(replay_done, 90, what="the paced replay to finish (and hold its metrics)")
        for what, query in (
            (
                "the replay's open skyway incident",
                f'firestorm_entity_incident_open{{test="{tag}",entity="skyway"}} == 1',
            ),
            ("the worker's consumer lag", f'firestorm_consumer_lag{{test="{tag}"}}'),
            ("the worker's resolved alert", f'firestorm_alerts_total{{test="{tag}",status="resolved"}} > 0'),
            ("the notifier's failure", f'firestorm_notifier_events_failed_total{{test="{tag}"}} > 0'),
            ("the notifier's retry", f'firestorm_notifier_retries_total{{test="{tag}"}} > 0'),
        ):
            wait_scraped(what, query)
        time.sleep(3)  # a few more scrapes of the final state
        jobs = prometheus_api("label/job/values")
        values = {
            "entity": "skyway",
            "job": grafana_all("firestorm", list(jobs)),
            "__rate_interval": RATE_INTERVAL,
            "__interval": "2s",
        }
        yield Observed(tag=tag, start=start, end=time.time(), values=values, worker_port=stack.metrics_port)
    finally:
        replay.terminate()
        replay.wait(timeout=30)
        replay_log.close()
        for process in processes:
            process.stop()
        pagerduty.stop()
        for path in target_files:
            path.unlink(missing_ok=True)


ALL_QUERIES = [q for path in dashboard_files() for q in queries(load(path))]


def finite_values(result: list[dict[str, Any]]) -> list[float]:
    out = []
    for series in result:
        points = series.get("values") or [series["value"]]
        out += [float(v) for _t, v in points if math.isfinite(float(v))]
    return out


@pytest.mark.parametrize("query", ALL_QUERIES, ids=lambda q: q.id)
def test_every_dashboard_query_returns_data(observed: Observed, query: Query) -> None:
    expr = substitute(query.expr, observed.values)
    if query.instant:
        result = instant(expr, at=observed.end)
    else:
        step = "2s"  # the test's range is short: finer than Grafana's (an annotation's step is 1m)
        result = list(
            prometheus_api(
                "query_range", query=expr, start=f"{observed.start:.3f}", end=f"{observed.end:.3f}", step=step
            )["result"]
        )
    assert result, f"no data for {query.id}:\n{expr}"
    assert finite_values(result), f"only NaN/Inf for {query.id}:\n{expr}\n{result}"


def test_variables_list_what_is_scraped(observed: Observed) -> None:
    """The variables' label_values(...) queries, as Grafana runs them (the series API)."""
    entities = prometheus_api("label/entity/values", **{"match[]": "firestorm_entity_window_mentions"})
    assert {"skyway", "northbank", "acme", "calm"} <= set(entities)
    assert observed.values["job"].count("firestorm-") >= 3  # replay, worker and notifier jobs


def test_the_oncall_panel_shows_the_storm_above_its_band(observed: Observed) -> None:
    """What on-call sees for skyway at the end: an open critical incident far above its alert line."""
    tag = observed.tag
    severity = instant(f'max by (severity) (firestorm_entity_incident_severity{{test="{tag}",entity="skyway"}}) == 1')
    assert [r["metric"]["severity"] for r in severity] == ["critical"]
    peak = instant(
        f'max_over_time(firestorm_entity_window_mentions{{test="{tag}",entity="skyway"}}[5m])', at=observed.end
    )
    line = instant(f'firestorm_entity_alert_threshold_mentions{{test="{tag}",entity="skyway"}}', at=observed.end)
    assert float(peak[0]["value"][1]) > float(line[0]["value"][1])
    drivers = instant(f'firestorm_entity_driver_mentions{{test="{tag}",entity="skyway"}}')
    assert {r["metric"]["kind"] for r in drivers} == {"term", "hashtag"}


def test_worker_health_endpoints(observed: Observed) -> None:
    """A real worker: alive (its Faust timer beats every 5 s) and ready (it joined its group)."""
    for path in ("/healthz", "/readyz"):
        with urllib.request.urlopen(f"http://127.0.0.1:{observed.worker_port}{path}", timeout=5) as response:
            report = orjson.loads(response.read())
        assert response.status == 200 and report["status"] == "ok", report
        assert report["live"] and report["ready"]
        assert report["last_heartbeat_seconds_ago"] is not None and report["last_heartbeat_seconds_ago"] < 15
