"""`procura receipts verify RECEIPT`: check a signed bid receipt offline.

A supplier (or a court, years later) holds a receipt and the platform's public key, published at
/receipts/public-key.pem. Checking one needs nothing else: no database, no network, no
configuration — `--public-key` names the key file and Django is never set up. Without it the
platform's own configured key is used (that needs the settings, not the database).

Exit status: 0 the receipt is valid, 1 it fails verification (altered, or signed by another
key; the reason is printed), 2 the input is unusable (no such file, not JSON, not a receipt, not
a public key). Messages are in English, like the other `procura` tools: they run without settings.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from procura.bids import receipts

MAX_RECEIPT_BYTES = 1_000_000  # a receipt is about 1 KB; anything this large is something else
MAX_KEY_BYTES = 100_000
STDIN = "-"


class UnusableInput(Exception):
    """A receipt or key file that cannot be read or is not what it should be: the message says which."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Check a bid receipt offline: that the platform signed it (Ed25519) and that nothing in it "
        "changed since. Without --public-key the platform's configured receipt key is used; with it, "
        "only the PEM file is needed (download it from /receipts/public-key.pem). Prints the facts "
        "the receipt certifies. Exit status 0 when valid, 1 when it fails verification, 2 for "
        "unusable input."
    )
    parser.add_argument(
        "receipt",
        metavar="RECEIPT",
        help="the receipt file (JSON, as downloaded or as the API answered), or - for standard input",
    )
    parser.add_argument(
        "--public-key",
        metavar="PEM_FILE",
        help="the platform's public key as a PEM file (default: this platform's configured key)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the verified receipt's content as JSON instead of the summary "
        "(a failed verification is then reported on standard error)",
    )


def run(args: argparse.Namespace, *, configured_key: Callable[[], Ed25519PublicKey] = receipts.public_key) -> int:
    """Verify `args.receipt` against `--public-key` or else `configured_key()`; print the verdict."""
    source = "standard input" if args.receipt == STDIN else str(args.receipt)
    try:
        key = read_public_key(args.public_key) if args.public_key else configured_key()
        document = read_receipt(args.receipt)
    except UnusableInput as exc:
        _error(str(exc))
        return 2
    try:
        payload = receipts.verify(document, key)
    except receipts.ReceiptInvalid as exc:
        out = sys.stderr if args.json else sys.stdout
        out.write(f"{source}: NOT VALID: {exc}\n")
        return 1
    if args.json:
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    else:
        print_summary(source, payload, receipts.key_id(key), out=sys.stdout)
    return 0


def read_receipt(name: str) -> bytes:
    """The receipt document, once it is known to be a JSON object shaped like a receipt (whether
    its content and signature hold is for `receipts.verify` to say). The API's answer to a
    submission, which holds the document under "receipt", is taken too."""
    label = "standard input" if name == STDIN else name
    body = sys.stdin.buffer.read(MAX_RECEIPT_BYTES + 1) if name == STDIN else _read_file(name, MAX_RECEIPT_BYTES)
    if len(body) > MAX_RECEIPT_BYTES:
        raise UnusableInput(f"{label}: is too large to be a receipt (over {MAX_RECEIPT_BYTES:,} bytes)")
    if not body.strip():
        raise UnusableInput(f"{label}: is empty")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise UnusableInput(f"{label}: is not JSON ({exc})") from None
    inner = data.get("receipt") if isinstance(data, dict) else None
    if isinstance(data, dict) and "signature" not in data and isinstance(inner, dict) and "signature" in inner:
        # The API's answer to a submission carries the signed document as its "receipt".
        return json.dumps(inner, ensure_ascii=False).encode()
    if not isinstance(data, dict) or "receipt" not in data or "signature" not in data:
        raise UnusableInput(f'{label}: is not a bid receipt (a JSON object with "receipt" and "signature")')
    return body


def read_public_key(name: str) -> Ed25519PublicKey:
    body = _read_file(name, MAX_KEY_BYTES)
    try:
        return receipts.load_public_key(body)
    except receipts.ReceiptInvalid as exc:
        raise UnusableInput(f"{name}: {exc}") from None
    except (UnsupportedAlgorithm, TypeError):
        raise UnusableInput(f"{name}: the public key is not an Ed25519 key") from None


def _read_file(name: str, limit: int) -> bytes:
    try:
        with Path(name).open("rb") as handle:
            return handle.read(limit + 1)
    except FileNotFoundError:
        raise UnusableInput(f"{name}: no such file") from None
    except IsADirectoryError:
        raise UnusableInput(f"{name}: is a directory, not a file") from None
    except OSError as exc:
        raise UnusableInput(f"{name}: cannot be read ({exc.strerror or exc})") from None


def _part(payload: dict[str, Any], name: str, *keys: str) -> str:
    """`payload[name][key]` for the first key present, as text ('' when absent)."""
    value = payload.get(name)
    if not isinstance(value, dict):
        return "" if value is None else str(value)
    for key in keys:
        if value.get(key) not in (None, ""):
            return str(value[key])
    return ""


def _labelled(identifier: str, name: str) -> str:
    return f"{identifier} ({name})" if identifier and name else identifier or name or "-"


def print_summary(source: str, payload: dict[str, Any], key_id: str, *, out: TextIO) -> None:
    """The facts a valid receipt certifies, one per line."""
    bid = _part(payload, "bid", "id")
    version = _part(payload, "bid", "version")
    lines = [
        f"{source}: VALID: signed by the platform key {key_id}",
        f"kind: {payload.get('kind', '-')}",
        f"tender: {_labelled(_part(payload, 'tender', 'ocid'), _part(payload, 'tender', 'title'))}",
        f"lot: {_labelled(_part(payload, 'lot', 'id'), _part(payload, 'lot', 'title'))}",
        f"supplier: {_labelled(_part(payload, 'supplier', 'id'), _part(payload, 'supplier', 'name'))}",
        f"bid: {bid or '-'}" + (f", version {version}" if version else ""),
        f"time: {payload.get('time', '-')}",
        f"sealed SHA-256: {payload.get('sealed_content_sha256', '-')}",
        f"key id: {key_id}",
        f"receipt id: {payload.get('id', '-')}",
        f"platform: {payload.get('platform', '-')}",
    ]
    out.write("\n".join(lines) + "\n")


def _error(message: str) -> None:
    sys.stderr.write(f"procura: error: {message}\n")
