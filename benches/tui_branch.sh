#!/usr/bin/env bash
# The TUI's mark/diff and what-if branch operations, timed on the real binary
# under tmux: each operation's time comes from the debug log ("branch op",
# measured in the runtime around the store work, not the drawing). Forks at
# AT, skips the event before it and one three events earlier, runs two
# commands in the branch, diffs it against the log (D), diffs 1 → AT-4 (v, d),
# leaves exporting it (y); checks the store file is byte-identical.
#
# Usage: benches/tui_branch.sh BIN N AT
#   e.g. benches/tui_branch.sh target/release/chronicle 1000000 500000
# The demo store of N events is made once under $STORES (default
# ${TMPDIR:-/tmp}/chronicle-branch-bench) with `chronicle demo --no-tui`.
set -euo pipefail
BIN=$(realpath "$1"); N=$2; AT=$3
STORES=${STORES:-${TMPDIR:-/tmp}/chronicle-branch-bench}
mkdir -p "$STORES"
W=$STORES/w$N; rm -rf "$W"; mkdir -p "$W"
DB=$W/demo.db
if [ ! -f "$STORES/demo$N.db" ]; then "$BIN" --db "$STORES/demo$N.db" demo --no-tui --events "$N" >/dev/null; fi
cp "$STORES/demo$N.db" "$DB"
S=tb-bench-$$
tmux -L $S new-session -d -x 160 -y 48 -c "$W" "env CHRONICLE_LOG=chronicle=debug CHRONICLE_LOG_DIR=$W/log NO_COLOR=1 '$BIN' --db '$DB'; sleep 30"
wait_gone() { for i in $(seq 1 3000); do tmux -L $S capture-pane -p | grep -qF -- "$1" || return 0; sleep 0.1; done; echo "timeout: gone $1"; exit 1; }
wait_for() { for i in $(seq 1 3000); do tmux -L $S capture-pane -p | grep -qF -- "$1" && return 0; sleep 0.1; done; echo "timeout: $1"; tmux -L $S capture-pane -p; tmux -L $S kill-server; exit 1; }
wait_for "/$N"
tmux -L $S send-keys g; wait_for "go to"; tmux -L $S send-keys -l "$AT"; tmux -L $S send-keys Enter; wait_for " $AT/$N"
sleep 0.5; wait_gone "folding"
tmux -L $S send-keys b; wait_for "BRANCH @$AT:"
tmux -L $S send-keys Left; sleep 0.5
tmux -L $S send-keys x; wait_for "in the branch (x puts"
tmux -L $S send-keys Left Left Left; sleep 0.5
tmux -L $S send-keys x; wait_for "skipped $((AT-4)) in the branch"
tmux -L $S send-keys :; tmux -L $S send-keys -l "open acc-whatif-1 Ada Test"; tmux -L $S send-keys Enter; wait_for "accepted"
tmux -L $S send-keys -l "deposit acc-whatif-1 7"; tmux -L $S send-keys Enter; wait_for "accepted \`deposit acc-whatif-1 7"
tmux -L $S send-keys Escape; sleep 0.3
tmux -L $S send-keys D; wait_for "against the log at"
tmux -L $S send-keys Escape; sleep 0.3
tmux -L $S send-keys v; sleep 0.3; tmux -L $S send-keys Home; sleep 1; tmux -L $S send-keys d; wait_for "· Esc closes"
tmux -L $S send-keys Escape; sleep 0.3
tmux -L $S send-keys b; wait_for "(y/n"; tmux -L $S send-keys y; wait_for "exported to"
tmux -L $S send-keys q; sleep 1
tmux -L $S kill-server || true
cmp "$DB" "$STORES/demo$N.db" && echo "store byte-identical"
grep "branch op" "$W/log/chronicle.log" | sed -E 's/^.*branch op ms=([0-9.]+) op=(.*)$/\1 ms  \2/'
