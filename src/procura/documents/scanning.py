"""Malware scanning of uploads: one small interface, a scanner that does nothing, and clamd.

Decisions (what each scan status means for the file):

- `clean`: a scanner looked at the file and found nothing. Served.
- `unscanned`: no scanner is configured (`DOCUMENTS["clamd_address"]` and `DOCUMENTS["scanner"]`
  empty), so `NullScanner` passed the file through untouched. Served: a deployment without a
  scanner has chosen to trust its users, and refusing every file would make it unusable. The
  status says so honestly instead of claiming "clean", and a later rescan can replace it.
  Production deployments should configure clamd.
- `failed`: a scanner is configured but could not scan (unreachable, timed out, refused the
  stream). The file is stored, so a rescan can settle it, but it is never served meanwhile.
- `infected`: the scanner found malware. An upload found infected is refused outright and its
  bytes never reach storage; a stored file found infected by a later rescan is deleted from
  storage. Either way nothing infected is ever served.
- `pending`: the row exists but no scan has finished (reserved for asynchronous scanning).
  Not served.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from typing import Protocol, cast

from django.db import models
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from procura.documents.conf import documents_settings

CHUNK_SIZE = 64 * 1024


class ScanStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the malware scan")
    CLEAN = "clean", _("Scanned: no malware found")
    UNSCANNED = "unscanned", _("Not scanned: no scanner configured")
    INFECTED = "infected", _("Malware found")
    FAILED = "failed", _("The malware scan could not be done")


# Only these may ever be served to anyone.
SERVABLE_SCAN_STATUSES = frozenset({ScanStatus.CLEAN, ScanStatus.UNSCANNED})


@dataclass(frozen=True)
class ScanResult:
    status: ScanStatus
    detail: str = ""


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class Scanner(Protocol):
    """Reads `stream` from its current position to the end and says what it found. Never raises
    for a scanning problem: it returns a `failed` result with the reason instead."""

    def scan(self, stream: Readable) -> ScanResult: ...


class NullScanner:
    """The scanner when none is configured: every file is `unscanned`."""

    def scan(self, stream: Readable) -> ScanResult:
        return ScanResult(ScanStatus.UNSCANNED, "not scanned: no scanner configured")


class ClamdScanner:
    """Speaks clamd's INSTREAM protocol over TCP (`host:port`, `[::1]:3310`) or a Unix socket
    (`/run/clamav/clamd.ctl`, `unix:/run/clamav/clamd.ctl`).

    clamd refuses streams longer than its `StreamMaxLength` (25 MB by default): set it at least
    to the largest upload allowed in `DOCUMENTS["max_sizes"]`, or those files end up `failed`.
    """

    def __init__(self, address: str, *, timeout: float = 30.0) -> None:
        self.address = address.strip()
        self.timeout = timeout

    def _connect(self) -> socket.socket:
        address = self.address.removeprefix("unix:")
        if address.startswith("/"):
            unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            unix.settimeout(self.timeout)
            try:
                unix.connect(address)
            except BaseException:
                unix.close()
                raise
            return unix
        host, separator, port = address.rpartition(":")
        if not separator or not port.isdigit():
            raise ValueError(f"clamd address {self.address!r} is neither host:port nor a socket path")
        return socket.create_connection((host.strip("[]"), int(port)), timeout=self.timeout)

    def scan(self, stream: Readable) -> ScanResult:
        try:
            connection = self._connect()
        except (OSError, ValueError) as exc:
            return ScanResult(ScanStatus.FAILED, f"clamd unreachable at {self.address}: {exc}")
        with connection:
            try:
                connection.sendall(b"zINSTREAM\0")
                while chunk := stream.read(CHUNK_SIZE):
                    connection.sendall(struct.pack(">I", len(chunk)) + chunk)
                connection.sendall(struct.pack(">I", 0))
            except OSError as exc:
                # clamd closes the stream early when it exceeds StreamMaxLength; its reply says why.
                reply = _read_reply(connection)
                return _parse(reply) if reply else ScanResult(ScanStatus.FAILED, f"clamd stream broken: {exc}")
            try:
                reply = _read_reply(connection, strict=True)
            except OSError as exc:
                return ScanResult(ScanStatus.FAILED, f"clamd did not answer: {exc}")
        return _parse(reply)


def _read_reply(connection: socket.socket, *, strict: bool = False) -> str:
    """clamd's answer, up to the NUL that ends it (`z` commands) or the end of the connection."""
    received = b""
    try:
        while b"\0" not in received and len(received) < 4096:
            data = connection.recv(4096)
            if not data:
                break
            received += data
    except OSError:
        if strict:
            raise
    return received.split(b"\0", 1)[0].decode("utf-8", "replace").strip()


def _parse(reply: str) -> ScanResult:
    # "stream: OK", "stream: Eicar-Signature FOUND", "INSTREAM size limit exceeded. ERROR"
    answer = reply.partition(": ")[2] if reply.startswith("stream: ") else reply
    if answer == "OK":
        return ScanResult(ScanStatus.CLEAN, "clamd: OK")
    if answer.endswith(" FOUND"):
        return ScanResult(ScanStatus.INFECTED, answer.removesuffix(" FOUND").strip())
    return ScanResult(ScanStatus.FAILED, f"clamd answered: {reply or 'nothing'}"[:500])


def configured_scanner() -> Scanner:
    """`DOCUMENTS["scanner"]` (a dotted path to a Scanner class) if set; else clamd if
    `DOCUMENTS["clamd_address"]` is set; else the NullScanner."""
    config = documents_settings()
    if config.get("scanner"):
        return cast(Scanner, import_string(config["scanner"])())
    if config.get("clamd_address"):
        return ClamdScanner(config["clamd_address"], timeout=float(config.get("clamd_timeout", 30)))
    return NullScanner()
