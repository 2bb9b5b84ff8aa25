"""The ``tilaapp`` command."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from tilaapp.cli.argparse_texts import install as install_argparse_texts
from tilaapp.cli.argparse_texts import translate_error
from tilaapp.i18n import DEFAULT_LANGUAGE, LANGUAGES, set_language
from tilaapp.i18n import gettext as _

log = logging.getLogger(__name__)

LANGUAGE_ENVIRONMENT_VARIABLE = "TILAAPP_LANG"


class _Parser(argparse.ArgumentParser):
    """An argument parser whose own error messages are translated."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        text = translate_error(message)
        self.exit(2, _("{program}: error: {message}\n").format(program=self.prog, message=text))


def _common_options() -> _Parser:
    common = _Parser(add_help=False)
    common.add_argument(
        "--lang",
        choices=LANGUAGES,
        help=_("language of messages: fi (default), sv or en"),
    )
    return common


def _database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        type=Path,
        metavar=_("PATH"),
        help=_("database file (default: tilaapp.sqlite in the user data folder)"),
    )


def _application_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        dest="gui_database",
        type=Path,
        metavar=_("PATH"),
        help=_(
            "database the desktop application opens (default: tilaapp.sqlite in the user "
            "data folder)"
        ),
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help=_("open the desktop application on a copy of the bundled demo database"),
    )


def _application_parser() -> argparse.ArgumentParser:
    """Return a parser of the desktop application's options alone, without the commands.

    Building every command's parser and importing their modules takes a few
    milliseconds that the application's start-up does without.
    """
    parser = _Parser(
        prog="tilaapp",
        description=_("The inventory of the buildings a municipality owns."),
        parents=[_common_options()],
    )
    _application_options(parser)
    parser.set_defaults(command=None)
    return parser


def _only_application_options(argv: Sequence[str]) -> bool:
    """Return whether ``argv`` contains nothing but valid options of the desktop application.

    Anything else, an error included, goes to the full parser, whose messages list the
    commands.
    """
    index = 0
    while index < len(argv):
        length = _application_option_length(argv, index)
        if length == 0:
            return False
        index += length
    return True


def _application_option_length(argv: Sequence[str], index: int) -> int:
    """Return how many arguments the valid application option at ``index`` spans, else 0."""
    argument = argv[index]
    following = argv[index + 1] if index + 1 < len(argv) else None
    if argument == "--demo" or argument.startswith("--db="):
        return 1
    if argument.startswith("--lang="):
        return 1 if argument.split("=", 1)[1] in LANGUAGES else 0
    if argument == "--db":
        return 2 if following is not None else 0
    if argument == "--lang":
        return 2 if following in LANGUAGES else 0
    return 0


def build_parser() -> argparse.ArgumentParser:
    from tilaapp.cli import import_list, package_commands
    from tilaapp.cli.inventory_parser import add_inventory_import_options, add_mapping_commands

    common = _common_options()
    parser = _Parser(
        prog="tilaapp",
        description=_("The inventory of the buildings a municipality owns."),
        parents=[common],
    )
    _application_options(parser)
    commands = parser.add_subparsers(dest="command", metavar=_("COMMAND"), parser_class=_Parser)

    importing = commands.add_parser(
        "import", parents=[common], help=_("import register files into the database")
    )
    importing.add_argument(
        "files", nargs="+", type=Path, metavar=_("FILE"), help=_("register file")
    )
    _database_option(importing)
    importing.add_argument(
        "--home", metavar=_("CODE"), help=_("home municipality of a new database (3-digit code)")
    )
    importing.add_argument(
        "--municipality",
        action="append",
        metavar=_("CODE"),
        help=_("keep only buildings located in this municipality (repeatable)"),
    )
    importing.add_argument(
        "--owner-business-id",
        action="append",
        metavar=_("BUSINESS-ID"),
        help=_(
            "business ID of an entity of the municipal group, the municipality's own first "
            "(repeatable)"
        ),
    )
    importing.add_argument(
        "--extraction-date",
        metavar=_("YYYY-MM-DD"),
        help=_("extraction date of files that do not carry one (default: today)"),
    )
    importing.add_argument("--json", action="store_true", help=_("print the report as JSON"))
    add_inventory_import_options(importing)

    listing = commands.add_parser(
        "list", parents=[common], help=_("list the portfolio (or every building)")
    )
    _database_option(listing)
    listing.add_argument("--all", action="store_true", help=_("list every stored building"))
    formats = listing.add_mutually_exclusive_group()
    formats.add_argument("--json", action="store_true", help=_("print JSON"))
    formats.add_argument(
        "--csv", action="store_true", help=_("print CSV as Finnish Excel opens it")
    )

    showing = commands.add_parser(
        "show", parents=[common], help=_("show every value of one building")
    )
    showing.add_argument(
        "building",
        metavar=_("ID"),
        help=_("permanent building identifier, id:N, or old identifier PROPERTYID-NNN"),
    )
    _database_option(showing)
    showing.add_argument("--json", action="store_true", help=_("print JSON"))

    reference = commands.add_parser(
        "reference", parents=[common], help=_("build reference data from national open data")
    )
    reference_commands = reference.add_subparsers(
        dest="reference_command", metavar=_("COMMAND"), parser_class=_Parser, required=True
    )
    build = reference_commands.add_parser(
        "build",
        parents=[common],
        help=_("compute per-municipality figures from open data files into a reference file"),
    )
    build.add_argument("files", nargs="+", type=Path, metavar=_("FILE"), help=_("open data file"))
    build.add_argument(
        "--out", type=Path, required=True, metavar=_("FILE"), help=_("reference file to write")
    )
    build.add_argument("--json", action="store_true", help=_("print a summary as JSON"))
    storing = reference_commands.add_parser(
        "import",
        parents=[common],
        help=_("store a reference file in the database, for comparisons to use"),
    )
    storing.add_argument("file", type=Path, metavar=_("FILE"), help=_("reference file"))
    _database_option(storing)
    storing.add_argument("--json", action="store_true", help=_("print a summary as JSON"))

    index = commands.add_parser(
        "index", parents=[common], help=_("manage the building-cost index series")
    )
    index_commands = index.add_subparsers(
        dest="index_command", metavar=_("COMMAND"), parser_class=_Parser, required=True
    )
    index_import = index_commands.add_parser(
        "import",
        parents=[common],
        help=_("store building-cost index values from a CSV file (year;index;source)"),
    )
    index_import.add_argument(
        "file", type=Path, metavar=_("FILE"), help=_("CSV file of index values")
    )
    _database_option(index_import)
    index_import.add_argument("--json", action="store_true", help=_("print the report as JSON"))

    export_list = commands.add_parser(
        "export-list",
        parents=[common],
        help=_("write the portfolio (or every building) to an Excel workbook or a CSV file"),
    )
    _database_option(export_list)
    export_list.add_argument("--all", action="store_true", help=_("export every stored building"))
    export_list.add_argument(
        "--filter",
        default="",
        metavar=_("TEXT"),
        help=_("export only the buildings that match TEXT, as the register view filters"),
    )
    export_list.add_argument(
        "--columns",
        metavar=_("COLUMNS"),
        help=_(
            "comma-separated column names, such as permanent_building_identifier,address "
            "(default: every column of the register list)"
        ),
    )
    export_list.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar=_("FILE"),
        help=_("file to write: .xlsx for Excel, .csv for CSV"),
    )
    export_list.add_argument("--json", action="store_true", help=_("print a summary as JSON"))

    import_list.add_parser(commands, common, _database_option)

    comparing = commands.add_parser(
        "compare",
        parents=[common],
        help=_("compare the municipality's indicators with reference figures"),
    )
    _database_option(comparing)
    comparing.add_argument(
        "--reference",
        type=Path,
        metavar=_("FILE"),
        help=_("reference file to compare with (default: the bundled published figures)"),
    )
    comparing.add_argument(
        "--peers",
        metavar=_("PEERS"),
        help=_(
            "peer municipalities to compare with: region (the home municipality's region), "
            "size-class (its population size class) or comma-separated 3-digit codes"
        ),
    )
    comparing.add_argument("--json", action="store_true", help=_("print JSON"))

    package_commands.add_parsers(commands, common)
    package_commands.add_aggregate_parser(commands, common)
    add_mapping_commands(commands, common, _Parser)

    demo = commands.add_parser(
        "demo", parents=[common], help=_("import the bundled demo data into a temporary database")
    )
    demo.add_argument("--json", action="store_true", help=_("print the report as JSON"))
    return parser


def _language_from(argv: Sequence[str]) -> str:
    """Find ``--lang`` before parsing, so that help and errors are already translated."""
    for index, argument in enumerate(argv):
        if argument == "--lang" and index + 1 < len(argv) and argv[index + 1] in LANGUAGES:
            return argv[index + 1]
        if argument.startswith("--lang=") and argument.split("=", 1)[1] in LANGUAGES:
            return argument.split("=", 1)[1]
    environment = os.environ.get(LANGUAGE_ENVIRONMENT_VARIABLE, "")
    return environment if environment in LANGUAGES else DEFAULT_LANGUAGE


class _Stopped(BaseException):
    """A signal from outside, such as closing the terminal, asked the command to stop.

    Like ``KeyboardInterrupt``, it is not an ``Exception``, so that no error handler of a
    command takes it for a failure, while every ``finally`` and rollback still runs.
    """

    def __init__(self, signal_number: int) -> None:
        super().__init__(signal_number)
        self.signal_number = signal_number


@contextmanager
def _stopping_on_signals() -> Iterator[None]:
    """Make the signals that end a program from outside stop the command as Ctrl+C does.

    SIGTERM (a shutdown, ``kill``) and SIGHUP (the terminal closed) would otherwise end
    the process at once, leaving a new database half written and its journal behind. The
    handlers before are restored at the end. Windows has no SIGHUP, and closing its
    console sends no SIGTERM.
    """
    import signal

    if threading.current_thread() is not threading.main_thread():
        # Python sets signal handlers only in the main thread.
        yield
        return
    numbers = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    previous = {number: signal.getsignal(number) for number in numbers}

    def stop(number: int, _frame: object) -> None:
        # A second signal must not break off the rollback that the first one starts.
        for handled in numbers:
            signal.signal(handled, signal.SIG_IGN)
        raise _Stopped(number)

    for number in numbers:
        signal.signal(number, stop)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _start_readers_early(args: argparse.Namespace) -> None:
    """Let a whole-file load of a large open address file start reading while this process
    loads the modules of the import and opens the database."""
    if args.mapping is not None or args.municipality or len(args.files) != 1:
        return
    from tilaapp.services.open_early import start_early
    from tilaapp.storage.files import default_database_path

    start_early(args.files[0], args.db or default_database_path())


def main(argv: Sequence[str] | None = None) -> int:
    # Large imports start reader processes with the spawn method. In a frozen executable
    # (PyInstaller) each of them would otherwise start the whole program again. Elsewhere
    # freeze_support does nothing, and importing multiprocessing would slow the start.
    if getattr(sys, "frozen", False):
        import multiprocessing

        multiprocessing.freeze_support()
    arguments = list(sys.argv[1:] if argv is None else argv)
    set_language(_language_from(arguments))
    install_argparse_texts()
    parser = _application_parser() if _only_application_options(arguments) else build_parser()
    args = parser.parse_args(arguments)

    from tilaapp.cli.logs import configure_logging

    log_path = configure_logging()
    if args.command == "import":
        _start_readers_early(args)
    if args.command is None:
        # The desktop application collects garbage on a timer of its own
        # (tilaapp.ui.memory). Turning automatic collection off before Qt is imported
        # also spares the collections that the imports would start.
        gc.disable()
        from tilaapp.ui.app import run_gui

        return run_gui(args.gui_database, demo=args.demo, language=args.lang, log_path=log_path)

    from tilaapp.cli import commands, import_list, inventory, package_commands

    if args.command == "import" and args.mapping is not None:
        return inventory.run_inventory_import(args)

    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        "import": commands.run_import,
        "list": commands.run_list,
        "show": commands.run_show,
        "demo": commands.run_demo,
        "reference": commands.run_reference,
        "index": commands.run_index,
        "export-list": commands.run_export_list,
        "import-list": import_list.run_import_list,
        "compare": commands.run_compare,
        "export-package": package_commands.run_export_package,
        "verify-package": package_commands.run_verify_package,
        "aggregate": package_commands.run_aggregate,
        "mapping": inventory.run_mapping,
    }
    with _stopping_on_signals():
        return _run_command(handlers[args.command], args)


def _run_command(handler: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run a command's ``handler``, turning a stop from outside into a line and a status."""
    try:
        return handler(args)
    except KeyboardInterrupt:
        from tilaapp.cli.errors import EXIT_INTERRUPTED

        # A command writes the database in one transaction and a file through a temporary
        # file, and both are undone on the way out.
        print(
            _("Stopped with Ctrl+C before the command finished. Nothing was saved."),
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    except _Stopped as stopped:
        import signal

        print(
            _(
                "Stopped by the signal {signal} before the command finished. Nothing was saved."
            ).format(signal=signal.Signals(stopped.signal_number).name),
            file=sys.stderr,
        )
        return 128 + stopped.signal_number
    except BrokenPipeError:
        # The reader of the output (such as `head`) stopped reading: not an error. Point
        # stdout at devnull so that Python's own flush at exit does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
