"""`firestorm worker`: the deployable that reads mentions, runs the engine and writes alerts."""
