"""Working names of advertised persons: "I'm Candy", "my name is Jade", "ask for Bella", "xoxo Mia".

A name is one word of 2-15 letters, returned capitalised ("CANDY" -> "Candy"). Ordinary words in the
same slots ("I'm new", "ask for details", "call now", "I'm Latina") are rejected by a stopword list;
weak patterns ("Candy here", "- Mia & Jade -", "call Lexi", a trailing "- Mia") also reject US place
names and need a capital letter. attrs["pattern"] says which phrasing matched.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from safeharbor.extract import gazetteer as gz
from safeharbor.types import Span

EXTRACTOR = "names"
VERSION = "1"


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_STOPWORDS = _word_set(
    """a about above absolutely across actually addicted after again ahead all alone already also always am
    amazing an and angelic another any anything anytime appointment appt are around as asian ask at
    athletic attractive available awaiting away awesome babe baby back bad be beautiful because been
    before being best better big bilingual black blasian blonde blond bored both bottom brand brazilian
    brunette bubbly busty but by call calling can cant caring cash charming cheap chinese chocolate
    classy clean client close cold college colombian come coming completely cool could cuban cuddly
    curvy cute dallas day days definitely delicious details did different discreet discrete do does
    doing done dont down dream easy ebony educated elegant else email employed especially european every
    everyone everything exactly exotic experienced extra extremely fabulous fair far feeling female few
    filipina fine finally first fit flexible for free fresh friendly from full fun funny generous
    genuine gentle gentlemen get getting girl girls give glad going good gorgeous got great green guys
    had half happy hard has have having he healthy hello her here hey hi high him his home honest hot
    hotel how hungry i if im in incall independent indian info inside into is it italian its japanese
    just kind korean last latin latina legit let lets like little live local located looking lovely
    loving low mad made magic make man many massage mature may me messy mexican might mine mixed more
    most mostly much must my natural naughty near need needed new next nice no non not nothing now of
    off okay on once one only open or other our out outcall over own pampered passionate perfect petite
    pics playful please polite pretty private professional puerto ready real really red redhead relaxed
    relaxing reviewed right safe same satisfied seeking serious sexy shy simple single slim small smart
    smooth so soft some someone something sorry southern special spicy sporty still stunning student
    such super sure sweet tall tan tattooed tell text than thank thanks that the their them then there
    these they thick thin this those tight tiny tired to today tonight too top total totally touring
    town travel traveling true trustworthy truly two ugly unique unforgettable up upscale ur us usa very
    verified vip visiting waiting want wanting warm was we weekend welcome well were west what when
    where white who why wild will with without woman working worth would yes yet you young your yours
    youthful new here now gfe pse bbw milf ts vip xoxo xo hugs kisses love location rates donation roses
    number phone message msg dm sms snap ig instagram twitter kik telegram only monday tuesday wednesday
    thursday friday saturday sunday tomorrow morning evening night late early hour hours hr hh min
    minutes daily click come stay room suite apt unit exit highway hwy route lady times dreams spa
    studio wellness massage center staff grand walk name names"""
)
_NAME = r"(?P<name>[A-Z][a-z]{1,14}|[A-Z]{2,15}|[a-z]{2,15})(?![A-Za-z'\u2019])"
_CAP_NAME = r"(?P<name>[A-Z][a-z]{1,14}|[A-Z]{2,15})(?![A-Za-z'\u2019])"
_SEP = r"[-~*|\u2022\u2605\u2606\u2665\u2764\u2763\u2728\U0001F300-\U0001FAFF]"

# (pattern name, lower-case words that must occur, lead-in regex run on the lower-cased text, name regex,
# strong). A pattern is tried only when its words occur, and its lead-in is found in the lower-cased
# text by a case-sensitive scan (a case-insensitive scan of the whole text is several times slower);
# the name itself is then matched in the original text. Strong patterns accept lower-case names and
# place names.
_FORMS: list[tuple[str, tuple[str, ...], re.Pattern[str], re.Pattern[str], bool]] = [
    ("my_name_is", ("name",),
     re.compile(r"(?:my\s+name\s+is|my\s+names?|my\s+name['\u2019]s|her\s+name\s+is|names?\s*[:=\-])\s*"),
     re.compile(_NAME), True),
    ("call_me", ("call me", "known as"), re.compile(r"(?:call\s+me|known\s+as)\s+"),
     re.compile(_CAP_NAME), True),
    ("im", ("i'm", "i\u2019m", "im ", "i am", "this is", "it's", "it\u2019s", "its "),
     re.compile(r"(?:i['\u2019]?m|i\s+am|this\s+is|it['\u2019]?s)\s+"), re.compile(_CAP_NAME), True),
    ("ask_for", ("ask for",), re.compile(r"ask\s+for\s+"), re.compile(_CAP_NAME), False),
    ("friend", ("friend", "my girl", "available:", "staff"),
     re.compile(r"(?:my\s+friend|friend|my\s+girl|girls?\s+available|staff)\s*:?\s*"),
     re.compile(_CAP_NAME), False),
    ("call", ("call", "text"), re.compile(r"(?:call|text)\s+"),
     re.compile(_CAP_NAME + r"(?!\s*(?:&|and|or)\b)"), False),
]  # fmt: skip
_HERE = re.compile(r"(?<![A-Za-z'\u2019])" + _CAP_NAME + r"\s+(?:[Ii][Ss]\s+)?\Z")
_HERE_REACH = 24
# "- Mia & Jade -": two names joined by "&", "+", "and" or "n", set off by separators or line ends.
_DUO_JOINS = (("&", 0, 1), ("+", 0, 1), (" and ", 1, 4), (" n ", 1, 2))  # (text, start, end) of the joiner
_DUO_LEFT = re.compile(
    r"(?:^|" + _SEP + r")[ \t]*(?P<name>[A-Z][a-z]{1,14}|[A-Z]{2,15})[ \t]*\Z", re.MULTILINE
)
_DUO_RIGHT = re.compile(
    r"[ \t]*(?P<name>[A-Z][a-z]{1,14}|[A-Z]{2,15})[ \t]*(?:" + _SEP + r"|$)", re.MULTILINE
)
_DUO_REACH = 24
# A signature is the text's last word, after "xoxo"/"kisses"/... or a dash: "xoxo Mia", "~ Destiny".
_LAST_NAME = re.compile(r"[A-Z][a-z]{1,14}|[A-Z]{2,15}")
_SIGNATURE_LEAD = re.compile(
    r"(?:\b(?i:xoxo|xo|xx|kisses|hugs|love|luv|besos|muah|mwah)[\s,.!~-]*|(?:^|\s)[-~]+[ \t]*)\Z"
)
_SIGNATURE_LEAD_REACH = 16


# "Crystal 18 yrs", "Yasmin age 19", "Aurora 31, fun": a capitalised word right before a stated age.
_TWO_DIGITS = re.compile(r"\d+")
_NAME_BEFORE_AGE = re.compile(r"(?<![A-Za-z'\u2019])" + _CAP_NAME + r",?[ \t]+\(?(?:[Aa]ge[ \t:]+)?\Z")
_AGE_REACH = 24
_AGE_LEAD_END = frozenset(" \t(:")  # the last characters _NAME_BEFORE_AGE can end with
_NOT_AGE_AFTER = re.compile(r"%|[/:.,]\d")
# "Chanel, friendly & discreet": a name opening a line or sentence, then a pair of describing words.
_INTRO_LEFT = re.compile(r"(?:^|[\n>~|\u2022.!:])[ \t]*" + _CAP_NAME + r"\Z", re.MULTILINE)
# "Olivia ✦ charming ✦ exotic", "Reina - she is bubbly": a name opening a line, set off by a symbol.
_LINE_LEAD = re.compile(r"(?:^|<br>|[~|>])[ \t]*" + _CAP_NAME + r"[ \t]*\Z", re.MULTILINE)
_ASCII_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_LINE_LEAD_END = _ASCII_LETTERS | frozenset(" \t")
_LINE_MARKS = ("\u2726", "\u2727", "\u2605", " - ", " \u2013 ")
_INTRO_RIGHT = re.compile(r"[ \t]+[a-z]+(?:[ \t]+[a-z]+)?[ \t]+(?:&amp;|&|and)[ \t]+[a-z]")
# Short one-line texts (titles): "💋 Crystal 💋", "Lacey ~ serious inquiries only", "Sweet Hazel ✨".
_TITLE_MAX = 120
_TITLE_ALONE = re.compile(r"[^A-Za-z0-9]*" + _CAP_NAME + r"[^A-Za-z0-9]*")
_TITLE_LEAD = re.compile(
    r"[^A-Za-z0-9]*" + _CAP_NAME + r"[ \t]*(?:[~|\u2022\-\u2013\u2014:]|[\u2600-\u27BF\U0001F300-\U0001FAFF])"
)
_TITLE_ADJ = re.compile(
    r"\b(?i:sweet|classy|friendly|fun|gorgeous|stunning|exotic|upscale|discreet|bubbly|laid back|"
    r"unforgettable|charming|"
    r"playful|sexy|beautiful|pretty|cute|lovely|petite|curvy|young|tiny)[ \t]+" + _CAP_NAME
)


def looks_like_name(word: str) -> bool:
    """True when a capitalised word may be a working name: not a common word, state or big-city name."""
    return _accept(word, strong=False)


# Big-city names that are also common working names: not rejected as places.
_NAME_LIKE_PLACES = _word_set(
    """aurora austin madison charlotte savannah phoenix chandler tyler irving eugene lincoln jackson norman
    cary everett lowell montgomery odessa kent warren brandon elizabeth raleigh allen paris florence
    victoria"""
)


@cache
def _place_words() -> frozenset[str]:
    """Lower-case one-word US state and big-city names and nicknames (weak patterns reject them)."""
    words = {n.lower() for n in gz.STATES.values() if " " not in n}
    words |= {code.lower() for code in gz.STATES}
    words |= {k for k in gz.ALIASES if " " not in k}
    words |= {
        k for k, cities in gz.gazetteer().by_name.items() if " " not in k and cities[0].population >= 100_000
    }
    return frozenset(words - _NAME_LIKE_PLACES)


def _accept(name: str, strong: bool) -> bool:
    word = name.lower()
    if word in _STOPWORDS or len(word) < 2:
        return False
    return strong or word not in _place_words()


def _here_names(text: str, lowered: str) -> list[tuple[int, int, str, str, bool]]:
    """ "Candy here", "Kiki is here": the capitalised word before each whole word "here"."""
    found = []
    i = lowered.find("here")
    while i != -1:
        j = i + 4
        if (i == 0 or not lowered[i - 1].isalpha()) and (j == len(lowered) or not lowered[j].isalpha()):
            m = _HERE.search(text, max(0, i - _HERE_REACH), i)
            if m is not None:
                found.append((m.start("name"), m.end("name"), m.group("name"), "here", False))
        i = lowered.find("here", j)
    return found


def _duo_names(text: str, lowered: str) -> list[tuple[int, int, str, str, bool]]:
    found = []
    for joiner, lo, hi in _DUO_JOINS:
        i = lowered.find(joiner)
        while i != -1:
            found.extend(_duo_at(text, i + lo, i + hi))
            i = lowered.find(joiner, i + hi)
    return found


def _duo_at(text: str, start: int, end: int) -> list[tuple[int, int, str, str, bool]]:
    """The two names around a joiner at text[start:end], if set off like a duo title."""
    left = _DUO_LEFT.search(text, max(0, start - _DUO_REACH), start)
    right = _DUO_RIGHT.match(text, end) if left else None
    if left is None or right is None:
        return []
    return [
        (left.start("name"), left.end("name"), left.group("name"), "duo", False),
        (right.start("name"), right.end("name"), right.group("name"), "duo", False),
    ]


def _signature_name(text: str) -> tuple[int, int, str, str, bool] | None:
    end = len(text)
    while end and not text[end - 1].isalnum():
        end -= 1
    start = end
    while start and text[start - 1].isascii() and text[start - 1].isalpha():
        start -= 1
    if start == end or not _LAST_NAME.fullmatch(text, start, end):
        return None
    if not _SIGNATURE_LEAD.search(text, max(0, start - _SIGNATURE_LEAD_REACH), start):
        return None
    return start, end, text[start:end], "signature", False


_Found = tuple[int, int, str, str, bool]  # start, end, name as written, pattern, strong


def _form_names(text: str, lowered: str) -> list[_Found]:
    """ "my name is Candy", "call me Kiki": a lead-in phrase, then the name."""
    found: list[_Found] = []
    for pattern, words, lead_in, name_rx, strong in _FORMS:
        if not any(word in lowered for word in words):
            continue
        for lead in lead_in.finditer(lowered):
            if lead.start() and lowered[lead.start() - 1].isalpha():
                continue  # the lead-in must start a word ("recall me" is not "call me")
            m = name_rx.match(text, lead.end())
            if m is not None:
                found.append((m.start("name"), m.end("name"), m.group("name"), pattern, strong))
    return found


def _here_or_none(text: str, lowered: str) -> list[_Found]:
    return _here_names(text, lowered) if "here" in lowered else []


def _name_age_names(text: str, lowered: str) -> list[_Found]:
    """ "Candy 21": a name right before a two-digit age."""
    found: list[_Found] = []
    for m in _TWO_DIGITS.finditer(text):
        start, end = m.span()
        # _NAME_BEFORE_AGE can only end in " ", "\t", "(" or ":": test that before searching.
        if end - start == 2 and text[start - 1] in _AGE_LEAD_END and not _NOT_AGE_AFTER.match(text, end):
            named = _NAME_BEFORE_AGE.search(text, max(0, start - _AGE_REACH), start)
            if named is not None:
                found.append((named.start("name"), named.end("name"), named.group("name"), "name_age", False))
    return found


def _intro_names(text: str, lowered: str) -> list[_Found]:
    """ "Candy, sweet and new" and "Candy ~ new in town": a name opening a line or an introduction."""
    found: list[_Found] = []
    comma = text.find(",")
    while comma != -1:
        # _INTRO_LEFT ends in the name's last (ASCII) letter.
        left = (
            _INTRO_LEFT.search(text, max(0, comma - 20), comma) if text[comma - 1] in _ASCII_LETTERS else None
        )
        if left is not None and _INTRO_RIGHT.match(text, comma + 1):
            found.append((left.start("name"), left.end("name"), left.group("name"), "intro", False))
        comma = text.find(",", comma + 1)
    for mark in _LINE_MARKS:
        i = text.find(mark)
        while i != -1:
            # _LINE_LEAD ends in the name's last letter or spaces after it.
            m = _LINE_LEAD.search(text, max(0, i - 20), i) if text[i - 1] in _LINE_LEAD_END else None
            if m is not None:
                found.append((m.start("name"), m.end("name"), m.group("name"), "intro", False))
            i = text.find(mark, i + len(mark))
    return found


def _title_names(text: str, lowered: str) -> list[_Found]:
    if len(text) > _TITLE_MAX or "\n" in text:
        return []
    title = _TITLE_ALONE.fullmatch(text) or _TITLE_LEAD.match(text) or _TITLE_ADJ.search(text)
    return [(title.start("name"), title.end("name"), title.group("name"), "title", False)] if title else []


def _signature_names(text: str, lowered: str) -> list[_Found]:
    signature = _signature_name(text)
    return [signature] if signature is not None else []


# Each detector reads one way ads state a working name; their finds are merged by `_merge`.
_DETECTORS: tuple[Callable[[str, str], list[_Found]], ...] = (
    _form_names,
    _here_or_none,
    _duo_names,
    _name_age_names,
    _intro_names,
    _title_names,
    _signature_names,
)


def _merge(found: list[_Found]) -> list[Span]:
    """One span per start, in text order; stop-words and place names are not names."""
    spans: list[Span] = []
    seen: set[int] = set()
    for start, end, name, pattern, strong in sorted(found):
        if start in seen or not _accept(name, strong):
            continue
        seen.add(start)
        value = name[0].upper() + name[1:].lower()
        spans.append(Span(start, end, name, value, 0.9 if strong else 0.7, {"pattern": pattern}))
    return spans


def find_names(text: str) -> list[Span]:
    """Working names of advertised persons stated in the text, in text order."""
    if not text:
        return []
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters lower-case to two; keep offsets exact
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return _merge([hit for detect in _DETECTORS for hit in detect(text, lowered)])
