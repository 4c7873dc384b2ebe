"""Turning a submitted tip form into a `TipInput`, or into clear messages next to each field.

The form keeps whatever the reporter typed (`values`) so a mistake never costs them their words.
Messages are written for a worried person on a phone, not for a developer.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from safeharbor.extract import phones
from safeharbor.tips.messages import message
from safeharbor.tips.model import TipInput, TipPlace
from safeharbor.tips.signs import APPARENT_AGES, SIGNS, US_STATES, Variant, roles_for

MAX_LEN = {
    "what_seen": 4000,
    "city": 120,
    "place": 300,
    "phones": 300,
    "online": 500,
    "room": 20,
    "vehicle": 200,
    "contact": 200,
}
MIN_WHAT_SEEN = 20
MAX_PHONES = 5
OLDEST_SIGHTING = timedelta(days=365 * 5)

TEXT_FIELDS = ("role", "what_seen", "apparent_age", "city", "state", "place", "seen_on", "seen_time",
               "phones", "online", "room", "vehicle", "contact")  # fmt: skip
_PHONE_SPLIT = re.compile(r"[,;/\n]+|\s{2,}|\bor\b|\band\b", re.IGNORECASE)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_HANDLE = re.compile(r"(?<![\w.@])@([A-Za-z0-9_.]{2,30})")
_DIGIT_WORD = re.compile(r"\b(?:zero|one|two|three|four|five|six|seven|eight|nine)\b", re.IGNORECASE)
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass
class TipFormResult:
    tip: TipInput | None
    errors: dict[str, str] = field(default_factory=dict)  # field name -> message shown next to it
    values: dict[str, object] = field(default_factory=dict)  # what the reporter typed, to refill the form

    @property
    def ok(self) -> bool:
        return self.tip is not None


def _text(data: Mapping[str, object], name: str) -> str:
    value = data.get(name, "")
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return str(value).replace("\r\n", "\n").strip()


def _list(data: Mapping[str, object], name: str) -> list[str]:
    value = data.get(name, [])
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, Sequence):
        return [str(v) for v in value if str(v)]
    return []


def parse_phones(text: str) -> tuple[list[str], list[str]]:
    """E.164 numbers in `text` (US by default), and the pieces that are not phone numbers.

    Numbers are read the way the ad extractor reads them, so a number written in words or with
    look-alike letters ("two one four 555 O134") is the number the analyst search finds. What is left is
    split at commas, "or", "and" and read with `phones.normalise`; a leftover piece with digits (or digit
    words) that is not a number is reported back. Words alone ("his cell") are ignored.
    """
    found: list[str] = []
    bad: list[str] = []
    # The extractor's reading first ("510/555/0172" is one number), so a tip's number matches the ad's.
    for span in phones.find_phones(text):
        if span.value.startswith("+"):  # not a number whose country is unknown: that one stays "bad"
            found += [span.value] if span.value not in found else []
            text = text[: span.start] + "\n" * (span.end - span.start) + text[span.end :]
    for piece in _PHONE_SPLIT.split(text):
        piece = piece.strip()
        if not piece or not (any(c.isdigit() for c in piece) or _DIGIT_WORD.search(piece)):
            continue
        e164 = phones.normalise(piece)
        if e164 is None:
            bad.append(piece)
            continue
        if e164 not in found:
            found.append(e164)
    return found, bad


def online_identifiers(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Emails and @handles a reporter pasted (lower case, in order, no repeats)."""
    emails = list(dict.fromkeys(m.lower() for m in _EMAIL.findall(text)))
    without_emails = _EMAIL.sub(" ", text)
    handles = list(dict.fromkeys("@" + m.lower().rstrip(".") for m in _HANDLE.findall(without_emails)))
    return tuple(emails), tuple(handles)


def _optional(values: Mapping[str, object], name: str) -> str | None:
    """A typed field's value, None when left empty."""
    return str(values[name]) or None


def _note(errors: dict[str, str], name: str, problem: str | None) -> None:
    """Keep the first problem found with a field (a too-long text is reported before anything else)."""
    if problem is not None:
        errors.setdefault(name, problem)


def _too_long(values: Mapping[str, object], lang: str) -> dict[str, str]:
    return {
        name: message(lang, "too_long", limit=limit, length=len(str(values[name])))
        for name, limit in MAX_LEN.items()
        if len(str(values[name])) > limit
    }


def _role(typed: str, variant: Variant, lang: str) -> tuple[str, str | None]:
    """The reporter's role (the public form has one, so it may be left out)."""
    role = typed or ("public" if variant == "public" else "")
    return role, None if role in {r.id for r in roles_for(variant)} else message(lang, "role")


def _what_seen_problem(what_seen: str, lang: str) -> str | None:
    if len(what_seen) >= MIN_WHAT_SEEN:
        return None
    return (
        message(lang, "what_seen_short", minimum=MIN_WHAT_SEEN)
        if what_seen
        else message(lang, "what_seen_empty")
    )


def _choice_problem(chosen: Iterable[str | None], allowed: Container[str], problem: str) -> str | None:
    """`problem` when any non-empty choice is not one the form offers."""
    return problem if any(c is not None and c not in allowed for c in chosen) else None


@dataclass(frozen=True, slots=True)
class _Where:
    city: str | None  # spaces folded
    state: str | None  # upper case
    place: str | None
    online: str | None


def _where(values: Mapping[str, object]) -> _Where:
    city = " ".join(str(values["city"]).split()) or None
    state = str(values["state"]).upper() or None
    return _Where(city, state, _optional(values, "place"), _optional(values, "online"))


def _where_problems(where: _Where, variant: Variant, lang: str) -> list[tuple[str, str]]:
    """What is missing to find the place: a hotel's city and state; otherwise a city with its state, a
    place or an online address."""
    problems: list[tuple[str, str]] = []
    if variant == "hotel":
        problems += [("city", message(lang, "hotel_city"))] if not where.city else []
        problems += [("state", message(lang, "hotel_state"))] if not where.state else []
    elif not ((where.city and where.state) or where.place or where.online):
        problems.append(("city", message(lang, "where")))
    if where.city and not where.state and variant == "public":
        problems.append(("state", message(lang, "state_too")))
    return problems


def _seen_on(typed: str, today: date, lang: str) -> tuple[date | None, str | None]:
    """The day of the sighting: a real date, not in the future, not older than OLDEST_SIGHTING."""
    if not typed:
        return None, message(lang, "date_empty")
    try:
        seen_on = date.fromisoformat(typed)
    except ValueError:
        return None, message(lang, "date_format")
    if seen_on > today + timedelta(days=1):
        return seen_on, message(lang, "date_future")
    if seen_on < today - OLDEST_SIGHTING:
        return seen_on, message(lang, "date_old")
    return seen_on, None


def _seen_time(typed: str, lang: str) -> tuple[str | None, str | None]:
    """ "9:05" as "09:05"; nothing typed is no time."""
    if not typed:
        return None, None
    match = _TIME.match(typed)
    if match is None:
        return typed, message(lang, "time")
    return f"{int(match.group(1)):02d}:{match.group(2)}", None


def _phone_numbers(typed: str, lang: str) -> tuple[list[str], str | None]:
    """The numbers typed, as E.164; a piece that is not a number, or too many numbers, is a problem."""
    if not typed:
        return [], None
    numbers, bad = parse_phones(typed)
    if bad:
        return numbers, message(lang, "phone_bad", piece=bad[0])
    if len(numbers) > MAX_PHONES:
        return numbers, message(lang, "phone_many", maximum=MAX_PHONES)
    return numbers, None


def parse_tip_form(
    data: Mapping[str, object], *, variant: Variant, today: date, lang: str = "en"
) -> TipFormResult:
    """Validate a submitted form. `data` maps field names to strings (`signs` to a list); messages
    are written in `lang` (see `messages.py`). Each field's first problem is kept."""
    values: dict[str, object] = {name: _text(data, name) for name in TEXT_FIELDS}
    ticked = _list(data, "signs")
    values["signs"] = ticked
    errors = _too_long(values, lang)

    role, problem = _role(str(values["role"]), variant, lang)
    _note(errors, "role", problem)
    what_seen = str(values["what_seen"])
    _note(errors, "what_seen", _what_seen_problem(what_seen, lang))
    signs = tuple(dict.fromkeys(ticked))
    _note(errors, "signs", _choice_problem(signs, SIGNS, message(lang, "signs")))
    apparent_age = _optional(values, "apparent_age")
    _note(
        errors, "apparent_age", _choice_problem([apparent_age], APPARENT_AGES, message(lang, "apparent_age"))
    )
    where = _where(values)
    values["state"] = where.state or ""
    _note(errors, "state", _choice_problem([where.state], US_STATES, message(lang, "state_unknown")))
    for name, problem in _where_problems(where, variant, lang):
        _note(errors, name, problem)
    seen_on, problem = _seen_on(str(values["seen_on"]), today, lang)
    _note(errors, "seen_on", problem)
    seen_time, problem = _seen_time(str(values["seen_time"]), lang)
    _note(errors, "seen_time", problem)
    numbers, problem = _phone_numbers("" if "phones" in errors else str(values["phones"]), lang)
    _note(errors, "phones", problem)

    if errors or seen_on is None:
        return TipFormResult(tip=None, errors=errors, values=values)
    emails, handles = online_identifiers(where.online or "")
    tip = TipInput(
        variant=variant,
        role=role,
        what_seen=what_seen,
        seen_on=seen_on,
        seen_time=seen_time,
        where=TipPlace(city=where.city, state=where.state, place=where.place),
        signs=signs,
        apparent_age=apparent_age,
        phones=tuple(numbers),
        emails=emails,
        handles=handles,
        online=where.online,
        room=_optional(values, "room"),
        vehicle=_optional(values, "vehicle"),
        contact=_optional(values, "contact"),
    )
    return TipFormResult(tip=tip, errors={}, values=values)
