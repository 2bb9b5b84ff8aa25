"""``tilaapp import-list``: the changes of an edited list export, applied on request."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tilaapp.i18n import gettext as _
from tilaapp.i18n import ngettext

if TYPE_CHECKING:
    from tilaapp.services.list_reimport import ReimportPreview, ReimportProblem, ValueChange

IMPORT_LIST_FORMAT = "tilaapp.import-list/1"


def add_parser(
    commands: Any, common: argparse.ArgumentParser, database_option: Any
) -> argparse.ArgumentParser:
    """Add the ``import-list`` subcommand to ``commands``, a sub-parser action."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "import-list",
        parents=[common],
        help=_("show the changes of an edited list export, and apply them with --apply"),
    )
    parser.add_argument(
        "file",
        type=Path,
        metavar=_("FILE"),
        help=_("an Excel workbook or CSV file that export-list wrote and a user edited"),
    )
    database_option(parser)
    parser.add_argument(
        "--apply",
        action="store_true",
        help=_("apply every valid change as one step; without it nothing is changed"),
    )
    parser.add_argument("--json", action="store_true", help=_("print JSON"))
    return parser


def run_import_list(args: argparse.Namespace) -> int:
    """Print the changes of an edited list, and apply the valid ones with ``--apply``."""
    # The services are imported here, so that parsing the command line stays quick.
    from tilaapp.cli.errors import EXIT_OK
    from tilaapp.services.editing import EditService
    from tilaapp.services.list_reimport import apply_changes, read_edited_list
    from tilaapp.services.listing import ensure_list
    from tilaapp.storage.database import open_database
    from tilaapp.storage.files import default_database_path

    path: Path = args.db if args.db is not None else default_database_path()
    try:
        database = open_database(path, create=False)
    except Exception as error:
        return _print_errors(error)

    try:
        with database.session() as session:
            ensure_list(session)
        with database.read_session() as session:
            preview = read_edited_list(session, args.file)
        applied = 0
        if args.apply and preview.valid_changes:
            step = apply_changes(EditService(database), preview)
            applied = len(step.changes)
    except Exception as error:
        return _print_errors(error)
    finally:
        database.close()

    if args.json:
        json.dump(preview_json(preview, applied), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(preview_text(preview, applied, apply=args.apply))
    return EXIT_OK


def _print_errors(error: Exception) -> int:
    from tilaapp.cli.errors import describe_error, exit_status

    for line in describe_error(error):
        print(line, file=sys.stderr)
    return exit_status(error)


# JSON


def preview_json(preview: ReimportPreview, applied: int) -> dict[str, Any]:
    return {
        "format": IMPORT_LIST_FORMAT,
        "file": str(preview.path),
        "language": preview.language,
        "rows_read": preview.rows_read,
        "buildings_matched": preview.buildings_matched,
        "columns": list(preview.columns),
        "changes": [_change_json(change) for change in preview.changes],
        "read_only": [_change_json(change) for change in preview.read_only],
        "problems": [_problem_json(problem) for problem in preview.problems],
        "applied": applied,
    }


def _change_json(change: ValueChange) -> dict[str, Any]:
    from tilaapp.services.values import to_json_value

    item: dict[str, Any] = {
        "row": change.row,
        "building_id": change.building_id,
        "building": change.building,
        "column": change.column,
        "status": change.status.value,
        "old": to_json_value(change.old),
    }
    if change.applicable:
        item["new"] = to_json_value(change.new)
    else:
        item["cell"] = change.new_text
    return item


def _problem_json(problem: ReimportProblem) -> dict[str, Any]:
    return {"kind": problem.kind.value, "rows": list(problem.rows), "value": problem.value}


# Text


def preview_text(preview: ReimportPreview, applied: int, *, apply: bool) -> str:
    lines = [
        ngettext(
            "Read {rows} row of {file}: {matched} building matched.",
            "Read {rows} rows of {file}: {matched} buildings matched.",
            preview.rows_read,
        ).format(rows=preview.rows_read, file=preview.path.name, matched=preview.buildings_matched)
    ]
    valid, invalid = preview.valid_changes, preview.invalid_changes
    _section(lines, _("Changes:"), [_change_line(change) for change in valid])
    _section(
        lines,
        _("Invalid values, which are not applied:"),
        [f"{_change_line(change)}\n    {change.message}" for change in invalid],
    )
    _section(
        lines,
        _("Read-only columns that differ, which are not applied:"),
        [_change_line(change) for change in preview.read_only],
    )
    _section(lines, _("Skipped rows and columns:"), [p.message() for p in preview.problems])
    lines.append("")
    lines.append(_outcome(len(valid), applied, apply=apply))
    return "\n".join(lines)


def _section(lines: list[str], heading: str, items: list[str]) -> None:
    if not items:
        return
    lines.append("")
    lines.append(heading)
    lines.extend(f"  {item}" for item in items)


def _change_line(change: ValueChange) -> str:
    from tilaapp.services.list_texts import list_column_label

    return _("row {row}, building {building}, {column}: {old} → {new}").format(
        row=change.row,
        building=change.building,
        column=list_column_label(change.column),
        old=change.old_text or "–",
        new=change.new_text or "–",
    )


def _outcome(valid: int, applied: int, *, apply: bool) -> str:
    if valid == 0:
        return _("No valid changes: nothing to apply.")
    if apply:
        return ngettext(
            "Applied {count} change as one step.", "Applied {count} changes as one step.", applied
        ).format(count=applied)
    return ngettext(
        "Nothing was changed. Run the command again with --apply to apply the {count} valid "
        "change.",
        "Nothing was changed. Run the command again with --apply to apply the {count} valid "
        "changes.",
        valid,
    ).format(count=valid)
