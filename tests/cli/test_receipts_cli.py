"""`procura receipts verify`: a receipt checks offline with nothing but the public key; any change
to it, or another key, fails with the reason; unusable input is one clear error line."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import generate_private_key

from procura.bids import receipts
from procura.bids.models import Bid, BidVersion
from procura.classifications.services import load_demo_classifications
from procura.cli import build_parser, main
from procura.core import clock
from tests.bids.support import submitted_bid
from tests.conftest import World
from tests.tenders.support import published

PROCURA = str(Path(sys.executable).with_name("procura"))


@dataclass
class Issued:
    """A real receipt from a submission, with what it should certify."""

    document: str
    payload: dict[str, Any]
    bid: Bid
    version: BidVersion
    ocid: str


@pytest.fixture
def issued(world: World, frozen_clock: clock.Clock) -> Issued:
    load_demo_classifications()
    tender = published(world.officer, world.buyer)
    bid, receipt = submitted_bid(tender, world.bid_manager, world.supplier, price="1200.50")
    return Issued(
        document=receipt.document,
        payload=json.loads(receipt.document)["receipt"],
        bid=bid,
        version=BidVersion.objects.get(bid=bid, number=1),
        ocid=tender.ocid,
    )


def _write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _platform_pem(tmp_path: Path) -> Path:
    return _write(tmp_path, "platform.pem", receipts.public_key_pem())


def _other_pem(tmp_path: Path) -> Path:
    return _write(tmp_path, "other.pem", receipts.public_key_pem(Ed25519PrivateKey.generate().public_key()))


def _altered(document: str, change: Callable[[dict[str, Any]], None]) -> str:
    data = json.loads(document)
    change(data["receipt"])
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _one_character_later(receipt: dict[str, Any]) -> None:
    time = receipt["time"]  # 2026-03-02T09:00:00.000000Z
    last = time[-2]
    receipt["time"] = time[:-2] + ("1" if last != "1" else "2") + "Z"


def _verify(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(["receipts", "verify", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# --- Valid receipts -------------------------------------------------------------------------------
@pytest.mark.parametrize("command", [["receipts"], ["receipts", "verify"]])
def test_the_command_has_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([*command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: procura receipts")
    if command[-1] == "verify":
        assert "--public-key PEM_FILE" in out
        assert "Exit status 0 when valid, 1 when it fails verification, 2 for" in " ".join(out.split())


def test_a_valid_receipt_prints_the_facts_it_certifies(
    issued: Issued, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "receipt.json", issued.document)
    status, out, err = _verify([str(path)], capsys)
    key_id = receipts.key_id(receipts.public_key())
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"{path}: VALID: signed by the platform key {key_id}"
    assert "kind: submission" in lines
    assert f"tender: {issued.ocid} (Examination gloves for regional hospitals)" in lines
    assert f"lot: {issued.bid.lot.local_id} (Gloves)" in lines
    assert f"supplier: {issued.bid.supplier.identifier} (Small Firm Ltd)" in lines
    assert f"bid: {issued.bid.pk}, version 1" in lines
    assert "time: 2026-03-02T09:00:00.000000Z" in lines
    assert f"sealed SHA-256: {issued.version.sealed_sha256}" in lines
    assert f"key id: {key_id}" in lines


def test_the_published_public_key_verifies_a_receipt_read_from_standard_input(
    issued: Issued, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(issued.document.encode())))
    status, out, err = _verify(["-", "--public-key", str(_platform_pem(tmp_path))], capsys)
    assert (status, err) == (0, "")
    assert out.splitlines()[0].startswith("standard input: VALID: signed by the platform key")


def test_json_prints_the_verified_payload(issued: Issued, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "receipt.json", issued.document)
    status, out, err = _verify([str(path), "--json", "--public-key", str(_platform_pem(tmp_path))], capsys)
    assert (status, err) == (0, "")
    assert json.loads(out) == issued.payload
    assert issued.payload["sealed_content_sha256"] == issued.version.sealed_sha256


def test_the_apis_answer_to_a_submission_is_verified_as_well(
    issued: Issued, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given the API's answer, which carries the signed document as its "receipt"
    answer = {"receipt_id": issued.payload["id"], "kind": "submission", "receipt": json.loads(issued.document)}
    path = _write(tmp_path, "answer.json", json.dumps(answer))
    status, out, err = _verify([str(path), "--json"], capsys)
    assert (status, err) == (0, "")
    assert json.loads(out) == issued.payload
    # and altered there, it fails
    answer["receipt"]["receipt"]["time"] = "2026-03-02T08:59:59.999999Z"
    path = _write(tmp_path, "answer.json", json.dumps(answer))
    status, out, _err = _verify([str(path)], capsys)
    assert status == 1
    assert "NOT VALID: the signature does not match" in out


# --- Receipts that fail verification --------------------------------------------------------------
def _set(path: tuple[str, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(receipt: dict[str, Any]) -> None:
        target = receipt
        for name in path[:-1]:
            target = target[name]
        target[path[-1]] = value

    return change


@pytest.mark.parametrize(
    ("change", "what"),
    [
        (_one_character_later, "one character of the time"),
        (_set(("bid", "version"), 2), "the version number"),
        (_set(("kind",), "withdrawal"), "the kind"),
        (_set(("supplier", "name"), "Small Firm Ltd."), "the supplier's name"),
        (_set(("sealed_content_sha256",), "0" * 64), "the sealed content's hash"),
        (_set(("lot", "id"), "LOT-2"), "the lot"),
    ],
)
def test_an_altered_receipt_fails_with_the_reason(
    issued: Issued,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change: Callable[[dict[str, Any]], None],
    what: str,
) -> None:
    altered = _altered(issued.document, change)
    assert altered != issued.document, what
    path = _write(tmp_path, "receipt.json", altered)
    for key_args in ([], ["--public-key", str(_platform_pem(tmp_path))]):
        status, out, err = _verify([str(path), *key_args], capsys)
        assert (status, err) == (1, ""), what
        assert out == (
            f"{path}: NOT VALID: the signature does not match: the receipt was altered after it was signed\n"
        ), what


def test_an_altered_receipt_with_json_reports_on_standard_error(
    issued: Issued, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "receipt.json", _altered(issued.document, _one_character_later))
    status, out, err = _verify([str(path), "--json"], capsys)
    assert (status, out) == (1, "")
    assert err.startswith(f"{path}: NOT VALID: the signature does not match")


def test_another_key_fails_naming_both_keys(issued: Issued, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = _other_pem(tmp_path)
    other_id = receipts.key_id(receipts.load_public_key(other.read_bytes()))
    platform_id = receipts.key_id(receipts.public_key())
    path = _write(tmp_path, "receipt.json", issued.document)
    status, out, err = _verify([str(path), "--public-key", str(other)], capsys)
    assert (status, err) == (1, "")
    assert out == (
        f"{path}: NOT VALID: the receipt was signed with key '{platform_id}', not this public key ({other_id})\n"
    )
    # and claiming the other key's id does not help: the signature is not that key's
    data = json.loads(issued.document)
    data["signature"]["key_id"] = other_id
    forged = _write(tmp_path, "forged.json", json.dumps(data))
    status, out, _err = _verify([str(forged), "--public-key", str(other)], capsys)
    assert status == 1
    assert "NOT VALID: the signature does not match" in out


def test_a_receipt_whose_signature_was_replaced_fails(
    issued: Issued, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(issued.document)
    data["signature"]["value"] = "not base64!"
    path = _write(tmp_path, "receipt.json", json.dumps(data))
    status, out, _err = _verify([str(path)], capsys)
    assert status == 1
    assert out == f"{path}: NOT VALID: the signature value is not base64\n"


# --- Unusable input -------------------------------------------------------------------------------
def _rsa_pem() -> bytes:
    return (
        generate_private_key(public_exponent=65537, key_size=2048)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


@pytest.mark.parametrize(
    ("receipt", "key", "message"),
    [
        ("missing.json", None, "{receipt}: no such file"),
        ("notjson.json", None, "{receipt}: is not JSON (Expecting value: line 1 column 1 (char 0))"),
        ("empty.json", None, "{receipt}: is empty"),
        ("list.json", None, '{receipt}: is not a bid receipt (a JSON object with "receipt" and "signature")'),
        ("folder", None, "{receipt}: is a directory, not a file"),
        ("good.json", "missing.pem", "{key}: no such file"),
        ("good.json", "garbage.pem", "{key}: the public key is not a PEM-encoded key"),
        ("good.json", "rsa.pem", "{key}: the public key is not an Ed25519 key"),
    ],
)
def test_unusable_input_is_one_clear_error_line(
    issued: Issued, tmp_path: Path, capsys: pytest.CaptureFixture[str], receipt: str, key: str | None, message: str
) -> None:
    _write(tmp_path, "notjson.json", "this is not a receipt\n")
    _write(tmp_path, "empty.json", "")
    _write(tmp_path, "list.json", json.dumps([issued.payload]))
    _write(tmp_path, "good.json", issued.document)
    _write(tmp_path, "garbage.pem", "-----BEGIN PUBLIC KEY-----\nnonsense\n-----END PUBLIC KEY-----\n")
    _write(tmp_path, "rsa.pem", _rsa_pem())
    (tmp_path / "folder").mkdir()
    receipt_path, key_path = str(tmp_path / receipt), str(tmp_path / key) if key else None
    status, out, err = _verify([receipt_path, *(["--public-key", key_path] if key_path else [])], capsys)
    assert (status, out) == (2, "")
    assert err == "procura: error: " + message.format(receipt=receipt_path, key=key_path) + "\n"


# --- Offline: the real command, with nothing configured -------------------------------------------
def _run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PROCURA_", "DATABASE_URL", "DJANGO_"))}
    environment.update(env)
    return subprocess.run(
        [PROCURA, *args], capture_output=True, text=True, env=environment, cwd=tmp_path, timeout=120, check=False
    )


def test_with_the_public_key_it_verifies_offline_without_settings_or_database(issued: Issued, tmp_path: Path) -> None:
    # given a receipt and the published key file, on a machine where the platform's settings would
    # refuse to load (production mode with nothing configured) and no database exists
    receipt = _write(tmp_path, "receipt.json", issued.document)
    pem = _platform_pem(tmp_path)
    var = tmp_path / "var"
    unconfigured = {"PROCURA_ENV": "production", "PROCURA_VAR_DIR": str(var), "DATABASE_URL": "postgres://nowhere/x"}
    # when it is checked with the key file, it verifies
    result = _run(["receipts", "verify", str(receipt), "--public-key", str(pem)], tmp_path, **unconfigured)
    assert (result.returncode, result.stderr) == (0, "")
    assert f"tender: {issued.ocid} (Examination gloves for regional hospitals)" in result.stdout.splitlines()
    # and an altered copy fails
    altered = _write(tmp_path, "altered.json", _altered(issued.document, _one_character_later))
    result = _run(["receipts", "verify", str(altered), "--public-key", str(pem)], tmp_path, **unconfigured)
    assert result.returncode == 1
    assert "NOT VALID: the signature does not match" in result.stdout
    # while without the key file it needs the platform's settings, and says so without a traceback
    result = _run(["receipts", "verify", str(receipt)], tmp_path, **unconfigured)
    assert result.returncode == 2
    assert result.stderr.startswith("procura: error: Refusing to start in production mode")
    assert "Traceback" not in result.stderr
    assert not var.exists()  # nothing was written: no keys generated, no database created
