"""Opt-in question log for quality work: scrubbed text, no identifiers, enforced retention.

Off unless ASSISTANT_QUESTION_LOG is set. A row holds the time (to the hour),
the question with personal data patterns replaced, whether it was answered and
how many passages were cited: no IP address, no cookie, no session id. Rows
older than the retention period are deleted at start and then at most hourly.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

#: Replaced before anything is stored: e-mail, Swedish personal identity and phone numbers.
_PERSONAL = [
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "[e-post]"),
    (re.compile(r"\b(19|20)?\d{6}[-+ ]?\d{4}\b"), "[personnummer]"),
    (re.compile(r"(\+46|\b0)[\d -]{6,14}\d\b"), "[telefon]"),
]
PURGE_EVERY = 3600.0  # seconds


def scrub(text: str) -> str:
    """The text with e-mail addresses, personal identity and phone numbers replaced."""
    for pattern, replacement in _PERSONAL:
        text = pattern.sub(replacement, text)
    return text


class QuestionLog:
    """Appends scrubbed questions to SQLite and purges old ones.

    Example:
        >>> log = QuestionLog(Path("var/questions.sqlite"), retention_days=30)
        >>> log.record("När startade samarbetet?", answered=True, citations=1)
    """

    def __init__(
        self, path: Path, *, retention_days: int, clock: Callable[[], float] = time.time
    ) -> None:
        self.path = path
        self.retention_days = retention_days
        self.clock = clock
        self._lock = threading.Lock()
        self._last_purge = 0.0
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS questions ("
                " hour INTEGER NOT NULL, question TEXT NOT NULL,"
                " answered INTEGER NOT NULL, citations INTEGER NOT NULL)"
            )
        self.purge()

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def record(self, question: str, *, answered: bool, citations: int) -> None:
        """Store one scrubbed question; purges old rows when an hour has passed."""
        now = self.clock()
        hour = int(now // 3600 * 3600)  # to the hour: no exact timing to link with other logs
        with self._lock, self._connect() as db:
            db.execute(
                "INSERT INTO questions VALUES (?, ?, ?, ?)",
                (hour, scrub(question), int(answered), citations),
            )
        if now - self._last_purge >= PURGE_EVERY:
            self.purge()

    def purge(self) -> int:
        """Delete rows older than the retention period; returns how many went."""
        now = self.clock()
        cutoff = now - self.retention_days * 86400
        with self._lock, self._connect() as db:
            deleted = db.execute("DELETE FROM questions WHERE hour < ?", (cutoff,)).rowcount
        self._last_purge = now
        return int(deleted)
