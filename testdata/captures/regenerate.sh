#!/usr/bin/env bash
# Records the captures in this folder again from real software on loopback: haproxy 2.6
# (send-proxy, send-proxy-v2, health checks), OpenSSL s_server (TLS 1.3 only), nginx 1.22 (with and without
# proxy_protocol, ssl and plain), Go crypto/tls with and without go-proxyproto, curl,
# openssl s_client, and peers.py for the AWS NLB health check and UDP. Needs root (tcpdump)
# and: haproxy nginx-light curl openssl tcpdump tshark(dumpcap) golang-go
# golang-github-pires-go-proxyproto-dev python3.
# Every process it starts is killed by its pid on exit. The expected verdicts of each
# capture are in NAME.expected; after regenerating, `cargo test --test decode_captures`
# checks they still hold (client ports change, verdicts must not). One outcome may move
# between recordings: a Go backend that does not parse PROXY closes silently or resets,
# depending on whether the rest of the ClientHello arrived before it closed (the finding
# is the same); re-bless with PPDIAG_BLESS=1 after checking that only that moved.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="${1:-$HERE}"
W="$(mktemp -d)"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    sleep 0.2
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    rm -rf "$W"
}
trap cleanup EXIT
start() { "$@" >>"$W/peers.log" 2>&1 & PIDS+=($!); }
wait_port() { for _ in $(seq 50); do (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0; sleep 0.1; done; echo "nothing on $1:$2" >&2; exit 1; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
    -subj /CN=localhost -keyout "$W/key.pem" -out "$W/cert.pem" 2>/dev/null
(cd "$HERE/go" && GOPATH=/usr/share/gocode GO111MODULE=off GOCACHE="$W/gocache" go build -o "$W/tlsbackend" tlsbackend.go)
mkdir -p "$W/nginx/logs"
cat >"$W/nginx.conf" <<NGINX
daemon off; master_process off; worker_processes 1; pid $W/nginx.pid;
error_log $W/nginx-error.log info;
events { worker_connections 64; }
http {
    access_log $W/nginx-access.log;
    client_body_temp_path $W/nginx; proxy_temp_path $W/nginx; fastcgi_temp_path $W/nginx;
    uwsgi_temp_path $W/nginx; scgi_temp_path $W/nginx;
    ssl_certificate $W/cert.pem; ssl_certificate_key $W/key.pem;
    server { listen 127.0.0.1:19443 ssl; location / { return 200 "tls, no proxy_protocol\n"; } }
    server { listen 127.0.0.1:19444 ssl proxy_protocol; listen [::1]:19444 ssl proxy_protocol;
             location / { return 200 "tls, proxy_protocol \$proxy_protocol_addr\n"; } }
    server { listen 127.0.0.1:19080 proxy_protocol; listen [::1]:19080 proxy_protocol;
             location / { return 200 "http, proxy_protocol \$proxy_protocol_addr\n"; } }
    server { listen 127.0.0.1:19081; location / { return 200 "http, no proxy_protocol\n"; } }
}
NGINX
cat >"$W/haproxy.cfg" <<HAPROXY
global
    log stderr format short local0
defaults
    mode tcp
    timeout connect 2s
    timeout client 5s
    timeout server 5s
listen v2_to_nginx_ssl_plain
    bind 127.0.0.1:18443
    server s 127.0.0.1:19443 send-proxy-v2
listen v2_to_nginx_ssl_pp
    bind 127.0.0.1:18444
    server s 127.0.0.1:19444 send-proxy-v2
listen v2_to_go_plain
    bind 127.0.0.1:18445
    server s 127.0.0.1:19543 send-proxy-v2
listen v2_to_go_pp
    bind 127.0.0.1:18446
    server s 127.0.0.1:19544 send-proxy-v2
listen v6_v2_to_nginx_ssl_pp
    bind [::1]:18447
    server s [::1]:19444 send-proxy-v2
listen v1_to_nginx_http_pp
    bind 127.0.0.1:18080
    server s 127.0.0.1:19080 send-proxy
listen v1_to_nginx_http_plain
    bind 127.0.0.1:18081
    server s 127.0.0.1:19081 send-proxy
HAPROXY
cat >"$W/haproxy-check.cfg" <<HAPROXY
defaults
    mode tcp
    timeout connect 2s
    timeout client 5s
    timeout server 5s
listen health
    bind 127.0.0.1:18090
    server s 127.0.0.1:19080 send-proxy-v2 check inter 30s
HAPROXY

start nginx -p "$W" -c "$W/nginx.conf"
start haproxy -db -f "$W/haproxy.cfg"
start openssl s_server -quiet -accept 127.0.0.1:19643 -cert "$W/cert.pem" -key "$W/key.pem" -tls1_3 -www
start "$W/tlsbackend" -listen 127.0.0.1:19543 -cert "$W/cert.pem" -key "$W/key.pem"
start "$W/tlsbackend" -listen 127.0.0.1:19544 -proxyproto -cert "$W/cert.pem" -key "$W/key.pem"
for p in 19443 19444 19080 19081 19543 19544 19643 18443 18080; do wait_port 127.0.0.1 $p; done

FILTER='(tcp and (portrange 18000-18999 or portrange 19000-19999)) or (udp and port 19053)'
CURL=(curl -sS -k --max-time 3 -o /dev/null)
# record NAME TCPDUMP-OPTIONS... -- then the commands come from stdin
record() {
    local name="$1"; shift
    local tool="$1"; shift
    local file="$OUT/$name"
    rm -f "$file"
    if [ "$tool" = dumpcap ]; then
        dumpcap -q "$@" -f "$FILTER" -w "$file" >>"$W/tcpdump.log" 2>&1 & local cap=$!
    else
        tcpdump -U -n "$@" -w "$file" "$FILTER" >>"$W/tcpdump.log" 2>&1 & local cap=$!
    fi
    PIDS+=($cap)
    sleep 1.5
    bash -c "$(cat)" >>"$W/clients.log" 2>&1 || true
    sleep 1
    kill -INT "$cap"; wait "$cap" 2>/dev/null || true
    chmod 644 "$file"   # dumpcap writes 0600; tcpdump may own it after dropping root
    echo "recorded $name: $(stat -c %s "$file") bytes"
}
C="${CURL[*]}"
record haproxy-v2-nginx-ssl.pcap tcpdump -i lo <<SH
$C https://127.0.0.1:18443/   # v2 header to nginx ssl without proxy_protocol: 400
$C https://127.0.0.1:18444/   # v2 header to nginx ssl proxy_protocol: fine
echo | timeout 3 openssl s_client -connect 127.0.0.1:18443 -servername localhost
SH
record haproxy-v1-nginx-http.pcap tcpdump -i lo <<SH
$C http://127.0.0.1:18080/    # v1 to nginx proxy_protocol: fine
$C http://127.0.0.1:18081/    # v1 to nginx without proxy_protocol: 400
SH
record haproxy-v2-go.pcap tcpdump -i lo <<SH
$C https://127.0.0.1:18445/   # v2 to Go crypto/tls without PROXY support: silent close
$C https://127.0.0.1:18446/   # v2 to Go with go-proxyproto: fine
SH
record direct-mistakes.pcap tcpdump -i lo --time-stamp-precision=nano <<SH
$C https://127.0.0.1:19444/   # no header to nginx proxy_protocol: broken header, reset
$C http://127.0.0.1:19443/    # plain HTTP to the TLS port: 400
$C https://127.0.0.1:19081/   # TLS to the plain HTTP port: 400, wrong version number
$C --haproxy-protocol https://127.0.0.1:19443/   # curl's v1 header to nginx ssl: 400
SH
record tls-alert.pcap tcpdump -i lo <<SH
$C --tls-max 1.2 https://127.0.0.1:19643/   # TLS 1.2 client, TLS 1.3-only OpenSSL: alert 70
echo | timeout 3 openssl s_client -connect 127.0.0.1:19643 -tls1_3   # the same server, fine
SH
record health-checks.pcap tcpdump -i lo <<SH
python3 "$HERE/peers.py" nlb-check 127.0.0.1 19080
haproxy -db -f "$W/haproxy-check.cfg" & hp=\$!; sleep 1.5; kill \$hp
SH
record udp-proxy-v2.pcap tcpdump -i lo <<SH
python3 "$HERE/peers.py" udp 127.0.0.1 19053
SH
record ipv6.pcap tcpdump -i lo <<SH
$C -g --haproxy-protocol 'http://[::1]:19080/'   # curl v1 TCP6 to nginx proxy_protocol
$C -g 'https://[::1]:18447/'   # haproxy v2 over IPv6 to nginx ssl proxy_protocol
SH
record any-sll2.pcap tcpdump -i any <<SH
$C https://127.0.0.1:18443/
SH
record any-sll.pcap tcpdump -i any -y LINUX_SLL <<SH
$C https://127.0.0.1:18445/
SH
record snaplen96.pcap tcpdump -i lo -s 96 <<SH
$C https://127.0.0.1:18443/
$C http://127.0.0.1:18080/
SH
record two-interfaces.pcapng dumpcap -i lo -i any <<SH
$C https://127.0.0.1:18443/
$C http://127.0.0.1:18081/
SH
