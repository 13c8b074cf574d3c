"""One module per `firestorm` command; streams/cli.py parses the command line and dispatches."""
