// Package api holds the greeter's HTTP routes.
package api

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"time"
)

// Routes returns the service's handler.
func Routes(version string) http.Handler {
	mux := http.NewServeMux()
	started := time.Now()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, map[string]string{"status": "ok", "uptime": time.Since(started).Round(time.Second).String()})
	})
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimSpace(r.URL.Query().Get("name"))
		if name == "" {
			name = "world"
		}
		reply(w, http.StatusOK, map[string]string{"greeting": "hello, " + name})
	})
	mux.HandleFunc("/version", func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, map[string]any{"version": version, "uid": os.Getuid()})
	})
	return mux
}

func reply(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
