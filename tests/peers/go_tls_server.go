// A Go crypto/tls HTTP server without PROXY support, as Traefik's websecure entry
// point without proxyProtocol: prints its address, serves until killed.
package main

import (
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
)

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ln.Addr().String())
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("ok\n"))
		}),
		ErrorLog: log.New(os.Stderr, "", 0),
	}
	log.Fatal(srv.ServeTLS(ln, os.Args[1], os.Args[2]))
}
