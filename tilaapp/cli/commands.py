"""The subcommands: parse options, call a service, print the result."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections.abc import Mapping
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tilaapp.cli import render
from tilaapp.cli.errors import EXIT_OK, EXIT_REJECTED, UsageError, describe_error, exit_status
from tilaapp.cli.progress import ProgressLine
from tilaapp.domain.dates import parse_iso_date
from tilaapp.domain.identifiers import (
    check_business_id,
    normalise_business_id,
    normalise_municipality_code,
)
from tilaapp.domain.municipalities import municipality
from tilaapp.domain.numbers import decimal_to_text
from tilaapp.i18n import gettext as _
from tilaapp.i18n import ngettext, text_in_current_language
from tilaapp.services.cost_index import CostIndexImport, InvalidCostIndexFile, import_cost_index
from tilaapp.services.importing import ImportOptions, import_files
from tilaapp.services.open_early import stop_early
from tilaapp.services.queries import building_details, find_building_id, iter_buildings
from tilaapp.storage.database import open_database
from tilaapp.storage.files import default_database_path


def _print_errors(error: Exception) -> int:
    for line in describe_error(error):
        print(line, file=sys.stderr)
    return exit_status(error)


def _print_json(value: dict[str, Any]) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _database_path(args: argparse.Namespace) -> Path:
    path: Path | None = args.db
    return path if path is not None else default_database_path()


def _municipality_code(text: str, option: str) -> str:
    try:
        code = normalise_municipality_code(text)
    except ValueError:
        code = None
    if code is None or municipality(code) is None:
        raise UsageError(
            _(
                "{option} {code}: the code is not in the list of municipalities. Give the "
                "municipality's three-digit code, such as 081 for Hartola."
            ).format(option=option, code=text)
        )
    return code


def _business_id(text: str) -> str:
    try:
        business_id = normalise_business_id(text)
    except ValueError:
        business_id = None
    if business_id is None or not check_business_id(business_id):
        raise UsageError(
            _(
                "--owner-business-id {value}: the business ID is not valid. A business ID has "
                "seven digits, a hyphen and a check digit, such as 0112038-9."
            ).format(value=text)
        )
    return business_id


def import_options(args: argparse.Namespace) -> ImportOptions:
    """Validate the import options; raise ``UsageError`` naming the first bad value."""
    municipalities = None
    if args.municipality:
        municipalities = frozenset(
            _municipality_code(code, "--municipality") for code in args.municipality
        )
    extraction_date = None
    if args.extraction_date:
        try:
            extraction_date = parse_iso_date(args.extraction_date)
        except ValueError as error:
            raise UsageError(
                _(
                    "--extraction-date {value}: give an existing date in the form YYYY-MM-DD, "
                    "such as 2026-09-30."
                ).format(value=args.extraction_date)
            ) from error
    return ImportOptions(
        home_municipality=_municipality_code(args.home, "--home") if args.home else None,
        municipalities=municipalities,
        owner_business_ids=tuple(_business_id(b) for b in args.owner_business_id or ()),
        extraction_date=extraction_date,
    )


def run_import(args: argparse.Namespace) -> int:
    progress = ProgressLine()
    try:
        options = import_options(args)
        report = import_files(_database_path(args), list(args.files), options, progress=progress)
    except Exception as error:
        progress.clear()
        if args.json and hasattr(error, "rejections"):
            _print_json(render.rejection_json(error))
        return _print_errors(error)
    finally:
        progress.clear()
        stop_early()

    if args.json:
        _print_json(render.import_json(report))
    else:
        print(render.import_text(report))
    return EXIT_OK


def run_list(args: argparse.Namespace) -> int:
    try:
        database = open_database(_database_path(args), create=False)
    except Exception as error:
        return _print_errors(error)
    try:
        with database.read_session() as session:
            buildings = iter_buildings(session, all_buildings=args.all)
            if args.json:
                chunks = render.list_json_chunks(buildings, all_buildings=args.all)
            elif args.csv:
                sys.stdout.reconfigure(encoding="utf-8", newline="")  # type: ignore[union-attr]
                chunks = render.list_csv_chunks(buildings)
            else:
                lines = render.list_text_lines(buildings, all_buildings=args.all)
                chunks = (line + "\n" for line in lines)
            for chunk in chunks:
                sys.stdout.write(chunk)
    finally:
        database.close()
    return EXIT_OK


def run_show(args: argparse.Namespace) -> int:
    try:
        database = open_database(_database_path(args), create=False)
        try:
            with database.read_session() as session:
                details = building_details(session, find_building_id(session, args.building))
        finally:
            database.close()
    except Exception as error:
        return _print_errors(error)

    if args.json:
        _print_json(details)
    else:
        print(render.show_text(details))
    return EXIT_OK


def run_reference(args: argparse.Namespace) -> int:
    if args.reference_command == "import":
        return _run_reference_import(args)
    return _run_reference_build(args)


REFERENCE_IMPORT_FORMAT = "tilaapp.reference-import/1"


def _run_reference_import(args: argparse.Namespace) -> int:
    from tilaapp.services.reference_store import import_reference

    try:
        database = open_database(_database_path(args), create=False)
    except Exception as error:
        return _print_errors(error)
    try:
        result = import_reference(database, args.file)
    except Exception as error:
        return _print_errors(error)
    finally:
        database.close()

    if args.json:
        _print_json(
            {
                "format": REFERENCE_IMPORT_FORMAT,
                "database": str(result.database),
                "file": str(result.file),
                "figures": result.figures,
                "already_stored": result.already_stored,
            }
        )
    elif result.already_stored:
        print(_("The reference file {path} is already the one in use.").format(path=args.file))
    else:
        print(
            ngettext(
                "Stored the reference file {path} with {count} figure; comparisons now use it.",
                "Stored the reference file {path} with {count} figures; comparisons now use it.",
                result.figures,
            ).format(path=args.file, count=result.figures)
        )
    return EXIT_OK


def _run_reference_build(args: argparse.Namespace) -> int:
    from tilaapp.services.reference import check_output_path, write_reference
    from tilaapp.services.reference_build import build_reference

    try:
        # Checked before the files are read, which can take seconds.
        check_output_path(args.out)
        data = build_reference(list(args.files))
        write_reference(args.out, data)
    except Exception as error:
        if args.json and hasattr(error, "rejections"):
            _print_json(render.rejection_json(error))
        return _print_errors(error)

    if args.json:
        _print_json(render.reference_json(data, args.out))
    else:
        print(render.reference_text(data, args.out))
    return EXIT_OK


DEMO_FOLDER = "demo"
DEMO_WORKBOOK = "demo_extract.xlsx"
DEMO_SETTINGS = "demo.json"


def run_demo(args: argparse.Namespace) -> int:
    """Import the bundled demo extract into a new database in a temporary folder."""
    folder = Path(tempfile.mkdtemp(prefix="tilaapp-demo-"))
    demo = resources.files("tilaapp.resources") / DEMO_FOLDER
    settings = json.loads((demo / DEMO_SETTINGS).read_text(encoding="utf-8"))
    workbook = folder / DEMO_WORKBOOK
    with resources.as_file(demo / DEMO_WORKBOOK) as bundled:
        shutil.copyfile(bundled, workbook)

    options = ImportOptions(
        home_municipality=settings["home_municipality"],
        owner_business_ids=tuple(settings["owner_business_ids"]),
        extraction_date=parse_iso_date(settings["extraction_date"]),
    )
    try:
        report = import_files(folder / "demo.sqlite", [workbook], options)
    except Exception as error:
        return _print_errors(error)
    finally:
        stop_early()

    if args.json:
        _print_json(render.import_json(report))
        return EXIT_OK
    print(
        _("Demo data (invented values) in a temporary database: {path}").format(
            path=report.database
        )
    )
    print(render.import_text(report))
    database = open_database(report.database, create=False)
    try:
        with database.read_session() as session:
            for line in render.list_text_lines(iter_buildings(session)):
                print(line)
    finally:
        database.close()
    return EXIT_OK if report.files else EXIT_REJECTED


INDEX_IMPORT_FORMAT = "tilaapp.index-import/1"


def run_index(args: argparse.Namespace) -> int:
    """Import a building-cost index file (``index import``), the only index subcommand."""
    try:
        database = open_database(_database_path(args), create=False)
        try:
            result = import_cost_index(database, args.file)
        finally:
            database.close()
    except InvalidCostIndexFile as error:
        if args.json:
            _print_json(_index_rejection_json(error))
        print(
            _("The index file {path} was rejected; nothing was stored.").format(path=error.path),
            file=sys.stderr,
        )
        for problem in error.problems:
            print(problem.message, file=sys.stderr)
        return EXIT_REJECTED
    except Exception as error:
        return _print_errors(error)

    if args.json:
        _print_json(_index_import_json(result))
    else:
        print(
            ngettext(
                "Stored {count} index value from {path}: {added} added, {updated} updated, "
                "{unchanged} unchanged.",
                "Stored {count} index values from {path}: {added} added, {updated} updated, "
                "{unchanged} unchanged.",
                len(result.values),
            ).format(
                count=len(result.values),
                path=result.file,
                added=result.added,
                updated=result.updated,
                unchanged=result.unchanged,
            )
        )
    return EXIT_OK


def _index_import_json(result: CostIndexImport) -> dict[str, Any]:
    return {
        "format": INDEX_IMPORT_FORMAT,
        "status": "imported",
        "database": str(result.database),
        "file": str(result.file),
        "backup": str(result.backup) if result.backup is not None else None,
        "added": result.added,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "values": [
            {
                "year": value.year,
                "index": decimal_to_text(value.index_value),
                "source": value.source,
            }
            for value in result.values
        ],
    }


def _index_rejection_json(error: InvalidCostIndexFile) -> dict[str, Any]:
    return {
        "format": INDEX_IMPORT_FORMAT,
        "status": "rejected",
        "file": str(error.path),
        "problems": [
            {"row": problem.row, "reason": problem.reason, "value": problem.value}
            for problem in error.problems
        ],
    }


EXPORT_LIST_FORMAT = "tilaapp.export-list/1"


def run_export_list(args: argparse.Namespace) -> int:
    """Write the register list of the portfolio, or of every building, to a file."""
    from tilaapp.cli.errors import EXIT_USAGE
    from tilaapp.services.list_export import (
        check_columns,
        check_export_path,
        export_format,
        export_list,
    )
    from tilaapp.services.list_export_errors import (
        ListExportError,
        ListExportNotReplaceable,
        ListExportTargetLocked,
    )
    from tilaapp.services.listing import LIST_COLUMNS, ensure_list

    try:
        # Checked before the database is opened, so that a wrong option changes nothing.
        export_format(args.out)
        columns = check_columns(_export_columns(args.columns, LIST_COLUMNS))
        check_export_path(args.out)
        database = open_database(_database_path(args), create=False)
        try:
            with database.session() as session:
                ensure_list(session)
            with database.read_session() as session:
                count = export_list(
                    session, args.out, columns=columns, text=args.filter, all_buildings=args.all
                )
        finally:
            database.close()
    except ListExportError as error:
        print(error.message(), file=sys.stderr)
        rejected = isinstance(error, ListExportNotReplaceable | ListExportTargetLocked)
        return EXIT_REJECTED if rejected else EXIT_USAGE
    except Exception as error:
        return _print_errors(error)

    if args.json:
        _print_json({"format": EXPORT_LIST_FORMAT, "path": str(args.out), "buildings": count})
    else:
        print(
            ngettext(
                "Wrote {count} building to {path}.", "Wrote {count} buildings to {path}.", count
            ).format(count=count, path=args.out)
        )
    return EXIT_OK


def _export_columns(text: str | None, default: tuple[str, ...]) -> list[str]:
    """Return the column names of ``--columns``, or ``default`` when it was not given."""
    if text is None:
        return list(default)
    return [name.strip() for name in text.split(",")]


if TYPE_CHECKING:
    from tilaapp.services.comparison import Comparison, PeerGroup
    from tilaapp.services.comparison_charts import BarChart, BarSeries, ScatterChart
    from tilaapp.services.reference import Figure

COMPARE_FORMAT = "tilaapp.compare/2"


def run_compare(args: argparse.Namespace) -> int:
    """Compare the home municipality's indicators with reference figures."""
    from tilaapp.services.comparison import compare
    from tilaapp.services.reference import read_reference

    try:
        # Checked before the database is opened, so that a wrong option changes nothing.
        peer_group, peers = _peers_option(args.peers)
        reference = read_reference(args.reference) if args.reference is not None else None
        database = open_database(_database_path(args), create=False)
        try:
            comparison = compare(database, reference=reference, peers=peers, peer_group=peer_group)
        finally:
            database.close()
    except Exception as error:
        return _print_errors(error)

    if args.json:
        _print_json(_compare_json(comparison, args.reference))
    else:
        print(_compare_text(comparison))
    return EXIT_OK


def _peers_option(text: str | None) -> tuple[PeerGroup | None, list[str]]:
    """Return the peer group or the peer codes that ``--peers`` names."""
    from tilaapp.services.comparison import PeerGroup

    if not text:
        return None, []
    if text.strip() in tuple(PeerGroup):
        return PeerGroup(text.strip()), []
    return None, [_municipality_code(code.strip(), "--peers") for code in text.split(",")]


def _figure_json(area: str, figure: Figure | None) -> dict[str, Any]:
    if figure is None:
        return {"municipality": area, "found": False, "value": None}
    return {
        "municipality": area,
        "found": True,
        "value": decimal_to_text(figure.value),
        "year": figure.year,
        "source": figure.source,
        "licence": figure.licence,
    }


def _compare_json(comparison: Comparison, reference_path: Path | None) -> dict[str, Any]:
    reference = comparison.reference
    return {
        "format": COMPARE_FORMAT,
        "home_municipality": comparison.home_municipality,
        "peer_group": comparison.peer_group.value if comparison.peer_group else None,
        "peers": list(comparison.peers),
        "valuation_year": comparison.valuation_year,
        "reference": {
            "file": str(reference_path) if reference_path is not None else None,
            "created": reference.created.isoformat(),
            "description": reference.description,
        },
        "populations": [_figure_json(p.municipality, p.figure) for p in comparison.populations],
        "indicators": [
            {
                "indicator": row.indicator.indicator,
                "unit": row.indicator.unit,
                "basis": row.indicator.basis,
                "value": decimal_to_text(row.indicator.value)
                if row.indicator.value is not None
                else None,
                "missing_count": row.indicator.missing_count,
                "year": row.indicator.year,
                "source": row.indicator.source,
                "references": [_figure_json(r.municipality, r.figure) for r in row.references],
            }
            for row in comparison.indicators
        ],
        "charts": _charts_json(comparison),
    }


def _charts_json(comparison: Comparison) -> list[dict[str, Any]]:
    """Return the figures of the comparison charts, as the desktop view plots them."""
    from tilaapp.services.comparison_charts import comparison_charts

    charts = comparison_charts(comparison)
    found: list[dict[str, Any]] = [_bar_chart_json(chart) for chart in charts.bar_charts]
    found.append(_scatter_json(charts.scatter))
    return found


def _decimal_map(values: Mapping[str, Decimal]) -> dict[str, str]:
    return {key: decimal_to_text(value) for key, value in values.items()}


def _bar_chart_json(chart: BarChart) -> dict[str, Any]:
    return {
        "chart": chart.chart,
        "kind": "bars",
        "indicator": chart.indicator,
        "grouping": chart.grouping,
        "basis": chart.basis,
        "unit": chart.unit,
        "figure_unit": chart.figure_unit,
        "groups": list(chart.groups),
        "missing_count": chart.missing_count,
        "series": [_bar_series_json(series) for series in chart.series],
    }


def _bar_series_json(series: BarSeries) -> dict[str, Any]:
    document: dict[str, Any] = {
        "role": series.role,
        "area": series.area,
        "found": series.found,
        "values": _decimal_map(series.values),
        "figures": _decimal_map(series.figures),
        "year": series.year,
        "source": series.source,
    }
    if series.role == "peers":
        document["peers_found"] = series.peers_found
    return document


def _scatter_json(chart: ScatterChart) -> dict[str, Any]:
    return {
        "chart": chart.chart,
        "kind": "scatter",
        "indicator": chart.indicator,
        "basis": chart.basis,
        "unit": chart.unit,
        "population_year": chart.population_year,
        "points": [
            {
                "municipality": point.municipality,
                "population": point.population,
                "value": decimal_to_text(point.value),
                "role": point.role,
            }
            for point in chart.points
        ],
    }


def _area_name(area: str) -> str:
    from tilaapp.domain.municipalities import municipality_name

    if area == "national":
        return _("whole country")
    return f"{municipality_name(area)} ({area})"


def _unit_text(unit: str) -> str:
    units = {
        "buildings": _("buildings"),
        "m²/resident": _("m²/resident"),
        "€/m²/month": _("€/m²/month"),
        "residents": _("residents"),
    }
    return units.get(unit, unit)


def _figure_text(label: str, figure: Figure | None, unit: str) -> str:
    from tilaapp.domain.formatting import format_decimal

    if figure is None:
        return _("{area}: no reference figure").format(area=label)
    return _("{area}: {value} {unit} ({year}, {source})").format(
        area=label,
        value=format_decimal(figure.value),
        unit=_unit_text(unit),
        year=figure.year,
        source=text_in_current_language(figure.source, figure.source_translations()),
    )


def _compare_text(comparison: Comparison) -> str:
    from tilaapp.domain.formatting import format_decimal
    from tilaapp.domain.indicators import basis_label, indicator_label

    home = comparison.home_municipality
    lines = [
        _("Comparison of {municipality} with reference figures, valuation year {year}.").format(
            municipality=_area_name(home) if home else _("the database"),
            year=comparison.valuation_year,
        )
    ]
    for population in comparison.populations:
        label = _("Population of {area}").format(area=_area_name(population.municipality))
        lines.append(_figure_text(label, population.figure, "residents"))
    for row in comparison.indicators:
        indicator = row.indicator
        value = format_decimal(indicator.value) if indicator.value is not None else "–"
        lines.append(
            _("{indicator} (basis {basis}): {value} {unit}").format(
                indicator=indicator_label(indicator.indicator),
                basis=basis_label(indicator.basis),
                value=value,
                unit=_unit_text(indicator.unit),
            )
        )
        for reference in row.references:
            label = _area_name(reference.municipality)
            lines.append("  " + _figure_text(label, reference.figure, indicator.unit))
    return "\n".join(lines)
