// A small HTTP service (standard library only) used as "your own app" in
// nodrop's README and e2e tests. It answers every request with 200 and the
// headers nodrop reads: X-App-Version ($APP_VERSION) and X-Pod-Name ($POD_NAME).
//
// VERSION_HEADERS=false: it sends neither header, like most services; nodrop
// then finds each request's pod from its connection (docs/your-app.md).
//
// GRACEFUL_SHUTDOWN=true: on SIGTERM it reports not-ready, answers every
// request with "Connection: close" for DRAIN_SECONDS (default 2) so that
// keep-alive clients leave on a response rather than race a close (a POST
// cannot be retried), then finishes the requests in flight and closes the
// idle connections (http.Server.Shutdown).
// GRACEFUL_SHUTDOWN=false: SIGTERM ends the process at once (Go's default),
// which is the broken variant.
package main

import (
	"context"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func main() {
	version := env("APP_VERSION", "dev")
	pod := env("POD_NAME", "unknown")
	work, _ := strconv.Atoi(env("WORK_MS", "0"))
	graceful := env("GRACEFUL_SHUTDOWN", "true") == "true"
	headers := env("VERSION_HEADERS", "true") == "true"
	var stopping atomic.Bool

	mux := http.NewServeMux()
	mux.HandleFunc("/healthz/ready", func(w http.ResponseWriter, _ *http.Request) {
		if stopping.Load() {
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	// Every answer: WORK_MS of work, the two headers (unless switched off), the body.
	answer := func(w http.ResponseWriter, status int, body string) {
		if work > 0 {
			time.Sleep(time.Duration(work) * time.Millisecond)
		}
		if headers {
			w.Header().Set("X-App-Version", version)
			w.Header().Set("X-Pod-Name", pod)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}

	// An API beside "/" for nodrop's request mixes (examples/requests): POST
	// /api/orders answers 201; with API_TOKEN set, /api/ wants
	// "Authorization: Bearer $API_TOKEN" and answers 401 without it.
	token := os.Getenv("API_TOKEN")
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		if token != "" && r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		if r.URL.Path != "/api/orders" {
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		answer(w, http.StatusCreated, `{"order":"created"}`+"\n")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		answer(w, http.StatusOK, "ok "+version+"\n")
	})
	drain, _ := strconv.Atoi(env("DRAIN_SECONDS", "2"))
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if stopping.Load() {
			w.Header().Set("Connection", "close")
		}
		mux.ServeHTTP(w, r)
	})
	srv := &http.Server{Addr: ":" + env("PORT", "8080"), Handler: handler, ReadHeaderTimeout: 5 * time.Second}

	if graceful {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
		go func() {
			<-sig
			stopping.Store(true)
			time.Sleep(time.Duration(drain) * time.Second)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := srv.Shutdown(ctx); err != nil {
				log.Printf("shutdown: %v", err)
			}
		}()
	}
	log.Printf("go-http %s on %s (graceful shutdown: %v)", version, srv.Addr, graceful)
	if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
		log.Fatal(err)
	}
}
