"""Thumbs up/down on answers, stored in SQLite without anything that identifies a person."""

from __future__ import annotations

import csv
import json
import sqlite3
import threading
import time
from collections import OrderedDict
from dataclasses import asdict
from pathlib import Path
from typing import TextIO

from assistant.types import Answer

#: Answers remembered for feedback: enough for an hour of a busy day, a few MB at most.
RECENT_ANSWERS = 10_000
COLUMNS = ("created", "answer_id", "rating", "question", "answer", "answered", "citations")


class FeedbackStore:
    """Records ratings of recent answers.

    The service remembers the last answers it gave (in memory), so feedback
    stores exactly the question, answer and citations that were shown, and a
    client cannot plant text of its own. No IP address, cookie or session id is
    stored: only the time, the rating and the answer.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
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
        row = (
            time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            answer_id,
            rating,
            question,
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
        return True


def export_csv(path: Path, out: TextIO) -> int:
    """Write all feedback as CSV (one row per rated answer); returns the row count."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    if not path.exists():
        return 0
    with sqlite3.connect(path) as db:
        rows = db.execute(f"SELECT {', '.join(COLUMNS)} FROM feedback ORDER BY created").fetchall()
    writer.writerows(rows)
    return len(rows)
