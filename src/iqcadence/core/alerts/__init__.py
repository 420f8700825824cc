"""Alerts, notification rules and their delivery.

* `derive` — the eight alert categories, derived from the data (never typed in);
* `state` — snooze / dismiss / wake, persisted and audited;
* `exposure` — MRR of customers with a critical or warning alert;
* `events` — the seven event types, detected by comparing before and after;
* `rules` — alert rules and custom rules, and the hook every change goes through;
* `connections`, `webhooks` — where notifications go (URLs in the keyring);
* `outbox` — every notification written first, then sent exactly once;
* `next_action` — one concrete next step for a customer, with its reason.
"""
