"""Paging: deliver alert events to PagerDuty (Events API v2), webhooks and Slack, reliably.

- `secrets`   routing keys, webhook secrets, Slack URLs: read from env or files, redacted everywhere.
- `routing`   the notify config file (TOML) and who is told about which alert.
- `paging`    everything paging needs, read once from the Config (drill-only for replays).
- `render`    the summary line, details and links every sink shows (pure).
- `pagerduty` the alert -> Events API v2 mapping (pure) and the PagerDuty sink.
- `hooks`     the generic webhook sink (optional HMAC-SHA256 signature) and the Slack sink.
- `sinks`     building the sinks and turning one alert into delivery jobs.
- `delivery`  retries with backoff and jitter, a rate limiter per destination, one ordered lane
              per entity (its incidents in alert order): the machinery every sink shares.
- `ledger`    what was delivered but not yet committed, so a restart does not send it again.
- `service`   the `firestorm notifier` loop: alerts topic in, deliveries out, offsets committed
              only once an alert is delivered or dead-lettered.
- `drill`     the same machinery for `firestorm replay --drill`, drill routing key only.
- `metrics`   firestorm_notifier_* Prometheus metrics.
"""
