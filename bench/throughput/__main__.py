"""`python -m bench.throughput`: the throughput, latency and memory benchmark (issue 7)."""

import sys

from bench.throughput.run import main

sys.exit(main())
