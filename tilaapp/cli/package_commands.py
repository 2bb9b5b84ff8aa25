"""The ``export-package`` and ``verify-package`` subcommands."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tilaapp.domain.formatting import format_decimal
from tilaapp.i18n import gettext as _
from tilaapp.i18n import ngettext

if TYPE_CHECKING:
    from tilaapp.services.aggregation import MergeResult, NationalSummary
    from tilaapp.services.package_export import ExportBlocked, PackageResult
    from tilaapp.services.package_validation import Finding
    from tilaapp.services.package_verify import VerificationResult

# The services are imported by the command functions, so that building the parser for
# another command does not import them.

EXPORT_PACKAGE_FORMAT = "tilaapp.export-package/1"
VERIFY_PACKAGE_FORMAT = "tilaapp.verify-package/1"


def add_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    """Add both subcommands to the ``tilaapp`` command's subparsers."""
    export = commands.add_parser(
        "export-package",
        parents=[common],
        help=_("write an update package of the portfolio for the national premises centre"),
    )
    export.add_argument(
        "--db",
        type=Path,
        metavar=_("PATH"),
        help=_("database file (default: tilaapp.sqlite in the user data folder)"),
    )
    export.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar=_("FOLDER"),
        help=_("folder to write the package into; created if missing"),
    )
    export.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    export.add_argument(
        "--all-warnings",
        action="store_true",
        help=_("list every warning with its building, not only a count of each kind"),
    )

    verify = commands.add_parser(
        "verify-package",
        parents=[common],
        help=_("check an update package without unpacking it"),
    )
    verify.add_argument("file", type=Path, metavar=_("FILE"), help=_("update package (.zip)"))
    verify.add_argument("--json", action="store_true", help=_("print the result as JSON"))


def _print_json(value: dict[str, Any]) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


# export-package


def run_export_package(args: argparse.Namespace) -> int:
    """Write the next update package; list the findings of the checks."""
    from tilaapp.cli.errors import EXIT_OK
    from tilaapp.services.package_export import ExportBlocked, export_package
    from tilaapp.storage.database import open_database
    from tilaapp.storage.files import default_database_path

    path: Path = args.db if args.db is not None else default_database_path()
    try:
        database = open_database(path, create=False)
        try:
            result = export_package(database, args.out)
        finally:
            database.close()
    except ExportBlocked as error:
        if args.json:
            _print_json(_blocked_json(error))
        _print_findings(error.findings, all_warnings=args.all_warnings)
        return _print_errors(error)
    except Exception as error:
        return _print_errors(error)

    if args.json:
        _print_json(_export_json(result))
        return EXIT_OK
    _print_findings(result.warnings, all_warnings=args.all_warnings)
    print(_export_text(result))
    return EXIT_OK


def _print_errors(error: Exception) -> int:
    from tilaapp.cli.errors import describe_error, exit_status

    for line in describe_error(error):
        print(line, file=sys.stderr)
    return exit_status(error)


def finding_text(finding: Finding) -> str:
    """Return a finding as one line: severity, building and message."""
    building = finding.permanent_building_identifier or f"id:{finding.building_id}"
    if finding.is_error:
        return _("Error: {building}: {message}").format(building=building, message=finding.message)
    return _("Warning: {building}: {message}").format(building=building, message=finding.message)


def _print_findings(findings: tuple[Finding, ...], *, all_warnings: bool) -> None:
    """Print every error, and every warning or only a count of each kind of warning."""
    for finding in findings:
        if finding.is_error or all_warnings:
            print(finding_text(finding), file=sys.stderr)
    if not all_warnings:
        for line in warning_summary(findings):
            print(line, file=sys.stderr)


def warning_summary(findings: tuple[Finding, ...]) -> list[str]:
    """Return one line per kind of warning with its count of buildings, then a hint."""
    counts: dict[str, int] = {}
    for finding in findings:
        if not finding.is_error:
            counts[finding.message] = counts.get(finding.message, 0) + 1
    lines = [
        ngettext(
            "Warning: {count} building: {message}",
            "Warning: {count} buildings: {message}",
            count,
        ).format(count=count, message=message)
        for message, count in counts.items()
    ]
    if lines:
        lines.append(_("Add --all-warnings to list the buildings of each warning."))
    return lines


def _finding_json(finding: Finding) -> dict[str, Any]:
    return {
        "building_id": finding.building_id,
        "permanent_building_identifier": finding.permanent_building_identifier,
        "field": finding.field,
        "severity": str(finding.severity),
        "message": finding.message,
    }


def _export_json(result: PackageResult) -> dict[str, Any]:
    from tilaapp.services.package_format import utc_text

    return {
        "format": EXPORT_PACKAGE_FORMAT,
        "status": "exported",
        "path": str(result.path),
        "sequence": result.sequence,
        "created_at": utc_text(result.created_at),
        "manifest_sha256": result.manifest_sha256,
        "buildings": result.buildings,
        "changes": result.changes,
        "problems": result.problems,
        "since_sequence": result.since_sequence,
        "findings": [_finding_json(finding) for finding in result.warnings],
    }


def _blocked_json(error: ExportBlocked) -> dict[str, Any]:
    return {
        "format": EXPORT_PACKAGE_FORMAT,
        "status": "blocked",
        "findings": [_finding_json(finding) for finding in error.findings],
    }


def _export_text(result: PackageResult) -> str:
    from tilaapp.services.package_format import format_hash

    lines = [
        ngettext(
            "Wrote the update package {path}: {count} building.",
            "Wrote the update package {path}: {count} buildings.",
            result.buildings,
        ).format(path=result.path, count=format_decimal(result.buildings)),
        _changes_line(result),
        _("Identity of the package (SHA-256 of manifest.json), to read over the phone:"),
        format_hash(result.manifest_sha256),
    ]
    return "\n".join(lines)


def _changes_line(result: PackageResult) -> str:
    if result.since_sequence is None:
        return ngettext(
            "Package number {sequence} is the first one. It lists the {changes} change "
            "recorded so far.",
            "Package number {sequence} is the first one. It lists the {changes} changes "
            "recorded so far.",
            result.changes,
        ).format(sequence=result.sequence, changes=result.changes)
    return _("Package number {sequence}. Changes since package {since}: {changes}.").format(
        sequence=result.sequence, since=result.since_sequence, changes=result.changes
    )


# verify-package


def run_verify_package(args: argparse.Namespace) -> int:
    """Verify a package; exit 1 with one line per problem when it is rejected."""
    from tilaapp.cli.errors import EXIT_OK
    from tilaapp.services.package_verify import PackageRejected, verify_package

    try:
        result = verify_package(args.file)
    except OSError as error:
        return _print_errors(error)

    if args.json:
        _print_json(_verify_json(result))
    if not result.ok:
        return _print_errors(PackageRejected(result))
    if not args.json:
        print(_verify_text(result))
    return EXIT_OK


def _verify_json(result: VerificationResult) -> dict[str, Any]:
    manifest = result.manifest if result.ok else None
    return {
        "format": VERIFY_PACKAGE_FORMAT,
        "status": "valid" if result.ok else "rejected",
        "path": str(result.path),
        "manifest_sha256": result.manifest_sha256,
        "municipality_code": manifest["municipality"]["code"] if manifest else None,
        "sequence": manifest["sequence"] if manifest else None,
        "created_at": manifest["created_at"] if manifest else None,
        "counts": manifest["counts"] if manifest else None,
        "problems": [
            {
                "check": str(problem.check),
                "member": problem.member,
                "message": problem.message(result.path),
            }
            for problem in result.problems
        ],
    }


def _verify_text(result: VerificationResult) -> str:
    from tilaapp.domain.formatting import format_timestamp
    from tilaapp.services.package_format import format_hash, parse_utc_text

    manifest = result.manifest
    assert manifest is not None and result.manifest_sha256 is not None, "a valid package"
    municipality = manifest["municipality"]
    # Anyone can rebuild the manifest after editing a member, so only the identity that
    # the sender gives by another channel proves that nothing was changed.
    lines = [
        _(
            "The package {path} is intact, provided that its identity (SHA-256 of "
            "manifest.json) is the same as the one the sender gave you:"
        ).format(path=result.path),
        format_hash(result.manifest_sha256),
        _("Municipality {name} ({code}), package number {sequence}, made {created}.").format(
            name=municipality["name_fi"],
            code=municipality["code"],
            sequence=manifest["sequence"],
            created=format_timestamp(parse_utc_text(manifest["created_at"])),
        ),
        ngettext("{count} building.", "{count} buildings.", manifest["counts"]["buildings"]).format(
            count=format_decimal(manifest["counts"]["buildings"])
        ),
    ]
    return "\n".join(lines)


# aggregate

AGGREGATE_FORMAT = "tilaapp.aggregate/1"


def add_aggregate_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``aggregate`` subcommand of the national premises centre."""
    aggregate = commands.add_parser(
        "aggregate",
        parents=[common],
        help=_("merge municipalities' update packages into a national database"),
    )
    aggregate.add_argument(
        "files", nargs="+", type=Path, metavar=_("FILE"), help=_("update packages (.zip)")
    )
    aggregate.add_argument(
        "--db",
        type=Path,
        required=True,
        metavar=_("PATH"),
        help=_("national database file; created if missing"),
    )
    aggregate.add_argument(
        "--reference-out",
        type=Path,
        metavar=_("FILE"),
        help=_("write the national reference figures (basis group_owned) into this file"),
    )
    aggregate.add_argument(
        "--licence",
        metavar=_("TEXT"),
        help=_("licence of the reference figures, written into the reference file"),
    )
    aggregate.add_argument("--json", action="store_true", help=_("print the results as JSON"))


def run_aggregate(args: argparse.Namespace) -> int:
    """Merge each package; exit 1 when any was rejected, the others still merged."""
    from tilaapp.cli.errors import EXIT_OK, EXIT_REJECTED
    from tilaapp.services.aggregation import (
        DEFAULT_LICENCE,
        aggregate_packages,
        national_reference,
        national_summary,
    )
    from tilaapp.services.reference import check_output_path, write_reference
    from tilaapp.storage.database import open_database

    try:
        if args.reference_out is not None:
            check_output_path(args.reference_out)
        database = open_database(args.db, create=True)
    except Exception as error:
        return _print_errors(error)
    try:
        results = aggregate_packages(
            database, list(args.files), on_result=None if args.json else _print_result
        )
        summary = national_summary(database)
        if args.reference_out is not None:
            reference = national_reference(database, licence=args.licence or DEFAULT_LICENCE)
            write_reference(args.reference_out, reference)
    except Exception as error:
        return _print_errors(error)
    finally:
        database.close()

    if args.json:
        _print_json(_aggregate_json(args, results, summary))
    else:
        print(_summary_text(args.db, summary))
        if args.reference_out is not None:
            print(_("Wrote the reference figures to {path}.").format(path=args.reference_out))
    return EXIT_OK if all(result.merged for result in results) else EXIT_REJECTED


def _print_result(result: MergeResult) -> None:
    if result.error is not None:
        from tilaapp.cli.errors import describe_error

        for line in describe_error(result.error):
            print(line, file=sys.stderr)
        return
    print(
        ngettext(
            "Merged {path}: municipality {code}, package number {sequence}, {count} building.",
            "Merged {path}: municipality {code}, package number {sequence}, {count} buildings.",
            result.buildings,
        ).format(
            path=result.path,
            code=result.municipality_code,
            sequence=result.sequence,
            count=format_decimal(result.buildings),
        )
    )
    if result.superseded_sequence is not None:
        print(
            _("  It supersedes package number {sequence}, which stays in the history.").format(
                sequence=result.superseded_sequence
            )
        )


def _rejection_reason(error: Exception) -> str:
    from tilaapp.services.aggregation import PackageAlreadyReceived, PackageNotNewer
    from tilaapp.services.package_verify import PackageRejected

    if isinstance(error, PackageRejected):
        return "verification"
    if isinstance(error, PackageAlreadyReceived):
        return "already_received"
    if isinstance(error, PackageNotNewer):
        return "not_newer"
    return "unreadable"


def _result_json(result: MergeResult) -> dict[str, Any]:
    from tilaapp.cli.errors import describe_error
    from tilaapp.services.package_verify import PackageRejected

    error = result.error
    problems = []
    if isinstance(error, PackageRejected):
        problems = [
            {"check": str(problem.check), "member": problem.member}
            for problem in error.result.problems
        ]
    return {
        "path": str(result.path),
        "status": "merged" if error is None else "rejected",
        "reason": None if error is None else _rejection_reason(error),
        "messages": [] if error is None else describe_error(error),
        "problems": problems,
        "manifest_sha256": result.manifest_sha256,
        "municipality_code": result.municipality_code,
        "database_id": result.database_id,
        "sequence": result.sequence,
        "buildings": result.buildings if error is None else None,
        "superseded_sequence": result.superseded_sequence,
    }


def _summary_json(summary: NationalSummary) -> dict[str, Any]:
    from tilaapp.domain.numbers import decimal_to_text

    return {
        "municipalities": summary.municipalities,
        "packages": summary.packages,
        "buildings": summary.buildings,
        "owned_buildings": summary.owned_buildings,
        "gross_floor_area": decimal_to_text(summary.gross_floor_area),
        "by_main_class": [
            {
                "class": total.main_class,
                "buildings": total.buildings,
                "gross_floor_area": decimal_to_text(total.gross_floor_area),
                "gross_floor_area_known": total.gross_floor_area_known,
            }
            for total in summary.classes
        ],
    }


def _aggregate_json(
    args: argparse.Namespace, results: list[MergeResult], summary: NationalSummary
) -> dict[str, Any]:
    return {
        "format": AGGREGATE_FORMAT,
        "database": str(args.db),
        "results": [_result_json(result) for result in results],
        "summary": _summary_json(summary),
        "reference_out": str(args.reference_out) if args.reference_out is not None else None,
    }


def _summary_text(path: Path, summary: NationalSummary) -> str:
    from tilaapp.domain.codelists import main_class_name
    from tilaapp.domain.formatting import format_quantity
    from tilaapp.services.aggregation import UNKNOWN_CLASS

    lines = [
        _("National database {path}:").format(path=path),
        ngettext(
            "  {count} municipality", "  {count} municipalities", summary.municipalities
        ).format(count=summary.municipalities),
        ngettext(
            "  {count} building in the portfolios",
            "  {count} buildings in the portfolios",
            summary.buildings,
        ).format(count=summary.buildings),
        ngettext(
            "  {count} of them owned, {area} of gross floor area",
            "  {count} of them owned, {area} of gross floor area",
            summary.owned_buildings,
        ).format(
            count=summary.owned_buildings, area=format_quantity(summary.gross_floor_area, "m²")
        ),
        _("Owned buildings by main class of the 2018 building classification:"),
    ]
    for total in summary.classes:
        name = (
            _("class unknown")
            if total.main_class == UNKNOWN_CLASS
            else f"{total.main_class} {main_class_name(total.main_class)}"
        )
        lines.append(
            ngettext(
                "  {name}: {count} building, {area}",
                "  {name}: {count} buildings, {area}",
                total.buildings,
            ).format(
                name=name,
                count=total.buildings,
                area=format_quantity(total.gross_floor_area, "m²"),
            )
        )
    return "\n".join(lines)
