"""The Textual app: screens over the core services, one `make_app()` factory."""
