"""Compose a short Swedish answer from retrieved passages, every sentence cited.

The answer is extractive: it quotes the sentences (or the whole list) of the passages that
best answer the question, each followed by a citation marker `[n]`. Nothing from the
question is ever copied into the answer, so instructions hidden in a question cannot
change what is said. A candidate sentence can answer only if it states what the question
requires (the type of fact, its names and counts); among those, the fitted scorer
(`assistant.scoring`) decides which answers best and whether that is good enough. When it
is not, the answer is an honest refusal with no citations.

Answers come in the shapes residents expect: a yes/no question gets "Ja." or "Nej." before
its quoted evidence (or, when sure evidence decides neither, the evidence alone), a list
comes back as a list (`Answer.parts`), and a greeting or thanks gets a short friendly reply
that says what can be asked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from urllib.parse import quote

import numpy as np

from assistant.chunking import sentences
from assistant.grounding import Checked
from assistant.lang import (
    DEFAULT,
    about_page,
    answer_pattern,
    asks_clock,
    asks_leave,
    asks_membership,
    circumstances,
    counterfactual,
    counts_as,
    days_named,
    decades,
    denied_terms,
    denies,
    dispensed,
    dispenses,
    doer,
    done_without,
    excepted,
    form_of,
    free,
    in_unit,
    inflects,
    languages,
    lifts,
    main_clause,
    membership_terms,
    named_as_doer,
    negated,
    obliged,
    obliges,
    of_all,
    partial,
    ranks,
    rates,
    required_terms,
    restricts,
    speaks_of,
    superlative,
    superlatives,
    supposes,
    uncharged,
    unit_of,
    waives,
    widens,
)
from assistant.lexical import MIN_PART, TLDS, Analyzer, fold, half_of, stopwords, term, words
from assistant.question import (
    ReadQuestion,
    glossary_terms,
    held,
    is_year,
    numbers_in,
    stated_alike,
    within_years,
)
from assistant.scoring import FEATURES, Candidate, Scorer, candidate_features, is_enumeration
from assistant.types import Answer, AnswerPart, Chunk, Citation, Hit

REFUSAL = languages()[DEFAULT].replies["refusal"]
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")


def _replies() -> dict[str, str]:
    """Replies in the answers' language."""
    return languages()[DEFAULT].replies


def admissible(candidate: Candidate, rq: ReadQuestion) -> bool:
    """Whether a sentence states what the question requires (a question in the sources is
    never an answer, nor what a page says of itself): every corpus name it mentions
    (`_holds_name`; to a yes/no question, a sentence that, with its heading, names none holds
    those of its passage), what it counts ("hur många bilar": a word of `ReadQuestion.counted`),
    the type of fact it asks for (a year for "när", an amount for "vad kostar") and the unit
    it asks it in (`ReadQuestion.unit`: "i kvadratkilometer"), other than a number the
    question gives itself, and every number it counts with, as itself or within
    a range or bound it states ("de andra fem …"; "200 000 kr" – "upp till 400 000 kr"; a
    yes/no question may give a number the sentence contradicts, and an age or a delay the
    asker gives is answered by a limit: `circumstances`). For a yes/no question, a sentence
    that speaks of that kind of fact will do. A price is of what the question prices
    (`_prices_asked`), and which is first is answered by a first (`_ranks_first`)."""
    text = candidate.full_text
    if candidate.text.rstrip().endswith("?") or about_page(candidate.text):
        # A question in the sources ("Har du frågor om …?") answers nothing, nor does what a
        # page says of itself ("Här kan du läsa om hur du ansöker").
        return False
    if not all(_holds_name(name, candidate) for name in rq.names):
        # A yes/no question asks of a rule its passage states for the place it names, in a
        # sentence that, with its heading, names no corpus name: "Får jag ställa husvagnen på
        # infartsparkeringen i Lövsta över en långhelg?" – "Du får parkera högst 24 timmar i
        # följd" on the page about Lövsta's car parks; not "Stadsparken har offentliga
        # toaletter" on a page that also names Orrliden.
        if rq.kind != "yesno" or candidate.names or candidate.before:
            return False
        if not all(name in candidate.passage for name in rq.names):
            return False
    if rq.role and not _names_role(rq.role, candidate):
        return False  # "vem är kuratorn?" is not answered by "Skolsköterska: Sara Eklöf"
    if rq.past and not _dated_before(candidate):
        return False  # "hur många platser fanns förra sommaren?" – "Antal platser: 80"
    if rq.expects == "time" and asks_clock(rq.asked):
        if not answer_pattern("clock").search(text):  # type: ignore[union-attr]
            return False  # "Vilken tid börjar firandet den 6 juni?" – "… den 6 juni"
    if rq.advice and not answer_pattern("advice").search(text):  # type: ignore[union-attr]
        return False  # "vilket labb rekommenderar ni?" – "… hos ett ackrediterat laboratorium"
    if rq.now and not _tells_now(candidate):
        return False  # "hur många står i kö just nu?" – "Om två barn har samma ködatum …"
    if rq.counted and not _counts(rq, text):
        return False  # "hur många bilar?" is not answered by "tre sätt att betala"
    if candidate.is_list and rq.kind != "yesno" and not _item_answers(rq, candidate):
        return False
    if not _prices_asked(rq, candidate):
        return False  # "vad kostar en ny soptunna?" – "… en dragavgift på 35 kronor"
    if rq.kind != "yesno" and not _reckoned_alike(rq, text):
        return False  # "ersättning per kilometer?" – "200 kronor per timme"
    if rq.unit and not in_unit(text, rq.unit) and not (rq.expects == "money" and free(text)):
        # What costs nothing answers "i kronor" too: "Vad kostar parkeringen i kronor?" –
        # "Parkeringen är gratis."
        return False  # "Hur stor är Södertörns yta i kvadratkilometer?" – "en halv miljon"
    if rq.kind != "yesno" and not _ranks_first(rq, text):
        return False  # "vilket är Sveriges största län?" – "… det fjärde största länet"
    pattern = answer_pattern(rq.expects) if rq.expects else None
    if rq.counted and rq.expects == "number":
        pattern = None  # the count is `_counts`'s to find ("en simhall", "2000 platser")
    if pattern is not None and not _states(pattern, text, rq):
        # A yes/no question asks whether, not how much: "Måste man betala?" is answered by
        # a sentence about paying ("kostar ingenting", "betalar avgift under …").
        if not (rq.kind == "yesno" and rq.expects and speaks_of(rq.expects, text)):
            return False
    if rq.role and rq.kind != "yesno" and not _held_by_role(rq, candidate):
        return False
    given = rq.numbers - circumstances(rq.asked)
    return rq.kind == "yesno" or all(held(rq.asked, n, text) for n in given)


#: A capitalised word that does not open its item or sentence, marked up or not: a name ("vid
#: Kvarnfallet", "vid **Kvarnfallet**"). One that opens its item is not told from any other
#: first word.
_INNER_NAME = re.compile(r"(?<=[\w,–] )[*_\[\"“]*[A-ZÅÄÖ][\w-]+")


def _item_answers(rq: ReadQuestion, candidate: Candidate) -> bool:
    """Whether a list can give the count or the kind of fact a question asks for of what it
    names: an item that gives it names that too, or names nothing else ("Avgiften är 400
    kronor per månad" in a list on one day centre). "Hur många platser har parkeringen vid
    Hammarsjöns camping?" is not answered by a list whose item "Parkeringen vid Kvarnfallet
    har 25 platser" counts. True when the question names nothing, asks for no such fact or
    asks who (`_held_by_role`), or the list's lead-in, the sentence before it or its heading
    names all it names; an item must name the rest."""
    pattern = answer_pattern(rq.expects) if rq.expects else None
    if not rq.names or rq.role or not (rq.counted or pattern is not None):
        return True
    lead, items = _split_list(candidate.text)
    named = rq.names - _terms_of(f"{candidate.context} {lead}") - candidate.where
    if not named or not items:
        return True
    for item in items:
        if rq.counted and not _counts(rq, item):
            continue
        if not rq.counted and pattern is not None and not _states(pattern, item, rq):
            continue
        if named <= _terms_of(item) or not _INNER_NAME.search(item):
            return True
    return False


def _reckoned_alike(rq: ReadQuestion, text: str) -> bool:
    """Whether a sentence reckons by what a question about an amount or a count asks it per
    (`rates`: "per månad", "per km"), or by nothing: a rate by another unit answers another
    question ("hur mycket får man per dag?" – "400 kronor per månad"). What the asker tells
    of themselves asks nothing (`ReadQuestion.per`)."""
    if not rq.per or rq.expects not in (None, "money", "number"):
        return True  # "Hur många gånger om året töms kärlet?" asks how often
    stated = rates(text)
    return not stated or bool(rq.per & stated)


def _headed(candidate: Candidate) -> str:
    """A sentence with the title and heading it stands under, which speak for it too."""
    chunk = candidate.hit.chunk
    return f"{candidate.full_text} {chunk.title} {chunk.section or ''}"


def _names_role(role: frozenset[str], candidate: Candidate) -> bool:
    """Whether a sentence, or the title or heading it stands under, names the role a question
    asks who holds (`ReadQuestion.role`), in any form or as the end of a compound: "kurator" –
    "Kurator:", "kuratorerna"; "chef" – "bibliotekschefen"; not "socialchef" – "enhetschef"."""
    return _role_in(role, _headed(candidate))


def _held_by_role(rq: ReadQuestion, candidate: Candidate) -> bool:
    """Whether the name a sentence gives to a question about who holds a role stands with
    that role (`_role_parts`): in the sentence, the clause a semicolon ends or the list item
    (with its lead-in) that names it, or anywhere when only the heading names it. A name
    beside another role is not the one asked for: "vad heter förvaltningschefen?" – "1.
    Synpunkten skickas till enhetschef Eva Strandberg. … 4. Om du inte är nöjd kan du vända
    dig till förvaltningschefen"."""
    person = answer_pattern("person")
    parts = [p for p in _role_parts(candidate) if _role_in(rq.role, p)]
    if not parts:
        return True
    # A part that names the role only as one of a kind names no holder of it: "Gruppen leds
    # av en fysioterapeut och träffas på Träffpunkt Solrosen" – the name is a place's.
    named = [p for p in parts if not _role_indefinite(rq.role, p)]
    return any(_states(person, p, rq) for p in named)  # type: ignore[arg-type]


def _role_indefinite(role: frozenset[str], text: str) -> bool:
    """Whether every mention of the role in a text is one of a kind: an indefinite article up
    to two words before it ("en fysioterapeut", "en legitimerad fysioterapeut", "a nurse"),
    and no name within three words of the two ("en fysioterapeut som heter Anna Berg", "en
    fysioterapeut: Anna Berg", "Anna Berg är en rektor")."""
    tokens = list(re.finditer(r"[^\W\d_]+(?::n)?", text))
    person = answer_pattern("person")
    named = [(m.start(), m.end()) for m in person.finditer(text)]  # type: ignore[union-attr]
    found = False
    for i, token in enumerate(tokens):
        if not _role_in(role, token.group()):
            continue
        found = True
        article = next(
            (
                j
                for j in range(i - 1, max(i - 4, -1), -1)
                if counts_as(tokens[j].group().lower(), "single")
            ),
            None,
        )
        if article is None:
            return False
        near = (tokens[max(article - 3, 0)].start(), tokens[min(i + 3, len(tokens) - 1)].end())
        if any(start < near[1] and end > near[0] for start, end in named):
            return False
    return found


def _role_parts(candidate: Candidate) -> list[str]:
    """The parts of a segment a role and its holder's name stand together in: each item of a
    list read with its lead-in ("Skolans kurator: - Sara Eklöf"), else each sentence
    (`sentences`, which knows abbreviations: "Ny rektor fr.o.m. augusti är Anna Berg") and
    each clause a semicolon ends ("Kurator: Sara Eklöf; Skolsköterska: Per Ek"); a table row
    whole. The sentence a segment leans on is read with its first part ("Vår nya rektor
    börjar i augusti. Hon heter Anna Berg")."""
    if candidate.is_list:
        lead, items = _split_list(candidate.text)
        *before, lead = sentences(lead) or [""]  # the sentence that leads into the items
        # Each item as it stands under its lead-in, so that a name opening it reads as one:
        # "Skolans kurator: Sara Eklöf", "- Johan Ekström, rektor norra området".
        items = [f"{lead}: {item}" if lead else f"- {item}" for item in items]
        parts = [*before, *items] or [candidate.text]
    else:
        parts = [p for s in sentences(candidate.text) for p in s.split(";") if p.strip()]
    if candidate.context and parts:
        parts[0] = f"{candidate.context} {parts[0]}"
    return parts


def _role_in(role: frozenset[str], text: str) -> bool:
    """Whether a text names one of the roles, as `_names_role` reads a sentence."""
    said = fold(text.lower())
    patterns = [lang.roles for lang in languages().values() if lang.roles is not None]
    return any(
        (found := pattern.fullmatch(word)) is not None and found.group("base").endswith(r)
        for word in re.findall(r"\w+(?::n)?", said)
        for pattern in patterns
        for r in role
    )


# A year ("läsåret 2024/2025", "2024-05-01"), not a part of a number ("2010:800", "1.2010"),
# an amount ("1950 kr") or an address ("ekeby.se/2024/lager", "info2024@ekeby.se").
_YEAR = re.compile(r"(?<![\d:.,])\b(?:1[89]|20)\d{2}\b(?![:.,]?\d)(?!\s*(?:kr|kronor|sek|:-)\b)")
_ADDRESS = re.compile(rf"\S*(?:@|\w\.(?:{TLDS})\b)\S*")


def _dated_before(candidate: Candidate) -> bool:
    """Whether a sentence, or the title or heading it stands under, tells of a time gone by
    (the `past` answer pattern: "förra sommaren", "i fjol") or names a year before that of its
    page ("Under 2025 …" on a page updated in 2026; any year on a page without a date)."""
    chunk = candidate.hit.chunk
    text = _headed(candidate)
    if answer_pattern("past").search(text):  # type: ignore[union-attr]
        return True
    text = _ADDRESS.sub(" ", text)
    dated = (chunk.updated or "")[:4]
    now = int(dated) if dated.isdigit() else None
    return any(now is None or int(y) < now for y in _YEAR.findall(text))


def _tells_now(candidate: Candidate) -> bool:
    """Whether a sentence, or the title or heading it stands under, says it tells of now (the
    `now` answer pattern: "i dag", "för närvarande")."""
    text = _ADDRESS.sub(" ", _headed(candidate))
    return answer_pattern("now").search(text) is not None  # type: ignore[union-attr]


def _holds_name(name: str, candidate: Candidate) -> bool:
    """Whether a sentence holds a corpus name the question gives: the name itself or in the
    heading of the section it stands under ("Knektuddens vattenverk" – "Vattenverket byggdes
    1964"; a page title's words are no corpus names), or in the sentence before it when it
    opens with a definite noun that refers back and names no name itself ("Orrliden ligger
    i byn Myrbäcken. Området har inte kommunalt vatten"; `Candidate.before`), or, for a name
    compounded with a common word ("Slamtömning", the e-service; "Södertörnskommunerna"),
    that word at its end within a passage that names it ("den ordinarie tömningen")."""
    if name in candidate.terms or name in candidate.where or name in candidate.before:
        return True  # a heading that names it speaks of it for every sentence below it
    return name in candidate.passage and any(
        len(t) >= MIN_PART and len(name) - len(t) >= MIN_PART and name.endswith(t)
        for t in candidate.terms
    )


#: How far from what it counts a number may stand ("fyra platser", "40 nya bilar", "34
#: kommunala och fristående skolor"; "Antalet platser på förskolan är 180").
_COUNT_REACH = 4


def _counts(rq: ReadQuestion, text: str) -> bool:
    """Whether a sentence gives a number of what a question counts (`ReadQuestion.counted`,
    the first of its words the sentence holds, a form of it or a compound ending in it):
    a cardinal (`counts_as`) up to `_COUNT_REACH` words before it with no measure between
    ("450 kronor per besök" counts no visitors), "bara en" or "only one" right before it, or a
    cardinal as far after it that measures nothing ("Platser: 180", "där bor över en halv
    miljon"; not "barn 1–5 år"). "Hur många böcker har biblioteket?" is not answered by a
    sentence that names books without a number of them."""
    # A contact detail or a clock time counts nothing, nor a number the question gives
    # itself ("zon 1").
    for kind in ("contact", "clock"):
        text = answer_pattern(kind).sub(" ", text)  # type: ignore[union-attr]
    # Nor does the number of a numbered list's item ("2. Bedömning. En sjuksköterska …").
    text = _ENUMERATOR.sub(" ", text)
    tokens = words(text)
    stems = [term(w) for w in tokens]
    measured = [counts_as(w, "measure") for w in tokens]
    labels = [counts_as(w, "label") for w in tokens]
    # Nor does a number after a label, a range's end too ("år 2010", "plan 2", "årskurs
    # 7–9"), nor a year after the word.
    cardinal: list[bool] = []
    labelled = False
    for word, label in zip(tokens, labels, strict=True):
        number = counts_as(word, "cardinal")
        given = word.isascii() and word.isdigit() and int(word) in rq.numbers
        cardinal.append(number and not labelled and not given)
        if not number:
            labelled = label
    # In the question's order, then the words a verb counts its subject by, which it does not
    # write ("hur många jobbar där?" counts "medarbetare").
    asked = dict.fromkeys((*rq.sequence, *sorted(rq.counted)))
    ordered = [t for t in asked if t in rq.counted and not t.isdigit()]
    units = dict(rq.counted_units)  # counted in any of their names
    for base in ordered:
        unit = units.get(base)
        places = [
            i
            for i, stem in enumerate(stems)
            if inflects(stem, base)
            or (stem.endswith(base) and len(stem) - len(base) >= MIN_PART)
            or (unit is not None and unit_of(fold(tokens[i])) == unit)
        ]
        if not places:
            continue  # the next word counted: "hur många nya bostäder" – "1 900 bostäder"
        return any(_number_at(i, tokens, cardinal, measured, labels) for i in places)
    return False


#: The number that opens an item of a numbered list (`_LIST_ITEM`): "2. Bedömning", "3)
#: Skicka in", also after the sentence a segment leans on ("… ringa själv. 2. Bedömning").
_ENUMERATOR = re.compile(r"(?:^|(?<=\n)|(?<=[.!?:] ))[ \t]*\d{1,3}[.)](?=\s+[*A-ZÅÄÖ])")


def _number_at(
    i: int, tokens: list[str], cardinal: list[bool], measured: list[bool], labels: list[bool]
) -> bool:
    """Whether the word at `i` has a number of it (`_counts`): a measure or a label between
    them says what the number counts instead ("3 plan med platser")."""
    restricted = i > 1 and any(
        fold(tokens[i - 2]) in lang.restrictive for lang in languages().values()
    )
    if restricted and counts_as(tokens[i - 1], "single"):
        return True  # "bara en simhall"; a bare "en handläggare" is an article
    for j in range(max(i - _COUNT_REACH, 0), i):
        if cardinal[j] and not any(measured[j + 1 : i]) and not any(labels[j + 1 : i]):
            return True
    for j in range(i + 1, min(i + 1 + _COUNT_REACH, len(tokens))):
        after = next((k for k in range(j + 1, len(tokens)) if not cardinal[k]), None)
        year = tokens[j].isascii() and tokens[j].isdigit() and is_year(int(tokens[j]))
        if cardinal[j] and not year and not (after is not None and measured[after]):
            return True
    return False


def compose_answer(
    rq: ReadQuestion,
    candidates: Sequence[Candidate],
    *,
    scorer: Scorer,
    topics: list[str] | None = None,
) -> Answer:
    """Pick the best-supported sentences and cite them, or refuse.

    Args:
        rq: The question as read once by `read_question`.
        candidates: Segments of the retrieved chunks with their scores.
        scorer: The fitted evidence model (`Scorer.load()`).
        topics: Titles of the sources, named in refusals and small talk.

    Returns:
        The answer; `answered` is False for a refusal or small talk, which carry no
        citations.
    """
    if rq.kind == "smalltalk":
        return smalltalk(rq.smalltalk or "greeting", topics)
    # A question none of whose words the sources hold asks about something they do not
    # cover, when it is told to be in their language ("Opening hours in summer?" may be
    # English); a follow-up may lean on the question before it for what it is about.
    leans = rq.follow_up and rq.query != rq.asked
    if not rq.asked or (rq.unsourced and rq.language_told and not leans):
        return refusal(topics)
    # Nor do they say how to apply for, book or order something they never name, what it
    # costs, when it is open or where it lies: "hur ansöker jag om förskoleplats?" asked of
    # pages on building permits, "vad kostar en greenfee?" of pages on sports halls, "vilka
    # tider har återvinningscentralen öppet?" of pages on foster care ("What are the opening
    # hours of Backsjö library?" through the glossary).
    if rq.procured_unknown:
        return refusal(topics)
    # Nor what holds in a place they never name, named by what it is: "Vilka öppettider har
    # kontaktcenter i Österåkers kommun?" asked of another municipality's pages (a yes/no
    # question about one is `_unknown_name`'s).
    if rq.kind != "yesno" and rq.elsewhere:
        return refusal(topics)
    # Nor does any page foretell the weather: "blir det regn i Tornvik i helgen?" is no "Nej"
    # from the gates shut on holidays, nor a "Ja" from "Vid regn flyttas fisket inomhus".
    if rq.forecast:
        return refusal(topics)
    usable = [c for c in candidates if admissible(c, rq)]
    if not usable:
        return refusal(topics)
    features = candidate_features(rq, usable)
    probs = scorer.probabilities(features)
    order = sorted(range(len(usable)), key=lambda i: -probs[i])
    best, top = usable[order[0]], float(probs[order[0]])
    if rq.kind == "yesno" and _unknown_name(rq):
        absent = _not_in_list(rq, usable, features, scorer)
        if absent is not None:
            return absent
        # A name the sources never mention is never a "Ja" (in another language a capital
        # may mark a mere adjective: "Swedish").
        if rq.language == DEFAULT and rq.capitalised & rq.missing:
            return refusal(topics)
    confidence = scorer.confidence(features)

    def refused() -> Answer:
        # A question about belonging that the scorer would refuse is still answered by a
        # complete list that names what it asks about (`_in_list`); looked for only then.
        member = _in_list(rq, usable, probs) if rq.kind == "yesno" else None
        return member if member is not None else refusal(topics)

    if confidence[order[0]] < scorer.threshold:
        return refused()
    chosen = [best]
    for i in order[1:3]:
        other = usable[i]
        close = probs[i] >= top - scorer.second and confidence[i] >= scorer.threshold
        if close and not (other.is_list or best.is_list):
            chosen.append(other)
            break
    verdict = None
    if rq.kind == "yesno":
        verdict = verdict_of(rq, best)
        if verdict is None or (verdict == "yes" and top < scorer.yes_floor):
            member = _in_list(rq, usable, probs)
            if member is not None:
                return member
            if scorer.quotes(top, float(confidence[order[0]])) and _quotable(rq, best):
                # Evidence the ranker is as sure of as a "Ja" needs, or the answer model is as
                # sure of as of few unanswerable questions (the quote floor), but that decides
                # neither word ("Kan man få ett glas vin till middagen?" – "Personalen kan
                # servera ett glas vin eller öl till maten om du vill."), or that would say
                # "Ja" with less of the ranker's certainty than the yes floor asks: quoted
                # without either, for the reader to judge, rather than refused (also to a
                # follow-up or a group that `_in_list` leaves, whose list the reader then
                # reads).
                return _quote([best], verdict=None, listing=False)
            return refusal(topics)
        chosen = [best]
    else:
        rival = _disagreeing(rq, usable, order, confidence, scorer.threshold)
        if rival is not None and _same_subject(rq, best, rival):
            return _quote_sources(best, rival)
        if rival is not None:
            # Another page states another fact of the kind asked for, about something else
            # the question may mean: quoted beside the best, not as a disagreement.
            chosen = [best, rival]
    return _quote(chosen, verdict=verdict, listing=rq.kind == "list")


def _facts(rq: ReadQuestion, candidate: Candidate) -> frozenset[str]:
    """The facts of the asked type a sentence states ("450 kronor", "2012"), other than
    numbers the question gives."""
    pattern = answer_pattern(rq.expects) if rq.expects else None
    if pattern is None:
        return frozenset()
    found = (m.group(0) for m in pattern.finditer(candidate.full_text))
    return frozenset(
        " ".join(f.lower().split()) for f in found if not (f.isdigit() and int(f) in rq.numbers)
    )


def _disagreeing(
    rq: ReadQuestion,
    usable: list[Candidate],
    order: list[int],
    confidence: np.ndarray,
    threshold: float,
) -> Candidate | None:
    """Another source's confident answer that states a different fact of the asked type
    than the best one, or None; whether it disagrees with the best (two sources give
    different fees for the same visit) is `_same_subject`'s to say."""
    best = usable[order[0]]
    mine = _facts(rq, best)
    if not mine:
        return None
    for i in order[1:]:
        other = usable[i]
        if other.hit.chunk.doc_id == best.hit.chunk.doc_id or confidence[i] < threshold:
            continue
        theirs = _facts(rq, other)
        if theirs and theirs != mine:
            return other
    return None


def _same_subject(rq: ReadQuestion, best: Candidate, other: Candidate) -> bool:
    """Whether two sentences speak of the same thing: the other holds every word of the
    question the best holds (at least one), and the two share most of their own words (a
    fee in a page and in its older copy), not merely the kind of fact asked for."""
    asked = rq.topic & best.terms
    if not asked or not asked <= other.terms:
        return False
    mine, theirs = ({t for t in c.terms if not t.isdigit()} for c in (best, other))
    return 2 * len(mine & theirs) >= min(len(mine), len(theirs))


def _quote_sources(first: Candidate, second: Candidate) -> Answer:
    """Two sources that disagree, each quoted with its title and date, the newer first."""
    newest = sorted((first, second), key=lambda c: c.hit.chunk.updated or "", reverse=True)
    replies = _replies()
    citations, sentences, parts = [], [], []
    for n, cand in enumerate(newest, start=1):
        chunk = cand.hit.chunk
        citations.append(citation_for(cand.hit, n, _single_line(cand.full_text)))
        date = chunk.updated[:10] if chunk.updated else None
        when = replies["dated"].format(date=date) if date else replies["undated"]
        lead = replies["according"].format(title=chunk.title, when=when)
        text = f"{lead} {_single_line(cand.full_text)}"
        sentences.append(f"{text} [{n}]")
        parts.append(AnswerPart("text", text, n))
    return Answer(
        answer=" ".join(sentences), answered=True, citations=citations, shape="answer", parts=parts
    )


def _unknown_name(rq: ReadQuestion) -> bool:
    """A yes/no question whether something the sources never mention belongs to a group
    they list ("Ingår Nacka?", "är kista en av stadskärnorna?"): a capitalised word they do
    not have, or in the sources' language any such word in a question about belonging.
    "Har samarbetet en simhall?" asks about the group, not who is in it."""
    asked = _asked_unknown(rq)
    if rq.capitalised & asked:
        return True
    return bool(asked) and rq.language == DEFAULT and asks_membership(rq.asked)


def _unknown_member(rq: ReadQuestion) -> bool:
    """A question whether something the sources never name belongs to a group ("Is Värmdö
    part of the cooperation?"): never a "Ja". In Swedish any such name is caught earlier; in
    another language a capital may mark a mere adjective ("Swedish"), so only a question
    about belonging counts."""
    return bool(rq.capitalised & rq.missing) and asks_membership(rq.asked)


def _not_in_list(
    rq: ReadQuestion,
    usable: list[Candidate],
    features,  # [n, len(FEATURES)]
    scorer: Scorer,
) -> Answer | None:
    """ "Nej" when the evidence is a complete list of names that leaves out what the question
    asks about; the list counts as complete when it states how many it names ("De åtta
    kommunerna – A, B, …"). Judged as if the name were known: its absence is the answer here.
    The list is the best evidence, or for a question about belonging one of the first
    `LIST_RANKS`. None when there is no such list, or when the list names what the question
    asks about, its first word after the verb, and no unknown capitalised word ("Räknas
    Flemingsberg som en av stadskärnorna i regionplanen?" – "… Flemingsberg, …"; not "är
    ekeby en av kommunerna som samarbetar med Alby?")."""
    known = features.copy()
    known[:, FEATURES.index("missing")] = 0.0
    probs = scorer.probabilities(known)
    confidence = scorer.confidence(known)
    subject = _subject(rq)
    # A question about belonging may find the list lower down; any other only at the top.
    belonging = asks_membership(rq.asked)
    for i in np.argsort(-probs)[: LIST_RANKS if belonging else 1]:
        if not _complete_list(usable[i]):
            continue
        # The list decides a question about belonging whose every other word it holds, sure
        # or not, as it does a "Ja" (`_in_list`): "Ingår Nacka i samarbetet?" – "De åtta
        # kommunerna … har en lång tradition av samarbete".
        if confidence[i] < scorer.threshold and not (belonging and _of_group(rq, usable[i])):
            continue
        listed = subject in rq.names & usable[i].terms and not rq.capitalised & rq.missing
        return None if listed else _quote([usable[i]], verdict="no", listing=False)
    return None


def _subject(rq: ReadQuestion) -> str | None:
    """The term of what a yes/no question asks about: its first topic word after the verb
    that makes it a question ("Ingår Nacka i samarbetet?": nacka)."""
    words = re.findall(r"\w+", (rq.posed or rq.asked).lower())
    verb = term(words[0]) if words else ""
    return next((t for t in rq.sequence if t in rq.topic and t != verb), None)


def _of_group(rq: ReadQuestion, candidate: Candidate) -> bool:
    """Whether a question asks about the group a list is of: the list holds every word of it
    but the names, the unknown names and the words that ask about belonging ("ingår nacka i
    samarbetet?" – "… har en lång tradition av samarbete"; not "ingår nacka i
    landstinget?"); in another language, a counterpart of each such word (`glossed`)."""
    held = candidate.terms | candidate.where
    unknown = rq.capitalised & rq.missing
    if rq.language != DEFAULT:
        groups = [g for g in rq.glossed if not g <= unknown]
        return bool(groups) and all(g & held for g in groups)
    # In the sources' language a name typed in lower case is one too, where it is what the
    # question asks about and the only word the sources lack: "ingår värmdö i samarbetet?"
    # asks about the group as "Ingår Värmdö …?" does; "ingår ekeby i samarbetet om
    # räddningstjänst?" asks about another group.
    lacked = _asked_unknown(rq)
    if lacked == {_subject(rq)}:
        unknown |= lacked
    rest = rq.topic - rq.names - unknown - membership_terms(rq.asked)
    return bool(rest) and rest <= held


def _in_list(rq: ReadQuestion, usable: list[Candidate], probs: np.ndarray) -> Answer | None:
    """ "Ja" when a complete list among the first `LIST_RANKS` names what a question about
    belonging asks about ("ingår nykvarn?" – "De åtta kommunerna på Södertörn – Botkyrka, …,
    Nykvarn, …"): where the scorer would refuse so short a question, the list decides, as it
    does for a name it leaves out (`_not_in_list`). Every other word of the question must be
    the list's or its passage's (in another language through the glossary), so the list is the
    group asked about: not "en av kommunens egna förskolor?" from a list of independent ones,
    nor "ingår salem i landstinget?", nor "en av de största?" (a rank no list of names
    gives)."""
    if not rq.names or not asks_membership(rq.asked) or superlative(rq.asked):
        return None
    if negated(rq.posed or rq.asked, without=False):
        return None
    rest = rq.topic - rq.names - membership_terms(rq.asked)
    for rank, i in enumerate(np.argsort(-probs)[:LIST_RANKS]):
        best = usable[i]
        if not (_complete_list(best) and rq.names <= best.terms):
            continue
        # The group may be named by the passage the list opens, in another word than the
        # list's own: "Är Salem med i samverkan?" – "De åtta kommunerna … har en lång
        # tradition av samarbete. Södertörnskommunernas samverkan formaliserades …".
        held = best.terms | best.where | best.passage
        if rq.language == DEFAULT:
            group = rest <= held
        else:
            group = all(g & held for g in rq.glossed)
        if not group:
            continue
        # A question that names nothing but the member ("ingår nykvarn?") gets no verdict
        # from a sentence that shares only names with it; it must be the best evidence, and
        # not a follow-up, whose group is the one before it ("är nynäshamn en av dem?").
        named = not rest and len(rq.names) == 1 and rank == 0 and not rq.follow_up
        # Nor does a question whose group only the list's passage names ("samverkan" beside
        # a list of "samarbete"): the list shares nothing but names with it (`_beyond_names`),
        # yet that the list names the member is the answer.
        verdict = verdict_of(rq, best)
        if verdict == "yes" or (verdict is None and (named or (rest and not rq.follow_up))):
            return _quote([best], verdict="yes", listing=False)
    return None


#: How far down the ranking a complete list may stand and still say who is not in it, to a
#: question about belonging: the unknown name pulls other sentences up ("Ingår Nacka i
#: samarbetet?").
LIST_RANKS = 3

_NAME = r"[A-ZÅÄÖ][\wåäö-]+(?: (?!och\b|and\b|samt\b|or\b|eller\b)[a-zåäö][\wåäö-]*)?"
_NAME_SEP = re.compile(r", | och | and | samt | or | eller ")
_NAME_RUN = re.compile(rf"{_NAME}(?:(?:, | och | and | samt | or | eller ){_NAME})+")


def _complete_list(candidate: Candidate) -> bool:
    """A list of names that states its own size ("De åtta kommunerna – A, B, …, H")."""
    if candidate.is_list:
        sizes = [sum(bool(_LIST_ITEM.match(line)) for line in candidate.text.splitlines())]
    else:
        sizes = [len(_NAME_SEP.split(run.group())) for run in _NAME_RUN.finditer(candidate.text)]
    stated = numbers_in(candidate.full_text)
    return any(size >= 2 and size in stated for size in sizes)


def verdict_of(rq: ReadQuestion, best: Candidate) -> str | None:
    """The verdict a yes/no question gets from its evidence ("yes", "no" or None), before the
    scorer's floor for a "Ja": `_verdict`, and never a "Ja" to whether something the sources
    never name belongs to a group."""
    verdict = _verdict(rq, best)
    return None if verdict == "yes" and _unknown_member(rq) else verdict


def _verdict(rq: ReadQuestion, best: Candidate) -> str | None:
    """ "yes" or "no" from the evidence, or None when it does not decide.

    The clause of the evidence that shares most with the question (in another language,
    through its glossary) decides (`_closest_clause`:
    to a question about a cost, among the clauses that speak of one; in a table row, within
    the cell that shares most, read with its header; also a cell that opens with a negation:
    "Dag: Fredag, Telefontid: Ingen telefontid" denies calls on Fridays): a negation in one of
    them and not the other is a "no" ("Kan en kommun lösa det själv?" – "… som en enskild
    kommun inte kan lösa själv"), as is "free" to a question about a cost ("Kostar det
    något?" – "kostnadsfritt"); so is what the evidence leaves out with an exception ("öppet
    på söndagar?" – "alla dagar utom söndag") or a restriction it widens ("bara politikerna?"
    – "både på politisk nivå och mellan tjänstemän"), and a question about all of a group
    that the deciding clause answers for a part ("alla stadskärnor?" – "Fyra av dessa finns
    på Södertörn"). A number the question gives that the evidence contradicts with
    another number, or a range or a bound it lies outside of, is a "no"; one it does not state
    leaves the question undecided. So is a decade the question names when the evidence gives
    years outside it ("på 70-talet?" – "startade 1962"). Otherwise evidence strong enough to
    quote that mentions most of what the question asks about is a "yes". Evidence in the
    sources' language that shares none of the question's known topic words but names decides
    nothing: "Måste man ge dricks?" is no "Nej" from a sentence that merely holds a negation.
    """
    if rq.language == DEFAULT and not _beyond_names(rq, best):
        # Evidence that shares no word with what is asked, or only the names of what is asked
        # about, decides nothing: "parkering vid Norrbyskolan?" – "Plats: Norrbyskolan, …".
        return None
    # To a question about a cost, what costs nothing is a no ("Kostar det något?" –
    # "… kan du lämna kostnadsfritt"), and "Är det gratis?" asks whether it costs nothing.
    posed = rq.posed or rq.asked
    cost = rq.expects == "money" or free(posed)
    # In another language the question's words meet the clauses through its glossary: "bring
    # our own chairs?" – "Stolar finns inte, men ni får ta med egna".
    topic = (rq.topic | frozenset().union(*rq.glossed)) if rq.language != DEFAULT else rq.topic
    if best.is_row:
        clause = _closest_clause(best.text, topic, row=True, prefer=_of_cost if cost else None)
    else:
        # To a question about a cost, the clause that speaks of one, if any: "Kompassen har
        # öppet 14.00–17.30. Där behövs ingen anmälan, och det kostar ingenting."
        clause = _closest_clause(
            best.full_text,
            topic,
            prefer=_of_cost if cost else None,
            names=rq.names,
            main=_asked_first(rq, posed, topic),
        )
    if free(posed) and not _states_cost(best.full_text):
        return None  # "Är det gratis?" – evidence silent on what anything costs
    # "Free" is a negation that a negation undoes ("inte gratis"), and a clause that also
    # states an amount ("20 kronor, gratis för elbilar") is no "free". What the question
    # tells before it asks is no part of it: "mormor kan inte gå dit, kan hon få …?"
    denied = negated(posed, without=False) != free(posed)
    says_no = negated(clause) or (best.is_row and _denied_cell(best.text, rq))
    if says_no and not best.is_row and not _denied_member(clause, topic):
        says_no = False  # "krävs bygglov?" – "… kräver bygglov och inte polistillstånd"
    if (
        says_no
        and _WITHOUT.match(fold(clause.lower()))
        and _asked_without(posed) & _terms_of(clause)
        and not negated(_sentence_of(best.full_text, clause).replace(clause.strip(), " "))
    ):
        # A "without" the question asks about too is no denial: "kan man zooma … utan att
        # saker försvinner?" – "förstora texten … utan att innehåll försvinner"; unless the
        # rest of its sentence denies ("Du får inte bygga utan att söka bygglov").
        says_no = False
    told = rq.asked.replace(posed, " ") if rq.posed else ""
    if says_no and not denied and not denies(clause) and denied_terms(clause) & denied_terms(told):
        # A denial of a thing the question tells it lacks agrees with it, where the clause
        # denies no verb: "Jag har inget wifi hemma, funkar surfplattan ändå?" – "… så du
        # behöver inget eget wifi"; not "Har du ingen bil kan du inte få boendeparkering".
        says_no = False
    listed = _denied_items(best, rq)
    if listed is not None:
        # A list whose lead-in denies says no of what one of its items names, and nothing of
        # the rest, nor to a question with a negation of its own; one whose negation denies
        # nothing of its items decides nothing.
        return "no" if listed and not negated(posed, without=False) else None
    costs_nothing = cost and free(clause) and not _amount(clause)
    if costs_nothing and says_no and not best.is_row:
        # A negation undoes "free" in the sentence that says it ("är inte gratis"), not in
        # the next: "Allt är kostnadsfritt. De frivilliga får ingen lön." is free; nor one
        # that denies a cost too: "Tillståndet är avgiftsfritt, och kommunen tar inte heller
        # ut någon avgift för ett nytt kort" (`uncharged`).
        says_no = any(negated(uncharged(s)) for s in _SENTENCES.split(clause) if free(s))
    if not says_no and not denied and obliges(posed) and not dispenses(posed):
        # What the evidence says is done without a thing says one need not do it: "måste man
        # anmäla …?" – "… kan du kompostera utan att anmäla det"; so does a clause that names
        # it in a sentence whose every negation lifts a requirement: "Krävs det körkort …?" –
        # "Har du körkort … är det extra värdefullt, men det är inget krav".
        must = obliged(posed)
        says_no = (
            _done_without(best.full_text, topic, must)
            or _lacked(best.full_text, topic, obliged(posed, reach=2))
            or bool(
                must & _terms_of(clause) and _lifted(_sentence_of(best.full_text, clause), must)
            )
        )
    if not says_no and not denied and dispenses(posed):
        # What the deciding clause requires is a no to doing without it: "kan jag komma förbi
        # … utan att ha bokat?" – "Vill du träffa en handläggare behöver du boka tid i förväg".
        says_no = bool(dispensed(posed) & required_terms(clause))
    if says_no and not denied and not cost and not obliges(posed):
        # Evidence whose every negation says one need not is no "no" to doing without
        # ("Kan jag begära ut handlingar utan att uppge mitt namn?" – "… behöver du inte tala
        # om vem du är"), and evidence whose every negation says nothing limits is none to
        # whether one may ("får min dotter lämna ett förslag?" – "Det finns ingen
        # åldersgräns"). That one need not do a thing says nothing of whether one may, so
        # "Kan jag boka tid?" – "Du behöver inte boka tid" is read as before.
        if dispenses(posed) and waives(best.full_text):
            says_no = False
        elif asks_leave(posed) and waives(best.full_text, limits=True):
            says_no = False
    if denied != (says_no != costs_nothing):
        # Whether something exists is denied only by evidence that names it, as a "yes" must:
        # "Finns det handikapparkering vid kommunhuset?" is no "Nej" from "Det är inte
        # tillåtet att kasta ris … i kommunhuset"; what is denied in every language is
        # denied in the one asked about ("på arabiska?" – "Blanketten finns inte översatt").
        return "no" if not rq.sought or _named_sought(rq, best) else None
    if excepted(best.full_text) & (rq.topic - rq.missing) and not excepted(posed):
        return "no"  # "öppet på söndagar?" – "öppet alla dagar utom söndag"
    if _other_days(rq, _sentence_of(_line_of(best.full_text, clause), clause)):
        # Hours on other days are no "yes", nor a "no": they may be another service's, or
        # one time of many ("Har biblioteket öppet på lördagar?" – a drop-in "första
        # torsdagen i varje månad 8.00–10.00 på biblioteket").
        return None
    if restricts(posed) and widens(best.full_text):
        return "no"
    if _for_a_part(rq, best, clause):
        return "no"  # "Ligger alla stadskärnor på Södertörn?" – "Fyra av dessa finns på …"
    if _outranked(rq, clause):
        return "no"
    if rq.numbers:
        # A number the evidence does not hold is a "no" where it states one that may speak
        # of it, not where all it states counts something else (`stated_alike`).
        unheld = [
            n
            for n in rq.numbers
            if not held(rq.asked, n, best.full_text) and not within_years(n, best.full_text)
        ]
        if unheld:
            if any(held(rq.asked, n, best.full_text, tight=False) for n in unheld):
                # A bound looser than the question's leaves it open: "fler än 600 000?" –
                # "över en halv miljon", "beslut inom 2 veckor?" – "inom 4 veckor".
                return None
            alike = any(stated_alike(rq.asked, n, best.full_text) for n in unheld)
            return "no" if alike else None
    years = [n for n in numbers_in(best.full_text) if is_year(n)]
    told = decades(best.full_text)
    for decade in decades(rq.asked):
        if told and not years:
            # A decade the evidence names is held by itself: "på 70-talet?" – "i början av
            # 70-talet", not "på 60-talet".
            if not any(decade.start in d for d in told):
                return "no"
            continue
        if not years:
            # Evidence that dates nothing confirms no decade: "Samarbetade kommunerna redan på
            # 90-talet?" – "… har en lång tradition av samarbete".
            return None
        if not any(y in decade for y in years):
            return "no"  # "Var det på 70-talet?" – "startade 1962"
    if superlatives(posed) and not superlatives(posed) & superlatives(best.full_text):
        # "Är Nykvarn den minsta kommunen?" is not confirmed by a sentence that ranks nothing,
        # nor by one that ranks by another measure ("Tallby är den minsta" to "den största?").
        return None
    if counterfactual(best.full_text) and not supposes(posed):
        # What would be is no "yes" to whether it is: "Ska Södertörn bli ett eget län?" – "Om
        # Södertörn vore ett län skulle det vara det fjärde största länet".
        return None
    if _doer_unnamed(rq, best, clause):
        # "Är det kommunen som sköter de statliga vägarna?" is no "Ja" from "Trafikverket
        # ansvarar för de statliga vägarna genom kommunen": the one asked about does nothing.
        return None
    return "yes" if _speaks_to(rq, best) else None


def _doer_unnamed(rq: ReadQuestion, best: Candidate, clause: str) -> bool:
    """Whether a question asks if one it names is who does something ("Är det kommunen som
    sköter vägarna?", `doer`) and the sentence of the deciding clause does not name it as one
    (`named_as_doer`): not at all, or only just after a preposition ("I kommunen finns
    naturreservat som länsstyrelsen förvaltar"); in another language, what its glossary gives
    for it."""
    asked = doer(rq.posed or rq.asked)
    if asked is None:
        return False
    code, word = asked
    forms = frozenset({term(word)})
    if code != DEFAULT:
        forms = languages()[code].glossary.get(term(word)) or forms
    return not named_as_doer(forms, _sentence_of(best.full_text, clause))


def _for_a_part(rq: ReadQuestion, best: Candidate, clause: str) -> bool:
    """Whether a question about all of a group ("Ligger alla stadskärnor på Södertörn?") is
    answered for a part of it ("Fyra av dessa finns på Södertörn"): the deciding clause says
    it of a part, says nothing of all ("Alla elever får busskort. Tre av dem åker taxi."),
    and the evidence names the group asked about ("Kan alla söka?" asks of no group), in
    another language through its glossary ("all of the homes" – "boenden")."""
    groups = [g for g in of_all(rq.posed or rq.asked) if g]
    # Whether something exists is asked of one, not of all: "Finns det en förskola som har
    # öppet alla helger?" – "två av dessa har öppet på helger" is a yes.
    if not groups or rq.sought or not partial(clause) or of_all(clause):
        return False
    glossary = languages()[rq.language].glossary
    return any(
        _names(best.full_text, glossary.get(term(g)) or frozenset({term(g)})) for g in groups
    )


def _denied_items(best: Candidate, rq: ReadQuestion) -> bool | None:
    """For a list whose lead-in holds a negation, whether it says no to the question: True
    when the lead-in denies what its items name (`denies`: "Hemtjänsten utför inte heller:",
    "Riksfärdtjänst beviljas inte för:"; not "Den som inte kan gå får:", "Om du inte orkar
    får du:" nor "Du behöver ingen remiss för:") and one thing an item names, or its first
    sentence whole, matches the question both ways, word for word: it names most of what the
    question asks beyond the lead-in and its first word, words the sources lack included, and
    the question holds most of its words ("med snöskottning?" – "trädgårdsarbete,
    snöskottning eller vedhantering").
    Otherwise False: the list decides nothing ("för resor?" – "resor till och från arbete";
    "hund?" – "hundleksaker"). None when the evidence is no list, or its lead-in holds no
    negation, or says what is free ("Det kostar ingenting att:"). A list first in its passage
    with no lead-in of its own is led by its heading, True or None."""
    if not best.is_list:
        return None
    lead, items = _split_list(best.text)
    # A list with no lead-in of its own, first in its passage, is led by the heading it
    # stands under ("### Det här ingår inte" – "- skjuts i … egen bil"), but only says no of
    # what an item names: otherwise the list is read as any evidence is.
    headed = bool(items) and not lead and best.position == 0
    if headed:
        lead = best.hit.chunk.section or ""
    if not items or not negated(lead) or free(lead):
        return None
    clauses = _clauses(lead)
    if not clauses or not denies(clauses[-1]):
        return None if headed else False  # "Vi tar inte emot kontanter, men du kan betala med:"
    # In another language the question's words meet the items through its glossary.
    groups = rq.glossed if rq.language != DEFAULT else [{t} for t in rq.topic]
    asked = [g for g in groups if not g & _posing(rq) and not _names(lead, g)]
    forms = set().union(*groups) | rq.terms if groups else set(rq.terms)
    for item in items:
        # Each thing it names, and its first sentence whole, whose relative clause may speak of
        # all of them: "Intyg eller utlåtanden som ska användas i en vårdnadstvist".
        for thing in [*_ITEM_PARTS.split(item), _SENTENCE_END.split(item.strip())[0]]:
            words = set(Analyzer.base_terms(thing))
            named = sum(bool(g & words) for g in asked)
            held = len(words & forms)
            if words and 2 * named > len(asked) and 2 * held > len(words):
                return True
    return None if headed else False


#: Where the things an item names part: "trädgårdsarbete, snöskottning eller vedhantering"
#: (not at "och", which may join the words of one: "resor till och från arbete").
_ITEM_PARTS = re.compile(r",\s*|\s+(?:eller|or)\s+")


def _posing(rq: ReadQuestion) -> frozenset[str]:
    """The term of the word that poses a yes/no question, its first ("Beviljas …?")."""
    return frozenset(term(w) for w in re.findall(r"\w+", (rq.posed or rq.asked).lower())[:1])


def _names(text: str, forms: frozenset[str] | set[str]) -> bool:
    """Whether a text holds one of the terms as a word, or as the first or last part of a
    compound ("parkering" in "boendeparkering"; not "hund" in "hundra")."""
    words = _terms_of(text)
    return any(
        t == w
        or (
            len(t) >= MIN_PART
            and len(w) - len(t) >= MIN_PART
            and (w.startswith(t) or w.endswith(t))
        )
        for t in forms
        for w in words
    )


def _of_cost(text: str) -> float:
    """How a text speaks of what something costs: 1 when it states an amount or that it is
    free, 0.5 when it speaks of a cost in the words a question about money asks with
    ("avgiftsbelagd", "betalar en avgift"), else 0."""
    return 1.0 if _states_cost(text) else 0.5 if speaks_of("money", text) else 0.0


def _states_cost(text: str) -> bool:
    """Whether a text says what something costs, or that it costs nothing."""
    return free(text) or _amount(text)


def _amount(text: str) -> bool:
    """Whether a text states an amount of money ("20 kronor"), not only that it is free."""
    pattern = answer_pattern("money")
    return bool(pattern) and any(not free(m.group()) for m in pattern.finditer(text))


#: Where one cell of a table row read as a sentence ends and the next begins ("…, Maxtid: …").
_CELL = re.compile(r",\s+(?=[^,:]{1,40}:\s)")
#: The first word of a cell and of its value ("Telefontid: Ingen …").
_CELL_OPENS = re.compile(r"(?:^|:\s+)[*_]*(\w+)")


def _denied_cell(row: str, rq: ReadQuestion) -> bool:
    """Whether a cell of a table row opens with a negation ("Ingen telefontid", "Nej"): the
    row's record says no, though a cell may hold a negation of its own in a subordinate clause
    ("när bilen inte kommer"). In a row of more than two cells only a cell that shares a word
    with the question, whole or as a part of a compound, denies: "Maxtid: ingen" says nothing
    of whether a car park charges on Sundays, "Söndagsavgift: ingen" does."""
    cells = _CELL.split(row)
    parts = {t for t in rq.terms if len(t) >= MIN_PART} | rq.topic  # may be compounded
    for cell in cells:
        if not any(negated(word) for word in _CELL_OPENS.findall(cell)):
            continue
        words = _terms_of(cell)
        about = words & rq.terms or any(
            w.startswith(t) or w.endswith(t) for w in words for t in parts
        )
        if len(cells) <= 2 or about:
            return True
    return False


def _beyond_names(rq: ReadQuestion, best: Candidate) -> bool:
    """Whether the evidence shares a known word with the question other than its names and
    their parts ("skolan" of "Norrbyskolan"), when the question has such a word: a sentence
    that only names the place asked about says nothing of what is asked about it."""

    def named(t: str) -> bool:
        return any(t == n or n.startswith(t) or n.endswith(t) for n in rq.names)

    asked = {t for t in rq.topic - membership_terms(rq.asked) if not named(t)}
    # A question that asks only about names ("Är Nykvarn med bland Södertörnskommunerna?")
    # is answered by a sentence that names them; a follow-up ("är Nynäshamn en av dem?")
    # asks also about what its pronoun stands for.
    if not asked and not rq.follow_up:
        # Unless it names two that the evidence lists side by side: "Ingår Bryn i Alby?" is
        # not answered by "… Alby, Bryn, Celsing och Dalby …".
        return not _peers(rq.names, best.text)
    return bool((asked - rq.missing) & best.terms)


def _peers(names: frozenset[str], text: str) -> bool:
    """Whether a text lists two or more of the names side by side, as items of one run of
    names ("Alby, Bryn och Celsing")."""
    if len(names) < 2:
        return False
    for run in _NAME_RUN.finditer(text):
        items = {t for item in _NAME_SEP.split(run.group()) for t in Analyzer.base_terms(item)}
        if len(names & items) >= 2:
            return True
    return False


def _prices_asked(rq: ReadQuestion, candidate: Candidate) -> bool:
    """Whether a sentence can give the price a question asks for: it (or its section's title)
    names what "vad kostar" prices, when the sources know it (`ReadQuestion.priced`: "ett
    andra förhandsmöte" is not priced by "Det första förhandsmötet är kostnadsfritt"), else
    something the question names that the sources know (in another language, a counterpart
    its glossary gives), or the question names nothing of the kind. A price of something else
    is no answer."""
    if rq.expects != "money" or rq.kind == "yesno" or (rq.follow_up and rq.query != rq.asked):
        return True  # a follow-up's subject may be in the question before it
    held = candidate.terms | candidate.where
    if rq.language != DEFAULT:
        groups = [g for g in rq.glossed if not g & rq.names]
        return not groups or any(_names_alike(t, h) for g in groups for t in g for h in held)
    priced = rq.priced - rq.missing - rq.names
    if priced:
        return any(_names_alike(t, h) for t in priced for h in held)
    known = rq.topic - rq.missing - rq.names
    return not known or any(_names_alike(t, h) for t in known for h in held)


def _names_alike(asked: str, held: str) -> bool:
    """Whether a sentence's term names what a question's term does: a form of it, a word
    derived from its stem ("parkera" – "parkering"), or a compound that begins or ends with it
    ("avfall" – "avfallstaxa", "hus" – "fritidshus"); not another word that starts alike
    ("bil" – "biljett", "tillstånd" – "tillsyn")."""
    if inflects(held, asked) or inflects(asked, held):
        return True
    rest = len(held) - len(asked)
    head = len(asked) >= 3 and held.endswith(asked) and rest >= MIN_PART  # "fritids|hus"
    return head or (len(asked) >= MIN_PART and held.startswith(asked) and rest >= 3)


def _ranks_first(rq: ReadQuestion, text: str) -> bool:
    """Whether a text can answer which is first by size or number, if the question asks that
    ("vilken kommun har flest invånare?", `ReadQuestion.firsts`): it ranks something first too
    ("Huddinge är länets största kommun"), not lower ("det fjärde största länet" names no
    largest)."""
    if rq.expects in ("calendar", "event", "year", "date", "time") or not rq.firsts:
        return True  # "vilket år öppnade den största simhallen?" asks when
    ranking = superlatives(text)
    found = sum(w in ranking for w in re.findall(r"\w+", fold(text.lower())))
    lower = sum(rank >= 2 and w in ranking for rank, w in ranks(text))
    return found > lower


def _line_of(text: str, clause: str) -> str:
    """The line of `text` (a list's item) that holds a clause of it, or the clause."""
    part = clause.strip()
    return next((line for line in text.splitlines() if part and part in line), clause)


def _other_days(rq: ReadQuestion, clause: str) -> bool:
    """Whether the deciding sentence gives times of day on days of the week, none of them one
    the question asks about (`days_named`): "Har Hällsjö Lanthandel öppet på söndagar?" –
    "Hällsjö Lanthandel: servicetid måndag–fredag klockan 10.00–18.00, lördag 10.00–14.00"
    (or "kl. 10–18") confirms nothing; a sentence that names days without hours
    ("Biblioteket är stängt på måndagar") says nothing of the others."""
    asked = days_named(rq.asked)
    stated = days_named(clause)
    if not (asked and stated) or asked & stated:
        return False
    clock = answer_pattern("clock")
    return bool((clock and clock.search(clause)) or _HOURS.search(clause))


#: Hours written without minutes: "kl. 10–18", "10-14".
_HOURS = re.compile(r"\b([01]?\d|2[0-4])\s*[–—-]\s*([01]?\d|2[0-4])\b")


def _outranked(rq: ReadQuestion, clause: str) -> bool:
    """A question about the first by some measure, answered with a lower rank by the same
    measure: "Är Södertörn det största länet?" – "… det fjärde största länet" is a "no". A
    question in another language than the sources' need only ask about a first by size or
    number, answered with a lower rank by size or number: "would it be Sweden's largest?" –
    "det fjärde största länet"."""
    if rq.numbers:
        return False
    asked = _terms_of(rq.asked)
    foreign = rq.language != DEFAULT and superlative(rq.asked)
    return any(
        rank >= 2 and (term(word) in asked or (foreign and superlative(word)))
        for rank, word in ranks(clause)
    )


def _speaks_to(rq: ReadQuestion, best: Candidate) -> bool:
    """Whether the evidence mentions most of what the question asks about (its topic terms
    the sources know): a "Ja" quoting a sentence about something else would read as a
    confirmation it is not ("Har du ett recept på kanelbullar?"). What the question asks
    exists must be among it: "finns det toalett på bokbussen?" is no "Ja" from a sentence
    about the book bus; so must the language it asks about ("finns den på arabiska?")."""
    if not _names_what_is_asked(rq, best):
        return False
    if rq.language != DEFAULT:
        # A question in another language meets the evidence through its glossary: each word
        # that says what it is about is held when the evidence holds one of its counterparts
        # (or the word itself, a name) as a term, or as a half of a compound of two words it
        # asks about (`_compounded`), and more than half of them must be; a word
        # neither glossed nor in the sources is not held ("Is the jazz festival free?" –
        # "Entrén till museet är gratis" is no "Ja").
        asked = frozenset().union(*rq.glossed)
        held = sum(_compounded(g, best.terms, asked) for g in rq.glossed)
        return 2 * held > len(rq.glossed)
    # A compound and its halves are one thing asked about, held by the compound or by its
    # last half ("båtplatsfakturan" – "… för samma års faktura"); counted as three, a sentence
    # that holds the compound would speak to more of the question than it does.
    # A last half that says nothing of what about ("parkeringsavgift": avgift) holds nothing.
    known = rq.topic - rq.missing
    halves = {h for _, hs, _ in rq.compounds for h in hs}
    heads = {whole: head for whole, _, head in rq.compounds if head in known}
    things = known - halves
    held = sum(t in best.terms or heads.get(t) in best.terms for t in things)
    return bool(things) and 2 * held >= len(things)


def _quotable(rq: ReadQuestion, best: Candidate) -> bool:
    """Whether evidence that decides a yes/no question neither way may still be quoted to it:
    when it names what is asked to exist and the language asked about, and the question does
    not ask whether something the sources never name belongs ("Is Ekeby part of …?")."""
    return _names_what_is_asked(rq, best) and not _unknown_member(rq)


def _names_what_is_asked(rq: ReadQuestion, best: Candidate) -> bool:
    """Whether the evidence names what a yes/no question asks exists (`ReadQuestion.sought`)
    and the language it asks about, when it asks of either: "finns det toalett på
    bokbussen?" is not answered by a sentence about the book bus, nor "på arabiska?" by one
    that names no language."""
    if rq.sought and not _named_sought(rq, best):
        return False
    return not rq.spoken or bool(rq.spoken & best.terms or _names(best.full_text, rq.spoken))


def _named_sought(rq: ReadQuestion, best: Candidate) -> bool:
    """Whether the evidence names what a yes/no question asks exists (`ReadQuestion.sought`)."""
    return bool(rq.sought & best.terms or _names(best.full_text, rq.sought))


def _compounded(wanted: frozenset[str], terms: frozenset[str], asked: frozenset[str]) -> bool:
    """Whether terms hold one of the wanted terms, alone or as one half of a compound whose
    other half the question asks about too (`asked`, with a linking "s" between): the glossary
    gives "stad" and "kärna" for "city cores", the sources write "stadskärnor". A half of
    anything else is no match: "sport" in "transport", "gift" in "medlemsavgift"."""
    if wanted & terms:
        return True
    for w in wanted:
        for t in terms:
            if len(w) < MIN_PART or len(t) - len(w) < MIN_PART:
                continue
            if t.startswith(w):
                rest, linked = t[len(w) :], t[len(w) + 1 :] if t[len(w)] == "s" else ""
            elif t.endswith(w):
                rest, linked = t[: -len(w)], t[: -len(w) - 1] if t[-len(w) - 1] == "s" else ""
            else:
                continue
            if rest in asked or linked in asked:
                return True
    return False


def _asked_unknown(rq: ReadQuestion) -> frozenset[str]:
    """Words of a yes/no question that the sources have in no form, except its first word
    (the verb that makes it a question) and the words that ask about belonging ("bland")."""
    first = re.findall(r"\w+", rq.asked.lower())[:1]
    return rq.missing - {term(w) for w in first} - membership_terms(rq.asked)


#: A label that opens a sentence: "**Åsa skola:** …", "Plats: …", also on a line of its own;
#: not the lead-in of a list ("Hemtjänsten utför inte heller:\n- …"), which says something of
#: its items.
_LABEL = re.compile(r"^[*_\s]*[\w][\w ,.–-]{0,40}:[*_]*\s+(?=\S)(?!(?:[-*+•]|\d{1,3}[.)])\s)")
#: A colon that ends a label, not one within a clock time or an address ("8:00", "https:").
_LABEL_END = re.compile(r":(?=\s)")
#: Where one clause ends and another begins: not at commas, "och" or "som", which join the
#: items of an enumeration or a predicate to its subject ("Barnbidrag, bostadsbidrag och
#: studiemedel räknas inte som inkomst" is one negated clause), nor at a parenthesis, which
#: belongs to the clause it stands in ("ingen läxhjälp under höstlovet (vecka 44)"). A clause
#: also begins at "utan att", which it keeps, as it negates that clause alone ("… byggs ut utan
#: att parkeringsplatser tas bort, samtidigt som gångvägarna breddas"). What a clause is for
#: ("så att", "so that") is a clause of its own: "Kommunen säljer högst 12 dygnskort per dag,
#: så att det inte blir för trångt" limits the cards, it denies none.
_CLAUSE = re.compile(
    r"[;:–]|\b(?:men|där|eftersom|medan|samtidigt som|så att|but|which|where|whereas|while"
    r"|so that)\b"
    r"|(?<!eller )(?<!or )(?=\b(?:utan att|without)\b)"
)


def _clauses(text: str) -> list[str]:
    """The clauses of a text that hold something (`_CLAUSE` parts them)."""
    return [c for c in _CLAUSE.split(text) if c.strip()]


def _done_without(text: str, topic: frozenset[str], asked: frozenset[str]) -> bool:
    """Whether a sentence of `text` says that what the question asks about is done without
    what it asks one must do (`asked`, `obliged`): its "utan att"/"without" clause names that,
    the clause before it names something else the question asks about and is no negation,
    and the sentence requires nothing ("… kan du kompostera utan att anmäla det" to "måste man
    anmäla om man komposterar löv?"; not "Du får inte kompostera … utan att anmäla det",
    "Matavfall måste du anmäla, men trädgårdsavfall kan du kompostera utan att anmäla det",
    "En friggebod kan du bygga utan att söka bygglov" to a question about a garage, nor
    "utan att betala", `negated`)."""
    if not asked:
        return False
    for sentence in _SENTENCE_END.split(text):
        if obliges(sentence):
            continue
        clauses = _clauses(sentence)
        for before, clause in zip(clauses, clauses[1:], strict=False):
            held = _terms_of(clause)
            if (
                _WITHOUT.match(fold(clause.lower()))
                and negated(clause)
                and asked & held
                and (topic - held) & _terms_of(before)
                and not negated(before)
            ):
                return True
    return False


def _lacked(text: str, topic: frozenset[str], asked: frozenset[str]) -> bool:
    """Whether a sentence of `text` that requires nothing says that what the question asks
    about is done without a thing it asks one must have (`asked`, `obliged`; `done_without`):
    "I Tallmotjärnen … får du fiska med spö utan fiskekort" to "Behöver man köpa fiskekort
    för att fiska i Tallmotjärnen?". What comes before the word names something else the
    question asks about, not the thing itself, and is no negation ("Du får inte fiska utan
    fiskekort" requires one, and "inte på papper utan i e-tjänsten" says where)."""
    if not asked:
        return False
    for sentence in _SENTENCE_END.split(text):
        if obliges(sentence):
            continue
        for before, named in done_without(sentence):
            held = _terms_of(before)
            if (asked & named) - held and (topic - named) & held and not negated(before):
                return True
    return False


#: On folded text, a clause that opens with a denial, its verb left out ("men inte …", "but
#: not …": `_CLAUSE` takes "men" off); not "inte bara", "inte minst", "not only".
_ELLIPTIC_DENIAL = re.compile(
    r"\s*(?:inte|ej|icke|not)\b(?!\s+(?:bara|enbart|minst|only|just|least)\b)"
)


def _asked_without(posed: str) -> set[str]:
    """The content terms of what a question asks to be without ("… utan att saker
    försvinner?": "sak", "forsvinn"); none when it holds no "utan att" or "without"."""
    match = _ASKED_WITHOUT.search(fold(posed.lower()))
    if match is None:
        return set()
    return {term(w) for w in words(match.group(1)) if w not in stopwords()}


#: What follows "utan att" or "without" in a question.
_ASKED_WITHOUT = re.compile(r"\b(?:utan att|without)\b(.*)")


#: A clause that opens with "utan att" or "without" (`_CLAUSE` begins one there).
_WITHOUT = re.compile(r"\s*(?:utan att|without)\b")


def _denied_member(clause: str, topic: frozenset[str]) -> bool:
    """Whether a clause that coordinates a negated member with another ("… kräver i regel
    bygglov och inte polistillstånd"; `Language.negated_member`) negates what the question
    asks about: False only when its negated members hold none of the question's topic terms
    and another member does ("krävs bygglov?"; not "kräver skyltar polistillstånd?", whose
    subject the first member holds). True when it coordinates none."""
    members = [fold(clause.lower())]
    for lang in languages().values():
        members = [m for part in members for m in lang.negated_member.split(part) if m.strip()]
    if len(members) < 2:
        return True
    # A member ends with its sentence: "… och inte polistillstånd. Det gäller både
    # fasadskyltar och …" – the sentence after it is none of it.
    members = [s for m in members for s in _SENTENCE_END.split(m) if s.strip()]
    held = [bool(topic & _terms_of(m)) for m in members]
    return not any(held) or any(negated(m) for m, h in zip(members, held, strict=True) if h)


#: Where a sentence of folded text ends.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


#: A parenthesis within a sentence.
_PARENTHESIS = re.compile(r"\(([^()]*)\)")


def _closest_clause(
    text: str,
    topic: frozenset[str],
    *,
    row: bool = False,
    prefer: Callable[[str], float] | None = None,
    names: frozenset[str] = frozenset(),
    main: frozenset[str] = frozenset(),
) -> str:
    """The clause of `text` that holds most of the question's topic terms. In a table row, the
    clause of the cell that holds most, after the cell's header, which says what its value is:
    "Räknas som inkomst: Barnbidrag, …, Räknas i regel inte som inkomst: Engångsgåvor" says
    barnbidrag counts, and "Skydd: Detaljplan 1998. Fönster ska ha spröjs. Balkonger får inte
    glasas in." that windows must have glazing bars. With `prefer`, among the clauses (in a
    row, the cells) it weighs above 0, when there are any, and on a tie of topic terms the one
    it weighs most: to "kostar parkeringen något?", "Parkeringen är avgiftsbelagd, men
    entrén är gratis" says the parking costs. The one label of a text (a clause before a
    colon) that holds only `names` the question asks about names what the clause after it
    says, and yields to a clause that holds another of its terms: "Reglerna skiljer sig mellan
    sjöarna Stora Hammarsjön: motorbåt tillåten. … Vattenskoter är förbjuden." to
    "vattenskoter på Stora Hammarsjön?"."""

    def held(part: str, borrowed: str = "") -> float:
        weight = prefer(part) if prefer is not None else 0.0
        return _matched(topic, f"{borrowed} {part}") + weight / 2

    if row:
        cells = _CELL.split(text)
        if prefer is not None:
            cells = [c for c in cells if prefer(c)] or cells
        # A cell whose header is what `prefer` weighs ("Avgift: 500 kr" to a question about a
        # cost, not "Parkering: Gratis"); on a tie, the cell whose value holds more: headers
        # are alike ("Räknas som inkomst", "Räknas i regel inte som inkomst"), a value says
        # which.
        cell = max(
            cells,
            key=lambda c: (
                prefer(c.partition(": ")[0]) if prefer is not None else 0.0,
                held(c),
                len(topic & _terms_of(c.partition(": ")[2])),
            ),
        )
        header, colon, value = cell.partition(": ")
        if colon and value.strip():
            # The one sentence of the value that holds most (the first when none holds any);
            # two that hold as much are read whole: "Fönstren ska ha spröjs. De får inte
            # bytas ut." to "byta fönstren?".
            sentences = [p for p in _SENTENCES.split(value) if p.strip()] or [value]
            counts = [len(topic & _terms_of(p)) for p in sentences]
            most = max(counts)
            if counts.count(most) == 1 or not most:
                value = sentences[counts.index(most)]
            return f"{header}: {_closest_clause(value, topic)}"
        return _closest_clause(cell, topic)
    # A leading label ("**Åsa skola:** Musiksalen … saknar hiss") names, it does not say; a
    # parenthesis with a negation of its own says it apart ("digitalt (ingen blankett
    # behövs)").
    text = _PARENTHESIS.sub(
        lambda m: f"; {m.group(1)};" if negated(m.group(1)) else f" {m.group(1)} ", text
    )
    label = _LABEL.match(text)
    # A lead-in on a line of its own that denies is no label: "Följande ingår inte:\nmat …".
    if label and not ("\n" in label.group() and negated(label.group())):
        text = text[label.end() :]
    clauses = _clauses(text) or [text]
    # Only where one label heads all that follows it: "Stora Hammarsjön: … Lillsjön: …" gives
    # each lake its own rules, and the clause that says what is asked may be another's.
    labels = (
        [text[: m.start()].rsplit("\n", 1)[-1] for m in _LABEL_END.finditer(text)] if names else []
    )
    if len(labels) == 1:
        naming = {c for c in clauses if labels[0].endswith(c)}
        naming = {c for c in naming if names & _terms_of(c) and topic & _terms_of(c) <= names}
        saying = [c for c in clauses if c not in naming and (topic - names) & _terms_of(c)]
        if naming and saying:
            clauses = [c for c in clauses if c not in naming]
    # A clause that only denies ("men inte in i dusch- och tvättrummen") says it of what the
    # clause before it in the text says: "Hundar får följa med i koppel i caféet, men inte in
    # i dusch- och tvättrummen" to "får hunden följa med in i duschrummet?". On a tie the
    # clause that holds more of `main` wins: the terms of what the question asks, before it
    # says when or why and as it writes them, a compound without its halves ("Blir
    # bebyggelsen glesare när man bygger ut stadskärnorna?" – "Tack vare stadskärnorna kan
    # fler bostäder lokaliseras utanför … utan att bebyggelsen glesas ut"; "låna en
    # vassklippare?" – "Kommunen klipper vass, men lånar inte ut vassklippare"); then the
    # first, so the denial decides only where it adds a term of the question.
    numbered = [
        (c, clauses[i - 1] if i and _ELLIPTIC_DENIAL.match(fold(c.lower())) else "")
        for i, c in enumerate(clauses)
    ]
    if prefer is not None:
        numbered = [(c, b) for c, b in numbered if prefer(c)] or numbered
    return max(
        numbered,
        key=lambda pair: (held(pair[0], pair[1]), _matched(main, f"{pair[1]} {pair[0]}")),
    )[0]


def _asked_first(rq: ReadQuestion, posed: str, topic: frozenset[str]) -> frozenset[str]:
    """The topic terms of what a question asks before it says when or why (`main_clause`), as
    it writes them: "bebyggels" and "gles" of "Blir bebyggelsen glesare när man bygger ut
    stadskärnorna?"; in another language, the sources' terms its glossary gives for them."""
    main = main_clause(posed)
    found = {t for t in topic if _matched(frozenset({t}), main)}
    if rq.language != DEFAULT:
        found |= set(glossary_terms(main, rq.language)) & topic
    return frozenset(found)


def _matched(topic: frozenset[str], text: str) -> int:
    """How many of the things the topic terms name `text` holds (a compound and its halves
    are one), also as another form of the word
    ("duschrummet" as "duschrummen", `form_of`) or in a compound whose first part stands for
    the whole ("dusch- och tvättrummen", `_SUSPENDED`)."""
    terms = _terms_of(text)
    parts = _SUSPENDED.findall(fold(text.lower()))

    def found(t: str) -> bool:
        if t in terms or any(form_of(t, w) or form_of(w, t) for w in terms if w[:3] == t[:3]):
            return True
        # The rest of the question's word is the last part of the coordinated word.
        return any(
            t.startswith(first)
            and len(t) - len(first) >= 4
            and second.find(t[len(first) :][:4]) > 0
            for first, second in parts
        )

    # A compound of the question's and its halves are one thing asked about, held by the
    # compound or by a half: "klipper vass" holds no more of "vassklippare" than "lånar inte
    # ut vassklippare" does.
    halves = {t for t in topic if any(half_of(t, w) for w in topic)}
    wholes = topic - halves
    held = {w for w in wholes if found(w) or any(found(h) for h in halves if half_of(h, w))}
    return len(held)


#: A suspended compound, a Swedish spelling: a first part with a hyphen that borrows its last
#: part from the word coordinated with it ("dusch- och tvättrummen" is "duschrummen och
#: tvättrummen", "för- eller grundskola").
_SUSPENDED = re.compile(r"\b(\w{3,})-\s+(?:och|eller|samt)\s+(\w+)")


def _lifted(sentence: str, must: frozenset[str]) -> bool:
    """Whether a sentence waives a requirement in a clause that lifts that of `must` (`lifts`)."""
    return waives(sentence) and any(lifts(part, must) for part in _clauses(sentence))


def _sentence_of(text: str, clause: str) -> str:
    """The sentence of `text` that shares most terms with one of its clauses (the first on a
    tie): `_closest_clause` may have rewritten the clause (a parenthesis, a label)."""
    held = _terms_of(clause)
    sentences = [s for s in _SENTENCES.split(text) if s.strip()] or [text]
    return max(sentences, key=lambda s: len(held & _terms_of(s)))


def _terms_of(text: str) -> set[str]:
    """The terms of the words of `text`, unanalysed (no compounds split, no typos mended)."""
    return {term(w) for w in re.findall(r"\w+", text.lower())}


#: Where one sentence of a table cell ends: "Detaljplan 1998. Fönster ska ha spröjs."
_SENTENCES = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ])")


def _quote(chosen: list[Candidate], *, verdict: str | None, listing: bool) -> Answer:
    """The chosen sentences in source order, each with its citation marker."""
    chosen = sorted(chosen, key=lambda c: (c.hit.chunk.chunk_id, c.position))
    pieces: list[tuple[Hit, str, bool]] = []
    for cand in chosen:
        if cand.context and all(cand.context != text for _, text, _ in pieces):
            pieces.append((cand.hit, cand.context, False))
        pieces.append((cand.hit, cand.text, cand.is_list))
    citations: list[Citation] = []
    numbers: dict[int, int] = {}
    sentences: list[str] = []
    parts: list[AnswerPart] = []
    if verdict:
        word = _replies()[verdict]
        sentences.append(word)
        parts.append(AnswerPart("text", word))
    for hit, text, is_list in pieces:
        chunk = hit.chunk
        # A segment of a list may hold no item of its own (a last item the chunker split
        # off): it is quoted as text, not as a list with nothing in it ("…: .").
        lead, items = _split_list(text) if is_list else (text, [])
        if chunk.chunk_id not in numbers:
            numbers[chunk.chunk_id] = len(citations) + 1
            quoted = lead if items else text
            citations.append(citation_for(hit, numbers[chunk.chunk_id], _single_line(quoted)))
        n = numbers[chunk.chunk_id]
        if items:
            sentences.append(f"{_render(lead, items)} [{n}]")
            parts.append(AnswerPart("list", lead, n, items))
        else:
            sentences.append(f"{_single_line(text)} [{n}]")
            parts.append(AnswerPart("text", _single_line(text), n))
    shape = verdict or (
        "list"
        if any(p.kind == "list" for p in parts)
        or (listing and any(is_enumeration(c.text) for c in chosen))
        else "answer"
    )
    return Answer(
        answer=" ".join(sentences), answered=True, citations=citations, shape=shape, parts=parts
    )


def _states(pattern: re.Pattern[str], text: str, rq: ReadQuestion) -> bool:
    """Whether `text` holds a fact of the asked kind other than one the question gives or a
    contact detail: "2050" in "RUFS 2050" does not say when RUFS 2050 was adopted, and the
    body the question names does not say who acts for it ("vem beslutar i nämnden?" – "… är
    nämnden")."""
    roles = rq.expects == "agent"
    # A name the question gives is not the name it asks for ("vad heter vd:n för Granby
    # Parkering AB?" – "… till Granby Parkering AB").
    named = rq.expects in ("person", "name", "firm")
    if rq.expects not in ("contact", "email", "phone"):
        # Contact details state nothing else: "hur länge har hon varit chef?" is not answered
        # by her phone number, nor "hur många?" by a postcode.
        text = answer_pattern("contact").sub(" ", text)
    if rq.expects == "event":
        # A period that comes back every year says when something is open, not when it
        # happened: "15 april–31 oktober".
        text = answer_pattern("period").sub(" ", text)  # type: ignore[union-attr]
    if rq.expects == "frequency":
        # An amount per period is a price, not how often: "450 kr per år".
        text = answer_pattern("price").sub(" ", text)  # type: ignore[union-attr]
    if rq.counting:
        # A clock time or a period counts nothing: "telefon vardagar klockan 08.00–12.00",
        # "flyttar 15 maj–30 juni"; a date's day is measured by its month (`_measured`).
        for kind in ("period", "clock"):
            text = answer_pattern(kind).sub(" ", text)  # type: ignore[union-attr]
    for match in pattern.finditer(text):
        found = match.group(0).strip()
        if found.isdigit() and int(found) in rq.numbers:
            continue
        if rq.counting and not _counting(found, text[: match.start()], text[match.end() :]):
            continue  # "Hur många var med på vandringarna?" – "2025: 76 %", "45 minuter"
        if roles and " " not in found and term(found.lower()) in rq.terms:
            continue
        if named and all(term(w) in rq.terms or fold(w) in stopwords() for w in words(found)):
            continue  # nor is a capitalised function word after a label ("Wifi: Det …")
        return True
    return False


#: The word after a number, past its decimals and the end of a range ("76,5 %", "30–45 minuter").
_NEXT_WORD = re.compile(r"(?:[.,]\d+)?(?:\s*[–-]\s*\d+(?:[.,]\d+)?)?\s*(%|[^\W\d_]+)")


def _counting(found: str, before: str, rest: str) -> bool:
    """Whether a number found counts people or things: a cardinal ("23", "1 350", "tre"; not
    "varje" or "första"), not after a label, a range's end too ("vecka 26", "årskurs 7–9"),
    nor measuring what follows it (`_measured`: "45 minuter", "22–26 juni")."""
    if not counts_as("".join(found.lower().split()), "cardinal"):
        return False
    prior = words(before)
    while prior and counts_as(prior[-1], "cardinal"):
        prior.pop()  # a range's end after its label: "vecka 26–27", "årskurs 7–9"
    return not (prior and counts_as(prior[-1], "label")) and not _measured(rest)


def _measured(rest: str) -> bool:
    """Whether the text after a number says it measures something ("76 %", "45 minuter",
    "300 kronor"), rather than counting what follows it."""
    match = _NEXT_WORD.match(rest)
    return match is not None and (
        match.group(1) == "%" or counts_as(match.group(1).lower(), "measure")
    )


def citation_for(hit: Hit, n: int, quote: str | None = None) -> Citation:
    """The citation `[n]` for a retrieved chunk: its passage, where it comes from and, for
    an answer, the sentence quoted from it (which a web page's link scrolls to)."""
    chunk = hit.chunk
    return Citation(
        n=n,
        doc_id=chunk.doc_id,
        title=chunk.title,
        url=source_link(chunk, quote),
        section=chunk.section,
        text=chunk.text,
        score=round(hit.score, 4),
        updated=chunk.updated,
        page=chunk.page,
        municipality=chunk.municipality,
        kind=chunk.kind,
        quote=quote,
    )


#: Where the service serves the PDF and Word files of its corpus (`site.add_site`).
SOURCE_FILES = "/kallor/"


def source_link(chunk: Chunk, quoted: str | None = None) -> str | None:
    """A link that opens a passage's source where it is: a PDF at the passage's page, a web
    page at the quoted sentence (a text fragment, `#:~:text=start,end`).

    A PDF or Word file without a URL of its own is linked to the copy the service serves."""
    url = chunk.url
    if url is None and chunk.kind in {"pdf", "docx"}:
        url = SOURCE_FILES + quote(f"{chunk.doc_id}.{chunk.kind}")
    if url is None or "#" in url:
        return url
    if chunk.kind == "pdf" and chunk.page:
        return f"{url}#page={chunk.page}"
    if quoted and chunk.kind in {"html", "markdown", "text"} and url.startswith("http"):
        return f"{url}#:~:text={text_fragment(quoted)}"
    return url


def text_fragment(sentence: str) -> str:
    """The `text=` directive that finds a sentence: its first and last words for a long one
    (the browser matches what lies between), percent-encoded as the URL Fragment Text
    Directive asks ("-", "," and "&" too)."""
    words = sentence.rstrip(" .!?").split()
    if len(words) <= 8:
        parts = [" ".join(words)]
    else:
        parts = [" ".join(words[:4]), " ".join(words[-3:])]
    return ",".join(quote(p, safe="").replace("-", "%2D") for p in parts)


def generated_answer(sentences: Sequence[Checked], hits: Sequence[Hit]) -> Answer:
    """A language model's verified sentences as an answer: passage `[n]` of the prompt is
    `hits[n - 1]`, and the citations are renumbered in the order the sentences cite them."""
    numbers: dict[int, int] = {}
    citations: list[Citation] = []
    texts: list[str] = []
    parts: list[AnswerPart] = []
    for sentence in sentences:
        marks = []
        for given in dict.fromkeys(sentence.markers):
            if given not in numbers:
                numbers[given] = len(numbers) + 1
                citations.append(citation_for(hits[given - 1], numbers[given]))
            marks.append(numbers[given])
        texts.append(f"{sentence.text} {''.join(f'[{n}]' for n in marks)}")
        parts.append(AnswerPart("text", sentence.text, marks[0]))
    return Answer(
        answer=" ".join(texts),
        answered=True,
        citations=citations,
        shape="answer",
        parts=parts,
        mode="generated",
    )


def _topics_hint(topics: list[str] | None) -> str:
    return ", ".join(dict.fromkeys(topics[:3])) if topics else "källorna"


def refusal(topics: list[str] | None = None) -> Answer:
    """The honest answer when the sources do not say."""
    hint = ""
    if topics:
        hint = (
            f" Jag svarar bara utifrån källorna ({_topics_hint(topics)}); "
            "fråga gärna om något som står där."
        )
    text = REFUSAL + hint
    return Answer(answer=text, answered=False, shape="refusal", parts=[AnswerPart("text", text)])


def smalltalk(kind: str, topics: list[str] | None = None) -> Answer:
    """A short friendly reply to a greeting, thanks, goodbye or "vem är du?"."""
    replies = _replies()
    text = replies.get(kind, replies["greeting"]).format(topics=_topics_hint(topics))
    return Answer(answer=text, answered=False, shape="smalltalk", parts=[AnswerPart("text", text)])


def _split_list(list_text: str) -> tuple[str, list[str]]:
    lines = [line.strip() for line in list_text.splitlines() if line.strip()]
    lead = " ".join(line for line in lines if not _LIST_ITEM.match(line)).rstrip(" :")
    items = [_LIST_ITEM.sub("", line).rstrip(" .;") for line in lines if _LIST_ITEM.match(line)]
    return lead, items


def _render(lead: str, items: list[str]) -> str:
    """A list with its lead-in as one sentence: "Lead-in: a; b; c."."""
    body = "; ".join(items)
    return f"{lead}: {body}." if lead else f"{body}."


def _single_line(text: str) -> str:
    return " ".join(text.split())
