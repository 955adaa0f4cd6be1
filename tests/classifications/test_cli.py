"""`procura classifications load`: loads a file, or says in one line why it did not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from procura.classifications.models import Classification
from procura.classifications.services import DEMO_FILES
from procura.cli import build_parser, main

CsvFile = Callable[..., Path]


@pytest.mark.parametrize("command", [["classifications"], ["classifications", "load"]])
def test_classifications_commands_have_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([*command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: procura classifications" in capsys.readouterr().out


@pytest.mark.django_db
def test_load_reports_what_it_did(capsys: pytest.CaptureFixture[str]) -> None:
    # given the demo CPV file
    path = DEMO_FILES["CPV"]

    # when it is loaded twice from the command line
    first = main(["classifications", "load", "cpv", str(path)])
    first_out = capsys.readouterr().out
    second = main(["classifications", "load", "CPV", str(path)])
    second_out = capsys.readouterr().out

    # then the codes are there and each run says what it did
    assert (first, second) == (0, 0)
    assert first_out == f"CPV codes loaded from {path}: 57 created, 0 updated, 0 unchanged\n"
    assert second_out == f"CPV codes loaded from {path}: 0 created, 0 updated, 57 unchanged\n"
    assert Classification.objects.filter(scheme="CPV").count() == 57


@pytest.mark.django_db
def test_a_missing_file_is_one_line_and_exit_status_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # given a path with no file
    missing = tmp_path / "nowhere.csv"

    # when it is loaded
    status = main(["classifications", "load", "unspsc", str(missing)])

    # then one error line, no traceback
    assert status == 1
    assert capsys.readouterr().err == f"procura: error: Nothing was loaded. (file: There is no file {missing}.)\n"


@pytest.mark.django_db
def test_a_bad_row_is_one_line_naming_the_line(csv_file: CsvFile, capsys: pytest.CaptureFixture[str]) -> None:
    # given a file with a bad row
    path = csv_file("code,description\n33000000-0,Medical equipments\n33100000,Medical equipments\n")

    # when it is loaded
    status = main(["classifications", "load", "cpv", str(path)])

    # then it is refused in one line naming the line, and nothing is written
    assert status == 1
    assert capsys.readouterr().err == (
        "procura: error: Nothing was loaded: 1 row has a problem. Correct it and load the file again. "
        "(line 3: “33100000” is not a CPV code (for example 33140000-3).)\n"
    )
    assert Classification.objects.count() == 0


def test_an_unknown_scheme_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["classifications", "load", "naics", "codes.csv"])
    assert exit_info.value.code == 2
    assert "argument scheme: invalid choice: 'naics'" in capsys.readouterr().err
