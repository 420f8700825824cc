"""The words people read for the tokens iqcadence stores.

Bands, tiers, lifecycles, signals, field names, event kinds, severities and
the other vocabularies are stored (and printed by `--json`) as tokens:
`at_risk`, `smb`, `product_event`, `renewal_date`. Every human surface — the
app, the CLI's tables and sentences, the PDF and CSV reports — shows them
through `label(kind, token)` instead, so one word is used for one thing
everywhere.

A token missing from its table (a product event name from an integration,
a stage added later) is still shown as words: underscores become spaces and
the first letter is capitalised (`report_exported` → "Report exported"), so
no surface ever falls back to printing the raw token.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal

from iqcadence.core.base.money import DEFAULT_CURRENCY, money

LabelKind = Literal[
    "band",
    "tier",
    "lifecycle",
    "status",
    "sentiment",
    "growth",
    "signal",
    "field",
    "event_kind",
    "product_event",
    "severity",
    "category",
    "alert_event",
    "score_source",
    "cadence",
    "renewal_window",
    "contact_role",
    "owner_role",
    "user_role",
    "ticket_status",
    "ticket_priority",
    "task_status",
    "run_status",
    "stage",
    "lead_status",
    "field_type",
]

NO_VALUE = "—"

_SIGNALS = {
    "logins": "Logins",
    "adoption": "Adoption",
    "tickets": "Open tickets",
    "nps": "NPS",
    "csat": "CSAT",
    "days": "Days since contact",
    "growth": "Growth",
}

_TABLES: dict[str, dict[str, str]] = {
    "band": {
        "critical": "Critical",
        "at_risk": "At Risk",
        "watch": "Watch",
        "healthy": "Healthy",
        "expansion": "Expansion",
    },
    "tier": {"smb": "SMB", "mid": "Mid-Market", "enterprise": "Enterprise"},
    "lifecycle": {
        "onboarding": "Onboarding",
        "active": "Active",
        "atrisk": "At Risk",
        "won": "Won",
        "churned": "Churned",
    },
    "status": {"active": "Active", "archived": "Archived", "trashed": "Trashed"},
    "sentiment": {"positive": "Positive", "neutral": "Neutral", "negative": "Negative"},
    "growth": {"strong": "Strong", "mild": "Mild", "none": "None", "na": "Not applicable"},
    "signal": _SIGNALS,
    "field": {
        "name": "Name",
        "website": "Website",
        "domain": "Domain",
        "email": "E-mail",
        "phone": "Phone",
        "industry": "Industry",
        "notes": "Notes",
        "tier": "Tier",
        "lifecycle": "Lifecycle",
        "status": "Status",
        "manager": "Manager",
        "mrr": "MRR",
        "arr": "ARR",
        "renewal_date": "Renewal date",
        "days_to_renewal": "Days to renewal",
        "customer_since": "Customer since",
        "next_touch": "Next touch",
        "last_contact_date": "Last contact date",
        "tags": "Tags",
        "sentiment": "Sentiment",
        "scoring_profile": "Scoring profile",
        "score": "Score",
        "band": "Band",
        "momentum": "7-day momentum",
        "owners": "Owners",
        "open_pipeline": "Open pipeline",
        "scored_at": "Scored at",
        "created_at": "Created at",
        "updated_at": "Updated at",
        **_SIGNALS,
    },
    "event_kind": {
        "email": "Email",
        "meeting": "Meeting",
        "call": "Call",
        "message": "Message",
        "note": "Note",
        "task": "Task",
        "ticket": "Ticket",
        "product_event": "Product event",
        "health_change": "Health change",
    },
    "product_event": {
        "login": "Login",
        "feature_used": "Feature used",
        "report_exported": "Report exported",
        "integration_connected": "Integration connected",
    },
    "severity": {
        "critical": "Critical",
        "warning": "Warning",
        "attention": "Attention",
        "opportunity": "Opportunity",
    },
    "category": {
        "health": "Health",
        "tickets": "Tickets",
        "engagement": "Engagement",
        "renewal": "Renewal",
        "quiet": "Quiet",
        "momentum": "Momentum",
        "sentiment": "Sentiment",
        "expansion": "Expansion",
    },
    "alert_event": {
        "health_below": "Health below",
        "became_at_risk": "Became At Risk",
        "renewal_approaching": "Renewal approaching",
        "no_contact": "No contact",
        "nps_detractor": "NPS detractor",
        "lifecycle_change": "Lifecycle change",
        "rapid_score_drop": "Rapid score drop",
        "custom": "Custom rule",
    },
    "score_source": {"computed": "Computed", "manual": "Manual override"},
    "cadence": {"ok": "On track", "due_soon": "Due soon", "overdue": "Overdue"},
    "renewal_window": {"critical": "Critical", "warning": "Warning", "upcoming": "Upcoming"},
    "contact_role": {
        "champion": "Champion",
        "stakeholder": "Stakeholder",
        "billing": "Billing",
        "technical": "Technical",
    },
    "owner_role": {"primary": "Primary", "co_owner": "Co-owner", "observer": "Observer"},
    "user_role": {"admin": "Admin", "csm": "CSM", "viewer": "Viewer"},
    "ticket_status": {"open": "Open", "pending": "Pending", "solved": "Solved"},
    "ticket_priority": {"low": "Low", "normal": "Normal", "high": "High", "urgent": "Urgent"},
    "task_status": {"open": "Open", "done": "Done", "cancelled": "Cancelled"},
    "run_status": {"active": "Active", "completed": "Completed", "cancelled": "Cancelled"},
    "stage": {
        "discovery": "Discovery",
        "proposal": "Proposal",
        "negotiation": "Negotiation",
        "committed": "Committed",
        "won": "Won",
        "lost": "Lost",
    },
    "lead_status": {
        "new": "New",
        "contacted": "Contacted",
        "qualified": "Qualified",
        "disqualified": "Disqualified",
    },
    "field_type": {
        "text": "Text",
        "number": "Number",
        "date": "Date",
        "boolean": "Yes / no",
        "dropdown": "Dropdown",
    },
}

LABELS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {kind: MappingProxyType(table) for kind, table in _TABLES.items()}
)

# What a missing value reads as, where "—" would say less.
_MISSING: dict[str, str] = {"band": "Unscored", "tier": "No tier"}


def humanize(token: str) -> str:
    """Words for a token no table knows: `report_exported` → "Report exported"."""
    words = " ".join(token.replace("_", " ").split())
    return words[:1].upper() + words[1:]


def label(kind: LabelKind, token: str | None) -> str:
    """The word people read for `token` of `kind` (`label("band", "at_risk")`
    is "At Risk"); a missing token reads "—" (a band: "Unscored")."""
    if token is None or token == "":
        return _MISSING.get(kind, NO_VALUE)
    table = LABELS[kind]
    found = table.get(token)
    if found is not None:
        return found
    return table.get(token.lower()) or humanize(token)


def custom_field_label(key: str, label_text: str | None) -> str:
    """A custom field's label as its definition gives it, else its key in words."""
    cleaned = " ".join((label_text or "").split())
    return cleaned or humanize(key)


def yes_no(value: bool | None) -> str:
    return NO_VALUE if value is None else ("Yes" if value else "No")


# Customer fields whose value is a token of a vocabulary, and which one.
FIELD_VOCABULARIES: Mapping[str, LabelKind] = MappingProxyType(
    {
        "band": "band",
        "tier": "tier",
        "lifecycle": "lifecycle",
        "status": "status",
        "sentiment": "sentiment",
        "growth": "growth",
        "score_source": "score_source",
    }
)
MONEY_FIELDS: tuple[str, ...] = ("mrr", "arr")


def field_value_text(field: str, value: object, *, currency: str = DEFAULT_CURRENCY) -> str:
    """A customer field's value as people read it: a label for a token
    ("SMB"), an amount with its currency, a list joined, "—" for nothing."""
    if field in MONEY_FIELDS and (value is None or isinstance(value, int | float)):
        return money(value, currency=currency)
    if field == "band" and (value is None or isinstance(value, str)):
        return label("band", value)  # no band reads "Unscored"
    if value is None or value == "":
        return NO_VALUE
    if field == "score_source" and isinstance(value, bool):  # the stored flag
        value = "manual" if value else "computed"
    if field in FIELD_VOCABULARIES and isinstance(value, str):
        return label(FIELD_VOCABULARIES[field], value)
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value) or NO_VALUE
    if field == "tags" and isinstance(value, str):
        return ", ".join(part.strip() for part in value.split("|"))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
