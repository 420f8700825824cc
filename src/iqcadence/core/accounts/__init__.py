"""Writing to accounts: customers and everything kept on them, scoring one or many, and
the change events."""
