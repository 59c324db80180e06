#!/usr/bin/env bash
# chronicle vs Python `eventsourcing` (SQLite persistence) on one workload:
# open N accounts, M deposits one command at a time, M more in batches,
# replay everything, load one long aggregate with and without snapshots.
# Both sides run durable (SQLite WAL, synchronous FULL) on files in the same
# directory tree. Prints both figures and chronicle's advantage per row.
#
# Usage: benches/peers/run.sh
#   PEERS_ACCOUNTS=200 PEERS_DEPOSITS=1000 PEERS_BATCH=100 PEERS_LONG=10000
#   PEERS_VENV=dir (default: a fresh temporary virtualenv, removed at exit)
#   PYTHON=python3.11
set -euo pipefail
cd "$(dirname "$0")/../.."

export PEERS_ACCOUNTS=${PEERS_ACCOUNTS:-200}
export PEERS_DEPOSITS=${PEERS_DEPOSITS:-1000}
export PEERS_BATCH=${PEERS_BATCH:-100}
export PEERS_LONG=${PEERS_LONG:-10000}
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3

OUT=$(mktemp -d)
if [[ -z ${PEERS_VENV:-} ]]; then
    PEERS_VENV=$OUT/venv
fi
trap 'rm -rf "$OUT"' EXIT

if [[ ! -x $PEERS_VENV/bin/python ]]; then
    echo "creating a virtualenv in $PEERS_VENV and installing eventsourcing…" >&2
    "$PYTHON" -m venv "$PEERS_VENV"
    "$PEERS_VENV/bin/pip" install --quiet --disable-pip-version-check eventsourcing
fi
ES_VERSION=$("$PEERS_VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("eventsourcing"))')

echo "workload: $PEERS_ACCOUNTS accounts, $PEERS_DEPOSITS deposits one by one + $PEERS_DEPOSITS in batches of" \
    "$PEERS_BATCH, replay, one aggregate of $PEERS_LONG events" >&2
echo "running chronicle (cargo bench --bench peers)…" >&2
cargo bench --quiet --bench peers >"$OUT/chronicle.jsonl"
echo "running eventsourcing $ES_VERSION ($("$PEERS_VENV/bin/python" --version))…" >&2
"$PEERS_VENV/bin/python" benches/peers/peer_eventsourcing.py >"$OUT/peer.jsonl"

python3 - "$OUT/chronicle.jsonl" "$OUT/peer.jsonl" "$ES_VERSION" <<'EOF'
import json, sys

def rows(path):
    return {r["row"]: r for r in map(json.loads, filter(str.strip, open(path)))}

ours, peer, version = rows(sys.argv[1]), rows(sys.argv[2]), sys.argv[3]
labels = {
    "open": "open N accounts, 1 durable command each",
    "deposit_one": "M deposits, 1 durable command each",
    "deposit_batch": "M deposits, in batches (1 transaction each)",
    "replay": "replay: read + fold every event",
    "load_snap": "load 1 long aggregate, snapshots every 50",
    "load_nosnap": "load 1 long aggregate, no snapshots",
}
per_op = {"load_snap", "load_nosnap"}

def fmt(r, row):
    rate = r["ops"] / r["seconds"]
    if row in per_op:
        s = f"{r['p50_ms']:.3f} ms p50"
    else:
        s = f"{rate:,.0f} /s"
    if r.get("p50_ms") is not None and row not in per_op:
        s += f" (p50 {r['p50_ms']:.3f} ms, p99 {r['p99_ms']:.3f} ms)"
    return s

print(f"| row | chronicle | eventsourcing {version} | chronicle ÷ peer (≥ 10× wanted) |")
print("|---|---|---|---|")
for row, label in labels.items():
    a, b = ours.get(row), peer.get(row)
    if not a or not b:
        continue
    if row in per_op:
        ratio = b["p50_ms"] / a["p50_ms"]  # time: lower is better
    else:
        ratio = (a["ops"] / a["seconds"]) / (b["ops"] / b["seconds"])
    flag = "" if ratio >= 10 else " (MISS)"
    print(f"| {label} | {fmt(a, row)} | {fmt(b, row)} | {ratio:.1f}×{flag} |")
EOF
