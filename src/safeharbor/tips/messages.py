"""What the tip form says when something needs fixing, in every language the public side speaks.

Messages are written for a worried person on a phone, not for a developer. Each language has the same
keys (a test checks); the hotline number is the same in every language (it takes calls in Spanish).
The Spanish was written by the project and awaits review by a native speaker (docs/public-side.md).
"""

from __future__ import annotations

from typing import Literal

Lang = Literal["en", "es"]
LANGS: tuple[Lang, ...] = ("en", "es")

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "too_long": "Please keep this under {limit} characters (it has {length}).",
        "role": "Please choose the job you do at the hotel (or 'Other hotel staff').",
        "what_seen_empty": (
            "Please tell us what you saw, in a sentence or two: who, what happened, and what worried you."
        ),
        "what_seen_short": "Please add a little more detail (at least {minimum} characters).",
        "signs": "One of the ticked signs was not recognised; please tick them again.",
        "apparent_age": "Please choose one of the age ranges, or 'Not sure'.",
        "state_unknown": "Please choose a state from the list.",
        "hotel_city": "Please give the city the hotel is in.",
        "hotel_state": "Please choose the state the hotel is in.",
        "where": "Please tell us where: a city and state, a place, or where online you saw it.",
        "state_too": "Please choose the state too, so the tip reaches the right people.",
        "date_empty": "Please give the date you saw this (your best guess is fine).",
        "date_format": "Please give the date as year-month-day, for example 2026-05-01.",
        "date_future": "That date is in the future; please give the date you saw this.",
        "date_old": (
            "That is more than five years ago. Please call the National Human Trafficking Hotline "
            "at 1-888-373-7888 to report it."
        ),
        "time": "Please give the time as hours:minutes, for example 21:30, or leave it blank.",
        "phone_bad": (
            "This does not look like a phone number: {piece!r}. Please check it, include the "
            "area code, and separate numbers with commas."
        ),
        "phone_many": "Please give at most {maximum} phone numbers.",
    },
    "es": {
        "too_long": "Por favor, use menos de {limit} caracteres (tiene {length}).",
        "role": "Por favor, elija su trabajo en el hotel (u 'Otro personal del hotel').",
        "what_seen_empty": (
            "Por favor, cuéntenos lo que vio en una o dos frases: quién, qué pasó y qué le preocupó."
        ),
        "what_seen_short": "Por favor, añada un poco más de detalle (al menos {minimum} caracteres).",
        "signs": "No reconocimos una de las señales marcadas; por favor, márquelas otra vez.",
        "apparent_age": "Por favor, elija una de las edades, o 'No estoy seguro'.",
        "state_unknown": "Por favor, elija un estado de la lista.",
        "hotel_city": "Por favor, escriba la ciudad donde está el hotel.",
        "hotel_state": "Por favor, elija el estado donde está el hotel.",
        "where": "Por favor, díganos dónde: una ciudad y estado, un lugar, o dónde lo vio en internet.",
        "state_too": "Por favor, elija también el estado, para que el aviso llegue a las personas indicadas.",
        "date_empty": "Por favor, escriba la fecha en que vio esto (basta con una fecha aproximada).",
        "date_format": "Por favor, escriba la fecha como año-mes-día, por ejemplo 2026-05-01.",
        "date_future": "Esa fecha está en el futuro; por favor, escriba la fecha en que lo vio.",
        "date_old": (
            "Eso fue hace más de cinco años. Por favor, llame a la Línea Nacional contra la Trata de "
            "Personas al 1-888-373-7888 para reportarlo."
        ),
        "time": "Por favor, escriba la hora como horas:minutos, por ejemplo 21:30, o déjela en blanco.",
        "phone_bad": (
            "Esto no parece un número de teléfono: {piece!r}. Por favor, revíselo, incluya el código "
            "de área y separe los números con comas."
        ),
        "phone_many": "Por favor, escriba como máximo {maximum} números de teléfono.",
    },
}


def message(lang: str, key: str, **values: object) -> str:
    """The message `key` in `lang` (English when the language is unknown), filled with `values`."""
    table = MESSAGES.get(lang, MESSAGES["en"])
    return table[key].format(**values)
