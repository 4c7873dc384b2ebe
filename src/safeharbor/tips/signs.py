"""What a tip form asks about: reporter roles, the signs each role is best placed to notice, states.

The sign lists follow the public indicator guidance of the Polaris Project, the US Department of
Homeland Security Blue Campaign and the American Hotel & Lodging Association's training for hotel
staff. A sign is a reason to report, never proof: the form says so, and analysts weigh tips as leads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from safeharbor.extract.gazetteer import STATES

Variant = Literal["public", "hotel"]
VARIANTS: tuple[Variant, ...] = ("public", "hotel")


@dataclass(frozen=True, slots=True)
class Sign:
    id: str
    text: str


@dataclass(frozen=True, slots=True)
class Role:
    id: str
    label: str  # how the form names the role
    signs: tuple[Sign, ...]


GENERAL_SIGNS = (
    Sign("controlled", "Someone else speaks for the young person, or holds their ID, phone or money"),
    Sign("older_partner", "A much older 'boyfriend' or adult who is not a parent or guardian"),
    Sign("fearful", "The young person seems afraid, anxious, watchful or told what to say"),
    Sign("injuries", "Injuries, or a tattoo or brand that looks like a mark of ownership"),
    Sign("unexplained_goods", "New phones, clothes, hair or nails the young person cannot explain"),
    Sign("disoriented", "The young person does not know what city or place they are in"),
    Sign("missing_school", "Missing school, running away often, or living away from family"),
    Sign("online_ad", "An online ad or profile that seems to offer a young person"),
    Sign("the_life", "Talk of 'the life', 'the game', a 'daddy' or a nightly quota"),
)

HOTEL_ROLES = (
    Role(
        "front_desk",
        "Front desk",
        (
            Sign("cash_daily", "Room paid in cash or a prepaid card, night by night, by someone not staying"),
            Sign(
                "checked_in_by_adult",
                "A young guest checked in by an older adult, or unsure whose room it is",
            ),
            Sign("many_visitors", "Many different visitors asking for the same guest or room"),
            Sign("no_own_id", "A guest who does not hold their own ID, or someone else answers for them"),
            Sign("room_request", "Asks for a room near an exit or away from others, and no housekeeping"),
            Sign("local_short_stays", "Local guests taking short, repeated stays with young companions"),
        ),
    ),
    Role(
        "housekeeping",
        "Housekeeping",
        (
            Sign("dnd_refuse", "'Do not disturb' for days, or cleaning refused again and again"),
            Sign("linen_requests", "Many requests for fresh towels and sheets; large amounts of condoms"),
            Sign(
                "many_occupants",
                "Several young people in one room, or people living in it with few belongings",
            ),
            Sign("young_alone", "A young person left alone in the room, or never let out alone"),
            Sign(
                "phones_cash", "Many phones, prepaid cards or laptops, or large amounts of cash in the room"
            ),
            Sign("unwell", "A young person who seems hungry, hurt, exhausted or afraid"),
        ),
    ),
    Role(
        "security",
        "Security",
        (
            Sign("room_traffic", "Heavy traffic to one room at all hours, mostly adults arriving alone"),
            Sign("drop_offs", "Young people dropped off and picked up by the same cars, night after night"),
            Sign("watcher", "An adult watching or escorting a young person around the property"),
            Sign("lobby_approach", "Young people waiting in the lobby, bar or parking lot to be approached"),
            Sign("lookout", "Someone waiting in a car in the parking lot, watching the doors"),
        ),
    ),
    Role(
        "food_service",
        "Food service",
        (
            Sign("ordered_for", "An adult orders for a young person who does not speak for themselves"),
            Sign("room_service_many", "Room service for many people to one room, delivered only to the door"),
            Sign(
                "bar_older_adult",
                "A young person in the bar or restaurant with an older adult not their parent",
            ),
            Sign("dressed_older", "Dressed in a way that does not fit their age, the weather or the setting"),
        ),
    ),
    Role("other", "Other hotel staff", ()),
)

PUBLIC_ROLE = Role("public", "Member of the public", ())
ROLES: dict[str, Role] = {r.id: r for r in (PUBLIC_ROLE, *HOTEL_ROLES)}
SIGNS: dict[str, Sign] = {s.id: s for r in ROLES.values() for s in r.signs} | {s.id: s for s in GENERAL_SIGNS}

APPARENT_AGES: dict[str, str] = {
    "under_12": "Under 12",
    "12_14": "12 to 14",
    "15_17": "15 to 17",
    "unsure": "Not sure",
}

# The gazetteer's states plus Puerto Rico (a tip may come from there), in order of name for the form.
US_STATES: dict[str, str] = dict(sorted({**STATES, "PR": "Puerto Rico"}.items(), key=lambda item: item[1]))


def signs_for(variant: Variant) -> list[tuple[Role, tuple[Sign, ...]]]:
    """The sign groups a form shows: general signs, then (hotel form) each role's own signs."""
    groups: list[tuple[Role, tuple[Sign, ...]]] = [(PUBLIC_ROLE, GENERAL_SIGNS)]
    if variant == "hotel":
        groups.extend((role, role.signs) for role in HOTEL_ROLES if role.signs)
    return groups


def roles_for(variant: Variant) -> tuple[Role, ...]:
    return HOTEL_ROLES if variant == "hotel" else (PUBLIC_ROLE,)
