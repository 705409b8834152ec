"""Structured JSON logs with a request id, and a last-line-of-defence scrubber.

Code must not log personal data in the first place (log ids and counts, not names). The
:class:`PersonalDataScrubber` still masks anything shaped like an e-mail, a phone number, an
INE or a date of birth that slips into a log line.
"""

from __future__ import annotations

import json
import logging
import re
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import Any

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

_PERSONAL_PATTERNS = [
    re.compile(r"[^\s@<>\"']+@[^\s@<>\"']+\.[A-Za-z]{2,}"),  # e-mail
    re.compile(r"(?:\+33|0033|\b0)[\s.-]?[1-9](?:[\s.-]?\d{2}){4}\b"),  # French phone
    re.compile(r"\b\d{9}[A-Za-z]{2}\b|\b\d{10}[A-Za-z]\b|\b\d{4}A\d{5}[A-Za-z]\b"),  # INE
    re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b"),  # dates
]
_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "color_message"}


def current_request_id() -> str | None:
    return _request_id.get()


def set_request_id(value: str | None) -> Token[str | None]:
    return _request_id.set(value)


def reset_request_id(token: Token[str | None]) -> None:
    _request_id.reset(token)


def scrub(text: str) -> str:
    """Mask values shaped like personal data."""
    for pattern in _PERSONAL_PATTERNS:
        text = pattern.sub("[redacted]", text)
    return text


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        request_id = current_request_id()
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = scrub(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(level: str = "INFO") -> None:
    """Route every log record (ours, uvicorn's, APScheduler's) through the JSON formatter."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Access lines are written by RequestContextMiddleware, without query strings.
    logging.getLogger("uvicorn.access").disabled = True
