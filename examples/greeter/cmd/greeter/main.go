// Command greeter is goslim's bundled example: a small stdlib-only HTTP
// service with a health endpoint, built the naive way by its Dockerfile.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"example.com/greeter/internal/api"
	"example.com/greeter/internal/version"
)

func main() {
	addr := flag.String("addr", getenv("GREETER_ADDR", ":8080"), "address to listen on")
	healthcheck := flag.Bool("healthcheck", false, "GET /healthz on the local server and exit 0 when it answers 200")
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()

	if *showVersion {
		fmt.Println(version.Describe())
		return
	}
	if *healthcheck {
		os.Exit(probe(*addr))
	}

	// Looking up a name uses the C resolver when cgo is on; this is what makes
	// a default (CGO_ENABLED=1) build of this program dynamically linked.
	if ips, err := net.LookupHost("localhost"); err == nil {
		log.Printf("localhost is %v", ips)
	}

	server := &http.Server{
		Addr:              *addr,
		Handler:           api.Routes(version.Describe()),
		ReadHeaderTimeout: 5 * time.Second,
	}
	go func() {
		log.Printf("greeter %s listening on %s", version.Describe(), *addr)
		if err := server.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Fatal(err)
		}
	}()

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	<-signals
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = server.Shutdown(ctx)
	log.Print("stopped")
}

func getenv(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}

// probe lets HEALTHCHECK work on images without curl or a shell.
func probe(addr string) int {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return 1
	}
	if host == "" {
		host = "127.0.0.1"
	}
	client := http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get("http://" + net.JoinHostPort(host, port) + "/healthz")
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
