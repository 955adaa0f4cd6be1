"""Signed bid receipts (Ed25519): make, verify, and the platform's public key.

A receipt is a JSON document `{"receipt": {...}, "signature": {"algorithm": "Ed25519",
"key_id": "...", "value": "<base64>"}}`. The signature covers the canonical JSON of `receipt`
(`domain.canonical_json`). Verification needs nothing but the public key, published at
/receipts/public-key.pem, so a supplier (or a court) can check a receipt offline, years later.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from functools import cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from procura.bids.domain import RECEIPT_TYPE, canonical_json
from procura.bids.sealing import decode_key

ALGORITHM = "Ed25519"


class ReceiptInvalid(Exception):
    """The receipt is malformed, signed by another key, or altered since it was signed."""


@cache
def _signing_key(value: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(decode_key(value, setting="PROCURA_RECEIPT_SIGNING_KEY"))


def signing_key() -> Ed25519PrivateKey:
    return _signing_key(str(getattr(settings, "RECEIPT_SIGNING_KEY", "")))


def public_key() -> Ed25519PublicKey:
    return signing_key().public_key()


def key_id(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_key_pem(key: Ed25519PublicKey | None = None) -> str:
    key = key or public_key()
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError:
        raise ReceiptInvalid("the public key is not a PEM-encoded key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ReceiptInvalid("the public key is not an Ed25519 key")
    return key


def sign(payload: dict[str, Any]) -> str:
    """The signed receipt document for `payload`, as the JSON text the supplier downloads."""
    key = signing_key()
    signature = key.sign(canonical_json(payload))
    document = {
        "receipt": payload,
        "signature": {
            "algorithm": ALGORITHM,
            "key_id": key_id(key.public_key()),
            "value": base64.b64encode(signature).decode(),
        },
    }
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def verify(document: str | bytes, key: Ed25519PublicKey) -> dict[str, Any]:
    """The receipt's payload if `document` is a receipt signed by `key`; else ReceiptInvalid
    saying what is wrong."""
    try:
        data = json.loads(document)
    except (ValueError, UnicodeDecodeError):
        raise ReceiptInvalid("the receipt is not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("receipt"), dict):
        raise ReceiptInvalid('the receipt has no "receipt" object')
    payload = data["receipt"]
    signature = data.get("signature")
    if not isinstance(signature, dict) or not isinstance(signature.get("value"), str):
        raise ReceiptInvalid('the receipt has no "signature" with a "value"')
    if signature.get("algorithm") != ALGORITHM:
        raise ReceiptInvalid(f"the signature algorithm is {signature.get('algorithm')!r}, not {ALGORITHM}")
    if payload.get("type") != RECEIPT_TYPE:
        raise ReceiptInvalid(f"this is not a Procura bid receipt (type {payload.get('type')!r})")
    expected_id = key_id(key)
    if signature.get("key_id") != expected_id:
        raise ReceiptInvalid(
            f"the receipt was signed with key {signature.get('key_id')!r}, not this public key ({expected_id})"
        )
    try:
        raw = base64.b64decode(signature["value"], validate=True)
    except (binascii.Error, ValueError):
        raise ReceiptInvalid("the signature value is not base64") from None
    try:
        key.verify(raw, canonical_json(payload))
    except InvalidSignature:
        raise ReceiptInvalid("the signature does not match: the receipt was altered after it was signed") from None
    return payload
