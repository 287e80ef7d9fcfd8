#!/usr/bin/env bash
# The HTML report of the 10× case-files run of scripts/bench.sh: its size,
# and how fast headless Chromium paints and filters it.
#
#   scripts/html-report.sh           # 10 copies of each case file, as the bench makes them
#   scripts/html-report.sh 1         # the committed suites alone
#
# Needs Chromium (apt-get install -y chromium) and node.
set -euo pipefail
cd "$(dirname "$0")/.."
copies="${1:-10}"
browser="${VERITY_CHROMIUM:-/usr/bin/chromium}"
# The page does not depend on the build: VERITY_BIN=target/debug/verity
# saves a release build.
verity="${VERITY_BIN:-target/release/verity}"
if [ -z "${VERITY_BIN:-}" ]; then cargo build --release --locked -q; fi
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/cases" "$scratch/snapshots"
# As benches/limits.rs (copy_suites) makes them: each case file `copies`
# times in all, copy k renaming every case NAME-copy-k, with its snapshots.
for suite in onsi toluna; do
    cp -r "cases/$suite" "$scratch/cases/"
    cp -r "snapshots/$suite" "$scratch/snapshots/"
    for k in $(seq 2 "$copies"); do
        for file in "cases/$suite"/*.yaml; do
            case "$(basename "$file")" in suite.yaml|properties.yaml|statements.yaml) continue ;; esac
            stem="$(basename "$file" .yaml)"
            sed -E "s/^  - name: \"?([^\"]*)\"?\$/  - name: \1-copy-$k/" "$file" > "$scratch/cases/$suite/$stem-copy-$k.yaml"
            grep -E '^  - name: ' "$file" | sed -E 's/^  - name: "?([^"]*)"?$/\1/' | while read -r name; do
                for snap in "snapshots/$suite/$name@"*; do
                    [ -e "$snap" ] || continue
                    cp "$snap" "$scratch/snapshots/$suite/$name-copy-$k@${snap#snapshots/"$suite"/"$name"@}"
                done
            done
        done
    done
done
status=0
"$verity" run -q --cases "$scratch/cases" --snapshot-dir "$scratch/snapshots" \
    --report "html:$scratch/report.html" --report "json:$scratch/report.json" | tail -1 || status=$?
echo "verity run exited $status"
html=$(stat -c %s "$scratch/report.html")
json=$(stat -c %s "$scratch/report.json")
echo "HTML report: $((html / 1024)) KiB ($html bytes); JSON report: $((json / 1024)) KiB"
node scripts/html-paint.mjs "$browser" "$scratch/report.html" 5
