// Command cgohash is a service that really needs cgo: its hash function is
// written in C (hash.c) and called through import "C", so it cannot be built
// with CGO_ENABLED=0. goslim fix must keep cgo and use a glibc base.
package main

/*
#include <stdint.h>
#include <stdlib.h>
uint64_t fnv1a64(const char *s, size_t n);
*/
import "C"

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"
	"unsafe"
)

func fnv1a(s string) uint64 {
	cs := C.CString(s)
	defer C.free(unsafe.Pointer(cs))
	return uint64(C.fnv1a64(cs, C.size_t(len(s))))
}

func main() {
	addr := flag.String("addr", ":8082", "listen address")
	flag.Parse()
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("/hash", func(w http.ResponseWriter, r *http.Request) {
		s := r.URL.Query().Get("s")
		writeJSON(w, map[string]string{"input": s, "fnv1a64": fmt.Sprintf("%016x", fnv1a(s))})
	})
	server := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	log.Printf("cgohash listening on %s (pid %d)", *addr, os.Getpid())
	log.Fatal(server.ListenAndServe())
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
