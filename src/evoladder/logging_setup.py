"""Structured logging: one line per event, key=value (text) or JSON, never a secret.

Events are logged as ``log.info("match.final", extra={"fields": {...}})`` or with the helper
``event(log, "match.final", match_id=1)``; the formatter renders the fields on the same line.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
        fields = getattr(record, "fields", None) or {}
        tail = " ".join(f"{k}={_fmt(v)}" for k, v in fields.items())
        line = f"{ts}Z {record.levelname:<7} {record.name} {record.getMessage()}"
        if tail:
            line += " " + tail
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        payload.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str, ensure_ascii=False)


def _fmt(value: object) -> str:
    text = str(value)
    return json.dumps(text, ensure_ascii=False) if (" " in text or not text) else text


def event(logger: logging.Logger, name: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one event with its fields on one line."""
    if logger.isEnabledFor(level):
        logger.log(level, name, extra={"fields": fields})


def configure_logging(level: str = "INFO", fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_JsonFormatter() if fmt == "json" else _TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # discord.py logs every gateway frame at DEBUG; keep its noise at WARNING unless asked.
    for noisy in ("discord", "aiosqlite", "asyncio", "alembic.runtime.migration"):
        logging.getLogger(noisy).setLevel(max(logging.getLevelName(level), logging.WARNING))
