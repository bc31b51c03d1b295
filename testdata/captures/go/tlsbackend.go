// A TLS backend in Go for recording captures: with -proxyproto it reads PROXY headers
// through go-proxyproto (the library Traefik uses), without it it is a Go crypto/tls
// server that does not parse them (Traefik's entry point without `proxyProtocol`).
package main

import (
	"flag"
	"log"
	"net"
	"net/http"

	proxyproto "github.com/pires/go-proxyproto"
)

func main() {
	addr := flag.String("listen", "127.0.0.1:19543", "address")
	pp := flag.Bool("proxyproto", false, "parse PROXY headers")
	cert := flag.String("cert", "cert.pem", "certificate")
	key := flag.String("key", "key.pem", "key")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	if *pp {
		ln = &proxyproto.Listener{Listener: ln}
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("hello " + r.RemoteAddr + "\n"))
	})}
	log.Fatal(srv.ServeTLS(ln, *cert, *key))
}
