"""Alerts, notification rules and their delivery.

* `derive` — the eight alert categories, derived from the data (never typed in);
* `state` — snooze / dismiss / wake, persisted and audited;
* `exposure` — MRR of customers with a critical or warning alert;
* `events` — the seven event types, detected by comparing before and after;
* `rules` — alert rules and custom rules;
* `engine` — where every customer change meets the rules (subscribed to the
  change events by `runtime.wiring`), with `observation` (the compare pass),
  `scan` (reading customers a chunk at a time) and `enqueue` (outbox rows);
* `connections`, `webhooks` — where notifications go (URLs in the keyring);
* `outbox` — every notification written first, then sent exactly once;
* `realtime` — sending right after the commit, never blocking the change;
* `next_action` — one concrete next step for a customer, with its reason.
"""
