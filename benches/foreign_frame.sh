#!/usr/bin/env bash
# Issue 12, scale: the TUI on a foreign log (a Node-style table made by SQL,
# benches/foreign_fixture.sql), measured on the real release binary under
# tmux, from the shell's timestamp just before `exec chronicle`:
#   * cold (--cache on a fresh file, nothing cached): the first frame
#     showing N/N (timeline, audit log and event detail, from range reads),
#     and the moment keyframes are built (no "building keyframes" nor
#     "folding" left on screen: states and read models filled, cache written);
#   * warm (the cache that cold run wrote): the first full frame (N/N, no
#     "folding": the world at the head, with states, from the cached head
#     world), and the moment every keyframe is restored (no "building").
#
# Usage: CHRONICLE_BENCH_SIZES=1000000 benches/foreign_frame.sh   (default 100000)
#        RUNS=3 (repetitions; medians reported)
set -euo pipefail

cd "$(dirname "$0")/.."
TARGET_DIR=${CARGO_TARGET_DIR:-$(pwd)/target}
BIN=$TARGET_DIR/release/chronicle
STORES=$TARGET_DIR/bench-stores
SIZES=${CHRONICLE_BENCH_SIZES:-100000}
RUNS=${RUNS:-3}

command -v tmux >/dev/null || { echo "tmux is required" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "sqlite3 is required (to make the fixture)" >&2; exit 2; }
cargo build --release --quiet
mkdir -p "$STORES"
WORK=$(mktemp -d "$STORES/foreign-XXXXXX")
SOCKET=chronicle-foreign-$$
cleanup() { tmux -L "$SOCKET" kill-server 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

now_ns() { date +%s%N; }
screen() { tmux -L "$SOCKET" capture-pane -p 2>/dev/null || true; }

# wait_for NEEDLE TIMEOUT_S [built|full]: polls the pane; prints the time
# (ns) the needle was seen (with `built`: while no "building"/"folding"
# shows; with `full`: while no "folding" shows).
wait_for() {
    local needle=$1 deadline=$(($(now_ns) + $2 * 1000000000)) mode=${3:-} s
    local busy="building|folding"
    [[ $mode == full ]] && busy="folding"
    while true; do
        s=$(screen)
        if grep -qF -- "$needle" <<<"$s" && { [[ -z $mode ]] || ! grep -qE "$busy" <<<"$s"; }; then
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

# open DB CACHE: starts the TUI; echoes "first full built" times (µs since exec).
open_tui() {
    tmux -L "$SOCKET" kill-server 2>/dev/null || true
    tmux -L "$SOCKET" new-session -d -x 160 -y 48 \
        "date +%s%N > '$WORK/start'; exec '$BIN' --db '$1' --cache '$2'"
    local seen full built start
    seen=$(wait_for "$HEAD/$HEAD" 300)
    [[ -n ${SHOW_FRAME:-} ]] && screen >&2
    full=$(wait_for "$HEAD/$HEAD" 600 full)
    built=$(wait_for "$HEAD/$HEAD" 600 built)
    start=$(cat "$WORK/start")
    tmux -L "$SOCKET" send-keys q
    sleep 0.3
    echo "$(((seen - start) / 1000)) $(((full - start) / 1000)) $(((built - start) / 1000))"
}

printf '| foreign log (node, SQLite) | cold: first frame N/N | cold: keyframes built + cached | warm (cache): first full frame | warm: every keyframe restored | cache file | load average | target |\n'
printf '|---|---|---|---|---|---|---|---|\n'
for N in ${SIZES//,/ }; do
    FIXTURE=$STORES/foreign-node-$N.db
    if [[ ! -f $FIXTURE ]]; then
        rm -f "$FIXTURE.tmp"
        t0=$(now_ns)
        sqlite3 "$FIXTURE.tmp" ".parameter set :n $N" ".read benches/foreign_fixture.sql"
        t1=$(now_ns)
        mv "$FIXTURE.tmp" "$FIXTURE"
        echo "fixture: $N node-style rows by SQL in $(((t1 - t0) / 1000000)) ms" >&2
    fi
    HEAD=$N
    colds=() builts=() warms=() readys=()
    for run in $(seq "$RUNS"); do
        CACHE=$WORK/cache-$run.cache
        rm -f "$CACHE"
        read -r first _ built < <(open_tui "$FIXTURE" "$CACHE")
        colds+=("$first") builts+=("$built")
        read -r _ warm ready < <(open_tui "$FIXTURE" "$CACHE")
        warms+=("$warm") readys+=("$ready")
    done
    echo "cold first frames (µs): ${colds[*]}; built: ${builts[*]}; warm: ${warms[*]}; ready: ${readys[*]}" >&2
    size=$(du -k "$CACHE" | cut -f1)
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    c=$(printf '%s\n' "${colds[@]}" | median)
    b=$(printf '%s\n' "${builts[@]}" | median)
    w=$(printf '%s\n' "${warms[@]}" | median)
    r=$(printf '%s\n' "${readys[@]}" | median)
    awk -v n="$N" -v c="$c" -v b="$b" -v w="$w" -v r="$r" -v size="$size" -v la="$load" 'BEGIN {
        printf "| %s events | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.1f MiB | %s | first frame ≤ 1 s |\n",
            n, c / 1000, b / 1000, w / 1000, r / 1000, size / 1024, la }'
done
