"""Opt-in question log for quality work: scrubbed text, no identifiers, enforced retention.

Off unless ASSISTANT_QUESTION_LOG is set. A row holds the time (to the hour),
the question with personal data patterns replaced, whether it was answered and
how many passages were cited: no IP address, no cookie, no session id. Rows
older than the retention period are deleted at start and then at most hourly, and
beyond `max_rows` the oldest rows go. The scrubber is `assistant.privacy.scrub`, the
one shared by everything that stores text (re-exported here).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from assistant.privacy import PURGE_EVERY, cap_rows, rescrub, scrub

__all__ = ["PURGE_EVERY", "QuestionLog", "scrub"]


class QuestionLog:
    """Appends scrubbed questions to SQLite and purges old ones.

    Example:
        >>> log = QuestionLog(Path("var/questions.sqlite"), retention_days=30)
        >>> log.record("När startade samarbetet?", answered=True, citations=1)
    """

    def __init__(
        self,
        path: Path,
        *,
        retention_days: int,
        max_rows: int = 100_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self.retention_days = retention_days
        self.max_rows = max_rows
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
            rescrub(db, "questions", "question")  # rows stored under older rules
        self.purge()

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def record(self, question: str, *, answered: bool, citations: int) -> None:
        """Store one scrubbed question, keep at most `max_rows`; purges old rows hourly."""
        now = self.clock()
        hour = int(now // 3600 * 3600)  # to the hour: no exact timing to link with other logs
        with self._lock, self._connect() as db:
            db.execute(
                "INSERT INTO questions VALUES (?, ?, ?, ?)",
                (hour, scrub(question), int(answered), citations),
            )
            cap_rows(db, "questions", self.max_rows)
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
