"""Domain and storage. Imports neither textual, typer nor rich (checked by a test)."""
