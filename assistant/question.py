"""Reading a question, once: what is asked, what to search for, and what kind of answer fits.

Residents ask follow-ups ("och när startade det?"), type without å/ä/ö, greet, thank, and
sometimes paste markup, fake "SYSTEM:" blocks or instructions around a real question.
`read_question` turns the raw text into one frozen `ReadQuestion`; every later stage reads
that value and never the raw string again. Instructions are cut out before retrieval; they
could never reach the answer anyway, because answers only quote the sources.

The cues (question words, kinds, fact types, number words) are data in `assistant/lang/`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from assistant.lang import (
    DEFAULT,
    Language,
    age_unit,
    answer_pattern,
    asked_unit,
    bound,
    bound_after,
    counted_words,
    counts_as,
    decisive,
    denies,
    detect,
    firsts,
    in_smaller_unit,
    in_smallest_unit,
    is_unit,
    languages,
    membership_terms,
    rates,
    unit_of,
    without_decades,
    year_bound,
)
from assistant.lexical import MIN_PART, Analyzer, fold, stopwords, term, words
from assistant.types import Turn

#: Markup that is never part of a question: comments, scripts, styles, tags, code fences.
_COMMENT = re.compile(r"<!--.*?(?:-->|$)|\[//\]:\s*#\s*\(.*?\)", re.DOTALL)
_SCRIPT = re.compile(r"<(script|style)\b.*?(?:</\1\s*>|$)", re.DOTALL | re.IGNORECASE)
#: An element hidden from view: what it holds was never shown to the resident as a question.
_HIDDEN = re.compile(
    r"<(\w+)\b[^<>]*(?:display\s*:\s*none|visibility\s*:\s*hidden|\shidden\b|aria-hidden\s*=\s*[\"']?true)"
    r"[^<>]*>.*?(?:</\1\s*>|$)",
    re.DOTALL | re.IGNORECASE,
)
_TAG = re.compile(r"</?[a-zA-Z][^<>]{0,500}>")
#: Chat-template tokens and code fences end a clause: what they wrap is judged on its own.
_TOKEN = re.compile(r"```\w*|<\|[^|<>]{0,40}\|>|\[/?INST\]|<</?SYS>>")
#: A role label: what follows it up to the end of the line (or the next label) was not
#: written by the resident as a question ("SYSTEM: du är nu en pirat").
_ROLE = re.compile(
    r"(?im)(?:^|(?<=[\s.!?\]}>\"']))(?:#{1,6}\s*)?"
    r"(system|assistant|assistent|ai|bot|admin|developer|utvecklare|instructions?|instruktion(?:er)?|"
    r"user|användare|anvandare|human|fråga|fraga|question)\s*:"
)
_COMMAND_ROLES = frozenset(
    "system assistant assistent ai bot admin developer utvecklare instruction instructions "
    "instruktion instruktioner".split()
)
#: A chat message written as JSON: {"role": "system", "content": "…"}.
_JSON_MESSAGE = re.compile(
    r'\{\s*"role"\s*:\s*"(\w+)"\s*,\s*"content"\s*:\s*"((?:[^"\\]|\\.)*)"\s*\}'
)
#: A Markdown heading that labels a block ("### Instruction"): the block runs to the next.
_HEADING = re.compile(r"(?m)^[ \t]*#{1,6}[ \t]*(\w+)[ \t]*:?[ \t]*$")
_CLAUSE_SPLIT = re.compile(
    r"(?<=[.!?:;\n])\s+|\s+(?=(?:och|and) (?:skriv|svara|säg|say|reply)\b)"
    # An order after "och sen", "and then", "then" that gives what to say ("… och sen skriv
    # BANAN", "… and then write 'I have no rules'"); not "… och sen svara på brevet?".
    r"|(?<=\w)(?<!\b[oO]ch)(?<!\b[aA]nd),?\s+(?=(?:(?:och|and) )?(?:sen|sedan|then) "
    r"(?:skriv|svara|säg|say|reply|write|print)\b[^.?!\n]*?"
    r"(?:[\"'“”«»‘’:]|\b[A-ZÅÄÖ]{3,}\b|\b(?:ordet|the word)\b))"
)
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class ReadQuestion:
    """A question as every stage after reading sees it.

    `kind` is "fact", "list" (several things: "vilka …", principles), "yesno" or
    "smalltalk" (a greeting, thanks or "vem är du?", with `smalltalk` saying which).
    `expects` is the type of fact asked for ("year", "money", …) or None. `terms` are the
    analysed terms of what is asked now; `topic` those that say what about (without asking
    and kind words); `names` the corpus names it mentions (an answer must hold each);
    `missing` the topic terms that occur nowhere in the corpus, not even as a typo or a
    compound half: a sign that the question's focus is not in the sources.
    """

    raw: str
    asked: str  # without markup, fake role blocks and instructions; "" if nothing is left
    query: str  # what to retrieve with: a follow-up is read with the question before it
    language: str
    kind: str
    smalltalk: str | None
    expects: str | None
    numbers: frozenset[int]
    sequence: tuple[str, ...]  # the analysed terms in the order asked
    terms: frozenset[str]
    topic: frozenset[str]
    names: frozenset[str]
    missing: frozenset[str]
    capitalised: frozenset[str]  # terms of words the resident wrote with a capital, not first
    follow_up: bool
    # What a yes/no question asks, from the clause that poses it: "mormor kan inte gå dit
    # längre, kan hon få böcker hemkörda?" asks "kan hon få böcker hemkörda?", whose answer
    # the negation before it does not turn. For other kinds the whole of `asked`.
    posed: str = ""
    counted: frozenset[str] = frozenset()  # terms of what "hur många" counts; an answer
    # must hold one ("hur många bilar?" is not answered by "tre sätt att betala")
    # Whether "hur många?" with nothing named counted counts people or things, not a measure
    # (`counts_things`): "Hur många var med?" is not answered by "76 %" nor "45 minuter".
    counting: bool = False
    # The units among what it counts, as it writes them, by their terms ("hur många km" ->
    # (("km", "kilometer"),)): counted in any of their names; not the words a verb counts by.
    counted_units: tuple[tuple[str, str], ...] = ()
    # The terms of what a question about how to apply for, book or order something asks for
    # ("hur ansöker jag om förskoleplats?" -> {"forskoleplat"}), what "vad kostar" prices, or
    # the place whose opening hours or whereabouts it asks ("vilka tider har
    # återvinningscentralen öppet?"); in another language, the sources' terms its glossary
    # gives for those words ("the public library" -> {"bibliotek", …}).
    procured: frozenset[str] = frozenset()
    # Whether the sources never name what `procured` names (in another language, none of
    # the counterparts its glossary gives): they do not say how to get it, what it costs,
    # when it is open or where it lies.
    procured_unknown: bool = False
    # The terms of the word naming what "vad kostar" prices ("vad kostar ett andra
    # förhandsmöte?" -> {"andr"}): a sentence that prices must name it, when the sources know
    # it (`Language.procedure`'s `priced`).
    priced: frozenset[str] = frozenset()
    # Whether it asks what the weather will be ("vad blir det för väder i helgen?", "will it
    # rain?"): no page foretells it, not even one that says what happens when it rains.
    forecast: bool = False
    # For a question in another language than the sources': per word that says what it is
    # about, the sources' terms that say the same ("hearing" -> {"horsel", "horsling"}), or
    # its own term where the glossary has none.
    glossed: tuple[frozenset[str], ...] = ()
    # The terms of the places it names by what they are that the sources never name ("i
    # Österåkers kommun" -> {"osteraker"}), not those the asker only tells of themselves with
    # ("Jag bor i Nacka kommun. …").
    elsewhere: frozenset[str] = frozenset()
    # What a yes/no question asks exists ("finns det nån toalett på bussen?" -> {"toalett"}):
    # a "Ja" needs evidence that holds it. In another language, its glossary counterparts.
    sought: frozenset[str] = frozenset()
    # The language a yes/no question asks something is in or spoken in ("finns blanketten på
    # arabiska?" -> {"arabisk"}): a "Ja" needs evidence that names it too.
    spoken: frozenset[str] = frozenset()
    # The superlatives with which it asks which is first by size or number ("vilken kommun
    # är störst?" -> {"storst"}, `lang.firsts`): an answer must rank something first.
    firsts: frozenset[str] = frozenset()
    # Whether the language is told: by the function words, or by no word of another language
    # in a question read as the sources' by default ("Opening hours in summer?" is not told).
    language_told: bool = True
    # In another language than the sources': every word that says what it is about, the
    # names the sources hold aside, is one its glossary gives, and the sources hold none of
    # its counterparts ("What will the weather be like in Ekeby tomorrow?"). A word the
    # glossary lacks may be one they hold in translation, so it leaves the question sourced
    # (so does a place they never name: "… in Paris tomorrow?").
    glossed_absent: bool = False
    # Each compound the question writes, with the halves its analysis adds as terms that it
    # does not also write as words of their own, and its last half ("båtplatsfakturan" ->
    # ("batplatsfakturan", ("batplat", "fakturan"), "fakturan")): one thing asked about, not
    # three.
    compounds: tuple[tuple[str, tuple[str, ...], str], ...] = ()
    # The role a question asks who holds, as its compound names it ("vem är vice ordförande i
    # nämnden?" -> {"ordforand"}, `Language.roles`): an answer must name that role, so the
    # chair's name does not answer who the school nurse is. Empty in a language without roles.
    role: frozenset[str] = frozenset()
    # Whether a question that is no yes/no question asks about a time gone by ("hur många
    # sökte förra året?", `Language.past`; not where the asker tells of themselves, "vi fick
    # en faktura förra månaden, vart ringer jag?"): an answer must be dated before its page's
    # year or say so ("förra sommaren"); this year's figure does not tell last year's.
    past: bool = False
    # Whether a question asks about the present ("hur många står i kö just nu?", "är det
    # eldningsförbud just nu?", `Language.now`; not where the asker tells of themselves, "jag
    # är arbetslös just nu, …", nor when something is open, who holds a post or what it costs,
    # which a page states as current): an answer must say it tells of now ("i dag").
    now: bool = False
    # Whether a question asks for a recommendation ("vilket labb rekommenderar ni?",
    # `Language.advice`): a sentence that names a laboratory recommends none; an answer must
    # recommend ("vi rekommenderar", "passar bäst", "helst").
    advice: bool = False
    # The units the question asks an amount or a count per (`lang.rates`: "per km", "i
    # månaden", "varje år"), from the clauses where the asker does not tell of themselves
    # ("Jag pendlar varje dag. Vad kostar ett månadskort?" asks none).
    per: frozenset[str] = frozenset()
    # The unit a question asks its figure in (`lang.asked_unit`: "i kvadratkilometer", "hur
    # många procent", "What percentage"): an answer must give a number in it, by any of its
    # names ("60 kr" is in kronor).
    unit: str = ""

    @property
    def unsourced(self) -> bool:
        """Whether the sources hold none of the question's topic words in any form, numbers
        aside: "vilka öppettider har biblioteket?" asked of pages that never mention a
        library. In another language a word may be a mere translation: there, whether the
        sources hold none of the counterparts its glossary gives for each (`glossed_absent`)."""
        if self.language != DEFAULT:
            return self.glossed_absent
        # A number names nothing the sources are about: "när är påsklovet 2027?" asked of
        # pages that give other holidays of 2027 asks about a holiday they never name.
        named = {t for t in self.topic if not t.isdigit()}
        return bool(named) and named <= self.missing


def read_question(
    raw: str,
    history: Sequence[Turn] = (),
    *,
    analyzer: Analyzer | None = None,
    names: frozenset[str] = frozenset(),
) -> ReadQuestion:
    """Read a question once, for retrieval and for the answer step.

    Args:
        raw: The question as the resident sent it.
        history: Earlier turns of the conversation, oldest first.
        analyzer: The corpus's lexical analyser (terms, typo correction, vocabulary);
            without it, `terms`, `missing` and `names` are empty.
        names: The corpus's names as analysed terms ("flemingsberg").
    """
    asked = strip_instructions(raw)
    folded = fold(asked.lower())
    tokens = _WORD.findall(folded)
    lang_code = detect(tokens)
    tables = _ordered(lang_code)
    smalltalk = _smalltalk(folded, tables)
    follow = bool(asked) and is_follow_up(asked)
    previous = [t.content for t in history if t.role == "user" and t.content.strip()]
    query = f"{strip_instructions(previous[-1])} {asked}" if follow and previous else asked
    if follow and previous and history[-1].role == "assistant":
        # What the answer before said leads to what the follow-up asks about: "Kontakta Eva
        # Lind, enhetschef." – "vilket nummer ringer man henne på?". Not a refusal; its
        # opening only, so a long list does not drown the question (nor slow its embedding),
        # and without the citation markers the widget sends back with it ("[1]").
        said = _MARKER.sub("", history[-1].content).strip()[:_SAID_CHARS]
        if said and not said.startswith(languages()[DEFAULT].replies["refusal"]):
            query = f"{strip_instructions(previous[-1])} {said} {asked}"
    sequence: tuple[str, ...] = ()
    terms: frozenset[str] = frozenset()
    topic: frozenset[str] = frozenset()
    missing: frozenset[str] = frozenset()
    counted: frozenset[str] = frozenset()
    procured: frozenset[str] = frozenset()
    unknown = False
    priced: frozenset[str] = frozenset()
    compounds: tuple[tuple[str, tuple[str, ...], str], ...] = ()
    # "Var det på 60-talet?" asks when: the decade is no number or topic word to find.
    plain = without_decades(asked)
    plain_folded = fold(plain.lower())
    weak = frozenset().union(*(t.asking | t.kind_words for t in tables)) | _function_terms(
        plain, tables[0], analyzer
    )
    if analyzer is not None and asked:
        sequence = tuple(analyzer.query_terms(plain))
        terms = frozenset(sequence)
        topic = terms - weak - _weak_halves(plain, analyzer, weak)
        missing = _missing_terms(plain, analyzer, weak)
        # A word the sources lack is counted only in their language: there it is the
        # focus the sources miss, in another it may be a mere translation. A compound
        # counts what its last part names: "vattenledningar" are pipes, not water.
        counted = frozenset(
            t
            for w in counted_words(plain)
            for t in analyzer.query_terms(w)
            if t not in weak
            and t not in analyzer.split_compound(w)[:1]
            and (t in analyzer.vocabulary or lang_code == DEFAULT)
        )
        procedures = [m.groupdict() for m in tables[0].procedure.finditer(plain_folded)]
        thing = next((g for g in procedures[0].values() if g), "") if procedures else ""
        if lang_code == DEFAULT:
            procured = frozenset(analyzer.query_terms(thing)) - weak
            unknown = bool(procured) and procured <= missing
        else:
            # In another language, what its glossary gives for the words, when the sources
            # hold none of it, not even as a part of a compound ("recycling centre" –
            # "återvinningscentralen"): "What are the opening hours of Backsjö library?" asked
            # of pages that never mention a library. A word the glossary lacks may be a name.
            glossary = tables[0].glossary
            procured = frozenset().union(*(glossary.get(term(w), ()) for w in _WORD.findall(thing)))
            unknown = bool(procured) and not any(_held_in(t, analyzer) for t in procured)
        # What "vad kostar" prices, also after how to book or apply for something else:
        # "Hur bokar jag tid? Vad kostar en altan?" prices the deck. A compound prices what
        # its last part names, as it counts it: "vårdnadsutredning" is an inquiry, so a
        # sentence under a heading on custody ("vårdnad") does not price it.
        word = next((p["priced"] for p in procedures if p.get("priced")), "")
        priced = frozenset(analyzer.query_terms(word)) - weak
        halves = analyzer.split_compound(word)
        if halves and halves[-1] in priced:
            # Not a kind word as the last part: "parkeringsavgiften" prices the parking.
            priced -= {halves[0]}
        compounds = _compounds(plain, analyzer)
    glossed = _glossed(plain, lang_code, weak)
    kind = "smalltalk" if smalltalk else _kind(asked.lower(), tables)
    span = _posed(asked, tables[0]) if kind == "yesno" else None
    posed = asked[span[0] : span[1]].strip() if span else asked
    expects = _expects(fold(_respelled(asked.lower(), tables)), kind, tables)
    told = _told_only(asked, tables, analyzer)
    return ReadQuestion(
        raw=raw,
        asked=asked,
        query=query,
        language=lang_code,
        kind=kind,
        smalltalk=smalltalk,
        expects=expects,
        numbers=numbers_in(plain),
        sequence=sequence,
        terms=terms,
        topic=topic,
        # "hur stor" asks how big, though the sources name "Stora Hällby"; a name the asker
        # only tells of themselves with ("Jag bor i Tyresö. Hur många …?") is not asked about.
        names=frozenset(t for t in terms if t in names) - _degree(folded, tables, analyzer) - told,
        missing=missing,
        capitalised=_capitalised(asked),
        elsewhere=_places(asked, tables[0], analyzer) - told,
        follow_up=follow,
        posed=posed,
        counted=counted,
        counting=expects == "number" and not counted and counts_things(asked),
        counted_units=counted_units(asked),
        procured=procured,
        procured_unknown=unknown,
        priced=priced,
        forecast=bool(tables[0].forecast.search(plain_folded)),
        compounds=compounds,
        role=_role(asked, lang_code) if expects == "person" else frozenset(),
        glossed=glossed,
        sought=_sought(posed, lang_code, weak, analyzer) if kind == "yesno" else frozenset(),
        spoken=_spoken(posed, lang_code) if kind == "yesno" else frozenset(),
        language_told=decisive(tokens) or not _other_language_words(asked, lang_code),
        glossed_absent=_glossed_absent(plain, lang_code, glossed, analyzer, names),
        firsts=firsts(asked),
        past=kind != "yesno" and _asked_of(folded, tables, "past"),
        now=_asks_now(folded, kind, expects, posed, tables),
        advice=any(lang.advice.search(folded) for lang in tables),
        per=_asked_per(asked, lang_code),
        unit=_asked_unit(asked, lang_code) if kind != "yesno" and expects in FIGURES else "",
    )


#: The types of fact that are figures: what a question may ask in a unit (`ReadQuestion.unit`;
#: None, a question that names no type, too).
FIGURES = (None, "number", "money", "size", "duration")


def _asked_per(asked: str, code: str) -> frozenset[str]:
    """`ReadQuestion.per`: the units of the clauses in which the asker does not tell of
    themselves (`self_told` of the question's language: "jag pendlar varje dag")."""
    return rates(_not_self_told(asked, code), asked=True)


def _asked_unit(asked: str, code: str) -> str:
    """`ReadQuestion.unit`, from the clauses in which the asker does not tell of themselves:
    "Jag har väntat i timmar, vart vänder jag mig?" asks in no unit."""
    return asked_unit(_not_self_told(asked, code))


def _not_self_told(asked: str, code: str) -> str:
    """The clauses of a question in which the asker does not tell of themselves (`self_told`
    of its language), joined."""
    told = languages()[code].self_told
    clauses = [c for c in re.split(r"[.,;:!?\n]+", asked) if c.strip()]
    return " ; ".join(c for c in clauses if not told.match(fold(c.lower()).strip()))


def _asks_now(
    folded: str, kind: str, expects: str | None, posed: str, tables: list[Language]
) -> bool:
    """Whether a question asks about the present (`ReadQuestion.now`): for a figure or a list
    that changes, or whether a state holds (`Language.state`); not when something is open,
    which hours tell, nor who holds a post or what something costs, which a page states as
    current ("Rektor är Anna Berg", "Ett årskort kostar 500 kr")."""
    if expects in ("time", "person", "money"):
        return False
    if kind == "yesno" and not any(
        lang.state.match(fold(posed.lower()).strip()) for lang in tables
    ):
        return False
    return _asked_of(folded, tables, "now")


def _told_only(asked: str, tables: list[Language], analyzer: Analyzer | None) -> frozenset[str]:
    """The terms of the sentences in which the asker tells of themselves before asking, and
    of no other: "Jag bor i Tyresö och har läst om samarbetet. Hur många kommuner är med?"
    gives "tyreso". A sentence that asks ("?") or ends the message is not told, unless it
    tells where the asker lives or works and then turns to ask (`Language.turn`, in the
    question's language): "Jag flyttade nyss till Haninge och undrar vad …" tells of
    Haninge; "Vi har barn på Åsa skola och undrar när terminen börjar?" asks of the school."""
    if analyzer is None:
        return frozenset()
    sentences = [s for s in _SENTENCES.split(asked) if s.strip()]
    told: set[str] = set()
    rest: set[str] = set()
    for i, sentence in enumerate(sentences):
        clause = fold(sentence.lower()).strip()
        # A sentence that tells where the asker lives and then turns to ask ("Jag flyttade
        # nyss till Haninge och undrar vad …", "I live in Huddinge and keep hearing about …")
        # tells up to the turn; read in the question's language only ("I Tyresö finns …" is
        # no English "I").
        own = tables[0]
        turn = own.turn.search(clause)
        if turn is not None:
            head, tail = clause[: turn.start()], clause[turn.end() :]
            opened = _greeted(head, tables)
            if own.self_told.match(opened) and own.dwells.search(opened):
                told.update(analyzer.query_terms(head))
                rest.update(analyzer.query_terms(tail))
                continue
        telling = (
            i < len(sentences) - 1
            and "?" not in sentence
            and any(lang.self_told.match(_greeted(clause, tables)) for lang in tables)
        )
        (told if telling else rest).update(analyzer.query_terms(sentence))
    return frozenset(told - rest)


def _greeted(clause: str, tables: list[Language]) -> str:
    """A folded clause without the greeting it opens with ("hi there, i live in …")."""
    for lang in tables:
        for kind, pattern in lang.smalltalk:
            if kind == "greeting" and (found := pattern.match(clause)):
                return clause[found.end() :].lstrip(" ,!")
    return clause


_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")


def _asked_of(folded: str, tables: list[Language], when: str) -> bool:
    """Whether a clause of a question asks about a time gone by or the present
    (`Language.past`, `Language.now`), not one where the asker tells of themselves ("jag fick
    avslag förra veckan. hur överklagar jag?", `Language.self_told`)."""
    clauses = [c.strip() for c in re.split(r"[.!?;,\n]+", folded) if c.strip()]
    return any(
        getattr(lang, when).search(clause) and not lang.self_told.match(clause)
        for clause in clauses
        for lang in tables
    )


def _other_language_words(asked: str, code: str) -> bool:
    """Whether a question read as `code` has words of another language: one of its function
    words that `code` does not write too, or a word its glossary has that is none of the words
    it gives ("Opening hours in summer?"; not "för" or "i", which Swedish writes, nor "gym"
    or "festival", which it writes alike)."""
    own = languages()[code].markers
    for lang in languages().values():
        if lang.code == code:
            continue
        for word in _WORD.findall(asked.lower()):
            if word in lang.markers and fold(word) not in own:
                return True
            if term(word) in lang.glossary and term(word) not in glossary_targets(lang.code):
                return True
    return False


@cache
def glossary_targets(code: str) -> frozenset[str]:
    """Every term a language's glossary gives in the sources' language."""
    return frozenset().union(*languages()[code].glossary.values())


def glossary_terms(text: str, code: str) -> list[str]:
    """The sources' terms a language's glossary gives for the words of a text, in order, once
    each ("Is the library open?" -> bibliotek, oppet, …); none in the sources' language."""
    if code == DEFAULT:
        return []
    glossary = languages()[code].glossary
    found = (t for w in _WORD.findall(text.lower()) for t in sorted(glossary.get(term(w), ())))
    return list(dict.fromkeys(found))


def rendered(text: str, code: str) -> str:
    """A question in another language than the sources' worded again in theirs, word for word
    as its glossary gives them, its function words (`Language.markers`) left out and every
    other word (a name, a word the glossary lacks) kept: "Is it free to use the pump-out
    station?" -> "gratis använda pump out station"; contractions written out first ("what's
    the fee?" -> "avgift"). Empty in the sources' language."""
    if code == DEFAULT:
        return ""
    lang = languages()[code]
    if lang.contractions is not None:
        pattern, written = lang.contractions
        text = pattern.sub(lambda m: written.get(m.group().lower().replace("’", "'"), ""), text)
    out = []
    for word in _WORD.findall(text):
        lower = word.lower()
        if lower in lang.markers:
            continue
        out.append(lang.rendering.get(lower, word))
    return " ".join(out)


def _role(asked: str, code: str) -> frozenset[str]:
    """The role a question asks who holds (`ReadQuestion.role`): the first word from where it
    asks who someone is (the `person` cue: "vem är …", "vad heter …") that is a role its
    language lists (`Language.roles`), as the role its compound names: "vem är vice
    ordförande i nämnden?" -> ordforand, "vad heter dataskyddsombudet?" -> dataskyddsombud.
    Nothing where no listed role follows ("vem är ansvarig för parken?", "vem var det innan
    hon tog över?") or the language lists none."""
    lang = languages()[code]
    if lang.roles is None:
        return frozenset()
    asks = [p for name, p in lang.asks if name == "person"]
    folded = fold(unicodedata.normalize("NFC", asked.lower()))
    # Not the colon of "vd:n"; at a dash between words, as `_expects` parts clauses.
    for clause in re.split(r"[.!?;,\n]+|:(?!n\b)|\s[–—-]\s", folded):
        clause = clause.strip()
        at = _asked_at(clause, asks)
        if at is None:
            continue
        said = re.findall(r"\w+(?::n)?", clause[at[0] :])
        for word, after in zip(said, [*said[1:], None], strict=True):
            found = lang.roles.fullmatch(word)
            # Not a role in the genitive before what is its: "vad heter rektorns assistent?"
            if found and not (word[len(found.group("base")) :].endswith("s") and after):
                return frozenset({found.group("base")})
        return frozenset()
    return frozenset()


def _asked_at(clause: str, asks: Sequence[re.Pattern[str]]) -> tuple[int, int] | None:
    """Where in a clause one of the patterns asks, and which (its index): at the clause's
    start, or later when what it asks ends the clause, as a keyword search may end with it
    ("Ekskolan vad heter rektorn", "dropin skuld och budget vilken dag"); not within it,
    where it may join a clause of its own ("får man ta med tårta när ungen fyller år").
    None where none asks."""
    for i, pattern in enumerate(asks):
        if pattern.match(clause):
            return 0, i
    for start in (m.start() for m in re.finditer(r"(?<=[\s(])\w", clause)):
        for i, pattern in enumerate(asks):
            found = pattern.match(clause, start)
            if found and not clause[found.end() :].strip(" )"):
                return start, i
    return None


def _compounds(asked: str, analyzer: Analyzer) -> tuple[tuple[str, tuple[str, ...], str], ...]:
    """Each compound a question writes, as its term, the terms of its halves (a half it also
    writes as a word of its own left out) and its last half: "behövs tillstånd för
    vattentoalett?" -> (("vattentoalett", ("vatten", "toalett"), "toalett"),)."""
    per_word = [analyzer.query_terms(w) for w in words(asked)]
    alone = {found[0] for found in per_word if found}
    out = [
        (found[0], tuple(h for h in found[1:] if h not in alone), found[-1])
        for found in per_word
        if len(found) > 1
    ]
    return tuple(dict.fromkeys(out))


def _degree(folded: str, tables: list[Language], analyzer: Analyzer | None) -> frozenset[str]:
    """The terms of the words a question asks the degree of ("hur stort" -> {"stor"}), as
    written and as the analyser reads them."""
    words = [m.group(1) for lang in tables for m in lang.degree.finditer(folded)]
    found = {term(w) for w in words}
    if analyzer is not None:
        found.update(t for w in words for t in analyzer.query_terms(w))
    return frozenset(found)


def _glossed(asked: str, code: str, weak: frozenset[str]) -> tuple[frozenset[str], ...]:
    """Each word of a question in another language than the sources' that says what it is
    about (no stop, asking or kind word), as the sources' terms its glossary gives for it, or
    as its own term (a name): "Is the jazz festival free?" -> {jazz}, {festival}, {gratis, …}."""
    if code == DEFAULT:
        return ()
    lang = languages()[code]
    glossary = lang.glossary
    # Nor the language's function words ("can", "have": "hav" is the sea), nor the words that
    # ask about belonging ("one of", "part of"): they ask, not what about.
    skip = stopwords() | lang.markers | membership_terms(asked)
    no_topic = weak | skip
    found = {
        glossary.get(t, frozenset({t}))
        for w in _WORD.findall(asked.lower())
        if fold(w) not in skip and (t := term(w)) not in no_topic and len(t) > 1
    }
    return tuple(sorted(found, key=sorted))


def _held_in(item: str, analyzer: Analyzer) -> bool:
    """Whether the sources hold a term, also as the first or last part of a compound
    ("atervinning", "central" in "atervinningscentral")."""
    if analyzer.known(item):
        return True
    return len(item) >= MIN_PART and any(
        v.startswith(item) or v.endswith(item) for v in analyzer.vocabulary
    )


def _glossed_absent(
    asked: str,
    code: str,
    glossed: tuple[frozenset[str], ...],
    analyzer: Analyzer | None,
    names: frozenset[str],
) -> bool:
    """Whether a question in another language than the sources' asks only about things its
    glossary names and the sources never mention (`ReadQuestion.glossed_absent`), from its
    glossed words (`_glossed`); the names it gives aside (the corpus's, or a capitalised word
    the sources hold: "Ekeby"), which say where, not what."""
    if code == DEFAULT or analyzer is None:
        return False
    named = names | {t for t in _capitalised(asked) if analyzer.known(t)}
    groups = [g for g in glossed if not g & named]
    return bool(groups) and all(
        g <= glossary_targets(code) and not any(analyzer.known(t) for t in g) for g in groups
    )


def _sought(
    posed: str, code: str, weak: frozenset[str], analyzer: Analyzer | None
) -> frozenset[str]:
    """The thing a yes/no question asks exists (`lang.existential`): the last word the sources
    know of the words after those that ask, up to a function word or an adverb ("finns det
    gratis parkering vid …" -> parkering; "privata förskolor också" -> förskolor), or the
    last word when they know none ("toalett"). In the sources' language its term and the last
    part of a compound, which names what kind of thing it is ("nattpersonal": personal); in
    another language its glossary counterparts, or its own term when the sources know it.
    Nothing when the words that follow say nothing of what it is: a pronoun or pro-form
    ("finns det sånt …?"), or in another language a word neither glossary nor sources know."""
    lang = languages()[code]
    lowered = unicodedata.normalize("NFC", posed.lower())
    asks = lang.existential.match(fold(lowered))
    if not asks:
        return frozenset()
    # The words the asking words took, counted: folding may change the text's length.
    skip = len(_WORD.findall(fold(lowered)[: asks.end()]))
    stop = stopwords()
    phrase: list[str] = []
    for word in _WORD.findall(lowered)[skip:]:  # as written: "kafé" -> "kafe", as indexed
        plain = fold(word)
        t = term(word)
        if plain in stop or t in stop or t in weak or plain in lang.adverbs or len(t) < 2:
            break
        if plain.isdigit():
            break  # "parkering 24/7"
        if lang.pronoun.fullmatch(plain) or plain in lang.proforms:
            return frozenset()
        phrase.append(word)
    if not phrase:
        return frozenset()
    known = [w for w in phrase if analyzer is not None and analyzer.known(term(w))]
    word = (known or phrase)[-1]
    t = term(word)
    if code != DEFAULT:
        glossed = lang.glossary.get(t)
        if glossed is None and not known:
            return frozenset()
        return glossed or frozenset({t})
    if analyzer is None:
        return frozenset({t})
    return frozenset((analyzer.query_terms(word)[:1] or [t]) + analyzer.split_compound(word)[1:])


def _spoken(posed: str, code: str) -> frozenset[str]:
    """The language a yes/no question asks something is in or spoken in (`lang.spoken`): "finns
    blanketten på arabiska?" -> {"arabisk"}, which a "Ja" needs evidence to name, as written
    (no typo correction: a near word names no language). In another language its glossary
    counterparts, or its own term."""
    lang = languages()[code]
    found: set[str] = set()
    for match in lang.spoken.finditer(fold(posed.lower())):
        t = term(match.group(1))
        found |= lang.glossary.get(t, {t}) if code != DEFAULT else {t}
    return frozenset(found)


def _ordered(code: str) -> list[Language]:
    """The question's language's table first, then the others."""
    tables = languages()
    return [tables[code], *(t for c, t in tables.items() if c != code)]


def _smalltalk(folded: str, tables: list[Language]) -> str | None:
    """Which small talk a message is, if it starts with some and asks nothing after it:
    "tack, det hjälpte" is thanks, "hej! vilka kommuner ingår?" a question."""
    text = " ".join(_WORD.findall(folded))
    for lang in tables:  # "ok hej då", "ok thx bye"; "ok" alone acknowledges an answer
        text = lang.filler.sub("", text, count=1) or text
    if not text:
        return None
    for lang in tables:
        for kind, pattern in lang.smalltalk:
            match = pattern.match(text)
            if not match:
                continue
            rest = text[match.end() :].strip()
            if kind == "identity" and lang.about.match(rest):
                continue  # "vilka ämnen kan du hjälpa mig med på komvux?" asks about komvux
            # "God morgon! Hur mår du?" is small talk twice over; a question after it is not.
            if kind == "identity" or not _asks(folded, rest) or _smalltalk(rest, tables):
                return kind
    return None


def _asks(folded: str, rest: str) -> bool:
    """Whether the words after small talk ask something."""
    if not rest.strip():
        return False
    if "?" in folded:
        return True
    return any(
        lang.list_cue.search(rest)
        or lang.yesno_cue.search(rest)
        or lang.wh_cue.search(rest)
        or any(p.search(rest) for _, p in lang.expects)
        or any(p.match(rest) for _, p in lang.asks)
        for lang in languages().values()
    )


def _kind(lowered: str, tables: list[Language]) -> str:
    """The kind of the question, from each of its sentences ("Hej! Vilka kommuner …")."""
    folded = fold(lowered)
    sentences = [s for s in re.split(r"[.!?\n]+\s*", folded) if s.strip()] or [folded]
    if any(lang.list_cue.search(s) for lang in tables for s in sentences):
        return "list"
    # Only the question's own language decides word order: "is" starts English yes/no
    # questions, while a Swedish one may well start with a name. A clause that opens with an
    # interrogative asks for a fact ("fick en p-lapp idag, hur snabbt måste den betalas?").
    # Folding makes "vår" and "vårt" interrogatives; they open no question ("vårt barn hör
    # dåligt, finns det …?").
    clauses = [c for c in _CLAUSES.split(lowered) if c.strip()]
    if any(tables[0].wh_cue.search(fold(c)) and not tables[0].not_wh.match(c) for c in clauses):
        return "fact"
    # A clause that opens with a finite verb poses a yes/no question, though a statement may
    # come first: "mormor orkar inte gå dit längre, kan hon få böckerna hemkörda?"
    return "yesno" if _posed(folded, tables[0]) is not None else "fact"


#: Where one clause of a question ends and the next begins, and where a sentence ends.
_CLAUSES = re.compile(r"[.!?,;:\n]+|\s[–—-]\s")
_SENTENCE_END = re.compile(r"[.!?\n]")


def _posed(text: str, table: Language) -> tuple[int, int] | None:
    """Where in `text` the yes/no question is posed: from the last clause that opens with a
    finite verb to the end of its sentence, or None. A clause that opens a sentence counts,
    one after a comma or a dash only in a message that asks ("?"): "Vi har två barn, har inte
    fått någon faktura" tells, it does not ask."""
    found = asking = None
    start, opens, before = 0, True, None
    for match in [*_CLAUSES.finditer(text), None]:
        end = match.start() if match else len(text)
        clause = fold(text[start:end].lower())
        close = _SENTENCE_END.search(text, start)
        asked = close is not None and close.group() == "?"
        cue = table.yesno_cue.search(clause) or (asked and table.yesno_asked.search(clause))
        if clause.strip() and (opens or "?" in text) and cue:
            # A subject with a relative clause before it is part of it: "Den som inte har
            # BankID, kan den ansöka på papper?"
            subject = before is not None and table.relative_subject.match(
                fold(text[before:start].lower())
            )
            found = before if subject else start
            if asked:
                asking = found
        if match:
            before = None if _SENTENCE_END.search(match.group()) else start
            start, opens = match.end(), before is None
    # A sentence that asks is posed before a remark after it: "kan jag låna en gitarr? har
    # ingen egen".
    found = found if asking is None else asking
    if found is None:
        return None
    close = _SENTENCE_END.search(text, found)
    return found, close.end() if close else len(text)


def _respelled(lowered: str, tables: list[Language]) -> str:
    """A lower-case question with the words that fold to another word's form respelt
    (`lang.respell`): "vilket är störst?" -> "vilket e störst?", which asks for no year."""
    lowered = unicodedata.normalize("NFC", lowered)
    for lang in tables:
        for word, spelling in lang.respell.items():
            lowered = re.sub(rf"\b{re.escape(word)}\b", spelling, lowered)
    return lowered


#: Where the clauses a type of fact may be asked in part: also at a dash between words
#: ("fått uppsägning – hur länge har jag på mig att betala?").
_ASKED_CLAUSES = re.compile(r"[.!?:;,\n]+|\s[–—-]\s")


def _expects(folded: str, kind: str, tables: list[Language]) -> str | None:
    """The type of fact asked for: named by an interrogative that opens a clause ("… idag.
    När ska jag ringa?", "fått uppsägning – hur länge har jag på mig?") or ends one
    (`_asked_at`: "dropin skuld och budget vilken dag" asks a day, not the amount "budget"
    cues), else by a cue anywhere ("avgift förskola?"); one that ends a clause and asks only
    how much or how many leaves the type to a cue ("busskort pris hur mycket" asks a price).
    Small talk asks for none."""
    if kind == "smalltalk":
        return None
    clauses = [c.strip() for c in _ASKED_CLAUSES.split(folded) if c.strip()]
    for lang in tables:
        for clause in clauses:
            for name, pattern in lang.asks:
                if pattern.match(clause):
                    return name
    ending = next(
        (
            lang.asks[at[1]][0]
            for lang in tables
            for clause in clauses
            if (at := _asked_at(clause, [pattern for _, pattern in lang.asks])) is not None
        ),
        None,
    )
    cued = next(
        (name for lang in tables for name, pattern in lang.expects if pattern.search(folded)),
        None,
    )
    if ending is not None and not (ending == "number" and cued is not None):
        return ending
    return cued


def numbers_in(text: str) -> frozenset[int]:
    """The whole numbers a text states, in digits or words: "de fem kärnorna" → {5}, "en
    halv miljon" → {500000} (`_scaled`).

    A question that counts something ("vilka är de andra fem …") presupposes that number;
    a sentence that never states it does not answer that question.
    """
    words = _number_words()
    folded = fold(text.lower())
    scaled = _scaled(folded)
    found = {value for _, _, value in scaled}
    for match in re.finditer(rf"{_DIGITS}|\w+", folded):
        token = match.group()
        if any(start <= match.start() < end for start, end, _ in scaled):
            continue  # "2,1 miljoner" states 2 100 000, not 2 and 1
        if token in words:
            found.add(words[token])
        elif token[0].isdigit():
            found.add(_value(token))
    return frozenset(found)


@cache
def _scale_words() -> tuple[dict[str, int], frozenset[str], frozenset[str]]:
    """Every language's scale words, halves and joining words (`Language.scales`, …)."""
    tables = languages().values()
    scales = {word: factor for lang in tables for word, factor in lang.scales.items()}
    halves = frozenset().union(*(lang.halves for lang in tables))
    joins = frozenset().union(*(lang.number_joins for lang in tables))
    return scales, halves, joins


def _scaled(folded: str) -> list[tuple[int, int, int]]:
    """The numbers a folded text writes with a word that scales them (`Language.scales`),
    as (start, end, value): "2,1 miljoner" is 2 100 000, "drygt tre miljoner" 3 000 000, "en
    miljon" 1 000 000, "en halv miljon" and "half a million" 500 000 (`Language.halves`); not
    the half after a whole ("två och en halv miljon", `Language.number_joins`), nor a count
    that is part of a longer number ("1.000 miljoner")."""
    scales, halves, joins = _scale_words()
    if not scales:
        return []
    words = _number_words()
    tokens = list(re.finditer(rf"(?:{_DIGITS})(?:[,.]\d{{1,2}}(?!\d))?|[^\W\d]+", folded))

    def factor(i: int) -> float | None:
        """What the token at `i` counts as a number before a scale word, if anything."""
        if i < 0:
            return None
        token = tokens[i].group()
        if token[0].isdigit():
            if tokens[i].start() and folded[tokens[i].start() - 1] in ",.":
                return None  # "1.000 miljoner": a part of a number
            whole, decimals = re.fullmatch(r"(.*?)(?:[,.](\d{1,2}))?", token).group(1, 2)
            value = float(_value(whole))
            return value + float(f"0.{decimals}") if decimals else value
        if token in halves:
            return 0.5
        if token in words:
            return float(words[token])
        return 1.0 if counts_as(token, "single") else None

    found = []
    for i, scale in enumerate(tokens):
        if scale.group() not in scales:
            continue
        if len(scale.group()) == 1 and not folded[scale.start() - 1 : scale.start()].isdigit():
            continue  # a letter scales only the digits it is written on: "300k", not "10 k"
        count, first = factor(i - 1), i - 1
        before = tokens[i - 2].group() if i >= 2 else ""
        if count == 1.0 and before in halves:
            count, first = 0.5, i - 2  # "half a million"
        elif count == 0.5 and i >= 2 and factor(i - 2) == 1.0:
            first = i - 2  # "en halv miljon"
        if count is None:
            continue
        if count == 0.5 and first >= 1 and tokens[first - 1].group() in joins:
            continue  # "två och en halv miljon" is no half a million
        found.append((tokens[first].start(), scale.end(), round(count * scales[scale.group()])))
    return found


#: A number in digits, with its thousands apart ("400 000") or, as in English, comma-separated
#: ("400,000"); a decimal comma ("10,1") is no thousands separator.
_DIGITS = r"\d{1,3}(?:[  ]\d{3})+(?!\d)|\d{1,3}(?:,\d{3})+(?![\d,])|\d+"
#: A range of numbers: "0–10 km", "150 001–400 000 kr", "7 till 19", "8 år till 17 år"; not a
#: phone number ("08-465 …") or a date ("2024-05-01"), whose parts start with a zero.
_WHOLE = r"(?:0|[1-9]\d{0,2}(?:[  ]\d{3})+|[1-9]\d*)"
_RANGE = re.compile(
    rf"(?<![\d,.])({_WHOLE})(?:,\d+)?(?:\s*(?:–|—|-)|(?:\s+[^\W\d]+)?\s+(?:till|to))\s*({_WHOLE})(?![\d])"
)


def is_year(n: int) -> bool:
    """Whether a number reads as a year ("2010"), not a count."""
    return 1800 <= n <= 2099


def _value(digits: str) -> int:
    return int(re.sub(r"\D", "", digits))


def _unit(folded: str, end: int) -> str:
    """What the number ending at `end` counts: the word after it ("400 000 kr" → "kronor",
    "18+ år" → "år")."""
    word = re.match(r"\+?\s*([^\W\d]+)", folded[end:])
    return unit_of(word.group(1)) if word else ""


#: The highest number read as an age when the question gives no unit.
MAX_AGE = 120


def held(question: str, n: int, text: str, *, tight: bool = True) -> bool:
    """Whether a text holds a number `n` the question gives: the number itself, or a range or
    a bound of the same unit that it lies within ("bidrag på 200 000 kr" – "150 001–400 000
    kr", "15 km" – "10,1–20 km", "80 000 kr" – "mer än 50 000 kronor"; `lang.bound`; a bound
    after it too: "79" – "75 år eller äldre", `lang.bound_after`). An age the question gives
    without a unit is counted in years (`lang.age_unit`: "min pappa är 79"), and is no bound
    ("har fyllt 12" – "till och med 12 år"). A year
    is held by itself and, asked with a bound ("före 2015?"; `lang.year_bound`), by a year on
    that side of it ("år 2010") or by itself with the same bound: "under 2023" says nothing
    of 2022. A bound the question sets on its number is held only by one on the same side as
    tight or tighter ("beslut inom 2 veckor?" – "inom 4 veckor" is not; `_within`); with
    `tight=False`, by a looser one too, which leaves the question open."""
    asked = fold(question.lower())
    folded = fold(text.lower())
    stated = numbers_in(text)
    if is_year(n):
        side = _year_side(asked, n)
        if side:
            return any(is_year(y) and (y - n) * side > 0 for y in stated) or (
                n in stated and _year_side(folded, n) == side
            )
    if n in stated:
        # A bound the question sets is not held by the opposite bound on the same number:
        # "färre än 500 000?" – "över 500 000".
        sides = _number_sides(asked, n)
        side = sides.pop() if len(sides) == 1 else 0
        given = _number_sides(folded, n)
        return not side or side in given or -side not in given
    if is_year(n):
        return False
    sides = _number_sides(asked, n) - {0}
    own = sides.pop() if len(sides) == 1 and tight else 0
    units = _units_asked(asked, n)
    if units and _within(folded, n, units, side_asked=own):
        return True
    # The same span in a smaller unit: "de första två veckorna" – "de första 14 dagarna"; a
    # range or a bound in another unit of time, both counted in the smallest: "i två
    # månader" – "mer än fyra veckor" (60 days against 28).
    return any(
        _states_in(folded, count, unit) or _within(folded, count, {unit}, side_asked=own)
        for count, unit in _in_smaller_units(asked, n)
    ) or any(
        _within(folded, count, {unit}, smallest=True, side_asked=own)
        for count, unit in _in_smaller_units(asked, n, smallest=True)
    )


def within_years(n: int, text: str) -> bool:
    """Whether a text bounds the years so that the year `n` lies within every bound it sets,
    and sets one ("före 1982" holds 1968; "efter 1950 och före 1975" does not hold 1990; no
    bound holds 15): a year a yes/no question gives is not contradicted by it ("Vårt hus
    byggdes 1968, kan det finnas asbest?" – "Hus som är byggda före 1982 kan innehålla
    asbest")."""
    if not is_year(n):
        return False  # an age or a count lies in no span of years
    folded = fold(text.lower())
    sides = [(n - y) * _year_side(folded, y) for y in numbers_in(text) if is_year(y) and y != n]
    bounds = [side for side in sides if side]
    return bool(bounds) and all(side > 0 for side in bounds)


def _within(
    folded: str, n: int, units: set[str], *, smallest: bool = False, side_asked: int = 0
) -> bool:
    """Whether a folded text gives a range or a bound in one of the units that `n` lies
    within (`held`), its number in digits or in words ("mer än fyra veckor"). With
    `smallest`, `n` counts the smallest unit of time and so is each number of the text in a
    larger one (`in_smallest_unit`): "fyra veckor" is 28 days, "30 dagar" 30. A bound the
    question sets on `n` itself (`side_asked`, as `lang.bound`) is held by one on the same
    side only as tight or tighter: "beslut inom 2 veckor?" – "inom 4 veckor" is not."""

    def measured(value: int, end: int) -> tuple[int, str]:
        word = re.match(r"\+?\s*([^\W\d]+)", folded[end:]) if smallest else None
        span = in_smallest_unit(word.group(1)) if word else None
        return (value * span[0], span[1]) if span else (value, _unit(folded, end))

    for match in _RANGE.finditer(folded):
        low, unit = measured(_value(match.group(1)), match.end())
        high, _ = measured(_value(match.group(2)), match.end())
        if low <= n <= high and not is_year(_value(match.group(2))) and unit in units:
            return True
    words = _number_words()
    found = [(m.start(), m.end(), _value(m.group())) for m in re.finditer(_DIGITS, folded)]
    found += [
        (m.start(), m.end(), words[m.group()])
        for m in re.finditer(r"[^\W\d]+", folded)
        if m.group() in words
    ]
    for start, end, value in [*found, *_scaled(folded)]:
        if _RANGE.match(folded, start):
            continue  # "från 8 till 17 år" is a range, not "från 8"
        side = bound(folded[max(0, start - 25) : start]) or bound_after(folded[end : end + 25])
        value, unit = measured(value, end)
        if side and unit in units:
            if side == side_asked:
                if (side < 0 and value <= n) or (side > 0 and value >= n):
                    return True
            elif (side < 0 and n <= value) or (side > 0 and n >= value):
                return True
    return False


def _in_smaller_units(asked: str, n: int, *, smallest: bool = False) -> list[tuple[int, str]]:
    """The number `n` a folded question gives in a unit of time, in the smaller unit a known
    language makes it of (`in_smaller_unit`): "två veckor" -> (14, dagar); with `smallest`,
    in the smallest (`in_smallest_unit`): "två månader" -> (60, dagar)."""
    smaller = in_smallest_unit if smallest else in_smaller_unit
    found = []
    for m in _mentions(asked, n):
        word = re.match(r"\s*([^\W\d]+)", asked[m.end() :])
        span = smaller(word.group(1)) if word else None
        if span:
            found.append((n * span[0], span[1]))
    return found


def _states_in(folded: str, n: int, unit: str) -> bool:
    """Whether a folded text states the number `n` in the unit (`_unit`): "14 dagarna"."""
    return any(_unit(folded, m.end()) == unit for m in _mentions(folded, n))


def _units_asked(asked: str, n: int) -> set[str]:
    """The units a folded question counts the number `n` in (`_unit`): the word after it
    ("20 år", "15 km"), or years for an age given without one ("min pappa är 79 och …",
    "dottern som är 13"; not "vi är 4 personer", whose unit it is)."""
    units = set()
    for m in _mentions(asked, n):
        unit = _unit(asked, m.end())
        measured = bool(unit) and is_unit(unit)  # "20 år", "15 km"
        alone = not unit or (not measured and term(unit) in stopwords())
        if not alone:
            units.add(unit)
        if n <= MAX_AGE and not measured:
            units.add(age_unit(asked[max(0, m.start() - 25) : m.start()], alone=alone))
    units.discard("")
    return units


def counts_things(asked: str) -> bool:
    """Whether a question asks "hur många"/"how many" of something other than a measure:
    what it counts may itself be one ("How many hours …?", "Hur många år …?"), as the
    question writes it (folded, "år" would read as "är")."""
    counted = counted_words(asked)
    return bool(counted) and not any(
        counts_as(w.lower(), "measure") for w in words(asked) if fold(w.lower()) in counted
    )


def counted_units(asked: str) -> tuple[tuple[str, str], ...]:
    """The units a question counts ("hur många km", "hur många kronor") that it writes itself,
    each as its term and its unit: a unit is counted in any of its names, but the words a verb
    counts its subject by only as themselves ("hur många bor där?" counts no visitors)."""
    written = set(words(fold(asked.lower())))
    return tuple((term(w), unit_of(w)) for w in counted_words(asked) if is_unit(w) and w in written)


def stated_alike(question: str, n: int, text: str) -> bool:
    """Whether a text states a number that may speak of the number `n` a question gives: one
    in a unit it is counted in (`_units_asked`), or one in no unit a language lists ("har
    fyllt 18", "nio regionala stadskärnor"). A text whose numbers all count something else
    says nothing of it: "Jag är 17 år, kan jag bli ledvärd?" – "… en sträcka på minst tre
    kilometer", "ett pass på 2,5 timmar"; nor does a phone number. A number the question
    gives in no unit may be spoken of by any."""
    text = answer_pattern("contact").sub(" ", text)  # type: ignore[union-attr]
    stated = numbers_in(text)
    asked = fold(question.lower())
    units = _units_asked(asked, n) | {unit for _, unit in _in_smaller_units(asked, n)}
    if not stated or not units:
        return bool(stated)
    folded = fold(text.lower())
    words = _number_words()
    ends = [
        m.end()
        for m in re.finditer(rf"{_DIGITS}|[^\W\d]+", folded)
        if m.group()[0].isdigit() or m.group() in words
    ]
    for end in [*ends, *(end for _, end, _ in _scaled(folded))]:  # "en halv miljon människor"
        if re.match(r",\d", folded[end:]):
            continue  # the whole of "2,5 timmar": the unit is its decimals' to say
        after = re.match(r"\+?\s*([^\W\d]+)", folded[end:])
        if after is None or not is_unit(after.group(1)) or _unit(folded, end) in units:
            return True
    return False


def _mentions(folded: str, n: int) -> list[re.Match[str]]:
    """Where a folded text states the number `n`, in digits or in words ("sju" for 7)."""
    words = _number_words()
    return [
        m
        for m in re.finditer(rf"{_DIGITS}|[^\W\d]+", folded)
        if (_value(m.group()) if m.group()[0].isdigit() else words.get(m.group())) == n
    ]


def _number_sides(folded: str, n: int) -> set[int]:
    """How the words before each mention of the number `n` in a folded text bound it
    (`lang.bound`: -1, 0 or 1); a negated bound is the opposite one ("inte mindre än 500
    000" is at least 500 000)."""
    sides = set()
    spans = [(m.start(), _value(m.group())) for m in re.finditer(_DIGITS, folded)]
    for start, value in [*spans, *((start, value) for start, _, value in _scaled(folded))]:
        if value != n:
            continue
        before = folded[max(0, start - 25) : start]
        # An age is no bound: "min son har fyllt 12" is 12, not at least 12.
        side = 0 if age_unit(before) else bound(before)
        # Negated from outside ("inte mindre än"), not as a bound of its own ("inte mer än").
        outside = side and denies(before) and bound(_without_denials(before)) == side
        sides.add(-side if outside else side)
    return sides


def _without_denials(folded: str) -> str:
    """A folded text without the negations that deny a verb (`lang.denials`)."""
    words = frozenset().union(*(lang.denials for lang in languages().values()))
    return " ".join(w for w in folded.split(" ") if w not in words)


def _year_side(folded: str, n: int) -> int:
    """How the words before the year `n` in a folded text bound it (`lang.year_bound`), when
    every mention of it is bounded the same way; else 0."""
    sides = {
        year_bound(folded[max(0, m.start() - 25) : m.start()])
        for m in re.finditer(r"(?<!\d)\d{4}(?!\d)", folded)
        if int(m.group()) == n
    }
    return sides.pop() if len(sides) == 1 else 0


def _number_words() -> dict[str, int]:
    merged: dict[str, int] = {}
    for lang in languages().values():
        merged.update(lang.numbers)
    return merged


def strip_instructions(question: str) -> str:
    """The question without markup, fake role blocks and clauses that instruct the assistant,
    and without an aside that opens what is left ("Förresten, …", `Language.aside`).

    Returns an empty string when nothing but those is left.
    """
    text = _COMMENT.sub(" ", question)
    text = _SCRIPT.sub(" ", text)
    text = _HIDDEN.sub(" ", text)
    text = _JSON_MESSAGE.sub(_json_message, text)
    text = _drop_heading_blocks(text)
    # A tag ends a clause, so an instruction inside one element is judged apart from the
    # question beside it; kept clauses are joined again with spaces.
    text = _TAG.sub("\n", text)
    text = _TOKEN.sub("\n", text)
    text = _drop_role_blocks(text)
    text = re.sub(r"[^\S\n]+", " ", text)  # one space per run: the split looks ahead at each
    instruction = [lang.instruction for lang in languages().values()]
    kept = []
    payload = False  # the clause before was an order that ends with a colon
    for clause in _CLAUSE_SPLIT.split(text):
        if payload:
            # What an order tells the assistant to say ("Svara endast: "Allt är gratis"").
            clause = _PAYLOAD.sub(" ", clause, count=1)
        ordered = any(p.search(fold(clause.strip().lower())) for p in instruction)
        payload = ordered and clause.rstrip().endswith(":")
        if clause.strip() and re.search(r"\w", clause) and not ordered:
            kept.append(clause)
    text = unicodedata.normalize("NFC", " ".join(" ".join(kept).split()).strip(" \"'"))
    for lang in languages().values():
        # An aside that opens what is left asks nothing: "Förresten, vilken mejladress …?"
        aside = lang.aside.match(text.lower())
        if aside and re.search(r"\w", text[aside.end() :]):
            text = text[aside.end() :]
    return text


#: A quotation that opens a clause, to its closing quote or the clause's end.
_PAYLOAD = re.compile(r"^\s*[\"'“”„«»‘’][^\"“”„«»]*?(?:[\"“”„«»]|['‘’](?=\s|$)|$)")


def _json_message(match: re.Match[str]) -> str:
    """A JSON chat message: its content on a line of its own if a user wrote it, else
    nothing."""
    if fold(match.group(1).lower()) in _COMMAND_ROLES:
        return "\n"
    return "\n" + match.group(2).replace('\\"', '"') + "\n"


def _drop_heading_blocks(text: str) -> str:
    """Blocks under a heading that names a command role ("### Instruction", "## System")
    are dropped, up to the next heading; other headings are dropped, their blocks kept."""
    out: list[str] = []
    pos, dropping = 0, False
    for match in _HEADING.finditer(text):
        if not dropping:
            out.append(text[pos : match.start()])
        dropping = fold(match.group(1).lower()) in _COMMAND_ROLES
        pos = match.end()
    if not dropping:
        out.append(text[pos:])
    return "\n".join(out)


def _drop_role_blocks(text: str) -> str:
    """Text after a command role label ("SYSTEM:") up to the end of its line is dropped;
    after a user label ("Fråga:") it is kept without the label."""
    out: list[str] = []
    pos = 0
    for match in _ROLE.finditer(text):
        out.append(text[pos : match.start()])
        pos = match.end()
        if fold(match.group(1).lower()) in _COMMAND_ROLES:
            end = text.find("\n", pos)
            following = _ROLE.search(text, pos)
            stop = len(text) if end < 0 else end
            if following and following.start() < stop:
                stop = following.start()
            pos = stop
    out.append(text[pos:])
    return "".join(out)


def _weak_halves(asked: str, analyzer: Analyzer, weak: frozenset[str]) -> frozenset[str]:
    """The halves of a compound that names the kind of fact asked for ("öppettider": "tid"),
    unless the question also uses them alone: they say no more than the whole does."""
    found = _WORD.findall(asked.lower())
    alone = {term(w) for w in found}
    halves = {half for w in found if term(w) in weak for half in analyzer.split_compound(w)}
    return frozenset(halves - alone)


def _function_terms(asked: str, table: Language, analyzer: Analyzer | None) -> frozenset[str]:
    """The terms of the question's function words (`lang.function_words` of its own language),
    told by the word as written: "sitt" names nothing in "överklaga sitt betyg", "sitter" does
    in "var sitter enheten", though both stem to "sitt". Corrected as the question's terms are
    ("kanske" is no typo of "kans"); a term another word of the question shares stays ("en bar
    eller bara ett kafé")."""
    found = _WORD.findall(unicodedata.normalize("NFC", asked.lower()))
    if not any(w in table.function_words for w in found):
        return frozenset()

    def analysed(word: str) -> set[str]:
        return {term(word), *(analyzer.query_terms(word) if analyzer is not None else ())}

    function = set().union(*(analysed(w) for w in found if w in table.function_words))
    other = set().union(*(analysed(w) for w in found if w not in table.function_words))
    return frozenset(function - other)


def _missing_terms(asked: str, analyzer: Analyzer, weak: frozenset[str]) -> frozenset[str]:
    """Topic words of the question that the corpus has in no form: not as a term, a typo of
    one, or a compound of two."""
    stop = stopwords()
    missing = set()
    for word in _WORD.findall(asked.lower()):
        folded = fold(word)
        t = term(word)
        if folded in stop or t in weak or len(folded) < 3 or folded.isdigit():
            continue
        if analyzer.known(t) or analyzer.split_compound(word) or analyzer.correct(t):
            continue
        missing.add(t)
    return frozenset(missing)


def _places(asked: str, table: Language, analyzer: Analyzer | None) -> frozenset[str]:
    """The terms of the places a question names by what they are, in its language
    (`Language.place`: "i Huddinge kommun", "Stockholms län", "the City of Stockholm"), that
    the sources never name: not in the genitive's form without its "s" ("Ystads kommun" –
    "Ystad") either. Not a capitalised first word ("Annan kommun: …"), nor a place the asker
    tells of themselves with in the clause before it (`Language.told_place`: "Jag är från
    Nacka kommun, …")."""
    if analyzer is None:
        return frozenset()
    found = set()
    for match in table.place.finditer(asked):
        before = asked[: match.start()]
        if not _AFTER_WORD.search(before) or table.told_place.search(fold(before.lower())):
            continue
        for name in filter(None, match.groups()):
            if name.islower() and (fold(name) in stopwords() or fold(name) in table.not_place):
                continue  # "i min kommun", "i nagon kommun"
            forms = {term(name.lower())}
            if name.endswith("s"):
                forms.add(term(name[:-1].lower()))
            if not any(analyzer.known(f) for f in forms):
                found.add(term(name.lower()))
    return frozenset(found)


#: Text a name follows in a sentence, not at its start: a word and a space ("i Huddinge").
_AFTER_WORD = re.compile(r"[\w,;)–] $")


_CAPITAL = re.compile(r"(?<=[\w,:;–)] )[A-ZÅÄÖÉ][\wåäöé-]+")


def _capitalised(asked: str) -> frozenset[str]:
    return frozenset(term(m.group().lower()) for m in _CAPITAL.finditer(asked))


#: How much of the answer before a follow-up its retrieval query takes.
_SAID_CHARS = 500
#: A citation marker in an answer: "… samarbete. [1]".
_MARKER = re.compile(r"\s*\[\d+\]")


def is_follow_up(question: str) -> bool:
    """Whether a question leans on the conversation before it ("och när startade det?")."""
    text = fold(question.lower())
    tables = languages().values()
    if any(lang.follow_start.match(text) or lang.follow_end.search(text) for lang in tables):
        return True
    # The pronouns themselves are no content: "vilket nummer ringer man henne på?"
    content = [
        w
        for w in _WORD.findall(text)
        if len(w) > 3 and not any(lang.pronoun.fullmatch(w) for lang in tables)
    ]
    return any(lang.pronoun.search(text) for lang in tables) and len(content) <= 3
