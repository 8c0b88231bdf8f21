package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// t0 is the first timestamp the test clock hands out; each later call is 1 s on.
var t0 = time.Date(2026, 12, 3, 15, 57, 41, 0, time.UTC)

// newTestServer returns a server over a fresh database whose clock starts at t0.
func newTestServer(t *testing.T) *server {
	t.Helper()
	store := openTestStore(t, dbPath(t.TempDir()))
	next := t0
	store.now = func() time.Time {
		now := next
		next = next.Add(time.Second)
		return now
	}
	return &server{
		store: store,
		loc:   time.UTC,
		now:   func() time.Time { return t0 },
		log:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

func openTestStore(t *testing.T, path string) *Store {
	t.Helper()
	store, err := OpenStore(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

// do sends one request through the full handler chain and returns the response.
func do(t *testing.T, s *server, method, target, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	w := httptest.NewRecorder()
	s.routes().ServeHTTP(w, req)
	return w
}

// decode unmarshals a JSON response body into a value of type T.
func decode[T any](t *testing.T, w *httptest.ResponseRecorder) T {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q, want application/json", ct)
	}
	var v T
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %q: %v", w.Body.String(), err)
	}
	return v
}

func TestCreateThenListReturnsRecordsNewestFirst(t *testing.T) {
	s := newTestServer(t)

	w := do(t, s, "POST", "/api/records", `{"text":"first"}`)
	if w.Code != http.StatusCreated {
		t.Fatalf("POST status = %d, body %s", w.Code, w.Body)
	}
	created := decode[Record](t, w)
	want := Record{ID: 1, Text: "first", CreatedAt: t0}
	if created != want {
		t.Fatalf("POST returned %+v, want %+v", created, want)
	}
	do(t, s, "POST", "/api/records", `{"text":"second ✓"}`)

	w = do(t, s, "GET", "/api/records", "")
	if w.Code != http.StatusOK {
		t.Fatalf("GET status = %d", w.Code)
	}
	got := decode[[]Record](t, w)
	wantList := []Record{
		{ID: 2, Text: "second ✓", CreatedAt: t0.Add(time.Second)},
		{ID: 1, Text: "first", CreatedAt: t0},
	}
	if len(got) != len(wantList) {
		t.Fatalf("GET returned %d records: %+v", len(got), got)
	}
	for i := range wantList {
		if got[i] != wantList[i] {
			t.Errorf("record %d = %+v, want %+v", i, got[i], wantList[i])
		}
	}
}

func TestListOfEmptyDatabaseIsEmptyArray(t *testing.T) {
	w := do(t, newTestServer(t), "GET", "/api/records", "")
	if w.Code != http.StatusOK || strings.TrimSpace(w.Body.String()) != "[]" {
		t.Fatalf("GET = %d %q, want 200 []", w.Code, w.Body)
	}
}

func TestListHonoursLimit(t *testing.T) {
	s := newTestServer(t)
	for _, text := range []string{"a", "b", "c"} {
		do(t, s, "POST", "/api/records", `{"text":"`+text+`"}`)
	}
	got := decode[[]Record](t, do(t, s, "GET", "/api/records?limit=2", ""))
	if len(got) != 2 || got[0].Text != "c" || got[1].Text != "b" {
		t.Fatalf("limit=2 returned %+v, want c then b", got)
	}
}

func TestListRejectsBadLimit(t *testing.T) {
	s := newTestServer(t)
	for _, limit := range []string{"0", "-1", "1001", "ten"} {
		w := do(t, s, "GET", "/api/records?limit="+limit, "")
		if w.Code != http.StatusBadRequest {
			t.Errorf("limit=%s: status %d, want 400", limit, w.Code)
		}
		if got := decode[map[string]string](t, w)["error"]; got !=
			"limit must be an integer from 1 to 1000" {
			t.Errorf("limit=%s: error %q", limit, got)
		}
	}
}

func TestCreateRejectsInvalidInput(t *testing.T) {
	tests := []struct {
		name, body, wantErr string
	}{
		{"empty text", `{"text":""}`, `field "text" must not be empty`},
		{"blank text", `{"text":" \t\n"}`, `field "text" must not be empty`},
		{"missing text", `{}`, `field "text" is required`},
		{"null text", `{"text":null}`, `field "text" is required`},
		{"oversized text", `{"text":"` + strings.Repeat("é", 1001) + `"}`,
			`field "text" must be at most 1000 characters`},
		// The decoder's own wording follows "invalid JSON: "; only the prefix is ours.
		{"not JSON", `text=hi`, "invalid JSON: *"},
		{"wrong type", `{"text":42}`, "invalid JSON: *"},
		{"unknown field", `{"text":"hi","x":1}`, `invalid JSON: json: unknown field "x"`},
		{"trailing data", `{"text":"hi"} {}`,
			"invalid JSON: unexpected data after object"},
	}
	s := newTestServer(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := do(t, s, "POST", "/api/records", tt.body)
			if w.Code != http.StatusBadRequest {
				t.Fatalf("status = %d, want 400; body %s", w.Code, w.Body)
			}
			got := decode[map[string]string](t, w)["error"]
			if prefix, ok := strings.CutSuffix(tt.wantErr, "*"); ok {
				if !strings.HasPrefix(got, prefix) || len(got) == len(prefix) {
					t.Errorf("error = %q, want %q followed by a reason", got, prefix)
				}
			} else if got != tt.wantErr {
				t.Errorf("error = %q, want %q", got, tt.wantErr)
			}
		})
	}
	if got := decode[[]Record](t, do(t, s, "GET", "/api/records", "")); len(got) != 0 {
		t.Errorf("rejected requests stored records: %+v", got)
	}
}

func TestCreateAcceptsTextAtLengthLimit(t *testing.T) {
	text := strings.Repeat("é", 1000) // 1000 characters, 2000 bytes
	w := do(t, newTestServer(t), "POST", "/api/records", `{"text":"`+text+`"}`)
	if w.Code != http.StatusCreated {
		t.Fatalf("status = %d, want 201; body %s", w.Code, w.Body)
	}
	if got := decode[Record](t, w).Text; got != text {
		t.Errorf("stored text has %d bytes, want %d", len(got), len(text))
	}
}

func TestCreateRejectsOversizedBody(t *testing.T) {
	body := `{"text":"` + strings.Repeat("a", 20<<10) + `"}`
	w := do(t, newTestServer(t), "POST", "/api/records", body)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("status = %d, want 413", w.Code)
	}
	if got := decode[map[string]string](t, w)["error"]; got != "request body too large" {
		t.Errorf("error = %q", got)
	}
}

func TestHealthzOKWhenDatabaseWorks(t *testing.T) {
	w := do(t, newTestServer(t), "GET", "/healthz", "")
	if w.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200", w.Code)
	}
	if got := decode[map[string]string](t, w); got["status"] != "ok" || len(got) != 1 {
		t.Errorf("body = %v, want {status: ok}", got)
	}
}

func TestHealthzUnavailableWhenDatabaseClosed(t *testing.T) {
	s := newTestServer(t)
	if err := s.store.Close(); err != nil {
		t.Fatal(err)
	}
	w := do(t, s, "GET", "/healthz", "")
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("status = %d, want 503", w.Code)
	}
	if got := decode[map[string]string](t, w)["status"]; got != "unavailable" {
		t.Errorf("status field = %q, want unavailable", got)
	}
}

func TestTimeUsesServerLocation(t *testing.T) {
	tests := []struct {
		zone string
		want timeResponse
	}{
		{"Asia/Shanghai", timeResponse{"2026-12-03T23:57:41+08:00", "CST", 28800}},
		{"America/New_York", timeResponse{"2026-12-03T10:57:41-05:00", "EST", -18000}},
		{"UTC", timeResponse{"2026-12-03T15:57:41Z", "UTC", 0}},
	}
	for _, tt := range tests {
		t.Run(tt.zone, func(t *testing.T) {
			// Loads from the embedded time/tzdata when the host has no zoneinfo.
			loc, err := time.LoadLocation(tt.zone)
			if err != nil {
				t.Fatal(err)
			}
			s := newTestServer(t)
			s.loc = loc
			w := do(t, s, "GET", "/api/time", "")
			if w.Code != http.StatusOK {
				t.Fatalf("status = %d", w.Code)
			}
			if got := decode[timeResponse](t, w); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestIndexServesEmbeddedUI(t *testing.T) {
	s := newTestServer(t)
	w := do(t, s, "GET", "/", "")
	if w.Code != http.StatusOK {
		t.Fatalf("GET / status = %d", w.Code)
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if !strings.Contains(w.Body.String(), `<script src="app.js" defer></script>`) {
		t.Errorf("index.html does not load app.js:\n%s", w.Body)
	}
	if w = do(t, s, "GET", "/app.js", ""); w.Code != http.StatusOK ||
		!strings.Contains(w.Body.String(), `fetch("api/records"`) {
		t.Errorf("GET /app.js = %d, body without the API call", w.Code)
	}
}

func TestWrongMethodIsRejected(t *testing.T) {
	w := do(t, newTestServer(t), "DELETE", "/api/records", "")
	if w.Code != http.StatusMethodNotAllowed {
		t.Fatalf("status = %d, want 405", w.Code)
	}
	if allow := w.Header().Get("Allow"); allow != "GET, HEAD, POST" {
		t.Errorf("Allow = %q", allow)
	}
}

func TestUnknownCommandIsUsageError(t *testing.T) {
	var out, errOut strings.Builder
	if code := run([]string{"frobnicate"}, &out, &errOut); code != 2 {
		t.Fatalf("exit code = %d, want 2", code)
	}
	if !strings.HasPrefix(errOut.String(), `unknown command "frobnicate"`) {
		t.Errorf("stderr = %q", errOut.String())
	}
}
