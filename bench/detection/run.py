"""Run the detection benchmark: `python bench/detection/run.py` (same as `python -m bench.detection`)."""

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.detection.cli import main

if __name__ == "__main__":
    sys.exit(main())
