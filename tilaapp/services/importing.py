"""Import of register files: one call is one transaction over all its files."""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from tilaapp.domain.fields import Source
from tilaapp.services.bulk import BulkLoader, source_has_rows

# Re-exported: callers of the import use case catch these.
from tilaapp.services.errors import ImportCancelled as ImportCancelled
from tilaapp.services.errors import ImportRejected as ImportRejected
from tilaapp.services.listing import refresh_imported
from tilaapp.services.merge import RecordMerger
from tilaapp.services.open_load import (
    CompactLoader,
    HandOffConflict,
    load_in_processes,
    load_in_this_process,
)
from tilaapp.services.open_merge import OpenFileMerger, merge_in_this_process
from tilaapp.services.open_read import PROCESS_READ_MIN_BYTES, ReadSummary
from tilaapp.services.portfolio import GroupSetup, apply_group_setup, join_portfolio_by_owner
from tilaapp.sources.detect import ReaderGroup, SourceReader, open_readers
from tilaapp.sources.dvv_open import MEMBER_SUFFIXES as DVV_OPEN_MEMBER_SUFFIXES
from tilaapp.sources.dvv_open import DvvOpenReader, open_file_size
from tilaapp.sources.records import (
    BuildingRecord,
    FileRejected,
    ProblemKind,
    RowProblem,
    Severity,
)
from tilaapp.sources.textfile import data_sha256
from tilaapp.storage.database import (
    Database,
    backup_database,
    open_database,
    operating_system_user,
    utc_now,
)
from tilaapp.storage.models import (
    ImportBatch,
    ImportProblem,
)
from tilaapp.storage.types import DECIMAL_SCALE

log = logging.getLogger(__name__)

ProgressCallback = Callable[[str, int], None]
"""Called with the file name and the number of rows processed so far."""

PROGRESS_EVERY_ROWS = 500
# The report's counts that a bulk load of the open address file adds to.
_LOAD_COUNTS = ("buildings_in_file", "added", "updated", "addresses")
# Whether an open address file whose source has rows already is merged in batches
# (``open_merge``) rather than record by record. Tests set it to compare the two.
MERGE_OPEN_FILE_IN_BATCHES = True


@dataclass(frozen=True)
class ImportOptions:
    home_municipality: str | None = None
    municipalities: frozenset[str] | None = None
    """Keep only buildings located in these municipalities; None keeps every building."""
    owner_business_ids: tuple[str, ...] = ()
    extraction_date: datetime.date | None = None


@dataclass
class FileReport:
    path: Path
    """The file read; the first page when several Ryhti pages were read together."""
    file_name: str
    """Every file read, by name."""
    source: str
    sha256: str
    scope: str
    extraction_date: datetime.date
    extraction_date_origin: str
    batch_id: int | None = None
    already_imported: bool = False
    imported_before_at: datetime.datetime | None = None
    """The time of the earlier import of the same file, set with ``already_imported``.
    The report's extraction date and its origin are then the earlier import's."""
    rows_read: dict[str, int] = field(default_factory=dict)
    skipped_sheets: list[str] = field(default_factory=list)
    skipped_members: list[str] = field(default_factory=list)
    """The other files of an archive, of which one file was read."""
    buildings_in_file: int = 0
    filtered_out: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    older_than_stored: int = 0
    no_longer_present: int = 0
    absence_not_judged: int = 0
    """Buildings missing from the file that an import of another scope delivered: only an
    import of their own scope marks them as no longer in the source."""
    present_again: int = 0
    addresses: int = 0
    organisation_owners: int = 0
    person_owners: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "buildings_in_file": self.buildings_in_file,
            "filtered_out": self.filtered_out,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "older_than_stored": self.older_than_stored,
            "no_longer_present": self.no_longer_present,
            "absence_not_judged": self.absence_not_judged,
            "present_again": self.present_again,
            "addresses": self.addresses,
            "organisation_owners": self.organisation_owners,
            "person_owners": self.person_owners,
            "errors": sum(1 for p in self.problems if p.severity is Severity.ERROR),
            "warnings": sum(1 for p in self.problems if p.severity is Severity.WARNING),
        }


@dataclass
class ImportReport:
    database: Path
    database_created: bool
    backup: Path | None
    home_municipality: str | None
    files: list[FileReport]
    portfolio_added: int = 0

    @property
    def changed_buildings(self) -> int:
        return sum(f.added + f.updated + f.no_longer_present + f.present_again for f in self.files)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def scope_of(municipalities: frozenset[str] | None) -> str:
    return "all" if municipalities is None else ",".join(sorted(municipalities))


class _InputFile:
    """One reader with the file or files it reads, and the SHA-256 of the data read.

    The hash is of the bytes read: a file's, or for an archive the member's, so that a
    file, an archive of it and a re-packed archive are the same import. Several Ryhti
    pages are one input: their batch names every file and its hash is the SHA-256 of the
    files' hashes in name order.
    """

    def __init__(self, group: ReaderGroup, hashing: ThreadPoolExecutor) -> None:
        self.group = group
        self._executor = hashing
        # A file is hashed in a thread while it is read: hashlib and file reads release the
        # GIL, so the hash costs no wall time next to the Python-bound reading. An archive
        # member is hashed by its reader, and here only to look up an earlier import.
        self._hashing: Future[tuple[str, ...]] | None = None
        archive = isinstance(group.reader, DvvOpenReader) and group.reader.member is not None
        if not archive:
            self._hashing = hashing.submit(_group_hashes, group.paths)

    def known_hashes(self) -> tuple[str, ...]:
        """Return the SHA-256 of the data read and, for an archive, that of the archive
        file, which earlier versions of tilaapp stored for an archive.

        For an archive this decompresses the member in the hashing thread.
        """
        if self._hashing is None:
            self._hashing = self._executor.submit(_archive_hashes, self.path)
        return self._hashing.result()

    @property
    def sha256(self) -> str:
        return self.known_hashes()[0]

    def sha256_after_read(self, member_sha256: str | None) -> str:
        """Return the SHA-256 of the data read, given the hash of the archive member that
        the reading computed (None for a plain file)."""
        if self._hashing is None and member_sha256 is not None:
            return member_sha256
        return self.sha256

    @property
    def path(self) -> Path:
        return self.group.paths[0]

    @property
    def source(self) -> Source:
        return self.group.source

    @property
    def reader(self) -> SourceReader:
        return self.group.reader

    @property
    def file_name(self) -> str:
        return ", ".join(path.name for path in self.group.paths)[:500]


def _group_sha256(paths: tuple[Path, ...]) -> str:
    if len(paths) == 1:
        return file_sha256(paths[0])
    hashes = sorted((path.name, file_sha256(path)) for path in paths)
    return hashlib.sha256("\n".join(f"{name} {sha}" for name, sha in hashes).encode()).hexdigest()


def _group_hashes(paths: tuple[Path, ...]) -> tuple[str, ...]:
    return (_group_sha256(paths),)


def _archive_hashes(path: Path) -> tuple[str, ...]:
    return data_sha256(path, DVV_OPEN_MEMBER_SUFFIXES), file_sha256(path)


def _open_readers(
    paths: Iterable[Path], options: ImportOptions, hashing: ThreadPoolExecutor
) -> list[_InputFile]:
    """Check every file before the database is touched; reject them all together."""
    groups, rejections = open_readers(list(paths), municipalities=options.municipalities)
    inputs: list[_InputFile] = []
    for group in groups:
        try:
            group.reader.check()
        except FileRejected as error:
            rejections.append(error)
            continue
        inputs.append(_InputFile(group, hashing))
    for rejected in rejections:
        log.warning("Rejected %s: %s", rejected.path, rejected.reason.value)
    if rejections:
        raise ImportRejected(rejections)
    return inputs


def _extraction_date(
    reader: SourceReader, options: ImportOptions, today: datetime.date
) -> tuple[datetime.date, str]:
    if reader.extraction_date is not None:
        return reader.extraction_date, "file"
    if options.extraction_date is not None:
        return options.extraction_date, "option"
    return today, "import_date"


def _has_batches_of(session: Session, source: str, scope: str) -> bool:
    """Return whether a batch of ``source`` and ``scope`` exists.

    Without one, no data was imported before, so no hash is needed before the reading.
    """
    query = select(ImportBatch.id).where(ImportBatch.source == source, ImportBatch.scope == scope)
    return session.execute(query.limit(1)).first() is not None


def _earlier_import(
    session: Session, item: _InputFile, source: str, scope: str
) -> ImportBatch | None:
    """Return the first batch that imported the data of ``item``, or None."""
    if not _has_batches_of(session, source, scope):
        return None
    query = (
        select(ImportBatch)
        .where(
            ImportBatch.sha256.in_(item.known_hashes()),
            ImportBatch.source == source,
            ImportBatch.scope == scope,
        )
        .order_by(ImportBatch.id)
    )
    return session.scalars(query.limit(1)).first()


def _any_new(database: Database, files: list[_InputFile], scope: str) -> bool:
    with database.read_session() as session:
        return any(
            _earlier_import(session, item, item.source.value, scope) is None for item in files
        )


def _store_problems(session: Session, batch_id: int, problems: list[RowProblem]) -> None:
    session.add_all(
        ImportProblem(
            batch_id=batch_id,
            file_name=problem.file,
            sheet=problem.sheet,
            row=problem.row,
            column=problem.column,
            value=problem.value,
            kind=problem.kind.value,
            severity=problem.severity.value,
            params_json=json.dumps(problem.params, ensure_ascii=False),
        )
        for problem in problems
    )


def _check_decimal_scale(record: BuildingRecord, problems: list[RowProblem], file: str) -> None:
    """Leave empty the decimals the database cannot store exactly, each with a problem."""
    for name, value in record.values.items():
        if not isinstance(value, Decimal):
            continue
        exponent = value.as_tuple().exponent
        if not isinstance(exponent, int) or exponent >= -DECIMAL_SCALE:
            continue
        if value == round(value, DECIMAL_SCALE):
            continue
        record.values[name] = None
        problems.append(
            RowProblem(
                file=file,
                kind=ProblemKind.INVALID_NUMBER,
                severity=Severity.ERROR,
                row=record.row,
                column=name,
                value=str(value),
            )
        )


class _Importer:
    """Runs one import call inside one session."""

    def __init__(
        self,
        session: Session,
        options: ImportOptions,
        progress: ProgressCallback | None,
        is_cancelled: Callable[[], bool] | None,
    ) -> None:
        self.session = session
        self.options = options
        self.progress = progress
        self.is_cancelled = is_cancelled
        self.os_user = operating_system_user()
        self.now = utc_now()
        self.municipalities_seen: set[str] = set()
        self.batches_to_list: list[int] = []
        """Batches whose buildings' register list rows are refreshed at the end. The bulk
        load of the open address file writes its own rows."""

    def import_file(self, item: _InputFile) -> FileReport:
        path, reader, name = item.path, item.reader, item.file_name
        extraction_date, origin = _extraction_date(reader, self.options, self.now.date())
        report = FileReport(
            path=path,
            file_name=name,
            source=item.source.value,
            sha256="",
            scope=scope_of(self.options.municipalities),
            extraction_date=extraction_date,
            extraction_date_origin=origin,
        )
        earlier = _earlier_import(self.session, item, report.source, report.scope)
        if earlier is not None:
            # The dates of this run were never used, so the earlier import's are shown.
            report.sha256 = item.sha256
            report.already_imported = True
            report.imported_before_at = earlier.imported_at
            report.extraction_date = earlier.extraction_date
            report.extraction_date_origin = earlier.extraction_date_origin
            log.info("Skipped %s: the same data was imported before (%s)", path, report.sha256)
            return report

        batch = self._add_batch(report, name)
        first_load = not source_has_rows(self.session, report.source)
        if first_load and isinstance(reader, DvvOpenReader):
            summary = self._load_open_file(item, reader, batch, report)
            _finish_report_from(report, summary)
            member_sha256 = summary.member_sha256
        elif isinstance(reader, DvvOpenReader) and MERGE_OPEN_FILE_IN_BATCHES:
            self._merge_open_file(item, reader, batch, report)
            self.batches_to_list.append(batch.id)
            self._finish_report(report, reader)
            member_sha256 = reader.member_sha256
        else:
            self._merge_records(item, batch, report, first_load=first_load)
            self.batches_to_list.append(batch.id)
            self._finish_report(report, reader)
            member_sha256 = getattr(reader, "member_sha256", None)
        report.skipped_members = list(getattr(reader, "skipped_members", []))
        report.sha256 = batch.sha256 = item.sha256_after_read(member_sha256)
        batch.counts_json = json.dumps(report.counts())
        _store_problems(self.session, batch.id, report.problems)
        log.info("Imported %s as batch %d: %s", path, batch.id, report.counts())
        return report

    def _merge_records(
        self, item: _InputFile, batch: ImportBatch, report: FileReport, *, first_load: bool
    ) -> None:
        merger: RecordMerger | BulkLoader
        if first_load:
            merger = BulkLoader(self.session, batch, report, self.os_user, self.now)
        else:
            merger = RecordMerger(self.session, batch, report, self.os_user, self.now)
        for count, record in enumerate(item.reader.read(), start=1):
            self._check_cancel()
            _check_decimal_scale(record, report.problems, item.file_name)
            merger.merge(record)
            if record.municipality_number:
                self.municipalities_seen.add(record.municipality_number)
            if self.progress is not None and count % PROGRESS_EVERY_ROWS == 0:
                self.progress(item.file_name, count)
        merger.finish(
            marks_absence=getattr(item.reader, "page_complete", True),
            unread=getattr(item.reader, "unread_identifiers", ()),
        )

    def _file_progress(self, item: _InputFile) -> tuple[Callable[[int], None], Callable[[], bool]]:
        """Return the progress callback of ``item``'s buildings read and the check for
        cancelling."""

        def progress(buildings: int) -> None:
            if self.progress is not None:
                self.progress(item.file_name, buildings)

        return progress, self.is_cancelled or (lambda: False)

    def _merge_open_file(
        self, item: _InputFile, reader: DvvOpenReader, batch: ImportBatch, report: FileReport
    ) -> None:
        """Merge the open address file into its source's stored rows, batch by batch."""
        merger = OpenFileMerger(self.session, batch, report, self.os_user, self.now)
        progress, cancelled = self._file_progress(item)
        merge_in_this_process(reader, merger, progress=progress, cancelled=cancelled)
        self.municipalities_seen |= merger.municipalities_seen

    def _load_open_file(
        self, item: _InputFile, reader: DvvOpenReader, batch: ImportBatch, report: FileReport
    ) -> ReadSummary:
        """Load the open address file in bulk, in reader processes when it is large."""
        progress, cancelled = self._file_progress(item)
        large = open_file_size(item.path) >= PROCESS_READ_MIN_BYTES
        if self.options.municipalities is None and large:
            loader, summary = self._load_in_processes(item.path, batch, report, progress, cancelled)
        else:
            loader = CompactLoader(self.session, batch, report, self.now)
            summary = load_in_this_process(reader, loader, progress=progress, cancelled=cancelled)
        loader.finish()
        self.municipalities_seen |= loader.municipalities_seen
        return summary

    def _load_in_processes(
        self,
        path: Path,
        batch: ImportBatch,
        report: FileReport,
        progress: Callable[[int], None],
        cancelled: Callable[[], bool],
    ) -> tuple[CompactLoader, ReadSummary]:
        """Load with the reader handing chunks to this process when it waits.

        Where that split a building, roll back to before the load and load again without.
        """
        counts = {name: getattr(report, name) for name in _LOAD_COUNTS}
        try:
            with self.session.begin_nested():
                loader = CompactLoader(self.session, batch, report, self.now)
                summary = load_in_processes(
                    path, loader, progress=progress, cancelled=cancelled, hand_off=True
                )
                return loader, summary
        except HandOffConflict:
            log.info("Rows of one building are apart in %s, so one reader loads it again", path)
        for name, value in counts.items():
            setattr(report, name, value)
        loader = CompactLoader(self.session, batch, report, self.now)
        return loader, load_in_processes(path, loader, progress=progress, cancelled=cancelled)

    def _add_batch(self, report: FileReport, file_name: str) -> ImportBatch:
        batch = ImportBatch(
            file_name=file_name,
            sha256=report.sha256,
            source=report.source,
            scope=report.scope,
            extraction_date=report.extraction_date,
            extraction_date_origin=report.extraction_date_origin,
            imported_at=self.now,
            os_user=self.os_user,
        )
        self.session.add(batch)
        self.session.flush()
        report.batch_id = batch.id
        return batch

    def _finish_report(self, report: FileReport, reader: SourceReader) -> None:
        report.rows_read = dict(reader.rows_read)
        report.skipped_sheets = list(reader.skipped_sheets)
        report.filtered_out = reader.filtered_out
        report.problems[:0] = reader.problems

    def _check_cancel(self) -> None:
        if self.is_cancelled is not None and self.is_cancelled():
            raise ImportCancelled()


def _finish_report_from(report: FileReport, summary: ReadSummary) -> None:
    report.rows_read = {"rows": summary.rows}
    report.filtered_out = summary.filtered_out
    report.problems[:0] = sorted(summary.problems, key=lambda p: p.row or 0)


def _loads_one_open_file_in_bulk(
    database: Database, readers: list[_InputFile], options: ImportOptions
) -> bool:
    """Return whether the import loads one whole open address file in bulk.

    Such an import runs without foreign key enforcement (see ``Database.bulk_session``),
    which saved 3 to 4 s of CPU time on a test file of 3.9 million buildings. The file
    must be large enough to be read in reader processes and its source must have no rows.
    """
    if options.municipalities is not None or len(readers) != 1:
        return False
    item = readers[0]
    if not isinstance(item.reader, DvvOpenReader):
        return False
    if open_file_size(item.path) < PROCESS_READ_MIN_BYTES:
        return False
    with database.read_session() as session:
        return not source_has_rows(session, item.source.value)


def _remove_new_database(database: Database) -> None:
    database.close()
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{database.path}{suffix}").unlink(missing_ok=True)


def import_files(
    database_path: Path,
    paths: list[Path],
    options: ImportOptions,
    *,
    progress: ProgressCallback | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> ImportReport:
    """Import ``paths`` into the database at ``database_path`` in one transaction.

    Raises ``ImportRejected`` when any file cannot be read and ``ImportCancelled`` when
    ``is_cancelled`` returns True. In both cases the database is unchanged, and a database
    file that this call created is removed again.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256") as hashing:
        return _import(database_path, _open_readers(paths, options, hashing), options,
                       progress, is_cancelled)  # fmt: skip


def _import(
    database_path: Path,
    readers: list[_InputFile],
    options: ImportOptions,
    progress: ProgressCallback | None,
    is_cancelled: Callable[[], bool] | None,
) -> ImportReport:
    group = GroupSetup(options.home_municipality, options.owner_business_ids)
    database = open_database(database_path)
    backup: Path | None = None
    try:
        changes_group = bool(options.home_municipality or options.owner_business_ids)
        scope = scope_of(options.municipalities)
        if not database.created and (changes_group or _any_new(database, readers, scope)):
            backup = backup_database(database_path, reason="before-import")
        bulk = _loads_one_open_file_in_bulk(database, readers, options)
        with database.bulk_session() if bulk else database.session() as session:
            importer = _Importer(session, options, progress, is_cancelled)
            files = [importer.import_file(item) for item in readers]
            home = apply_group_setup(session, group, importer.municipalities_seen, importer.now)
            portfolio_added = join_portfolio_by_owner(session, importer.os_user, importer.now)
            refresh_imported(session, importer.batches_to_list, importer.now)
    except BaseException:
        if database.created:
            _remove_new_database(database)
        elif backup is not None:
            backup.unlink(missing_ok=True)
        raise
    finally:
        database.close()

    return ImportReport(
        database=database_path,
        database_created=database.created,
        backup=backup,
        home_municipality=home,
        files=files,
        portfolio_added=portfolio_added,
    )
