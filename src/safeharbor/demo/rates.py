"""The base rates the demo corpus is generated with (read by the risk and linking teams).

All figures are per-ad probabilities unless stated; "minor ad" means an ad in which at least one
advertised person is under 18 (a child victim). Measured figures for a given corpus are written to
`meta.json` (`measured`), so scorers can compare against what was actually planted.

Operators (who is behind the ads)
- networks (traffickers controlling 2-6 persons): ~17% of operators, ~45% of ads; 2-5 phones rotated
  every 2-4 weeks; one shared template per network with names/ages swapped; a circuit of 3-5 nearby
  cities of one region with stays of 2-6 days, looped; ~33% of networks control 1-2 children.
- independents (one adult, 1-2 phones): ~75% of operators, ~43% of ads; 80% stay home, 20% tour
  1-2 other cities for a few days; 10% copy a popular shared template (hard negative for linking);
  ~1.5% are actually controlled children (kind stays "independent", `controlled: true` in operators).
- businesses ("spa"/"studio"): ~8% of operators, ~12% of ads; one phone, one city, an address line,
  3-6 adult workers, third-person framing by nature (a deliberate confounder).

Minor ads: ~5-10% of ads (target ~7%), nearly all in networks. Children's ads claim adult ages:
18-21 (weights 18:2, 19:4, 20:3, 21:2, 22:1). A stated age differs from the person's usual claim in
35% of a child's ads vs 8% of an adult's (19 in one city, 21 in the next).

Indicator rates (probability an ad carries at least one phrase of the category):

| category        | minor ad | adult, network | adult, independent | adult, business |
|-----------------|----------|----------------|--------------------|-----------------|
| youth (words or emoji codes) | 0.60 | 0.15 | 0.11 | 0.08 |
| obscured phone  | 0.35 + operator rate/2 | operator rate (mean ~0.37) | operator rate (mean ~0.15) | 0.05 |
| third person    | 0.55     | 0.40           | 0.06               | 0.60            |
| deposit / cash  | 0.30     | 0.18           | 0.10               | 0.05            |
| no police / LE  | 0.20     | 0.14           | 0.06               | 0.03            |
| hotel venue     | 0.50     | 0.40           | 0.15               | 0.00            |
| movement        | 0.55 on the first 2 days of a stay, 0.20 later (everyone who travels); 0.03 at home |
| several persons | 0.30     | 0.22           | 0.00               | 0.35            |

Operator obfuscation rates are drawn per operator: networks uniform 0.15-0.60, independents
0-0.35 (skewed low), businesses 0.05. So minor ads end up obscured ~50% of the time vs ~24% for
adults overall; no single indicator separates them.

Measured on `generate(out, 10000, seed=1)` (see meta.json `measured`): minor ads 6.7%; youth 60% of
minor ads vs 12% of adult ads; obscured phone 52% vs 24%; third person 54% vs 28%; hotel 55% vs 24%;
deposit 28% vs 13%; no police 22% vs 9%; several persons 33% vs 12%; reposts 43% of all ads.

Reposts: ~43% of ads re-post an earlier ad of the same operator in the same city 1-2 days later with
1-2 small edits (emoji, price, one word); `repost_of` is the id of the ad it was copied from (the
chain's original).

Shared identifiers (must NOT merge operators; listed in meta.json `shared_identifiers`):
a junk number (+1 xxx 555-0100) in the ads of 25+ unrelated operators, a stolen stock image in the
ads of 20+ unrelated operators, and a booking-agency line used by 4-8 independents.
"""

from __future__ import annotations

from typing import Final

OPERATOR_KIND_SHARE: Final = {"network": 0.17, "independent": 0.75, "business": 0.08}
AD_SHARE: Final = {"network": 0.45, "independent": 0.43, "business": 0.12}

NETWORK_WITH_MINOR: Final = 0.33
INDEPENDENT_CONTROLLED_MINOR: Final = 0.015
INDEPENDENT_TOURS: Final = 0.20
INDEPENDENT_COPIES_POPULAR: Final = 0.10

MINOR_CLAIMED_AGE_WEIGHTS: Final = {18: 2, 19: 4, 20: 3, 21: 2, 22: 1}
AGE_DRIFT: Final = {"minor": 0.35, "adult": 0.08}
AGE_STATED: Final = 0.80  # share of ads that state an age at all
AGE_IN_WORDS: Final = 0.05

# (minor, network adult, independent adult, business adult)
YOUTH: Final = (0.60, 0.15, 0.11, 0.08)
THIRD_PERSON: Final = (0.55, 0.40, 0.06, 0.60)
DEPOSIT: Final = (0.30, 0.18, 0.10, 0.05)
NO_POLICE: Final = (0.20, 0.14, 0.06, 0.03)
HOTEL: Final = (0.50, 0.40, 0.15, 0.00)
MULTI_PERSON: Final = (0.30, 0.22, 0.00, 0.35)
MOVEMENT_ARRIVAL: Final = 0.55
MOVEMENT_LATER: Final = 0.20
MOVEMENT_HOME: Final = 0.03
MINOR_OBFUSCATION_BOOST: Final = 0.35

REPOST: Final = 0.45  # target share of ads that are reposts
REPOST_CONTINUE: Final = 0.6  # chance a chain gets one more repost (truncated at the end of a stay)
EMAIL_OPERATOR: Final = 0.30
HANDLE_OPERATOR: Final = 0.35
NEXT_CITY_MENTION: Final = 0.06  # network ads naming the *next* stop (city extraction hard negative)
LOCATION_MISSING: Final = 0.08
JUNK_PHONE_OPERATORS: Final = 32
STOCK_IMAGE_OPERATORS: Final = 27
AGENCY_OPERATORS: Final = (4, 8)
NO_IMAGES: Final = 0.05  # ads posted without pictures of a person
IMAGE_POOL_PER_AD: Final = 0.2  # distinct image files per ad of a person (reposts reuse files)
SHARED_SHOWN: Final = 0.6  # share of a user's ads that show the shared identifier


def by_group(rates: tuple[float, float, float, float], minor: bool, kind: str) -> float:
    """Pick the rate for an ad: children's ads use the minor column whatever the operator kind."""
    if minor:
        return rates[0]
    return rates[{"network": 1, "independent": 2, "business": 3}[kind]]
