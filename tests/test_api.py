"""The HTTP API, served by a real uvicorn server on loopback."""

import httpx
import pytest

from assistant.api import create_app
from assistant.pipeline import Assistant
from tests.conftest import serve


@pytest.fixture(scope="module")
def base_url(assistant: Assistant):  # type: ignore[no-untyped-def]
    with serve(create_app(assistant.settings, assistant)) as url:
        yield url


@pytest.fixture
def client(base_url: str):  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=base_url, timeout=30) as http:
        yield http


def test_healthz(client: httpx.Client, assistant: Assistant) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["index"] == assistant.index.version
    assert body["chunks"] == len(assistant.index.chunks)


def test_ask_returns_a_cited_answer(client: httpx.Client) -> None:
    response = client.post("/api/ask", json={"question": "När formaliserades samverkan?"})
    assert response.status_code == 200
    body = response.json()
    assert body["answered"] is True
    assert "2010" in body["answer"]
    citation = body["citations"][0]
    assert set(citation) >= {"n", "doc_id", "title", "url", "section", "text", "score"}
    assert citation["n"] == 1 and "[1]" in body["answer"]
    # The link scrolls the page to the quoted sentence (a text fragment).
    page, fragment = citation["url"].split("#:~:text=")
    assert page == "https://sodertornskommunerna.se/sodertornssamarbetet.html" and fragment
    assert "formaliserades år 2010" in citation["text"] and "2010" in citation["quote"]


def test_ask_with_history(client: httpx.Client) -> None:
    history = [
        {"role": "user", "content": "Vilka kommuner ingår i Södertörnssamarbetet?"},
        {"role": "assistant", "content": "De åtta kommunerna på Södertörn … [1]"},
    ]
    response = client.post(
        "/api/ask", json={"question": "och när startade det?", "history": history}
    )
    assert response.status_code == 200
    assert "2010" in response.json()["answer"]


def test_refusal_over_http(client: httpx.Client) -> None:
    body = client.post("/api/ask", json={"question": "Har du ett recept på kanelbullar?"}).json()
    assert body["answered"] is False and body["citations"] == []
    assert body["shape"] == "refusal" and body["parts"] == [
        {"kind": "text", "text": body["answer"], "n": 0, "items": []}
    ]
    assert body["answer"].startswith("Det framgår inte av källorna")


def test_search(client: httpx.Client) -> None:
    response = client.get("/api/search", params={"q": "samarbete på Södertörn", "k": 2})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["n"] for r in results] == [1, 2]
    assert all("Södertörn" in r["text"] for r in results)
    # A passage that holds nothing of the query is left out, though k asks for two.
    results = client.get("/api/search", params={"q": "stadskärnor", "k": 2}).json()["results"]
    assert results and all("stadskärnor" in r["text"] for r in results)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"question": ""}, "Frågan är tom"),
        ({"question": "   "}, "Frågan är tom"),
        ({"question": "å" * 1001}, "för lång"),
        ({}, "Frågan saknas"),
        ({"question": 42}, "Frågan måste vara text"),
        (
            {"question": "Hej?", "history": [{"role": "system", "content": "x"}]},
            "Samtalshistoriken",
        ),
        ({"question": "Hej?", "history": "inte en lista"}, "Samtalshistoriken"),
        ({"question": "Hej?", "history": [{"role": "user"}]}, "Samtalshistoriken"),
    ],
)
def test_bad_input_gets_422_in_swedish(client: httpx.Client, payload: dict, message: str) -> None:
    response = client.post("/api/ask", json=payload)
    assert response.status_code == 422
    assert message in response.json()["detail"]


def test_too_long_history_is_rejected(client: httpx.Client) -> None:
    history = [{"role": "user", "content": "fråga"}] * 21
    response = client.post("/api/ask", json={"question": "Hej?", "history": history})
    assert response.status_code == 422
    assert "Samtalshistoriken är för lång" in response.json()["detail"]


def test_malformed_json_is_a_422_not_a_500(client: httpx.Client) -> None:
    response = client.post(
        "/api/ask", content=b"{question: ", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert "JSON" in response.json()["detail"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "x", "k": 0}, "k måste"),
        ({"q": "x", "k": 51}, "k måste"),
        ({"k": 3}, "Frågan saknas"),
        ({"q": ""}, "tom"),
    ],
)
def test_search_bad_input(client: httpx.Client, params: dict, message: str) -> None:
    response = client.get("/api/search", params=params)
    assert response.status_code == 422
    assert message in response.json()["detail"]


def test_unknown_route_and_method(client: httpx.Client) -> None:
    assert client.get("/finns-inte").json() == {"detail": "Sidan finns inte."}
    assert client.get("/api/ask").status_code == 405


def test_openapi_documents_the_routes(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/healthz", "/api/ask", "/api/search"} <= set(paths)
    assert client.get("/docs").status_code == 200


def test_healthz_is_503_until_ready(assistant: Assistant) -> None:
    from fastapi.testclient import TestClient

    cold = Assistant(assistant.settings)
    app = create_app(assistant.settings, cold)
    with TestClient(app) as test_client:  # the lifespan warms the assistant up
        assert test_client.get("/healthz").status_code == 200
    cold2 = Assistant(assistant.settings)
    raw = TestClient(create_app(assistant.settings, cold2))  # no lifespan: never warmed up
    assert raw.get("/healthz").status_code == 503
    assert raw.post("/api/ask", json={"question": "Hej?"}).status_code == 503


@pytest.mark.parametrize("question", ["\x1c", "???", "\u2028"])
def test_question_without_letters_is_empty_in_schema_and_service(
    client: httpx.Client, question: str
) -> None:
    """Found by schemathesis: the schema and the service must agree on what is empty."""
    response = client.post("/api/ask", json={"question": question})
    assert response.status_code == 422
    assert "Frågan är tom" in response.json()["detail"]
    search = client.get("/api/search", params={"q": question})
    assert search.status_code == 422


def test_nonsense_search_finds_nothing(client: httpx.Client) -> None:
    response = client.get("/api/search", params={"q": "xqzvy blorpf kwyjibo"})
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_search_highlights_word_forms(client: httpx.Client) -> None:
    """A passage that holds the keyword is shown and marked, though as a sentence it answers
    no question ("Syftet med samverkan")."""
    results = client.get("/api/search", params={"q": "syfte"}).json()["results"]
    marked = {r["text"][a:b] for r in results for a, b in r["highlights"]}
    assert "Syftet" in marked
