"""Storing tips and reading them back (with their matches) for the analyst workspace.

`submit_tip` is the only write path the public side has. Reads are plain functions over a
connection; the workspace calls them only for authorised analysts and audits every read
(`safeharbor.workspace.audit.record`), so this module never decides who may read.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Row, func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from safeharbor.storage.engine import Store
from safeharbor.storage.reads import format_time, parse_time
from safeharbor.storage.sealing import DataKeyError, SecretBox, is_sealed
from safeharbor.tips.matching import MatchQuery, match_tip
from safeharbor.tips.model import Tip, TipInput, TipPlace, TipReceipt
from safeharbor.tips.tables import tip_form_tokens, tip_history, tip_identifiers, tips

HELD = "held"  # the status of a tip held for review (see tips.ratelimit)
# Unambiguous letters and digits (no 0/O, 1/I/L) so a reference read out over the phone survives.
_REF_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_reference() -> str:
    body = "".join(secrets.choice(_REF_ALPHABET) for _ in range(8))
    return f"T-{body[:4]}-{body[4:]}"


def _existing_receipt(conn: Connection, nonce: str) -> TipReceipt | None:
    row = conn.execute(
        select(tips.c.tip_id, tips.c.reference, tips.c.created_at)
        .select_from(tip_form_tokens.join(tips, tips.c.tip_id == tip_form_tokens.c.tip_id))
        .where(tip_form_tokens.c.nonce == nonce)
    ).first()
    if row is None:
        return None
    return TipReceipt(row.tip_id, row.reference, parse_time(row.created_at), duplicate=True)


REPEAT_WINDOW = timedelta(days=30)  # how far back a tip sent again from a fresh form is recognised


def _same_words(text: str) -> str:
    return " ".join(text.casefold().split())


def _content_key(
    variant: str, role: str, what_seen: str, seen_on: object, city: str | None, state: str | None
) -> tuple[object, ...]:
    return (variant, role, _same_words(what_seen), str(seen_on), _same_words(city or ""), state or "")


def _repeat_of(conn: Connection, form: TipInput, created_at: datetime) -> TipReceipt | None:
    """The earlier tip with the same content (same words, kind, date and place), sent recently.

    A worried reporter who is not sure the first tip went through sends it again from a fresh form;
    the analysts should read it once, and the reporter should hear that we have it.
    """
    wanted = _content_key(
        form.variant, form.role, form.what_seen, form.seen_on, form.where.city, form.where.state
    )
    rows = conn.execute(
        select(
            tips.c.tip_id,
            tips.c.reference,
            tips.c.created_at,
            tips.c.variant,
            tips.c.role,
            tips.c.what_seen,
            tips.c.seen_on,
            tips.c.city,
            tips.c.state,
        )  # fmt: skip
        .where(
            tips.c.seen_on == form.seen_on,
            tips.c.variant == form.variant,
            tips.c.created_at >= format_time(created_at - REPEAT_WINDOW),
        )
        .order_by(tips.c.tip_id)
    )
    for row in rows:
        key = _content_key(row.variant, row.role, row.what_seen, row.seen_on, row.city, row.state)
        if key == wanted:
            return TipReceipt(row.tip_id, row.reference, parse_time(row.created_at), repeated=True)
    return None


def receipt_for_form(store: Store, nonce: str) -> TipReceipt | None:
    """The receipt of the tip an already-used form token created, if any."""
    with store.connect() as conn:
        return _existing_receipt(conn, nonce)


def seal_contact(contact: str | None) -> str | None:
    """The reporter's contact details as stored: sealed with the data key when one is configured."""
    return SecretBox.from_settings().seal(contact) if contact else contact


def open_contact(stored: str | None) -> str | None:
    return SecretBox.from_settings().open(stored) if stored else stored


def _insert(
    conn: Connection, form: TipInput, created_at: datetime, *, held: bool, reference: str | None
) -> TipReceipt:
    reference = reference or new_reference()
    inserted = conn.execute(
        tips.insert().values(
            status=HELD if held else "new",
            reference=reference,
            created_at=format_time(created_at),
            variant=form.variant,
            role=form.role,
            signs=list(form.signs),
            what_seen=form.what_seen,
            apparent_age=form.apparent_age,
            city=form.where.city,
            state=form.where.state,
            place=form.where.place,
            seen_on=form.seen_on,
            seen_time=form.seen_time,
            online=form.online,
            room=form.room,
            vehicle=form.vehicle,
            contact=seal_contact(form.contact),
        )
    ).inserted_primary_key
    assert inserted is not None
    tip_id = inserted[0]
    identifiers = (
        [("phone", v) for v in form.phones]
        + [("email", v) for v in form.emails]
        + [("handle", v) for v in form.handles]
    )
    if identifiers:
        conn.execute(
            tip_identifiers.insert(), [{"tip_id": tip_id, "kind": k, "value": v} for k, v in identifiers]
        )
    if form.form_nonce:
        # Same transaction as the tip: if this nonce was used a moment ago, the whole insert rolls back.
        conn.execute(
            tip_form_tokens.insert().values(
                nonce=form.form_nonce, tip_id=tip_id, used_at=format_time(created_at)
            )
        )
    return TipReceipt(int(tip_id), reference, created_at)


def submit_tip(
    store: Store,
    form: TipInput,
    *,
    now: datetime | None = None,
    held: bool = False,
    reference: str | None = None,
) -> TipReceipt:
    """Store a tip once. Sending the same form again (same nonce) returns the first tip's receipt
    (`duplicate`); the same tip sent again from a fresh form within 30 days is not stored twice: its
    form is linked to the first tip and the receipt says so (`repeated`).

    `held`: store it *held for review* (suspected flood; out of the analysts' main list).
    `reference`: the reference the reporter was already given (a tip stored from the spool)."""
    created_at = (now or datetime.now(UTC)).replace(second=0, microsecond=0)  # minutes are enough
    last_error: Exception | None = None
    for attempt in range(5):
        try:
            with store.begin() as conn:
                if form.form_nonce:
                    earlier = _existing_receipt(conn, form.form_nonce)
                    if earlier is not None:
                        return earlier
                repeat = _repeat_of(conn, form, created_at)
                if repeat is not None:
                    if form.form_nonce:  # this form now points at the first tip too
                        conn.execute(
                            tip_form_tokens.insert().values(
                                nonce=form.form_nonce, tip_id=repeat.tip_id, used_at=format_time(created_at)
                            )
                        )
                    return repeat
                return _insert(conn, form, created_at, held=held, reference=reference)
        except (IntegrityError, OperationalError) as exc:
            # A concurrent submit of the same form won the race (or held the write lock): look again.
            last_error = exc
            time.sleep(0.05 * (attempt + 1))
    assert last_error is not None
    raise last_error


def _row_to_tip(row: Row, identifiers: dict[str, list[str]]) -> Tip:
    r = row._mapping
    return Tip(
        id=r["tip_id"],
        reference=r["reference"],
        created_at=parse_time(r["created_at"]),
        variant=r["variant"],
        role=r["role"],
        what_seen=r["what_seen"],
        where=TipPlace(city=r["city"], state=r["state"], place=r["place"]),
        when=r["seen_on"],
        when_time=r["seen_time"],
        signs=tuple(r["signs"] or ()),
        apparent_age=r["apparent_age"],
        phones=tuple(identifiers.get("phone", ())),
        emails=tuple(identifiers.get("email", ())),
        handles=tuple(identifiers.get("handle", ())),
        online=r["online"],
        room=r["room"],
        vehicle=r["vehicle"],
        contact=open_contact(r["contact"]),
        status=r.get("status") or "new",
        status_by=r.get("status_by"),
        status_at=r.get("status_at"),
    )


def _with_matches(conn: Connection, tip: Tip) -> Tip:
    query = MatchQuery(tip.phones, tip.emails, tip.handles, tip.where.city, tip.where.state, tip.when)
    tip.matches.extend(match_tip(conn, query))
    return tip


def _identifiers(conn: Connection, tip_ids: list[int]) -> dict[int, dict[str, list[str]]]:
    found: dict[int, dict[str, list[str]]] = {}
    if not tip_ids:
        return found
    rows = conn.execute(
        select(tip_identifiers).where(tip_identifiers.c.tip_id.in_(tip_ids)).order_by(tip_identifiers.c.value)
    )
    for tip_id, kind, value in rows:
        found.setdefault(tip_id, {}).setdefault(kind, []).append(value)
    return found


def get_tip(conn: Connection, tip_id: int, *, with_matches: bool = True) -> Tip | None:
    """One tip with its current matches, or None. The caller audits the read."""
    row = conn.execute(select(tips).where(tips.c.tip_id == tip_id)).first()
    if row is None:
        return None
    tip = _row_to_tip(row, _identifiers(conn, [tip_id]).get(tip_id, {}))
    return _with_matches(conn, tip) if with_matches else tip


def list_tips(
    conn: Connection, *, limit: int = 50, offset: int = 0, with_matches: bool = True, held: bool = False
) -> list[Tip]:
    """Tips, newest first, each with its current matches; `held`: only the tips held for review,
    else every other one. The caller audits the read."""
    which = tips.c.status == HELD if held else tips.c.status != HELD
    rows = conn.execute(
        select(tips)
        .where(which)
        .order_by(tips.c.created_at.desc(), tips.c.tip_id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    identifiers = _identifiers(conn, [r.tip_id for r in rows])
    out = [_row_to_tip(r, identifiers.get(r.tip_id, {})) for r in rows]
    return [_with_matches(conn, t) for t in out] if with_matches else out


def count_tips(conn: Connection, *, held: bool | None = None) -> int:
    """How many tips (`held`: only those held for review; False: all but those; None: all)."""
    query = select(func.count()).select_from(tips)
    if held is not None:
        query = query.where(tips.c.status == HELD if held else tips.c.status != HELD)
    return int(conn.execute(query).scalar_one())


def tips_mentioning(
    conn: Connection, *, phones: Iterable[str] = (), emails: Iterable[str] = (), handles: Iterable[str] = ()
) -> list[int]:
    """Ids of tips that mention any of these identifiers (for an ad or network page), newest first."""
    wanted = [("phone", p) for p in phones] + [("email", e.lower()) for e in emails]
    wanted += [("handle", h.lower()) for h in handles]
    ids: set[int] = set()
    for kind in ("phone", "email", "handle"):
        values = [v for k, v in wanted if k == kind]
        if values:
            ids.update(
                conn.execute(
                    select(tip_identifiers.c.tip_id).where(
                        tip_identifiers.c.kind == kind, tip_identifiers.c.value.in_(values)
                    )
                ).scalars()
            )
    return sorted(ids, reverse=True)


# `held`: stored during a flood from a prefix over its limit (tips.ratelimit); an analyst releases
# it to `new` or closes it. It is never set by hand, only left.
STATUSES = ("new", "triaged", "in_case", "closed")


class TipStatusError(ValueError):
    pass


def set_tip_status(conn: Connection, tip_id: int, *, status: str, user: str, note: str | None = None) -> str:
    """Move a tip to `status` (who and when are kept, with its history); returns the previous status.

    The caller writes the audit row (the workspace does, for every change)."""
    if status not in STATUSES:
        raise TipStatusError(f"a tip's status is one of {', '.join(STATUSES)}")
    previous = conn.execute(select(tips.c.status).where(tips.c.tip_id == tip_id)).scalar()
    if previous is None:
        raise TipStatusError(f"no tip {tip_id}")
    at = format_time(datetime.now(UTC))
    conn.execute(
        tips.update().where(tips.c.tip_id == tip_id).values(status=status, status_by=user, status_at=at)
    )
    conn.execute(
        tip_history.insert().values(
            tip_id=tip_id,
            at=at,
            user=user,
            status=status,
            previous=previous,
            note=(note or "").strip()[:500] or None,
        )
    )
    return str(previous)


def tip_status_history(conn: Connection, tip_id: int) -> list[dict[str, object]]:
    rows = conn.execute(
        select(tip_history).where(tip_history.c.tip_id == tip_id).order_by(tip_history.c.history_id)
    )
    return [dict(r._mapping) for r in rows]


def check_sealed_contacts(conn: Connection, box: SecretBox | None = None) -> int:
    """Raise DataKeyError unless every sealed contact opens with the configured key; returns how many
    contacts are still stored unsealed."""
    box = box or SecretBox.from_settings()
    plain = 0
    for stored in conn.execute(select(tips.c.contact).where(tips.c.contact.is_not(None))).scalars():
        if is_sealed(stored):
            box.open(stored)
        else:
            plain += 1
    return plain


def seal_plain_contacts(conn: Connection, box: SecretBox) -> int:
    """Seal every contact still stored in the clear (tips sent before a data key was configured)."""
    if not box.sealing:
        raise DataKeyError("no data key is configured: set SAFEHARBOR_DATA_KEY or SAFEHARBOR_DATA_KEY_FILE")
    rows = conn.execute(select(tips.c.tip_id, tips.c.contact).where(tips.c.contact.is_not(None))).all()
    sealed = 0
    for tip_id, stored in rows:
        if not is_sealed(stored):
            conn.execute(tips.update().where(tips.c.tip_id == tip_id).values(contact=box.seal(stored)))
            sealed += 1
    return sealed
