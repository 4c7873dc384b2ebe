"""Item references typed or posted as text (lead refs, case attachments) are shape- and range-checked
(issue 16, L3/L12): a huge, negative or malformed id gets a readable refusal, changes nothing, and
never reaches the database as a number it cannot hold. SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from safeharbor.storage import Store
from safeharbor.types import MAX_ID
from safeharbor.web.workspace.guard import CSRF_FIELD
from safeharbor.workspace.cases import open_case
from safeharbor.workspace.leads import check_lead_ref
from safeharbor.workspace.tables import case_items, lead_reviews
from tests.test_workspace_support import client_as, csrf_of

HUGE = str(10**30)


@pytest.mark.parametrize(
    ("lead_type", "ref"),
    [
        ("ad", HUGE),
        ("ad", str(MAX_ID + 1)),
        ("ad", "-1"),
        ("tip", "1e9"),
        ("network", "N-" + HUGE),
        ("network", HUGE),
    ],
)
def test_a_review_of_an_impossible_lead_is_refused_readably(
    any_store: Store, lead_type: str, ref: str
) -> None:
    client = client_as(any_store, "analyst")
    data = {"lead_type": lead_type, "lead_ref": ref, "status": "reviewed", CSRF_FIELD: csrf_of(client)}
    answer = client.post("/leads/review", data=data, follow_redirects=False)
    assert answer.status_code == 422 and "Traceback" not in answer.text
    assert f"no {lead_type}" in answer.text
    bulk = {"lead": f"{lead_type}:{ref}", "status": "reviewed", CSRF_FIELD: csrf_of(client)}
    answer = client.post("/leads/review-bulk", data=bulk, follow_redirects=False)
    assert answer.status_code == 422 and "Nothing was changed" in answer.text
    with any_store.connect() as conn:
        assert conn.execute(select(func.count()).select_from(lead_reviews)).scalar_one() == 0


@pytest.mark.parametrize(("item_type", "ref"), [("tip", HUGE), ("tip", str(MAX_ID + 1)), ("ad", HUGE)])
def test_attaching_an_impossible_id_to_a_case_is_refused_readably(
    any_store: Store, item_type: str, ref: str
) -> None:
    client = client_as(any_store, "analyst")
    with any_store.begin() as conn:
        case_id = open_case(conn, title="A case", user="someone")
    data = {"item_type": item_type, "item_ref": ref, CSRF_FIELD: csrf_of(client)}
    answer = client.post(f"/cases/{case_id}/items", data=data, follow_redirects=False)
    assert answer.status_code == 422 and f"no {item_type}" in answer.text
    with any_store.connect() as conn:
        assert conn.execute(select(func.count()).select_from(case_items)).scalar_one() == 0


def test_lead_refs_that_can_name_a_lead_pass() -> None:
    for lead_type, ref in (("ad", "0"), ("ad", str(MAX_ID)), ("tip", "17"), ("network", "N-000026")):
        check_lead_ref(lead_type, ref)
    with pytest.raises(ValueError, match="ad, a network or a tip"):
        check_lead_ref("case", "1")
