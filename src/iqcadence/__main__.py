"""`python -m iqcadence` runs the CLI."""

from iqcadence.cli.launch import main

main()
