"""HTTP API: /healthz, /api/ask and /api/search (OpenAPI at /docs)."""

from __future__ import annotations

import datetime as dt
import hmac
import ipaddress
import json
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware

from assistant import __version__, messages, metrics
from assistant.answer import citation_for
from assistant.compat import compat
from assistant.config import (
    HISTORY_CEILING,
    MAX_MESSAGE_CHARS,
    QUESTION_CEILING,
    Settings,
    get_settings,
)
from assistant.errors import AssistantError, IndexCorrupt, IndexMissing, InvalidQuestion
from assistant.feedback import FeedbackStore
from assistant.logs import configure as configure_logging
from assistant.middleware import (
    AccessLog,
    BodySizeLimit,
    ConcurrencyLimit,
    FailureLimit,
    RateLimit,
    SecurityHeaders,
    client_address,
    parse_networks,
)
from assistant.municipalities import Municipalities
from assistant.pipeline import Assistant
from assistant.questionlog import QuestionLog
from assistant.site import add_site
from assistant.types import Answer, Citation, SourceFilter, Turn

log = logging.getLogger(__name__)

#: Wrong admin tokens a client may send per minute before it gets 429 (guessing a long
#: random token at this rate takes longer than the universe has).
ADMIN_FAILURES_PER_MINUTE = 5
#: A question needs a letter or digit; the same rule as Assistant.check_question, and one
#: that Python's and pydantic's regex engines read alike (they differ on white space).
QUESTION_PATTERN = r"\w"


class Message(BaseModel):
    """One earlier message of the conversation."""

    role: Literal["user", "assistant"]
    content: str = Field(max_length=MAX_MESSAGE_CHARS)


class AskRequest(BaseModel):
    """A question, with the conversation so far for follow-ups."""

    question: str = Field(
        min_length=1,
        max_length=QUESTION_CEILING,
        pattern=QUESTION_PATTERN,
        description=(
            "The question, with at least one letter or digit; at most ASSISTANT_MAX_QUESTION_CHARS"
            " characters (1,000 by default, shown by /api/config)."
        ),
    )
    history: list[Message] = Field(
        default_factory=list,
        max_length=HISTORY_CEILING,
        description="Earlier messages, at most ASSISTANT_MAX_HISTORY_TURNS (20 by default).",
    )


class CitationOut(BaseModel):
    """A cited passage."""

    n: int
    doc_id: str
    title: str
    url: str | None
    section: str | None
    text: str
    score: float
    updated: str | None = None
    page: int | None = None  # the page the passage starts on (PDF)
    municipality: str | None = None  # the municipality that published the source
    kind: str | None = None  # the source's file type: markdown, html, text, pdf, docx
    quote: str | None = None  # the sentence the answer quotes from this passage


class AnswerPartOut(BaseModel):
    """A piece of the answer: a quoted sentence ("text") or a list ("list": `text` is the
    lead-in, `items` the points), from citation `n` (0: none, e.g. the "Ja."/"Nej." verdict)."""

    kind: Literal["text", "list"]
    text: str
    n: int = 0
    items: list[str] = Field(default_factory=list)


class AskResponse(BaseModel):
    """An answer whose sentences end with `[n]` markers that refer to `citations`.

    `shape`: "answer", "list", "yes", "no", "refusal" or "smalltalk"; `parts`: the same
    answer in pieces a client can render (a list as a list).
    """

    answer: str
    answered: bool
    citations: list[CitationOut]
    shape: Literal["answer", "list", "yes", "no", "refusal", "smalltalk"] = "answer"
    parts: list[AnswerPartOut] = Field(default_factory=list)
    # "generated": phrased by the language model (ASSISTANT_LLM_URL) and verified sentence by
    # sentence against the cited passages; "extractive": quoted from them.
    mode: Literal["extractive", "generated"] = "extractive"
    verified: bool = False  # true on every generated answer served


class ChatDone(AskResponse):
    """The last event of /api/chat: the whole answer and its id for /api/feedback."""

    id: str


def _sse_schema() -> dict:
    """OpenAPI schema of one event of /api/chat; `data` is JSON as the description says."""
    return {
        "type": "object",
        "required": ["event", "data"],
        "properties": {
            "event": {"enum": ["delta", "done", "error"]},
            "data": {
                "type": "string",
                "description": 'JSON: {"text"} for delta, an AskResponse with its "id" for done, '
                "ErrorResponse for error.",
            },
        },
    }


#: A municipality or source as the sources name it ("huddinge", "Södertälje", "huddinge-webb").
SLUG = r"^\w[\w .-]*$"


class SearchResult(CitationOut):
    """A ranked passage, with the spans of `text` that match the query's terms."""

    highlights: list[tuple[int, int]] = Field(default_factory=list)


class SearchResponse(BaseModel):
    """Ranked passages for a query."""

    query: str
    results: list[SearchResult]


class FeedbackRequest(BaseModel):
    """A thumbs up or down on an answer given by /api/chat."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[0-9a-f]+$")
    rating: Literal["up", "down"]


class ErrorResponse(BaseModel):
    """An error, with a message in Swedish for the user."""

    detail: str


class Health(BaseModel):
    """Readiness of the service."""

    status: str
    version: str
    index: str | None = None
    chunks: int | None = None


def get_assistant(request: Request) -> Assistant:
    """The app's assistant (a FastAPI dependency)."""
    return request.app.state.assistant  # type: ignore[no-any-return]


Bot = Annotated[Assistant, Depends(get_assistant)]


def worker_app() -> FastAPI:
    """The app of one `assistant serve --workers N` process (settings from the environment)."""
    from assistant.cli import log_fatal_signals

    settings = Settings()
    configure_logging(logging.WARNING, settings.log_format)
    log_fatal_signals()
    return create_app(settings)


class EventStream(StreamingResponse):
    """A server-sent events response."""

    media_type = "text/event-stream"


@dataclass(frozen=True)
class Services:
    """What the routes share besides the assistant: made once per app, kept on its state."""

    settings: Settings
    feedback: FeedbackStore
    question_log: QuestionLog | None
    trusted: list[ipaddress.IPv4Network | ipaddress.IPv6Network]
    admin_failures: FailureLimit
    municipalities: Municipalities


def get_services(request: Request) -> Services:
    """The app's shared services (a FastAPI dependency)."""
    return request.app.state.services  # type: ignore[no-any-return]


Shared = Annotated[Services, Depends(get_services)]

#: The error answers every question and search route may give.
ERROR_RESPONSES: dict[int | str, dict] = {
    code: {"model": ErrorResponse} for code in (413, 422, 429, 503)
}

health = APIRouter(tags=["health"])
answers = APIRouter(tags=["answers"])
searching = APIRouter(tags=["search"])
admin = APIRouter(tags=["admin"])


@health.head("/healthz", include_in_schema=False)  # uptime monitors send HEAD
@health.get("/healthz", response_model=Health, responses={503: {"model": Health}})
def healthz(bot: Bot) -> JSONResponse:
    """200 once the index is loaded and questions can be answered, else 503."""
    index = bot.index
    if not bot.ready or index is None:
        body = Health(status="starting", version=__version__)
        return JSONResponse(body.model_dump(), status_code=503)
    body = Health(status="ok", version=__version__, index=index.version, chunks=len(index.chunks))
    return JSONResponse(body.model_dump())


@health.get("/metrics", include_in_schema=False)
def prometheus_metrics(bot: Bot) -> Response:
    """Prometheus metrics (text format): requests, latency, answers, cache, index."""
    if bot.index is not None:
        metrics.set_index(bot.index.version, len(bot.index.chunks))
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})


def _answer_question(request: AskRequest, bot: Assistant, services: Services) -> Answer:
    history = [Turn(m.role, m.content) for m in request.history]
    answer = bot.ask(request.question, history)
    _record(request.question, answer, services)
    return answer


def _record(question: str, answer: Answer, services: Services) -> None:
    """Count an answer given, and log the question when the opt-in log is on."""
    metrics.count_answer(answer)
    if services.question_log is not None:
        services.question_log.record(
            question, answered=answer.answered, citations=len(answer.citations)
        )


@answers.post("/api/ask", response_model=AskResponse, responses=ERROR_RESPONSES)
async def ask(request: AskRequest, bot: Bot, services: Shared) -> AskResponse:
    """Answer a question from the sources, citing the passages; or refuse honestly."""
    if services.question_log is None:  # a repeated question is answered without a thread hop
        history = [Turn(m.role, m.content) for m in request.history]
        cached = bot.cached_answer(request.question, history)
        if cached is not None:
            metrics.count_answer(cached)
            return ask_response(cached)
    answer = await run_in_threadpool(_answer_question, request, bot, services)
    return ask_response(answer)


@answers.post(
    "/api/chat",
    response_class=EventStream,
    responses={
        200: {
            "content": {"text/event-stream": {"schema": _sse_schema()}},
            "description": "Server-sent events: `delta` pieces, then `done` (or `error`).",
        },
        **ERROR_RESPONSES,
    },
)
async def chat(request: AskRequest, bot: Bot, services: Shared) -> EventStream:
    """The answer as server-sent events, for the widget.

    `event: delta` carries `{"text"}`: the answer sentence by sentence, or a language model's
    words as they arrive; `event: done` carries the final answer like /api/ask plus its `id`
    for /api/feedback (a client shows it in place of the deltas: verification may have
    changed them). A failure after the stream has started is an `event: error`.
    """
    history = [Turn(m.role, m.content) for m in request.history]
    bot.check_question(request.question, history)  # bad input is a 422 before the stream
    if not bot.ready:
        raise IndexMissing(messages.INDEX_NOT_LOADED)
    events = iterate_in_threadpool(bot.answer_events(request.question, history))
    return EventStream(_chat_events(events, request, services), headers={"X-Accel-Buffering": "no"})


async def _chat_events(
    events: AsyncIterator[str | Answer], request: AskRequest, services: Services
) -> AsyncIterator[str]:
    try:
        async for event in events:
            if isinstance(event, str):
                yield _event("delta", {"text": event})
                continue
            _record(request.question, event, services)
            answer_id = uuid.uuid4().hex
            services.feedback.remember(answer_id, request.question, event)
            done = ChatDone(id=answer_id, **ask_response(event).model_dump())
            yield _event("done", done.model_dump())
    except Exception:  # noqa: BLE001 - the stream has started: the client gets an error event
        log.exception("Answer stream failed")
        yield _event("error", {"detail": messages.INTERNAL})


@answers.post(
    "/api/feedback",
    status_code=204,
    responses={404: {"model": ErrorResponse}, **ERROR_RESPONSES},
)
def rate(request: FeedbackRequest, services: Shared) -> Response:
    """Store a thumbs up or down on an answer (the question scrubbed of personal data)."""
    if not services.feedback.rate(request.id, request.rating):
        return JSONResponse({"detail": messages.ANSWER_GONE}, status_code=404)
    return Response(status_code=204)


@searching.get("/api/search", response_model=SearchResponse, responses=ERROR_RESPONSES)
def search(
    bot: Bot,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=QUESTION_CEILING,
            pattern=QUESTION_PATTERN,
            description="Search text, 1 to ASSISTANT_MAX_QUESTION_CHARS characters.",
        ),
    ],
    k: Annotated[int, Query(ge=1, le=50, description="Number of passages, 1–50.")] = 10,
    municipality: Annotated[
        str | None, Query(max_length=40, pattern=SLUG, description="e.g. huddinge")
    ] = None,
    source: Annotated[
        str | None, Query(max_length=64, pattern=SLUG, description="a source of sources.toml")
    ] = None,
    kind: Annotated[
        Literal["markdown", "html", "text", "pdf", "docx"] | None,
        Query(description="file type of the source"),
    ] = None,
    since: Annotated[
        dt.date | None, Query(alias="from", description="updated on or after (YYYY-MM-DD)")
    ] = None,
    until: Annotated[
        dt.date | None, Query(alias="to", description="updated on or before (YYYY-MM-DD)")
    ] = None,
) -> SearchResponse:
    """Ranked passages for a query (keyword and meaning search), optionally only from one
    municipality, source or file type, or updated within a date range."""
    only = SourceFilter(
        municipality=municipality,
        source=source,
        kind=kind,
        since=since.isoformat() if since else None,
        until=until.isoformat() if until else None,
    )
    hits = bot.search(q, k, only)
    analyzer = bot.retriever.lexical.analyzer if bot.retriever else None
    results = [
        SearchResult(
            **_citation(citation_for(hit, n)).model_dump(),
            highlights=analyzer.highlights(hit.chunk.text, q) if analyzer else [],
        )
        for n, hit in enumerate(hits, 1)
    ]
    return SearchResponse(query=q, results=results)


class Option(BaseModel):
    """A value a search can be limited to, with its Swedish label."""

    id: str
    label: str


class Facets(BaseModel):
    """What /api/search can be limited to, from the passages indexed now."""

    municipalities: list[Option]
    sources: list[Option]
    kinds: list[Option]
    updated_from: dt.date | None = None  # the earliest date a source was updated
    updated_to: dt.date | None = None


#: Swedish names of the source file types.
KIND_LABELS = {
    "html": "Webbsida",
    "markdown": "Text (Markdown)",
    "text": "Text",
    "pdf": "PDF",
    "docx": "Word",
}


@searching.get("/api/facets", response_model=Facets, responses=ERROR_RESPONSES)
def facets(bot: Bot, services: Shared) -> Facets:
    """The municipalities, sources and file types the indexed passages come from."""
    found = bot.facets()
    towns = services.municipalities
    span = [dt.date.fromisoformat(d) for d in found["updated"] if _is_date(d)]
    return Facets(
        municipalities=[
            Option(id=m, label=towns.get(m)[0].name if towns.get(m)[1] else m)
            for m in found["municipality"]
        ],
        sources=[Option(id=s, label=s) for s in found["source"]],
        kinds=[Option(id=k, label=KIND_LABELS.get(k, k)) for k in found["kind"]],
        updated_from=min(span) if span else None,
        updated_to=max(span) if span else None,
    )


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


@admin.post(
    "/admin/reload",
    response_model=Health,
    responses={code: {"model": ErrorResponse} for code in (401, 404, 409, 429)},
)
async def reload(
    bot: Bot,
    services: Shared,
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
) -> Health:
    """Load the current index from disk and swap it in (after `assistant build`).

    Needs `Authorization: Bearer <ASSISTANT_ADMIN_TOKEN>`; after `ADMIN_FAILURES_PER_MINUTE`
    wrong tokens a client gets 429 for the rest of the minute. If the new index fails its
    checks, the old one keeps serving and the answer is 409.
    """
    token = services.settings.admin_token
    if not token:
        raise StarletteHTTPException(404)
    client = client_address(request.scope, services.trusted)
    if services.admin_failures.blocked(client):
        return JSONResponse(  # type: ignore[return-value]
            {"detail": messages.TOO_MANY_TOKEN_TRIES},
            status_code=429,
            headers={"Retry-After": "60"},
        )
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), token.encode()
    ):
        services.admin_failures.fail(client)
        raise StarletteHTTPException(401, headers={"WWW-Authenticate": "Bearer"})
    try:
        index = await run_in_threadpool(bot.reload)
    except IndexCorrupt as exc:
        log.error("Reload refused, still serving the old index: %s", exc)
        return JSONResponse({"detail": messages.RELOAD_REFUSED}, status_code=409)  # type: ignore[return-value]
    except IndexMissing:
        return JSONResponse({"detail": messages.NO_INDEX_TO_LOAD}, status_code=409)  # type: ignore[return-value]
    log.info("Reloaded index %s", index.version)
    return Health(status="ok", version=__version__, index=index.version, chunks=len(index.chunks))


def create_app(settings: Settings | None = None, assistant: Assistant | None = None) -> FastAPI:
    """Build the FastAPI app; the index is loaded (or built) at start-up.

    Args:
        settings: Settings to use; defaults to the environment's.
        assistant: An already warmed-up assistant to serve (tests, `assistant serve`).
    """
    settings = settings or get_settings()
    bot = assistant or Assistant(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):  # type: ignore[no-untyped-def]
        if not bot.ready:
            await run_in_threadpool(bot.warm_up)
        yield

    app = FastAPI(
        title="Södertörnsassistenten",
        version=__version__,
        description="Svar på frågor om Södertörnssamarbetet, med källhänvisningar.",
        lifespan=lifespan,
    )
    app.state.assistant = bot
    municipalities = Municipalities.load(settings.municipalities_file)
    app.state.services = Services(
        settings=settings,
        feedback=FeedbackStore(
            settings.feedback_db,
            retention_days=settings.feedback_days,
            max_rows=settings.feedback_max_rows,
        ),
        question_log=(
            QuestionLog(settings.question_log, retention_days=settings.question_log_days)
            if settings.question_log
            else None
        ),
        trusted=parse_networks(settings.trusted_proxies),
        admin_failures=FailureLimit(ADMIN_FAILURES_PER_MINUTE),
        municipalities=municipalities,
    )
    origins = sorted({*settings.allowed_origins, *municipalities.origins()})
    _add_middleware(app, settings, bot, origins)
    add_site(app, municipalities, settings)
    for router in (health, answers, searching, admin):
        app.include_router(router)
    app.include_router(compat, responses=ERROR_RESPONSES)
    _add_error_handlers(app, settings)
    _document_limits(app, settings)
    return app


def _document_limits(app: FastAPI, settings: Settings) -> None:
    """The OpenAPI schema states this service's limits, not the ceilings the request models
    accept, so a client (or a fuzzer) that keeps to the schema is never refused for size."""
    make_schema = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = make_schema()
            ask = schema["components"]["schemas"]["AskRequest"]["properties"]
            ask["question"]["maxLength"] = settings.max_question_chars
            ask["history"]["maxItems"] = settings.max_history_turns
            for parameter in schema["paths"]["/api/search"]["get"]["parameters"]:
                if parameter["name"] == "q":
                    parameter["schema"]["maxLength"] = settings.max_question_chars
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _add_error_handlers(app: FastAPI, settings: Settings) -> None:
    """Every error as JSON `{"detail": "<Swedish message>"}`, never a stack trace."""

    @app.exception_handler(AssistantError)
    async def assistant_error(_request: Request, exc: AssistantError) -> JSONResponse:
        if isinstance(exc, InvalidQuestion):
            return JSONResponse({"detail": str(exc)}, status_code=422)
        if isinstance(exc, IndexMissing):
            return JSONResponse({"detail": messages.STARTING}, 503)
        log.error("Assistant error: %s", exc)
        return JSONResponse({"detail": messages.INTERNAL}, 500)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _swedish_validation(exc, settings)}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = messages.BY_STATUS.get(exc.status_code, messages.BAD_REQUEST)
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def unexpected_error(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("Unexpected error")
        return JSONResponse({"detail": messages.INTERNAL}, 500)


def _add_middleware(app: FastAPI, settings: Settings, bot: Assistant, origins: list[str]) -> None:
    """The protections, outermost first: log, headers, CORS, body cap, rate, concurrency;
    and gzip for text (the widget, pages, JSON), never for the event stream or source files."""
    from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware

    from assistant.site import SOURCE_TYPES

    # add_middleware wraps what is there, so the last added is the outermost.
    app.add_middleware(
        GZipMiddleware,
        minimum_size=500,  # below one TCP segment compression saves no round trip
        exclude_content_types=(*DEFAULT_EXCLUDED_CONTENT_TYPES, *SOURCE_TYPES.values()),
    )
    app.add_middleware(ConcurrencyLimit, limit=settings.max_concurrent)
    app.add_middleware(
        RateLimit,
        per_minute=settings.rate_limit_per_minute,
        trusted_proxies=settings.trusted_proxies,
    )
    # Outside the rate and concurrency limits: they see a request only once its body is in.
    app.add_middleware(
        BodySizeLimit, max_bytes=settings.max_body_bytes, timeout=settings.body_timeout
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type"],
        max_age=600,
    )
    app.add_middleware(SecurityHeaders, allowed_origins=origins)
    app.add_middleware(AccessLog, index_version=lambda: bot.index.version if bot.index else "-")


def _swedish_validation(exc: RequestValidationError, settings: Settings) -> str:
    """One Swedish sentence about the first problem in a request."""
    for error in exc.errors():
        where = [str(p) for p in error.get("loc", ()) if p not in ("body", "query")]
        kind = error.get("type", "")
        if where[:1] == ["history"]:
            if kind == "too_long" and len(where) == 1:
                return messages.history_too_long(settings.max_history_turns)
            return messages.HISTORY_SHAPE
        if where[:1] in (["question"], ["q"]):
            if kind == "missing":
                return messages.MISSING_QUESTION
            if kind == "string_too_long":
                return messages.question_too_long(settings.max_question_chars)
            if kind in ("string_too_short", "string_pattern_mismatch"):
                return messages.EMPTY_QUESTION
            return messages.QUESTION_NOT_TEXT
        if where[:1] == ["k"]:
            return messages.BAD_K
        if kind in ("json_invalid", "model_attributes_type", "dict_type"):
            return messages.NOT_JSON
    return messages.BAD_REQUEST_SHAPE


def _citation(c: Citation) -> CitationOut:
    return CitationOut(**asdict(c))


def ask_response(answer: Answer) -> AskResponse:
    return AskResponse(
        answer=answer.answer,
        answered=answer.answered,
        citations=[_citation(c) for c in answer.citations],
        shape=answer.shape,  # type: ignore[arg-type]
        parts=[AnswerPartOut(**asdict(p)) for p in answer.parts],
        mode=answer.mode,  # type: ignore[arg-type]
        verified=answer.mode == "generated",
    )


def _event(name: str, data: dict) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
