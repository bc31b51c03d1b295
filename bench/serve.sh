#!/usr/bin/env bash
# Benchmark: connections/s of `ppdiag serve` against nginx configured the same way
# (proxy_protocol, one worker), same load client (bench/serve_load.rs), same machine,
# one run. Two cases: PROXY v2 + TLS 1.3 + one HTTP request, and PROXY v2 + plaintext
# HTTP. Loopback only. Usage: bench/serve.sh [SECONDS] [CONCURRENCY]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-5}
CONC=${2:-50}
cargo build --release --quiet --bin ppdiag --example serve_load
BIN=target/release/ppdiag
LOAD=target/release/examples/serve_load
DIR=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$DIR"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 not ready" >&2; exit 1; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
    -subj /CN=localhost -addext subjectAltName=DNS:localhost \
    -addext basicConstraints=critical,CA:FALSE \
    -keyout "$DIR/key.pem" -out "$DIR/cert.pem" 2>/dev/null
NTLS=$(free_port); NPLAIN=$(free_port); STLS=$(free_port); SPLAIN=$(free_port)
mkdir -p "$DIR/t"
cat > "$DIR/nginx.conf" <<CONF
daemon off; master_process off; worker_processes 1; pid $DIR/nginx.pid;
error_log $DIR/error.log; worker_rlimit_nofile 8192;
events { worker_connections 4096; }
http {
  client_body_temp_path $DIR/t; proxy_temp_path $DIR/t; fastcgi_temp_path $DIR/t; uwsgi_temp_path $DIR/t; scgi_temp_path $DIR/t;
  access_log $DIR/access.log;
  ssl_protocols TLSv1.2 TLSv1.3;
  server { listen 127.0.0.1:$NTLS ssl proxy_protocol; ssl_certificate $DIR/cert.pem; ssl_certificate_key $DIR/key.pem;
           location / { default_type application/json; return 200 '{"client":"\$proxy_protocol_addr:\$proxy_protocol_port"}\n'; } }
  server { listen 127.0.0.1:$NPLAIN proxy_protocol;
           location / { default_type application/json; return 200 '{"client":"\$proxy_protocol_addr:\$proxy_protocol_port"}\n'; } }
}
CONF
ulimit -n 8192 2>/dev/null || true
nginx -c "$DIR/nginx.conf" -p "$DIR" -e "$DIR/error.log" & PIDS+=($!)
$BIN serve --workers 1 --listen 127.0.0.1:$STLS --cert "$DIR/cert.pem" --key "$DIR/key.pem" --format ndjson > "$DIR/serve-tls.ndjson" & PIDS+=($!)
$BIN serve --workers 1 --listen 127.0.0.1:$SPLAIN --format ndjson > "$DIR/serve-plain.ndjson" & PIDS+=($!)
for p in $NTLS $NPLAIN $STLS $SPLAIN; do wait_port "$p"; done
sleep 0.5

run() { "$LOAD" "127.0.0.1:$1" "$2" "$SECS" "$CONC" "$DIR/cert.pem"; }
R1=$(run $NTLS tls); R2=$(run $STLS tls); R3=$(run $NPLAIN plain); R4=$(run $SPLAIN plain)
echo
echo "$(nproc) cores, $SECS s per run, $CONC concurrent connections, one run each"
echo
echo "| case | nginx $(nginx -v 2>&1 | sed 's/.*nginx\///') (1 worker) | ppdiag serve (--workers 1) |"
echo "|---|---|---|"
echo "| PROXY v2 + TLS 1.3 + 1 HTTP request | $R1 | $R2 |"
echo "| PROXY v2 + plaintext HTTP request | $R3 | $R4 |"
