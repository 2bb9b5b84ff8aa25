"""Options of the own-inventory commands, kept apart so that building the parser stays light.

``tilaapp.cli.inventory`` runs the commands; it imports the services, which the parser
must not wait for.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tilaapp.i18n import gettext as _


def add_inventory_import_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--mapping",
        metavar=_("NAME"),
        help=_(
            "read the files as the municipality's own inventory with this saved column "
            "mapping, instead of as register files"
        ),
    )
    parser.add_argument(
        "--add-unmatched",
        action="store_true",
        help=_(
            "with --mapping: add a local building for each row whose identifier or address "
            "finds no building"
        ),
    )
    parser.add_argument(
        "--unmatched-out",
        type=Path,
        metavar=_("FILE"),
        help=_("with --mapping: write the rows that found no building to this .xlsx file"),
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help=_("with --mapping: match the rows and report, but change nothing"),
    )


def add_mapping_commands(commands: Any, common: argparse.ArgumentParser, parser_class: Any) -> None:
    mapping = commands.add_parser(
        "mapping",
        parents=[common],
        help=_("save and list column mappings of the municipality's own inventory files"),
    )
    mapping_commands = mapping.add_subparsers(
        dest="mapping_command", metavar=_("COMMAND"), parser_class=parser_class, required=True
    )

    save = mapping_commands.add_parser(
        "save",
        parents=[common],
        help=_("save a column mapping by name, replacing one of that name"),
    )
    save.add_argument("name", metavar=_("NAME"), help=_("name of the mapping"))
    save.add_argument(
        "--column",
        action="append",
        default=[],
        metavar=_("COLUMN=FIELD"),
        help=_(
            "a column of the file and the field it fills, such as Kerrosala=gross_floor_area "
            "(repeatable; tilaapp mapping fields lists the fields)"
        ),
    )
    save.add_argument(
        "--from-json",
        type=Path,
        metavar=_("FILE"),
        help=_('read the mapping from a JSON file with "columns" and the reading options'),
    )
    save.add_argument(
        "--sheet", metavar=_("SHEET"), help=_("sheet to read (default: first visible)")
    )
    save.add_argument(
        "--header-row",
        type=int,
        metavar=_("ROW"),
        help=_("row number of the header (default: detected)"),
    )
    save.add_argument(
        "--encoding",
        metavar=_("ENCODING"),
        help=_("encoding of a CSV file, such as cp1252 or utf-8 (default: detected)"),
    )
    save.add_argument(
        "--separator",
        metavar=_("CHARACTER"),
        help=_("separator of a CSV file: ; , or tab (default: detected)"),
    )
    _database_option(save)
    save.add_argument("--json", action="store_true", help=_("print the saved mapping as JSON"))

    listing = mapping_commands.add_parser("list", parents=[common], help=_("list saved mappings"))
    _database_option(listing)
    listing.add_argument("--json", action="store_true", help=_("print JSON"))

    show = mapping_commands.add_parser(
        "show", parents=[common], help=_("print a saved mapping as JSON")
    )
    show.add_argument("name", metavar=_("NAME"), help=_("name of the mapping"))
    _database_option(show)

    fields = mapping_commands.add_parser(
        "fields", parents=[common], help=_("list the fields and keys a column can be mapped to")
    )
    fields.add_argument("--json", action="store_true", help=_("print JSON"))


def _database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        type=Path,
        metavar=_("PATH"),
        help=_("database file (default: tilaapp.sqlite in the user data folder)"),
    )
