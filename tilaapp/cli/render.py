"""Text, JSON and CSV forms of command results."""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from tilaapp.domain.codelists import code_name, is_known_code
from tilaapp.domain.dates import PartialDate
from tilaapp.domain.fields import FIELDS_BY_NAME, LOCAL, FieldKind, Source
from tilaapp.domain.formatting import (
    format_date,
    format_decimal,
    format_money,
    format_partial_date,
    format_timestamp,
)
from tilaapp.domain.identifiers import format_property_identifier
from tilaapp.domain.municipalities import municipality_name
from tilaapp.domain.numbers import decimal_to_text
from tilaapp.domain.textcells import neutralise_text
from tilaapp.i18n import current_language, ngettext, pgettext
from tilaapp.i18n import gettext as _
from tilaapp.services.importing import FileReport, ImportRejected, ImportReport
from tilaapp.services.messages import (
    absence_not_judged_sentence,
    filtered_out_sentence,
    skipped_member_sentence,
)
from tilaapp.services.queries import BuildingSummary
from tilaapp.services.reference import ReferenceData
from tilaapp.services.values import to_json_value
from tilaapp.sources.records import RowProblem


def source_name(source: str) -> str:
    names = {
        "dvv_extract": _("DVV building extract"),
        "ryhti": _("Ryhti open data"),
        "dvv_open": _("DVV open address file"),
        LOCAL: _("local value"),
    }
    return names.get(source, source)


# ---------------------------------------------------------------- import


def _problem_json(problem: RowProblem) -> dict[str, Any]:
    return {
        "sheet": problem.sheet,
        "row": problem.row,
        "column": problem.column,
        "value": problem.value,
        "kind": problem.kind.value,
        "severity": problem.severity.value,
        "params": problem.params,
    }


def _file_json(report: FileReport) -> dict[str, Any]:
    return {
        "file": str(report.path),
        "file_name": report.file_name,
        "source": report.source,
        "sha256": report.sha256,
        "scope": report.scope,
        "extraction_date": report.extraction_date.isoformat(),
        "extraction_date_origin": report.extraction_date_origin,
        "batch_id": report.batch_id,
        "already_imported": report.already_imported,
        "rows_read": report.rows_read,
        "skipped_sheets": report.skipped_sheets,
        "skipped_members": report.skipped_members,
        "counts": report.counts(),
        "problems": [_problem_json(p) for p in report.problems],
    }


def import_json(report: ImportReport) -> dict[str, Any]:
    return {
        "format": "tilaapp.import/1",
        "status": "imported",
        "database": str(report.database),
        "database_created": report.database_created,
        "backup": str(report.backup) if report.backup else None,
        "home_municipality": report.home_municipality,
        "portfolio_added": report.portfolio_added,
        "files": [_file_json(f) for f in report.files],
    }


def rejection_json(error: ImportRejected | Exception) -> dict[str, Any]:
    rejections = getattr(error, "rejections", [])
    return {
        "format": "tilaapp.import/1",
        "status": "rejected",
        "rejections": [
            {"file": str(r.path), "reason": r.reason.value, "params": r.params} for r in rejections
        ],
    }


def _extraction_date_text(report: FileReport) -> str:
    date = format_date(report.extraction_date)
    if report.extraction_date_origin == "file":
        return _("extraction date {date} (from the file)").format(date=date)
    if report.extraction_date_origin == "option":
        return _("extraction date {date} (given with --extraction-date)").format(date=date)
    return _("extraction date {date} (the import date; the file carries none)").format(date=date)


def _imported_before_text(report: FileReport) -> str:
    """Return the line of a file that was not read because it was imported before."""
    if report.imported_before_at is None:
        return _("The same file was imported before, so it was not read again.")
    return _(
        "File {file}: {source}. The same file was imported before, on {imported}, with "
        "extraction date {date}, so it was not read again."
    ).format(
        file=report.file_name,
        source=source_name(report.source),
        imported=format_timestamp(report.imported_before_at),
        date=format_date(report.extraction_date),
    )


def _problem_text(problem: RowProblem, *, name_file: bool = False, by_feature: bool = False) -> str:
    place = []
    if name_file:
        place.append(_("file {file}").format(file=problem.file))
    if problem.sheet:
        place.append(_("sheet {sheet}").format(sheet=_one_line(problem.sheet)))
    if problem.row is not None and by_feature:
        # A GeoJSON file is often one line, so its problems count features instead.
        place.append(_("feature {row}").format(row=problem.row))
    elif problem.row is not None:
        place.append(_("row {row}").format(row=problem.row))
    if problem.column:
        place.append(_("column {column}").format(column=_one_line(problem.column)))
    if problem.value is not None:
        place.append(_("value “{value}”").format(value=_one_line(problem.value)))
    severity = _("error") if problem.severity.value == "error" else _("warning")
    # A problem of the whole file, such as a cut last row, has no place.
    parts = (
        [severity, ", ".join(place), problem.message()] if place else [severity, problem.message()]
    )
    return "  " + ": ".join(parts)


def _one_line(text: str) -> str:
    """Return ``text`` with each line break as a space, as workbook headers have them
    ("Valmis-tumis-⏎päivä"), so that a problem stays on one line of the report."""
    return " ".join(text.splitlines()) if "\n" in text or "\r" in text else text


def _file_text(report: FileReport) -> list[str]:
    if report.already_imported:
        return [_imported_before_text(report)]
    lines = [
        _("File {file}: {source}, {date}.").format(
            file=report.file_name,
            source=source_name(report.source),
            date=_extraction_date_text(report),
        )
    ]
    counts = report.counts()
    lines.append(
        "  "
        + ngettext(
            "{count} building in the file",
            "{count} buildings in the file",
            counts["buildings_in_file"],
        ).format(count=format_decimal(counts["buildings_in_file"]))
        + "; "
        + _(
            "added {added}, updated {updated}, unchanged {unchanged}, no longer in the "
            "source {absent}."
        ).format(
            added=format_decimal(counts["added"]),
            updated=format_decimal(counts["updated"]),
            unchanged=format_decimal(counts["unchanged"]),
            absent=format_decimal(counts["no_longer_present"]),
        )
    )
    if report.filtered_out:
        lines.append("  " + filtered_out_sentence(report.source, report.filtered_out))
    if report.absence_not_judged:
        lines.append("  " + absence_not_judged_sentence(report.absence_not_judged))
    if report.older_than_stored:
        lines.append(
            "  "
            + ngettext(
                "{count} building has newer data stored already and was not changed.",
                "{count} buildings have newer data stored already and were not changed.",
                report.older_than_stored,
            ).format(count=format_decimal(report.older_than_stored))
        )
    for sheet in report.skipped_sheets:
        lines.append(
            "  " + _("Sheet {sheet} was skipped: tilaapp does not read it.").format(sheet=sheet)
        )
    for member in report.skipped_members:
        lines.append("  " + skipped_member_sentence(member))
    if report.problems:
        lines.append(
            "  "
            + ngettext("{count} problem:", "{count} problems:", len(report.problems)).format(
                count=format_decimal(len(report.problems))
            )
        )
        # Several Ryhti pages read together share one report.
        name_file = len({problem.file for problem in report.problems}) > 1
        by_feature = report.source == Source.RYHTI.value
        lines.extend(
            _problem_text(problem, name_file=name_file, by_feature=by_feature)
            for problem in report.problems
        )
    return lines


def import_text(report: ImportReport) -> str:
    lines: list[str] = []
    for file_report in report.files:
        lines.extend(_file_text(file_report))
    if report.home_municipality:
        lines.append(
            _("Home municipality: {name} ({code}).").format(
                name=municipality_name(report.home_municipality), code=report.home_municipality
            )
        )
    if report.portfolio_added:
        lines.append(
            ngettext(
                "{count} building joined the portfolio by its owner.",
                "{count} buildings joined the portfolio by their owner.",
                report.portfolio_added,
            ).format(count=format_decimal(report.portfolio_added))
        )
    if report.backup:
        lines.append(
            _("A copy of the database before the import: {path}").format(path=report.backup)
        )
    if report.database_created:
        lines.append(_("Created a new database: {path}").format(path=report.database))
    else:
        lines.append(_("Database: {path}").format(path=report.database))
    return "\n".join(lines)


# ---------------------------------------------------------------- list

LIST_COLUMNS = (
    "id",
    "permanent_building_identifier",
    "municipality_number",
    "property_identifier",
    "address",
    "local_name",
    "building_class_2018",
    "building_class_origin",
    "use_class_1994",
    "gross_floor_area",
    "completion_date",
    "in_portfolio",
    "holder_business_id",
    "tenure",
)


def _summary_json(summary: BuildingSummary) -> dict[str, Any]:
    return {name: to_json_value(getattr(summary, name)) for name in LIST_COLUMNS}


def list_json_chunks(buildings: Iterable[BuildingSummary], *, all_buildings: bool) -> Iterator[str]:
    """Yield the ``tilaapp.list/1`` object in pieces, one building at a time."""
    scope = "all" if all_buildings else "portfolio"
    yield (
        '{\n  "format": "tilaapp.list/1",\n  "scope": ' + json.dumps(scope) + ',\n  "buildings": ['
    )
    count = 0
    for summary in buildings:
        yield (
            ("," if count else "")
            + "\n    "
            + json.dumps(_summary_json(summary), ensure_ascii=False)
        )
        count += 1
    yield f'\n  ],\n  "count": {count}\n}}\n'


def _list_headers() -> list[str]:
    return [
        _("Database id"),
        _("Permanent building identifier"),
        _("Municipality"),
        _("Property identifier"),
        _("Address"),
        _("Building name"),
        _("Building class (2018)"),
        _("Source of building class"),
        _("Use class (1994)"),
        _("Gross floor area (m²)"),
        _("Completion date"),
        _("In portfolio"),
        _("Holder business ID"),
        _("Tenure"),
    ]


def _tenure_text(tenure: str | None) -> str:
    names = {
        "owned": pgettext("tenure", "owned"),
        "leased_in": pgettext("tenure", "leased in"),
    }
    return "" if tenure is None else names.get(tenure, tenure)


def _class_origin_text(origin: str) -> str:
    names = {
        "register": pgettext("building class from", "register"),
        "crosswalk": pgettext("building class from", "1994 class"),
        "unknown": pgettext("building class from", "unknown"),
    }
    return names.get(origin, origin)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return decimal_to_text(value).replace(".", ",")
    if isinstance(value, PartialDate):
        return format_partial_date(value, "fi")
    return neutralise_text(str(value))


def list_csv_chunks(buildings: Iterable[BuildingSummary]) -> Iterator[str]:
    """Yield the list as Finnish Excel opens it: UTF-8 with BOM, ``;``, decimal comma."""
    output = io.StringIO()
    writer = csv.writer(output, delimiter=";", lineterminator="\r\n")
    writer.writerow(_list_headers())
    yield "\ufeff" + output.getvalue()
    for summary in buildings:
        output.seek(0)
        output.truncate()
        cells = [_csv_cell(getattr(summary, name)) for name in LIST_COLUMNS]
        cells[LIST_COLUMNS.index("building_class_origin")] = _class_origin_text(
            summary.building_class_origin
        )
        cells[LIST_COLUMNS.index("tenure")] = _tenure_text(summary.tenure)
        writer.writerow(cells)
        yield output.getvalue()


def display_value(name: str, value: Any) -> str:
    """Return a field value as the user reads it in the current language."""
    if value is None:
        return "–"
    spec = FIELDS_BY_NAME.get(name)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, Decimal):
        return format_decimal(value, max_fraction_digits=3)
    if isinstance(value, PartialDate):
        return format_partial_date(value)
    if name == "property_identifier" and isinstance(value, str):
        return format_property_identifier(value)
    if spec is not None and spec.kind is FieldKind.CODE and name == "municipality_number":
        return f"{value} {municipality_name(value)}"
    return str(value)


def _class_text(summary: BuildingSummary) -> str:
    code = summary.building_class_2018
    if code is None:
        return _("class unknown")
    return f"{code} {code_name('building_class_2018', code)}"


def list_text_lines(
    buildings: Iterable[BuildingSummary], *, all_buildings: bool = False
) -> Iterator[str]:
    """Yield one line per building, then a line with the count."""
    count = 0
    for summary in buildings:
        area = (
            format_decimal(summary.gross_floor_area) + " m²"
            if summary.gross_floor_area is not None
            else "–"
        )
        yield "id:{id}  {prt}  {address}  {klass}  {area}".format(
            id=summary.id,
            prt=summary.permanent_building_identifier or "–",
            address=summary.address or "–",
            klass=_class_text(summary),
            area=area,
        )
        count += 1
    if count == 0 and all_buildings:
        yield _("The database has no buildings. Import a register file first.")
    elif count == 0:
        yield _(
            "The portfolio has no buildings. Buildings join it at import when their owner's "
            "business ID is given with --owner-business-id; list every building with --all."
        )
    else:
        yield ngettext("{count} building.", "{count} buildings.", count).format(
            count=format_decimal(count)
        )


# ---------------------------------------------------------------- show


# Units of the decimal fields, shown after their values.
FIELD_UNITS = {
    "gross_floor_area": "m²",
    "total_area": "m²",
    "floor_area": "m²",
    "basement_area": "m²",
    "civil_defence_shelter_size": "m²",
    "volume": "m³",
    "utilisation_rate": "%",
    "coordinate_north": "m",
    "coordinate_east": "m",
}


def _field_text(name: str, value: Any, origin: str | None) -> str:
    """Return a value with its unit, or a code with its name in the list of ``origin``."""
    spec = FIELDS_BY_NAME[name]
    if value is None:
        return "–"
    if spec.kind is FieldKind.MONEY:
        return format_money(value)
    if spec.kind is FieldKind.CODE and name != "municipality_number":
        list_id = spec.code_lists.get(origin or "", spec.code_lists.get(LOCAL, ""))
        if list_id and is_known_code(list_id, value):
            return f"{value} {code_name(list_id, value)}"
        return code_name(list_id, value) if list_id else str(value)
    text = display_value(name, value)
    unit = FIELD_UNITS.get(name)
    return f"{text} {unit}" if unit else text


def _show_field_line(name: str, item: dict[str, Any]) -> str | None:
    in_use = item["in_use"]
    if in_use["value"] is None and not item["register"]:
        return None
    spec = FIELDS_BY_NAME[name]
    text = _field_text(name, _typed(spec.kind, in_use["value"]), in_use["origin"])
    origin = source_name(in_use["origin"]) if in_use["origin"] else _("no value")
    line = f"  {_(spec.label)}: {text} ({origin})"
    if in_use["origin"] == LOCAL and item["register"]:
        registered = "; ".join(
            f"{source_name(source)}: {_field_text(name, _typed(spec.kind, entry['value']), source)}"
            for source, entry in item["register"].items()
        )
        line += "  " + _("register: {values}").format(values=registered)
    if item["sources_disagree"]:
        others = "; ".join(
            f"{source_name(source)}: {display_value(name, _typed(spec.kind, entry['value']))}"
            for source, entry in item["register"].items()
        )
        line += "  " + _("sources disagree: {values}").format(values=others)
    return line


def _typed(kind: FieldKind, value: Any) -> Any:
    if value is None:
        return None
    if kind in (FieldKind.DECIMAL, FieldKind.MONEY):
        return Decimal(value)
    if kind is FieldKind.DATE:
        return PartialDate.from_iso(value)
    return value


def _portfolio_text(portfolio: dict[str, Any] | None) -> str:
    if portfolio is None:
        return _("Not in the portfolio.")
    holder = portfolio["holder"]
    if holder is None:
        return _("In the portfolio ({tenure}), holder not named.").format(
            tenure=_tenure_text(portfolio["tenure"])
        )
    return _("In the portfolio ({tenure}), holder {name} ({business_id}).").format(
        tenure=_tenure_text(portfolio["tenure"]),
        name=holder["name"] or "–",
        business_id=holder["business_id"],
    )


def _owners_text(owners: list[dict[str, Any]]) -> str | None:
    if not owners:
        return None
    persons = sum(1 for owner in owners if owner["is_person"])
    organisations = sorted({o["business_id"] or "–" for o in owners if not o["is_person"]})
    parts = []
    if organisations:
        parts.append(
            ngettext(
                "{count} organisation ({business_ids})",
                "{count} organisations ({business_ids})",
                len(organisations),
            ).format(count=len(organisations), business_ids=", ".join(organisations))
        )
    if persons:
        parts.append(
            ngettext("{count} private person", "{count} private persons", persons).format(
                count=persons
            )
        )
    return _("Owners in the register: {owners}").format(owners=", ".join(parts))


def show_text(details: dict[str, Any]) -> str:
    building = details["building"]
    lines = [
        _("Building id:{id}, permanent building identifier {prt}").format(
            id=building["id"], prt=building["permanent_building_identifier"] or "–"
        )
    ]
    for source in details["sources"]:
        state = _("present") if source["present"] else _("no longer in the source")
        lines.append(
            "  "
            + _("{source}: extraction date {date}, {state}").format(
                source=source_name(source["source"]),
                date=format_date(datetime.date.fromisoformat(source["extraction_date"])),
                state=state,
            )
        )
    lines.append("  " + _portfolio_text(details["portfolio"]))
    owners = _owners_text(details["owners"])
    if owners:
        lines.append("  " + owners)
    for name, item in details["fields"].items():
        line = _show_field_line(name, item)
        if line is not None:
            lines.append(line)
    for address in details["addresses"]:
        lines.append("  " + _("Address: {address}").format(address=_address_text(address)))
    return "\n".join(lines)


def _address_text(address: dict[str, Any]) -> str:
    """Return an address as the register list writes it, in Swedish where the language is
    Swedish and the address has Swedish names."""
    language = "sv" if current_language() == "sv" and address["street_name_sv"] else "fi"
    street = (address[f"street_name_{language}"], address["house_number"])
    place = (
        address["postal_code"],
        address[f"post_office_{language}"] or address["post_office_fi"],
    )
    return ", ".join(
        text for text in (" ".join(p for p in street if p), " ".join(p for p in place if p)) if text
    )


# ---------------------------------------------------------------- reference


def reference_json(data: ReferenceData, path: Path) -> dict[str, Any]:
    municipalities = {f.municipality for f in data.figures if f.municipality != "national"}
    return {
        "format": "tilaapp.reference-build/1",
        "out": str(path),
        "figures": len(data.figures),
        "municipalities": len(municipalities),
        "inputs": [item.to_json() for item in data.inputs],
    }


def reference_text(data: ReferenceData, path: Path) -> str:
    municipalities = {f.municipality for f in data.figures if f.municipality != "national"}
    lines = [
        ngettext(
            "File {file}: {source}, extraction date {date}, {rows} row.",
            "File {file}: {source}, extraction date {date}, {rows} rows.",
            item.rows,
        ).format(
            file=item.file_name,
            rows=format_decimal(item.rows),
            source=source_name(item.source),
            date=format_date(item.extraction_date) if item.extraction_date else "–",
        )
        for item in data.inputs
    ]
    lines.append(
        ngettext(
            "Wrote {count} figure to {path}.", "Wrote {count} figures to {path}.", len(data.figures)
        ).format(count=len(data.figures), path=path)
    )
    lines.append(
        ngettext(
            "The figures cover {count} municipality and the whole country.",
            "The figures cover {count} municipalities and the whole country.",
            len(municipalities),
        ).format(count=len(municipalities))
    )
    return "\n".join(lines)
