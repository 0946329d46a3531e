"""The pages and static files: the demo page, the staff search page and the widget."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

from assistant.config import MAX_MESSAGE_CHARS, Settings
from assistant.errors import AssistantError
from assistant.municipalities import Municipalities

WEB = Path(__file__).parent / "web"
#: The corpus files served at /kallor/ for citations to open; text sources are quoted whole.
SOURCE_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
#: widget.js is the stable embed URL, so it may only be cached briefly; the files it loads
#: carry their content hash in the name and never change.
SHORT_CACHE = "public, max-age=300"
IMMUTABLE = "public, max-age=31536000, immutable"
#: The stylesheet path as written in widget.js, which the service replaces with the hashed one.
STYLESHEET = "/static/widget.css"


class WidgetConfig(BaseModel):
    """What the widget shows for a municipality."""

    id: str
    name: str
    accent: str
    greeting: str
    suggestions: list[str]
    contact: str | None  # the page offered when the sources have no answer
    known: bool
    max_question_chars: int  # the service's limits, so the widget need not copy them
    max_history_turns: int
    max_message_chars: int


@dataclass(frozen=True)
class Asset:
    """A file served from memory with a strong validator."""

    body: bytes
    media_type: str
    cache_control: str

    @property
    def etag(self) -> str:
        # Weak: the gzip middleware may send another encoding of the same content.
        return 'W/"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'

    def response(self, request: Request) -> Response:
        headers = {"Cache-Control": self.cache_control, "ETag": self.etag}
        if self.etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        return Response(self.body, media_type=self.media_type, headers=headers)


class CachedStaticFiles(StaticFiles):
    """The static files with a short cache lifetime (they are revalidated by ETag after)."""

    def file_response(self, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        response = super().file_response(*args, **kwargs)
        response.headers.setdefault("Cache-Control", SHORT_CACHE)
        return response


def widget_assets(web: Path = WEB) -> tuple[Asset, str, Asset]:
    """widget.js and its stylesheet as served: comments trimmed, the stylesheet under a
    content-hashed name (returned as the path) that the script loads.

    Raises:
        AssistantError: widget.js no longer names the stylesheet it should load.
    """
    css = trim_css((web / "widget.css").read_text(encoding="utf-8")).encode()
    css_path = f"/static/widget.{hashlib.sha256(css).hexdigest()[:12]}.css"
    script = (web / "widget.js").read_text(encoding="utf-8")
    if f"'{STYLESHEET}'" not in script:
        msg = f"widget.js nämner inte '{STYLESHEET}', som tjänsten byter mot den hashade filen."
        raise AssistantError(msg)
    js = trim_js(script.replace(f"'{STYLESHEET}'", f"'{css_path}'")).encode()
    return (
        Asset(js, "text/javascript; charset=utf-8", SHORT_CACHE),
        css_path,
        Asset(css, "text/css; charset=utf-8", IMMUTABLE),
    )


def trim_js(source: str) -> str:
    """The script without its comment lines, blank lines and indentation.

    Only whole-line comments go (`//` lines and `/* … */` blocks that start a line), and
    every line break stays, so automatic semicolon insertion sees the same code. The widget
    has no multi-line string that this could cut into.
    """
    kept: list[str] = []
    in_block = False
    for line in source.splitlines():
        stripped = line.strip()
        if in_block:
            in_block = "*/" not in stripped
        elif stripped.startswith("/*"):
            in_block = "*/" not in stripped
        elif stripped and not stripped.startswith("//"):
            kept.append(stripped)
    return "\n".join(kept) + "\n"


def trim_css(source: str) -> str:
    """The stylesheet without comments and with runs of white space cut down. Spaces stay
    wherever they can matter (descendant combinators, `calc(a - b)`, `0 0 0`)."""
    text = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    text = re.sub(r"\s+", " ", text)
    return re.sub(r"\s*([{};,>])\s*", r"\1", text).strip() + "\n"


def add_site(app: FastAPI, municipalities: Municipalities, settings: Settings) -> None:
    """Serve the pages, the widget script, its files, and its per-municipality settings."""
    script, css_path, stylesheet = widget_assets()

    # Before the /static mount, which would answer this path with a 404.
    @app.get(css_path, include_in_schema=False)
    def widget_css(request: Request) -> Response:
        return stylesheet.response(request)

    app.mount("/static", CachedStaticFiles(directory=WEB, check_dir=False), name="static")

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    def demo() -> FileResponse:
        return FileResponse(WEB / "demo.html", media_type="text/html; charset=utf-8")

    @app.get("/sok", include_in_schema=False)
    def search_page() -> FileResponse:
        return FileResponse(WEB / "sok.html", media_type="text/html; charset=utf-8")

    @app.get("/widget.js", include_in_schema=False)
    def widget(request: Request) -> Response:
        return script.response(request)

    corpus = settings.corpus_dir.resolve()

    @app.get("/kallor/{name:path}", include_in_schema=False)
    def source_file(name: str) -> FileResponse:
        """A PDF or Word file of the corpus, which citations of it link to (the suffix in
        any case: a citation names "plan.pdf" for "plan.PDF")."""
        try:
            path = _source_path(corpus, name)
        except (OSError, ValueError):  # a NUL byte, a name too long for the file system
            path = None
        if path is None:
            raise HTTPException(status_code=404)
        kind = SOURCE_TYPES[path.suffix.lower()]
        return FileResponse(path, media_type=kind, headers={"Cache-Control": SHORT_CACHE})

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
            contact=found.contact,
            known=known,
            max_question_chars=settings.max_question_chars,
            max_history_turns=settings.max_history_turns,
            max_message_chars=MAX_MESSAGE_CHARS,
        )


def _source_path(corpus: Path, name: str) -> Path | None:
    """The corpus file `name` names, if it is a visible PDF or Word file inside the corpus."""
    if any(part.startswith(".") for part in Path(name).parts):
        return None
    path = (corpus / name).resolve()
    if SOURCE_TYPES.get(path.suffix.lower()) is None or not path.is_relative_to(corpus):
        return None
    if path.is_file():
        return path
    if path.parent.is_dir():  # the same name with its suffix in another case
        for sibling in path.parent.iterdir():
            if sibling.name.lower() == path.name.lower() and sibling.is_file():
                return sibling
    return None
