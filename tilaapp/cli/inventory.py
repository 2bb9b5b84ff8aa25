"""The commands of own inventories: ``import --mapping`` and ``mapping``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tilaapp.cli.errors import EXIT_OK, UsageError, describe_error, exit_status
from tilaapp.domain.validation import EDITABLE_FIELDS, field_spec
from tilaapp.i18n import gettext as _
from tilaapp.i18n import ngettext
from tilaapp.services.errors import ImportRejected
from tilaapp.services.inventory_export import write_unmatched
from tilaapp.services.inventory_import import (
    InventoryImport,
    InventoryImportService,
    describe_unmatched,
)
from tilaapp.services.inventory_matching import MatchMethod
from tilaapp.services.mapping import (
    MATCH_KEY_LABELS,
    MATCH_KEYS,
    ColumnMapping,
    list_mappings,
    load_mapping,
    mapping_from_json_file,
    parse_column_assignment,
    save_mapping,
)
from tilaapp.sources.records import FileRejected
from tilaapp.sources.table import Table
from tilaapp.sources.tabular import read_table, table_files
from tilaapp.storage.database import Database, open_database
from tilaapp.storage.files import default_database_path

INVENTORY_IMPORT_FORMAT = "tilaapp.inventory-import/1"
MAPPING_FORMAT_LIST = "tilaapp.mapping-list/1"
MAPPING_FIELDS_FORMAT = "tilaapp.mapping-fields/1"
SEPARATOR_NAMES = {"tab": "\t", "\\t": "\t", "semicolon": ";", "comma": ","}
# Options of the register import that an inventory import does not take.
REGISTER_ONLY_OPTIONS = ("home", "municipality", "owner_business_id", "extraction_date")


def _database_path(args: argparse.Namespace) -> Path:
    path: Path | None = args.db
    return path if path is not None else default_database_path()


def _print_errors(error: Exception) -> int:
    for line in describe_error(error):
        print(line, file=sys.stderr)
    return exit_status(error)


def _print_json(value: dict[str, Any]) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


# import --mapping


def run_inventory_import(args: argparse.Namespace) -> int:
    """Import own inventory files with the saved mapping ``args.mapping``."""
    database: Database | None = None
    try:
        _check_register_options_absent(args)
        database = open_database(_database_path(args), create=False)
        mapping = load_mapping(database, args.mapping)
        files = table_files(list(args.files))
        tables = _read_tables(files.files, mapping)
        service = InventoryImportService(database)
        results = [_import_one(service, table, mapping, args) for table in tables]
        unmatched_path = _write_unmatched(args.unmatched_out, results)
    except Exception as error:
        if args.json and isinstance(error, ImportRejected):
            _print_json(_rejection_json(error))
        return _print_errors(error)
    finally:
        if database is not None:
            database.close()

    if args.json:
        _print_json(_import_json(database.path, mapping, results, files.skipped_lock_files, args))
    else:
        print(_import_text(results, files.skipped_lock_files, unmatched_path, args.dry_run))
    return EXIT_OK


def _check_register_options_absent(args: argparse.Namespace) -> None:
    for option in REGISTER_ONLY_OPTIONS:
        if getattr(args, option, None):
            name = "--" + option.replace("_", "-")
            raise UsageError(
                _("{option} applies to register files and cannot be used with --mapping.").format(
                    option=name
                )
            )
    if args.unmatched_out is not None and args.unmatched_out.suffix.casefold() != ".xlsx":
        raise UsageError(
            _("--unmatched-out {path}: give a file name ending in .xlsx.").format(
                path=args.unmatched_out
            )
        )


def _read_tables(paths: list[Path], mapping: ColumnMapping) -> list[Table]:
    """Read every file before anything is written; reject them all together."""
    tables: list[Table] = []
    rejections: list[FileRejected] = []
    for path in paths:
        try:
            tables.append(read_table(path, mapping.table_options()))
        except FileRejected as rejection:
            rejections.append(rejection)
    if rejections:
        raise ImportRejected(rejections)
    return tables


def _import_one(
    service: InventoryImportService, table: Table, mapping: ColumnMapping, args: argparse.Namespace
) -> InventoryImport:
    if args.dry_run:
        return service.preview(table, mapping)
    return service.apply(table, mapping, add_unmatched=args.add_unmatched)


def _write_unmatched(path: Path | None, results: list[InventoryImport]) -> Path | None:
    if path is None or not results:
        return None
    # NOTE: with several files, only the first file's unmatched rows are written, because
    # their columns can differ.
    write_unmatched(path, results[0])
    return path


def _rejection_json(error: ImportRejected) -> dict[str, Any]:
    return {
        "format": INVENTORY_IMPORT_FORMAT,
        "status": "rejected",
        "rejections": [
            {"file": str(r.path), "reason": r.reason.value, "params": r.params}
            for r in error.rejections
        ],
    }


def _import_json(
    database: Path,
    mapping: ColumnMapping,
    results: list[InventoryImport],
    skipped: list[Path],
    args: argparse.Namespace,
) -> dict[str, Any]:
    return {
        "format": INVENTORY_IMPORT_FORMAT,
        "status": "preview" if args.dry_run else "imported",
        "database": str(database),
        "mapping": mapping.name,
        "skipped_lock_files": [str(path) for path in skipped],
        "unmatched_file": str(args.unmatched_out) if args.unmatched_out and results else None,
        "files": [_file_json(result) for result in results],
    }


def _file_json(result: InventoryImport) -> dict[str, Any]:
    table = result.table
    return {
        "file": str(result.path),
        "format": table.format.value,
        "sheet": table.sheet,
        "hidden_sheets": table.hidden_sheets,
        "header_row": table.header_row,
        "header_detected": table.header_detected,
        "encoding": table.encoding.name if table.encoding else None,
        "encoding_basis": table.encoding.basis.value if table.encoding else None,
        "separator": table.separator,
        "separator_basis": table.separator_basis.value if table.separator_basis else None,
        "rows": len(table.rows),
        "cells": table.cell_count,
        "matched": {
            "total": len(result.matched),
            **{method.value: count for method, count in result.counts_by_method().items()},
        },
        "unmatched": [
            {
                "row": match.row,
                "reason": match.reason.value if match.reason else None,
                "first_row": match.first_row,
            }
            for match in result.unmatched
        ],
        "values_changed": len(result.changes),
        "buildings_changed": result.buildings_changed,
        "values_unchanged": result.unchanged_values,
        "added_buildings": [
            {"row": row, "building_id": building_id}
            for row, building_id in zip(result.added_rows, result.added_buildings, strict=True)
        ],
        "invalid_values": [
            {"row": p.row, "column": p.column, "field": p.field, "value": p.value}
            for p in result.value_problems
        ],
        "cell_problems": [
            {
                "row": p.row,
                "column": _column_name(table, p.column),
                "kind": p.kind.value,
                "params": p.params,
            }
            for p in table.problems
        ],
    }


def _column_name(table: Table, column: int | None) -> str | None:
    if column is None:
        return None
    return table.columns[column - 1] if column <= len(table.columns) else None


def _import_text(
    results: list[InventoryImport], skipped: list[Path], unmatched: Path | None, dry_run: bool
) -> str:
    lines: list[str] = []
    for path in skipped:
        lines.append(_("Skipped {file}: a lock file that Excel writes.").format(file=path.name))
    for result in results:
        lines.extend(_result_lines(result))
    if unmatched is not None:
        lines.append(_("Wrote the unmatched rows to {path}.").format(path=unmatched))
    if dry_run:
        lines.append(_("Nothing was changed (--dry-run)."))
    return "\n".join(lines)


def _result_lines(result: InventoryImport) -> list[str]:
    lines = [_reading_line(result.table)]
    lines.extend(_match_lines(result))
    for problem in result.value_problems:
        lines.append(
            "  "
            + _("row {row}, column {column}: {message} The value was not applied.").format(
                row=problem.row, column=problem.column_text, message=problem.message
            )
        )
    for cell_problem in result.table.problems:
        column = _column_name(result.table, cell_problem.column)
        place = (
            _("row {row}, column {column}").format(row=cell_problem.row, column=column)
            if column
            else _("line {row}").format(row=cell_problem.row)
        )
        lines.append(f"  {place}: {cell_problem.message()}")
    lines.append(_change_line(result))
    return lines


def _reading_line(table: Table) -> str:
    if table.encoding is not None:
        separator = "tab" if table.separator == "\t" else table.separator
        read = _("Read {file}: encoding {encoding}, separator {separator}, header on row {row}.")
        text = read.format(
            file=table.path.name,
            encoding=table.encoding.name,
            separator=separator,
            row=table.header_row,
        )
    else:
        text = _("Read {file}: sheet {sheet}, header on row {row}.").format(
            file=table.path.name, sheet=table.sheet, row=table.header_row
        )
    if table.hidden_sheets:
        text += " " + _("Hidden sheets, not read: {sheets}.").format(
            sheets=", ".join(table.hidden_sheets)
        )
    return text


def _match_lines(result: InventoryImport) -> list[str]:
    counts = result.counts_by_method()
    total = len(result.matches)
    lines = [
        ngettext(
            "{matched} of {count} row matched a building: {by_identifier} by permanent "
            "building identifier, {by_old} by property identifier and building number, "
            "{by_address} by address.",
            "{matched} of {count} rows matched a building: {by_identifier} by permanent "
            "building identifier, {by_old} by property identifier and building number, "
            "{by_address} by address.",
            total,
        ).format(
            matched=len(result.matched),
            count=total,
            by_identifier=counts[MatchMethod.PERMANENT_IDENTIFIER],
            by_old=counts[MatchMethod.OLD_IDENTIFIER],
            by_address=counts[MatchMethod.ADDRESS],
        )
    ]
    for match in result.unmatched:
        lines.append(
            "  " + _("row {row}: {reason}").format(row=match.row, reason=describe_unmatched(match))
        )
    return lines


def _change_line(result: InventoryImport) -> str:
    if result.applied:
        text = _("Values changed: {count}, in buildings: {buildings}.")
    else:
        text = _("Values that would change: {count}, in buildings: {buildings}.")
    line = text.format(count=len(result.changes), buildings=result.buildings_changed)
    if result.added_buildings:
        line += " " + ngettext(
            "{count} local building added.",
            "{count} local buildings added.",
            len(result.added_buildings),
        ).format(count=len(result.added_buildings))
    return line


# mapping


def run_mapping(args: argparse.Namespace) -> int:
    handlers = {
        "save": _run_mapping_save,
        "list": _run_mapping_list,
        "show": _run_mapping_show,
        "fields": _run_mapping_fields,
    }
    try:
        return handlers[args.mapping_command](args)
    except Exception as error:
        return _print_errors(error)


def _run_mapping_save(args: argparse.Namespace) -> int:
    mapping = _mapping_from_options(args)
    database = open_database(_database_path(args))
    try:
        replaced = save_mapping(database, mapping)
    finally:
        database.close()

    if args.json:
        _print_json({"name": mapping.name, "replaced": replaced, **mapping.to_document()})
    elif replaced:
        print(_("Replaced the column mapping {name}.").format(name=mapping.name))
    else:
        print(_("Saved the column mapping {name}.").format(name=mapping.name))
    return EXIT_OK


def _mapping_from_options(args: argparse.Namespace) -> ColumnMapping:
    base = (
        mapping_from_json_file(args.from_json, args.name)
        if args.from_json is not None
        else ColumnMapping(args.name)
    )
    columns = dict(base.columns)
    for assignment in args.column:
        try:
            source, target = parse_column_assignment(assignment)
        except ValueError as error:
            raise UsageError(
                _(
                    '--column {value}: give the column and the field joined by "=", such as '
                    "Kerrosala=gross_floor_area."
                ).format(value=assignment)
            ) from error
        columns[source] = target
    separator = args.separator if args.separator is not None else base.separator
    return ColumnMapping(
        name=args.name,
        columns=columns,
        sheet=args.sheet if args.sheet is not None else base.sheet,
        header_row=args.header_row if args.header_row is not None else base.header_row,
        encoding=args.encoding if args.encoding is not None else base.encoding,
        separator=SEPARATOR_NAMES.get(separator or "", separator),
    )


def _run_mapping_list(args: argparse.Namespace) -> int:
    database = open_database(_database_path(args), create=False)
    try:
        names = list_mappings(database)
    finally:
        database.close()

    if args.json:
        _print_json({"format": MAPPING_FORMAT_LIST, "mappings": names})
    elif names:
        print("\n".join(names))
    else:
        print(_("No column mappings are saved."), file=sys.stderr)
    return EXIT_OK


def _run_mapping_show(args: argparse.Namespace) -> int:
    database = open_database(_database_path(args), create=False)
    try:
        mapping = load_mapping(database, args.name)
    finally:
        database.close()
    _print_json({"name": mapping.name, **mapping.to_document()})
    return EXIT_OK


def _run_mapping_fields(args: argparse.Namespace) -> int:
    keys = [(key.value, _(label)) for key, label in MATCH_KEY_LABELS.items()]
    fields = [
        (name, _(field_spec(name).label)) for name in EDITABLE_FIELDS if name not in MATCH_KEYS
    ]
    if args.json:
        _print_json(
            {
                "format": MAPPING_FIELDS_FORMAT,
                "keys": [name for name, _label in keys],
                "fields": [
                    {"name": name, "kind": field_spec(name).kind.value} for name, _label in fields
                ],
            }
        )
        return EXIT_OK

    print(_("Keys that find the building:"))
    print("\n".join(f"  {name}  {label}" for name, label in keys))
    print(_("Fields that the values fill:"))
    print("\n".join(f"  {name}  {label}" for name, label in fields))
    return EXIT_OK
