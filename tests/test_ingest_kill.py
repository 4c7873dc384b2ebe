"""Killing an ingest mid-way (SIGKILL, a real subprocess) and running it again loses and doubles nothing."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.ingest_support import ad, write_jsonl

N = 30_000


def _count(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=30) as conn:
            return conn.execute("SELECT count(*) FROM ads").fetchone()[0]
    except sqlite3.OperationalError:
        return 0  # not created yet


@pytest.mark.slow
def test_sigkill_mid_ingest_then_rerun(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "ads.jsonl", [ad(i) for i in range(N)])
    db = tmp_path / "kill.db"
    cmd = [sys.executable, "-m", "safeharbor.cli", "ingest", str(path), "--db", str(db), "--workers", "0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while _count(db) == 0 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    landed = _count(db)
    assert 0 < landed < N, "the kill should land mid-way (some chunks committed, not all)"

    done = subprocess.run(cmd, capture_output=True, text=True, env=os.environ | {"COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(db) as conn:
        total, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT source || '/' || ad_id) FROM ads"
        ).fetchone()
        versions = conn.execute("SELECT max(version) FROM ads").fetchone()[0]
    assert total == distinct == N
    assert versions == 1
    assert f"{landed:,} already stored" in done.stdout.replace("\n", " ")
