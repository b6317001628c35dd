"""`python -m cli` runs the benchcrm CLI."""

from cli.main import main

main()
