package main

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

//go:embed static
var staticFiles embed.FS

const (
	maxTextRunes     = 1000     // longest record text accepted, in characters
	maxBodyBytes     = 16 << 10 // request bodies beyond this are cut off
	defaultListLimit = 100
	maxListLimit     = 1000
	healthTimeout    = 2 * time.Second
)

// server holds the handlers' dependencies. loc and now are fields so tests can pin
// the zone and the clock; in production they are time.Local (from TZ) and time.Now.
type server struct {
	store *Store
	loc   *time.Location
	now   func() time.Time
	log   *slog.Logger
}

// routes returns the app's handler, with request logging around every route.
func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/records", s.createRecord)
	mux.HandleFunc("GET /api/records", s.listRecords)
	mux.HandleFunc("GET /api/time", s.serverTime)
	mux.HandleFunc("GET /healthz", s.healthz)
	static, err := fs.Sub(staticFiles, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	mux.Handle("GET /", http.FileServerFS(static))
	return s.logRequests(secureHeaders(mux))
}

func (s *server) createRecord(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	var req struct {
		Text *string `json:"text"` // a pointer tells a missing field from ""
	}
	if err := dec.Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, "request body too large")
			return
		}
		writeError(w, http.StatusBadRequest, "invalid JSON: "+err.Error())
		return
	}
	if _, err := dec.Token(); err != io.EOF {
		writeError(w, http.StatusBadRequest, "invalid JSON: unexpected data after object")
		return
	}
	switch {
	case req.Text == nil:
		writeError(w, http.StatusBadRequest, `field "text" is required`)
		return
	case strings.TrimSpace(*req.Text) == "":
		writeError(w, http.StatusBadRequest, `field "text" must not be empty`)
		return
	case utf8.RuneCountInString(*req.Text) > maxTextRunes:
		writeError(w, http.StatusBadRequest,
			`field "text" must be at most `+strconv.Itoa(maxTextRunes)+" characters")
		return
	}
	rec, err := s.store.Create(r.Context(), *req.Text)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, rec)
}

func (s *server) listRecords(w http.ResponseWriter, r *http.Request) {
	limit := defaultListLimit
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxListLimit {
			writeError(w, http.StatusBadRequest,
				"limit must be an integer from 1 to "+strconv.Itoa(maxListLimit))
			return
		}
		limit = n
	}
	recs, err := s.store.List(r.Context(), limit)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, recs)
}

// timeResponse shows which zone the process runs in, so a deployment test can prove
// that TZ reached it.
type timeResponse struct {
	Time          string `json:"time"`
	Zone          string `json:"zone"`
	OffsetSeconds int    `json:"offset_seconds"`
}

func (s *server) serverTime(w http.ResponseWriter, r *http.Request) {
	t := s.now().In(s.loc)
	zone, offset := t.Zone()
	writeJSON(w, http.StatusOK, timeResponse{
		Time:          t.Format(time.RFC3339),
		Zone:          zone,
		OffsetSeconds: offset,
	})
}

func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
	defer cancel()
	if err := s.store.Check(ctx); err != nil {
		s.log.Error("health check failed", "err", err)
		writeJSON(w, http.StatusServiceUnavailable,
			map[string]string{"status": "unavailable", "error": "database check failed"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// internalError logs err and answers 500 without leaking its text to the client.
func (s *server) internalError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, "internal error")
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	// The status line is already sent, so an encoding error can only be dropped.
	_ = json.NewEncoder(w).Encode(v)
}

// secureHeaders sets headers that cost nothing for an API and a same-origin page.
// The UI keeps its script in a file so the policy needs no 'unsafe-inline'.
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

// statusRecorder remembers the status code a handler wrote, for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (sr *statusRecorder) WriteHeader(code int) {
	if !sr.wroteHeader { // net/http ignores later calls, so the first one is logged
		sr.status, sr.wroteHeader = code, true
	}
	sr.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (sr *statusRecorder) Unwrap() http.ResponseWriter { return sr.ResponseWriter }

// logRequests writes one log line per request once it has been served.
func (s *server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		s.log.Info("request", "method", r.Method, "path", r.URL.Path,
			"status", rec.status, "duration_ms", time.Since(start).Milliseconds(),
			"remote", r.RemoteAddr)
	})
}
