package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// seedDatabase creates a closed goship database at path holding texts, in order.
func seedDatabase(t *testing.T, path string, texts ...string) {
	t.Helper()
	store, err := OpenStore(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range texts {
		if _, err := store.Create(context.Background(), text); err != nil {
			t.Fatal(err)
		}
	}
	// Closing the last connection folds the WAL into the file and removes it.
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
}

// writeFiles creates each named file in dir with its own name as content.
func writeFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, name := range names {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(name), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// dirNames returns the names in dir, sorted.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, entry := range entries {
		names = append(names, entry.Name())
	}
	return names
}

// runCommand runs the CLI with args and returns its exit code, stdout and stderr.
func runCommand(args ...string) (int, string, string) {
	var stdout, stderr strings.Builder
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// unsetS3Env keeps a BACKUP_S3_BUCKET of the environment running `go test` out of a test.
func unsetS3Env(t *testing.T) {
	t.Helper()
	t.Setenv("BACKUP_S3_BUCKET", "")
}

func TestBackupNameIsTheUTCStartTime(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	started := time.Date(2026, 12, 4, 2, 44, 0, 999_000_000, shanghai)

	if got := backupName(started); got != "goship-20261203T184400Z.db" {
		t.Errorf("backupName = %q, want goship-20261203T184400Z.db", got)
	}
}

func TestBackupToDirWritesOnlyTheNamedCheckedCopy(t *testing.T) {
	dbFile := dbPath(t.TempDir())
	seedDatabase(t, dbFile, "one", "two")
	dir := t.TempDir()
	started := time.Date(2026, 12, 3, 18, 44, 0, 0, time.UTC)

	written, err := backupToDir(context.Background(), dbFile, dir, started)

	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "goship-20261203T184400Z.db"); written != want {
		t.Errorf("written = %q, want %q", written, want)
	}
	// No partial copy and no -wal or -shm file is left beside the backup.
	if got := dirNames(t, dir); !slices.Equal(got, []string{"goship-20261203T184400Z.db"}) {
		t.Errorf("backup directory holds %q", got)
	}
	check, _, texts := readBackup(t, written)
	if check != "ok" || fmt.Sprint(texts) != "[one two]" {
		t.Errorf("backup: integrity_check %q, texts %v; want ok, [one two]", check, texts)
	}
}

func TestBackupToDirRefusesASecondBackupInTheSameSecond(t *testing.T) {
	dbFile := dbPath(t.TempDir())
	seedDatabase(t, dbFile, "one")
	dir := t.TempDir()
	writeFiles(t, dir, "goship-20261203T184400Z.db")
	started := time.Date(2026, 12, 3, 18, 44, 0, 0, time.UTC)

	_, err := backupToDir(context.Background(), dbFile, dir, started)

	want := filepath.Join(dir, "goship-20261203T184400Z.db") +
		" already exists: start at most one backup per second"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "goship-20261203T184400Z.db"))
	if string(data) != "goship-20261203T184400Z.db" {
		t.Errorf("the existing backup was changed to %d bytes", len(data))
	}
}

func TestPruneKeepsTheNewestAndTouchesNoOtherFile(t *testing.T) {
	dir := t.TempDir()
	backups := []string{
		"goship-20261201T000000Z.db",
		"goship-20261202T000000Z.db",
		"goship-20261203T000000Z.db",
		"goship-20261203T184400Z.db",
	}
	others := []string{
		".goship-20261130T000000Z.db.partial",
		"goship-20261130T000000Z.db.bak",
		"goship-manual.db",
		"notes.txt",
	}
	writeFiles(t, dir, backups...)
	writeFiles(t, dir, others...)

	removed, err := pruneBackups(dir, "goship-20261203T184400Z.db", 2)

	if err != nil {
		t.Fatal(err)
	}
	wantRemoved := []string{
		filepath.Join(dir, "goship-20261202T000000Z.db"),
		filepath.Join(dir, "goship-20261201T000000Z.db"),
	}
	if !slices.Equal(removed, wantRemoved) {
		t.Errorf("removed %q, want %q", removed, wantRemoved)
	}
	want := append([]string{"goship-20261203T000000Z.db", "goship-20261203T184400Z.db"},
		others...)
	slices.Sort(want)
	if got := dirNames(t, dir); !slices.Equal(got, want) {
		t.Errorf("directory holds %q, want %q", got, want)
	}
}

// A clock set back gives the new backup an older name than the last one; pruning by
// name alone would then delete the backup it has just written.
func TestPruneNeverRemovesTheBackupJustWritten(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, "goship-20261201T000000Z.db", "goship-20261203T000000Z.db")

	if _, err := pruneBackups(dir, "goship-20261201T000000Z.db", 1); err != nil {
		t.Fatal(err)
	}

	if got := dirNames(t, dir); !slices.Equal(got, []string{"goship-20261201T000000Z.db"}) {
		t.Errorf("directory holds %q, want only the backup just written", got)
	}
}

func TestBackupCommandKeepsTheNewestN(t *testing.T) {
	unsetS3Env(t)
	dbFile := dbPath(t.TempDir())
	seedDatabase(t, dbFile, "kept")
	dir := t.TempDir()
	writeFiles(t, dir, "goship-20200101T000000Z.db", "goship-20200102T000000Z.db",
		"goship-20200103T000000Z.db")

	code, stdout, stderr := runCommand("backup", "-db", dbFile, "-dir", dir, "-keep", "2")

	if code != 0 {
		t.Fatalf("exit code = %d, stderr %q", code, stderr)
	}
	written := strings.TrimSuffix(stdout, "\n")
	if filepath.Dir(written) != dir || !backupNamePattern.MatchString(filepath.Base(written)) {
		t.Fatalf("stdout = %q, want the new backup's path in %s", stdout, dir)
	}
	want := []string{backupLockName, "goship-20200103T000000Z.db", filepath.Base(written)}
	if got := dirNames(t, dir); !slices.Equal(got, want) {
		t.Errorf("directory holds %q, want %q", got, want)
	}
	wantLog := "removed old backup " + filepath.Join(dir, "goship-20200102T000000Z.db") + "\n" +
		"removed old backup " + filepath.Join(dir, "goship-20200101T000000Z.db") + "\n"
	if stderr != wantLog {
		t.Errorf("stderr = %q, want %q", stderr, wantLog)
	}
}

func TestFailedBackupPrunesNothing(t *testing.T) {
	unsetS3Env(t)
	missing := filepath.Join(t.TempDir(), "nope.db")
	dir := t.TempDir()
	old := []string{"goship-20200101T000000Z.db", "goship-20200102T000000Z.db"}
	writeFiles(t, dir, old...)

	code, stdout, stderr := runCommand("backup", "-db", missing, "-dir", dir, "-keep", "1")

	if code != 1 || stdout != "" {
		t.Fatalf("exit code = %d, stdout %q; want 1 and nothing", code, stdout)
	}
	if want := "error: stat " + missing + ": no such file or directory\n"; stderr != want {
		t.Errorf("stderr = %q, want %q", stderr, want)
	}
	if got := dirNames(t, dir); !slices.Equal(got, append([]string{backupLockName}, old...)) {
		t.Errorf("directory holds %q, want the lock and the old backups untouched: %q", got, old)
	}
}

func TestBackupCommandRefusesKeepBelowOne(t *testing.T) {
	code, _, stderr := runCommand("backup", "-dir", t.TempDir(), "-keep", "0")

	if code != 2 || stderr != "error: -keep is 0, but at least 1 backup must be kept\n" {
		t.Errorf("exit code = %d, stderr %q", code, stderr)
	}
}

func TestBackupCommandTakesEitherOutOrDir(t *testing.T) {
	for _, args := range [][]string{
		{"backup", "-out", "a.db", "-dir", "b"},
		{"backup", "-out", "a.db", "-keep", "3"},
		{"backup", "-keep", "3"},
	} {
		if code, _, stderr := runCommand(args...); code != 2 ||
			!strings.HasPrefix(stderr, "usage: goship-app backup -out PATH") {
			t.Errorf("%q: exit code = %d, stderr %q; want 2 and the usage", args, code, stderr)
		}
	}
}

func TestBackupWithIncompleteS3SettingsWritesNothing(t *testing.T) {
	dbFile := dbPath(t.TempDir())
	seedDatabase(t, dbFile, "one")
	dir := t.TempDir()
	writeFiles(t, dir, "goship-20200101T000000Z.db")
	t.Setenv("BACKUP_S3_BUCKET", "backups")
	t.Setenv("BACKUP_S3_ENDPOINT", "")

	code, stdout, stderr := runCommand("backup", "-db", dbFile, "-dir", dir, "-keep", "1")

	want := "error: BACKUP_S3_BUCKET is set, but BACKUP_S3_ENDPOINT is missing: set it to " +
		"the S3 API's URL, e.g. https://s3.us-east-1.amazonaws.com\n"
	if code != 2 || stdout != "" || stderr != want {
		t.Errorf("exit code = %d, stdout %q, stderr %q; want 2, nothing, %q",
			code, stdout, stderr, want)
	}
	if got := dirNames(t, dir); !slices.Equal(got, []string{"goship-20200101T000000Z.db"}) {
		t.Errorf("directory holds %q, want it unchanged", got)
	}
}

// s3StandIn answers every request with status and body, and records each request's
// method and path. A GET with status 200 reads body as the object.
func s3StandIn(t *testing.T, status int, body string) (*httptest.Server, *[]string) {
	t.Helper()
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		seen = append(seen, r.Method+" "+r.URL.Path)
		w.Header().Set("ETag", `"0123456789abcdef0123456789abcdef"`)
		// As S3 sends them; the client refuses an object whose GET has no Last-Modified.
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Header().Set("Last-Modified", "Thu, 03 Dec 2026 19:30:00 GMT")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

func setS3Env(t *testing.T, endpoint string) {
	t.Helper()
	t.Setenv("BACKUP_S3_BUCKET", "backups")
	t.Setenv("BACKUP_S3_PREFIX", "goship/prod/")
	t.Setenv("BACKUP_S3_ENDPOINT", endpoint)
	t.Setenv("BACKUP_S3_REGION", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "example-key")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "example-secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
}

func TestBackupUploadsToPrefixPathStyle(t *testing.T) {
	srv, seen := s3StandIn(t, http.StatusOK, "")
	setS3Env(t, srv.URL)
	dbFile := dbPath(t.TempDir())
	seedDatabase(t, dbFile, "one")
	dir := t.TempDir()

	code, stdout, stderr := runCommand("backup", "-db", dbFile, "-dir", dir, "-keep", "1")

	if code != 0 {
		t.Fatalf("exit code = %d, stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	name := filepath.Base(lines[0])
	want := []string{filepath.Join(dir, name), "s3://backups/goship/prod/" + name}
	if !slices.Equal(lines, want) {
		t.Errorf("stdout lines = %q, want %q", lines, want)
	}
	if want := []string{"PUT /backups/goship/prod/" + name}; !slices.Equal(*seen, want) {
		t.Errorf("requests = %q, want %q", *seen, want)
	}
}

func TestFailedUploadKeepsTheLocalCopyAndPrunesNothing(t *testing.T) {
	srv, _ := s3StandIn(t, http.StatusForbidden, "<Error><Code>SignatureDoesNotMatch</Code>"+
		"<Message>The request signature we calculated does not match the signature you "+
		"provided.</Message></Error>")
	setS3Env(t, srv.URL)
	dbFile := dbPath(t.TempDir())
	seedDatabase(t, dbFile, "one")
	dir := t.TempDir()
	writeFiles(t, dir, "goship-20200101T000000Z.db")

	code, stdout, stderr := runCommand("backup", "-db", dbFile, "-dir", dir, "-keep", "1")

	if code != 1 {
		t.Fatalf("exit code = %d, want 1", code)
	}
	written := strings.TrimSuffix(stdout, "\n")
	name := filepath.Base(written)
	want := "error: the backup " + written + " is kept, but upload to " +
		"s3://backups/goship/prod/" + name + " at " + srv.URL + " failed: " +
		"SignatureDoesNotMatch (HTTP 403): The request signature we calculated does not " +
		"match the signature you provided.\n"
	if stderr != want {
		t.Errorf("stderr = %q\nwant     %q", stderr, want)
	}
	wantNames := []string{backupLockName, "goship-20200101T000000Z.db", name}
	if got := dirNames(t, dir); !slices.Equal(got, wantNames) {
		t.Errorf("directory holds %q, want the old backup and the new one", got)
	}
}

func TestBackupRunWaitsForTheRunThatHoldsTheDirectory(t *testing.T) {
	unsetS3Env(t)
	dbFile := dbPath(t.TempDir())
	seedDatabase(t, dbFile, "one")
	dir := t.TempDir()
	unlock, err := lockBackupDir(dir, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		code           int
		stdout, stderr string
	}
	done := make(chan result)

	go func() {
		code, stdout, stderr := runCommand("backup", "-db", dbFile, "-dir", dir, "-keep", "1")
		done <- result{code, stdout, stderr}
	}()

	select {
	case r := <-done:
		t.Fatalf("the second run ended while the first held the directory: %+v", r)
	case <-time.After(500 * time.Millisecond):
	}
	if got := dirNames(t, dir); !slices.Equal(got, []string{backupLockName}) {
		t.Errorf("while waiting, the directory holds %q, want only the lock", got)
	}
	unlock()
	r := <-done
	if r.code != 0 || !backupNamePattern.MatchString(filepath.Base(strings.TrimSpace(r.stdout))) {
		t.Fatalf("after the wait: %+v, want exit 0 and the new backup's path", r)
	}
	want := "waiting for the backup run that holds " + filepath.Join(dir, backupLockName) + "\n"
	if r.stderr != want {
		t.Errorf("stderr = %q, want %q", r.stderr, want)
	}
}

func TestS3EndpointMustBeAURLWithAHostAndNothingAfterIt(t *testing.T) {
	for _, endpoint := range []string{
		"https://:9000", "s3.example.com", "https://s3.example.com/path",
		"https://s3.example.com?x=1", "https://user:pw@s3.example.com", "https://s3.example.com#f",
	} {
		setS3Env(t, endpoint)

		_, err := s3TargetFromEnv(os.Getenv)

		want := fmt.Sprintf("BACKUP_S3_ENDPOINT is %q, but it must be an http:// or https:// "+
			"URL with a host and nothing after it, e.g. https://s3.example.com", endpoint)
		if err == nil || err.Error() != want {
			t.Errorf("endpoint %q: err = %v, want %q", endpoint, err, want)
		}
	}
	for _, endpoint := range []string{"https://s3.example.com", "http://127.0.0.1:9000/"} {
		setS3Env(t, endpoint)
		if _, err := s3TargetFromEnv(os.Getenv); err != nil {
			t.Errorf("endpoint %q: %v, want it accepted", endpoint, err)
		}
	}
}
