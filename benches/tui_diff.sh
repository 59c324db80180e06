#!/usr/bin/env bash
# The TUI's mark/cursor diff (`v` … `d`) at 1M, timed by its debug log
# ("diff computed": the diff thread; "diff end sought": the other end's world
# on the UI's thread). Opens the TUI on a copy of DB, waits until every
# keyframe is built (resident memory still for 3 s), then for each pair
# (A, B): `g A`, `v`, `g B`, `d`, waits for the overlay, Esc.
#
# Usage: benches/tui_diff.sh BIN DB   (DB: a 1,000,000-event demo store, e.g.
#        $CARGO_TARGET_DIR/bench-stores/demo-1000000-f3-schema2.db)
set -euo pipefail
BIN=$1; SRC=$2
W=$(mktemp -d "${TMPDIR:-/tmp}/chronicle-tuidiff-XXXX"); DB=$W/demo.db; cp "$SRC" "$DB"
S=chronicle-diff-$$
tmux -L $S new-session -d -x 160 -y 48 -c "$W" "env CHRONICLE_LOG=chronicle=debug CHRONICLE_LOG_DIR=$W/log NO_COLOR=1 '$BIN' --db '$DB'; sleep 30"
wait_for() { for i in $(seq 1 1200); do tmux -L $S capture-pane -p | grep -qF -- "$1" && return 0; sleep 0.1; done; echo "timeout: $1"; tmux -L $S capture-pane -p; tmux -L $S kill-server; exit 1; }
wait_for "1000000/1000000"
pid=$(tmux -L $S display -p '#{pane_pid}'); pid=$(pgrep -P "$pid" -f chronicle | head -1 || echo "$pid")
rss=0; still=0
for _ in $(seq 120); do sleep 1; now=$(awk '/VmRSS/ {print $2}' /proc/$pid/status); if ((now == rss)); then still=$((still+1)); else still=0; fi; rss=$now; ((still >= 3)) && break; done
echo "keyframes built; RSS $rss kB"
go() { tmux -L $S send-keys g; wait_for "go to"; tmux -L $S send-keys -l "$1"; tmux -L $S send-keys Enter; wait_for " $1/1000000"; }
for pair in "250123 750321" "100077 900451" "400210 450333" "600499 980001" "30017 530399"; do
  set -- $pair
  go "$1"; tmux -L $S send-keys v; wait_for "mark @$1"
  go "$2"; tmux -L $S send-keys d; wait_for "Esc closes"
  tmux -L $S send-keys Escape; sleep 0.3
  tmux -L $S send-keys v; sleep 0.2
done
tmux -L $S send-keys q; sleep 0.5; tmux -L $S kill-server 2>/dev/null || true
grep -hE "diff computed|diff end sought|op=Diff" $W/log/* | sed -E 's/^[^ ]+ +//' | cut -c1-200
rm -rf "$W"
