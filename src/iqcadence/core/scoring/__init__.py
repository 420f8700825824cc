"""The health score as pure functions: the formula, the standard fields and the
condition language. No session."""
