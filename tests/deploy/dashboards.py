"""Read the checked-in Grafana dashboards: their queries, variables and datasource references."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.deploy.tools import DEPLOY

DASHBOARDS = DEPLOY / "grafana" / "dashboards"
PROVISIONING = DEPLOY / "grafana" / "provisioning"
GRAFANA_BUILTINS = {"__rate_interval", "__interval", "__interval_ms", "__range", "__range_s", "__range_ms"}
VARIABLE = re.compile(r"\$\{(\w+)(?::[\w]+)?\}|\$(\w+)|\[\[(\w+)\]\]")


@dataclass(frozen=True)
class Query:
    dashboard: str  # uid
    where: str  # "panel 7 'Volume vs expected band' A", "annotation 'Incident open'"
    expr: str
    instant: bool
    step: str | None = None  # annotations: Grafana's step

    @property
    def id(self) -> str:
        return f"{self.dashboard}: {self.where}"


def dashboard_files() -> list[Path]:
    return sorted(DASHBOARDS.glob("*.json"))


def load(path: Path) -> dict[str, Any]:
    model: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return model


def all_panels(model: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    for item in model.get("panels", []):
        yield item
        yield from item.get("panels", [])  # collapsed rows hold their panels


def queries(model: Mapping[str, Any]) -> list[Query]:
    uid = str(model["uid"])
    out = []
    for item in all_panels(model):
        for t in item.get("targets", []):
            where = f"panel {item['id']} {item['title']!r} {t['refId']}"
            out.append(Query(uid, where, t["expr"], bool(t.get("instant")) and not t.get("range")))
    for note in model.get("annotations", {}).get("list", []):
        if "expr" in note:
            out.append(Query(uid, f"annotation {note['name']!r}", note["expr"], False, note.get("step")))
    return out


def variables_used(text: str) -> set[str]:
    return {a or b or c for a, b, c in VARIABLE.findall(text)}


def datasource_uids(model: Mapping[str, Any]) -> list[str]:
    """Every datasource uid the model refers to (panels, targets, variables, annotations)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ds = node.get("datasource")
            if isinstance(ds, dict):
                found.append(str(ds.get("uid")))
            elif isinstance(ds, str):
                found.append(ds)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(model)
    return found


def substitute(expr: str, values: Mapping[str, str]) -> str:
    """Replace $var, ${var} and [[var]] the way Grafana does, from `values`."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2) or match.group(3)
        if name not in values:
            raise KeyError(f"no value for ${name} in {expr!r}")
        return values[name]

    return VARIABLE.sub(one, expr)
