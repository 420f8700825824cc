"""Customer 360's fields: the value each shows in the fields panel, and what
the field editor (modals/field_edit) is told about it — label, type, what
it accepts, the value to start from and the core parser that checks it
(`fields.FIELDS[...].parse`, or the custom field's definition)."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from iqcadence.core.accounts import custom_fields
from iqcadence.core.base.labels import LabelKind, field_value_text, label, yes_no
from iqcadence.core.read import customer360
from iqcadence.core.scoring.fields import FIELDS
from iqcadence.core.scoring.formula import GROWTH_VALUES, LIFECYCLES, SENTIMENTS, TIERS
from iqcadence.core.store.models.crm import CustomFieldDefinition
from iqcadence.tui.modals.field_edit import FieldToEdit

CHOICES: dict[str, tuple[str, ...]] = {
    "tier": TIERS,
    "lifecycle": LIFECYCLES,
    "sentiment": SENTIMENTS,
    "growth": GROWTH_VALUES,
}
REQUIRED = ("name", "lifecycle")
# The type a standard field's parser reads, in the words custom fields use.
FIELD_TYPES: dict[str, str] = {
    "text": "text",
    "choice": "dropdown",
    "money": "number",
    "date": "date",
    "tags": "text",
    "signal": "number",
    "score": "number",
}
CUSTOM_ACCEPTS: dict[str, str] = {
    "text": "one line of text, up to 2,000 characters",
    "number": "a number",
    "date": "a date, YYYY-MM-DD",
    "boolean": "yes or no",
}
CLEARED = "nothing (the field is emptied)"


def editable_text(value: Any) -> str:
    """A value as it is typed back in: amounts to the cent without an
    exponent, dates in ISO form, nothing as an empty field."""
    if value is None:
        return ""
    if isinstance(value, float):
        text = f"{round(value, 2):.2f}".rstrip("0").rstrip(".")
        return text or "0"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def shown_value(record: customer360.Record, name: str, currency: str) -> str:
    """A standard field's value in the fields panel. The score row gives the
    score either way, and says whether it is computed or a manual override."""
    if name == "score":
        data = record.data
        if data.get("score") is None:
            return field_value_text(name, None)
        source = "manual" if data.get("score_source") == "manual" else "computed"
        return f"{data['score']:.1f} ({label('score_source', source).lower()})"
    return field_value_text(name, customer360.field_value(record, name), currency=currency)


def standard_field(record: customer360.Record, name: str, currency: str) -> FieldToEdit:
    spec = FIELDS[name]
    choices = CHOICES.get(name)
    options = (
        tuple((token, label(cast("LabelKind", name), token)) for token in choices)
        if choices is not None
        else None
    )
    current = customer360.field_value(record, name)

    def check(text: str) -> str:
        parsed = spec.parse(text)
        if name == "score":
            return "no override: the computed score" if parsed is None else f"{parsed:.1f}"
        if parsed is None or parsed == []:
            return CLEARED
        return field_value_text(name, parsed, currency=currency)

    return FieldToEdit(
        title=f"{label('field', name)} — {record.customer.name}",
        label=label("field", name),
        type_label=label("field_type", FIELD_TYPES[spec.kind] if options is None else "dropdown"),
        accepts=", ".join(shown for _t, shown in options) if options else spec.help,
        value=editable_text(current),
        check=check,
        options=options,
        required=name in REQUIRED,
    )


def custom_field(record: customer360.Record, key: str) -> FieldToEdit:
    item = next(i for i in record.custom_fields if i["key"] == key)
    definition = CustomFieldDefinition(
        client_id=record.customer.client_id,
        key=key,
        label=item["label"],
        type=item["type"],
        options=list(item.get("options") or ()),
    )
    options: tuple[tuple[str, str], ...] | None = None
    if definition.type == "dropdown":
        options = tuple((option, option) for option in definition.options)
    elif definition.type == "boolean":
        options = (("true", yes_no(True)), ("false", yes_no(False)))

    def check(text: str) -> str:
        stored = custom_fields.parse_value(definition, text)
        if stored is None:
            return CLEARED
        return yes_no(stored == "true") if definition.type == "boolean" else stored

    return FieldToEdit(
        title=f"{item['label']} — {record.customer.name}",
        label=str(item["label"]),
        type_label=label("field_type", definition.type),
        accepts=(
            ", ".join(shown for _t, shown in options)
            if options
            else CUSTOM_ACCEPTS.get(definition.type, "")
        ),
        value=str(item.get("text") or ""),
        check=check,
        options=options,
    )
