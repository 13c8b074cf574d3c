"""Render the on-call dashboard's main panel ("Volume vs expected band") from real Prometheus data.

    .venv/bin/python deploy/grafana/render_oncall_panel.py [--out docs/oncall-panel.png] [--speed 60]

What it does: replays the English sample (examples/skyway-outage-en.jsonl) through the real
engine with its metrics served, fast through the quiet days and paced at `--speed` x real time
over the storm (so that Prometheus scrapes every window), lets the local Prometheus
(deploy/prometheus/prometheus.sh, started here if it is not running, and stopped again) scrape
it, then runs the panel's own queries from deploy/grafana/dashboards/firestorm.json
(entity=skyway) as range queries and draws them with matplotlib the way the panel shows them:
mentions per window, the band from the expected count to the alert line, incident-open regions.
The x axis is the replay's event time, read from firestorm_watermark_timestamp_seconds.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from firestorm.models.engine import EngineSettings  # noqa: E402
from firestorm.models.timeutil import parse_ts  # noqa: E402
from firestorm.streams.drills.replay import Pacer, replay  # noqa: E402
from firestorm.streams.metrics import Metrics  # noqa: E402

SAMPLE = REPO / "examples" / "skyway-outage-en.jsonl"
DASHBOARD = REPO / "deploy" / "grafana" / "dashboards" / "firestorm.json"
PROMETHEUS = "http://127.0.0.1:9090"
SCRIPT = REPO / "deploy" / "prometheus" / "prometheus.sh"
TARGETS = REPO / ".run" / "prometheus" / "targets"
JOB = "firestorm-render"


def api(path: str, **params: str) -> Any:
    url = f"{PROMETHEUS}/api/v1/{path}?" + urllib.parse.urlencode(params)
    with urllib.request.urlopen(url, timeout=30) as response:
        body = orjson.loads(response.read())
    assert body["status"] == "success", body
    return body["data"]


def prometheus_running() -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", 9090)) == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def panel_queries() -> dict[str, str]:
    """The main panel's queries by legend, scoped to this render's job."""
    model = json.loads(DASHBOARD.read_text())
    panel = next(p for p in model["panels"] if p["title"] == "Volume vs expected band")
    scoped = f'{{entity="skyway", job="{JOB}"}}'
    queries = {t["legendFormat"]: t["expr"].replace('{entity="$entity"}', scoped) for t in panel["targets"]}
    note = next(a for a in model["annotations"]["list"] if a["name"] == "Incident open")
    queries["incident open"] = note["expr"].replace('{entity="$entity"}', scoped)
    queries["watermark"] = f'max(firestorm_watermark_timestamp_seconds{{job="{JOB}"}})'
    return queries


def series(expr: str, start: float, end: float) -> dict[float, float]:
    result = api("query_range", query=expr, start=f"{start:.3f}", end=f"{end:.3f}", step="1")["result"]
    return {float(t): float(v) for s in result for t, v in s["values"]}


def run_replay(port: int, speed: float, storm_from: str, until: str) -> None:
    lines = [line for line in SAMPLE.read_bytes().splitlines() if orjson.loads(line)["ts"] < until]
    metrics = Metrics(role="replay")
    metrics.serve("127.0.0.1", port)
    time.sleep(8)  # the new target is discovered and scraped before anything happens
    result = replay(
        enumerate(lines, 1),
        EngineSettings(),
        metrics=metrics,
        pacer=Pacer(speed, start_ms=parse_ts(storm_from)),
        on_alert=lambda a: print(a.timeline_line(), flush=True),
    )
    print(f"replayed {result.tally.consumed} mentions in {result.elapsed_s:.0f}s", flush=True)
    time.sleep(5)  # the final state is scraped
    metrics.close()


def draw(data: dict[str, dict[float, float]], out: Path, since: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    watermark = data["watermark"]
    # one point per closed window: the wall times at which the watermark moved on
    points: dict[float, float] = {}
    for t in sorted(watermark):
        points.setdefault(watermark[t], t)
    xs_event = sorted(x for x in points if x >= since)  # the paced storm, not the fast-forwarded days
    walls = [points[x] for x in xs_event]

    def at(name: str) -> list[float]:
        values = data[name]
        return [values.get(w, float("nan")) for w in walls]

    when = [datetime.fromtimestamp(x, tz=UTC) for x in xs_event]
    mentions, expected, line = at("mentions per window"), at("expected"), at("alert line")
    fig, ax = plt.subplots(figsize=(12, 4.8), dpi=110)
    fig.patch.set_facecolor("#111217")
    ax.set_facecolor("#181b1f")
    for spine in ax.spines.values():
        spine.set_color("#444")
    ax.tick_params(colors="#ccccdc")
    opened = [w for w in walls if data["incident open"].get(w) == 1]
    if opened:
        first = datetime.fromtimestamp(min(x for x, w in zip(xs_event, walls, strict=True) if w in opened), tz=UTC)
        last = datetime.fromtimestamp(max(x for x, w in zip(xs_event, walls, strict=True) if w in opened), tz=UTC)
        ax.axvspan(first, last, color="#f2495c", alpha=0.12, label="incident open")
    ax.fill_between(when, expected, line, step="post", color="#73bf69", alpha=0.25, label="expected band")
    ax.step(when, line, where="post", color="#f2495c", lw=1, ls=(0, (4, 4)), label="alert line")
    ax.step(when, expected, where="post", color="#73bf69", lw=1, label="expected")
    ax.step(when, mentions, where="post", color="#5794f2", lw=2, label="mentions per window")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M", tz=UTC))
    ax.set_xlabel("event time (UTC, 2026-03-06), from the replay's watermark", color="#ccccdc")
    ax.set_ylabel("mentions per 1-minute window", color="#ccccdc")
    ax.grid(color="#2c3235", lw=0.6)
    ax.set_title(
        "Firestorm (on-call) - skyway: volume vs expected band  [Prometheus range queries of the panel]",
        color="#ccccdc",
        loc="left",
        fontsize=11,
    )
    legend = ax.legend(loc="upper right", facecolor="#181b1f", edgecolor="#444", fontsize=9)
    for text in legend.get_texts():
        text.set_color("#ccccdc")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, facecolor=fig.get_facecolor())
    print(f"wrote {out}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "oncall-panel.png")
    parser.add_argument("--speed", type=float, default=60.0, help="event time per wall second over the storm")
    parser.add_argument("--storm-from", default="2026-03-06T07:15:00Z")
    parser.add_argument("--until", default="2026-03-06T11:45:00Z")
    args = parser.parse_args()
    started_prometheus = not prometheus_running()
    if started_prometheus:
        subprocess.run([str(SCRIPT), "up"], check=True)
    port = free_port()
    TARGETS.mkdir(parents=True, exist_ok=True)
    target = TARGETS / f"render-{port}.json"
    target.write_bytes(orjson.dumps([{"targets": [f"127.0.0.1:{port}"], "labels": {"job": JOB}}]))
    try:
        start = time.time()
        run_replay(port, args.speed, args.storm_from, args.until)
        end = time.time()
        data = {name: series(expr, start, end) for name, expr in panel_queries().items()}
        draw(data, args.out, since=parse_ts(args.storm_from) / 1000)
    finally:
        target.unlink(missing_ok=True)
        if started_prometheus:
            subprocess.run([str(SCRIPT), "down"], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
