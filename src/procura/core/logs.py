"""Structured logging: every record carries the request id of the request that produced it."""

from __future__ import annotations

import logging

from procura.core import context


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        ctx = context.current()
        record.request_id = ctx.request_id if ctx else None
        return True
