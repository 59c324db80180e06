#!/usr/bin/env bash
# TUI rows of issue 4, measured on the real release binary under tmux:
#   * process start to first full frame: from the shell's timestamp just
#     before `exec chronicle` until `capture-pane` shows the status `N/N`
#     (cursor at the head); polled every ~5 ms, so the figure carries a few
#     milliseconds of polling (tmux round trips) on top.
#   * resident memory after scrubbing end to end: VmRSS (and the peak VmHWM)
#     from /proc after pressing Home, then End, waiting for each frame, and
#     then until VmRSS holds still for 3 s (every keyframe built).
#
# Usage: benches/tui_frame.sh            (sizes from CHRONICLE_BENCH_SIZES,
#        CHRONICLE_BENCH_SIZES=1000000 benches/tui_frame.sh   default 10000,100000)
#        RUNS=5 (first-frame repetitions; the median is reported)
#
# Fixture stores are made once with `chronicle demo --no-tui --events N` and
# cached under target/bench-stores/ (the generation time is printed: it is the
# CLI's bulk-append figure). Each run works on a fresh copy.
#
# PostgreSQL (issue 11): with CHRONICLE_BENCH_DB=postgres://user@/name?host=/var/run/postgresql
# the TUI opens a database `<name>_tui_<N>` created for the run and filled by
# `chronicle import` of the SQLite fixture's export (dropped at the end; the
# import time is printed); every run opens that same database.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
FIXTURE_VERSION=f3
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET_DIR/release/chronicle
STORES=$TARGET_DIR/bench-stores
SIZES=${CHRONICLE_BENCH_SIZES:-10000,100000}
RUNS=${RUNS:-5}
COLS=160
ROWS=48

command -v tmux >/dev/null || { echo "tmux is required" >&2; exit 2; }
cargo build --release --quiet
mkdir -p "$STORES"
WORK=$(mktemp -d "$STORES/tui-XXXXXX")
SOCKET=chronicle-bench-$$
PG_URL=""
PG_DBS=()
if [[ ${CHRONICLE_BENCH_DB:-} == postgres://* || ${CHRONICLE_BENCH_DB:-} == postgresql://* ]]; then
    PG_URL=$CHRONICLE_BENCH_DB
    command -v psql >/dev/null || { echo "psql is required for CHRONICLE_BENCH_DB" >&2; exit 2; }
fi
# pg_url NAME: CHRONICLE_BENCH_DB naming database NAME (host and query kept).
pg_url() {
    local base=${PG_URL%%\?*} query=""
    [[ $PG_URL == *\?* ]] && query="?${PG_URL#*\?}"
    echo "${base%/*}/$1$query"
}
pg_name() { local base=${PG_URL%%\?*}; local n=${base##*/}; echo "${n:-bench}"; }
cleanup() {
    tmux -L "$SOCKET" kill-server 2>/dev/null || true
    for db in "${PG_DBS[@]}"; do
        psql -q "$(pg_url postgres)" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

now_ns() { date +%s%N; }

screen() { tmux -L "$SOCKET" capture-pane -p 2>/dev/null || true; }

# wait_for NEEDLE TIMEOUT_S [full]: polls the pane; prints the time (ns) the
# needle was seen (with `full`: seen while no pane says "folding…", i.e. the
# background fold had finished and every pane showed that position).
wait_for() {
    local needle=$1 deadline=$(($(now_ns) + $2 * 1000000000)) full=${3:-} s
    while true; do
        s=$(screen)
        if grep -qF -- "$needle" <<<"$s" && { [[ -z $full ]] || ! grep -qF "folding" <<<"$s"; }; then
            now_ns
            return 0
        fi
        if (($(now_ns) > deadline)); then
            echo "timed out waiting for '$needle'; screen:" >&2
            screen >&2
            return 1
        fi
        sleep 0.005
    done
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

printf '| store | engine | first frame showing N/N | first full frame (no "folding…"), median of %s (min–max) | RSS after Home, End, keyframes built | peak RSS (VmHWM) | target |\n' "$RUNS"
printf '|---|---|---|---|---|---|---|\n'
for N in ${SIZES//,/ }; do
    FIXTURE=$STORES/cli-demo-$N-$FIXTURE_VERSION.db
    if [[ ! -f $FIXTURE ]]; then
        rm -f "$FIXTURE.tmp" "$FIXTURE.tmp-wal" "$FIXTURE.tmp-shm"
        t0=$(now_ns)
        "$BIN" --db "$FIXTURE.tmp" demo --no-tui --events "$N" >/dev/null 2>&1
        t1=$(now_ns)
        mv "$FIXTURE.tmp" "$FIXTURE"
        echo "fixture: chronicle demo --no-tui --events $N took $(((t1 - t0) / 1000000)) ms" \
            "($(awk -v n="$N" -v ns=$((t1 - t0)) 'BEGIN {printf "%.0f", n / (ns / 1e9)}') events/s)" >&2
    fi
    HEAD=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT max(position) FROM events').fetchone()[0])" "$FIXTURE")
    ENGINE="SQLite"
    if [[ -n $PG_URL ]]; then
        ENGINE="PostgreSQL"
        PGDB="$(pg_name)_tui_$N"
        PG_DBS+=("$PGDB")
        psql -q "$(pg_url postgres)" -c "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)" -c "CREATE DATABASE $PGDB" >/dev/null
        "$BIN" --db "$FIXTURE" export --out "$WORK/export-$N.jsonl"
        t0=$(now_ns)
        "$BIN" --db "$(pg_url "$PGDB")" import "$WORK/export-$N.jsonl" >/dev/null 2>&1
        t1=$(now_ns)
        rm -f "$WORK/export-$N.jsonl"
        echo "fixture: chronicle import of $N events into PostgreSQL took $(((t1 - t0) / 1000000)) ms" >&2
        PG_HEAD=$(psql -tA "$(pg_url "$PGDB")" -c "SELECT max(position) FROM chronicle.events")
        [[ $PG_HEAD == "$HEAD" ]] || { echo "PostgreSQL head $PG_HEAD, SQLite's $HEAD" >&2; exit 1; }
    fi
    frames=() firsts=()
    rss="" hwm=""
    for run in $(seq "$RUNS"); do
        if [[ -n $PG_URL ]]; then
            DB=$(pg_url "$PGDB")
        else
            DB=$WORK/tui-$N.db
            rm -f "$DB" "$DB-wal" "$DB-shm"
            cp "$FIXTURE" "$DB"
            sync
        fi
        tmux -L "$SOCKET" kill-server 2>/dev/null || true
        # The shell stamps the time and execs the binary: pane_pid is chronicle.
        tmux -L "$SOCKET" new-session -d -x $COLS -y $ROWS \
            "date +%s%N > '$WORK/start'; exec '$BIN' --db '$DB'"
        seen=$(wait_for "$HEAD/$HEAD" 120)
        [[ -n ${SHOW_FRAME:-} && $run == 1 ]] && screen >&2
        full=$(wait_for "$HEAD/$HEAD" 120 full)
        start=$(cat "$WORK/start")
        firsts+=($(((seen - start) / 1000)))
        frames+=($(((full - start) / 1000)))
        if ((run == RUNS)); then
            pid=$(tmux -L "$SOCKET" display -p '#{pane_pid}')
            tmux -L "$SOCKET" send-keys Home
            wait_for " 1/$HEAD" 120 full >/dev/null # Home: the first event
            tmux -L "$SOCKET" send-keys End
            wait_for " $HEAD/$HEAD" 120 full >/dev/null
            # The worker builds keyframes in the background after the first
            # frame: wait until resident memory has not changed for 3 s.
            rss=0 still=0
            for _ in $(seq 120); do
                sleep 1
                now=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
                if ((now == rss)); then still=$((still + 1)); else still=0; fi
                rss=$now
                ((still >= 3)) && break
            done
            hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
        fi
        tmux -L "$SOCKET" send-keys q
        sleep 0.1
    done
    first=$(printf '%s\n' "${firsts[@]}" | median)
    med=$(printf '%s\n' "${frames[@]}" | median)
    lo=$(printf '%s\n' "${frames[@]}" | sort -n | head -1)
    hi=$(printf '%s\n' "${frames[@]}" | sort -n | tail -1)
    target="≤ 150 ms; ≤ 100 MB"
    [[ -n $PG_URL ]] && target="≤ 300 ms (issue 11)"
    awk -v target="$target" -v engine="$ENGINE" -v head="$HEAD" -v first="$first" -v med="$med" -v lo="$lo" -v hi="$hi" -v rss="$rss" -v hwm="$hwm" 'BEGIN {
        printf "| %s events | %s | %.1f ms | %.1f ms (%.1f–%.1f) | %.1f MiB | %.1f MiB | %s |\n",
            head, engine, first / 1000, med / 1000, lo / 1000, hi / 1000, rss / 1024, hwm / 1024, target }'
done
