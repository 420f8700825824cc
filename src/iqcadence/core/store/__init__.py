"""Storage: tables, migrations, opening the database, dialect differences, settings,
audit, secrets and mail."""
