"""Data in and out: CSV imports, event imports, exports, backup and restore."""
