"""One scrubber for every text the service stores, and the shared storage limits.

`scrub` replaces personal data with bracketed Swedish placeholders before anything is
written to disk (the question log, feedback): Swedish personal identity and coordination
numbers, phone numbers, e-mail addresses, payment card numbers, IBANs and street
addresses. Number rules check what can be checked (a plausible birth date, the Luhn digit
of a card, the mod-97 checksum of an IBAN) so that years, prices, clock times, dates and
population figures in ordinary questions are left alone.

Example:
    >>> scrub("Jag heter Anna, 19811218-9876, bor på Storgatan 12B, ring 070-123 45 67.")
    'Jag heter [namn], [personnummer], bor på [adress], ring [telefon].'
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable

#: Storage purges old rows at start and then at most this often (seconds).
PURGE_EVERY = 3600.0
#: Version of the rules in `scrub`; a store whose rows were scrubbed by an older one
#: (PRAGMA user_version below this) scrubs them again at start. Raise it when the rules grow.
SCRUB_VERSION = 2

# Hyphen-minus, the Unicode hyphens and dashes (U+2010–U+2015, among them the
# non-breaking hyphen U+2011), the minus sign and the small and full-width hyphen-minus.
_DASHES = "\\-\u2010-\u2015\u2212\ufe58\ufe63\uff0d"
# Space, no-break space, thin space and narrow no-break space.
_SPACES = " \u00a0\u2009\u202f"
_SEP = f"[{_DASHES}{_SPACES}]"

#: An e-mail address (also what the corpus keeps verbatim and what a generated answer must cite).
EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")

# Two letters, two check digits, then 11–30 letters or digits, in groups or not.
_IBAN = re.compile(rf"(?<![^\W_])[A-Za-z]{{2}}\d{{2}}(?:{_SEP}?[A-Za-z0-9]){{11,30}}")

# 13–19 digits (no card number starts with 0), together or in groups split by a space or hyphen.
_CARD = re.compile(rf"(?<![\d])[1-9](?:{_SEP}?\d){{12,18}}")

# YYMMDD or YYYYMMDD, an optional separator ("+" for those aged 100 or more), 4 digits.
_PERSONNUMMER = re.compile(
    rf"(?<![\d])(?P<date>(?:18|19|20)\d{{6}}|\d{{6}})(?P<sep>[{_DASHES}{_SPACES}+]?)\d{{4}}(?![\d])"
)

# +46 / 0046 (optionally "(0)") or a leading 0, an area code, then digit groups split by
# up to three separator characters ("08 - 123 45 67").
_PHONE = re.compile(
    rf"(?<![\w+])(?:(?:\+|00)46{_SEP}{{0,3}}(?:\(0\){_SEP}{{0,3}})?[1-9]|\(0[1-9]\d{{0,2}}\)|0[1-9])"
    rf"(?:{_SEP}{{0,3}}\d){{5,16}}"
)

_SUFFIXES = "gatan|gata|gränden|gränd|vägen|väg|torget|stigen|allén|backen|backe|plan|leden|platsen"
# A street name ending in a common suffix ("Storgatan", "KUNGSVÄGEN", "Odenplan") or a
# genitive and a separate suffix word ("Per Albin Hanssons väg"), then a house number with
# an optional letter or range, and an optional flat number ("lgh 1102").
_ADDRESS = re.compile(
    rf"(?<![\w-])(?P<name>[^\W\d_]{{2,}}?(?i:{_SUFFIXES})"
    r"|[A-ZÅÄÖ][^\W\d_]*s[ \u00a0](?i:väg|gata|gränd|allé|backe|stig|torg))"
    r"[ \u00a0]\d{1,3}(?:[ \u00a0]?[A-H]|[a-h])?(?:[-\u2013]\d{1,3}[A-Ha-h]?)?(?!\w)"
    r"(?:,?[ \u00a0]*(?i:lgh|lägenhet)\.?[ \u00a0]*\d{3,4}(?!\w))?"
)
# Suffixes that are everyday words too ("arbetsplatsen 2", "detaljplan 12"): they count
# as a street name only when written with a capital, and never for these compounds.
_CAPITALISED_ONLY = ("plan", "platsen", "leden")
_NOT_STREETS = re.compile(
    r"(?i:detalj|översikts|handlings|utvecklings|region|åtgärds|struktur|budget|verksamhets"
    r"|investerings|trafik|besluts|tids|ekonomi|riks|läns|motor|europa)(?:plan|väg|vägen)"
)


def _luhn(digits: str) -> bool:
    """Whether the last digit is the Luhn check digit of the others."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _iban(candidate: str) -> bool:
    """Whether `candidate` is an IBAN: 15–34 characters with a valid mod-97 checksum."""
    code = re.sub(r"[^A-Za-z0-9]", "", candidate).upper()
    if not 15 <= len(code) <= 34:
        return False
    rearranged = code[4:] + code[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _card(candidate: str) -> bool:
    """Whether `candidate` is a payment card number: 13–19 digits passing the Luhn check.

    Grouped numbers must look like a card (a first group of 4 digits), and a run of
    years ("2010 2011 2012 2013") is not a card even when it happens to pass Luhn.
    """
    groups = re.findall(r"\d+", candidate)
    digits = "".join(groups)
    if not 13 <= len(digits) <= 19 or not _luhn(digits):
        return False
    if len(groups) > 1:
        if len(groups[0]) != 4 or any(len(g) < 3 for g in groups[1:-1]):
            return False
        if all(len(g) == 4 and 1800 <= int(g) <= 2099 for g in groups):
            return False
    return True


def _birth_date(yymmdd: str) -> bool:
    """Whether YYMMDD is a plausible date; a coordination number adds 60 to the day."""
    month, day = int(yymmdd[2:4]), int(yymmdd[4:6])
    return 1 <= month <= 12 and (1 <= day <= 31 or 61 <= day <= 91)


def _phone(candidate: str) -> bool:
    """Whether `candidate` is a Swedish phone number: 7–9 digits after 0 or +46."""
    groups = re.findall(r"\d+", candidate)
    digits = "".join(groups)
    if candidate.startswith(("+46", "0046")):
        national = digits[2:] if candidate.startswith("+") else digits[4:]
        national = national.removeprefix("0")  # "+46 (0)70 …"
    else:
        national = digits[1:]
    if [len(g) for g in groups] == [2, 2, 4] and groups[2][:2] in ("19", "20"):
        return False  # a date such as 01-12-2024
    return 7 <= len(national) <= 9


def _replace_valid(
    text: str, pattern: re.Pattern[str], placeholder: str, valid: Callable[[str], bool]
) -> str:
    """Replace the longest valid start of each match of `pattern` with `placeholder`.

    A match may run on into a following number ("070-123 45 67 2 gånger"), so shorter
    prefixes that end where a group of letters or digits ends are tried too; when none
    is valid the search goes on from the next character, so a number after a year
    ("2024 4111 1111 1111 1111") is still found.
    """
    out: list[str] = []
    done = pos = 0
    while (match := pattern.search(text, pos)) is not None:
        start, span = match.start(), match.group()
        ends = [m.end() for m in re.finditer(r"[A-Za-z0-9]+", span)]
        for end in reversed(ends):
            after = text[start + end : start + end + 1]
            if not (after.isascii() and after.isalnum()) and valid(span[:end]):
                out += [text[done:start], placeholder]
                done = pos = start + end
                break
        else:
            pos = start + 1
    out.append(text[done:])
    return "".join(out)


def _personnummer(match: re.Match[str]) -> str:
    """The placeholder for a personal identity or coordination number, else the match."""
    date, sep = match["date"], match["sep"]
    yymmdd = date[-6:]
    if not _birth_date(yymmdd):
        return match.group()
    digits = re.sub(r"\D", "", match.group())
    if len(digits) == 10 and not sep and date.startswith("0") and not _luhn(digits):
        return match.group()  # "0701234567": a phone number, left to the phone rule
    return "[personnummer]"


def _address(match: re.Match[str]) -> str:
    """The placeholder for a street address, else the match (everyday words)."""
    name = match["name"]
    lowered = name.lower()
    if _NOT_STREETS.fullmatch(lowered.split()[-1]):
        return match.group()
    if lowered.endswith(_CAPITALISED_ONLY) and not name[0].isupper():
        return match.group()
    return "[adress]"


#: A name the writer gives as theirs (or someone's): "jag heter Eva Svensson", "mitt namn är
#: eva", "my name is Eva", "min son Karl". Up to three words after the cue are the name.
_NAME = re.compile(
    r"(?i:\b(?:jag heter|jag hette|mitt namn är|mitt namn ar|namnet är|jag kallas|"
    r"min (?:son|dotter|man|fru|sambo|mamma|pappa|mor|far|bror|syster) heter|"
    r"my name is|i am called|i'm called|call me)\s+)"
    r"(?P<name>[^\W\d_][\w'-]*(?:\s+[A-ZÅÄÖÉ][\w'-]*){0,2})"
)


def scrub(text: str) -> str:
    """The text with personal data replaced by bracketed Swedish placeholders.

    Replaced: e-mail addresses ("[e-post]"), IBANs ("[iban]"), payment card numbers
    that pass the Luhn check ("[kortnummer]"), Swedish personal identity and coordination
    numbers in any written form ("[personnummer]"), Swedish phone numbers ("[telefon]"),
    names given after a cue such as "jag heter" ("[namn]"), and street addresses with a
    house number ("[adress]"). Everything else is kept as written.
    """
    text = EMAIL.sub("[e-post]", text)
    text = _replace_valid(text, _IBAN, "[iban]", _iban)
    text = _replace_valid(text, _CARD, "[kortnummer]", _card)
    text = _PERSONNUMMER.sub(_personnummer, text)
    text = _replace_valid(text, _PHONE, "[telefon]", _phone)
    text = _NAME.sub(lambda m: m.group(0)[: m.start("name") - m.start()] + "[namn]", text)
    return _ADDRESS.sub(_address, text)


def cap_rows(db: sqlite3.Connection, table: str, max_rows: int) -> int:
    """Delete the oldest (first stored) rows of `table` beyond `max_rows`; returns how many.

    `table` is one of the service's own table names, never user input.
    """
    (span,) = db.execute(f"SELECT coalesce(max(rowid) - min(rowid) + 1, 0) FROM {table}").fetchone()
    if span <= max_rows:  # cheap: no more rows than the rowid range
        return 0
    deleted = db.execute(
        f"DELETE FROM {table} WHERE rowid < "
        f"(SELECT rowid FROM {table} ORDER BY rowid DESC LIMIT 1 OFFSET ?)",
        (max_rows - 1,),
    ).rowcount
    return int(deleted)


def rescrub(db: sqlite3.Connection, table: str, column: str) -> int:
    """Scrub `column` of every row again if it was stored under older rules; returns rows changed.

    Runs once per file and `SCRUB_VERSION` (kept in PRAGMA user_version), so rows
    stored before the current rules hold no personal data either. `table` and `column`
    are the service's own names, never user input.
    """
    (version,) = db.execute("PRAGMA user_version").fetchone()
    if version >= SCRUB_VERSION:
        return 0
    changed = [
        (scrubbed, rowid)
        for rowid, text in db.execute(f"SELECT rowid, {column} FROM {table}")
        if (scrubbed := scrub(text)) != text
    ]
    db.executemany(f"UPDATE {table} SET {column} = ? WHERE rowid = ?", changed)
    db.execute(f"PRAGMA user_version = {SCRUB_VERSION}")
    return len(changed)
