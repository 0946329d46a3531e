"""Every Swedish message the service sends to a person, in one place.

Errors reach residents through the widget and staff through the search page and the CLI;
each is one plain sentence that says what went wrong and what to do. Answers, refusals and
small-talk replies are language data in `assistant/lang/`.
"""

from __future__ import annotations

# Questions
EMPTY_QUESTION = "Frågan är tom. Skriv en fråga om Södertörnssamarbetet."
MISSING_QUESTION = "Frågan saknas. Skicka en fråga i fältet question."
QUESTION_NOT_TEXT = "Frågan måste vara text."
HISTORY_SHAPE = (
    "Samtalshistoriken har fel form: varje meddelande behöver role (user eller assistant) "
    "och content."
)
HISTORY_ROLE = "Samtalshistoriken har en okänd roll."
BAD_K = "k måste vara ett heltal mellan 1 och 50."
NOT_JSON = "Begäran är inte giltig JSON med fältet question."
BAD_REQUEST_SHAPE = "Begäran har fel form."


def question_too_long(limit: int, length: int | None = None) -> str:
    """The question is over the limit (its length when known)."""
    given = f" ({length} tecken)" if length is not None else ""
    return f"Frågan är för lång{given}. Högst {limit} tecken går bra."


def history_too_long(limit: int) -> str:
    return f"Samtalshistoriken är för lång. Högst {limit} meddelanden går bra."


# Requests at the edge
BAD_CONTENT_LENGTH = "Felaktig Content-Length."
BODY_TIMEOUT = "Begäran kom inte fram i tid. Försök igen."
BUSY = "Tjänsten är hårt belastad just nu. Försök igen om en stund."


def body_too_large(limit: int) -> str:
    return f"Begäran är för stor (högst {limit} byte)."


def too_many_questions(seconds: int) -> str:
    return f"För många frågor på kort tid. Vänta {seconds} sekunder och försök igen."


# The service
STARTING = "Tjänsten startar – försök igen om en stund."
INDEX_NOT_LOADED = "Indexet är inte laddat ännu – försök igen om en stund."
INTERNAL = "Något gick fel i tjänsten. Försök igen senare."
BY_STATUS = {
    401: "Behörighet saknas.",
    404: "Sidan finns inte.",
    405: "Metoden stöds inte här.",
}
BAD_REQUEST = "Felaktig begäran."

# Feedback and administration
ANSWER_GONE = "Svaret finns inte längre, så omdömet kunde inte sparas."
TOO_MANY_TOKEN_TRIES = "För många felaktiga försök. Vänta en minut och försök igen."
RELOAD_REFUSED = "Det nya indexet klarade inte kontrollen; det gamla används fortfarande."
NO_INDEX_TO_LOAD = "Inget index att ladda."
