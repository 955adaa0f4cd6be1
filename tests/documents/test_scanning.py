"""Malware scanning: the clamd INSTREAM client against a fake clamd, and the scanner settings."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from procura.documents.scanning import (
    ClamdScanner,
    NullScanner,
    ScanResult,
    ScanStatus,
    configured_scanner,
)
from tests.documents.samples import EICAR, PDF, fake_clamd, unreachable_address


def test_clamd_says_a_clean_file_is_clean_and_receives_it_in_length_prefixed_chunks() -> None:
    # given a file bigger than one chunk
    content = PDF + bytes(200_000)
    with fake_clamd() as (address, server):
        # when
        result = ClamdScanner(address).scan(io.BytesIO(content))
    # then
    assert result == ScanResult(ScanStatus.CLEAN, "clamd: OK")
    assert server.commands == [b"zINSTREAM\0"]
    assert server.streams == [content]


def test_clamd_finds_the_eicar_test_file() -> None:
    with fake_clamd() as (address, _server):
        result = ClamdScanner(address).scan(io.BytesIO(EICAR))
    assert result == ScanResult(ScanStatus.INFECTED, "Eicar-Signature")


def test_clamd_over_a_unix_socket() -> None:
    with fake_clamd(unix=True) as (path, _server):
        clean = ClamdScanner(path).scan(io.BytesIO(PDF))
        infected = ClamdScanner(f"unix:{path}").scan(io.BytesIO(EICAR))
    assert clean.status == ScanStatus.CLEAN
    assert infected == ScanResult(ScanStatus.INFECTED, "Eicar-Signature")


def test_an_unreachable_clamd_is_a_failed_scan_not_an_error() -> None:
    # given nobody listening
    address = unreachable_address()
    # when
    result = ClamdScanner(address, timeout=2).scan(io.BytesIO(PDF))
    # then
    assert result.status == ScanStatus.FAILED
    assert result.detail.startswith(f"clamd unreachable at {address}: ")


def test_a_missing_unix_socket_and_a_bad_address_are_failed_scans(tmp_path: Path) -> None:
    missing = ClamdScanner(str(tmp_path / "no-clamd.sock")).scan(io.BytesIO(PDF))
    nonsense = ClamdScanner("clamd-without-port").scan(io.BytesIO(PDF))
    assert missing.status == ScanStatus.FAILED
    assert nonsense == ScanResult(
        ScanStatus.FAILED,
        "clamd unreachable at clamd-without-port: clamd address 'clamd-without-port' is neither host:port "
        "nor a socket path",
    )


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("stream: OK", ScanResult(ScanStatus.CLEAN, "clamd: OK")),
        ("stream: Win.Test.EICAR_HDB-1 FOUND", ScanResult(ScanStatus.INFECTED, "Win.Test.EICAR_HDB-1")),
        (
            "INSTREAM size limit exceeded. ERROR",
            ScanResult(ScanStatus.FAILED, "clamd answered: INSTREAM size limit exceeded. ERROR"),
        ),
        ("", ScanResult(ScanStatus.FAILED, "clamd answered: nothing")),
    ],
)
def test_clamd_replies_are_read_exactly(reply: str, expected: ScanResult) -> None:
    from procura.documents.scanning import _parse

    assert _parse(reply) == expected


def test_without_a_scanner_files_are_unscanned() -> None:
    assert NullScanner().scan(io.BytesIO(PDF)) == ScanResult(ScanStatus.UNSCANNED, "not scanned: no scanner configured")


def test_the_settings_choose_the_scanner(settings: Any) -> None:
    # given no scanner configured
    assert isinstance(configured_scanner(), NullScanner)
    # when clamd is configured
    settings.DOCUMENTS = {**settings.DOCUMENTS, "clamd_address": "clamav:3310", "clamd_timeout": 7}
    scanner = configured_scanner()
    # then
    assert isinstance(scanner, ClamdScanner)
    assert (scanner.address, scanner.timeout) == ("clamav:3310", 7.0)
    # and a scanner class named in the settings wins
    settings.DOCUMENTS = {**settings.DOCUMENTS, "scanner": "procura.documents.scanning.NullScanner"}
    assert isinstance(configured_scanner(), NullScanner)
