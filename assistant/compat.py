"""An OpenAI-compatible face of the assistant: `POST /v1/chat/completions` and `GET /v1/models`.

Chat front ends and municipal AI platforms that speak the chat-completions protocol can use the
assistant as a "model". The reply's text is the assistant's answer with its `[n]` markers, and
the passages they refer to travel in an extra field, `citations` (with `answered` and `mode`).
The last user message is the question; earlier user and assistant messages are the
conversation; system messages are ignored (the assistant's rules are not a client's to change).
A streamed reply sends only verified text: with a language model on, it is streamed once
verification is done.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from assistant import messages, metrics
from assistant.config import HISTORY_CEILING, MAX_MESSAGE_CHARS
from assistant.errors import IndexMissing, InvalidQuestion
from assistant.pipeline import Assistant, sentence_pieces
from assistant.types import Answer, Turn

log = logging.getLogger(__name__)

#: The one "model" this endpoint offers.
MODEL_ID = "sodertornsassistenten"

compat = APIRouter(tags=["openai-compatible"])


def _bot(request: Request) -> Assistant:
    return request.app.state.assistant  # type: ignore[no-any-return]


Bot = Annotated[Assistant, Depends(_bot)]


class TextPart(BaseModel):
    """One part of a message's content list; only text parts are read."""

    model_config = ConfigDict(extra="ignore")
    type: str = Field(max_length=40)
    text: str | None = Field(None, max_length=MAX_MESSAGE_CHARS)


class Message(BaseModel):
    model_config = ConfigDict(extra="ignore")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: Annotated[str, Field(max_length=MAX_MESSAGE_CHARS)] | list[TextPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return " ".join(p.text for p in self.content if p.type == "text" and p.text)
        return self.content or ""


class CompletionRequest(BaseModel):
    """The fields of a chat-completions request that matter here; others are ignored."""

    model_config = ConfigDict(extra="ignore")
    model: str = Field(MODEL_ID, max_length=200)
    messages: list[Message] = Field(min_length=1, max_length=HISTORY_CEILING + 1)
    stream: bool = False


def _conversation(request: CompletionRequest) -> tuple[str, list[Turn]]:
    """The question (the last user message) and the conversation before it."""
    said = [m for m in request.messages if m.role in ("user", "assistant") and m.text().strip()]
    last = max((i for i, m in enumerate(said) if m.role == "user"), default=None)
    if last is None:
        raise InvalidQuestion(messages.MISSING_QUESTION)
    return said[last].text(), [Turn(m.role, m.text()) for m in said[:last]]


def _extra(answer: Answer) -> dict:
    from assistant.api import ask_response  # the same citation fields as /api/ask

    body = ask_response(answer)
    return {
        "citations": [c.model_dump() for c in body.citations],
        "answered": answer.answered,
        "mode": answer.mode,
        "verified": body.verified,
    }


@compat.get("/v1/models")
def models() -> dict:
    """The model list of the chat-completions protocol: this assistant."""
    return {
        "object": "list",
        "data": [
            {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "sodertornskommunerna"}
        ],
    }


@compat.post(
    "/v1/chat/completions",
    response_model=None,
    responses={
        200: {
            "description": "A chat.completion, or with `stream` its chunks as server-sent events",
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "text/event-stream": {
                    "schema": {  # one event
                        "type": "object",
                        "required": ["data"],
                        "properties": {
                            "data": {
                                "type": "string",
                                "description": "a chat.completion.chunk as JSON; the last "
                                "event is [DONE]",
                            }
                        },
                    }
                },
            },
        }
    },
)
async def chat_completions(request: CompletionRequest, bot: Bot) -> dict | StreamingResponse:
    """Answer the last user message from the sources, with `[n]` markers and citations."""
    question, history = _conversation(request)
    bot.check_question(question, history)  # bad input is a 422 before any stream starts
    if not bot.ready:
        raise IndexMissing(messages.INDEX_NOT_LOADED)
    reply_id = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    if request.stream:
        events = iterate_in_threadpool(bot.answer_events(question, history))
        return StreamingResponse(
            _chunks(events, reply_id, created),
            media_type="text/event-stream",
            headers={"X-Accel-Buffering": "no", "Cache-Control": "no-store"},
        )
    answer = await run_in_threadpool(bot.ask, question, history)
    metrics.count_answer(answer)
    return {
        "id": reply_id,
        "object": "chat.completion",
        "created": created,
        "model": MODEL_ID,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": answer.answer},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        **_extra(answer),
    }


async def _chunks(
    events: AsyncIterator[str | Answer], reply_id: str, created: int
) -> AsyncIterator[str]:
    """`chat.completion.chunk` events: the role, the verified answer sentence by sentence,
    a last chunk with `finish_reason` and the citations, then `[DONE]`."""

    def chunk(delta: dict, finish: str | None = None, **extra: object) -> str:
        body = {
            "id": reply_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": MODEL_ID,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **extra,
        }
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    final: Answer | None = None
    try:
        async for event in events:  # a model's unverified words are not passed on
            if isinstance(event, Answer):
                final = event
    except Exception:  # noqa: BLE001 - the stream has started: it ends with an error
        log.exception("Answer stream failed")
    if final is None:
        yield f"data: {json.dumps({'error': {'message': messages.INTERNAL}}, ensure_ascii=False)}\n\n"
        yield "data: [DONE]\n\n"
        return
    metrics.count_answer(final)
    for piece in sentence_pieces(final.answer):
        yield chunk({"content": piece})
    yield chunk({}, "stop", **_extra(final))
    yield "data: [DONE]\n\n"
