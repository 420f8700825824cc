"""`python -m iqcadence` runs the CLI."""

from iqcadence.cli.main import main

main()
