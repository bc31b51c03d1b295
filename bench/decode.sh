#!/usr/bin/env bash
# Benchmark of `ppdiag decode` against tshark and a bare pcap-parser loop, on captures
# written by the deterministic generator (bench/decode_gen.rs) in its two shapes —
# `bulk` (mixed conversations, most bytes in bulk transfers) and `short` (many 1–3 KB
# conversations copied from testdata/captures) — page-cached, measured in one run: best
# wall time of RUNS (10 unless set: runs this short swing by a third), and peak RSS with
# /usr/bin/time -v; text, json and ndjson. Between the bare loop and ppdiag, the floors
# (bench/decode_floor.rs): decode's own stages added one at a time, on one thread, with no
# output. Prints a Markdown table (the last column: the time relative to the bare loop's).
#   bench/decode.sh                                  # bulk 50 MiB, short 118 MiB (~100k conversations)
#   CAPTURES="bulk:50 bulk:2048 short:118 short:2048" bench/decode.sh
#   PPDIAG=/path/to/other/ppdiag bench/decode.sh     # measure another build of ppdiag
#   TSHARK=0 bench/decode.sh                         # without tshark
# Needs: cargo, tshark, /usr/bin/time (GNU time). The captures go to /tmp and are deleted.
set -euo pipefail
cd "$(dirname "$0")/.."
CAPTURES="${CAPTURES:-bulk:50 short:118}"
RUNS="${RUNS:-10}"
OUT="${TMPDIR:-/tmp}"
cargo build --release --quiet --bin ppdiag --example decode_gen --example decode_bare --example decode_floor
BIN="${CARGO_TARGET_DIR:-target}/release"
PPDIAG="${PPDIAG:-$BIN/ppdiag}"
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
    [ -n "${BARE:-}" ] || BARE="$best"
    awk -v n="$name" -v b="$bytes" -v t="$best" -v r="$rss" -v f="$CAPTURE" -v bare="$BARE" 'BEGIN {
        tp = (t > 0) ? b / t / 1e6 : 0
        unit = (tp >= 1000) ? sprintf("%.2f GB/s", tp / 1000) : sprintf("%.1f MB/s", tp)
        printf "| %s | %s | %.3f s | %s | %.1f MiB | %.1f× |\n", f, n, t, unit, r / 1024, t / bare }'
}

echo "| capture | tool | wall time | throughput | peak RSS | vs bare loop |"
echo "|---|---|---|---|---|---|"
for c in $CAPTURES; do
    shape="${c%%:*}" mib="${c##*:}"
    flag=""
    [ "$shape" = short ] && flag="--short"
    f="$OUT/ppdiag-bench-$shape-$mib.pcap"
    "$BIN/examples/decode_gen" "$f" "$mib" $flag 2>"$OUT/ppdiag-bench-gen.txt"
    bytes="$(stat -c %s "$f")"
    CAPTURE="$(awk -v s="$shape" '{ printf "%s %s MB, %s packets, %s conversations", s, int($2/1e6), $4, $6 }' "$OUT/ppdiag-bench-gen.txt")"
    cat "$f" >/dev/null
    BARE=""
    measure "bare pcap-parser loop" "$bytes" "$RUNS" "$BIN/examples/decode_bare" "$f"
    # The floors (bench/decode_floor.rs): decode's own stages, one thread, no output.
    measure "floor: + parsing to TCP/UDP" "$bytes" "$RUNS" "$BIN/examples/decode_floor" parse "$f"
    measure "floor: + flow tracking" "$bytes" "$RUNS" "$BIN/examples/decode_floor" track "$f"
    measure "floor: + judging, linking (1 thread)" "$bytes" "$RUNS" "$BIN/examples/decode_floor" judge "$f"
    measure "ppdiag decode" "$bytes" "$RUNS" "$PPDIAG" decode "$f"
    measure "ppdiag decode --format json" "$bytes" "$RUNS" "$PPDIAG" decode --format json "$f"
    measure "ppdiag decode --format ndjson" "$bytes" "$RUNS" "$PPDIAG" decode --format ndjson "$f"
    if [ "${TSHARK:-1}" != 0 ] && command -v tshark >/dev/null; then
        measure "tshark (proxy heuristic on)" "$bytes" 1 tshark -r "$f" -o tcp.try_heuristic_first:TRUE \
            -T fields -e proxy.src.ipv4 -e proxy.v2.cmd
    fi
    rm -f "$f" "$OUT/ppdiag-bench-gen.txt"
done
