"""The peer side of benches/peers: Python `eventsourcing` with its SQLite
persistence, on the workload of benches/peers/main.rs (see there).

Prints one JSON object per row: {"row","ops","seconds","p50_ms","p99_ms"}.
"""

import json
import os
import sqlite3
import sys
import tempfile
import time

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class Account(Aggregate):
    @event("Opened")
    def __init__(self, owner: str):
        self.owner = owner
        self.balance_cents = 0

    @event("Deposited")
    def deposit(self, cents: int):
        self.balance_cents += cents


class Bank(Application):
    name = "Bank"
    snapshotting_intervals = {Account: 50}  # as chronicle's default


class PlainBank(Application):
    """The same tables, read without snapshots."""

    name = "Bank"


def percentile(samples, q):
    s = sorted(samples)
    k = max(0, min(len(s) - 1, int(-(-q * len(s) // 1)) - 1))
    return s[k]


def emit(row, ops, seconds, samples=None):
    out = {"row": row, "ops": ops, "seconds": round(seconds, 6), "p50_ms": None, "p99_ms": None}
    if samples:
        out["p50_ms"] = round(percentile(samples, 0.50) * 1e3, 4)
        out["p99_ms"] = round(percentile(samples, 0.99) * 1e3, 4)
    print(json.dumps(out), flush=True)


def env(name, default):
    return int(os.environ.get(name, default))


def app_for(cls, path):
    return cls(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path})


def main():
    accounts = env("PEERS_ACCOUNTS", 200)
    deposits = env("PEERS_DEPOSITS", 1000)
    batch = env("PEERS_BATCH", 100)
    long = env("PEERS_LONG", 10000)
    tmp = tempfile.mkdtemp(prefix="peers-es-")
    app = app_for(Bank, os.path.join(tmp, "peers.db"))
    # eventsourcing sets WAL and leaves `synchronous` at the library default.
    sync = sqlite3.connect(os.path.join(tmp, "peers.db")).execute("PRAGMA synchronous").fetchone()[0]
    print(f"eventsourcing: PRAGMA synchronous = {sync} (2 = FULL, 1 = NORMAL)", file=sys.stderr)

    # Open: one command (load-free create + save) each.
    ids, samples = [], []
    start = time.perf_counter()
    for i in range(accounts):
        t = time.perf_counter()
        a = Account(owner=f"Owner {i}")
        app.save(a)
        samples.append(time.perf_counter() - t)
        ids.append(a.id)
    emit("open", accounts, time.perf_counter() - start, samples)

    def cents(i):
        return (1 + i % 9) * 100 + i % 100

    # Deposits one command at a time: load (snapshot + events), decide, save.
    samples = []
    start = time.perf_counter()
    for i in range(deposits):
        t = time.perf_counter()
        a = app.repository.get(ids[i % accounts])
        a.deposit(cents(i))
        app.save(a)
        samples.append(time.perf_counter() - t)
    emit("deposit_one", deposits, time.perf_counter() - start, samples)

    # Deposits in batches: each batch's aggregates loaded once, saved in one
    # transaction (Application.save(*aggregates)).
    start = time.perf_counter()
    for b in range(deposits, 2 * deposits, batch):
        touched = {}
        for i in range(b, min(b + batch, 2 * deposits)):
            aid = ids[i % accounts]
            if aid not in touched:
                touched[aid] = app.repository.get(aid)
            touched[aid].deposit(cents(i))
        app.save(*touched.values())
    emit("deposit_batch", deposits, time.perf_counter() - start)

    # Replay: every stored event read, deserialised and folded.
    start = time.perf_counter()
    states, n, nxt = {}, 0, 1
    while True:
        page = app.recorder.select_notifications(start=nxt, limit=1000)
        if not page:
            break
        for notification in page:
            e = app.mapper.to_domain_event(notification)
            states[e.originator_id] = e.mutate(states.get(e.originator_id))
            n += 1
        nxt = page[-1].id + 1
    assert len(states) == accounts, len(states)
    emit("replay", n, time.perf_counter() - start)

    # One long aggregate.
    long_path = os.path.join(tmp, "long.db")
    app = app_for(Bank, long_path)
    a = Account(owner="Ada Lovelace")
    app.save(a)
    for b in range(1, long, 1000):
        for i in range(b, min(b + 1000, long)):
            a.deposit(cents(i))
        app.save(a)
    for row, cls in (("load_snap", Bank), ("load_nosnap", PlainBank)):
        reader = app_for(cls, long_path)
        runs = 20 if row == "load_snap" else 5
        samples = []
        start = time.perf_counter()
        for _ in range(runs):
            t = time.perf_counter()
            got = reader.repository.get(a.id)
            samples.append(time.perf_counter() - t)
            assert got.version == long, (got.version, long)
        emit(row, runs, time.perf_counter() - start, samples)


if __name__ == "__main__":
    sys.exit(main())
