"""Thumbs up/down on answers, stored in SQLite without anything that identifies a person.

The question is stored scrubbed (`assistant.privacy.scrub`), rows older than the
retention period are deleted at start and then at most hourly, and beyond `max_rows`
the oldest rows go. The CSV export escapes cells a spreadsheet would run as a formula.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path
from typing import TextIO

from assistant.privacy import PURGE_EVERY, cap_rows, rescrub, scrub
from assistant.types import Answer

#: Answers remembered for feedback: enough for an hour of a busy day, a few MB at most.
RECENT_ANSWERS = 10_000
COLUMNS = ("created", "answer_id", "rating", "question", "answer", "answered", "citations")
#: A cell starting with one of these is run as a formula by spreadsheets (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class FeedbackStore:
    """Records ratings of recent answers.

    The service remembers the last answers it gave (in memory), so feedback
    stores exactly the question, answer and citations that were shown, and a
    client cannot plant text of its own. No IP address, cookie or session id is
    stored: only the time, the rating, the scrubbed question and the answer. Rows
    older than `retention_days` are deleted at start and at most hourly on writes;
    after an insert the oldest rows beyond `max_rows` are deleted.

    Example:
        >>> store = FeedbackStore(Path("var/feedback.sqlite"), retention_days=30)
        >>> store.remember(answer_id, "När startade samarbetet?", answer)
        >>> store.rate(answer_id, "up")
        True
    """

    def __init__(
        self,
        path: Path,
        *,
        retention_days: int = 30,
        max_rows: int = 100_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self.retention_days = retention_days
        self.max_rows = max_rows
        self.clock = clock
        self._last_purge = 0.0
        self._recent: OrderedDict[str, tuple[str, Answer]] = OrderedDict()
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS feedback ("
                " created TEXT NOT NULL, answer_id TEXT PRIMARY KEY, rating TEXT NOT NULL,"
                " question TEXT NOT NULL, answer TEXT NOT NULL, answered INTEGER NOT NULL,"
                " citations TEXT NOT NULL)"
            )
            rescrub(db, "feedback", "question")  # rows stored under older rules
        self.purge()

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def remember(self, answer_id: str, question: str, answer: Answer) -> None:
        """Keep an answer that was just given, so it can be rated."""
        with self._lock:
            self._recent[answer_id] = (question, answer)
            while len(self._recent) > RECENT_ANSWERS:
                self._recent.popitem(last=False)

    def rate(self, answer_id: str, rating: str) -> bool:
        """Store a rating ("up"/"down"); False when the answer is not known (any more)."""
        with self._lock:
            found = self._recent.get(answer_id)
        if found is None:
            return False
        question, answer = found
        now = self.clock()
        row = (
            time.strftime(_TIME_FORMAT, time.gmtime(now)),
            answer_id,
            rating,
            scrub(question),
            answer.answer,
            int(answer.answered),
            json.dumps([asdict(c) for c in answer.citations], ensure_ascii=False),
        )
        with self._lock, self._connect() as db:
            # A changed mind replaces the earlier rating of the same answer.
            db.execute(
                f"INSERT OR REPLACE INTO feedback ({', '.join(COLUMNS)}) VALUES (?,?,?,?,?,?,?)",
                row,
            )
            cap_rows(db, "feedback", self.max_rows)
        if now - self._last_purge >= PURGE_EVERY:
            self.purge()
        return True

    def purge(self) -> int:
        """Delete rows older than the retention period; returns how many went."""
        now = self.clock()
        cutoff = time.strftime(_TIME_FORMAT, time.gmtime(now - self.retention_days * 86400))
        with self._lock, self._connect() as db:
            deleted = db.execute("DELETE FROM feedback WHERE created < ?", (cutoff,)).rowcount
        self._last_purge = now
        return int(deleted)


def _escape(cell: object) -> object:
    """A string cell that a spreadsheet would run as a formula, prefixed with "'"."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def _escaped(rows: Iterable[Iterable[object]]) -> list[list[object]]:
    return [[_escape(cell) for cell in row] for row in rows]


def export_csv(path: Path, out: TextIO) -> int:
    """Write all feedback as CSV (one row per rated answer); returns the row count.

    Every string cell that starts with "=", "+", "-", "@", a tab or a carriage return
    gets a leading "'", so a spreadsheet shows it as text instead of running it.
    """
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    if not path.exists():
        return 0
    with sqlite3.connect(path) as db:
        rows = db.execute(f"SELECT {', '.join(COLUMNS)} FROM feedback ORDER BY created").fetchall()
    writer.writerows(_escaped(rows))
    return len(rows)
