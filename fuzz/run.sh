#!/usr/bin/env bash
# Runs one fuzz target for SECONDS (default 60), seeded from testdata, and prints the
# executions reached. Needs cargo-fuzz (`cargo install cargo-fuzz`); RUSTC_BOOTSTRAP lets
# the stable toolchain build with the sanitizer flags cargo-fuzz passes.
# Usage: fuzz/run.sh TARGET [SECONDS]     Targets: `cargo fuzz list` (run from the repo root).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?target}
secs=${2:-60}
mkdir -p "fuzz/corpus/$target"
seeds=()
for d in testdata/bytes testdata/inspect testdata/captures; do
    [ -d "$d" ] && seeds+=("$d")
done
RUSTC_BOOTSTRAP=1 cargo fuzz run -O "$target" "fuzz/corpus/$target" "${seeds[@]}" -- \
    -max_total_time="$secs" -max_len=65536 -print_final_stats=1 2>&1 \
    | grep -E "stat::number_of_executed_units|stat::peak_rss_mb|ERROR|panicked|SUMMARY|Done" || true
ls fuzz/artifacts/"$target" 2>/dev/null | head -5 | sed 's/^/crash artifact: /' || true
