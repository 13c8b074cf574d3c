"""Who gets paged: thresholds and routing keys per entity / group, drills, hooks, the config file."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from firestorm.streams.config import ConfigError, load_config
from firestorm.streams.notifier.paging import load_paging
from firestorm.streams.notifier.routing import (
    DEFAULT_KEY,
    DRILL_KEY,
    PAGERDUTY,
    NotifyConfig,
    NotifyConfigError,
    Route,
    Router,
    load_notify_config,
    parse_notify_config,
    resolve_routing_keys,
)
from firestorm.streams.notifier.secrets import Secret
from tests.paging.alerts import make_alert, routing_key

CONFIG = """
min_severity = "warning"

[routing_keys]
airlines = { env = "PD_KEY_AIRLINES" }
banks = { file = "KEYFILE" }

[groups.airlines]
entities = ["skyway", "northwind"]
routing_key = "airlines"

[groups.banks]
routing_key = "banks"
min_severity = "critical"

[entities.northbank]
group = "banks"

[entities.skyway]
min_severity = "info"

[entities.quietco]
page = false

[[webhooks]]
name = "audit"
url = "https://hooks.example/firestorm"
secret = { env = "HOOK_SECRET" }
min_severity = "info"
drills = true

[[slack]]
name = "comms"
url = { env = "SLACK_URL" }
groups = ["airlines"]

[delivery]
rate_limit = 5
rate_window = "2s"
backoff_initial = "100ms"
backoff_max = 2
"""


def notify(tmp_path: Path) -> NotifyConfig:
    keyfile = tmp_path / "banks.key"
    keyfile.write_text(routing_key("banks") + "\n")
    return parse_notify_config(tomllib.loads(CONFIG.replace("KEYFILE", str(keyfile))))


def router(config: NotifyConfig, keys: set[str] | None = None, drill_only: bool = False) -> Router:
    return Router(config, keys if keys is not None else {DEFAULT_KEY, DRILL_KEY, "airlines", "banks"}, drill_only)


def pd_routes(r: Router, **alert: object) -> list[Route]:
    return [route for route in r.decide(make_alert(**alert)).routes if route.sink == PAGERDUTY]  # type: ignore[arg-type]


def pd_skip(r: Router, **alert: object) -> str | None:
    reasons = [reason for sink, reason in r.decide(make_alert(**alert)).skipped if sink == PAGERDUTY]  # type: ignore[arg-type]
    return reasons[0] if reasons else None


def test_defaults_page_warning_and_critical_on_the_default_key_not_info() -> None:
    r = router(NotifyConfig())
    assert pd_routes(r, severity="warning") == [Route(PAGERDUTY, DEFAULT_KEY, None)]
    assert pd_routes(r, severity="critical", status="resolved") == [Route(PAGERDUTY, DEFAULT_KEY, None)]
    assert pd_routes(r, severity="info") == []
    assert pd_skip(r, severity="info") == "below_threshold"


def test_group_key_and_threshold(tmp_path: Path) -> None:
    r = router(notify(tmp_path))
    assert pd_routes(r, entity="northwind") == [Route(PAGERDUTY, "airlines", "airlines")]
    # northbank joins "banks" explicitly; banks page only critical
    assert pd_routes(r, entity="northbank", severity="warning") == []
    assert pd_routes(r, entity="northbank", severity="critical") == [Route(PAGERDUTY, "banks", "banks")]
    # an entity in no group: the file's default threshold and the default key
    assert pd_routes(r, entity="other", severity="warning") == [Route(PAGERDUTY, DEFAULT_KEY, None)]


def test_entity_threshold_overrides_its_group(tmp_path: Path) -> None:
    r = router(notify(tmp_path))
    assert pd_routes(r, entity="skyway", severity="info") == [Route(PAGERDUTY, "airlines", "airlines")]
    assert pd_routes(r, entity="northwind", severity="info") == []


def test_muted_entity_does_not_page(tmp_path: Path) -> None:
    assert pd_skip(router(notify(tmp_path)), entity="quietco", severity="critical") == "muted"


def test_drills_go_to_the_drill_key_or_nowhere_never_production(tmp_path: Path) -> None:
    config = notify(tmp_path)
    for entity in ("skyway", "northbank", "other"):
        assert pd_routes(router(config), entity=entity, severity="critical", drill=True) == [
            Route(
                PAGERDUTY, DRILL_KEY, "airlines" if entity == "skyway" else "banks" if entity == "northbank" else None
            )
        ]
    without_drill_key = router(config, {DEFAULT_KEY, "airlines", "banks"})
    assert pd_routes(without_drill_key, severity="critical", drill=True) == []
    assert pd_skip(without_drill_key, severity="critical", drill=True) == "drill_no_key"


def test_drill_only_router_ignores_production_alerts() -> None:
    r = router(NotifyConfig(), drill_only=True)
    assert pd_routes(r, severity="critical") == []
    assert pd_routes(r, severity="critical", drill=True) == [Route(PAGERDUTY, DRILL_KEY, None)]


def test_updates_can_be_switched_off() -> None:
    r = router(NotifyConfig(page_on_updated=False))
    assert pd_skip(r, status="updated") == "updates_off"
    assert pd_routes(r, status="escalated") != []


def test_a_reopened_incident_pages_only_when_it_escalates() -> None:
    # A resolved PagerDuty alert cannot be re-opened: a trigger would page a new one for the same episode.
    r = router(NotifyConfig())
    assert pd_skip(r, status="updated", severity="warning", reopens=1) == "reopened"
    assert pd_routes(r, status="escalated", severity="critical", reopens=1) != []
    assert pd_routes(r, status="resolved", severity="warning", reopens=1) != []
    assert pd_routes(r, status="updated", severity="warning") != []  # an ordinary update still goes


def test_missing_default_key_means_no_page_for_ungrouped_entities() -> None:
    r = router(NotifyConfig(), keys=set())
    assert pd_skip(r, severity="critical") == "no_routing_key"


def test_hooks_filters_threshold_and_drills(tmp_path: Path) -> None:
    r = router(notify(tmp_path))

    def hooks(**alert: object) -> set[str]:
        return {route.sink for route in r.decide(make_alert(**alert)).routes} - {PAGERDUTY}  # type: ignore[arg-type]

    assert hooks(entity="skyway", severity="warning") == {"audit", "comms"}
    assert hooks(entity="other", severity="warning") == {"audit"}  # comms only hears the airlines group
    assert hooks(entity="other", severity="info") == {"audit"}  # audit's own threshold: info
    assert hooks(entity="skyway", severity="warning", drill=True) == {"audit"}  # comms has drills = false


def test_delivery_settings_from_the_file(tmp_path: Path) -> None:
    delivery = notify(tmp_path).delivery
    assert (delivery.rate_limit, delivery.rate_window_s) == (5, 2.0)
    assert (delivery.backoff_initial_s, delivery.backoff_max_s) == (0.1, 2.0)
    assert delivery.max_attempts == 0  # default: retry until delivered


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('min_severity = "loud"', "not one of"),
        ("colour = 1", "unknown settings ['colour']"),
        ('[entities.a]\nrouting_key = "nope"', "routing key 'nope' is used but not defined"),
        ('[entities.a]\nrouting_key = "drill"', "drill routing key cannot be a production route"),
        ('[routing_keys]\ndefault = { env = "X" }', "built in"),
        ('[routing_keys]\nk = { env = "X", file = "Y" }', "exactly one of"),
        ('[entities.a]\ngroup = "ghost"', "no group 'ghost'"),
        ('[[webhooks]]\nname = "w"\nurl = "ftp://x"', "http(s) URL"),
        ('[[slack]]\nname = "pagerduty"\nurl = "https://x"', "unique"),
        ("[delivery]\nrate_limit = 0", "at least 1"),
        ('[delivery]\nrate_window = "soon"', "not a duration"),
        ('grafana_link = "https://g/{nope}"', "grafana_link"),
    ],
)
def test_bad_files_are_refused_with_the_setting_named(text: str, message: str) -> None:
    with pytest.raises(NotifyConfigError, match=None) as info:
        parse_notify_config(tomllib.loads(text))
    assert message in str(info.value)


def test_load_notify_config_missing_file_and_no_file(tmp_path: Path) -> None:
    assert load_notify_config("") == NotifyConfig()
    with pytest.raises(NotifyConfigError, match="FIRESTORM_NOTIFY_CONFIG="):
        load_notify_config(str(tmp_path / "absent.toml"))


def test_resolve_routing_keys_reads_env_and_files_and_refuses_gaps(tmp_path: Path) -> None:
    config = notify(tmp_path)
    airlines = routing_key("air")
    keys = resolve_routing_keys(config, Secret(routing_key(), "D"), None, {"PD_KEY_AIRLINES": airlines})
    assert set(keys) == {DEFAULT_KEY, "airlines", "banks"}
    assert keys["airlines"].reveal() == airlines
    with pytest.raises(NotifyConfigError, match="'airlines': PD_KEY_AIRLINES is not set"):
        resolve_routing_keys(config, None, None, {})
    with pytest.raises(NotifyConfigError, match="drill routing key must differ"):
        resolve_routing_keys(config, Secret(airlines, "D"), Secret(airlines, "X"), {"PD_KEY_AIRLINES": airlines})


def paging_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    config = tmp_path / "notify.toml"
    keyfile = tmp_path / "banks.key"
    keyfile.write_text(routing_key("banks"))
    config.write_text(CONFIG.replace("KEYFILE", str(keyfile)))
    return {
        "FIRESTORM_NOTIFY_CONFIG": str(config),
        "PD_KEY_AIRLINES": routing_key("air"),
        "HOOK_SECRET": "hook-secret-value",
        "SLACK_URL": "https://hooks.slack.example/services/T000/B000/XXXXSECRET",
        **extra,
    }


def test_load_paging_from_the_environment(tmp_path: Path) -> None:
    prod, drill = routing_key("prod"), routing_key("drill")
    env = paging_env(tmp_path, FIRESTORM_PAGERDUTY_ROUTING_KEY=prod, FIRESTORM_PAGERDUTY_DRILL_ROUTING_KEY=drill)
    paging = load_paging(load_config(env), env)
    assert set(paging.keys) == {DEFAULT_KEY, DRILL_KEY, "airlines", "banks"}
    assert paging.keys[DEFAULT_KEY].reveal() == prod
    described = paging.describe()
    assert "default" in described and prod not in described and drill not in described
    assert {s.reveal() for s in paging.secrets()} >= {prod, drill, env["HOOK_SECRET"], env["SLACK_URL"]}


def test_drill_only_paging_holds_no_production_key(tmp_path: Path) -> None:
    prod, drill = routing_key("prod"), routing_key("drill")
    env = paging_env(tmp_path, FIRESTORM_PAGERDUTY_ROUTING_KEY=prod, FIRESTORM_PAGERDUTY_DRILL_ROUTING_KEY=drill)
    paging = load_paging(load_config(env), env, drill_only=True)
    assert set(paging.keys) == {DRILL_KEY}
    assert [h.name for h in paging.notify.hooks] == ["audit"]  # only hooks that take drills
    assert prod not in {s.reveal() for s in paging.secrets()}
    # a drill key that is really a production key is refused
    env["FIRESTORM_PAGERDUTY_DRILL_ROUTING_KEY"] = env["PD_KEY_AIRLINES"]
    with pytest.raises(NotifyConfigError, match="must differ"):
        load_paging(load_config(env), env, drill_only=True)


def test_drill_paging_does_not_need_production_secrets(tmp_path: Path) -> None:
    env = paging_env(tmp_path, FIRESTORM_PAGERDUTY_DRILL_ROUTING_KEY=routing_key("drill"))
    del env["PD_KEY_AIRLINES"]
    assert set(load_paging(load_config(env), env, drill_only=True).keys) == {DRILL_KEY}
    with pytest.raises(NotifyConfigError):
        load_paging(load_config(env), env)  # the notifier itself refuses to run with a key missing


def test_routing_key_from_file_and_both_set(tmp_path: Path) -> None:
    keyfile = tmp_path / "pd.key"
    key = routing_key()
    keyfile.write_text(f"  {key}\n")
    env = {"FIRESTORM_PAGERDUTY_ROUTING_KEY_FILE": str(keyfile)}
    assert load_paging(load_config(env), env).keys[DEFAULT_KEY].reveal() == key
    env["FIRESTORM_PAGERDUTY_ROUTING_KEY"] = key
    with pytest.raises(NotifyConfigError, match="not both") as info:
        load_paging(load_config(env), env)
    assert key not in str(info.value)


def test_config_keeps_routing_keys_out_of_repr_and_checks_paging_settings() -> None:
    key = routing_key()
    config = load_config({"FIRESTORM_PAGERDUTY_ROUTING_KEY": key})
    assert key not in repr(config)
    assert config.notifier_group_id == "firestorm-notifier"
    assert config.notifier_dead_letter_topic == "alerts.notifier-dlq"
    with pytest.raises(ConfigError, match="FIRESTORM_PAGERDUTY_URL"):
        load_config({"FIRESTORM_PAGERDUTY_URL": "events.pagerduty.com"})
    with pytest.raises(ConfigError, match="FIRESTORM_NOTIFIER_OFFSET_RESET"):
        load_config({"FIRESTORM_NOTIFIER_OFFSET_RESET": "middle"})
