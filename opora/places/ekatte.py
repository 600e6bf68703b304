"""Import of the EKATTE register from the official files of the National Statistical Institute (НСИ).

A directory holds three CSV files with a header row: ``Ek_obl.csv`` (regions), ``Ek_obst.csv``
(municipalities) and ``Ek_atte.csv`` (settlements). Columns are found by their header name, so their
order and any columns Opora does not read do not matter. Editions come in UTF-8 or cp1251.

The import is all or nothing: every row of every file is checked first, and any problem refuses the
whole import with the file and line of each problem. Then one transaction upserts by code, so running it
again with the same files changes nothing, and deactivates (never deletes) the settlements that are no
longer in the register, because addresses point at them.
"""

import csv
import io
import re
from collections.abc import Container, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import models, transaction

from opora.places.models import (
    ABBREVIATIONS,
    EKATTE_CODE,
    MUNICIPALITY_CODE,
    REGION_CODE,
    Municipality,
    Region,
    Settlement,
)

EXTRACT_DIR = Path(__file__).resolve().parent / "data" / "ekatte"

REGIONS_FILE = "Ek_obl"
MUNICIPALITIES_FILE = "Ek_obst"
SETTLEMENTS_FILE = "Ek_atte"

# Only the columns Opora reads are required; the register has more (document, abc, altitude…).
REGION_COLUMNS = ("oblast", "name")
MUNICIPALITY_COLUMNS = ("obstina", "name")
SETTLEMENT_COLUMNS = ("ekatte", "t_v_m", "name", "oblast", "obstina")

# Ek_atte opens with a service record under this code whose name is the edition's date, not a place.
SERVICE_RECORD = "00000"
KIND_BY_ABBREVIATION = {abbreviation: kind for kind, abbreviation in ABBREVIATIONS.items()}
NAME_LENGTH = Settlement._meta.get_field("name").max_length or 100
# A refusal lists this many problems; a wrong file can have thousands, and the first ones tell the cause.
SHOWN_PROBLEMS = 50
BATCH = 500


class EkatteError(Exception):
    """The files were refused; ``problems`` holds one "file, line N: what is wrong" per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = "\n".join(f"  {problem}" for problem in problems[:SHOWN_PROBLEMS])
        more = f"\n  … and {len(problems) - SHOWN_PROBLEMS} more" if len(problems) > SHOWN_PROBLEMS else ""
        super().__init__(f"The EKATTE files were refused and nothing was imported:\n{shown}{more}")


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    deactivated: int = 0


@dataclass
class ImportSummary:
    regions: Counts
    municipalities: Counts
    settlements: Counts

    def __str__(self) -> str:
        return (
            f"Regions: {self.regions.created} created, {self.regions.updated} updated. "
            f"Municipalities: {self.municipalities.created} created, {self.municipalities.updated} updated. "
            f"Settlements: {self.settlements.created} created, {self.settlements.updated} updated, "
            f"{self.settlements.deactivated} deactivated."
        )


@dataclass
class Register:
    """The checked content of the three files, keyed by code, ready to be written."""

    regions: dict[str, dict[str, Any]] = field(default_factory=dict)
    municipalities: dict[str, dict[str, Any]] = field(default_factory=dict)
    settlements: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class _Record:
    """One data row with where it came from, so that a problem names its file and line."""

    file: str
    line: int
    values: dict[str, str]
    problems: list[str]

    def __getitem__(self, column: str) -> str:
        return self.values[column]

    def reject(self, message: str) -> None:
        self.problems.append(f"{self.file}, line {self.line}: {message}")


def load_shipped_extract() -> ImportSummary:
    """Import the small extract shipped in opora/places/data/ekatte (tests and the demo)."""
    return import_ekatte(EXTRACT_DIR)


def import_ekatte(directory: Path) -> ImportSummary:
    """Check the three files in ``directory``, then write them in one transaction; EkatteError if refused."""
    return _write(read_register(directory))


def read_register(directory: Path) -> Register:
    """Every row of the three files checked; EkatteError lists every problem found."""
    problems: list[str] = []
    if not directory.is_dir():
        raise EkatteError([f"{directory}: not a directory"])
    register = Register()
    _read_regions(directory, register, problems)
    _read_municipalities(directory, register, problems)
    _read_settlements(directory, register, problems)
    if problems:
        raise EkatteError(problems)
    return register


def _read_regions(directory: Path, register: Register, problems: list[str]) -> None:
    first_line: dict[str, int] = {}
    for record in _records(directory, REGIONS_FILE, REGION_COLUMNS, problems):
        code = record["oblast"]
        if not re.fullmatch(REGION_CODE, code):
            record.reject(f"region code {code!r} is not three capital letters")
        elif not _is_duplicate(record, code, first_line) and _has_name(record):
            register.regions[code] = {"name": record["name"]}


def _read_municipalities(directory: Path, register: Register, problems: list[str]) -> None:
    first_line: dict[str, int] = {}
    for record in _records(directory, MUNICIPALITIES_FILE, MUNICIPALITY_COLUMNS, problems):
        code = record["obstina"]
        if not re.fullmatch(MUNICIPALITY_CODE, code):
            record.reject(f"municipality code {code!r} is not three capital letters and two digits")
        elif code[:3] not in register.regions:
            record.reject(f"municipality {code}: region {code[:3]} is not in {REGIONS_FILE}")
        elif not _is_duplicate(record, code, first_line) and _has_name(record):
            register.municipalities[code] = {"name": record["name"], "region": code[:3]}


def _read_settlements(directory: Path, register: Register, problems: list[str]) -> None:
    first_line: dict[str, int] = {}
    for record in _records(directory, SETTLEMENTS_FILE, SETTLEMENT_COLUMNS, problems):
        code = record["ekatte"]
        if code == SERVICE_RECORD:
            continue
        if not re.fullmatch(EKATTE_CODE, code):
            record.reject(f"EKATTE code {code!r} is not five digits")
        elif record["t_v_m"] not in KIND_BY_ABBREVIATION:
            record.reject(f"kind {record['t_v_m']!r} is not one of {', '.join(KIND_BY_ABBREVIATION)}")
        elif _places_it(record, register) and not _is_duplicate(record, code, first_line) and _has_name(record):
            register.settlements[code] = {
                "name": record["name"],
                "kind": KIND_BY_ABBREVIATION[record["t_v_m"]],
                "municipality": record["obstina"],
            }


def _places_it(record: _Record, register: Register) -> bool:
    """The settlement's municipality is known and lies in the settlement's region."""
    municipality, region = record["obstina"], record["oblast"]
    if municipality not in register.municipalities:
        record.reject(f"settlement {record['ekatte']}: municipality {municipality!r} is not in {MUNICIPALITIES_FILE}")
        return False
    if region not in register.regions:
        record.reject(f"settlement {record['ekatte']}: region {region!r} is not in {REGIONS_FILE}")
        return False
    if register.municipalities[municipality]["region"] != region:
        record.reject(f"settlement {record['ekatte']}: municipality {municipality} is not in region {region}")
        return False
    return True


def _is_duplicate(record: _Record, code: str, first_line: dict[str, int]) -> bool:
    if code in first_line:
        record.reject(f"code {code} appears twice (first on line {first_line[code]})")
        return True
    first_line[code] = record.line
    return False


def _has_name(record: _Record) -> bool:
    name = record["name"]
    problem = "the name is empty" if not name else None
    if len(name) > NAME_LENGTH:
        problem = f"the name is longer than {NAME_LENGTH} characters"
    if problem:
        record.reject(problem)
    return problem is None


def _records(directory: Path, stem: str, required: tuple[str, ...], problems: list[str]) -> Iterator[_Record]:
    """The file's data rows, values stripped, keyed by lower-case header; header problems end the file."""
    path = _find_file(directory, stem)
    if path is None:
        problems.append(f"{directory}: there is no {stem}.csv")
        return
    reader = csv.reader(io.StringIO(_decode(path.read_bytes()), newline=""))
    header = [column.strip().lower() for column in next(reader, [])]
    if not _header_is_usable(path.name, header, required, problems):
        return
    line = reader.line_num
    for row in reader:
        start, line = line + 1, reader.line_num
        if not any(value.strip() for value in row):
            continue  # blank lines, e.g. at the end of the file
        record = _Record(path.name, start, dict(zip(header, (value.strip() for value in row), strict=False)), problems)
        if len(row) != len(header):
            record.reject(f"{len(row)} values where the header has {len(header)} columns")
            continue
        yield record


def _header_is_usable(file: str, header: list[str], required: tuple[str, ...], problems: list[str]) -> bool:
    if not header:
        problems.append(f"{file}, line 1: the file is empty (a header row is expected)")
        return False
    missing = [column for column in required if column not in header]
    twice = sorted({column for column in header if column and header.count(column) > 1})
    if missing:
        problems.append(f"{file}, line 1: missing column(s) {', '.join(missing)}")
    if twice:
        problems.append(f"{file}, line 1: column(s) {', '.join(twice)} appear more than once")
    return not missing and not twice


def _find_file(directory: Path, stem: str) -> Path | None:
    """``stem``.csv in any letter case: editions have named the files Ek_atte.csv, ek_atte.csv, EK_ATTE.CSV."""
    wanted = f"{stem}.csv".lower()
    return next((path for path in sorted(directory.iterdir()) if path.name.lower() == wanted), None)


def _decode(data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark) when the bytes are valid UTF-8, else cp1251."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1251")


@transaction.atomic
def _write(register: Register) -> ImportSummary:
    regions, region_counts = _upsert(Region, register.regions)
    municipalities, municipality_counts = _upsert(
        Municipality,
        {
            code: {"name": values["name"], "region_id": regions[values["region"]].pk}
            for code, values in register.municipalities.items()
        },
    )
    settlements, settlement_counts = _upsert(
        Settlement,
        {
            code: {
                "name": values["name"],
                "kind": values["kind"],
                "municipality_id": municipalities[values["municipality"]].pk,
                "is_active": True,
            }
            for code, values in register.settlements.items()
        },
        key="ekatte",
    )
    settlement_counts.deactivated = _deactivate_missing(settlements, register.settlements.keys())
    return ImportSummary(region_counts, municipality_counts, settlement_counts)


def _upsert[M: models.Model](
    model: type[M], wanted: dict[str, dict[str, Any]], key: str = "code"
) -> tuple[dict[str, M], Counts]:
    """Create the missing rows and update the changed ones; every row afterwards, by ``key``."""
    manager = model._default_manager
    existing = {getattr(instance, key): instance for instance in manager.all()}
    new: list[M] = []
    changed: list[M] = []
    changed_fields: set[str] = set()
    for code, values in wanted.items():
        instance = existing.get(code)
        if instance is None:
            new.append(model(**{key: code, **values}))
            continue
        differences = {name: value for name, value in values.items() if getattr(instance, name) != value}
        for name, value in differences.items():
            setattr(instance, name, value)
        if differences:
            changed.append(instance)
            changed_fields |= differences.keys()
    manager.bulk_create(new, batch_size=BATCH)
    if changed:
        manager.bulk_update(changed, sorted(changed_fields), batch_size=BATCH)
    rows = {getattr(instance, key): instance for instance in manager.all()} if new else existing
    return rows, Counts(created=len(new), updated=len(changed))


def _deactivate_missing(settlements: dict[str, Settlement], present: Container[str]) -> int:
    """Settlements that left the register stay (addresses point at them) but are no longer offered."""
    gone = [settlement.pk for code, settlement in settlements.items() if settlement.is_active and code not in present]
    return Settlement.objects.filter(pk__in=gone).update(is_active=False) if gone else 0
