"""The API's request and response shapes, for validation of the request's
frame (actions, filters, ids) and for the OpenAPI document.

Customer field values are not checked here: they go to the core as given,
which refuses a bad one with the sentence the CLI prints. Their schemas only
describe them. Choices (bands, tiers, ...) come from the core's own lists.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from iqcadence.core.accounts.event_parsing import LOGGABLE_KINDS
from iqcadence.core.alerts.derive import CATEGORIES, SEVERITIES
from iqcadence.core.scoring.formula import BANDS, GROWTH_VALUES, LIFECYCLES, SENTIMENTS, TIERS

MAX_LIMIT = 500
DEFAULT_LIMIT = 50


def _choices(name: str, values: tuple[str, ...]) -> type[StrEnum]:
    return StrEnum(name, {value: value for value in values})  # type: ignore[return-value]


Band = _choices("Band", BANDS)
Tier = _choices("Tier", TIERS)
Lifecycle = _choices("Lifecycle", LIFECYCLES)
Severity = _choices("Severity", SEVERITIES)
Category = _choices("Category", CATEGORIES)
SortField = _choices("SortField", ("updated_at", "name", "score", "mrr", "arr", "created_at"))
Order = _choices("Order", ("asc", "desc"))

# --- errors --------------------------------------------------------------------------


class Error(BaseModel):
    """Every error: one sentence, and the field at fault when there is one."""

    error: str = Field(examples=["nps: must be between 0 and 10, got 11."])
    field: str | None = Field(None, examples=["nps"])


# --- customers -------------------------------------------------------------------------


class Signals(BaseModel):
    logins: int | None
    adoption: float | None
    tickets: int | None
    nps: int | None
    csat: float | None
    days: int | None = Field(description="Days since contact today, after decay.")
    growth: str | None


class Customer(BaseModel):
    """A customer: exactly the objects of `iqcadence customers list --json`."""

    id: int
    name: str
    score: float | None
    band: str | None = Field(description="critical | at_risk | watch | healthy | expansion")
    score_source: Literal["computed", "manual"]
    mrr: float | None
    arr: float | None
    tier: str | None
    lifecycle: str
    status: str = Field(description="active | archived | trashed")
    manager: str | None
    tags: list[str]
    renewal_date: str | None
    days_to_renewal: int | None
    sentiment: str | None
    scoring_profile: str | None
    momentum: float | None = Field(description="Score now minus the score 7 days ago.")
    signals: Signals
    website: str | None
    domain: str | None
    email: str | None
    phone: str | None
    industry: str | None
    notes: str | None
    customer_since: str | None
    next_touch: str | None
    last_contact_date: str | None
    updated_at: str = Field(description="Changes with every change, a rescore included.")


class CustomerRecord(Customer):
    """A customer's whole record: exactly `iqcadence customers show --json`."""

    scored_at: str | None
    created_at: str
    breakdown: dict[str, Any]
    history: list[dict[str, Any]]
    custom_fields: dict[str, Any]
    owners: list[dict[str, Any]]
    open_pipeline: dict[str, Any]
    alerts: list[dict[str, Any]]
    next_action: dict[str, Any]


class CustomerList(BaseModel):
    customers: list[Customer]
    total: int = Field(description="How many customers match, over every page.")
    limit: int
    offset: int


class OneCustomer(BaseModel):
    customer: Customer


class RecordResponse(BaseModel):
    customer: CustomerRecord


class Upserted(BaseModel):
    customer: Customer
    created: bool
    rescored: bool = Field(description="Signals or a manual score were given: scored anew.")


class Updated(BaseModel):
    customer: Customer
    rescored: bool


# --- list filters (query parameters, or `data` of a POSTed list_customers) -------------


class ListFilters(BaseModel):
    """Which customers, in which order, which page. Archived and trashed
    customers are left out. `updated_since` keeps customers whose
    `updated_at` is at or after it: poll with the newest `updated_at` seen
    and drop the ids already handled (a change in that same second is sent
    again rather than missed)."""

    model_config = ConfigDict(extra="forbid")

    status: Band | None = Field(None, description="The health band.")
    lifecycle: Lifecycle | None = None
    tier: Tier | None = None
    manager: str | None = Field(None, max_length=1000, description="The CSM, any case.")
    tag: str | None = Field(None, max_length=1000)
    search: str | None = Field(None, max_length=1000, description="Words of name, manager, tags.")
    updated_since: datetime | None = Field(
        None, description="ISO 8601; without a zone it is UTC.", examples=["2026-03-01T00:00:00Z"]
    )
    sort: SortField = SortField("name")  # type: ignore[call-arg]
    order: Order = Order("asc")  # type: ignore[call-arg]
    limit: int = Field(DEFAULT_LIMIT, ge=0, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=1_000_000_000)


class InboundQuery(ListFilters):
    """GET /api-inbound: the action, then its parameters."""

    action: Literal["list_customers", "get_customer"]
    id: int | None = Field(None, ge=1, le=2**62, description="get_customer: the customer's id.")
    name: str | None = Field(None, max_length=1000, description="get_customer: or its name.")


# --- customer fields, as written (described here, checked by the core) -----------------


def _described(schema: dict[str, Any], description: str) -> Any:
    return Field(None, description=description, json_schema_extra=schema)


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


_TEXT = _nullable({"type": "string", "maxLength": 1000})
_DATE = _nullable({"type": "string", "format": "date"})


def _enum(values: tuple[str, ...]) -> dict[str, Any]:
    return _nullable({"type": "string", "enum": list(values)})


def _number(low: float, high: float | None = None, *, whole: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer" if whole else "number", "minimum": low}
    schema["maximum"] = high if high is not None else 1_000_000_000
    return _nullable(schema)


class AccountFields(BaseModel):
    """Customer fields. A signal (logins, adoption, tickets, nps, csat, days,
    growth) rescores with the saved weights; `score` sets a manual override
    (null clears it); null clears any other field. `mrr` and `arr` keep each
    other in step (× 12)."""

    model_config = ConfigDict(extra="allow")

    name: Any = _described(
        {"type": "string", "minLength": 1, "maxLength": 200}, "The name (unique, any case)."
    )
    logins: Any = _described(_number(0, whole=True), "Logins in the last 30 days.")
    adoption: Any = _described(_number(0, 100), "Feature adoption %.")
    tickets: Any = _described(_number(0, whole=True), "Open support tickets.")
    nps: Any = _described(_number(0, 10, whole=True), "NPS answer.")
    csat: Any = _described(_number(1, 5), "CSAT (counts when CSAT is on).")
    days: Any = _described(_number(0, whole=True), "Days since last contact (decays).")
    growth: Any = _described(_enum(GROWTH_VALUES), "Growth.")
    mrr: Any = _described(_number(0), "Monthly recurring revenue.")
    arr: Any = _described(_number(0), "Annual recurring revenue.")
    tier: Any = _described(_enum(TIERS), "Tier.")
    lifecycle: Any = _described({"type": "string", "enum": list(LIFECYCLES)}, "Lifecycle.")
    manager: Any = _described(_TEXT, "The primary CSM.")
    tags: Any = _described(
        _nullable(
            {
                "anyOf": [
                    {"type": "array", "items": {"type": "string", "maxLength": 100}},
                    {"type": "string", "maxLength": 1000},
                ]
            }
        ),
        "Tags: an array, or one string separated by commas.",
    )
    renewal_date: Any = _described(_DATE, "Renewal date, YYYY-MM-DD.")
    next_touch: Any = _described(_DATE, "Next planned contact, YYYY-MM-DD.")
    since: Any = _described(_DATE, "Customer since, YYYY-MM-DD (also `customer_since`).")
    last_contact_date: Any = _described(_DATE, "Last contact, YYYY-MM-DD.")
    sentiment: Any = _described(_enum(SENTIMENTS), "Sentiment.")
    scoring_profile: Any = _described(_TEXT, "A scoring profile's name.")
    website: Any = _described(_TEXT, "Website.")
    domain: Any = _described(_TEXT, "Domain.")
    email: Any = _described(_nullable({"type": "string", "format": "email"}), "Main e-mail.")
    phone: Any = _described(_TEXT, "Main phone.")
    industry: Any = _described(_TEXT, "Industry.")
    notes: Any = _described(_nullable({"type": "string", "maxLength": 10000}), "Notes.")
    score: Any = _described(_number(0, 100), "A manual score; null goes back to computed.")


class _Target(BaseModel):
    id: int | None = Field(None, ge=1, le=2**62, description="The customer's id.")
    name: str | None = Field(None, max_length=1000, description="Or its name (any case).")


class UpsertData(AccountFields):
    """Creates the customer named `name`, or updates it (or the one with `id`)."""

    id: int | None = Field(None, ge=1, le=2**62, description="Update this customer (renames).")


class HealthData(_Target):
    model_config = ConfigDict(extra="forbid")

    field: str = Field(description="Any customer field (as in upsert_account).")
    value: Any = Field(description="Its new value; null clears it.")


class TargetData(_Target):
    model_config = ConfigDict(extra="forbid")


class ScoreData(_Target):
    model_config = ConfigDict(extra="forbid")

    include_override: bool = Field(False, description="Replace a manual score too.")


class ListRequest(BaseModel):
    action: Literal["list_customers"]
    data: ListFilters = Field(default_factory=ListFilters)


class GetRequest(BaseModel):
    action: Literal["get_customer"]
    data: TargetData


class UpsertRequest(BaseModel):
    action: Literal["upsert_account"]
    data: UpsertData


class HealthRequest(BaseModel):
    action: Literal["update_health"]
    data: HealthData


class DeleteRequest(BaseModel):
    action: Literal["delete_customer"]
    data: TargetData


class ScoreRequest(BaseModel):
    action: Literal["score_customer"]
    data: ScoreData


InboundRequest = Annotated[
    ListRequest | GetRequest | UpsertRequest | HealthRequest | DeleteRequest | ScoreRequest,
    Field(discriminator="action"),
]
InboundResponse = CustomerList | Upserted | Updated | OneCustomer


# --- timeline events and alerts ----------------------------------------------------------


class EventIn(BaseModel):
    """A timeline event. With `source` and `external_id`, sending the same
    event again updates it instead of adding a second one."""

    model_config = ConfigDict(extra="forbid")

    customer_id: int | None = Field(None, ge=1, le=2**62)
    customer: str | None = Field(None, max_length=1000, description="Or the customer's name.")
    kind: str = Field("note", max_length=100, json_schema_extra={"enum": list(LOGGABLE_KINDS)})
    title: str = Field(max_length=1000)
    body: str | None = Field(None, max_length=65536)
    at: str | None = Field(None, max_length=100, description="When (ISO 8601); default now.")
    contact: str | None = Field(None, max_length=1000)
    author: str | None = Field(None, max_length=1000)
    status: str | None = Field(None, max_length=40, description="Tickets: open, pending, solved.")
    priority: str | None = Field(None, max_length=40, description="low, normal, high, urgent.")
    properties: dict[str, Any] | None = None
    source: str | None = Field(None, max_length=100)
    external_id: str | None = Field(None, max_length=300)


class EventOut(BaseModel):
    event: dict[str, Any]
    created: bool = Field(description="False when the same source + external_id existed.")
    updated: bool


class AlertOut(BaseModel):
    customer: str
    customer_id: int
    manager: str | None
    category: str
    severity: str
    reason: str
    mrr: float | None
    snoozed_until: str | None
    dismissed: bool
    data: dict[str, Any]


class AlertList(BaseModel):
    alerts: list[AlertOut]


class AlertFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    severity: Severity | None = None
    category: Category | None = None
    manager: str | None = Field(None, max_length=1000)
    customer_id: int | None = Field(None, ge=1, le=2**62)
    include_snoozed: bool = False
