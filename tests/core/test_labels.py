"""One label table: every stored vocabulary has words for people."""

from __future__ import annotations

import pytest

from iqcadence.core.accounts.custom_fields import CUSTOM_FIELD_TYPES
from iqcadence.core.alerts.derive import CATEGORIES, SEVERITIES
from iqcadence.core.alerts.events import EVENT_TYPES
from iqcadence.core.base.actor import ROLES
from iqcadence.core.base.labels import LABELS, custom_field_label, humanize, label
from iqcadence.core.scoring.conditions.fields import CADENCE_STATUSES
from iqcadence.core.scoring.fields import FIELDS
from iqcadence.core.scoring.formula import (
    BANDS,
    DEFAULT_RENEWAL_WINDOWS,
    GROWTH_VALUES,
    LIFECYCLES,
    SENTIMENTS,
    SIGNALS,
    STATUSES,
    TIERS,
)
from iqcadence.core.store.models.crm import LEAD_STATUSES, OPPORTUNITY_STAGES, OWNER_ROLES
from iqcadence.core.store.models.customer360 import (
    CONTACT_ROLES,
    EVENT_KINDS,
    RUN_STATUSES,
    TASK_STATUSES,
    TICKET_PRIORITIES,
    TICKET_STATUSES,
)

VOCABULARIES = {
    "band": BANDS,
    "tier": TIERS,
    "lifecycle": LIFECYCLES,
    "status": STATUSES,
    "sentiment": SENTIMENTS,
    "growth": GROWTH_VALUES,
    "signal": SIGNALS,
    "field": tuple(FIELDS),
    "event_kind": EVENT_KINDS,
    "severity": SEVERITIES,
    "category": CATEGORIES,
    "alert_event": tuple(EVENT_TYPES),
    "cadence": CADENCE_STATUSES,
    "renewal_window": tuple(DEFAULT_RENEWAL_WINDOWS),
    "contact_role": CONTACT_ROLES,
    "owner_role": OWNER_ROLES,
    "user_role": ROLES,
    "ticket_status": TICKET_STATUSES,
    "ticket_priority": TICKET_PRIORITIES,
    "task_status": TASK_STATUSES,
    "run_status": RUN_STATUSES,
    "stage": OPPORTUNITY_STAGES,
    "lead_status": LEAD_STATUSES,
    "field_type": CUSTOM_FIELD_TYPES,
}


@pytest.mark.parametrize("kind", sorted(VOCABULARIES))
def test_every_token_has_its_own_label(kind: str) -> None:
    tokens = VOCABULARIES[kind]
    assert set(tokens) <= set(LABELS[kind]), (
        f"{kind}: no label for {set(tokens) - set(LABELS[kind])}"
    )
    words = [label(kind, token) for token in tokens]  # type: ignore[arg-type]
    assert len(set(words)) == len(words)  # no two tokens read the same
    for token, word in zip(tokens, words, strict=True):
        assert "_" not in word and word[:1].isupper(), (token, word)


@pytest.mark.parametrize(
    ("kind", "token", "expected"),
    [
        ("band", "at_risk", "At Risk"),
        ("lifecycle", "atrisk", "At Risk"),
        ("tier", "smb", "SMB"),
        ("tier", "mid", "Mid-Market"),
        ("event_kind", "product_event", "Product event"),
        ("signal", "nps", "NPS"),
        ("signal", "days", "Days since contact"),
        ("field", "renewal_date", "Renewal date"),
        ("field", "last_contact_date", "Last contact date"),
        ("field", "scoring_profile", "Scoring profile"),
        ("field", "mrr", "MRR"),
        ("product_event", "integration_connected", "Integration connected"),
        ("severity", "critical", "Critical"),
        ("severity", "attention", "Attention"),
    ],
)
def test_labels_people_read(kind: str, token: str, expected: str) -> None:
    assert label(kind, token) == expected  # type: ignore[arg-type]


def test_missing_values() -> None:
    assert label("band", None) == "Unscored"
    assert label("tier", None) == "No tier"
    assert label("lifecycle", None) == "—"
    assert label("severity", "") == "—"


def test_unknown_tokens_still_read_as_words() -> None:
    assert label("product_event", "seat_added") == "Seat added"
    assert label("stage", "legal_review") == "Legal review"
    assert label("band", "AT_RISK") == "At Risk"
    assert humanize("  two__words ") == "Two words"


def test_custom_field_labels() -> None:
    assert custom_field_label("region", "Sales region") == "Sales region"
    assert custom_field_label("contract_type", None) == "Contract type"
    assert custom_field_label("contract_type", "  ") == "Contract type"


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("tier", "smb", "SMB"),
        ("lifecycle", "atrisk", "At Risk"),
        ("band", "at_risk", "At Risk"),
        ("band", None, "Unscored"),
        ("score_source", True, "Manual override"),
        ("mrr", 3500.0, "€3,500"),
        ("arr", None, "—"),
        ("tags", ["vip", "emea"], "vip, emea"),
        ("tags", "vip|emea", "vip, emea"),
        ("adoption", 30.0, "30"),
        ("renewal_date", None, "—"),
        ("notes", "as typed_here", "as typed_here"),
    ],
)
def test_field_values_people_read(field: str, value: object, expected: str) -> None:
    from iqcadence.core.base.labels import field_value_text

    assert field_value_text(field, value, currency="€") == expected
