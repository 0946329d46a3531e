from pathlib import Path

import pytest

from assistant.chunking import chunk_documents, split_blocks, split_segments
from assistant.corpus import load_corpus
from assistant.types import Document

ROOT = Path(__file__).resolve().parents[1]


def _doc(text: str, title: str = "Test") -> Document:
    return Document(doc_id="d", title=title, text=text)


@pytest.fixture(scope="module")
def seed_chunks():
    docs = load_corpus(ROOT / "corpus").documents
    return docs[0], chunk_documents(docs, size=700, overlap=100)


def test_chunks_point_back_into_the_source(seed_chunks) -> None:
    doc, chunks = seed_chunks
    assert chunks
    for chunk in chunks:
        assert doc.text[chunk.start : chunk.end] == chunk.text
        assert chunk.doc_id == doc.doc_id and chunk.title == doc.title
        assert chunk.url == doc.url and chunk.updated == doc.updated
    assert [c.chunk_id for c in chunks] == list(range(len(chunks)))


def test_list_stays_whole_with_its_lead_in(seed_chunks) -> None:
    _, chunks = seed_chunks
    [chunk] = [c for c in chunks if "fokus på den gemensamma nyttan" in c.text]
    assert "Samverkan mellan Södertörnskommunerna ska kännetecknas av" in chunk.text
    assert "snabbt ställa om vid behov." in chunk.text


def test_section_heading_is_kept_and_not_crossed(seed_chunks) -> None:
    _, chunks = seed_chunks
    purpose = [c for c in chunks if c.section == "Syftet med samverkan"]
    assert purpose and all("Syftet med samverkan\n" not in c.text for c in chunks)
    assert any(c.text.startswith("Syftet med Södertörnssamverkan") for c in purpose)
    assert all(c.section is None for c in chunks if "åtta kommunerna" in c.text)


@pytest.mark.parametrize("size", [100, 180, 400, 2000])
def test_long_paragraph_is_split_with_exact_offsets(size: int) -> None:
    sentence = "Kommunen bygger nya bostäder nära pendeltåget i Flemingsberg. "
    text = "## Bostäder\n\n" + sentence * 40
    doc = _doc(text)
    chunks = chunk_documents([doc], size=size, overlap=20)
    assert all(doc.text[c.start : c.end] == c.text for c in chunks)
    assert all(len(c.text) <= size for c in chunks)
    assert chunks[0].section == "Bostäder"
    covered = "".join(doc.text[c.start : c.end] for c in chunks)
    assert covered.count("Flemingsberg") >= 40


def test_long_list_is_split_between_items_only() -> None:
    items = "\n".join(f"- punkt nummer {i} om skolskjuts och fritidsgårdar" for i in range(30))
    doc = _doc("Kommunen erbjuder\n\n" + items)
    chunks = chunk_documents([doc], size=300, overlap=0)
    assert len(chunks) > 1
    for chunk in chunks:
        for line in chunk.text.splitlines():
            assert line == "" or line.startswith("- punkt") or line == "Kommunen erbjuder"
    assert chunks[0].text.startswith("Kommunen erbjuder")


@pytest.mark.parametrize("text", ["", "\n\n", "# Bara rubrik\n"])
def test_document_without_body_gives_no_chunks(text: str) -> None:
    assert chunk_documents([_doc(text)], size=500, overlap=50) == []


def test_blocks_and_segments() -> None:
    text = "# T\n\nFörsta meningen. Andra meningen år 2010!\n\nInledning\n\n- a\n- b\n"
    kinds = [b.kind for b in split_blocks(text)]
    assert kinds == ["heading", "paragraph", "paragraph", "list"]
    segments = split_segments(text)
    assert [s.text for s in segments[:2]] == ["Första meningen.", "Andra meningen år 2010!"]
    assert segments[2].is_list and segments[2].text.startswith("Inledning")
    assert all(text[s.start : s.end] == s.text for s in segments)


def test_list_items_are_segments_read_with_their_lead_in() -> None:
    from assistant.chunking import item_sentence

    text = "Biblioteket erbjuder\n\n- lån av böcker\n- läxhjälp\n\nEn mening.\n\n- fri punkt\n"
    segments = split_segments(text)
    whole = [s for s in segments if s.is_list]
    items = [s for s in segments if not s.is_list and s.text.startswith("- ")]
    assert whole[0].text.startswith("Biblioteket erbjuder")
    assert [(s.text, s.lead) for s in items] == [
        ("- lån av böcker", "Biblioteket erbjuder"),
        ("- läxhjälp", "Biblioteket erbjuder"),
        ("- fri punkt", ""),  # a full sentence before a list is not its lead-in
    ]
    assert item_sentence("Biblioteket erbjuder", "- läxhjälp") == "Biblioteket erbjuder läxhjälp."
    assert item_sentence("", "- fri punkt") == "Fri punkt."


def test_a_sentence_does_not_end_at_an_abbreviation() -> None:
    """ "kl. 17.00" and "t.ex. Botkyrka" are inside a sentence (`abbreviations` in the language
    tables); a period before a capital or a digit ends one elsewhere."""
    from assistant.chunking import sentences

    text = "Miljöbilen kommer kl. 17.00 till torget. Kommuner, t.ex. Botkyrka, deltar. År 2010."
    assert sentences(text) == [
        "Miljöbilen kommer kl. 17.00 till torget.",
        "Kommuner, t.ex. Botkyrka, deltar.",
        "År 2010.",
    ]
    assert sentences("Take e.g. Botkyrka. Then stop.") == ["Take e.g. Botkyrka.", "Then stop."]
    # One that often ends a sentence is no abbreviation to it.
    assert sentences("Möbler o.d. Dessa hämtas.") == ["Möbler o.d.", "Dessa hämtas."]


FEES = (
    "Avgiften beror på resans längd.\n\n"
    "| Reslängd | Vuxen | Barn |\n|---|---|---|\n"
    "| 0–10 km | 55 kr | 30 kr |\n| 10,1–20 km | 75 kr | |\n\nSista meningen.\n"
)


def test_table_rows_are_segments_read_with_their_header() -> None:
    from assistant.chunking import is_row, row_sentence

    assert [b.kind for b in split_blocks(FEES)] == ["paragraph", "table", "paragraph"]
    segments = split_segments(FEES)
    assert all(FEES[s.start : s.end] == s.text for s in segments)
    rows = [s for s in segments if is_row(s.text)]
    # The header and the rule under it are no rows; no segment is the whole table.
    assert [(s.text, s.lead) for s in rows] == [
        ("| 0–10 km | 55 kr | 30 kr |", "| Reslängd | Vuxen | Barn |"),
        ("| 10,1–20 km | 75 kr | |", "| Reslängd | Vuxen | Barn |"),
    ]
    assert not any("\n" in s.text for s in segments)
    assert (
        row_sentence(rows[0].lead, rows[0].text) == "Reslängd: 0–10 km, Vuxen: 55 kr, Barn: 30 kr."
    )
    # An empty cell is left out; a header that does not fit the row names no cells.
    assert row_sentence(rows[1].lead, rows[1].text) == "Reslängd: 10,1–20 km, Vuxen: 75 kr."
    assert row_sentence("| A |", "| x | y |") == "x, y."


def test_a_headerless_table_is_read_row_by_row() -> None:
    from assistant.chunking import row_sentence

    [row] = split_segments("| Telefon | 08-465 004 20 |\n")
    assert row.lead == "" and row_sentence(row.lead, row.text) == "Telefon, 08-465 004 20."


def test_long_table_is_split_between_rows_only() -> None:
    rows = "\n".join(f"| Rad {i} | {i * 10} kr för en resa i kommunen |" for i in range(40))
    doc = _doc("| Namn | Pris |\n|---|---|\n" + rows)
    chunks = chunk_documents([doc], size=300, overlap=50)
    assert len(chunks) > 1
    lines = [line for chunk in chunks for line in chunk.text.splitlines()]
    assert lines == doc.text.splitlines()  # whole rows, each in one chunk, none repeated


def test_a_table_row_is_quoted_and_embedded_as_a_sentence() -> None:
    from assistant.index import SegmentRef, segment_text, segment_texts

    [chunk] = chunk_documents([_doc(FEES)], size=700, overlap=0)
    refs = [
        SegmentRef(chunk.chunk_id, s.start, s.end, s.is_list, s.lead)
        for s in split_segments(chunk.text)
    ]
    read = [segment_text(chunk, ref) for ref in refs]
    assert read[1] == "Reslängd: 0–10 km, Vuxen: 55 kr, Barn: 30 kr."
    assert segment_texts([chunk], refs) == read


def test_a_sentence_opening_with_a_personal_pronoun_leans_on_the_one_before() -> None:
    from assistant.chunking import leans_on_previous

    assert leans_on_previous("Hon efterträdde Lars Nyström, som ledde enheten i fem år.")
    assert leans_on_previous("Han nås på telefon.")
    assert not leans_on_previous("Handläggaren ringer upp dig.")
