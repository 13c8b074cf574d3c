"""`firestorm plan`: a planned event sent to the running workers on the control topic."""

from __future__ import annotations

import argparse
from typing import IO

from firestorm.streams.commands.common import EXIT_ERROR, EXIT_OK
from firestorm.streams.config import Config


def run(args: argparse.Namespace, config: Config, err: IO[str]) -> int:
    from firestorm.models.planned import PlannedEventError, planned_event_from_obj
    from firestorm.streams.kafka.topics import ensure_topics
    from firestorm.streams.worker.control import publish_planned_event

    obj = {"entity": args.entity, "start": args.start, "end": args.end, "uplift": args.uplift, "mute": args.mute}
    try:
        event = planned_event_from_obj({**obj, "name": args.name})
    except PlannedEventError as exc:
        print(f"firestorm: {exc}", file=err)
        return EXIT_ERROR
    ensure_topics(config)
    publish_planned_event(config, event)
    print(f"planned event sent to {config.control_topic}: {event.describe()}", file=err)
    return EXIT_OK
