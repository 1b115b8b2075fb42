"""`python -m codex7` runs the CLI."""

from codex7.cli import main

main()
