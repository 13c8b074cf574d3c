"""The offline drills: replay a file through the real engine, report it, compare and score runs,
plan files, the alert timeline and the progress bar (no broker)."""
