"""Cases: open from a lead, attach ads/networks/tips, assign, note, set status and outcome; full history.

An outcome that confirms or rules out a minor is written to `case_outcomes` for every ad the case
holds (directly or through an attached network), which the risk stage's `train` re-fits from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from safeharbor.link.queries import network_record
from safeharbor.storage.engine import insert_ignoring_duplicates
from safeharbor.storage.times import now_iso
from safeharbor.tips.store import get_tip, set_tip_status
from safeharbor.workspace.attachments import AttachError, labels_for, resolve
from safeharbor.workspace.tables import case_history, case_items, case_notes, case_outcomes, cases, users

STATUSES = ("open", "active", "referred", "closed")
# Outcome -> what it says about the ads (None: nothing for the model to learn from).
OUTCOMES: dict[str, bool | None] = {
    "minor_confirmed": True,  # a child victim was identified
    "adult_only": False,  # only adults were involved
    "no_finding": None,
    "referred_elsewhere": None,
}
ITEM_TYPES = ("ad", "network", "tip")


class CaseError(ValueError):
    pass


@dataclass(slots=True)
class CaseSummary:
    case_id: int
    title: str
    status: str
    outcome: str | None
    assignee: str | None
    created_by: str
    created_at: str
    updated_at: str
    n_items: int = 0


@dataclass(slots=True)
class CaseDetail:
    case: CaseSummary
    items: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)

    def ad_keys(self) -> list[int]:
        return [int(i["item_ref"]) for i in self.items if i["item_type"] == "ad"]

    def network_ids(self) -> list[str]:
        return [i["item_ref"] for i in self.items if i["item_type"] == "network"]

    def tip_ids(self) -> list[int]:
        return [int(i["item_ref"]) for i in self.items if i["item_type"] == "tip" and i["item_ref"].isdigit()]


def _log(conn: Connection, case_id: int, user: str, action: str, detail: str | None = None) -> None:
    at = now_iso()
    conn.execute(
        case_history.insert().values(case_id=case_id, at=at, user=user, action=action, detail=detail)
    )
    conn.execute(update(cases).where(cases.c.case_id == case_id).values(updated_at=at))


log_event = _log  # for the modules that add to a case's history (referrals)


def open_case(conn: Connection, *, title: str, user: str, items: list[tuple[str, str]] | None = None) -> int:
    """A new open case (optionally with its first ads/networks/tips); returns its id."""
    title = title.strip()[:300]
    if not title:
        raise CaseError("a case needs a title")
    at = now_iso()
    case_id = int(
        conn.execute(
            cases.insert().values(
                title=title,
                status="open",
                outcome=None,
                assignee=user,
                created_by=user,
                created_at=at,
                updated_at=at,
            )
        ).inserted_primary_key[0]  # type: ignore[index]
    )
    _log(conn, case_id, user, "opened", title)
    for item_type, ref in items or []:
        attach(conn, case_id, item_type=item_type, ref=ref, user=user)
    return case_id


def _require(conn: Connection, case_id: int) -> None:
    if conn.execute(select(cases.c.case_id).where(cases.c.case_id == case_id)).first() is None:
        raise CaseError(f"no case {case_id}")


def attach(conn: Connection, case_id: int, *, item_type: str, ref: str, user: str) -> bool:
    """Attach an ad, network or tip by what a person sees (see `attachments`); returns True.

    Refused (CaseError, with a message a person can act on) when it names nothing, or when the case
    already holds it, by whatever name it was attached before (a tip by reference and by id is one tip).
    """
    _require(conn, case_id)
    if item_type not in ITEM_TYPES:
        raise CaseError(f"what to attach must be one of {', '.join(ITEM_TYPES)}")
    try:
        found = resolve(conn, item_type, str(ref))
    except AttachError as exc:
        raise CaseError(str(exc)) from exc
    added = insert_ignoring_duplicates(
        conn,
        case_items,
        [
            {
                "case_id": case_id,
                "item_type": found.item_type,
                "item_ref": found.ref,
                "added_by": user,
                "added_at": now_iso(),
            }
        ],
    )
    if not added:
        raise CaseError(f"{found.item_type} {found.label} is already attached to case {case_id}")
    _log(conn, case_id, user, "attached", f"{found.item_type} {found.label}")
    if found.item_type == "tip":
        tip = get_tip(conn, int(found.ref), with_matches=False)
        if tip is not None and tip.status in ("new", "triaged"):
            set_tip_status(
                conn, int(found.ref), status="in_case", user=user, note=f"attached to case {case_id}"
            )
    return True


def detach(conn: Connection, case_id: int, *, item_type: str, ref: str, user: str) -> None:
    _require(conn, case_id)
    conn.execute(
        delete(case_items).where(
            case_items.c.case_id == case_id, case_items.c.item_type == item_type, case_items.c.item_ref == ref
        )
    )
    _log(conn, case_id, user, "detached", f"{item_type} {ref}")


def assign(conn: Connection, case_id: int, *, assignee: str, user: str) -> None:
    _require(conn, case_id)
    if conn.execute(select(users.c.user_id).where(users.c.username == assignee)).first() is None:
        raise CaseError(f"no user {assignee!r}")
    conn.execute(update(cases).where(cases.c.case_id == case_id).values(assignee=assignee))
    _log(conn, case_id, user, "assigned", assignee)


def add_note(conn: Connection, case_id: int, *, body: str, user: str) -> None:
    _require(conn, case_id)
    body = body.strip()
    if not body:
        raise CaseError("a note cannot be empty")
    conn.execute(case_notes.insert().values(case_id=case_id, author=user, at=now_iso(), body=body[:20000]))
    _log(conn, case_id, user, "note", body[:80])


def case_ad_keys(conn: Connection, case_id: int) -> set[int]:
    """Every ad a case holds: attached directly, or through an attached network."""
    keys: set[int] = set()
    for item_type, ref in conn.execute(
        select(case_items.c.item_type, case_items.c.item_ref).where(case_items.c.case_id == case_id)
    ):
        if item_type == "ad":
            keys.add(int(ref))
        elif item_type == "network":
            record = network_record(conn, ref)
            keys.update(record.ad_keys if record is not None else ())
    return keys


def set_status(conn: Connection, case_id: int, *, status: str, user: str, outcome: str | None = None) -> None:
    """Move a case along; an outcome (usually on closing) feeds case_outcomes for its ads."""
    _require(conn, case_id)
    if status not in STATUSES:
        raise CaseError(f"status must be one of {', '.join(STATUSES)}")
    if outcome is not None and outcome not in OUTCOMES:
        raise CaseError(f"outcome must be one of {', '.join(OUTCOMES)}")
    conn.execute(update(cases).where(cases.c.case_id == case_id).values(status=status, outcome=outcome))
    _log(conn, case_id, user, "status", status + (f" ({outcome})" if outcome else ""))
    verdict = OUTCOMES.get(outcome) if outcome else None
    if verdict is None:
        return
    at = now_iso()
    for key in sorted(case_ad_keys(conn, case_id)):
        conn.execute(delete(case_outcomes).where(case_outcomes.c.ad_key == key))
        conn.execute(
            case_outcomes.insert().values(ad_key=key, minor_confirmed=verdict, decided_at=at, case_id=case_id)
        )


def _summary(row: Any, n_items: int = 0) -> CaseSummary:
    r = row._mapping
    return CaseSummary(
        case_id=r["case_id"],
        title=r["title"],
        status=r["status"],
        outcome=r["outcome"],
        assignee=r["assignee"],
        created_by=r["created_by"],
        created_at=r["created_at"],
        updated_at=r["updated_at"],
        n_items=n_items,
    )


def list_cases(
    conn: Connection,
    *,
    status: str | None = None,
    assignee: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[CaseSummary]:
    counts = select(case_items.c.case_id, func.count().label("n")).group_by(case_items.c.case_id).subquery()
    query = select(cases, func.coalesce(counts.c.n, 0).label("n_items")).select_from(
        cases.outerjoin(counts, counts.c.case_id == cases.c.case_id)
    )
    if status:
        query = query.where(cases.c.status == status)
    if assignee:
        query = query.where(cases.c.assignee == assignee)
    rows = conn.execute(
        query.order_by(cases.c.updated_at.desc(), cases.c.case_id.desc()).limit(limit).offset(offset)
    )
    return [_summary(r, r.n_items) for r in rows]


def get_case(conn: Connection, case_id: int) -> CaseDetail | None:
    row = conn.execute(select(cases).where(cases.c.case_id == case_id)).first()
    if row is None:
        return None
    items = [
        dict(r._mapping)
        for r in conn.execute(
            select(case_items)
            .where(case_items.c.case_id == case_id)
            .order_by(case_items.c.added_at, case_items.c.item_type, case_items.c.item_ref)
        )
    ]
    labels = labels_for(conn, [(i["item_type"], i["item_ref"]) for i in items])
    for item in items:
        item["label"] = labels[(item["item_type"], item["item_ref"])]
    notes = [
        dict(r._mapping)
        for r in conn.execute(
            select(case_notes).where(case_notes.c.case_id == case_id).order_by(case_notes.c.note_id)
        )
    ]
    history = [
        dict(r._mapping)
        for r in conn.execute(
            select(case_history).where(case_history.c.case_id == case_id).order_by(case_history.c.history_id)
        )
    ]
    return CaseDetail(case=_summary(row, len(items)), items=items, notes=notes, history=history)


def cases_for_item(conn: Connection, item_type: str, ref: str) -> list[int]:
    rows = conn.execute(
        select(case_items.c.case_id).where(case_items.c.item_type == item_type, case_items.c.item_ref == ref)
    )
    return sorted(rows.scalars())
