from __future__ import annotations

from pathlib import Path

import pytest

from firestorm.streams.config import Config, ConfigError, load_config


def write_toml(tmp_path: Path, text: str) -> str:
    path = tmp_path / "firestorm.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_defaults() -> None:
    config = load_config({})
    assert config == Config()
    assert config.broker == "kafka://127.0.0.1:9092"
    assert (config.mentions_topic, config.alerts_topic) == ("mentions", "alerts")
    assert config.dead_letter_topic == "mentions.dlq"
    assert (config.window_ms, config.lateness_ms) == (60_000, 30_000)
    assert config.metrics_port == 9108
    assert config.kafka_bootstrap == "127.0.0.1:9092"


def test_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIRESTORM_ALERTS_TOPIC", "alerts-from-env")
    assert load_config().alerts_topic == "alerts-from-env"


def test_environment_overrides() -> None:
    config = load_config(
        {
            "FIRESTORM_BROKER": "kafka://10.0.0.5:9093;kafka://10.0.0.6:9093",
            "FIRESTORM_MENTIONS_TOPIC": "brand-mentions",
            "FIRESTORM_WINDOW": "5m",
            "FIRESTORM_ALLOWED_LATENESS": "0",
            "FIRESTORM_METRICS_PORT": "0",
            "FIRESTORM_MIN_VOLUME": "25",
            "FIRESTORM_PARTITIONS": "8",
            "UNRELATED": "ignored",
        }
    )
    assert config.kafka_bootstrap == "10.0.0.5:9093,10.0.0.6:9093"
    assert config.dead_letter_topic == "brand-mentions.dlq"
    assert (config.window_ms, config.lateness_ms) == (300_000, 0)
    assert (config.metrics_port, config.min_volume, config.partitions) == (0, 25, 8)


def test_engine_settings_follow_the_config() -> None:
    settings = load_config({"FIRESTORM_WINDOW": "2m", "FIRESTORM_MIN_VOLUME": "7"}).engine_settings(drill=True)
    assert (settings.window_ms, settings.lateness_ms, settings.min_volume, settings.drill) == (120_000, 30_000, 7, True)


def test_explicit_dlq_topic() -> None:
    assert load_config({"FIRESTORM_DLQ_TOPIC": "bad-mentions"}).dead_letter_topic == "bad-mentions"


def test_toml_file(tmp_path: Path) -> None:
    path = write_toml(tmp_path, 'alerts_topic = "file-alerts"\nwindow = "5m"\npartitions = 2\nmin_volume = 12\n')
    config = load_config({"FIRESTORM_CONFIG": path})
    assert (config.alerts_topic, config.window, config.partitions, config.min_volume) == ("file-alerts", "5m", 2, 12)
    assert config.mentions_topic == "mentions"  # untouched default


def test_environment_wins_over_file(tmp_path: Path) -> None:
    path = write_toml(tmp_path, 'alerts_topic = "file-alerts"\nwindow = "5m"\n')
    config = load_config({"FIRESTORM_CONFIG": path, "FIRESTORM_WINDOW": "2m"})
    assert (config.alerts_topic, config.window) == ("file-alerts", "2m")


def test_overrides_win_over_environment_and_none_is_ignored() -> None:
    config = load_config({"FIRESTORM_WINDOW": "2m", "FIRESTORM_MIN_VOLUME": "3"}, window="10m", min_volume=None)
    assert (config.window, config.min_volume) == ("10m", 3)


def test_unknown_key_in_file(tmp_path: Path) -> None:
    path = write_toml(tmp_path, 'windw = "5m"\n')
    with pytest.raises(ConfigError, match=r"FIRESTORM_CONFIG.*windw"):
        load_config({"FIRESTORM_CONFIG": path})


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="FIRESTORM_CONFIG"):
        load_config({"FIRESTORM_CONFIG": str(tmp_path / "missing.toml")})
    with pytest.raises(ConfigError, match="FIRESTORM_CONFIG"):
        load_config({"FIRESTORM_CONFIG": write_toml(tmp_path, "window = \n")})


@pytest.mark.parametrize("value", ['"many"', "0"])
def test_bad_value_in_file_names_the_setting(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match="FIRESTORM_PARTITIONS"):
        load_config({"FIRESTORM_CONFIG": write_toml(tmp_path, f"partitions = {value}\n")})


@pytest.mark.parametrize("value", ["true", "2.7"])
def test_file_integers_are_not_silently_coerced(tmp_path: Path, value: str) -> None:
    # int(True) == 1 and int(2.7) == 2: a typo in the file must not quietly become another number.
    with pytest.raises(ConfigError, match="FIRESTORM_PARTITIONS"):
        load_config({"FIRESTORM_CONFIG": write_toml(tmp_path, f"partitions = {value}\n")})


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("FIRESTORM_PARTITIONS", "four"),
        ("FIRESTORM_PARTITIONS", "0"),
        ("FIRESTORM_METRICS_PORT", "3.5"),
        ("FIRESTORM_METRICS_PORT", "70000"),
        ("FIRESTORM_METRICS_PORT", "-1"),
        ("FIRESTORM_BATCH_SIZE", "0"),
        ("FIRESTORM_ENTITY_LABEL_CAP", "0"),
        ("FIRESTORM_MIN_VOLUME", "-2"),
        ("FIRESTORM_WINDOW", "sometimes"),
        ("FIRESTORM_WINDOW", "0"),
        ("FIRESTORM_ALLOWED_LATENESS", "-5s"),
        ("FIRESTORM_SESSION_TIMEOUT", "10 parsecs"),
        ("FIRESTORM_BATCH_WAIT", "0ms"),
        ("FIRESTORM_IDLE_TIMEOUT", "soon"),
        ("FIRESTORM_SHUTDOWN_TIMEOUT", "0"),
        ("FIRESTORM_RESOLVE_AFTER", "-1m"),
        ("FIRESTORM_BROKER", "127.0.0.1:9092"),
    ],
)
def test_bad_values_name_the_variable(variable: str, value: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        load_config({variable: value})


@pytest.mark.parametrize("level", ["verbose", "loud"])
def test_bad_log_level_is_a_config_error(level: str) -> None:
    # The CLI hands log_level to logging.basicConfig, which raises ValueError on an unknown level.
    with pytest.raises(ConfigError, match="FIRESTORM_LOG_LEVEL"):
        load_config({"FIRESTORM_LOG_LEVEL": level})


def test_sub_millisecond_window_is_rejected() -> None:
    # Validation must not accept a window the engine then refuses (window_ms == 0).
    with pytest.raises(ConfigError, match="FIRESTORM_WINDOW"):
        load_config({"FIRESTORM_WINDOW": "0.5ms"})


def test_idle_shutdown_and_resolve_settings() -> None:
    config = load_config(
        {"FIRESTORM_IDLE_TIMEOUT": "90s", "FIRESTORM_SHUTDOWN_TIMEOUT": "5s", "FIRESTORM_RESOLVE_AFTER": "2m"}
    )
    assert (config.idle_timeout_s, config.shutdown_timeout_s) == (90.0, 5.0)
    assert config.engine_settings().resolve_after_ms == 120_000
    assert load_config({"FIRESTORM_IDLE_TIMEOUT": "0"}).idle_timeout_s == 0.0  # off
