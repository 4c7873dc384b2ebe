"""Ad text: templates (an operator's fixed style) and rendering one ad with the exact truth it contains.

Text is non-explicit: it models structure (working names, age claims, places, contacts, prices,
indicator phrases, boilerplate), never sexual description. The renderer returns the text together
with every entity it wrote, so the truth is correct by construction.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from safeharbor.demo import obfuscate, rates, vocab
from safeharbor.demo.link_knobs import Habits
from safeharbor.demo.risk_knobs import Voice
from safeharbor.demo.vocab import City

TITLE_FORMS = 8
INTRO_FORMS = 5
AGE_FORMS = ("{a} yrs", "{a}yo", "age {a}", "{a} years old", "({a})", "{a} y/o", "{a}", "{a} years young")
PRICE_FORMS = ("{p} hh / {q} h", "Donation ${p}", "{p} roses", "${p} special", "rates: {p}/{q}", "{p}$ qv")
# Invented spellings of the same prices: glued and dashed units, a unit after "roses", durations.
_PRICE_VARIANTS = {
    "{p} hh / {q} h": {1: "HH{p} / H{q}", 2: "{p}hh, 1hr {q}"},
    "{p} roses": {1: "{p} roses/hr", 3: "{p} roses per hour"},
    "{p}$ qv": {2: "Qv-{p}"},
    "${p} special": {3: "${p} special, 2hrs {q}"},
}
_HALF_HOUR, _QUARTER, _HOUR = 30, 15, 60
_PriceTruth = Callable[[int, int], list[tuple[int, int | None]]]
_PRICE_TRUTH: dict[str, _PriceTruth] = {
    "{p} hh / {q} h": lambda p, q: [(p, _HALF_HOUR), (q, _HOUR)],
    "HH{p} / H{q}": lambda p, q: [(p, _HALF_HOUR), (q, _HOUR)],
    "{p}hh, 1hr {q}": lambda p, q: [(p, _HALF_HOUR), (q, _HOUR)],
    "Donation ${p}": lambda p, q: [(p, None)],
    "{p} roses": lambda p, q: [(p, None)],
    "{p} roses/hr": lambda p, q: [(p, _HOUR)],
    "{p} roses per hour": lambda p, q: [(p, _HOUR)],
    "${p} special": lambda p, q: [(p, None)],
    "${p} special, 2hrs {q}": lambda p, q: [(p, None), (q, 120)],
    "rates: {p}/{q}": lambda p, q: [(p, None), (q, None)],
    "{p}$ qv": lambda p, q: [(p, _QUARTER)],
    "Qv-{p}": lambda p, q: [(p, _QUARTER)],
}
CONTACT_FORMS = ("Call or text {ph}", "☎️ {ph}", "Txt me {ph}", "Contact: {ph}", "{ph}", "Call {ph}", "📱{ph}")
CITY_FORMS = (
    "Now in {c}",
    "{c} incall & outcall",
    "Located: {c}",
    "here in {c}",
    "in {c} tonight",
    "{c} area",
)
DEFAULT_VOICE = Voice()
SEPARATORS = ("<br>", "\n", " | ", "<br><br>", "\n\n", " ~ ")


@dataclass(frozen=True, slots=True)
class Template:
    id: str
    kind: str
    greeting: str | None
    title_form: int
    intro_form: int
    age_form: str
    adjectives: tuple[str, str]
    boilerplate: tuple[str, ...]
    price_form: str
    contact_form: str
    city_form: str
    separator: str
    emoji: tuple[str, ...]
    order: tuple[str, ...]  # order of the middle lines
    habits: Habits | None = None  # linking world knob: phrases sampled per ad (see demo.link_knobs)

    @property
    def html(self) -> bool:
        return self.separator.startswith("<br>")


def make_template(rng: random.Random, template_id: str, kind: str) -> Template:
    middle = ["city", "venue", "price", "terms", "boiler"]
    rng.shuffle(middle)
    return Template(
        id=template_id,
        kind=kind,
        greeting=rng.choice(vocab.GREETINGS) if rng.random() < 0.7 else None,
        title_form=rng.randrange(TITLE_FORMS),
        intro_form=rng.randrange(INTRO_FORMS),
        age_form=rng.choice(AGE_FORMS),
        adjectives=tuple(rng.sample(vocab.ADJECTIVES, 2)),  # type: ignore[arg-type]
        boilerplate=tuple(rng.sample(vocab.BOILERPLATE, rng.randint(1, 3))),
        price_form=rng.choice(PRICE_FORMS),
        contact_form=rng.choice(CONTACT_FORMS),
        city_form=rng.choice(CITY_FORMS),
        separator=rng.choice(SEPARATORS),
        emoji=tuple(rng.sample(vocab.DECOR_EMOJI, rng.randint(0, 3))),
        order=tuple(middle),
    )


@dataclass(frozen=True, slots=True)
class Shown:
    """A person as one ad shows them: the working name used and the age stated (None: no age)."""

    name: str
    age: int | None
    minor: bool


@dataclass(frozen=True, slots=True)
class AdContext:
    """Everything about an ad that is decided outside the text (kept so that a repost re-renders it)."""

    kind: str
    shown: tuple[Shown, ...]
    city: City
    next_city: City | None
    arriving: bool  # first two days of a stay away from home
    away: bool  # not in the operator's home city (networks are always away in spirit)
    phones: tuple[str, ...]  # 10-digit numbers shown, own first then shared ones
    obfuscation: float  # the operator's rate
    email: str | None
    handle: str | None
    business: tuple[str, str] | None  # (name, address)

    @property
    def minor(self) -> bool:
        return any(s.minor for s in self.shown)


@dataclass(slots=True)
class RenderedAd:
    title: str
    body: str
    location: str | None
    ages: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    handles: list[str] = field(default_factory=list)
    prices: list[dict[str, int | None]] = field(default_factory=list)  # {"amount", "minutes"}
    indicators: list[dict[str, str]] = field(default_factory=list)
    obfuscated_phone: bool = False


def _add(seq: list[Any], value: Any) -> None:
    """Append once: truth lists hold each distinct value in order of first appearance."""
    if value not in seq:
        seq.append(value)


def age_text(rng: random.Random, form: str, age: int) -> str:
    if age in vocab.AGE_WORDS and rng.random() < rates.AGE_IN_WORDS:
        return vocab.AGE_WORDS[age] + rng.choice((" yrs", " years old", ""))
    return form.format(a=age)


def location_text(rng: random.Random, city: City) -> str | None:
    """The free-text location field as sites show it; None means the field is absent."""
    r = rng.random()
    if r < rates.LOCATION_MISSING / 2:
        return None
    if r < rates.LOCATION_MISSING:
        return ""
    forms = [
        f"{city.name}, {city.state}",
        city.name.lower(),
        f"{city.state} - {city.name}",
        f"{city.name} {vocab.STATE_NAMES[city.state]}",
        city.name.upper(),
        f"{city.name}, {city.state}",
    ]
    forms.extend(city.aliases)
    return rng.choice(forms)


class _Writer:
    """Collects the lines of one ad and the truth of what they contain."""

    def __init__(
        self, rng: random.Random, tpl: Template, ctx: AdContext, out: RenderedAd, voice: Voice | None = None
    ) -> None:
        self.rng, self.tpl, self.ctx, self.out = rng, tpl, ctx, out
        self.voice = voice or DEFAULT_VOICE
        group = (ctx.minor, ctx.kind)
        rate = self.voice.rate
        self.third_person = rng.random() < rate(rates.THIRD_PERSON, *group)
        self.youth = rng.random() < rate(rates.YOUTH, *group)
        self.deposit = rng.random() < rate(rates.DEPOSIT, *group)
        self.no_police = rng.random() < rate(rates.NO_POLICE, *group)
        self.hotel = rng.random() < rate(rates.HOTEL, *group)
        move = (
            rates.MOVEMENT_ARRIVAL
            if ctx.arriving
            else rates.MOVEMENT_LATER
            if ctx.away
            else rates.MOVEMENT_HOME
        )
        self.movement = rng.random() < move
        obf = ctx.obfuscation
        if ctx.minor != self.voice.swapped:  # risk world knob swap_rates: the boost goes to adults
            obf = min(0.95, obf / 2 + rates.MINOR_OBFUSCATION_BOOST)
        self.obscure = rng.random() < obf
        self.youth_done = False
        self.adjectives = tpl.adjectives
        if tpl.habits is not None:
            picked = rng.sample(tpl.habits.descriptors, 2)
            self.adjectives = (picked[0], picked[1])
        # Risk world knob: a stock descriptor this poster uses in most ads (no draw in the default world).
        self.descriptor = (
            self.voice.descriptor
            if self.voice.descriptor and rng.random() < self.voice.descriptor_rate
            else None
        )

    def plant(self, category: str, phrase: str) -> str:
        self.out.indicators.append({"category": category, "phrase": phrase})
        return phrase

    def youth_phrase(self) -> str:
        ages = [s.age for s in self.ctx.shown]
        choices = [
            p for p in self.voice.youth_phrases if p != "just turned 18" or all(a in (None, 18) for a in ages)
        ]
        phrase = self.rng.choice(choices)
        if phrase == "just turned 18":
            _add(self.out.ages, 18)
        return self.plant("youth", phrase)

    def person_text(self, s: Shown) -> str:
        _add(self.out.names, s.name)
        if s.age is None:
            return s.name
        _add(self.out.ages, s.age)
        return f"{s.name} {age_text(self.rng, self.tpl.age_form, s.age)}"

    def intro(self) -> str:
        rng, tpl, ctx = self.rng, self.tpl, self.ctx
        a1, a2 = self.adjectives
        lead = ctx.shown[0]
        who = self.person_text(lead)
        if self.youth and rng.random() < 0.6:
            a2 = self.youth_phrase()
            self.youth_done = True
        if self.descriptor:
            a1 = self.plant("stock_descriptor", self.descriptor)
        if ctx.kind == "business" and not self.third_person:
            staff = ", ".join(self.person_text(s) for s in ctx.shown[1:])
            return f"Our {a1} & {a2} staff: {who}{', ' + staff if staff else ''}"
        if self.third_person:
            return self.third_person_intro(who, a1, a2)
        first_person = (
            f"I'm {who}, {a1} & {a2}",
            f"{who} here, {a1} and {a2}",
            f"My name is {who}. {a1.capitalize()} & {a2}",
            f"{who} ✦ {a1} ✦ {a2}",
            f"It's {who}! {a1.capitalize()}, {a2}",
        )
        return first_person[tpl.intro_form]

    def third_person_intro(self, who: str, a1: str, a2: str) -> str:
        """Someone else speaking about the advertised person ("my girl", "ask for her")."""
        phrase = self.rng.choice(vocab.THIRD_PERSON)
        if phrase in ("her name is", "my girl", "my girls"):
            lead = self.plant("third_person", phrase.capitalize())
            return f"{lead} {who}, {a1} & {a2}"
        if phrase == "she is":
            return f"{who} - {self.plant('third_person', phrase)} {a1} & {a2}"
        tail = phrase.capitalize() if self.rng.random() < 0.5 else phrase
        return f"{who}, {a1} & {a2}. {self.plant('third_person', tail)}"

    def others(self) -> str | None:
        rest = self.ctx.shown[1:]
        if not rest or self.ctx.kind == "business" and not self.third_person:
            return None
        phrase = self.plant("multi_person", self.rng.choice(vocab.MULTI_PERSON))
        people = " & ".join(self.person_text(s) for s in rest)
        return f"{phrase}: {people}"

    def city_line(self) -> str:
        ctx, rng = self.ctx, self.rng
        line = self.tpl.city_form.format(c=ctx.city.name if rng.random() < 0.85 else ctx.city.name.upper())
        if ctx.business:
            line = f"{ctx.business[1]}, {ctx.city.name}"
        if self.movement:
            line = f"{self.plant('movement', rng.choice(vocab.MOVEMENT))}! {line}"
        if ctx.next_city is not None:
            line += f". Next stop {ctx.next_city.name} soon"
        return line

    def venue_line(self) -> str | None:
        if self.hotel:
            return self.plant("hotel", self.rng.choice(vocab.HOTEL))
        if self.ctx.business:
            return "walk-ins welcome, open 10am-10pm"
        if self.tpl.habits is not None:
            return self.rng.choice(self.tpl.habits.venues)
        return self.rng.choice(("private incall", "outcall only", "incall & outcall", None, None))

    def price_line(self, edit: random.Random | None) -> str | None:
        p = self.rng.choice((80, 100, 120, 150, 160, 180, 200, 250))
        if edit is not None:
            p += edit.choice((-20, -10, 10, 20, 30))
        q = p + self.rng.choice((50, 80, 100))
        form = self.tpl.price_form
        # A few forms real ads use, picked from the amount (no extra draw: the rest of the world stays).
        form = _PRICE_VARIANTS.get(form, {}).get(p % 4, form)
        for amount, minutes in _PRICE_TRUTH[form](p, q):
            self.out.prices.append({"amount": amount, "minutes": minutes})
        return form.format(p=p, q=q)

    def terms_line(self) -> str | None:
        parts = []
        if self.deposit:
            parts.append(self.plant("deposit", self.rng.choice(vocab.DEPOSIT)))
        if self.no_police:
            parts.append(self.plant("no_police", self.rng.choice(vocab.NO_POLICE)))
        return ". ".join(parts) if parts else None

    def contact_lines(self) -> list[str]:
        rng, out = self.rng, self.out
        rendered = []
        for i, digits in enumerate(self.ctx.phones):
            if self.obscure and (i == 0 or rng.random() < 0.5):
                text, _style = obfuscate.obscured_phone(rng, digits)
                out.obfuscated_phone = True
            else:
                text = obfuscate.plain_phone(rng, digits)
            _add(out.phones, obfuscate.e164(digits))
            rendered.append(text)
        lines = []
        if rendered:
            lines.append(self.tpl.contact_form.format(ph=rendered[0]))
            lines.extend(rng.choice(("or ", "alt: ", "2nd line ", "backup: ")) + t for t in rendered[1:])
        if self.ctx.email:
            obscure = rng.random() < 0.4
            e = self.ctx.email
            shown = obfuscate.obscured_email(rng, e) if obscure else obfuscate.plain_email(rng, e)
            _add(out.emails, e.lower())
            lines.append(rng.choice(("email: ", "✉️ ", "")) + shown)
        if self.ctx.handle:
            _add(out.handles, self.ctx.handle)
            lines.append(obfuscate.handle_text(rng, obfuscate.pick_platform(rng), self.ctx.handle))
        return lines

    def title(self, edit: random.Random | None) -> str:
        rng, tpl, ctx = self.rng, self.tpl, self.ctx
        lead = ctx.shown[0]
        emoji = tpl.emoji[0] if tpl.emoji else "✨"
        if edit is not None and edit.random() < 0.3:
            emoji = edit.choice(vocab.DECOR_EMOJI)
        adj = self.adjectives[0].capitalize()
        if ctx.business:
            tail = rng.choice(("open late", "grand opening", "new staff", ctx.city.name))
            return f"{ctx.business[0]} - {tail}"
        form = tpl.title_form
        if form == 0:
            return f"{emoji} {self.name_only(lead)} {emoji}"
        if form == 1:
            return f"{adj} {self.person_text(lead)}"
        if form == 2:
            return f"{ctx.city.name} {adj} {self.name_only(lead)}"
        if form == 3:
            return f"{self.name_only(lead)} ~ {rng.choice(vocab.BOILERPLATE)}"
        if form == 4:
            return f"{adj} and {self.adjectives[1]} {emoji}"
        if form == 5:
            return f"{self.person_text(lead)} {emoji} {ctx.city.name}"
        if form == 6:
            return f"{emoji}{emoji} {rng.choice(vocab.BOILERPLATE).upper()} {emoji}{emoji}"
        return f"{adj} {self.name_only(lead)} {emoji}"

    def name_only(self, s: Shown) -> str:
        _add(self.out.names, s.name)
        return s.name


def _with_habits(rng: random.Random, habits: Habits, lines: list[str]) -> list[str]:
    """The operator's sign-off and emoji habit (linking world knob `habits`)."""
    if rng.random() >= habits.drop_rate:
        lines = [*lines, rng.choice(habits.sign_offs)]
    out = []
    for line in lines:
        if rng.random() < habits.emoji_rate:
            mark = rng.choice(habits.emoji)
            if habits.emoji_place in ("start", "both"):
                line = f"{mark} {line}"
            if habits.emoji_place in ("end", "both"):
                line = f"{line} {mark}"
        out.append(line)
    return out


def _escape(line: str, html: bool) -> str:
    return line.replace("&", "&amp;") if html else line


def render(
    tpl: Template,
    ctx: AdContext,
    content_seed: int,
    edit_seed: int | None,
    location_seed: int,
    voice: Voice | None = None,
) -> RenderedAd:
    """Render one ad. A repost passes the original's template, context and content seed plus its own
    edit seed, so it repeats the original with one or two small edits (emoji, price, a word).
    `voice`: how the risk world's knobs make this operator speak (demo.risk_knobs; None: the default)."""
    rng = random.Random(content_seed)
    edit = random.Random(edit_seed) if edit_seed is not None else None
    out = RenderedAd(title="", body="", location=location_text(random.Random(location_seed), ctx.city))
    w = _Writer(rng, tpl, ctx, out, voice)
    title = w.title(edit)
    lines: list[str] = []
    greeting = tpl.greeting
    habits = tpl.habits
    if habits is not None:
        greeting = rng.choice(habits.openers) if rng.random() >= habits.drop_rate else None
    if greeting and edit is not None and edit.random() < 0.4:
        greeting = edit.choice(vocab.GREETINGS)
    if greeting:
        lines.append(f"{greeting} {tpl.emoji[-1] if tpl.emoji else ''}".rstrip())
    intro = w.intro()
    youth_emoji = w.youth and rng.random() < 0.45
    if w.youth and not w.youth_done and not youth_emoji:
        intro += f", {w.youth_phrase()}"
    if youth_emoji:
        intro += " " + w.plant("youth", rng.choice(w.voice.youth_emoji))
    lines.append(intro)
    others = w.others()
    if others:
        lines.append(others)
    price_edit = edit if edit is not None and edit.random() < 0.5 else None
    for part in tpl.order:
        line: str | None
        if habits is not None and part in ("venue", "boiler") and rng.random() < habits.drop_rate:
            continue
        if part == "city":
            line = w.city_line()
        elif part == "venue":
            line = w.venue_line()
        elif part == "price":
            line = w.price_line(price_edit)
        elif part == "terms":
            line = w.terms_line()
        else:
            words = list(tpl.boilerplate)
            if edit is not None and edit.random() < 0.4:
                words[edit.randrange(len(words))] = edit.choice(vocab.BOILERPLATE)
            line = ". ".join(words)
        if line:
            lines.append(line)
    if habits is not None:
        lines = _with_habits(rng, habits, lines)
    lines = [_escape(line, tpl.html) for line in lines]
    lines.extend(w.contact_lines())
    if edit is not None and edit.random() < 0.5:
        lines[-1] += " " + edit.choice(vocab.DECOR_EMOJI)
    out.title = _escape(title, tpl.html)
    out.body = tpl.separator.join(lines)
    return out
