"""A fictional municipality's web site, generated from a seed, for the ingest benchmark.

Fixture text, not a source: Testby kommun does not exist. Sentences are drawn from templates
about municipal services (permits, schools, care, streets, waste …) and filled with a
subject, an office, districts, fees, dates and numbers, so that every page differs while
reading like a municipal page. Each page has a lead paragraph, three to five sections with
headings, paragraphs and lists, links to documents, and the chrome a CMS puts around content:
header with search, main menu, breadcrumbs, a related-pages sidebar, footer and cookie banner
(all of which the corpus loader drops). The home page lists every page (A-Ö). PDFs (plans
and programmes, one heading and a few paragraphs a page) and Word files (guides with lists
and a fee table) are written with `tests.documents`. /sitemap.xml lists everything.

The PDF core font covers Latin-1 only: the text uses å, ä, ö and a plain hyphen, no dashes
or typographic quotes.

Example:
    >>> site = generate_site(Path("/tmp/site"), QUICK, base_url="http://127.0.0.1:8000", seed=12)
    >>> changes = change_site(site, changed=5, removed=2, seed=12)
"""

from __future__ import annotations

import os
import random
import re
from dataclasses import dataclass, field, replace
from html import escape
from pathlib import Path

from tests.documents import make_docx, make_pdf


@dataclass(frozen=True)
class SiteSpec:
    """How large a site to generate."""

    name: str
    pages: int  # content pages, besides the home page
    pdfs: int
    pdf_pages: int
    docx: int


FULL = SiteSpec("full", pages=100, pdfs=20, pdf_pages=10, docx=10)
QUICK = SiteSpec("quick", pages=10, pdfs=2, pdf_pages=4, docx=1)

#: File times: the site as first published, and the day of the edits.
PUBLISHED = 1736935200  # 2025-01-15 10:00 UTC
EDITED = 1738573200  # 2025-02-03 09:00 UTC
MUNICIPALITY = "Testby kommun"

# (path segment, name, office, committee, subjects)
CATEGORIES = [
    (
        "bygga-bo",
        "Bygga och bo",
        "bygglovsenheten",
        "samhällsbyggnadsnämnden",
        (
            "bygglov för nybyggnad, bygglov för tillbyggnad, attefallshus, strandskydd, "
            "rivningslov, marklov, nybyggnadskarta, solceller på taket, "
            "eldstad och skorsten, enskilt avlopp, detaljplaner, bostadsanpassning"
        ).split(", "),
    ),
    (
        "forskola-skola",
        "Förskola och skola",
        "barn- och utbildningsförvaltningen",
        "barn- och utbildningsnämnden",
        (
            "förskoleplats, pedagogisk omsorg, skolskjuts, fritidshem, "
            "modersmålsundervisning, gymnasieval, vuxenutbildning, särskilt stöd i skolan, "
            "skolmåltider, lovskola, ledighet från skolan, förskoleklass"
        ).split(", "),
    ),
    (
        "omsorg-stod",
        "Omsorg och stöd",
        "socialförvaltningen",
        "socialnämnden",
        (
            "hemtjänst, särskilt boende, färdtjänst, trygghetslarm, ekonomiskt bistånd, "
            "anhörigstöd, budget- och skuldrådgivning, dagverksamhet, kontaktperson, "
            "boendestöd, insatser enligt LSS, god man och förvaltare"
        ).split(", "),
    ),
    (
        "trafik-gator",
        "Trafik och gator",
        "gatuenheten",
        "tekniska nämnden",
        (
            "parkeringstillstånd, snöröjning, gatubelysning, grävtillstånd, "
            "felanmälan av gator, cykelvägar, hastighetsgränser, trafikanordningsplaner, "
            "boendeparkering, farthinder, gaturenhållning, upplåtelse av offentlig plats"
        ).split(", "),
    ),
    (
        "miljo-halsa",
        "Miljö och hälsa",
        "miljöenheten",
        "miljö- och hälsoskyddsnämnden",
        (
            "registrering av livsmedelsverksamhet, värmepumpar, radon i bostaden, buller, "
            "skadedjur, eldning av trädgårdsavfall, förorenad mark, "
            "egen dricksvattenbrunn, hälsoskydd i lokaler, naturreservat, badvattenprov, "
            "tillstånd för tobaksförsäljning"
        ).split(", "),
    ),
    (
        "kultur-fritid",
        "Kultur och fritid",
        "kultur- och fritidsförvaltningen",
        "kultur- och fritidsnämnden",
        (
            "biblioteket, kulturskolan, simhallen, föreningsbidrag, idrottshallar, "
            "fritidsgårdar, konsthallen, spontanidrottsplatser, elljusspåret, "
            "lokalbokning, kulturstipendium, sommarlovsaktiviteter"
        ).split(", "),
    ),
    (
        "naringsliv-arbete",
        "Näringsliv och arbete",
        "näringslivsenheten",
        "kommunstyrelsen",
        (
            "serveringstillstånd, att starta företag, upphandling, feriejobb, "
            "lediga tjänster, företagslotsen, markanvisning, försäljning på allmän plats, "
            "lokaler för företag, praktikplatser, arbetsmarknadsinsatser, "
            "näringslivsrådet"
        ).split(", "),
    ),
    (
        "kommun-politik",
        "Kommun och politik",
        "kommunledningskontoret",
        "kommunfullmäktige",
        (
            "medborgarförslag, allmänna handlingar, synpunkter och klagomål, valnämnden, "
            "budget och årsredovisning, kommunens organisation, överklagande av beslut, "
            "dataskydd, krisberedskap, kommunarkivet, kommunrevisionen, partistöd"
        ).split(", "),
    ),
    (
        "avfall-atervinning",
        "Avfall och återvinning",
        "avfallsenheten",
        "tekniska nämnden",
        (
            "sophämtning, återvinningscentralen, grovavfall, matavfall, farligt avfall, "
            "slamtömning, kompostering, elavfall, avfallstaxan, förpackningsinsamling, "
            "latrinhämtning, uppehåll i sophämtningen"
        ).split(", "),
    ),
]
DISTRICTS = (
    "Norrby Åsvik Lindängen Solberga Ekbacka Hagtorp Strömsby Björkvik Tallåsen Skogsängen "
    "Mälarhöjd Kvarnbacken"
).split()
MONTHS = "januari februari mars april maj juni juli augusti september oktober november december"
MONTHS = MONTHS.split()
WEEKDAYS = "måndag tisdag onsdag torsdag fredag".split()
SEASONS = "vår höst kvartal månad".split()
#: Sentences of a page about a subject {s}; {o} is the office, {c} the committee.
SENTENCES = [
    "Du som vill ansöka om {s} gör det enklast via kommunens e-tjänst, där du loggar in med "
    "e-legitimation.",
    "Frågor om {s} besvaras av {o}, som har telefontid {wd}ar klockan {h1}-{h2}.",
    "Handläggningstiden för {s} är normalt {weeks} veckor från att ansökan är komplett.",
    "Avgiften för {s} är {fee} kronor och tas ut enligt den taxa som kommunfullmäktige har "
    "beslutat om.",
    "Under {month} {year} ser kommunen över reglerna för {s} i {d} och {d2}.",
    "I {d} finns i dag {n} platser, och ytterligare {m} ska vara klara år {year2}.",
    "Ett beslut om {s} kan överklagas inom tre veckor från den dag du fick del av beslutet.",
    "Lämna synpunkter på {s} senast den {day} {month} via formuläret eller med brev till {o}.",
    "Den som bor i {d} kan få personlig hjälp med {s} på medborgarkontoret vid torget, "
    "{wd}ar mellan klockan {h1} och {h2}.",
    "Kommunen har avtal med {n2} utförare som arbetar med {s} i olika delar av kommunen.",
    "Saknas uppgifter i ansökan får du ett brev om komplettering, och du har då {days} dagar "
    "på dig att svara.",
    "Förra året tog {o} emot {big} ärenden om {s}, {pct} procent fler än året innan.",
    "Riktlinjerna för {s} antogs av {c} och reviderades senast i {month} {year}.",
    "Tänk på att {s} kan påverka dina grannar, så prata gärna med dem innan du ansöker.",
    "Du kan också ringa kommunens kontaktcenter på {phone} om du har frågor om {s}.",
    "Från och med den 1 {month} gäller en ny rutin för {s} i hela kommunen.",
    "Informationen om {s} finns även på lätt svenska och på engelska, finska och arabiska.",
    "När beslutet är fattat skickas ett skriftligt besked, och du kan följa ärendet i "
    "e-tjänsten under tiden.",
    "Kommunen prioriterar ärenden om {s} där det finns risker för hälsa eller säkerhet.",
    "Vid akuta problem utanför kontorstid ringer du kommunens jourtelefon på {phone}.",
    "I budgeten för {year} har kommunfullmäktige avsatt {mkr} miljoner kronor till {s}.",
    "En handläggare från {o} kan komma på besök i {d} för att bedöma behovet på plats.",
    "Fakturan för {s} skickas först när beslutet har fattats och ska betalas inom {days} dagar.",
    "Har du skyddade personuppgifter ska du kontakta {o} innan du skickar in något.",
    "Vanliga frågor om {s} samlas på kommunens webbplats och uppdateras varje {season}.",
    "I den senaste enkäten svarade {pct2} procent av invånarna att de är nöjda med {s}.",
    "Arbetet med {s} följs upp två gånger om året av {c}.",
    "En ny digital tjänst för {s} prövas just nu i {d} och ska finnas i hela kommunen {year2}.",
    "Kommunen samarbetar med grannkommunerna om {s}, bland annat om rutiner och utbildning.",
    "Spara kvittot om du har betalat en avgift för {s}, eftersom det kan behövas vid frågor.",
    "Den som har fått avslag på en ansökan om {s} kan söka igen när omständigheterna ändrats.",
    "Mellan {day} {month} och {day2} {month2} har {o} begränsad telefontid på grund av semester.",
    "Skolor, föreningar och företag i {d} har under året fått information om {s}.",
    "För {s} gäller samma regler i {d} som i övriga delar av kommunen.",
    "Ungefär {n} personer i {d} berörs av förändringarna, som börjar gälla den {day} {month}.",
    "Kommunen skickar påminnelser om {s} med sms om du har lämnat ditt mobilnummer.",
]
#: List items: documents to enclose, places, contact details.
ITEMS = [
    "namn, adress och telefonnummer",
    "personnummer eller organisationsnummer",
    "en beskrivning av vad ansökan om {s} gäller",
    "en karta över fastigheten i {d}",
    "ritningar i skala 1:100",
    "en fullmakt om någon annan ansöker åt dig",
    "uppgift om när arbetet ska börja och sluta",
    "intyg från hyresvärden eller fastighetsägaren",
    "en kopia av tidigare beslut om {s}",
    "en kostnadsberäkning",
    "fotografier av platsen",
    "uppgift om hur många som berörs",
    "läkarintyg när det behövs",
    "underskrift av alla ägare",
    "telefontid {wd}ar klockan {h1}-{h2}",
    "besöksadress Stationsvägen {n}, {d}",
    "e-post till {o}",
    "medborgarkontoret i {d}, öppet {wd}ar",
    "kontaktcenter, telefon {phone}",
    "ansökan senast den {day} {month}",
    "beslut inom {weeks} veckor",
    "avgift {fee} kronor",
]
HEADINGS = (
    "Så ansöker du, Avgifter, Handläggningstid, Kontakt, Vanliga frågor, Regler och villkor, "
    "Viktiga datum, Så fattas beslutet, Om du inte är nöjd, Bra att veta, "
    "Planerade förändringar, Uppföljning, Det här behöver du skicka in"
).split(", ")
PLAN_KINDS = (
    "Översiktsplan för {d}, Handlingsplan för {s}, Riktlinjer för {s}, Program för {s} i {d}, "
    "Strategi för {s}, Utredning om {s}"
).split(", ")
PLAN_HEADINGS = (
    "Inledning, Bakgrund, Mål och inriktning, Nuläge i {d}, Åtgärder, Ekonomi, Tidplan, "
    "Ansvar och samverkan, Samråd, Uppföljning, Risker, Konsekvenser för invånarna, "
    "Förslag till beslut, Ordlista"
).split(", ")


def slugify(text: str) -> str:
    ascii_text = text.lower().translate(str.maketrans("åäöé", "aaoe"))
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


class Writer:
    """Fixture sentences from `SENTENCES`, filled from one seeded random generator."""

    def __init__(self, seed: int | str) -> None:
        self.rng = random.Random(seed)

    def fill(self, template: str, subject: str, office: str, committee: str) -> str:
        r = self.rng
        h1 = r.randint(8, 10)
        month, month2 = r.sample(MONTHS, 2)
        d, d2 = r.sample(DISTRICTS, 2)
        # fmt: off
        values = {
            "s": subject, "o": office, "c": committee, "d": d, "d2": d2,
            "wd": r.choice(WEEKDAYS), "h1": f"{h1}.00", "h2": f"{r.randint(h1 + 2, 16)}.00",
            "weeks": r.randint(2, 10), "days": r.choice([10, 14, 21, 30]),
            "fee": f"{r.randrange(300, 9000, 50):,}".replace(",", " "),
            "month": month, "month2": month2, "day": r.randint(1, 28), "day2": r.randint(1, 28),
            "year": r.randint(2025, 2026), "year2": r.randint(2027, 2030),
            "n": r.randint(5, 60), "n2": r.randint(2, 9), "m": r.randint(2, 30),
            "big": r.randint(120, 4000), "pct": r.randint(3, 25), "pct2": r.randint(55, 92),
            "mkr": r.randint(2, 40), "season": r.choice(SEASONS),
            "phone": f"08-555 {r.randint(100, 999)} {r.randint(10, 99)}",
        }
        # fmt: on
        text = template.format(**values)
        return text[0].upper() + text[1:]

    def paragraph(self, subject: str, office: str, committee: str, n: int) -> str:
        templates = self.rng.sample(SENTENCES, n)
        return " ".join(self.fill(t, subject, office, committee) for t in templates)

    def items(self, subject: str, office: str, committee: str) -> list[str]:
        templates = self.rng.sample(ITEMS, self.rng.randint(3, 6))
        return [self.fill(t, subject, office, committee) for t in templates]


@dataclass
class Section:
    heading: str
    paragraphs: list[str]
    items: list[str] = field(default_factory=list)


@dataclass
class Page:
    """A content page: its place on the site, its text and its links."""

    path: str
    subject: str  # what the page is about, as the sentences name it
    title: str
    category: int
    intro: str
    sections: list[Section]
    updated: str
    related: list[str] = field(default_factory=list)  # paths, in the sidebar
    documents: list[tuple[str, str]] = field(default_factory=list)  # (path, link text)


@dataclass
class Site:
    """What `generate_site` wrote: the pages (for `change_site`) and the documents."""

    root: Path
    base_url: str  # where it is served: the sitemap lists absolute URLs
    spec: SiteSpec
    seed: int
    categories: int
    pages: list[Page]
    pdfs: list[tuple[str, str]]  # (path, title)
    docx: list[tuple[str, str]]
    pdf_pages: int = 0

    @property
    def html_pages(self) -> int:
        return len(self.pages) + 1  # and the home page

    def summary(self) -> dict[str, object]:
        files = [p for p in self.root.rglob("*") if p.is_file()]
        documents = self.html_pages + len(self.pdfs) + len(self.docx)
        return {
            "html_pages": self.html_pages,
            "pdfs": len(self.pdfs),
            "pdf_pages": self.pdf_pages,
            "docx": len(self.docx),
            "pages": self.html_pages + self.pdf_pages + len(self.docx),
            "files": documents,
            "bytes": sum(p.stat().st_size for p in files if p.suffix in {".html", ".pdf", ".docx"}),
            "base_url": self.base_url,
        }


@dataclass(frozen=True)
class Changes:
    changed: list[str]  # paths whose text was edited
    removed: list[str]  # paths deleted
    rewritten: list[str]  # paths whose chrome changed (links to a deleted page)


def generate_site(root: Path, spec: SiteSpec, *, base_url: str, seed: int) -> Site:
    """Write the site below `root`: pages, documents, robots.txt and sitemap.xml.

    Args:
        root: An empty or missing folder.
        spec: How many pages and documents.
        base_url: Where the site will be served (scheme, host and port).
        seed: Same seed, same site, byte for byte.
    """
    root.mkdir(parents=True)
    # A small site gets fewer sections, so that most pages are not menu entries.
    n_categories = max(1, min(len(CATEGORIES), spec.pages // 5))
    pages = [_page(i, n_categories, seed) for i in range(spec.pages)]
    assert len({p.path for p in pages}) == len(pages), "two pages on one path"
    for page in pages:
        same = [p.path for p in pages if p.category == page.category and p is not page]
        start = (pages.index(page) // n_categories) % max(1, len(same))
        page.related = (same[start:] + same[:start])[:4]
    site = Site(root, base_url, spec, seed, n_categories, pages, pdfs=[], docx=[])
    rng = random.Random(f"{seed}-documents")
    for j in range(spec.pdfs):
        site.pdf_pages += _write_pdf(site, j, spec.pdf_pages, rng)
    for j in range(spec.docx):
        _write_docx(site, j, rng)
    for j, (path, title) in enumerate(site.pdfs + site.docx):
        kind = "PDF" if path.endswith(".pdf") else "Word"
        linker = pages[(j * 7 + 3) % len(pages)]
        linker.documents.append((path, f"{title} ({kind})"))
    for page in pages:
        _write(root, page.path, render_page(site, page))
    _write(root, "/index.html", render_home(site))
    _write(root, "/robots.txt", "User-agent: *\nDisallow: /sok\n")
    _write(root, "/sitemap.xml", render_sitemap(site))
    for path in root.rglob("*"):
        os.utime(path, (PUBLISHED, PUBLISHED))
    return site


def change_site(site: Site, *, changed: int, removed: int, seed: int) -> Changes:
    """Edit `changed` pages' text and delete `removed` pages with every link to them.

    Deleted pages are never menu entries (the first page of each section), so the edit
    touches the A-Ö list, the sitemap and the sidebars that link them, not every page.
    """
    rng = random.Random(f"{seed}-changes")
    candidates = [p for i, p in enumerate(site.pages) if i >= site.categories]
    gone = rng.sample(candidates, removed)
    edited = rng.sample([p for p in site.pages if p not in gone], changed)
    writer = Writer(f"{seed}-edits")
    for page in edited:
        _, _, office, committee, _ = CATEGORIES[page.category]
        subject = page.subject
        page.intro = writer.paragraph(subject, office, committee, 3)
        first = page.sections[0]
        extra = writer.paragraph(subject, office, committee, 3)
        page.sections[0] = replace(first, paragraphs=[*first.paragraphs, extra])
        page.updated = "3 februari 2025"
    gone_paths = {p.path for p in gone}
    for page in gone:
        (site.root / page.path.lstrip("/")).unlink()
        site.pages.remove(page)
    rewritten = []
    for page in site.pages:
        if gone_paths & set(page.related):
            page.related = [p for p in page.related if p not in gone_paths]
            if page not in edited:
                rewritten.append(page.path)
    touched = {p.path for p in edited} | set(rewritten)
    for page in site.pages:
        if page.path in touched:
            _write(site.root, page.path, render_page(site, page), mtime=EDITED)
    _write(site.root, "/index.html", render_home(site), mtime=EDITED)
    _write(site.root, "/sitemap.xml", render_sitemap(site), mtime=EDITED)
    return Changes(
        changed=sorted(p.path for p in edited),
        removed=sorted(gone_paths),
        rewritten=sorted([*rewritten, "/"]),
    )


def _page(i: int, n_categories: int, seed: int) -> Page:
    category = i % n_categories
    slug, _, office, committee, subjects = CATEGORIES[category]
    n = i // n_categories
    subject = subjects[n % len(subjects)]
    if n >= len(subjects):
        subject = f"{subject} i {DISTRICTS[(n // len(subjects) + i) % len(DISTRICTS)]}"
    w = Writer(f"{seed}-page-{i}")
    sections = []
    for heading in w.rng.sample(HEADINGS, w.rng.randint(3, 5)):
        paragraphs = [
            w.paragraph(subject, office, committee, w.rng.randint(2, 5))
            for _ in range(w.rng.randint(1, 3))
        ]
        items = w.items(subject, office, committee) if w.rng.random() < 0.4 else []
        sections.append(Section(heading, paragraphs, items))
    return Page(
        path=f"/{slug}/{slugify(subject)}.html",
        subject=subject,
        title=subject[0].upper() + subject[1:],
        category=category,
        intro=w.paragraph(subject, office, committee, w.rng.randint(2, 3)),
        sections=sections,
        updated=f"{w.rng.randint(1, 28)} {w.rng.choice(MONTHS)} 2024",
    )


def _write_pdf(site: Site, j: int, n_pages: int, rng: random.Random) -> int:
    """A plan of `n_pages` pages (a page is one heading and its paragraphs); pages written."""
    from pypdf import PdfReader

    category = j % len(CATEGORIES)
    _, _, office, committee, subjects = CATEGORIES[category]
    subject = subjects[(j // len(CATEGORIES)) % len(subjects)]
    title = rng.choice(PLAN_KINDS).format(s=subject, d=DISTRICTS[j % len(DISTRICTS)])
    title = f"{title} {2025 + j % 3}-{2030 + j % 6}"
    w = Writer(f"{site.seed}-pdf-{j}")
    headings = (PLAN_HEADINGS * 2)[:n_pages]
    pages = [
        (
            f"{k + 1}. " + h.format(d=DISTRICTS[(j + k) % len(DISTRICTS)]),
            [w.paragraph(subject, office, committee, w.rng.randint(3, 4)) for _ in range(3)],
        )
        for k, h in enumerate(headings)
    ]
    path = f"/dokument/{slugify(title)}.pdf"
    if (site.root / path.lstrip("/")).exists():  # two plans drew the same title
        path = f"/dokument/{slugify(title)}-{j + 1}.pdf"
    target = site.root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    make_pdf(target, pages, title=title)
    site.pdfs.append((path, title))
    return len(PdfReader(target).pages)


def _write_docx(site: Site, j: int, rng: random.Random) -> None:
    """A guide: headings, paragraphs, a checklist and a fee table."""
    category = (j + 4) % len(CATEGORIES)
    _, _, office, committee, subjects = CATEGORIES[category]
    subject = subjects[(j * 5 + 2) % len(subjects)]
    title = f"Guide: {subject} {rng.randint(2025, 2026)}"
    w = Writer(f"{site.seed}-docx-{j}")
    blocks: list[tuple[str, object]] = [("heading1", title)]
    for heading in w.rng.sample(HEADINGS, 5):
        blocks.append(("heading2", heading))
        blocks += [("p", w.paragraph(subject, office, committee, 4)) for _ in range(2)]
    blocks += [("heading2", "Checklista"), ("list", w.items(subject, office, committee))]
    fees = [["Avgift", "Belopp"]] + [
        [f"{h}", f"{w.rng.randrange(200, 6000, 50)} kronor"] for h in w.rng.sample(HEADINGS, 4)
    ]
    blocks += [("heading2", "Avgifter"), ("table", fees)]
    path = f"/dokument/{slugify(title)}.docx"
    if (site.root / path.lstrip("/")).exists():  # two plans drew the same title
        path = f"/dokument/{slugify(title)}-{j + 1}.docx"
    target = site.root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    make_docx(target, blocks, title=title)
    site.docx.append((path, title))


def _write(root: Path, path: str, text: str, *, mtime: int | None = None) -> None:
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    if mtime is not None:
        os.utime(target, (mtime, mtime))


# --------------------------------------------------------------------------------- rendering


def _chrome(site: Site, title: str, crumbs: str, main: str, aside: str = "") -> str:
    menu = "".join(
        f'<li><a href="{escape(site.pages[c].path)}">{escape(CATEGORIES[c][1])}</a></li>'
        for c in range(min(site.categories, len(site.pages)))
    )
    return f"""<!doctype html>
<html lang="sv">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} - {MUNICIPALITY}</title>
<link rel="stylesheet" href="/css/site.css">
</head>
<body>
<a class="skip-link" href="#innehall">Gå direkt till innehållet</a>
<header class="sidhuvud">
<a class="logotyp" href="/">{MUNICIPALITY}</a>
<form role="search" action="/sok"><label>Sök på webbplatsen <input name="q"></label>
<button>Sök</button></form>
</header>
<nav class="huvudmeny" aria-label="Huvudmeny"><ul>{menu}</ul></nav>
<nav class="brodsmulor" aria-label="Du är här"><a href="/">Start</a>{crumbs}</nav>
<main id="innehall">
{main}
</main>
{aside}
<footer class="sidfot">
<p>{MUNICIPALITY}, 123 45 Testby. Telefon 08-555 100 00. Organisationsnummer 212000-0000.</p>
<p><a href="/">Till startsidan</a></p>
</footer>
<div id="cookie-banner" class="cookie">Vi använder kakor för att webbplatsen ska fungera.
<button>Godkänn</button></div>
</body>
</html>
"""


def render_page(site: Site, page: Page) -> str:
    parts = [f"<h1>{escape(page.title)}</h1>", f'<p class="ingress">{escape(page.intro)}</p>']
    for section in page.sections:
        parts.append(f"<h2>{escape(section.heading)}</h2>")
        parts += [f"<p>{escape(p)}</p>" for p in section.paragraphs]
        if section.items:
            parts.append("<ul>" + "".join(f"<li>{escape(i)}</li>" for i in section.items) + "</ul>")
    if page.documents:
        links = "".join(
            f'<li><a href="{escape(p)}">{escape(t)}</a></li>' for p, t in page.documents
        )
        parts.append(f"<h2>Dokument</h2><ul>{links}</ul>")
    parts.append(f'<p class="uppdaterad">Senast uppdaterad {escape(page.updated)}</p>')
    titles = {p.path: p.title for p in site.pages}
    related = "".join(
        f'<li><a href="{escape(p)}">{escape(titles[p])}</a></li>' for p in page.related
    )
    aside = f'<aside class="relaterat"><h2>Relaterade sidor</h2><ul>{related}</ul></aside>'
    category = CATEGORIES[page.category][1]
    crumbs = f" / {escape(category)} / {escape(page.title)}"
    return _chrome(site, page.title, crumbs, "\n".join(parts), aside)


def render_home(site: Site) -> str:
    w = Writer(f"{site.seed}-home")
    _, _, office, committee, _ = CATEGORIES[0]
    intro = w.paragraph("kommunens service", office, committee, 3)
    index = "".join(
        f'<li><a href="{escape(p.path)}">{escape(p.title)}</a></li>'
        for p in sorted(site.pages, key=lambda p: p.title)
    )
    main = (
        f"<h1>Välkommen till {MUNICIPALITY}</h1><p>{escape(intro)}</p>"
        f'<nav class="a-o" aria-label="A-Ö"><h2>Innehåll A-Ö</h2><ul>{index}</ul></nav>'
    )
    return _chrome(site, "Startsida", "", main)


def render_sitemap(site: Site) -> str:
    paths = ["/"] + [p.path for p in site.pages] + [p for p, _ in site.pdfs + site.docx]
    urls = "".join(f"<url><loc>{escape(site.base_url + p)}</loc></url>" for p in paths)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>\n'
    )
