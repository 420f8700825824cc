"""The other words people use for a tier, a lifecycle stage or a growth
signal; `core.scoring.fields` looks a word up by its letters and digits,
then as typed."""

from __future__ import annotations

TIER_ALIASES: dict[str, str] = {
    "smb": "smb",
    "small": "smb",
    "smallbusiness": "smb",
    "mid": "mid",
    "midmarket": "mid",
    "mm": "mid",
    "mid-market": "mid",
    "enterprise": "enterprise",
    "ent": "enterprise",
}
LIFECYCLE_ALIASES: dict[str, str] = {
    "onboarding": "onboarding",
    "active": "active",
    "atrisk": "atrisk",
    "risk": "atrisk",
    "won": "won",
    "wonupsold": "won",
    "upsold": "won",
    "churned": "churned",
    "churn": "churned",
}
GROWTH_ALIASES: dict[str, str] = {
    "strong": "strong",
    "high": "strong",
    "mild": "mild",
    "moderate": "mild",
    "medium": "mild",
    "none": "none",
    "no": "none",
    "low": "none",
    "na": "na",
    "n/a": "na",
    "notapplicable": "na",
}
