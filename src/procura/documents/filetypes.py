"""Which files Procura accepts: file-name hygiene, types by extension checked against their real
content (magic bytes, the parts of an office file), and the size limit of each kind."""

from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import IO

from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from procura.core.errors import InvalidInput
from procura.documents.conf import documents_settings

MB = 1024 * 1024
MAX_FILE_NAME_LENGTH = 150
# How much of the start of a file is read to recognise it.
HEAD_SIZE = 8192

PDF_MAGIC = b"%PDF-"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
ZIP_MAGIC = b"PK\x03\x04"
# Formats a .csv or .txt must not be (executables are caught by their NUL bytes).
BINARY_MAGICS = (PDF_MAGIC, PNG_MAGIC, JPEG_MAGIC, ZIP_MAGIC, b"PK\x05\x06", b"\xd0\xcf\x11\xe0")

_UNSAFE_CHARACTERS = re.compile(r'[\\/:*?"<>|]')
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10)), *(f"LPT{n}" for n in range(1, 10))}
)


@dataclass(frozen=True)
class FileType:
    extension: str  # the canonical extension, without the dot
    label: str | Promise  # how people call it: "PDF", "Word document (DOCX)"
    media_type: str
    size_group: str  # key of DOCUMENTS["max_sizes"]
    # Members an office file (a ZIP) must contain, or the content of its "mimetype" member (ODF).
    zip_members: tuple[str, ...] = ()
    odf_mimetype: str = ""


FILE_TYPES: dict[str, FileType] = {
    t.extension: t
    for t in (
        FileType("pdf", "PDF", "application/pdf", "pdf"),
        FileType("png", gettext_lazy("PNG image"), "image/png", "image"),
        FileType("jpg", gettext_lazy("JPEG image"), "image/jpeg", "image"),
        FileType("csv", "CSV", "text/csv", "text"),
        FileType("txt", gettext_lazy("Plain text"), "text/plain", "text"),
        FileType(
            "docx",
            gettext_lazy("Word document (DOCX)"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "office",
            zip_members=("[Content_Types].xml", "word/document.xml"),
        ),
        FileType(
            "xlsx",
            gettext_lazy("Excel workbook (XLSX)"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "office",
            zip_members=("[Content_Types].xml", "xl/workbook.xml"),
        ),
        FileType(
            "odt",
            gettext_lazy("OpenDocument text (ODT)"),
            "application/vnd.oasis.opendocument.text",
            "office",
            odf_mimetype="application/vnd.oasis.opendocument.text",
        ),
        FileType(
            "ods",
            gettext_lazy("OpenDocument spreadsheet (ODS)"),
            "application/vnd.oasis.opendocument.spreadsheet",
            "office",
            odf_mimetype="application/vnd.oasis.opendocument.spreadsheet",
        ),
        FileType("zip", gettext_lazy("ZIP archive"), "application/zip", "zip"),
    )
}
EXTENSION_ALIASES = {"jpeg": "jpg"}


def sanitise_file_name(name: str) -> str:
    """A name safe in any file system and header: no folders, control or reserved characters,
    at most MAX_FILE_NAME_LENGTH characters, extension kept. Empty if nothing usable is left."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(" " if unicodedata.category(c).startswith(("C", "Z")) else c for c in name)
    name = _UNSAFE_CHARACTERS.sub(" ", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    stem = stem.strip(" .")
    if stem.upper() in _WINDOWS_RESERVED:
        stem += "_"
    extension = extension.lower()
    if len(stem) + len(extension) + 1 > MAX_FILE_NAME_LENGTH:
        stem = stem[: MAX_FILE_NAME_LENGTH - len(extension) - 1].rstrip(" .")
    if not stem:
        return ""
    return f"{stem}.{extension}" if extension else stem


def allowed_extensions() -> list[str]:
    return [ext for ext in documents_settings()["allowed_extensions"] if ext in FILE_TYPES or ext in EXTENSION_ALIASES]


def type_for(file_name: str) -> FileType:
    """The type a file name claims by its extension; refused if not an allowed type."""
    _stem, dot, extension = file_name.rpartition(".")
    extension = extension.lower() if dot else ""
    allowed = allowed_extensions()
    names = ", ".join(e.upper() for e in allowed)
    if len(allowed) > 1:
        names = _("%(types)s or %(last)s") % {
            "types": ", ".join(e.upper() for e in allowed[:-1]),
            "last": allowed[-1].upper(),
        }
    if not extension:
        raise _refuse(
            _("%(name)s has no file extension. Upload a file of one of these types: %(types)s.")
            % {"name": file_name, "types": names}
        )
    if extension not in allowed:
        raise _refuse(
            _("%(name)s is a .%(extension)s file. Upload a file of one of these types: %(types)s.")
            % {"name": file_name, "extension": extension, "types": names}
        )
    return FILE_TYPES[EXTENSION_ALIASES.get(extension, extension)]


def size_limit(file_type: FileType) -> int:
    return int(documents_settings()["max_sizes"][file_type.size_group])


def format_size(size: int) -> str:
    """'61 MB', '12.5 MB', '300 KB', '120 bytes': whole numbers where they are exact."""
    if size < 1024:
        return ngettext("%(size)s byte", "%(size)s bytes", size) % {"size": formats.number_format(size)}
    if size >= MB:
        value, unit = size / MB, _("%(size)s MB")
    else:
        value, unit = size / 1024, _("%(size)s KB")
    decimals = 0 if value == int(value) or value >= 100 else 1
    return unit % {"size": formats.number_format(value, decimal_pos=decimals)}


def check_size(file_name: str, file_type: FileType, size: int, *, complete: bool = True) -> None:
    """Refuse an empty file or one over its type's limit. `complete=False`: `size` is only how
    much was read before the limit was passed, so the message cannot say the full size."""
    if size == 0:
        raise _refuse(_("%(name)s is empty. Choose a file with content.") % {"name": file_name})
    limit = size_limit(file_type)
    if size <= limit:
        return
    values = {"name": file_name, "size": format_size(size), "type": file_type.label, "limit": format_size(limit)}
    if complete:
        raise _refuse(_("%(name)s is %(size)s; %(type)s files may be at most %(limit)s.") % values)
    raise _refuse(_("%(name)s is larger than %(limit)s, the most allowed for %(type)s files.") % values)


def check_content(file_name: str, file_type: FileType, head: bytes, stream: IO[bytes]) -> None:
    """Refuse a file whose content is not what its extension says. `head` is the start of the
    file; `stream` the whole file (seekable), for reading an office file's table of contents."""
    if not _content_matches(file_type, head, stream):
        raise _refuse(
            _(
                "%(name)s is not a real %(type)s file: its content does not match its .%(extension)s "
                "extension. Check you chose the right file, or save it again in that format."
            )
            % {"name": file_name, "type": file_type.label, "extension": file_name.rpartition(".")[2]}
        )


def _content_matches(file_type: FileType, head: bytes, stream: IO[bytes]) -> bool:
    extension = file_type.extension
    if extension == "pdf":
        return head.startswith(PDF_MAGIC)
    if extension == "png":
        return head.startswith(PNG_MAGIC)
    if extension == "jpg":
        return head.startswith(JPEG_MAGIC)
    if extension in {"csv", "txt"}:
        # Text has no signature: refuse what is surely binary (a NUL, a known binary format).
        return b"\0" not in head and not head.startswith(BINARY_MAGICS)
    if not head.startswith(ZIP_MAGIC):
        return False
    try:
        stream.seek(0)
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            if file_type.odf_mimetype:
                if "mimetype" not in names:
                    return False
                with archive.open("mimetype") as member:
                    return member.read(200).strip() == file_type.odf_mimetype.encode()
            return all(member in names for member in file_type.zip_members)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
        return False
    finally:
        stream.seek(0)


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(message, fields={"file": [message]})
