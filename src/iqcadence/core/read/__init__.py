"""Read models: one per screen or command (customer pages, My day, Customer 360, brief,
explain)."""
