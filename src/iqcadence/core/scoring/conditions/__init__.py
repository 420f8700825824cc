"""The one condition language: playbook triggers and custom alert rules.

A condition is comparisons joined by `and` / `or`, grouped with parentheses
and negated with `not` (precedence: `not` binds tightest, then `and`, then
`or`)::

    score < 40 and tier = enterprise and renewal_within <= 60
    band in (critical, "at risk") or (tags contains vip and days > 21)
    not lifecycle = churned

A comparison is `FIELD OP VALUE` with OP one of `= != < <= > >= contains in`;
`in` takes a parenthesised list: `tier in (mid, enterprise)`. Values are
numbers, bare words (several bare words in a row are one value: `band = at
risk`), quoted strings ('…' or "…", backslash escapes the quote) and dates
(YYYY-MM-DD). Words and field names are case-insensitive.

Values are checked against their field when the text is parsed (a number
for numeric fields, one of the allowed words for choice fields, aliases such
as `ent` or `at risk` accepted), so a rule that parses can always be
evaluated. Evaluation reads a mapping of facts built by `customer_facts`.

Rules of evaluation:

* a comparison whose field has no value (None) is false, whatever the
  operator — `!=` included; `not` then makes it true;
* text fields (name, manager) compare case-insensitively; `contains` is a
  substring test;
* `tags` is a list: `tags = vip` and `tags contains vip` mean "has the tag
  vip", `tags != vip` means "does not have it", `tags in (a, b)` means "has
  any of them" (tag names compare case-insensitively);
* `band` and `cadence_status` are ordered (critical < at_risk < watch <
  healthy < expansion; ok < due_soon < overdue), so `band <= at_risk` works;
  other choice fields take only `= != in`;
* `renewal_within` is the number of days until the renewal date (0 = today);
  a customer without a renewal date, or whose renewal date has passed,
  never matches it;
* `cadence_status` compares the days since last contact (with decay) with
  the tier's cadence (due soon / overdue days): `ok`, `due_soon` or
  `overdue`; without a tier or a contact baseline it has no value.

The language lives in four modules, each importing only the ones before it:

* `fields` — the field table, its operators and keywords;
* `tree` — the syntax tree and its evaluation over facts;
* `parse` — the tokenizer and the parser, with errors naming the column;
* `facts` — the facts a condition reads, built from a customer row.
"""
