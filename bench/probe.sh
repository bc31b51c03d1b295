#!/usr/bin/env bash
# Benchmark (not a timed test): wall time of a full `ppdiag probe` of a TLS target
# (9 attempts: none/v1/v2/v2-local x TLS/HTTP, plus connect-and-wait) versus one
# `openssl s_client` handshake to the same target, in one run, on loopback.
# Targets: nginx `listen ssl` (PROXY forbidden) and nginx `listen ssl proxy_protocol`
# (PROXY required). Prints a Markdown table (median and mean of N runs).
# Usage: bench/probe.sh [RUNS]   (builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-30}"
cargo build --release --quiet
BIN="$PWD/target/release/ppdiag"
DIR="$(mktemp -d)"
NGINX_PID=""
cleanup() { [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null; rm -rf "$DIR"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
P1="$(free_port)"; P2="$(free_port)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
    -keyout "$DIR/key.pem" -out "$DIR/cert.pem" 2>/dev/null
cat > "$DIR/nginx.conf" <<CONF
daemon off; master_process off; worker_processes 1; pid $DIR/nginx.pid;
error_log $DIR/error.log;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $DIR/body; proxy_temp_path $DIR/proxy; fastcgi_temp_path $DIR/fcgi;
  uwsgi_temp_path $DIR/uwsgi; scgi_temp_path $DIR/scgi;
  ssl_certificate $DIR/cert.pem; ssl_certificate_key $DIR/key.pem;
  server { listen 127.0.0.1:$P1 ssl; location / { return 200 'ok\n'; } }
  server { listen 127.0.0.1:$P2 ssl proxy_protocol; location / { return 200 'ok\n'; } }
}
CONF
nginx -p "$DIR" -c "$DIR/nginx.conf" >/dev/null 2>&1 &
NGINX_PID=$!
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$P2") 2>/dev/null && break
    sleep 0.05
done

# Runs "$@" RUNS times; prints "median mean" in milliseconds.
measure() {
    local times=()
    for _ in $(seq "$RUNS"); do
        local t0 t1
        t0=$(date +%s%N)
        "$@" >/dev/null 2>&1 </dev/null || true
        t1=$(date +%s%N)
        times+=($(( (t1 - t0) / 1000 )))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1; s+=$1} END {printf "%.1f %.1f\n", a[int((NR+1)/2)]/1000, s/NR/1000}'
}

echo "| target | command | median ms | mean ms |"
echo "|---|---|---:|---:|"
for spec in "nginx listen ssl:$P1" "nginx listen ssl proxy_protocol:$P2"; do
    name="${spec%%:*}"; port="${spec##*:}"
    read -r om oa < <(measure openssl s_client -connect "127.0.0.1:$port" -servername localhost)
    read -r pm pa < <(measure "$BIN" probe "127.0.0.1:$port" --format json)
    echo "| $name | openssl s_client (one handshake) | $om | $oa |"
    echo "| $name | ppdiag probe (9 attempts) | $pm | $pa |"
    awk -v p="$pm" -v o="$om" -v n="$name" 'BEGIN {printf "| %s | ratio probe / s_client (median) | %.2fx | |\n", n, p/o}'
done
