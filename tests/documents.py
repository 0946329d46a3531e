"""Generate real PDF and Word files with known facts on known pages (fpdf2, python-docx).

Hand-written fixture text (not sources): a fictional municipality's programme, so the tests
and the ingest benchmark know which fact is on which page and in which section.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path


def _font(pdf, style: str = "", size: float = 11) -> None:  # type: ignore[no-untyped-def]
    # The PDF core font Helvetica covers Latin-1, so å, ä and ö need no font file.
    pdf.set_font("helvetica", style, size)


def make_pdf(
    path: Path,
    pages: list[tuple[str, list[str]]],
    *,
    title: str | None = None,
    outline: bool = False,
    user_password: str | None = None,
) -> Path:
    """A text PDF: one page per (heading, paragraphs), headings in a larger bold font.

    Args:
        path: Where to write it.
        pages: Per page a heading (set at 18 pt) and paragraphs (11 pt, wrapped).
        title: The document title in the PDF's metadata.
        outline: Also name each heading in the PDF outline (bookmarks).
        user_password: Encrypt it so that it opens only with this password ("" opens it).
    """
    from fpdf import FPDF

    pdf = FPDF()
    # A fixed date: the file's /ID hashes it to the second, and the same pages must give
    # the same bytes however long the writing takes.
    pdf.set_creation_date(datetime(2025, 1, 1, tzinfo=UTC))
    if title:
        pdf.set_title(title)
    for heading, paragraphs in pages:
        pdf.add_page()
        if outline:
            pdf.start_section(heading)
        _font(pdf, "B", 18)
        pdf.multi_cell(0, 10, heading)
        pdf.ln(4)
        _font(pdf, "", 11)
        for paragraph in paragraphs:
            pdf.multi_cell(0, 6, paragraph)
            pdf.ln(5)
    if user_password is not None:
        pdf.set_encryption(owner_password="ägare", user_password=user_password)
    pdf.output(str(path))
    return path


def make_image_pdf(path: Path) -> Path:
    """A PDF with only drawn shapes and no text layer, like a scan."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    for i in range(10):
        pdf.rect(10 + i * 5, 10 + i * 8, 100, 6, style="F")
    pdf.output(str(path))
    return path


def make_docx(
    path: Path,
    blocks: list[tuple[str, object]],
    *,
    title: str | None = None,
) -> Path:
    """A Word file from blocks: ("heading1"/"heading2", text), ("p", text),
    ("list", [items]) and ("table", [[header…], [cells…], …])."""
    import docx

    document = docx.Document()
    if title:
        document.core_properties.title = title
    for kind, value in blocks:
        if kind.startswith("heading"):
            document.add_heading(str(value), level=int(kind[-1]))
        elif kind == "p":
            document.add_paragraph(str(value))
        elif kind == "list":
            for item in value:  # type: ignore[attr-defined]
                document.add_paragraph(str(item), style="List Bullet")
        elif kind == "table":
            rows: list[list[str]] = value  # type: ignore[assignment]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            for r, row in enumerate(rows):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
        else:
            raise ValueError(kind)
    document.save(str(path))
    _fix_zip_times(path)
    return path


def _fix_zip_times(path: Path) -> None:
    """Give every member of a zip one fixed time: the same blocks make the same bytes (a
    Word file otherwise records when it was written, to the two seconds)."""
    import io
    import zipfile

    with zipfile.ZipFile(path) as source:
        members = [(info.filename, source.read(info)) for info in source.infolist()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(info, data)
    path.write_bytes(buffer.getvalue())


def make_zip_bomb(path: Path, unpacked: int = 60 * 1024 * 1024) -> Path:
    """A .docx-named zip whose document part unpacks to `unpacked` zero bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as part:
            block = b"\0" * (1024 * 1024)
            for _ in range(unpacked // len(block)):
                part.write(block)
    path.write_bytes(buffer.getvalue())
    return path


#: A fictional programme: the fact of each page is asked about in the tests.
PROGRAMME_PAGES = [
    (
        "Inledning",
        [
            "Detta program beskriver hur Exempelby kommun arbetar med parker och grönområden "
            "under åren fram till 2030. Programmet antogs av kommunfullmäktige i mars.",
        ],
    ),
    (
        "Lekplatser",
        [
            "Kommunen ska bygga om tolv lekplatser innan år 2028. Varje ombyggd lekplats ska "
            "vara tillgänglig för barn som använder rullstol.",
            "Arbetet leds av parkenheten, som också sköter den dagliga tillsynen av "
            "lekutrustningen.",
        ],
    ),
    (
        "Skötsel av parker",
        [
            "Gräsmattorna i stadsparken klipps varje vecka från maj till september. Löven "
            "samlas in under oktober och november och komposteras vid kommunens "
            "återvinningscentral.",
        ],
    ),
]

#: A fictional guide as Word blocks.
GUIDE_BLOCKS: list[tuple[str, object]] = [
    ("heading1", "Guide för föreningsbidrag"),
    ("p", "Föreningar i Exempelby kan söka bidrag till verksamhet för barn och unga."),
    ("heading2", "Vem kan söka"),
    (
        "list",
        [
            "ideella föreningar med säte i kommunen",
            "föreningar med minst tio medlemmar under 20 år",
        ],
    ),
    ("heading2", "Sista ansökningsdag"),
    ("p", "Ansökan om aktivitetsbidrag ska lämnas senast den 15 februari varje år."),
    ("heading2", "Bidragsbelopp"),
    (
        "table",
        [
            ["Bidrag", "Belopp"],
            ["Aktivitetsbidrag", "40 kronor per deltagare"],
            ["Lokalbidrag", "högst 50 000 kronor per år"],
        ],
    ),
]
