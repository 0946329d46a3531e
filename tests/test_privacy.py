"""The one scrubber for stored text: planted personal data goes, ordinary Swedish stays."""

import sqlite3

import pytest

from assistant.privacy import SCRUB_VERSION, cap_rows, rescrub, scrub

#: (planted identifier, placeholder) – each is planted inside a sentence below.
PLANTED = [
    # Personal identity numbers in every written form.
    ("19811218-9876", "[personnummer]"),
    ("811218-9876", "[personnummer]"),
    ("8112189876", "[personnummer]"),
    ("198112189876", "[personnummer]"),
    ("811218 9876", "[personnummer]"),
    ("811218+9876", "[personnummer]"),  # aged 100 or more
    ("811218\u20109876", "[personnummer]"),  # hyphen
    ("811218\u20119876", "[personnummer]"),  # non-breaking hyphen
    ("19811218\u20139876", "[personnummer]"),  # en dash
    ("811218\u20149876", "[personnummer]"),  # em dash
    ("811218\u22129876", "[personnummer]"),  # minus sign
    # Coordination numbers (samordningsnummer): the day plus 60.
    ("811278\u20139876", "[personnummer]"),
    ("19811278-9876", "[personnummer]"),
    ("8112789876", "[personnummer]"),
    # Phone numbers.
    ("08-123 456 78", "[telefon]"),
    ("070-123 45 67", "[telefon]"),
    ("+46 70 123 45 67", "[telefon]"),
    ("0701234567", "[telefon]"),
    ("+46 (0)8-123 456 78", "[telefon]"),
    ("0046 70 123 45 67", "[telefon]"),
    # E-mail.
    ("anna.svensson@huddinge.se", "[e-post]"),
    ("k.berg+fraga@example.co.uk", "[e-post]"),
    # Payment cards that pass the Luhn check.
    ("4111 1111 1111 1111", "[kortnummer]"),
    ("5555-5555-5555-4444", "[kortnummer]"),
    ("378282246310005", "[kortnummer]"),
    # IBANs with a valid mod-97 checksum.
    ("SE45 5000 0000 0583 9825 7466", "[iban]"),
    ("SE3550000000054910000003", "[iban]"),
    # Street addresses.
    ("Storgatan 12B", "[adress]"),
    ("Kungsvägen 3", "[adress]"),
    ("Drottninggatan 45 lgh 1102", "[adress]"),
    ("STORGATAN 12", "[adress]"),
    ("Lindgränd 4", "[adress]"),
    ("Stortorget 7", "[adress]"),
    ("Skogsstigen 14 A", "[adress]"),
    ("Björkallén 2", "[adress]"),
    ("Kvarnbacken 9", "[adress]"),
    ("Odenplan 5", "[adress]"),
    ("Ringleden 21", "[adress]"),
    ("Medborgarplatsen 3", "[adress]"),
    ("Skolväg 8", "[adress]"),
    ("Östra Långgata 11", "Östra [adress]"),
]

#: Ordinary Swedish that must come back unchanged.
ORDINARY = [
    "När formaliserades samverkan år 2010?",
    "RUFS 2050 pekar ut regionala stadskärnor.",
    "Regionen har 500 000 invånare.",
    "Sverige har 10 551 707 invånare och Huddinge 115 000.",
    "Kortet kostar 1 150 kronor per år.",
    "Öppet 08.00–16.00 på vardagar, lunch 12.00-13.00.",
    "Mötet hålls 25 november 2024 i Flemingsberg.",
    "Beslutet togs 2024-11-25 kl. 09.00.",
    "Ärendenummer 1234567890123456 gäller bygglovet.",  # 16 digits, fails Luhn
    "Åren 2010 2011 2012 2013 var viktiga.",  # passes Luhn but is four years
    "Huddinge kommun har organisationsnummer 212000-2742.",
    "Befolkningen växte med 3 procent mellan 2015 och 2020.",
    "Vi bygger 1 200 bostäder till 2030.",
    "Receptionen finns på plan 3.",
    "Detaljplan 12 antogs av kommunfullmäktige.",
    "Hon jobbar på arbetsplatsen 2 dagar i veckan.",
    "Riksväg 73 går till Nynäshamn.",
    "Postnummer 141 85 Huddinge.",
    "Räntan är 0,5 procent.",
    "Under 2023 kom 12 345 besökare till biblioteket.",
]


@pytest.mark.parametrize(("planted", "placeholder"), PLANTED)
def test_planted_personal_data_is_replaced(planted: str, placeholder: str) -> None:
    text = f"Hej, jag har {planted}. Vilka kommuner ingår?"
    assert scrub(text) == f"Hej, jag har {placeholder}. Vilka kommuner ingår?"


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert scrub(text) == text


def test_several_kinds_in_one_question() -> None:
    text = (
        "Jag heter Anna, 19811218-9876, bor på Storgatan 12B och nås på 070-123 45 67 "
        "eller anna@example.se. Kort 4111 1111 1111 1111, konto SE45 5000 0000 0583 9825 7466."
    )
    assert scrub(text) == (
        "Jag heter [namn], [personnummer], bor på [adress] och nås på [telefon] "
        "eller [e-post]. Kort [kortnummer], konto [iban]."
    )


def test_a_number_after_the_identifier_is_kept() -> None:
    assert scrub("ring 070-123 45 67 2 gånger") == "ring [telefon] 2 gånger"
    assert scrub("år 2024 4111 1111 1111 1111 tack") == "år 2024 [kortnummer] tack"


def test_checksums_decide_for_cards_and_ibans() -> None:
    assert scrub("4111 1111 1111 1112") == "4111 1111 1111 1112"  # fails Luhn
    for wrong_checksum in ("SE3550000000054910000004", "GB82 WEST 1234 5698 7654 33"):
        assert scrub(wrong_checksum) == wrong_checksum


def test_hostile_input_is_scrubbed_quickly() -> None:
    import time

    start = time.perf_counter()
    for text in ("a" * 20_000 + "gatan 1", "a." * 10_000 + "@b", "0 " * 10_000, "@x-" * 7000):
        scrub(text)
    assert time.perf_counter() - start < 2


def test_rows_stored_under_older_rules_are_scrubbed_once() -> None:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (question TEXT)")
    db.executemany("INSERT INTO t VALUES (?)", [("bor på Storgatan 12",), ("år 2010",)])
    assert rescrub(db, "t", "question") == 1
    assert db.execute("SELECT question FROM t").fetchall() == [("bor på [adress]",), ("år 2010",)]
    assert db.execute("PRAGMA user_version").fetchone() == (SCRUB_VERSION,)
    db.execute("INSERT INTO t VALUES ('Storgatan 12')")
    assert rescrub(db, "t", "question") == 0  # done once per version


def test_cap_rows_keeps_the_newest() -> None:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (n INTEGER)")
    db.executemany("INSERT INTO t VALUES (?)", [(n,) for n in range(10)])
    db.execute("DELETE FROM t WHERE n = 7")  # a gap, as a replaced rating leaves
    assert cap_rows(db, "t", 5) == 4
    assert [n for (n,) in db.execute("SELECT n FROM t ORDER BY rowid")] == [4, 5, 6, 8, 9]
    assert cap_rows(db, "t", 5) == 0


@pytest.mark.parametrize(
    ("text", "scrubbed"),
    [
        (
            "Jag heter Eva Svensson och undrar om avgiften",
            "Jag heter [namn] och undrar om avgiften",
        ),
        ("jag heter eva, när startade det?", "jag heter [namn], när startade det?"),
        ("Mitt namn är Per Albin. Vad kostar det?", "Mitt namn är [namn]. Vad kostar det?"),
        ("My name is John Smith, what is the purpose?", "My name is [namn], what is the purpose?"),
        ("Min dotter heter Alva och går i skolan", "Min dotter heter [namn] och går i skolan"),
        ("Vad heter samarbetet?", "Vad heter samarbetet?"),  # no cue: nothing to take
    ],
)
def test_names_given_after_a_cue_are_scrubbed(text: str, scrubbed: str) -> None:
    assert scrub(text) == scrubbed
