"""Killing `ingest` leaves no worker process behind and no run marked "running" for ever (real processes)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from safeharbor.storage.workers import worker_pool
from safeharbor.store import open_store
from tests.ingest_support import ad, write_jsonl

N = 200_000  # about 45 MB: ingest uses its worker pool from 2 MiB; big enough that under load the signal
# always lands before the ingest could have finished (40k ads once finished first on a busy machine)


def _children(pid: int) -> set[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return set()
    return {int(p) for p in text.split()}


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")  # a zombie has exited; it only waits to be reaped


def _wait_for_workers(proc: subprocess.Popen[bytes]) -> set[int]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        found = _children(proc.pid)
        if len(found) >= 2:
            return found
        time.sleep(0.05)
    pytest.fail("the ingest never started its worker processes")


def _statuses(db: Path) -> list[str]:
    with sqlite3.connect(db, timeout=30) as conn:
        return [r[0] for r in conn.execute("SELECT status FROM ingest_runs ORDER BY run_id")]


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("workers")
    return write_jsonl(folder / "ads.jsonl", [ad(i, body=f"Ad {i}. " + "text " * 30) for i in range(N)])


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_workers_die_with_a_killed_ingest_and_the_run_is_not_left_running(
    big_file: Path, tmp_path: Path, sig: signal.Signals
) -> None:
    db = tmp_path / "kill.db"
    open_store(str(db)).dispose()  # the store exists, so the kill lands in the ingest, not in set-up
    cmd = [sys.executable, "-m", "safeharbor.cli", "ingest", str(big_file), "--db", str(db), "--workers", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    workers = _wait_for_workers(proc)
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=60)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_running(p) for p in workers):
        time.sleep(0.1)
    assert not any(_running(p) for p in workers), "worker processes outlived their killed parent"
    if sig == signal.SIGTERM:  # an orderly stop marks its own run
        assert proc.returncode != 0
        assert _statuses(db) == ["interrupted"], stderr.decode()
    else:  # SIGKILL leaves "running"; the next command that looks finds the process gone
        assert _statuses(db) == ["running"]
        done = subprocess.run(
            [sys.executable, "-m", "safeharbor.cli", "stats", "--db", str(db)],
            capture_output=True,
            text=True,
            env=os.environ | {"COLUMNS": "200"},
        )
        assert done.returncode == 0, done.stderr
        assert _statuses(db) == ["interrupted"]
        assert "interrupted" in done.stdout


def _sleep_then_report(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def test_pool_workers_exit_when_their_parent_disappears(tmp_path: Path) -> None:
    # A middle process starts a pool and is SIGKILLed: the pool's workers must go too.
    script = tmp_path / "middle.py"
    script.write_text(
        "import sys, time\n"
        "from safeharbor.storage.workers import worker_pool\n"
        "from tests.test_ingest_workers import _sleep_then_report\n"
        "with worker_pool(2) as pool:\n"
        "    futures = [pool.submit(_sleep_then_report, 60) for _ in range(2)]\n"
        "    print('started', flush=True)\n"
        "    time.sleep(120)\n"
    )
    root = Path(__file__).resolve().parents[1]
    env = os.environ | {"PYTHONPATH": str(root)}
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, env=env, cwd=root)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == b"started"
    workers = _wait_for_workers(proc)  # type: ignore[arg-type]
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_running(p) for p in workers):
        time.sleep(0.1)
    assert not any(_running(p) for p in workers)


def test_worker_pool_runs_work() -> None:
    with worker_pool(2) as pool:
        assert pool.submit(_sleep_then_report, 0).result() != os.getpid()
