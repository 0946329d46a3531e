"""The pages and static files: the demo page, the staff search page and the widget."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Query
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

from assistant.config import MAX_MESSAGE_CHARS, Settings
from assistant.municipalities import Municipalities

WEB = Path(__file__).parent / "web"


class WidgetConfig(BaseModel):
    """What the widget shows for a municipality."""

    id: str
    name: str
    accent: str
    greeting: str
    suggestions: list[str]
    known: bool
    max_question_chars: int  # the service's limits, so the widget need not copy them
    max_history_turns: int
    max_message_chars: int


def add_site(app: FastAPI, municipalities: Municipalities, settings: Settings) -> None:
    """Serve the pages, the widget script, its files, and its per-municipality settings."""
    app.mount("/static", StaticFiles(directory=WEB, check_dir=False), name="static")

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    def demo() -> FileResponse:
        return FileResponse(WEB / "demo.html", media_type="text/html; charset=utf-8")

    @app.get("/sok", include_in_schema=False)
    def search_page() -> FileResponse:
        return FileResponse(WEB / "sok.html", media_type="text/html; charset=utf-8")

    @app.get("/widget.js", include_in_schema=False)
    def widget() -> FileResponse:
        return FileResponse(
            WEB / "widget.js",
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "public, max-age=300"},
        )

    @app.get("/api/config", response_model=WidgetConfig)
    def config(
        municipality: str | None = Query(None, max_length=40, description="e.g. huddinge"),
    ) -> WidgetConfig:
        """The widget's settings for a municipality; an unknown id gets the neutral default."""
        found, known = municipalities.get(municipality)
        return WidgetConfig(
            id=found.id,
            name=found.name,
            accent=found.accent,
            greeting=found.greeting,
            suggestions=found.suggestions,
            known=known,
            max_question_chars=settings.max_question_chars,
            max_history_turns=settings.max_history_turns,
            max_message_chars=MAX_MESSAGE_CHARS,
        )
