"""Places by EKATTE: the shipped extract, the import's encodings, its refusals and deactivation."""

import csv
import io
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import pytest
from django.core.management import CommandError, call_command

from opora.places.ekatte import EXTRACT_DIR, EkatteError, import_ekatte, load_shipped_extract
from opora.places.models import Municipality, Region, Settlement, SettlementKind

pytestmark = pytest.mark.django_db

FILES = ("Ek_obl.csv", "Ek_obst.csv", "Ek_atte.csv")
REGION_CODE = "municipality__region__code"
REGIONS, MUNICIPALITIES, SETTLEMENTS = 4, 7, 21


def counts() -> tuple[int, int, int, int]:
    """Regions, municipalities, settlements, active settlements."""
    return (
        Region.objects.count(),
        Municipality.objects.count(),
        Settlement.objects.count(),
        Settlement.objects.active().count(),
    )


def snapshot() -> list[tuple[str, str, str, bool, str, str, str]]:
    """Every settlement with everything the import writes, to compare two imports."""
    return list(
        Settlement.objects.order_by("ekatte").values_list(
            "ekatte",
            "kind",
            "name",
            "is_active",
            "municipality__code",
            "municipality__name",
            "municipality__region__code",
        )
    )


def copy_extract(directory: Path) -> Path:
    for name in FILES:
        shutil.copy(EXTRACT_DIR / name, directory / name)
    return directory


def lines(directory: Path, name: str) -> list[str]:
    return (directory / name).read_text(encoding="utf-8").splitlines()


def write_lines(directory: Path, name: str, content: list[str]) -> None:
    (directory / name).write_text("\n".join(content) + "\n", encoding="utf-8")


def line_of(directory: Path, name: str, start: str) -> int:
    """The 1-based line number of the first line of ``name`` that starts with ``start``."""
    return next(number for number, line in enumerate(lines(directory, name), 1) if line.startswith(start))


def replace_line(directory: Path, name: str, start: str, new: str) -> int:
    """Replace the line starting with ``start``; its line number, for the expected message."""
    content = lines(directory, name)
    number = line_of(directory, name, start)
    content[number - 1] = new
    write_lines(directory, name, content)
    return number


def rewrite_columns(directory: Path, name: str, order: list[str], quoting: Literal[0, 1] = csv.QUOTE_MINIMAL) -> None:
    """Rewrite a file with its columns in ``order`` (columns left out are dropped)."""
    with (directory / name).open(encoding="utf-8", newline="") as source:
        rows = list(csv.DictReader(source))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=order, extrasaction="ignore", quoting=quoting)
    writer.writeheader()
    writer.writerows(rows)
    (directory / name).write_text(out.getvalue(), encoding="utf-8")


# The shipped extract


def test_the_shipped_extract_imports_regions_municipalities_and_settlements() -> None:
    summary = load_shipped_extract()
    assert (summary.regions.created, summary.municipalities.created, summary.settlements.created) == (
        REGIONS,
        MUNICIPALITIES,
        SETTLEMENTS,
    )
    assert counts() == (REGIONS, MUNICIPALITIES, SETTLEMENTS, SETTLEMENTS)
    ruse = Settlement.objects.select_related("municipality__region").get(ekatte="63427")
    assert str(ruse) == "гр. Русе"
    assert ruse.full_name == "гр. Русе, общ. Русе, обл. Русе"
    assert ruse.kind == SettlementKind.TOWN
    assert ruse.municipality.code == "RSE27"
    sofia = Settlement.objects.get(ekatte="68134")
    assert sofia.full_name == "гр. София, общ. Столична, обл. София (столица)"


def test_a_leading_zero_of_an_ekatte_code_is_kept() -> None:
    load_shipped_extract()
    basarbovo = Settlement.objects.get(ekatte="02796")
    assert str(basarbovo) == "с. Басарбово"
    assert basarbovo.kind == SettlementKind.VILLAGE


def test_the_extract_holds_the_partner_municipalities_and_villages_of_ruse() -> None:
    load_shipped_extract()
    names = set(Municipality.objects.values_list("name", flat=True))
    assert {"Русе", "Хисаря", "Кричим", "Съединение", "Пловдив", "Столична", "Варна"} == names
    villages = set(Settlement.objects.filter(municipality__code="RSE27", kind="village").values_list("name", flat=True))
    assert {"Николово", "Сандрово", "Ново село", "Басарбово"} <= villages
    assert str(Settlement.objects.get(name="Мартен")) == "гр. Мартен"


def test_importing_the_same_files_again_changes_nothing() -> None:
    load_shipped_extract()
    before = snapshot()
    summary = load_shipped_extract()
    assert str(summary) == (
        "Regions: 0 created, 0 updated. Municipalities: 0 created, 0 updated. "
        "Settlements: 0 created, 0 updated, 0 deactivated."
    )
    assert snapshot() == before


def test_the_command_imports_a_directory_and_prints_the_summary(tmp_path: Path, capsys) -> None:
    call_command("import_ekatte", str(copy_extract(tmp_path)))
    assert "Settlements: 21 created, 0 updated, 0 deactivated." in capsys.readouterr().out
    call_command("import_ekatte", "--extract")
    assert "Settlements: 0 created, 0 updated, 0 deactivated." in capsys.readouterr().out


def test_the_command_needs_a_path_or_the_extract() -> None:
    with pytest.raises(CommandError):
        call_command("import_ekatte")


# Encodings and layout


def test_a_cp1251_edition_imports_the_same(tmp_path: Path) -> None:
    for name in FILES:
        data = (EXTRACT_DIR / name).read_text(encoding="utf-8").encode("cp1251")
        (tmp_path / name).write_bytes(data)
    with pytest.raises(UnicodeDecodeError):
        (tmp_path / "Ek_atte.csv").read_bytes().decode("utf-8")
    import_ekatte(tmp_path)
    from_cp1251 = snapshot()
    assert Settlement.objects.get(ekatte="63427").name == "Русе"
    summary = load_shipped_extract()
    assert (summary.settlements.created, summary.settlements.updated, summary.municipalities.updated) == (0, 0, 0)
    assert snapshot() == from_cp1251


def test_a_utf8_file_with_a_byte_order_mark_imports(tmp_path: Path) -> None:
    copy_extract(tmp_path)
    path = tmp_path / "Ek_atte.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    import_ekatte(tmp_path)
    assert counts() == (REGIONS, MUNICIPALITIES, SETTLEMENTS, SETTLEMENTS)


def test_column_order_quoting_extra_columns_and_letter_case_do_not_matter(tmp_path: Path) -> None:
    copy_extract(tmp_path)
    rewrite_columns(
        tmp_path, "Ek_atte.csv", ["name", "obstina", "abc", "ekatte", "oblast", "t_v_m"], quoting=csv.QUOTE_ALL
    )
    content = lines(tmp_path, "Ek_atte.csv")
    content[0] = content[0].upper().replace('"NAME"', '"Name"') + ',"name_en"'
    content[1:] = [f'{row},"Latin"' for row in content[1:]]
    (tmp_path / "Ek_atte.csv").unlink()
    write_lines(tmp_path, "EK_ATTE.CSV", content)
    import_ekatte(tmp_path)
    assert Settlement.objects.get(ekatte="02796").name == "Басарбово"
    assert counts() == (REGIONS, MUNICIPALITIES, SETTLEMENTS, SETTLEMENTS)


def test_the_service_record_and_blank_lines_are_skipped(tmp_path: Path) -> None:
    copy_extract(tmp_path)
    content = lines(tmp_path, "Ek_atte.csv")
    content.insert(1, '00000,,"Състояние към: 01.01.2026 г.",,,,,,,,,')
    write_lines(tmp_path, "Ek_atte.csv", [*content, "", ""])
    import_ekatte(tmp_path)
    assert not Settlement.objects.filter(ekatte="00000").exists()
    assert counts() == (REGIONS, MUNICIPALITIES, SETTLEMENTS, SETTLEMENTS)


def test_a_monastery_is_written_with_its_abbreviation(tmp_path: Path) -> None:
    copy_extract(tmp_path)
    # An invented code and name: the extract itself holds only places checked against the register.
    write_lines(
        tmp_path, "Ek_atte.csv", [*lines(tmp_path, "Ek_atte.csv"), "99991,ман.,Тестов манастир,RSE,RSE27,,7,,,,,"]
    )
    import_ekatte(tmp_path)
    monastery = Settlement.objects.get(ekatte="99991")
    assert monastery.kind == SettlementKind.MONASTERY
    assert monastery.full_name == "ман. Тестов манастир, общ. Русе, обл. Русе"


# Refusals: every one names the file and the line, and leaves the database as it was


def header_without(directory: Path, name: str, column: str) -> int:
    header = next(csv.reader([lines(directory, name)[0]]))
    rewrite_columns(directory, name, [c for c in header if c != column])
    return 1


def missing_value(directory: Path) -> int:
    return replace_line(directory, "Ek_atte.csv", "51679,", "51679,с.,Николово,RSE,RSE27,,3,,,,")


def short_ekatte(directory: Path) -> int:
    return replace_line(directory, "Ek_atte.csv", "51679,", "5167,с.,Николово,RSE,RSE27,,3,,,,,")


def letter_in_ekatte(directory: Path) -> int:
    return replace_line(directory, "Ek_atte.csv", "51679,", "5167A,с.,Николово,RSE,RSE27,,3,,,,,")


def unknown_municipality(directory: Path) -> int:
    return replace_line(directory, "Ek_atte.csv", "51679,", "51679,с.,Николово,RSE,RSE99,,3,,,,,")


def municipality_of_another_region(directory: Path) -> int:
    return replace_line(directory, "Ek_atte.csv", "51679,", "51679,с.,Николово,PDV,RSE27,,3,,,,,")


def unknown_region_of_a_settlement(directory: Path) -> int:
    return replace_line(directory, "Ek_atte.csv", "51679,", "51679,с.,Николово,XYZ,RSE27,,3,,,,,")


def duplicate_ekatte(directory: Path) -> int:
    content = lines(directory, "Ek_atte.csv")
    write_lines(directory, "Ek_atte.csv", [*content, "63427,гр.,Русе,RSE,RSE27,,1,,,,,"])
    return len(content) + 1


def unknown_kind(directory: Path) -> int:
    return replace_line(directory, "Ek_atte.csv", "51679,", "51679,село,Николово,RSE,RSE27,,3,,,,,")


def empty_name(directory: Path) -> int:
    return replace_line(directory, "Ek_atte.csv", "51679,", "51679,с.,,RSE,RSE27,,3,,,,,")


def municipality_of_an_unknown_region(directory: Path) -> int:
    return replace_line(directory, "Ek_obst.csv", "VAR06,", "XYZ06,10135,Варна,,,")


def bad_municipality_code(directory: Path) -> int:
    return replace_line(directory, "Ek_obst.csv", "VAR06,", "VAR6,10135,Варна,,,")


def bad_region_code(directory: Path) -> int:
    return replace_line(directory, "Ek_obl.csv", "VAR,", "Var,10135,Варна,BG33,,")


def duplicate_region(directory: Path) -> int:
    content = lines(directory, "Ek_obl.csv")
    write_lines(directory, "Ek_obl.csv", [*content, "RSE,63427,Русе,BG32,,"])
    return len(content) + 1


# Each spoils one row (or the header) of a copy of the extract and returns the line it spoiled.
Spoiler = Callable[[Path], int]

REFUSALS = [
    pytest.param("Ek_atte.csv", lambda d: header_without(d, "Ek_atte.csv", "obstina"), "obstina", id="no-column"),
    pytest.param("Ek_obst.csv", lambda d: header_without(d, "Ek_obst.csv", "name"), "name", id="no-name-column"),
    pytest.param("Ek_atte.csv", missing_value, "11 values", id="missing-value"),
    pytest.param("Ek_atte.csv", short_ekatte, "'5167'", id="short-ekatte"),
    pytest.param("Ek_atte.csv", letter_in_ekatte, "'5167A'", id="letter-in-ekatte"),
    pytest.param("Ek_atte.csv", unknown_municipality, "'RSE99'", id="unknown-municipality"),
    pytest.param("Ek_atte.csv", municipality_of_another_region, "not in region PDV", id="other-region"),
    pytest.param("Ek_atte.csv", unknown_region_of_a_settlement, "'XYZ'", id="unknown-region"),
    pytest.param("Ek_atte.csv", duplicate_ekatte, "63427 appears twice", id="duplicate-ekatte"),
    pytest.param("Ek_atte.csv", unknown_kind, "'село'", id="unknown-kind"),
    pytest.param("Ek_atte.csv", empty_name, "name is empty", id="empty-name"),
    pytest.param("Ek_obst.csv", municipality_of_an_unknown_region, "region XYZ", id="municipality-region"),
    pytest.param("Ek_obst.csv", bad_municipality_code, "'VAR6'", id="municipality-code"),
    pytest.param("Ek_obl.csv", bad_region_code, "'Var'", id="region-code"),
    pytest.param("Ek_obl.csv", duplicate_region, "RSE appears twice", id="duplicate-region"),
]


@pytest.mark.parametrize(("name", "spoil", "detail"), REFUSALS)
def test_a_malformed_row_refuses_the_whole_import_into_an_empty_database(
    tmp_path: Path, name: str, spoil: Spoiler, detail: str
) -> None:
    copy_extract(tmp_path)
    line = spoil(tmp_path)
    with pytest.raises(EkatteError) as refused:
        import_ekatte(tmp_path)
    message = str(refused.value)
    assert f"{name}, line {line}:" in message
    assert detail in message
    # Nothing at all: not even the regions and municipalities of the files that were correct.
    assert counts() == (0, 0, 0, 0)


@pytest.mark.parametrize(("name", "spoil", "detail"), REFUSALS)
def test_a_malformed_row_leaves_an_imported_register_as_it_was(
    tmp_path: Path, name: str, spoil: Spoiler, detail: str
) -> None:
    load_shipped_extract()
    before = snapshot()
    copy_extract(tmp_path)
    # Valid changes beside the bad row must not be written either.
    replace_line(tmp_path, "Ek_atte.csv", "77342,", "77342,с.,Хотанца (ново име),RSE,RSE27,,3,,,,,")
    replace_line(tmp_path, "Ek_atte.csv", "02796,", "99990,с.,Ново място,RSE,RSE27,,3,,,,,")
    spoil(tmp_path)
    with pytest.raises(EkatteError):
        import_ekatte(tmp_path)
    assert snapshot() == before
    assert counts() == (REGIONS, MUNICIPALITIES, SETTLEMENTS, SETTLEMENTS)


def test_every_problem_is_listed_not_only_the_first(tmp_path: Path) -> None:
    copy_extract(tmp_path)
    first = short_ekatte(tmp_path)
    second = replace_line(tmp_path, "Ek_atte.csv", "65348,", "65348,с.,Сандрово,RSE,RSE99,,3,,,,,")
    with pytest.raises(EkatteError) as refused:
        import_ekatte(tmp_path)
    assert [problem.split(":")[0] for problem in refused.value.problems] == [
        f"Ek_atte.csv, line {first}",
        f"Ek_atte.csv, line {second}",
    ]


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    copy_extract(tmp_path)
    (tmp_path / "Ek_obst.csv").unlink()
    with pytest.raises(EkatteError, match=r"there is no Ek_obst\.csv"):
        import_ekatte(tmp_path)
    assert counts() == (0, 0, 0, 0)


def test_the_command_reports_a_refusal_as_an_error(tmp_path: Path) -> None:
    copy_extract(tmp_path)
    line = unknown_municipality(tmp_path)
    with pytest.raises(CommandError, match=f"Ek_atte.csv, line {line}: .*'RSE99'"):
        call_command("import_ekatte", str(tmp_path))
    assert counts() == (0, 0, 0, 0)


# Settlements that leave the register


def test_a_settlement_missing_from_a_later_import_is_deactivated_not_deleted(tmp_path: Path) -> None:
    load_shipped_extract()
    copy_extract(tmp_path)
    content = lines(tmp_path, "Ek_atte.csv")
    write_lines(tmp_path, "Ek_atte.csv", [line for line in content if not line.startswith("02796,")])
    summary = import_ekatte(tmp_path)
    assert (summary.settlements.created, summary.settlements.updated, summary.settlements.deactivated) == (0, 0, 1)
    basarbovo = Settlement.objects.get(ekatte="02796")
    assert not basarbovo.is_active
    assert counts() == (REGIONS, MUNICIPALITIES, SETTLEMENTS, SETTLEMENTS - 1)
    assert not Settlement.objects.active().filter(ekatte="02796").exists()
    # Importing it again deactivates nothing more.
    assert import_ekatte(tmp_path).settlements.deactivated == 0


def test_a_settlement_back_in_the_register_is_active_again() -> None:
    load_shipped_extract()
    Settlement.objects.filter(ekatte="02796").update(is_active=False)
    summary = load_shipped_extract()
    assert (summary.settlements.updated, summary.settlements.deactivated) == (1, 0)
    assert Settlement.objects.get(ekatte="02796").is_active


def test_a_renamed_or_moved_settlement_and_a_renamed_municipality_are_updated(tmp_path: Path) -> None:
    load_shipped_extract()
    copy_extract(tmp_path)
    replace_line(tmp_path, "Ek_atte.csv", "77342,", "77342,с.,Хотанца (ново име),RSE,RSE27,,3,,,,,")
    replace_line(tmp_path, "Ek_atte.csv", "39921,", "39921,гр.,Кричим,PDV,PDV22,,1,,,,,")
    replace_line(tmp_path, "Ek_obst.csv", "RSE27,", "RSE27,63427,Русе (община),,,")
    summary = import_ekatte(tmp_path)
    assert (summary.settlements.updated, summary.municipalities.updated, summary.regions.updated) == (2, 1, 0)
    assert Settlement.objects.get(ekatte="39921").municipality.code == "PDV22"
    assert Settlement.objects.get(ekatte="77342").name == "Хотанца (ново име)"
    assert Settlement.objects.get(ekatte="63427").full_name == "гр. Русе, общ. Русе (община), обл. Русе"
