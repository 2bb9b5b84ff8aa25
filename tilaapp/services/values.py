"""Choice of a field's value in use, and the JSON and history text of values."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tilaapp.domain.codelists import map_dvv_to_ryhti
from tilaapp.domain.dates import PartialDate
from tilaapp.domain.fields import LOCAL, SOURCE_PRIORITY, FieldKind, FieldSpec, Source
from tilaapp.domain.numbers import decimal_to_text
from tilaapp.storage.models import LocalValue, RegisterValue

JsonValue = str | int | bool | None


def to_json_value(value: Any) -> JsonValue:
    """Return ``value`` as JSON gives it: decimals as plain strings, dates as ISO 8601."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return decimal_to_text(value)
    if isinstance(value, PartialDate):
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(f"no JSON form for {type(value).__name__}")


def to_history_text(value: Any) -> str | None:
    """Return ``value`` as stored in the change history, or None for an empty value."""
    json_value = to_json_value(value)
    return None if json_value is None else json.dumps(json_value, ensure_ascii=False)


@dataclass(frozen=True)
class RegisterEntry:
    source: str
    value: Any
    batch_id: int
    extraction_date: datetime.date
    is_present: bool


@dataclass(frozen=True)
class FieldValues:
    """Every value one building has for one field, and which one is in use."""

    spec: FieldSpec
    register: tuple[RegisterEntry, ...]
    local: Any
    in_use: Any
    in_use_origin: str | None
    """``local``, a register source, or None when no source carries the field."""

    @property
    def sources_disagree(self) -> bool:
        return (
            len(
                {
                    _comparable(self.spec, entry)
                    for entry in self.register
                    if entry.value is not None
                }
            )
            > 1
        )


def _comparable(spec: FieldSpec, entry: RegisterEntry) -> Any:
    """Return a value that equals another source's value when both mean the same."""
    if spec.kind is not FieldKind.CODE:
        return entry.value
    list_id = spec.code_lists.get(entry.source)
    if list_id is not None and list_id.startswith("dvv_"):
        mapped = map_dvv_to_ryhti(list_id, entry.value)
        if mapped is not None:
            return mapped
    return (list_id, entry.value)


def _source_rank(source: str) -> int:
    try:
        return len(SOURCE_PRIORITY) - SOURCE_PRIORITY.index(Source(source))
    except ValueError:
        return 0


def choose_register_entry(entries: list[RegisterEntry]) -> RegisterEntry | None:
    """Pick the register value in use, from the source with the newest extraction date.

    Only sources that carry the field count. With equal dates the DVV extract wins, then
    Ryhti, then the DVV open file.

    Sources where the building is no longer present are used only when no present source
    carries the field.
    """
    carrying = [entry for entry in entries if entry.value is not None]
    present = [entry for entry in carrying if entry.is_present] or carrying
    if not present:
        return None
    return max(present, key=lambda entry: (entry.extraction_date, _source_rank(entry.source)))


def field_values(
    spec: FieldSpec, register_rows: list[RegisterValue], local: LocalValue | None
) -> FieldValues:
    entries: tuple[RegisterEntry, ...] = ()
    if spec.register:
        entries = tuple(
            RegisterEntry(
                source=row.source,
                value=getattr(row, spec.name),
                batch_id=row.batch_id,
                extraction_date=row.extraction_date,
                is_present=row.is_present,
            )
            for row in register_rows
        )
    local_value = getattr(local, spec.name) if local is not None else None

    if local_value is not None:
        return FieldValues(spec, entries, local_value, local_value, LOCAL)
    chosen = choose_register_entry(list(entries))
    if chosen is None:
        return FieldValues(spec, entries, None, None, None)
    return FieldValues(spec, entries, None, chosen.value, chosen.source)
