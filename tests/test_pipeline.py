"""The whole pipeline on each backend: demo corpus -> ingest -> analyze -> docs/formats.md exports."""

from __future__ import annotations

from pathlib import Path

from safeharbor.demo import generate
from safeharbor.export.ads import ad_records
from safeharbor.export.networks import network_records
from safeharbor.ingest import ingest_file
from safeharbor.pipeline import analyze
from safeharbor.storage import Store

AD_FIELDS = {
    "id",
    "source",
    "phones",
    "emails",
    "handles",
    "ages",
    "names",
    "city",
    "state",
    "risk",
    "flags",
    "network",
}
NETWORK_FIELDS = {"network", "ads", "phones", "emails", "names", "cities", "risk", "first_seen", "last_seen"}


def test_pipeline_end_to_end_and_exports(any_store: Store, tmp_path: Path) -> None:
    demo = generate(tmp_path / "demo", 400, 5, images=True, bad_lines=3)
    ingested = ingest_file(any_store, demo.ads_path)
    assert ingested.counts.added == demo.ads and ingested.counts.rejected == 3
    summary = analyze(any_store)
    assert [name for name, _ in summary.stages][:1] == ["extract"]
    assert all(isinstance(line, str) for line in summary.lines())

    with any_store.connect() as conn:
        ads = list(ad_records(conn))
        networks = list(network_records(conn))
    assert len(ads) == demo.ads
    for record in ads:
        assert set(record) >= AD_FIELDS
        assert all(p.startswith("+1") for p in record["phones"])
        assert all(isinstance(a, int) for a in record["ages"])
        assert record["risk"] is None or 0.0 <= record["risk"] <= 1.0
        for flag in record["flags"]:
            assert set(flag) >= {"indicator", "evidence", "weight"}
    assert networks, "the demo corpus has networks"
    ids = {n["network"] for n in networks}
    assert {r["network"] for r in ads if r["network"]} <= ids
    for network in networks:
        assert set(network) >= NETWORK_FIELDS
        assert network["ads"] >= 2
        for visit in network["cities"]:
            assert set(visit) >= {"city", "state", "first_seen", "last_seen", "ads"}

    again = analyze(any_store)  # incremental: nothing new to do
    assert "nothing new" in " ".join(again.lines()).lower() or again.lines()
