"""The reader processes of a whole-file load of DVV's open address file.

Each process reads its share of the buildings and sends them to the importing process
in batches. This module imports no database code, so that the processes start quickly.
"""

from __future__ import annotations

import datetime
import gc
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from tilaapp.sources.dvv_open import CompactBuilding, DvvOpenReader
from tilaapp.sources.records import FileRejected, RowProblem

# Buildings per message from a reader process and per write.
BATCH_SIZE = 5_000


@dataclass
class ReadSummary:
    """Problems, row counts, date and encoding that a reader reports besides its buildings."""

    problems: list[RowProblem] = field(default_factory=list)
    rows: int = 0
    filtered_out: int = 0
    extraction_date: datetime.date | None = None
    encoding: str | None = None

    def add(self, other: ReadSummary) -> None:
        self.problems.extend(other.problems)
        self.rows += other.rows
        self.filtered_out += other.filtered_out
        if other.extraction_date and (
            self.extraction_date is None or other.extraction_date > self.extraction_date
        ):
            self.extraction_date = other.extraction_date
        self.encoding = self.encoding or other.encoding


def summary_of(reader: DvvOpenReader) -> ReadSummary:
    return ReadSummary(
        problems=list(reader.problems),
        rows=reader.rows_read.get("rows", 0),
        filtered_out=reader.filtered_out,
        extraction_date=reader.extraction_date,
        encoding=reader.encoding,
    )


@dataclass
class SqlRows:
    """A batch of buildings as the values of the loader's INSERT statements.

    Each list contains its rows' values one after another, in the column order of the
    statement. The statements bind this form directly, and it is the cheapest to send
    between processes.
    """

    buildings: list[Any]
    values: list[Any]
    addresses: list[Any]
    building_count: int
    address_count: int
    existing_ids: list[int]
    """Ids of the buildings that were in the database before the load."""
    municipalities: set[str]


def sql_rows(compact: list[CompactBuilding], base_id: int, existing: dict[str, int]) -> SqlRows:
    """Return the rows to insert for ``compact``; ``existing`` maps identifiers to old ids.

    A new building's id is ``base_id`` plus the line number of its first row.
    """
    building_rows: list[Any] = []
    value_rows: list[Any] = []
    address_rows: list[Any] = []
    existing_ids: list[int] = []
    municipalities: set[str] = set()
    address_count = 0
    for (
        row,
        identifier,
        municipality,
        use,
        north,
        east,
        property_id,
        postal,
        addresses,
    ) in compact:
        building_id = existing.get(identifier) if existing and identifier else None
        if building_id is None:
            building_id = base_id + row
            building_rows += (building_id, identifier)
        else:
            existing_ids.append(building_id)
        value_rows += (building_id, municipality, use, north, east, property_id, postal)
        for address in addresses:
            address_rows.append(building_id)
            address_rows += address
        address_count += len(addresses)
        if municipality is not None:
            municipalities.add(municipality)
    return SqlRows(
        building_rows,
        value_rows,
        address_rows,
        len(compact),
        address_count,
        existing_ids,
        municipalities,
    )


def batches(buildings: Iterable[CompactBuilding]) -> Iterator[list[CompactBuilding]]:
    batch: list[CompactBuilding] = []
    for building in buildings:
        batch.append(building)
        if len(batch) >= BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


def read_share(
    path: str, index: int, count: int, connection: Connection, base_id: int | None
) -> None:
    """Read one share of the file's buildings and send them; runs in a reader process.

    With a ``base_id``, the buildings are sent as the rows to insert, so that the
    importing process only writes them. Without one, they are sent as they are, because
    the importing process first looks up the buildings already in the database.
    """
    # The reading makes no reference cycles, so the collector would only scan the batch
    # being built again and again. It took about a tenth of the reading time.
    gc.disable()
    reader = DvvOpenReader(Path(path))
    try:
        share = (index, count) if count > 1 else None
        for batch in batches(reader.read_compact(share=share)):
            if base_id is None:
                connection.send(("buildings", batch))
            else:
                connection.send(("rows", sql_rows(batch, base_id, {})))
        connection.send(("done", summary_of(reader)))
    except FileRejected as rejection:
        connection.send(("rejected", (rejection.reason.value, rejection.params)))
    except Exception as error:  # reported to the importing process, which raises it
        connection.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        connection.close()
