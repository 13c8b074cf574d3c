"""Detection-quality benchmark: synthetic labelled scenarios, the real engine, two simple baselines, a scorer.

Run it with `python -m bench.detection` (or `python bench/detection/run.py`); `--help` lists the options.
Modules: `scenarios` (the generator), `engine_feed` (feeds the real `firestorm.models.engine.Engine`),
`baselines` (static threshold, last hour vs previous 12 hours), `scoring` (recall, delay, false pages)
and `run` (command line, table, JSON).
"""
