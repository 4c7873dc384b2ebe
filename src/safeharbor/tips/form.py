"""Turning a submitted tip form into a `TipInput`, or into clear messages next to each field.

The form keeps whatever the reporter typed (`values`) so a mistake never costs them their words.
Messages are written for a worried person on a phone, not for a developer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from safeharbor.extract import phones
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
    """E.164 numbers in `text` (US by default), and the pieces that are not phone numbers."""
    found: list[str] = []
    bad: list[str] = []
    # The extractor's reading first ("510/555/0172" is one number), so a tip's number matches the ad's.
    for span in phones.find_phones(text):
        if span.value.startswith("+"):  # not a number whose country is unknown: that one stays "bad"
            found += [span.value] if span.value not in found else []
            text = text[: span.start] + "\n" * (span.end - span.start) + text[span.end :]
    for piece in _PHONE_SPLIT.split(text):
        piece = piece.strip()
        if not piece:
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


def parse_tip_form(data: Mapping[str, object], *, variant: Variant, today: date) -> TipFormResult:
    """Validate a submitted form. `data` maps field names to strings (`signs` to a list)."""
    values: dict[str, object] = {name: _text(data, name) for name in TEXT_FIELDS}
    ticked = _list(data, "signs")
    values["signs"] = ticked
    errors: dict[str, str] = {}
    v = values

    for name, limit in MAX_LEN.items():
        if len(str(v[name])) > limit:
            errors[name] = f"Please keep this under {limit} characters (it has {len(str(v[name]))})."

    roles = {r.id for r in roles_for(variant)}
    role = str(v["role"]) or ("public" if variant == "public" else "")
    if role not in roles:
        errors["role"] = "Please choose the job you do at the hotel (or 'Other hotel staff')."

    what_seen = str(v["what_seen"])
    if "what_seen" not in errors and len(what_seen) < MIN_WHAT_SEEN:
        errors["what_seen"] = (
            "Please tell us what you saw, in a sentence or two: who, what happened, and what worried you."
            if not what_seen
            else f"Please add a little more detail (at least {MIN_WHAT_SEEN} characters)."
        )

    signs = tuple(dict.fromkeys(ticked))
    if any(s not in SIGNS for s in signs):
        errors["signs"] = "One of the ticked signs was not recognised; please tick them again."

    apparent_age = str(v["apparent_age"]) or None
    if apparent_age is not None and apparent_age not in APPARENT_AGES:
        errors["apparent_age"] = "Please choose one of the age ranges, or 'Not sure'."

    state = str(v["state"]).upper() or None
    v["state"] = state or ""
    if state is not None and state not in US_STATES:
        errors["state"] = "Please choose a state from the list."
    city = " ".join(str(v["city"]).split()) or None
    place = str(v["place"]) or None
    online = str(v["online"]) or None
    if variant == "hotel":
        if not city and "city" not in errors:
            errors["city"] = "Please give the city the hotel is in."
        if not state and "state" not in errors:
            errors["state"] = "Please choose the state the hotel is in."
    elif not ((city and state) or place or online) and "city" not in errors:
        errors["city"] = "Please tell us where: a city and state, a place, or where online you saw it."
    if city and not state and "state" not in errors and variant == "public":
        errors["state"] = "Please choose the state too, so the tip reaches the right people."

    seen_on: date | None = None
    raw_date = str(v["seen_on"])
    if not raw_date:
        errors["seen_on"] = "Please give the date you saw this (your best guess is fine)."
    else:
        try:
            seen_on = date.fromisoformat(raw_date)
        except ValueError:
            errors["seen_on"] = "Please give the date as year-month-day, for example 2026-05-01."
        else:
            if seen_on > today + timedelta(days=1):
                errors["seen_on"] = "That date is in the future; please give the date you saw this."
            elif seen_on < today - OLDEST_SIGHTING:
                errors["seen_on"] = (
                    "That is more than five years ago. Please call the National Human Trafficking Hotline "
                    "at 1-888-373-7888 to report it."
                )

    seen_time = str(v["seen_time"]) or None
    if seen_time is not None:
        match = _TIME.match(seen_time)
        if match:
            seen_time = f"{int(match.group(1)):02d}:{match.group(2)}"
        else:
            errors["seen_time"] = (
                "Please give the time as hours:minutes, for example 21:30, or leave it blank."
            )

    phones: list[str] = []
    if v["phones"] and "phones" not in errors:
        phones, bad = parse_phones(str(v["phones"]))
        if bad:
            errors["phones"] = (
                f"This does not look like a phone number: {bad[0]!r}. Please check it, include the "
                "area code, and separate numbers with commas."
            )
        elif len(phones) > MAX_PHONES:
            errors["phones"] = f"Please give at most {MAX_PHONES} phone numbers."

    emails, handles = online_identifiers(online or "")

    if errors or seen_on is None:
        return TipFormResult(tip=None, errors=errors, values=values)
    tip = TipInput(
        variant=variant,
        role=role,
        what_seen=what_seen,
        seen_on=seen_on,
        seen_time=seen_time,
        where=TipPlace(city=city, state=state, place=place),
        signs=signs,
        apparent_age=apparent_age,
        phones=tuple(phones),
        emails=emails,
        handles=handles,
        online=online,
        room=str(v["room"]) or None,
        vehicle=str(v["vehicle"]) or None,
        contact=str(v["contact"]) or None,
    )
    return TipFormResult(tip=tip, errors={}, values=values)
