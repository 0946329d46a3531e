"""Logging set-up: readable lines by default, one JSON object per line on request.

`ASSISTANT_LOG_FORMAT=json` makes every record (the access log, uvicorn's, warnings) a JSON
object with `time`, `level`, `logger` and `message`, plus the named fields a record carries
(the access log's `request_id`, `method`, `path`, `status`, `ms`, `index`), for a log
collector to index without parsing text.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

TEXT_FORMAT = "%(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            out.update(fields)
        if record.exc_info:
            out["error"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def configure(level: int, fmt: str = "text") -> None:
    """Route every logger to standard error in the chosen format ("text" or "json")."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("assistant").setLevel(logging.INFO)  # one access line per request
    for name in ("uvicorn", "uvicorn.error"):  # uvicorn's lines in the same format
        uvicorn = logging.getLogger(name)
        uvicorn.handlers.clear()
        uvicorn.propagate = True
