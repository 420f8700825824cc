"""Wiring: subscribes change handlers and registers senders; the automations run."""
