"""Write examples/skyway-export-paris.csv: the English sample as a social-listening tool exports it.

What such exports look like: `;`-separated, the tool's own column names, no entity column, and
times in the tool's local zone (here Europe/Paris) without an offset. The docs use it to show
`--csv-map`, `--watch` and `--tz` (docs/getting-started.md). Run by `make examples`.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "skyway-outage-en.jsonl"
OUT = HERE / "skyway-export-paris.csv"
SINCE = "2026-03-05T00:00:00Z"  # the last day and a half: the quiet day before, then the storm
ZONE = ZoneInfo("Europe/Paris")


def main() -> None:
    since = datetime.fromisoformat(SINCE)
    with SOURCE.open(encoding="utf-8") as src, OUT.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";", lineterminator="\n")
        writer.writerow(["post_id", "published", "content", "handle", "followers", "link"])
        for line in src:
            mention = json.loads(line)
            ts = datetime.fromisoformat(mention["ts"])
            if ts < since:
                continue
            local = ts.astimezone(ZONE).replace(tzinfo=None).isoformat(sep=" ")
            author = mention.get("author") or {}
            writer.writerow(
                [
                    mention["id"],
                    local,
                    mention["text"],
                    author.get("id", ""),
                    author.get("followers", ""),
                    mention.get("url", ""),
                ]
            )
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
