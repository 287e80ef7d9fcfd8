#!/usr/bin/env bash
# verity against the raw HTTP limit of this machine, and its time and memory
# as the work grows: installs the load generator (wrk) when it is missing,
# then runs `cargo bench --bench limits`, which prints the table.
#
#   scripts/bench.sh              # the whole benchmark (several minutes)
#   scripts/bench.sh --quick      # without the 100× rows
#   scripts/bench.sh --runs 5 --concurrency 16 --seconds 10
set -euo pipefail
cd "$(dirname "$0")/.."

install_wrk() {
    if ! command -v apt-get >/dev/null; then
        return 1
    fi
    local sudo=()
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || return 1
        sudo=(sudo -n)
    fi
    echo "bench: installing wrk (apt-get install wrk)" >&2
    "${sudo[@]}" apt-get install -y -q wrk >&2 \
        || { "${sudo[@]}" apt-get update -q >&2 && "${sudo[@]}" apt-get install -y -q wrk >&2; }
}

if ! command -v wrk >/dev/null; then
    if ! install_wrk || ! command -v wrk >/dev/null; then
        echo "bench: wrk is not installed and could not be installed here." >&2
        echo "bench: install it (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk)" >&2
        echo "bench: and run this again; measuring everything else, without the raw limit." >&2
    fi
fi

exec cargo bench --locked --bench limits -- "$@"
