#!/usr/bin/env bash
# Benchmark of `ppdiag decode` against tshark and a bare pcap-parser loop, on captures
# written by the deterministic generator (bench/decode_gen.rs), page-cached, measured in
# one run: best wall time of RUNS, and peak RSS with /usr/bin/time -v. Prints a Markdown
# table.
#   bench/decode.sh              # 50 MiB and 2 GiB
#   SIZES="50" bench/decode.sh   # only 50 MiB
# Needs: cargo, tshark, /usr/bin/time (GNU time). The captures go to /tmp and are deleted.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES="${SIZES:-50 2048}"
RUNS="${RUNS:-3}"
OUT="${TMPDIR:-/tmp}"
cargo build --release --quiet --bin ppdiag --example decode_gen --example decode_bare
BIN=target/release
TIMES="$(mktemp)"
trap 'rm -f "$TIMES" "$OUT"/ppdiag-bench-*.pcap' EXIT

# measure NAME BYTES RUNS CMD...: best wall time of RUNS (bash's EPOCHREALTIME, so only
# the command's own start-up is counted), then peak RSS from one /usr/bin/time -v run
measure() {
    local name="$1" bytes="$2" runs="$3"; shift 3
    local best="" t0 t1 t rss
    for _ in $(seq "$runs"); do
        t0="$EPOCHREALTIME"
        "$@" >/dev/null 2>&1 || true
        t1="$EPOCHREALTIME"
        t="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')"
        if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then
            best="$t"
        fi
    done
    /usr/bin/time -v "$@" >/dev/null 2>"$TIMES" || true
    rss="$(grep 'Maximum resident set size' "$TIMES" | awk '{print $NF}')"
    awk -v n="$name" -v b="$bytes" -v t="$best" -v r="$rss" -v f="$CAPTURE" 'BEGIN {
        tp = (t > 0) ? b / t / 1e6 : 0
        unit = (tp >= 1000) ? sprintf("%.2f GB/s", tp / 1000) : sprintf("%.1f MB/s", tp)
        printf "| %s | %s | %.3f s | %s | %.1f MiB |\n", f, n, t, unit, r / 1024 }'
}

echo "| capture | tool | wall time | throughput | peak RSS |"
echo "|---|---|---|---|---|"
for mib in $SIZES; do
    f="$OUT/ppdiag-bench-$mib.pcap"
    "$BIN/examples/decode_gen" "$f" "$mib" 2>"$OUT/ppdiag-bench-gen.txt"
    bytes="$(stat -c %s "$f")"
    CAPTURE="$(awk '{ printf "%s MB, %s packets, %s conversations", int($2/1e6), $4, $6 }' "$OUT/ppdiag-bench-gen.txt")"
    cat "$f" >/dev/null
    measure "bare pcap-parser loop" "$bytes" "$RUNS" "$BIN/examples/decode_bare" "$f"
    measure "ppdiag decode" "$bytes" "$RUNS" "$BIN/ppdiag" decode "$f"
    measure "ppdiag decode --format ndjson" "$bytes" 1 "$BIN/ppdiag" decode --format ndjson "$f"
    if command -v tshark >/dev/null; then
        measure "tshark (proxy heuristic on)" "$bytes" 1 tshark -r "$f" -o tcp.try_heuristic_first:TRUE \
            -T fields -e proxy.src.ipv4 -e proxy.v2.cmd
    fi
    rm -f "$f" "$OUT/ppdiag-bench-gen.txt"
done
