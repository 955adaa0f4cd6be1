"""Small real files of each accepted type, the EICAR test file, and a fake clamd to scan them."""

from __future__ import annotations

import io
import socket
import socketserver
import struct
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(20) + b"\xff\xd9"
CSV = b"lot,item,quantity\n1,Desks,40\n1,Chairs,80\n"
TXT = b"Clarification: the site visit is on 3 March.\n"

# The EICAR anti-virus test file, assembled here so this source file itself is not flagged.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!" + b"$H+H*"


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


DOCX = zip_of({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = zip_of({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
ODT = zip_of({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office/>"})
ODS = zip_of({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<office/>"})
ZIP = zip_of({"drawings/site-plan.pdf": PDF})


def named(content: bytes, name: str) -> io.BytesIO:
    """A binary stream with a name, as a higher app or an importer would pass one."""
    stream = io.BytesIO(content)
    stream.name = name
    return stream


class Unseekable:
    """A stream that can only be read forward and does not know its size: a pipe, a request body."""

    def __init__(self, content: bytes, name: str) -> None:
        self._source = io.BytesIO(content)
        self.name = name

    def read(self, size: int = -1) -> bytes:
        return self._source.read(size)

    @property
    def consumed(self) -> int:
        return self._source.tell()


def stored_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


class _ClamdHandler(socketserver.StreamRequestHandler):
    """Just enough of clamd: `zINSTREAM`, length-prefixed chunks, a NUL-ended reply."""

    server: _FakeClamdMixin  # type: ignore[assignment]

    def handle(self) -> None:
        command = b""
        while not command.endswith(b"\0"):
            byte = self.rfile.read(1)
            if not byte:
                return
            command += byte
        self.server.commands.append(command)
        if command != b"zINSTREAM\0":
            self.wfile.write(b"UNKNOWN COMMAND\0")
            return
        data = b""
        while (length := struct.unpack(">I", self.rfile.read(4))[0]) != 0:
            data += self.rfile.read(length)
        self.server.streams.append(data)
        self.wfile.write(b"stream: Eicar-Signature FOUND\0" if EICAR in data else b"stream: OK\0")


class _FakeClamdMixin(socketserver.ThreadingMixIn):
    daemon_threads = True
    commands: list[bytes]
    streams: list[bytes]


class _TcpClamd(_FakeClamdMixin, socketserver.TCPServer):
    allow_reuse_address = True


class _UnixClamd(_FakeClamdMixin, socketserver.UnixStreamServer):
    pass


@contextmanager
def fake_clamd(*, unix: bool = False) -> Iterator[tuple[str, _FakeClamdMixin]]:
    """A fake clamd on a free local port (or a Unix socket): yields its address and the server,
    whose `commands` and `streams` record what it was sent."""
    with tempfile.TemporaryDirectory(dir="/tmp") as folder:  # short: Unix socket paths are limited
        server: _TcpClamd | _UnixClamd
        if unix:
            path = str(Path(folder) / "clamd.sock")
            server = _UnixClamd(path, _ClamdHandler)
            address = path
        else:
            server = _TcpClamd(("127.0.0.1", 0), _ClamdHandler)
            address = f"127.0.0.1:{server.server_address[1]}"
        server.commands, server.streams = [], []
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield address, server
        finally:
            server.shutdown()
            server.server_close()
            thread.join()


def unreachable_address() -> str:
    """A local port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"127.0.0.1:{port}"
