"""Watched identifiers and alerts (issue 15 item 5): normalising what is watched, the pure match of
new ads × watches, and end to end on every backend: watch -> ingest a new matching ad -> analyze ->
alert (then the CLI and the workspace show it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from safeharbor.cli import app
from safeharbor.ingest import ingest_file
from safeharbor.pipeline import analyze
from safeharbor.storage import Store
from safeharbor.store import open_store
from safeharbor.workspace import accounts, alerts, watches
from tests.ingest_support import ad, write_jsonl
from tests.test_workspace_support import PASSWORD, client_as, csrf_of

runner = CliRunner()


@pytest.mark.parametrize(
    ("kind", "typed", "stored"),
    [
        ("phone", "(214) 555-0134", "+12145550134"),
        ("phone", "two one four 555 o1three4", "+12145550134"),
        ("email", "Mia@Example.com", "mia@example.com"),
        ("handle", "MiaStar_", "@miastar_"),
        ("handle", "@MiaStar_", "@miastar_"),
        ("image", "00FF00FF00FF00FF", "00ff00ff00ff00ff"),
        ("network", "n-26", "N-000026"),
    ],
)
def test_watched_values_are_stored_in_the_extractors_form(kind: str, typed: str, stored: str) -> None:
    assert watches.normalise_value(kind, typed) == stored


@pytest.mark.parametrize(
    ("kind", "typed"),
    [("phone", "call me"), ("email", "not-an-email"), ("image", "xyz"), ("network", "26x"), ("car", "x")],
)
def test_bad_watch_values_are_refused_with_a_reason(kind: str, typed: str) -> None:
    with pytest.raises(watches.WatchError):
        watches.normalise_value(kind, typed)


def test_match_is_new_ads_times_watches() -> None:
    watch_list = [
        alerts.WatchKey(1, "ana", "phone", "+12145550134"),
        alerts.WatchKey(2, "bo", "phone", "+12145550134"),
        alerts.WatchKey(3, "ana", "network", "N-000002"),
    ]
    found = {
        10: {("phone", "+12145550134"), ("network", "N-000002")},
        11: {("email", "x@example.com")},
        12: {("network", "N-000002")},
    }
    matches = alerts.match_alerts(found, watch_list)
    assert [(m.watch_id, m.ad_key) for m in matches] == [(1, 10), (2, 10), (3, 10), (3, 12)]
    assert {m.owner for m in matches if m.watch_id == 2} == {"bo"}
    assert alerts.match_alerts(found, []) == []


def _load(store: Store, path: Path, lines: list[dict[str, object]]) -> None:
    ingest_file(store, write_jsonl(path, lines), workers=1)
    analyze(store)


def test_watch_then_new_ad_then_analyze_raises_one_alert(any_store: Store, tmp_path: Path) -> None:
    _load(any_store, tmp_path / "first.jsonl", [ad(i) for i in range(1, 6)])
    with any_store.begin() as conn:
        accounts.create_user(conn, "ana", PASSWORD, "analyst")
        accounts.create_user(conn, "bo", PASSWORD, "analyst")
        # Already in the store: watching it raises nothing until a new ad carries it.
        watches.add_watch(conn, "ana", "phone", "214-555-0103", note="seen in a tip")
        watches.add_watch(conn, "ana", "email", "Ruby@Example.org")
        watches.add_watch(conn, "bo", "phone", "(214) 555-0199")
        with pytest.raises(watches.WatchError, match="already watch"):
            watches.add_watch(conn, "ana", "phone", "+1 214 555 0103")
    with any_store.connect() as conn:
        assert alerts.unread_count(conn, "ana") == 0
    new = [
        ad(103, body="Back in town, call 214-555-0103 tonight."),
        ad(104, body="Write ruby@example.org for details."),
        ad(105, body="Nothing watched here, 214-555-0177."),
    ]
    summary = _load_summary(any_store, tmp_path / "second.jsonl", new)
    assert "Alerts: 2 new" in " ".join(summary)
    with any_store.connect() as conn:
        mine = alerts.list_alerts(conn, "ana")
        assert sorted((a.kind, a.value) for a in mine) == [
            ("email", "ruby@example.org"),
            ("phone", "+12145550103"),
        ]
        assert all(a.ad_label.startswith("New in town 10") for a in mine)
        assert alerts.unread_count(conn, "ana") == 2 and alerts.unread_count(conn, "bo") == 0
    # A second analyze with no new ads raises nothing again.
    assert "Alerts: 0 new" in " ".join(analyze(any_store).lines())
    with any_store.begin() as conn:
        assert alerts.mark_read(conn, "ana", [mine[0].alert_id]) == 1
        assert alerts.mark_read(conn, "bo") == 0  # not bo's alerts
        assert alerts.unread_count(conn, "ana") == 1


def _load_summary(store: Store, path: Path, lines: list[dict[str, object]]) -> list[str]:
    ingest_file(store, write_jsonl(path, lines), workers=1)
    return analyze(store).lines()


def test_watching_a_network_alerts_on_an_ad_that_joins_it(any_store: Store, tmp_path: Path) -> None:
    first = [ad(i, body=f"Ask for Lia 214-555-0150, photos @liastar. Ad {i}.") for i in range(1, 4)]
    _load(any_store, tmp_path / "a.jsonl", first)
    with any_store.begin() as conn:
        from safeharbor.link.queries import networks_for_ads

        nets = set(networks_for_ads(conn, [1, 2, 3]).values())
        assert len(nets) == 1
        network = nets.pop()
        accounts.create_user(conn, "ana", PASSWORD, "analyst")
        watches.add_watch(conn, "ana", "network", network.lower())
        with pytest.raises(watches.WatchError, match="no network"):
            watches.add_watch(conn, "ana", "network", "N-999999")
    _load(any_store, tmp_path / "b.jsonl", [ad(9, body="Lia again, text 214-555-0150, @liastar.")])
    with any_store.connect() as conn:
        got = alerts.list_alerts(conn, "ana")
    assert [(a.kind, a.value, a.network_id) for a in got] == [("network", network, network)]


def test_cli_watch_and_alerts(tmp_path: Path) -> None:
    db = str(tmp_path / "store.db")

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, [*args, "--db", db], env={"COLUMNS": "220"})
        assert result.exit_code == code, result.output
        return " ".join(result.output.split())

    store = open_store(db)
    _load(store, tmp_path / "a.jsonl", [ad(i) for i in range(1, 4)])
    with store.begin() as conn:
        accounts.create_user(conn, "ana", PASSWORD, "analyst")
    assert "ana now watches phone +12145550142" in run(
        "watch", "add", "phone", "214.555.0142", "--user", "ana"
    )
    assert "not a phone number" in run("watch", "add", "phone", "soon", "--user", "ana", code=1)
    assert "no workspace account" in run("watch", "add", "phone", "2145550142", "--user", "nobody", code=1)
    assert "+12145550142" in run("watch", "list")
    assert "No alerts" in run("alerts", "--user", "ana")
    _load(store, tmp_path / "b.jsonl", [ad(42, body="New number 214 555 0142.")])
    listed = run("alerts", "--user", "ana", "--unread", "--mark-read")
    assert "1 alert; marked read" in listed  # (rich narrows the table to the terminal: no cell text here)
    with store.connect() as conn:
        assert [(a.value, a.ad_label) for a in alerts.list_alerts(conn, "ana")] == [
            ("+12145550142", "New in town 42")
        ]
    assert "No unread alerts" in run("alerts", "--user", "ana", "--unread")
    assert "Removed watch 1" in run("watch", "remove", "1")
    assert "No watches" in run("watch", "list")
    store.dispose()


def test_workspace_badge_alerts_page_and_watch_buttons(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "store.db"))
    _load(store, tmp_path / "a.jsonl", [ad(i) for i in range(1, 4)])
    client = client_as(store, "analyst")
    token = csrf_of(client)
    page = client.get("/ads/1")
    assert page.status_code == 200 and 'data-value="+12145550101"' in page.text
    added = client.post(
        "/watches",
        data={"kind": "phone", "value": "+12145550101", "next": "/ads/1", "csrf_token": token},
        follow_redirects=False,
    )
    assert added.status_code == 303 and added.headers["location"] == "/ads/1"
    assert "watching" in client.get("/ads/1").text
    refused = client.post("/watches", data={"kind": "phone", "value": "soon", "csrf_token": token})
    assert (
        refused.status_code == 422 and "not a phone number" in refused.text and 'value="soon"' in refused.text
    )
    assert 'id="alerts-badge"' not in client.get("/leads").text
    _load(store, tmp_path / "b.jsonl", [ad(201, body="Call 214-555-0101 now.")])
    leads = client.get("/leads").text
    assert 'id="alerts-badge"' in leads and ">1</span>" in leads
    page = client.get("/alerts")
    assert "+12145550101" in page.text and "New in town 201" in page.text
    client.post("/alerts/read", data={"all": "1", "csrf_token": token})
    assert 'id="alerts-badge"' not in client.get("/leads").text
    store.dispose()
