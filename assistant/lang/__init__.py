"""Per-language tables: how questions are read and what an answering sentence must hold.

Each language is one TOML file beside this module (`sv.toml`, `en.toml`) with the same
sections; see `sv.toml` for what each holds. The tables are language data only, never words
of a corpus, so the same code serves any corpus in these languages. Adding a language is
adding a file.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from assistant.lexical import fold, half_of, stopwords, term, words

HERE = Path(__file__).parent
#: The language of the sources and of every answer; questions in others are read too.
DEFAULT = "sv"


#: Fact types whose answers are told by capitals (names): their patterns keep their case.
_CASED = frozenset({"person", "agent", "name", "firm"})


@dataclass(frozen=True)
class Language:
    """One language's compiled tables."""

    code: str
    markers: frozenset[str]
    list_cue: re.Pattern[str]
    yesno_cue: re.Pattern[str]
    yesno_asked: re.Pattern[str]  # a yes/no cue only in a sentence that ends with "?"
    wh_cue: re.Pattern[str]  # on a folded clause: it opens with an interrogative ("hur", "when")
    not_wh: re.Pattern[str]  # on a lower-case clause: it opens with what folds to one ("vår")
    relative_subject: re.Pattern[str]  # on a folded clause: a subject, "den som inte har …"
    smalltalk: tuple[tuple[str, re.Pattern[str]], ...]  # (kind, whole-question pattern)
    filler: re.Pattern[str]  # on folded text: words that open a message, "ok", "jaha"
    about: re.Pattern[str]  # on folded text: opens what a question is about, "på", "at"
    expects: tuple[tuple[str, re.Pattern[str]], ...]  # (fact type, cue), first match wins
    asks: tuple[tuple[str, re.Pattern[str]], ...]  # (fact type, interrogative opening a clause)
    answers: dict[str, re.Pattern[str]]  # fact type -> what an answering sentence holds
    asking: frozenset[str]  # analysed terms
    kind_words: frozenset[str]  # analysed terms
    function_words: frozenset[str]  # lower-case words as written, not terms: "sitt", not "sitter"
    numbers: dict[str, int]  # folded number word (cardinal or ordinal) -> value
    scales: dict[str, int]  # folded word that scales the number before it ("miljoner") -> factor
    halves: frozenset[str]  # folded words for a half of what follows ("halv" in "en halv miljon")
    number_joins: frozenset[str]  # folded words joining a whole to a half ("och", "and")
    ordinals: dict[str, int]  # folded ordinal -> rank ("fjärde" -> 4, "näst" -> 2)
    abbreviations: frozenset[str]  # lower-case, without the last period: "kl", "t.ex"
    negations: frozenset[str]  # folded
    denials: frozenset[str]  # folded: the negations of a verb ("inte", "never")
    relative_negation: re.Pattern[str]  # on folded text: "som inte", "who cannot"
    not_only: re.Pattern[str]  # on folded text: a negated restriction, "inte bara", "not only"
    negated_member: re.Pattern[str]  # on folded text: before "och inte", "and not"
    not_forbidden: re.Pattern[str]  # on folded text: a negated prohibition, "inte förbjudet"
    said_no: re.Pattern[str]  # on folded text: the answer word as a noun, "ett nej", "a no"
    prohibition: re.Pattern[str]  # on folded text: says something is forbidden, "är förbjudet"
    requirement: re.Pattern[str]  # on folded text: a ban on doing without, "utan", "without"
    without_clause: re.Pattern[str]  # on folded text: "utan att", "without paying"
    ban: re.Pattern[str]  # on folded text: a ban named by a noun, "rökförbud", "ban"
    negating: re.Pattern[str]  # on folded text: negates the clause after it, "utan att"
    conditional: re.Pattern[str]  # on folded text: a negated condition, "om du inte"
    concessive: re.Pattern[str]  # on folded text: a negation conceded, "även om du inte"
    restrictive: frozenset[str]  # folded: "bara", "only"
    doer: re.Pattern[str]  # on folded text: asks whether one named does it, "är det X som"
    oblique: frozenset[str]  # folded: prepositions after which a noun is no doer, "genom"
    count_subjects: frozenset[str]  # folded: subject pronouns after a counting verb
    pronouns: frozenset[str]  # folded: subject pronouns that may name a doer, "vi", "we"
    free: re.Pattern[str]  # on folded text: costs nothing, "gratis", "free of charge"
    superlative: re.Pattern[str]  # on folded text, of size or number: "största", "the largest"
    first: re.Pattern[str]  # on folded text: asks which is first, "vilken … störst" (a group)
    inclusive: re.Pattern[str]  # on folded text: "både … och", "as well as"
    universal: re.Pattern[str]  # on folded text: asks of every one of a group, "alla", "all"
    partial: re.Pattern[str]  # on folded text: a part of a group, "fyra av dessa", "some of them"
    exception: re.Pattern[str]  # on folded text: "utom", "except"
    weekdays: tuple[str, ...]  # folded, Monday first: "mandag", "monday"
    weekday_groups: dict[str, tuple[int, ...]]  # folded: "vardag" -> Monday to Friday
    weekday_short: tuple[str, ...]  # folded, Monday first: "man" in "mån–fre", "mon"
    through: re.Pattern[str]  # on folded text: what joins a range's ends, "–", "till"
    about_page: re.Pattern[str]  # on folded text: "Här kan du läsa om …", "Read more"
    membership: re.Pattern[str]  # on folded text: "ingår", "en av", "part of"
    existential: re.Pattern[str]  # on folded text: "finns det (nån)", "is there (a)"
    spoken: re.Pattern[str]  # on folded text: the language asked about ("på arabiska")
    waiver: re.Pattern[str]  # on folded text: a negated requirement, "behöver inte", "no need"
    no_limit: re.Pattern[str]  # on folded text: no limit, "ingen åldersgräns", "no age limit"
    required: re.Pattern[str]  # on folded text: says something is required, "måste", "must"
    requirement_nouns: frozenset[str]  # folded nouns naming a requirement: "krav", "requirement"
    permission: re.Pattern[str]  # on folded text: asks whether one may, "får", "can"
    clock: re.Pattern[str]  # on folded text: asks the time of day, "vilken tid", "what time"
    limit: re.Pattern[str]  # on folded text: a limit or requirement named, "åldersgräns"
    obligation: re.Pattern[str]  # on folded text: asks whether one must, "måste", "have to"
    dispensing: re.Pattern[str]  # on folded text: asks about doing without, "utan", "without"
    counterfactual: re.Pattern[str]  # on folded text: what would be, "vore", "would be"
    supposing: re.Pattern[str]  # on folded text: a question that supposes, "skulle", "would"
    subordinate: re.Pattern[str]  # lower-cased, as written: opens a subordinate clause, "när"
    indirect: re.Pattern[str]  # lower-cased, ending at "om"/"if": a verb it completes, "utreda"
    adverbs: frozenset[str]  # folded: "också", "too"
    # On a folded word: a role a question may ask who holds, group `base` the role as its
    # compound names it ("dataskyddsombudet" -> "dataskyddsombud"); None where the language
    # lists none.
    roles: re.Pattern[str] | None
    proforms: frozenset[str]  # folded: "sånt", "such"
    circumstance: re.Pattern[str]  # on folded text: "som är 15", "40 min", "15 km"
    decade: re.Pattern[str]  # on folded text: "på 60-talet", "1990-talet", "the 1960s"
    past: re.Pattern[str]  # on folded text: a time gone by asked about, "förra året", "last year"
    place: re.Pattern[str]  # as written: a place named by what it is, "Huddinge kommun"
    told_place: re.Pattern[str]  # on folded text: the asker's own place before it, "jag bor i"
    not_place: frozenset[str]  # folded words before "kommun" that name no place, "min"
    now: re.Pattern[str]  # on folded text: the present asked about, "just nu", "right now"
    self_told: re.Pattern[str]  # on a folded clause: the asker tells of themselves, "jag …"
    # on a folded sentence: where one that tells turns to ask, "… och undrar", " – "
    turn: re.Pattern[str]
    state: re.Pattern[str]  # on a folded yes/no clause: asks whether a state holds, "är det"
    advice: re.Pattern[str]  # on folded text: a recommendation asked for, "rekommenderar ni"
    counted: re.Pattern[str]  # on folded text: the words "hur många" counts (its groups)
    count_verbs: dict[str, tuple[str, ...]]  # folded: a verb, the words for whom it counts
    procedure: re.Pattern[str]  # on folded text: what "hur ansöker jag om …" asks for (a group)
    forecast: re.Pattern[str]  # on folded text: asks what the weather will be
    degree: re.Pattern[str]  # on folded text: the word "hur stor" asks the degree of
    cardinal: re.Pattern[str]  # a lower-case word: a number that counts ("tjugofem", "40")
    single: re.Pattern[str]  # a lower-case word: "en", "one" right before what it counts
    measure: re.Pattern[str]  # a lower-case word: a unit a number measures ("kronor", "år")
    label: re.Pattern[str]  # a lower-case word: what a number after it names ("klockan 11")
    endings: tuple[str, ...]  # what an inflected form adds to a stem ("veckor" – "veckors")
    # what the stemmer leaves of an inflection on a stem it cut shorter ("skolan" – "skol",
    # "vattnet" – "vatt"): a form of the word, though no ending `endings` adds
    stem_rests: tuple[str, ...]
    # on a folded clause: where the asker tells where they live or work ("bor i", "flyttade
    # till", "live in"), the telling that a sentence may turn from to ask (`turn`)
    dwells: re.Pattern[str]
    # on a folded sentence: it opens with a definite noun that refers back to what the
    # sentence before it names ("Området har inte …" after "Orrliden ligger i …")
    refers_back: re.Pattern[str]
    at_most: re.Pattern[str]  # on folded text before a number: "upp till", "högst"
    at_least: re.Pattern[str]  # on folded text before a number: "mer än", "minst"
    at_most_after: re.Pattern[str]  # on folded text after a number: "(år) eller yngre"
    at_least_after: re.Pattern[str]  # on folded text after a number: "(år) eller äldre"
    aged: re.Pattern[str]  # on folded text before a number that is an age: "som är", "fyllt"
    aged_alone: re.Pattern[str]  # the same when no unit follows the number: "är", "is"
    age_unit: str  # folded: the unit an age is counted in ("år", "years")
    before: re.Pattern[str]  # on folded text before a year: "före", "before"
    after: re.Pattern[str]  # on folded text before a year: "efter", "after"
    units: dict[str, str]  # folded unit word or sign -> the unit it names ("kr" -> "kronor")
    unit_asked: re.Pattern[str]  # on folded text: the unit a question asks its figure in
    rate: re.Pattern[str]  # on folded text: what an amount is reckoned by, "per timme", "/km"
    rate_units: dict[str, str]  # folded word of `rate` -> the unit it names ("dygn" -> "day")
    follow_start: re.Pattern[str]
    follow_end: re.Pattern[str]
    pronoun: re.Pattern[str]
    instruction: re.Pattern[str]
    aside: re.Pattern[str]  # on lower-case text: an aside that opens a message, "förresten,"
    replies: dict[str, str]  # what is said to small talk and as a verdict (answer language)
    # lower-case word -> the spelling it is read as when the type of fact asked for is told
    # ("är" -> "e": it folds to "ar", as "år" does)
    respell: dict[str, str] = field(default_factory=dict)
    # folded unit word -> how many of a smaller unit it makes ("veckor" -> (7, "dagar"))
    spans: dict[str, tuple[int, str]] = field(default_factory=dict)
    unaccented: dict[str, str] = field(default_factory=dict)  # "manga" -> "många"
    background: tuple[str, ...] = ()  # everyday sentences on unrelated subjects
    # The term of a word of this language -> the default language's terms that say the same
    # ("hearing" -> {"horsel", "horsling"}): how its questions meet the sources' words.
    glossary: dict[str, frozenset[str]] = field(default_factory=dict)
    # A lower-case word of this language -> the first word its glossary gives, as written
    # ("hearing" -> "hörsel"): how a question of it is worded again in the sources' language.
    rendering: dict[str, str] = field(default_factory=dict)
    # Contracted forms and what they are written out as, apostrophe either way ("don't",
    # "don’t" -> "do not"), or None for a language without any.
    contractions: tuple[re.Pattern[str], dict[str, str]] | None = None


def _compile(data: dict) -> Language:
    words = data["words"]
    answers = data["answers"]
    # A cue may name any role the language lists ("vad heter {role}"), as its `roles` word
    # pattern without the group that tells the role's base.
    role = "(?:" + words.get("roles", r"(?!)").replace("(?P<base>", "(?:") + ")"
    return Language(
        code=data["language"],
        markers=frozenset(data["markers"]),
        list_cue=re.compile(data["kinds"]["list"]),
        yesno_cue=re.compile(data["kinds"]["yesno"]),
        yesno_asked=re.compile(data["kinds"].get("yesno_asked", r"(?!)")),
        wh_cue=re.compile(data["kinds"]["wh"]),
        relative_subject=re.compile(data["kinds"]["relative_subject"]),
        not_wh=re.compile(data["kinds"].get("not_wh", r"(?!)")),
        smalltalk=tuple((k, re.compile(v)) for k, v in data["smalltalk"].items()),
        filler=re.compile(words["filler"]),
        about=re.compile(words["about"]),
        expects=tuple(
            (e["type"], re.compile(e["cue"].replace("{role}", role))) for e in data["expects"]
        ),
        asks=tuple(
            (e["type"], re.compile(e["asks"].replace("{role}", role)))
            for e in data["expects"]
            if "asks" in e
        ),
        answers={
            # A person is told by capitals, so those patterns keep their case.
            name: re.compile(p, 0 if name in _CASED else re.IGNORECASE)
            for name, p in answers.items()
        },
        asking=frozenset(term(w) for w in words["asking"]),
        kind_words=frozenset(term(w) for w in words["kind"]),
        function_words=frozenset(
            unicodedata.normalize("NFC", w.lower()) for w in words["function"]
        ),
        respell=dict(words.get("respell", {})),
        unaccented=dict(words.get("unaccented", {})),
        numbers={
            fold(k): int(v) for k, v in (*words["numbers"].items(), *words["ordinals"].items())
        },
        ordinals={fold(k): int(v) for k, v in words["ordinals"].items()},
        scales={fold(k): int(v) for k, v in words.get("scales", {}).items()},
        halves=frozenset(fold(w) for w in words.get("halves", ())),
        number_joins=frozenset(fold(w) for w in words.get("number_joins", ())),
        abbreviations=frozenset(a.lower() for a in words["abbreviations"]),
        negations=frozenset(fold(w) for w in words["negations"]),
        denials=frozenset(fold(w) for w in words["denials"]),
        relative_negation=re.compile(words["relative_negation"]),
        not_only=re.compile(words["not_only"]),
        negated_member=re.compile(words.get("negated_member", r"(?!)")),
        not_forbidden=re.compile(words.get("not_forbidden", r"(?!)")),
        said_no=re.compile(words.get("said_no", r"(?!)")),
        prohibition=re.compile(words.get("prohibition", r"(?!)")),
        requirement=re.compile(words.get("requirement", r"(?!)")),
        without_clause=re.compile(words.get("without_clause", r"(?!)")),
        ban=re.compile(words.get("ban", r"(?!)")),
        negating=re.compile(words["negating"]),
        conditional=re.compile(words["conditional"]),
        concessive=re.compile(words.get("concessive", r"(?!)")),
        restrictive=frozenset(fold(w) for w in words["restrictive"]),
        doer=re.compile(words.get("doer", r"(?!)")),
        oblique=frozenset(fold(w) for w in words.get("oblique", ())),
        count_subjects=frozenset(fold(w) for w in words.get("count_subjects", ())),
        pronouns=frozenset(fold(w) for w in words.get("pronouns", ())),
        free=re.compile(words["free"]),
        superlative=re.compile(words["superlative"]),
        first=re.compile(words["first"]),
        inclusive=re.compile(words["inclusive"]),
        universal=re.compile(words.get("universal", r"(?!)")),
        partial=re.compile(words.get("partial", r"(?!)")),
        exception=re.compile(words["exception"]),
        weekdays=tuple(fold(w) for w in words.get("weekdays", [])),
        weekday_groups={fold(k): tuple(v) for k, v in words.get("weekday_groups", {}).items()},
        weekday_short=tuple(fold(w) for w in words.get("weekday_short", [])),
        through=re.compile(words.get("through", r"(?!)")),
        about_page=re.compile(words["about_page"]),
        membership=re.compile(words["membership"]),
        existential=re.compile(words["existential"]),
        spoken=re.compile(words.get("spoken", r"(?!)")),
        waiver=re.compile(words.get("waiver", r"(?!)")),
        no_limit=re.compile(words.get("no_limit", r"(?!)")),
        required=re.compile(words.get("required", r"(?!)")),
        requirement_nouns=frozenset(fold(w) for w in words.get("requirement_nouns", [])),
        permission=re.compile(words.get("permission", r"(?!)")),
        clock=re.compile(words.get("clock", r"(?!)")),
        limit=re.compile(words.get("limit", r"(?!)")),
        obligation=re.compile(words.get("obligation", r"(?!)")),
        dispensing=re.compile(words.get("dispensing", r"(?!)")),
        counterfactual=re.compile(words.get("counterfactual", r"(?!)")),
        supposing=re.compile(words.get("supposing", r"(?!)")),
        subordinate=re.compile(words.get("subordinate", r"(?!)")),
        indirect=re.compile(words.get("indirect", r"(?!)")),
        adverbs=frozenset(fold(w) for w in words["adverbs"]),
        roles=re.compile(words["roles"]) if "roles" in words else None,
        proforms=frozenset(fold(w) for w in words["proforms"]),
        circumstance=re.compile(words["circumstance"]),
        decade=re.compile(words["decade"]),
        past=re.compile(words.get("past", r"(?!)")),
        place=re.compile(words.get("place", r"(?!)")),
        told_place=re.compile(words.get("told_place", r"(?!)")),
        not_place=frozenset(words.get("not_place", ())),
        now=re.compile(words.get("now", r"(?!)")),
        self_told=re.compile(words.get("self_told", r"(?!)")),
        turn=re.compile(words.get("turn", r"(?!)")),
        state=re.compile(words.get("state", r"(?!)")),
        advice=re.compile(words.get("advice", r"(?!)")),
        counted=re.compile(words["counted"]),
        count_verbs={
            fold(k): tuple(fold(w) for w in v) for k, v in words.get("count_verbs", {}).items()
        },
        procedure=re.compile(words.get("procedure", r"(?!)")),
        forecast=re.compile(words.get("forecast", r"(?!)")),
        degree=re.compile(words.get("degree", r"(?!)")),
        cardinal=re.compile(words["cardinal"]),
        single=re.compile(words["single"]),
        measure=re.compile(words["measure"]),
        label=re.compile(words["label"]),
        endings=tuple(words["endings"]),
        stem_rests=tuple(words.get("stem_rests", ())),
        dwells=re.compile(words.get("dwells", r"(?!)")),
        refers_back=re.compile(words.get("refers_back", r"(?!)")),
        at_most=re.compile(words["at_most"]),
        at_least=re.compile(words["at_least"]),
        at_most_after=re.compile(words["at_most_after"]),
        at_least_after=re.compile(words["at_least_after"]),
        aged=re.compile(words["aged"]),
        aged_alone=re.compile(words["aged_alone"]),
        age_unit=fold(words["age_unit"]),
        before=re.compile(words["before"]),
        after=re.compile(words["after"]),
        units={fold(k): fold(v) for k, v in words["units"].items()},
        unit_asked=re.compile(words["unit_asked"]),
        rate=re.compile(words["rate"]),
        rate_units={fold(k): v for k, v in words["rate_units"].items()},
        spans={fold(k): _span(v) for k, v in words.get("spans", {}).items()},
        follow_start=re.compile(data["follow_up"]["start"]),
        follow_end=re.compile(data["follow_up"]["end"]),
        pronoun=re.compile(data["follow_up"]["pronoun"]),
        instruction=re.compile(data["instructions"]["clause"]),
        aside=re.compile(data["instructions"]["aside"]),
        replies=dict(data.get("replies", {})),
        background=tuple(data.get("background", {}).get("sentences", ())),
        glossary=_glossary(data.get("glossary", {})),
        rendering=_rendering(data.get("glossary", {})),
        contractions=_contractions(data.get("contractions", {})),
    )


def _span(text: str) -> tuple[int, str]:
    """ "7 dagar" -> (7, "dagar"): how many of which smaller unit a unit makes (folded)."""
    count, unit = text.split(maxsplit=1)
    return int(count), fold(unit)


def _rendering(table: dict[str, str]) -> dict[str, str]:
    """Each word form of a glossary -> the first word of the first entry that lists it, as
    written ("book" -> "boka": the entry for booking stands before the one for books)."""
    out: dict[str, str] = {}
    for forms, swedish in table.items():
        for form in forms.split():
            out.setdefault(form.lower(), swedish.split()[0])
    return out


def _contractions(
    table: dict[str, dict[str, str]],
) -> tuple[re.Pattern[str], dict[str, str]] | None:
    """A pattern of a language's contracted words and endings, whole words first, and what
    each is written out as (keyed by its lower-case form with a straight apostrophe)."""
    whole, endings = table.get("words", {}), table.get("endings", {})
    if not whole and not endings:
        return None

    def form(text: str) -> str:
        return re.escape(text).replace("'", "['’]")

    parts = [rf"\b{form(w)}\b" for w in whole] + [rf"{form(e)}\b" for e in endings]
    # ASCII case-folding only: "ſ" is no "s" to look up.
    return re.compile("|".join(parts), re.IGNORECASE | re.ASCII), {**whole, **endings}


def _glossary(table: dict[str, str]) -> dict[str, frozenset[str]]:
    """{"word forms": "Swedish words"} -> the term of each form -> the Swedish words' terms."""
    out: dict[str, set[str]] = {}
    stop = stopwords()
    for forms, swedish in table.items():
        # Terms as the evidence has them (`Analyzer.terms`): "möte" stems to a stop word.
        targets = {term(w) for w in words(swedish) if fold(w) not in stop}
        if not targets:
            raise ValueError(f"glossary: {forms!r} has no word the sources could hold")
        for form in forms.split():
            out.setdefault(term(form.lower()), set()).update(targets)
    return {k: frozenset(v) for k, v in out.items()}


@cache
def languages() -> dict[str, Language]:
    """Every language table beside this module, by code; the default language first."""
    found = {}
    for path in sorted(HERE.glob("*.toml"), key=lambda p: (p.stem != DEFAULT, p.stem)):
        with path.open("rb") as handle:
            lang = _compile(tomllib.load(handle))
        found[lang.code] = lang
    return found


def _marker_counts(folded_words: list[str]) -> dict[str, int]:
    """How many of a question's words are each language's function words."""
    return {
        code: sum(w in lang.markers for w in folded_words) for code, lang in languages().items()
    }


def detect(folded_words: list[str]) -> str:
    """The language whose function words a question uses most; the default on a tie."""
    best, best_count = DEFAULT, 0
    for code, count in _marker_counts(folded_words).items():
        if count > best_count:
            best, best_count = code, count
    return best


def decisive(folded_words: list[str]) -> bool:
    """Whether a question's function words tell its language: one language's more than any
    other's ("Swimming lessons in summer?" has only "in", which both write)."""
    counts = sorted(_marker_counts(folded_words).values())
    return len(counts) < 2 or counts[-1] > counts[-2]


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", fold(text.lower())))


def ranks(text: str) -> list[tuple[int, str]]:
    """The ranks a text gives, with the word each ranks by: "det fjärde största länet" ->
    [(4, "storsta")] (folded words, any known language)."""
    words = re.findall(r"\w+", fold(text.lower()))
    found = []
    for lang in languages().values():
        for first, second in zip(words, words[1:], strict=False):
            if first in lang.ordinals:
                found.append((lang.ordinals[first], second))
    return found


def negated(text: str, *, without: bool = True) -> bool:
    """Whether a text holds a negation of any known language ("inte", "not"); a negated
    restriction ("inte bara", "not only") says more, not the opposite, and a negation inside
    a condition ("om du inte kan …") does not negate what is said. In the clause of a
    statement "utan att" negates what follows it ("… utan att bebyggelsen glesas ut");
    `without=False` reads it as no negation: a question about doing without ("kan jag klaga
    utan att uppge namn?") asks no negated question, and in a whole text it may negate only
    one clause of several. What says something is forbidden negates too ("Engångsgrillar är
    förbjudna"; `prohibited`)."""
    folded = _asserted(text)
    words = _asserted_words(folded, negating=without)
    return any(words & lang.negations for lang in languages().values()) or _prohibits(folded)


def prohibited(text: str) -> bool:
    """Whether a text says that something is forbidden ("är förbjudet att", "förbjuds", "is
    banned"), not in a negation ("inte längre förbjudet") nor a condition, nor before a noun
    ("olagligt innehåll"), nor as a ban on doing without something ("förbjudet att sälja utan
    tillstånd" requires one)."""
    return _prohibits(_asserted(text))


def _prohibits(folded: str) -> bool:
    """`prohibited` on a text already read by `_asserted`."""
    return any(
        lang.prohibition.search(folded) and not lang.requirement.search(folded)
        for lang in languages().values()
    )


def denied_terms(text: str, reach: int = 3) -> frozenset[str]:
    """The terms that a text's negations other than a verb's (`denials`: "inte", "not") deny,
    such as "inget" and "saknar": those of the words that follow one within its clause, up
    to `reach` of them, stop words left out ("du behöver inget eget wifi" → "eget", "wifi";
    nothing of "du kan inte betala med kort"; folded, as `negated` reads it)."""
    stop = stopwords()
    every = frozenset().union(*(lang.negations for lang in languages().values()))
    negations = every - frozenset().union(*(lang.denials for lang in languages().values()))
    found: set[str] = set()
    for clause in re.split(r"[,.;:!?()]", _asserted(text)):
        tokens = re.findall(r"\w+", clause)
        for i, token in enumerate(tokens):
            if token in negations:
                found |= {term(w) for w in tokens[i + 1 : i + 1 + reach] if w not in stop}
    return frozenset(found - {term(w) for w in every})


def denies(text: str) -> bool:
    """Whether a text denies what its verb says ("beviljas inte för", "is not granted for"),
    as `negated` reads it, but not by a noun's determiner ("ingen remiss", "inga avgifter")
    nor in a relative clause ("den som inte kan gå får")."""
    folded = fold(text.lower())
    for lang in languages().values():
        folded = lang.relative_negation.sub(" ", folded)
    # "utan att" negates a clause, it denies no verb: "Det här kan du göra utan att boka tid:"
    words = _asserted_words(_asserted(folded), negating=False)
    return any(words & lang.denials for lang in languages().values())


def _asserted_words(folded: str, *, negating: bool = True) -> set[str]:
    """The words of a text read by `_asserted`, and a negation for a word that negates the
    clause after it (`negating`: "utan att")."""
    words: set[str] = set()
    for lang in languages().values():
        if negating and lang.negating.search(folded):
            words |= lang.denials  # "utan att bebyggelsen glesas ut": it does not
    return words | set(re.findall(r"\w+", folded))


def _found(table: str, folded: str) -> bool:
    """Whether the pattern `table` of any language's table finds something in folded text."""
    return any(getattr(lang, table).search(folded) for lang in languages().values())


def bans(text: str) -> bool:
    """Whether a text names a ban with a noun ("Tobakslagen innebär rökförbud …", "a smoking
    ban")."""
    folded = fold(text.lower())
    return _found("ban", folded)


def _asserted(text: str) -> str:
    """A text folded, without negated restrictions, negated prohibitions, negated or
    conceded conditions and the answer word used as a noun ("ett nej")."""
    folded = fold(text.lower())
    for lang in languages().values():
        folded = lang.said_no.sub(" ", folded)
        folded = lang.not_only.sub(" ", folded)
        folded = lang.not_forbidden.sub(" ", folded)
        folded = lang.conditional.sub(" ", folded)
        folded = lang.concessive.sub(" ", folded)
    return folded


def uncharged(text: str) -> str:
    """A text, folded, without what denies a cost: a negation within four words before a word
    a question about money asks with ("tar inte heller ut någon avgift", "ingen avgift", "no
    fee"), unless it says "free" itself ("inte avgiftsfritt"). What is left of a sentence that
    says something is free negates that only where it still holds a negation ("är inte
    gratis", "är inte avgiftsfritt"; not "är avgiftsfritt, och kommunen tar inte heller ut
    någon avgift")."""
    folded = fold(text.lower())
    for pattern in _cost_denials():
        # A denial that says "free" itself is kept: "inte avgiftsfritt" is no cost denied.
        folded = pattern.sub(lambda m: m.group() if free(m.group()) else " ", folded)
    return folded


@cache
def _cost_denials() -> tuple[re.Pattern[str], ...]:
    """Per language, a negation followed within four words of its line by the cue of money
    (`expects`)."""
    found = []
    for lang in languages().values():
        negations = "|".join(sorted(lang.negations))
        for name, cue in lang.expects:
            if name == "money":
                found.append(
                    re.compile(
                        rf"\b(?:{negations})\b(?:[^\S\n]+\w+){{0,3}}?[^\S\n]+(?:{cue.pattern})"
                    )
                )
    return tuple(found)


def free(text: str) -> bool:
    """Whether a text says that something costs nothing ("kostnadsfritt", "free of charge"):
    to a question about a cost, a no."""
    folded = fold(text.lower())
    return _found("free", folded)


def superlative(text: str) -> bool:
    """Whether a text ranks something first by size or number ("största", "the largest")."""
    return bool(superlatives(text))


def firsts(text: str) -> frozenset[str]:
    """The folded words with which a text asks which is first (`Language.first`: "storst",
    "largest", "most" after "has the"); not "mest" or "minst", often an adverb or a bound."""
    folded = fold(text.lower())
    return frozenset(
        m.group(m.lastindex or 0)
        for lang in languages().values()
        for m in lang.first.finditer(folded)
    )


def superlatives(text: str) -> frozenset[str]:
    """The folded words with which a text ranks something first ("storsta", "minsta")."""
    folded = fold(text.lower())
    return frozenset(
        m.group(1) for lang in languages().values() for m in lang.superlative.finditer(folded)
    )


def doer(text: str) -> tuple[str, str] | None:
    """The one a question asks whether it is who does something, as (the language's code, the
    word that names it, folded): "Är det kommunen som sköter vägarna?" -> ("sv", "kommunen");
    None where it asks no such thing ("Är det sju kommuner som samarbetar?")."""
    folded = fold(text.lower())
    for lang in languages().values():
        match = lang.doer.search(folded)
        if match:
            return lang.code, match.group("doer").split()[-1]
    return None


def named_as_doer(forms: frozenset[str], text: str) -> bool:
    """Whether a text in the sources' language may name one of the terms `forms` as a doer:
    as a form of it, a compound it begins ("kommunstyrelsen" of "kommun") or one that begins
    with the word ("kommun" of "kommunstyrels"), not within two words after a preposition that
    makes it no doer ("Trafikverket ansvarar för vägarna genom kommunen", "för hela
    kommunen"; "Vattenmätaren ägs av kommunen" names it); or by a subject pronoun that opens
    it ("Vi sköter snöröjningen"), which may stand for it."""
    sources = languages()[DEFAULT]
    tokens = re.findall(r"\w+", fold(text.lower()))
    if tokens[:1] and tokens[0] in sources.pronouns:
        return True

    def names(w: str) -> bool:
        stem = term(w)
        return any(
            form_of(stem, f)
            or form_of(f, stem)
            or half_of(f, stem, first=True)
            or half_of(stem, f, first=True)
            for f in forms
        )

    return any(
        names(w) and not any(b in sources.oblique for b in tokens[max(0, i - 2) : i])
        for i, w in enumerate(tokens)
    )


def restricts(text: str) -> bool:
    """Whether a text restricts what it says to one thing ("bara", "only"); "inte bara" and
    "not only" widen it."""
    folded = fold(text.lower())
    for lang in languages().values():
        folded = lang.not_only.sub(" ", folded)
    words = set(re.findall(r"\w+", folded))
    return any(words & lang.restrictive for lang in languages().values())


def waives(text: str, *, limits: bool = False) -> bool:
    """Whether every negation of a text lifts a requirement ("När du begär ut en allmän
    handling behöver du inte tala om vem du är", "no need to book") or a limit ("Det finns
    ingen åldersgräns", "there is no age limit"), one does (with `limits`, a limit), and its
    main clauses require nothing else ("behöver du inte boka tid, men du måste ha lånekort";
    `Language.required`): it says one need not, not that one may not. A negated condition
    ("om du inte behöver hjälp") is no part of what it says."""
    folded = _asserted(text)
    limited = required = 0
    for lang in languages().values():
        folded, found = lang.no_limit.subn(" ", folded)
        limited += found
        folded, found = lang.waiver.subn(" ", folded)
        required += found
    if not (limited if limits else limited + required):
        return False
    return not negated(folded) and not _found("required", folded)


def obliges(text: str) -> bool:
    """Whether a question asks if one must ("måste jag …?", "behövs det …?", "do I have to
    …?") rather than whether one may or can."""
    folded = fold(text.lower())
    return _found("obligation", folded)


def obliged(text: str, reach: int = 1) -> frozenset[str]:
    """The terms of what a question asks whether one must do or have: the first word after
    its word of obligation that is no stop word ("måste man anmäla …?" -> anmal; "måste jag
    ha körkort?" -> korkort; "do I have to register?" -> regist), or the first `reach` words
    ("behöver man köpa fiskekort …?" -> kop, fiskekort)."""
    return _after(text, "obligation", reach)


def dispensed(text: str) -> frozenset[str]:
    """The terms of what a question asks whether one may do without: the first word after
    its word of doing without that is no stop word ("… utan att ha bokat?" -> bok; "slipper
    jag bygglov?" -> bygglov; "without a permit?" -> permit)."""
    return _after(text, "dispensing")


def _after(text: str, table: str, reach: int = 1) -> frozenset[str]:
    """The terms of the first `reach` words that are no stop words after each match of the
    pattern `table` of any language's table in a text."""
    from assistant.lexical import stopwords

    folded = fold(text.lower())
    stop = stopwords() | _ARTICLES | {"have", "you", "one", "we", "they"}
    found: set[str] = set()
    for lang in languages().values():
        for match in getattr(lang, table).finditer(folded):
            found.update(_terms_after(folded[match.end() :], stop, reach))
    return frozenset(found)


def _terms_after(folded: str, stop: frozenset[str], reach: int) -> frozenset[str]:
    """The terms of the first `reach` words of folded text that are no stop words."""
    from assistant.lexical import term, words

    return frozenset(term(w) for w in [w for w in words(folded) if w not in stop][:reach])


#: English determiners the stop list lacks: "Do I need a permit?" asks about the permit.
_ARTICLES = frozenset({"a", "an", "the", "any"})


def done_without(text: str) -> list[tuple[str, frozenset[str]]]:
    """What a text says is done without a thing ("… får du fiska med spö utan fiskekort",
    "you may fish without a permit"): for each word of doing without (`Language.requirement`)
    that opens no clause ("utan att", "without having"; `Language.without_clause`), the folded
    text before it and the terms of the first two words after it that are no stop words.
    Nothing where the text forbids: "Uteservering utan tillstånd är förbjuden" requires one."""
    from assistant.lexical import stopwords, words

    folded = fold(text.lower())
    if _found("prohibition", folded):
        return []
    stop = stopwords() | _ARTICLES
    found = []
    for lang in languages().values():
        for match in lang.requirement.finditer(folded):
            rest = folded[match.end() :]
            if not words(rest) or lang.without_clause.match(folded, match.start()):
                continue
            found.append((folded[: match.start()], _terms_after(rest, stop, 2)))
    return found


def required_terms(text: str) -> frozenset[str]:
    """The terms of what a text says is required (`Language.required`, not in a condition or
    a relative clause): the first three words after its word of requirement that are no stop
    words ("behöver du boka tid i förväg" -> bok, tid, forvag; "you must book"), or the word
    before it when none follows ("… ett lånekort krävs"). Not what a condition or a clause
    before it names: "Har du lånekort behöver du ta med legitimation" requires identification."""
    from assistant.lexical import stopwords, term, words

    folded = _asserted(text)
    stop = stopwords()
    found: set[str] = set()
    for lang in languages().values():
        for match in lang.required.finditer(folded):
            after = [w for w in words(folded[match.end() :]) if w not in stop][:3]
            before = [w for w in words(folded[: match.start()]) if w not in stop][-1:]
            found.update(term(w) for w in (after or before))
    return frozenset(found)


def lifts(text: str, asked: frozenset[str]) -> bool:
    """Whether a clause lifts the requirement of what is asked (`asked`, terms): it waives
    (`waives`), and it names what is asked or nothing but the requirement itself ("du behöver
    inte ha körkort", "men det är inget krav" after a clause that names it); not "bil är inget
    krav" nor "det finns ingen åldersgräns", which lift another."""
    if not waives(text):
        return False
    from assistant.lexical import stopwords, term, words

    folded = fold(text.lower())
    named = {term(w) for w in words(folded) if w not in stopwords()}
    if named & asked:
        return True
    said: set[str] = set()
    for lang in languages().values():
        said |= {term(w) for w in lang.requirement_nouns | lang.negations}
        said |= {term(m.group()) for m in lang.obligation.finditer(folded)}
    return not named - said


def dispenses(text: str) -> bool:
    """Whether a question asks about doing without something ("… utan att uppge mitt namn?",
    "slipper jag …?", "without a permit?")."""
    folded = fold(text.lower())
    return _found("dispensing", folded)


def asks_clock(text: str) -> bool:
    """Whether a question asks the time of day ("vilken tid börjar …?", "hur dags?", "what
    time …?"), which a weekday alone does not tell, not hours ("vilka tider …?")."""
    return _found("clock", fold(text.lower()))


def asks_leave(text: str) -> bool:
    """Whether a question asks if one may or can ("får min dotter …?", "kan man …?", "can
    I …?"), not about a limit or requirement it names itself ("Kan åldersgränsen sänkas?")."""
    folded = fold(text.lower())
    return _found("permission", folded) and not _found("limit", folded)


def refers_back(text: str, language: str = DEFAULT) -> bool:
    """Whether a sentence of the sources (in `language`) opens with a definite noun that
    refers back to what the sentence before it names ("Orrliden ligger i byn Myrbäcken.
    Området har inte kommunalt vatten", "The area has no mains water"): what it says, it
    says of that."""
    return bool(languages()[language].refers_back.match(fold(text.lower())))


def counterfactual(text: str) -> bool:
    """Whether a text tells what would be, not what is: a condition contrary to fact and what
    follows from it ("Om Södertörn vore ett län skulle det vara …", "if it were a county, it
    would be …")."""
    folded = fold(text.lower())
    return _found("counterfactual", folded)


def supposes(text: str) -> bool:
    """Whether a question supposes something ("Skulle Södertörn bli …?", "Would it be …
    if it were …?"): a statement of what would be may answer it."""
    folded = fold(text.lower())
    return _found("supposing", folded)


def main_clause(text: str) -> str:
    """A question's words before its first subordinate clause in any known language, lower-cased:
    what it asks, not when or why ("Blir bebyggelsen glesare när man bygger ut
    stadskärnorna?" -> "blir bebyggelsen glesare "); an "om" or "if" after a verb that it
    completes asks ("Kan skolan utreda om mitt barn har dyslexi?"). The whole question where
    it has no such clause, or where one opens it ("Om vi flyttar när terminen börjar …?")."""
    text = unicodedata.normalize("NFC", text.lower())
    cuts = [
        m.start()
        for lang in languages().values()
        for m in lang.subordinate.finditer(text)
        if not lang.indirect.search(text[: m.start()])
    ]
    first = min(cuts, default=0)
    return text[:first] if text[:first].strip() else text


def asks_membership(text: str) -> bool:
    """Whether a question asks if something belongs to a group ("ingår", "en av", "part of")."""
    folded = fold(text.lower())
    return _found("membership", folded)


def membership_terms(text: str) -> frozenset[str]:
    """The terms of the words with which a question asks about belonging ("bland", "en av"),
    as the analyser makes them from the words as written ("ingår": "ingar") and from their
    folded forms: the tables match folded text."""
    lowered = text.lower()
    folded = fold(lowered)
    written = re.findall(r"\w+", lowered)
    plain = re.findall(r"\w+", folded)
    aligned = len(written) == len(plain)  # folding may change a text's length, not its words
    found: set[str] = set()
    for lang in languages().values():
        for match in lang.membership.finditer(folded):
            start = len(re.findall(r"\w+", folded[: match.start()]))
            words_ = re.findall(r"\w+", match.group())
            found.update(term(w) for w in words_)
            if aligned:
                found.update(term(w) for w in written[start : start + len(words_)])
    return frozenset(found)


def rates(text: str, *, asked: bool = False) -> frozenset[str]:
    """The units a text reckons an amount or a count by, in any known language: "200 kronor
    per timme" -> {"hour"}; in a question (`asked`) also what it asks of each: "vad kostar
    det varje år?" -> {"year"}, where a sentence's "varje vecka" tells how often."""
    folded = fold(text.lower())
    found: set[str] = set()
    for lang in languages().values():
        for match in lang.rate.finditer(folded):
            *by, each = match.groups()
            word = next((g for g in by if g), None) or (each if asked else None)
            if word:
                found.add(lang.rate_units[word])
    return frozenset(found)


def is_unit(word: str) -> bool:
    """Whether a folded word names a unit in any known language ("km", "kilometer")."""
    return any(word in lang.units or word in lang.units.values() for lang in languages().values())


def year_bound(before: str) -> int:
    """How the words just before a year bound it, in any known language: -1 "before"
    ("före 2015"), 1 "after" ("efter 2005"), 0 none (folded text)."""
    return _side(before, lambda lang: (lang.before, lang.after))


def bound(before: str) -> int:
    """How the words just before a number bound it, in any known language: -1 "at most"
    ("upp till 400 000"), 1 "at least" ("mer än 50 000"), 0 none (folded text)."""
    return _side(before, lambda lang: (lang.at_most, lang.at_least))


def bound_after(after: str) -> int:
    """How the words just after a number bound it, in any known language: -1 "or less" ("12
    år eller yngre"), 1 "or more" ("75 år eller äldre", "18+ år"), 0 none (folded text)."""
    return _side(after, lambda lang: (lang.at_most_after, lang.at_least_after))


def age_unit(before: str, *, alone: bool = True) -> str:
    """The unit of the number after `before` when the words make it an age, in any known
    language ("min dotter som är" → "år", "my dad is" → "år"), else "" (folded text); `alone`:
    no unit follows the number, so "är" and "is" make it one too ("min pappa är 79 och …")."""
    for lang in languages().values():
        if lang.aged.search(before) or (alone and lang.aged_alone.search(before)):
            return unit_of(lang.age_unit)
    return ""


def _side(
    before: str, patterns: Callable[[Language], tuple[re.Pattern[str], re.Pattern[str]]]
) -> int:
    """-1 when the first of a language's two patterns matches `before` (the words before a
    number, or after it for `bound_after`), 1 when the second does."""
    for lang in languages().values():
        below, above = patterns(lang)
        if below.search(before):
            return -1
        if above.search(before):
            return 1
    return 0


def in_smaller_unit(word: str) -> tuple[int, str] | None:
    """How many of a smaller unit the unit a folded word names makes, in any known language,
    and that unit as `unit_of` names it: "veckor" -> (7, the unit of "dagar"), "hours" ->
    (60, that of "minuter"); None for a word that names none (`Language.spans`)."""
    for lang in languages().values():
        if word in lang.spans:
            count, unit = lang.spans[word]
            return count, unit_of(unit)
    return None


def in_smallest_unit(word: str) -> tuple[int, str] | None:
    """How many of the smallest unit the unit a folded word names makes, through the smaller
    units of every known language, and that unit as `unit_of` names it: "ar" -> (360, the unit
    of "dagar") through "12 manader"; None for a word that names none (`Language.spans`)."""
    count, seen = 1, set()
    while word not in seen:
        seen.add(word)
        span = next((lang.spans[word] for lang in languages().values() if word in lang.spans), None)
        if span is None:
            break
        count, word = count * span[0], span[1]
    return (count, unit_of(word)) if count > 1 else None


def unit_of(word: str) -> str:
    """The unit a folded word after a number names, in any known language: "kr", "sek" and
    "kronor" all name "kronor"; other words are their own unit, by their stem."""
    for lang in languages().values():
        if word in lang.units:
            return term(lang.units[word])
    return term(word)


def asked_unit(text: str) -> str:
    """The unit a question asks its figure in, in any known language, as `unit_of` names it
    ("hur stor yta har Södertörn i kvadratkilometer?" -> the stem of "kvadratkilometer",
    "What percentage …?" -> that of "procent"), else ""."""
    folded = fold(text.lower())
    for lang in languages().values():
        match = lang.unit_asked.search(folded)
        word = next((g for g in match.groups() if g), "") if match else ""
        if word:
            return unit_of(word)
    return ""


#: A number in digits and the word or sign right after it: "3 400 km²", "30 %", "60 kr" (the
#: word after a number as question.py's `_unit` reads it, with a sign too).
_FIGURE = re.compile(r"\d(?:[\d\u00a0 ,.]*\d)?\s*(%|[^\W\d_]+2?)")


def in_unit(text: str, unit: str) -> bool:
    """Whether a text gives a number in a unit (`asked_unit`), by any of its names: "60 kr"
    is in kronor, "30 %" in percent, "tre timmar" and "en timme" in hours."""
    if any(unit_of(fold(m.group(1).lower())) == unit for m in _FIGURE.finditer(text)):
        return True
    tokens = words(text)
    return any(
        (counts_as(word, "cardinal") or counts_as(word, "single")) and unit_of(fold(after)) == unit
        for word, after in zip(tokens, tokens[1:], strict=False)
    )


def circumstances(text: str) -> frozenset[int]:
    """The numbers a question gives about the asker's own case (an age, a delay, a
    distance: "min son som är 15", "kom 40 min försenad"), which a sentence answers with a
    limit ("under 20 år") rather than repeats."""
    folded = fold(text.lower())
    return frozenset(
        int(number)
        for lang in languages().values()
        for match in lang.circumstance.finditer(folded)
        for number in match.groups()
        if number
    )


def decades(text: str) -> list[range]:
    """The years of each decade a text names: "på 60-talet" → 1960–1969 (a two-digit decade
    below 30 is this century's: "20-talet" → 2020–2029)."""
    found = []
    for lang in languages().values():
        for match in lang.decade.finditer(text):
            start = int(re.match(r"\d+", match.group()).group())  # type: ignore[union-attr]
            if start < 100:
                start += 2000 if start < 30 else 1900
            found.append(range(start, start + 10))
    return found


def without_decades(text: str) -> str:
    """A text without the decades it names ("på 60-talet", "in the 1960s"): a decade narrows
    the time asked about; it is neither a number a sentence must state nor a word of the
    topic."""
    for lang in languages().values():
        text = lang.decade.sub(" ", text)
    return text


def counted_words(text: str) -> list[str]:
    """The words a question counts: the noun after "hur många", or an adjective and its
    noun ("hur många nya bostäder …" → ["nya", "bostader"]), folded; after a verb, the words
    for whom it counts (`Language.count_verbs`: "hur många jobbar där?" → ["anstallda",
    "medarbetare", …])."""
    folded = fold(text.lower())
    found: list[str] = []
    for lang in languages().values():
        for match in lang.counted.finditer(folded):
            verb = lang.count_verbs.get(match.group(1))
            if verb and match.group(2) in lang.count_subjects:
                continue  # "hur många kan jag anmäla?": the verb's subject is the asker
            found += list(verb) if verb else [word for word in match.groups() if word]
    return found


def counts_as(word: str, kind: str) -> bool:
    """Whether a lower-case word is, in any known language, a `cardinal` ("tjugofem", "40"), a
    `single` ("en" before what it counts), a `measure` ("kronor", "år") or a `label`
    ("klockan")."""
    return any(getattr(lang, kind).match(word) for lang in languages().values())


def inflects(stem: str, base: str) -> bool:
    """Whether a stem is the base stem or an inflected form of it in any known language
    ("veckors" of "veck", "medlemmar" of "medlem" with its last consonant doubled), not
    another word that starts like it ("bild" of "bil")."""
    if stem == base:
        return True
    if not stem.startswith(base) or not base:
        return False
    rest = stem[len(base) :]
    if rest[:1] == base[-1]:
        rest = rest[1:]
    return any(rest == e for lang in languages().values() for e in ("", *lang.endings))


def form_of(stem: str, base: str) -> bool:
    """Whether a stem is a form of the base stem (`inflects`), or what the stemmer left of one
    on a base it cut shorter (`Language.stem_rests`: "skolan" of "skol"); not another word
    that begins with it ("bygglov" of "bygg")."""
    if inflects(stem, base):
        return True
    rest = stem[len(base) :] if stem.startswith(base) and base else None
    return rest is not None and any(rest in lang.stem_rests for lang in languages().values())


def widens(text: str) -> bool:
    """Whether a text says more than one thing holds ("både … och", "såväl … som")."""
    folded = fold(text.lower())
    return _found("inclusive", folded)


def of_all(text: str) -> list[str]:
    """What a text asks or says something of every one of: for each "alla", "samtliga" or
    "all" in it (not "i alla fall", "at all"), the word after it that names the group, past a
    number and stop words ("alla nio stadskärnorna", "all nine of the centres"), folded, or ""
    where none follows ("det gäller alla")."""
    folded = fold(text.lower())
    groups = []
    for lang in languages().values():
        for match in lang.universal.finditer(folded):
            after = [
                w
                for w in re.findall(r"\w+", folded[match.end() :])[:4]
                if not (w.isdigit() or w in lang.numbers or w in stopwords())
            ]
            groups.append(after[0] if after else "")
    return groups


def partial(text: str) -> bool:
    """Whether a text says something of a part of a group only ("Fyra av dessa finns på
    Södertörn", "some of them")."""
    folded = fold(text.lower())
    return _found("partial", folded)


def excepted(text: str) -> frozenset[str]:
    """The terms a text leaves out with an exception, the few words after "utom" or "except"
    in any known language: "öppet alla dagar utom söndag" -> {"sondag"}."""
    folded = fold(text.lower())
    found: set[str] = set()
    for lang in languages().values():
        for match in lang.exception.finditer(folded):
            found.update(term(w) for w in re.findall(r"\w+", folded[match.end() :])[:4])
    return frozenset(found)


def days_named(text: str) -> frozenset[int]:
    """The days of the week a text names in any known language, Monday 0: a weekday in any
    form ("söndagar"), a group ("vardagar", "weekends"; not "helgdagar" nor "helgon"), and
    every day of a range ("måndag–fredag", "monday to friday", "fredag–måndag")."""
    folded = fold(text.lower())
    found: set[int] = set()
    for lang in languages().values():
        if not lang.weekdays:
            continue
        names = {day: i for i, day in enumerate(lang.weekdays)}
        day = "|".join(map(re.escape, names))
        # A range may use the short forms ("mån–fre", "Mon-Fri"), and so may a day's hours.
        short = dict(names) | {d: i for i, d in enumerate(lang.weekday_short)}
        either = "|".join(map(re.escape, sorted(short, key=len, reverse=True)))
        groups = "|".join(map(re.escape, lang.weekday_groups))
        for match in re.finditer(rf"\b({day})\w*", folded):
            found.add(names[match.group(1)])
        ranged = (
            rf"\b(?P<first>{either})[a-z]*\.?\s*(?:{lang.through.pattern})\s*"
            rf"(?P<last>{either})[a-z]*\b"
        )
        # A short form alone only before the hours it gives: "fre 8–15".
        hours = r"\d{1,2}(?:[.:]\d{2})?\s*[–—-]\s*\d"
        for match in re.finditer(rf"\b({either})\.?\s+(?={hours})", folded):
            found.add(short[match.group(1)])
        for match in re.finditer(ranged, folded):
            first, last = short[match["first"]], short[match["last"]]
            found.update((first + k) % 7 for k in range((last - first) % 7 + 1))  # "fre–mån"
        if groups:
            for match in re.finditer(rf"\b({groups})(?!dag|on)\w*", folded):
                found.update(lang.weekday_groups[match.group(1)])
    return frozenset(found)


def about_page(text: str) -> bool:
    """Whether a sentence tells what the page holds rather than a fact ("Här kan du läsa om hur
    du ansöker", "Läs mer på sidan Avgifter"), in any known language."""
    folded = fold(text.lower())
    return _found("about_page", folded)


def speaks_of(fact_type: str, text: str) -> bool:
    """Whether a text speaks of a kind of fact in the words a question would ask for it with
    (the type's cue in any known language): "Det kostar ingenting att överklaga" speaks of
    money, so it can answer "Måste man betala för att överklaga?", amount or not."""
    folded = fold(text.lower())
    return any(
        cue.search(folded)
        for lang in languages().values()
        for name, cue in lang.expects
        if name == fact_type
    )


@cache
def answer_pattern(fact_type: str) -> re.Pattern[str] | None:
    """What a sentence in any known language holds when it states a fact of this type."""
    parts = [
        lang.answers[fact_type].pattern
        for lang in languages().values()
        if fact_type in lang.answers
    ]
    if not parts:
        return None
    flags = 0 if fact_type in _CASED else re.IGNORECASE
    return re.compile("|".join(f"(?:{p})" for p in parts), flags)


@cache
def abbreviations() -> frozenset[str]:
    """The abbreviations of every known language that a sentence does not end at."""
    return frozenset().union(*(lang.abbreviations for lang in languages().values()))
