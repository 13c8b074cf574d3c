"""`python -m bench.detection`: run the detection benchmark."""

import sys

from bench.detection.cli import main

sys.exit(main())
