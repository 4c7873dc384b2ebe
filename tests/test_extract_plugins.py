"""Partners plug in extractors through the `safeharbor.extractors` entry-point group."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_an_installed_extractor_plugin_joins_the_built_in_ones(tmp_path: Path) -> None:
    # A distribution on sys.path whose metadata declares the entry point, as `pip install` would leave it.
    dist = tmp_path / "example_tg-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: example-tg\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[safeharbor.extractors]\ntelegram = tests.plugin_example.tg_handles\n"
    )
    script = textwrap.dedent(
        """
        from datetime import datetime, timezone
        from safeharbor.extract import extract_ad, extract_version, load_plugins
        from safeharbor.types import Ad
        now = datetime.now(timezone.utc)
        ad = Ad(ad_key=1, id="x", source="s", posted_at=now, body="Hi, tg: velvet_rose")
        assert not [e for e in extract_ad(ad) if e.extractor == "example-telegram"]  # not on import
        assert load_plugins() == ["telegram"]
        found = [e for e in extract_ad(ad) if e.extractor == "example-telegram"]
        assert [e.value for e in found] == ["@velvet_rose"], found
        assert ad.body[found[0].start:found[0].end] == found[0].raw
        print(extract_version())
        """
    )
    env_path = f"{tmp_path}:{ROOT}"
    with_plugin = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env={"PYTHONPATH": env_path}
    )
    assert with_plugin.returncode == 0, with_plugin.stderr
    from safeharbor.extract import extract_version

    assert with_plugin.stdout.strip() != extract_version()  # installing a plugin re-extracts stored ads
