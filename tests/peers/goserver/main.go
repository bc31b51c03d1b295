// goserver: a Go HTTP(S) server for ppdiag's tests, with or without go-proxyproto
// (github.com/pires/go-proxyproto, the PROXY library Traefik uses).
//
// Flags: -addr 127.0.0.1:PORT, -cert/-key (TLS when given),
// -proxy none|use|require|func-use|strict|lax, -trusted CIDR[,CIDR...].
// The last three set the listener's Policy to a function of the upstream address:
//   func-use: USE for every source (a policy function that trusts everyone);
//   strict:   proxyproto.MustStrictWhiteListPolicy(trusted): USE from a trusted source,
//             REJECT from any other (a header from it fails the first read);
//   lax:      proxyproto.MustLaxWhiteListPolicy(trusted): USE from a trusted source,
//             IGNORE from any other (the header is read and its addresses dropped).
// Each response body says what the server read from the PROXY header:
//   proxy=v2 cmd=PROXY src=IP:PORT dst=IP:PORT tlvs=EA:01767063652d...,02:6578...
// so tests can check that a header ppdiag built is decoded by an independent reader.
// Built in GOPATH mode: GOPATH=/usr/share/gocode GO111MODULE=off go build.
package main

import (
	"context"
	"crypto/tls"
	"encoding/hex"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	proxyproto "github.com/pires/go-proxyproto"
)

type ctxKey struct{}

func describe(c net.Conn) string {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	pc, ok := c.(*proxyproto.Conn)
	if !ok {
		return "proxy=off"
	}
	h := pc.ProxyHeader()
	if h == nil {
		return "proxy=none"
	}
	cmd := "PROXY"
	if h.Command.IsLocal() {
		cmd = "LOCAL"
	}
	out := fmt.Sprintf("proxy=v%d cmd=%s", h.Version, cmd)
	if h.SourceAddr != nil && h.DestinationAddr != nil && !h.Command.IsLocal() {
		out += fmt.Sprintf(" src=%s dst=%s", h.SourceAddr, h.DestinationAddr)
	}
	tlvs, err := h.TLVs()
	if err != nil {
		out += " tlvs=error:" + strings.ReplaceAll(err.Error(), " ", "_")
	} else {
		parts := []string{}
		for _, t := range tlvs {
			parts = append(parts, fmt.Sprintf("%02X:%s", byte(t.Type), hex.EncodeToString(t.Value)))
		}
		out += " tlvs=" + strings.Join(parts, ",")
	}
	return out
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	cert := flag.String("cert", "", "certificate (PEM); TLS when given")
	key := flag.String("key", "", "key (PEM)")
	mode := flag.String("proxy", "none", "none|use|require|func-use|strict|lax")
	trusted := flag.String("trusted", "10.0.0.0/8", "sources trusted by strict and lax (comma-separated)")
	flag.Parse()

	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	var ln net.Listener = l
	switch *mode {
	case "use", "require":
		p := proxyproto.USE
		if *mode == "require" {
			p = proxyproto.REQUIRE
		}
		ln = &proxyproto.Listener{
			Listener:          l,
			Policy:            func(net.Addr) (proxyproto.Policy, error) { return p, nil },
			ReadHeaderTimeout: 10 * time.Second,
		}
	case "func-use", "strict", "lax":
		var policy proxyproto.PolicyFunc
		switch *mode {
		case "func-use":
			policy = func(upstream net.Addr) (proxyproto.Policy, error) { return proxyproto.USE, nil }
		case "strict":
			policy = proxyproto.MustStrictWhiteListPolicy(strings.Split(*trusted, ","))
		default:
			policy = proxyproto.MustLaxWhiteListPolicy(strings.Split(*trusted, ","))
		}
		ln = &proxyproto.Listener{Listener: l, Policy: policy, ReadHeaderTimeout: 10 * time.Second}
	case "none":
	default:
		log.Fatalf("unknown -proxy %q", *mode)
	}
	if *cert != "" {
		pair, err := tls.LoadX509KeyPair(*cert, *key)
		if err != nil {
			log.Fatal(err)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{pair}, NextProtos: []string{"http/1.1"}})
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, _ := r.Context().Value(ctxKey{}).(net.Conn)
			fmt.Fprintf(w, "%s remote=%s\n", describe(c), r.RemoteAddr)
		}),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(ctx, ctxKey{}, c)
		},
		ErrorLog:          log.New(os.Stderr, "", 0),
		ReadHeaderTimeout: 10 * time.Second,
	}
	fmt.Println("listening", l.Addr())
	log.Fatal(srv.Serve(ln))
}
