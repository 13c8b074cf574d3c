"""`python -m bench.perf`: replay against the naive and raw loops, per-window costs (issue 19)."""

import sys

from bench.perf.run import main

sys.exit(main())
