"""Errors that services raise, each with a stable code the API and pages turn into one envelope."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    INVALID = "invalid"
    NOT_AUTHENTICATED = "not_authenticated"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    RULE_VIOLATION = "rule_violation"
    RATE_LIMITED = "rate_limited"
    TWO_FACTOR_REQUIRED = "two_factor_required"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    SERVER_ERROR = "server_error"


class ProcuraError(Exception):
    """A failure the user can act on. `fields` maps a field name to its messages."""

    code: ErrorCode = ErrorCode.INVALID
    status: int = 400

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = str(message)
        self.fields = {name: [str(m) for m in msgs] for name, msgs in (fields or {}).items()}

    @classmethod
    def for_field(cls, field: str, message: str) -> ProcuraError:
        return cls(message, fields={field: [message]})

    def envelope(self) -> dict[str, Any]:
        return error_envelope(self.code, self.message, self.fields)


class InvalidInput(ProcuraError):
    code = ErrorCode.INVALID
    status = 422


class NotAuthenticated(ProcuraError):
    code = ErrorCode.NOT_AUTHENTICATED
    status = 401


class PermissionDenied(ProcuraError):
    code = ErrorCode.PERMISSION_DENIED
    status = 403


class TwoFactorRequired(PermissionDenied):
    code = ErrorCode.TWO_FACTOR_REQUIRED


class NotFound(ProcuraError):
    code = ErrorCode.NOT_FOUND
    status = 404


class Conflict(ProcuraError):
    code = ErrorCode.CONFLICT
    status = 409


class RuleViolation(ProcuraError):
    code = ErrorCode.RULE_VIOLATION
    status = 422


def error_envelope(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """The one error shape of the API: {"error": {"code", "message", "fields"}}."""
    return {"error": {"code": str(code), "message": str(message), "fields": fields or {}}}
