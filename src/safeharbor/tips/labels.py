"""Tips in words: the form's codes (`front_desk`, `12_14`, `cash_daily`) as the labels the reporter saw,
and the sighting's time with the time zone of the place it happened.

The reporter gives a local date (and maybe a time) in a US state; the zone is that state's principal one
(a state spanning two zones gets the zone most of its people live in, and the text names the zone so a
reader can correct it).
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from safeharbor.tips.model import Tip
from safeharbor.tips.signs import APPARENT_AGES, ROLES, SIGNS

_EASTERN = "CT DC DE FL GA IN KY MA MD ME MI NC NH NJ NY OH PA RI SC VA VT WV"
_CENTRAL = "AL AR IA IL KS LA MN MO MS ND NE OK SD TN TX WI"
_MOUNTAIN = "CO ID MT NM UT WY"
STATE_ZONES: dict[str, str] = {
    **{s: "America/New_York" for s in _EASTERN.split()},
    **{s: "America/Chicago" for s in _CENTRAL.split()},
    **{s: "America/Denver" for s in _MOUNTAIN.split()},
    "AZ": "America/Phoenix",
    "CA": "America/Los_Angeles",
    "NV": "America/Los_Angeles",
    "OR": "America/Los_Angeles",
    "WA": "America/Los_Angeles",
    "AK": "America/Anchorage",
    "HI": "Pacific/Honolulu",
    "PR": "America/Puerto_Rico",
}

TIP_STATUSES: dict[str, str] = {
    "new": "New",
    "triaged": "Triaged",
    "in_case": "In a case",
    "closed": "Closed",
    "held": "Held for review",
}


def role_label(role: str) -> str:
    found = ROLES.get(role)
    return found.label if found else role.replace("_", " ")


def sign_label(sign: str) -> str:
    found = SIGNS.get(sign)
    return found.text if found else sign.replace("_", " ")


def age_label(age: str | None) -> str:
    if not age:
        return "not given"
    return APPARENT_AGES.get(age, age.replace("_", " "))


def status_label(status: str) -> str:
    return TIP_STATUSES.get(status, status.replace("_", " "))


def variant_label(variant: str) -> str:
    return "hotel staff form" if variant == "hotel" else "public form"


def zone_of(state: str | None) -> str | None:
    return STATE_ZONES.get((state or "").upper())


def sighting_text(tip: Tip) -> str:
    """'2026-11-30 22:40 CST (America/Chicago), local time where it was seen' or the date alone."""
    zone = zone_of(tip.where.state)
    if tip.when_time is None:
        where = f", {zone}" if zone else ""
        return f"{tip.when.isoformat()} (a date, local to where it was seen{where}; no time given)"
    if zone is None:
        return f"{tip.when.isoformat()} {tip.when_time} (local time where it was seen; time zone not known)"
    try:
        hour, minute = (int(p) for p in tip.when_time.split(":", 1))
        moment = datetime.combine(tip.when, time(hour, minute), ZoneInfo(zone))
    except (ValueError, ZoneInfoNotFoundError):
        return f"{tip.when.isoformat()} {tip.when_time} ({zone}, local time)"
    return f"{tip.when.isoformat()} {tip.when_time} {moment.tzname()} ({zone}, local time where it was seen)"
