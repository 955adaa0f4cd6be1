"""Envelope encryption of bids: a data key per tender, wrapped by the platform key.

Each tender gets a random 256-bit data key the first time a bid for it is sealed. Bid content
and files are encrypted with AES-256-GCM under it, with associated data that binds each
ciphertext to its bid, so a sealed value cannot be moved to another bid. The data key itself is
stored only wrapped by a `KeyManager`: by default the platform key from settings
(PROCURA_SEALING_KEY); a key-management service (AWS KMS, Vault transit…) implements the same
two methods and is named in PROCURA_KEY_MANAGER.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from functools import cache
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

SEALED_FORMAT = b"\x01"  # first byte of every sealed value: AES-256-GCM, 96-bit nonce
NONCE_BYTES = 12


class SealBroken(Exception):
    """A sealed value does not decrypt: wrong key, wrong bid, or altered bytes."""


class KeyManager(Protocol):
    """Wraps and unwraps data keys. `name` identifies the key that wrapped (stored with it)."""

    @property
    def name(self) -> str: ...

    def wrap(self, data_key: bytes, *, context: bytes) -> bytes: ...

    def unwrap(self, wrapped: bytes, *, context: bytes) -> bytes: ...


def decode_key(value: str, *, setting: str) -> bytes:
    """A 32-byte key from its base64url text, or a message naming the setting."""
    try:
        key = base64.urlsafe_b64decode(value.strip() + "=" * (-len(value.strip()) % 4))
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"{setting} is not base64url text") from None
    if len(key) != 32:
        raise ImproperlyConfigured(f"{setting} must be 32 random bytes, base64url-encoded (it is {len(key)} bytes)")
    return key


class SettingsKeyManager:
    """The platform key from settings (PROCURA_SEALING_KEY), used with AES-256-GCM to wrap."""

    def __init__(self) -> None:
        self._key = decode_key(str(getattr(settings, "SEALING_KEY", "")), setting="PROCURA_SEALING_KEY")
        self._name = "settings:" + hashlib.sha256(self._key).hexdigest()[:16]

    @property
    def name(self) -> str:
        return self._name

    def wrap(self, data_key: bytes, *, context: bytes) -> bytes:
        return seal(self._key, data_key, context)

    def unwrap(self, wrapped: bytes, *, context: bytes) -> bytes:
        return unseal(self._key, wrapped, context)


@cache
def _key_manager(path: str) -> KeyManager:
    manager: KeyManager = import_string(path)()
    return manager


def key_manager() -> KeyManager:
    return _key_manager(str(getattr(settings, "KEY_MANAGER", "procura.bids.sealing.SettingsKeyManager")))


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def seal(key: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return SEALED_FORMAT + nonce + AESGCM(key).encrypt(nonce, plaintext, associated_data)


def unseal(key: bytes, sealed: bytes, associated_data: bytes) -> bytes:
    sealed = bytes(sealed)
    if len(sealed) < 1 + NONCE_BYTES + 16 or sealed[:1] != SEALED_FORMAT:
        raise SealBroken("not a sealed value")
    nonce, ciphertext = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, associated_data)
    except InvalidTag:
        raise SealBroken("the sealed value does not decrypt with this key and context") from None


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
