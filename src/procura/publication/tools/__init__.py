"""The `procura ocds` tools: each module exposes `configure(parser)` and `run(args) -> int`."""
