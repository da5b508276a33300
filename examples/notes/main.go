// Command notes is a small notes service that reads files at run time:
// its config (config/notes.json), HTML templates (templates/) and SQL-like
// migrations (migrations/) come from the filesystem, while its static assets
// are embedded with //go:embed. Its version is set with -ldflags "-X main.version=...".
package main

import (
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"example.com/notes/internal/store"
)

var version = "dev"

//go:embed static
var staticFiles embed.FS

type config struct {
	Addr         string `json:"addr"`
	Title        string `json:"title"`
	TemplateDir  string `json:"templates"`
	MigrationDir string `json:"migrations"`
}

func loadConfig() (config, error) {
	path := os.Getenv("NOTES_CONFIG")
	if path == "" {
		path = "config/notes.json"
	}
	var c config
	data, err := os.ReadFile(path)
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(data, &c); err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

func main() {
	cmd := "serve"
	if len(os.Args) > 1 {
		cmd = os.Args[1]
	}
	cfg, err := loadConfig()
	if err != nil {
		log.Fatal(err)
	}
	switch cmd {
	case "version":
		fmt.Println(version)
	case "healthcheck":
		os.Exit(probe(cfg.Addr))
	case "serve":
		serve(cfg)
	default:
		fmt.Fprintf(os.Stderr, "usage: notes [serve|healthcheck|version]\n")
		os.Exit(2)
	}
}

func serve(cfg config) {
	st := store.New()
	applied, err := st.Migrate(cfg.MigrationDir)
	if err != nil {
		log.Fatal(err)
	}
	tmpl, err := template.ParseGlob(filepath.Join(cfg.TemplateDir, "*.tmpl"))
	if err != nil {
		log.Fatal(err)
	}
	static, _ := fs.Sub(staticFiles, "static")
	mux := http.NewServeMux()
	mux.Handle("/static/", http.StripPrefix("/static/", http.FileServer(http.FS(static))))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"status": "ok", "migrations": applied})
	})
	mux.HandleFunc("/version", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"version": version})
	})
	mux.HandleFunc("/notes", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, st.List())
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = tmpl.ExecuteTemplate(w, "index.html.tmpl", map[string]any{"Title": cfg.Title, "Notes": st.List()})
	})
	server := &http.Server{Addr: cfg.Addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	log.Printf("notes %s listening on %s (%d migrations)", version, cfg.Addr, applied)
	log.Fatal(server.ListenAndServe())
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func probe(addr string) int {
	if len(addr) > 0 && addr[0] == ':' {
		addr = "127.0.0.1" + addr
	}
	client := http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get("http://" + addr + "/healthz")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 1
	}
	return 0
}
