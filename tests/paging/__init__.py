"""Test doubles for paging: a PagerDuty Events API v2 server with webhook and Slack receivers
(`server`), and helpers to run a real `firestorm notifier` against it (`harness`)."""
