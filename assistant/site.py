"""The pages and static files: the demo page, the staff search page and the widget."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

from assistant.config import MAX_MESSAGE_CHARS, Settings
from assistant.municipalities import Municipalities

WEB = Path(__file__).parent / "web"
#: The corpus files served at /kallor/ for citations to open; text sources are quoted whole.
SOURCE_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


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

    corpus = settings.corpus_dir.resolve()

    @app.get("/kallor/{name:path}", include_in_schema=False)
    def source_file(name: str) -> FileResponse:
        """A PDF or Word file of the corpus, which citations of it link to."""
        path = (corpus / name).resolve()
        kind = SOURCE_TYPES.get(path.suffix.lower())
        hidden = any(part.startswith(".") for part in Path(name).parts)
        if kind is None or hidden or not path.is_relative_to(corpus) or not path.is_file():
            raise HTTPException(status_code=404)
        return FileResponse(path, media_type=kind, headers={"Cache-Control": "public, max-age=300"})

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
