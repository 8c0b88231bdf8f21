package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// restoreTime is the clock reading the restore tests pass in; it names the kept file.
var restoreTime = time.Date(2026, 12, 3, 18, 44, 0, 0, time.UTC)

// texts returns the record texts of the database at path in id order, applying any
// WAL beside it.
func texts(t *testing.T, path string) []string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	store := openTestStore(t, path)
	recs, err := store.List(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := len(recs) - 1; i >= 0; i-- {
		got = append(got, recs[i].Text)
	}
	return got
}

// backupOf writes a goship backup holding records to a new file and returns its path.
func backupOf(t *testing.T, records ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "backup.db")
	seedDatabase(t, path, records...)
	return path
}

func TestRestoreKeepsThePreviousDatabase(t *testing.T) {
	dir := t.TempDir()
	seedDatabase(t, dbPath(dir), "old 1", "old 2")
	from := backupOf(t, "new 1")

	kept, err := restore(context.Background(), from, dbPath(dir), restoreTime)

	if err != nil {
		t.Fatal(err)
	}
	wantKept := filepath.Join(dir, "goship.db.before-restore-20261203T184400Z")
	if kept != wantKept {
		t.Errorf("kept = %q, want %q", kept, wantKept)
	}
	if got := texts(t, kept); fmt.Sprint(got) != "[old 1 old 2]" {
		t.Errorf("kept database holds %q, want [old 1 old 2]", got)
	}
	if got := texts(t, dbPath(dir)); fmt.Sprint(got) != "[new 1]" {
		t.Errorf("restored database holds %q, want [new 1]", got)
	}
}

// A server that was killed leaves commits in goship.db-wal. Left in place, that WAL
// would be applied to the restored file; moved with the old database, it keeps them.
func TestRestoreMovesTheStaleWALWithTheOldDatabase(t *testing.T) {
	live := dbPath(t.TempDir())
	store := openTestStore(t, live)
	for _, text := range []string{"old 1", "old 2"} {
		if _, err := store.Create(context.Background(), text); err != nil {
			t.Fatal(err)
		}
	}
	// Copy the files while the store is open: what a killed server leaves behind.
	dir := t.TempDir()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		data, err := os.ReadFile(live + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dbPath(dir)+suffix, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if info, _ := os.Stat(dbPath(dir) + "-wal"); info.Size() == 0 {
		t.Fatal("setup: the WAL holds no commits")
	}
	from := backupOf(t, "new 1")

	kept, err := restore(context.Background(), from, dbPath(dir), restoreTime)

	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"goship.db",
		"goship.db.before-restore-20261203T184400Z",
		"goship.db.before-restore-20261203T184400Z-wal",
	}
	if got := dirNames(t, dir); !slices.Equal(got, want) {
		t.Errorf("directory holds %q, want %q", got, want)
	}
	if got := texts(t, dbPath(dir)); fmt.Sprint(got) != "[new 1]" {
		t.Errorf("restored database holds %q, want [new 1]", got)
	}
	if got := texts(t, kept); fmt.Sprint(got) != "[old 1 old 2]" {
		t.Errorf("kept database with its WAL holds %q, want [old 1 old 2]", got)
	}
}

func TestRestoreRefusesAFileThatIsNotASoundGoshipDatabase(t *testing.T) {
	notSQLite := filepath.Join(t.TempDir(), "notes.db")
	if err := os.WriteFile(notSQLite, []byte("just some text\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	otherApp := filepath.Join(t.TempDir(), "other.db")
	db, err := sql.Open("sqlite", otherApp)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	corrupt := corruptBackup(t)

	for _, tc := range []struct{ from, want string }{
		{notSQLite, notSQLite + " is not a readable SQLite database: file is not a database (26)"},
		{otherApp, otherApp + " is not a goship database: it has no records table"},
		{corrupt, corrupt + " fails SQLite's integrity check: *** in database main *** " +
			"Tree 2 page 3: btreeInitPage() returns error code 11"},
	} {
		dir := t.TempDir()
		seedDatabase(t, dbPath(dir), "current")
		before, _ := os.ReadFile(dbPath(dir))

		_, err := restore(context.Background(), tc.from, dbPath(dir), restoreTime)

		if err == nil || err.Error() != tc.want {
			t.Errorf("restore %s: err = %v, want %q", tc.from, err, tc.want)
		}
		// Nothing was moved, copied or left behind; the database is byte for byte the same.
		if got := dirNames(t, dir); !slices.Equal(got, []string{"goship.db"}) {
			t.Errorf("restore %s: directory holds %q, want only goship.db", tc.from, got)
		}
		if after, _ := os.ReadFile(dbPath(dir)); string(after) != string(before) {
			t.Errorf("restore %s changed goship.db", tc.from)
		}
	}
}

// corruptBackup returns a goship backup whose records table has a page overwritten.
func corruptBackup(t *testing.T) string {
	t.Helper()
	texts := make([]string, 200)
	for i := range texts {
		texts[i] = fmt.Sprintf("record %03d with enough text to fill several pages", i)
	}
	path := backupOf(t, texts...)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const pageSize = 4096
	if len(data) < 4*pageSize {
		t.Fatalf("setup: backup has %d bytes, want at least 4 pages", len(data))
	}
	// Page 3 is a leaf of the records table; zeros are not a valid b-tree page.
	clear(data[2*pageSize : 3*pageSize])
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRestoreRefusesABackupWithCommitsInItsWAL(t *testing.T) {
	from := backupOf(t, "one")
	if err := os.WriteFile(from+"-wal", []byte("frames"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()

	_, err := restore(context.Background(), from, dbPath(dir), restoreTime)

	want := from + " has commits in " + from + "-wal that a copy of the file alone would " +
		"lose; restore a copy made with `goship-app backup -db " + from + " -out COPY` instead"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
	if got := dirNames(t, dir); len(got) != 0 {
		t.Errorf("directory holds %q, want nothing", got)
	}
}

func TestRestoreCommandIntoAnEmptyDirectory(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DB_DIR", dir)
	from := backupOf(t, "one", "two")

	code, stdout, stderr := runCommand("restore", "-from", from)

	if code != 0 {
		t.Fatalf("exit code = %d, stderr %q", code, stderr)
	}
	if want := "restored " + from + " to " + dbPath(dir) + "\n"; stdout != want {
		t.Errorf("stdout = %q, want %q", stdout, want)
	}
	if got := texts(t, dbPath(dir)); fmt.Sprint(got) != "[one two]" {
		t.Errorf("restored database holds %q, want [one two]", got)
	}
	if info, _ := os.Stat(dbPath(dir)); info.Mode().Perm() != 0o600 {
		t.Errorf("restored database mode = %v, want 0600", info.Mode().Perm())
	}
}

func TestRestoreCommandFromAFolderTakesItsNewestBackup(t *testing.T) {
	dir, folder := t.TempDir(), t.TempDir()
	t.Setenv("DB_DIR", dir)
	for name, record := range map[string]string{
		"goship-20261201T193000Z.db": "older",
		"goship-20261202T193000Z.db": "newest",
		"goship-2026.db":             "not a backup name",
	} {
		seedDatabase(t, filepath.Join(folder, name), record)
	}

	code, stdout, stderr := runCommand("restore", "-from", folder)

	newest := filepath.Join(folder, "goship-20261202T193000Z.db")
	if code != 0 || stdout != "restored "+newest+" to "+dbPath(dir)+"\n" {
		t.Fatalf("exit code = %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if got := texts(t, dbPath(dir)); fmt.Sprint(got) != "[newest]" {
		t.Errorf("restored database holds %q, want [newest]", got)
	}
}

func TestRestoreCommandFromAFolderWithoutBackupsChangesNothing(t *testing.T) {
	dir, folder := t.TempDir(), t.TempDir()
	seedDatabase(t, dbPath(dir), "kept")

	code, stdout, stderr := runCommand("restore", "-from", folder, "-db", dbPath(dir))

	want := "error: nothing restored: " + folder + " holds no backup named like " +
		"goship-<UTC time>.db\n"
	if code != 1 || stdout != "" || stderr != want {
		t.Errorf("exit code = %d, stdout %q, stderr %q; want 1, nothing, %q",
			code, stdout, stderr, want)
	}
	if got := texts(t, dbPath(dir)); fmt.Sprint(got) != "[kept]" {
		t.Errorf("database holds %q, want [kept]", got)
	}
}

func TestRestoreCommandReportsTheKeptDatabase(t *testing.T) {
	dir := t.TempDir()
	seedDatabase(t, dbPath(dir), "old")
	from := backupOf(t, "new")

	code, stdout, _ := runCommand("restore", "-from", from, "-db", dbPath(dir))

	if code != 0 {
		t.Fatalf("exit code = %d", code)
	}
	kept := dbPath(dir) + ".before-restore-"
	if want := "restored " + from + " to " + dbPath(dir) + "\n" +
		"the previous database is kept as " + kept; len(stdout) < len(want) ||
		stdout[:len(want)] != want {
		t.Errorf("stdout = %q, want it to start with %q", stdout, want)
	}
}

func TestRestoreCommandFailsWithOneSentence(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.db")

	code, stdout, stderr := runCommand("restore", "-from", missing, "-db", dbPath(t.TempDir()))

	want := "error: nothing restored: open " + missing + ": no such file or directory\n"
	if code != 1 || stdout != "" || stderr != want {
		t.Errorf("exit code = %d, stdout %q, stderr %q; want 1, nothing, %q",
			code, stdout, stderr, want)
	}
}

func TestRestoreCommandRequiresFrom(t *testing.T) {
	code, _, stderr := runCommand("restore")

	want := "usage: goship-app restore -from FILE|FOLDER|s3://BUCKET/KEY [-db PATH]\n"
	if code != 2 || stderr != want {
		t.Errorf("exit code = %d, stderr %q", code, stderr)
	}
}

func TestParseS3URLTakesTheKeyAsItIs(t *testing.T) {
	for _, tc := range []struct{ raw, bucket, key string }{
		{"s3://backups/goship-20261203T193000Z.db", "backups", "goship-20261203T193000Z.db"},
		{"s3://backups/goship/prod/a.db", "backups", "goship/prod/a.db"},
		// Not URL syntax: a key keeps its '?', '#', '%' and spaces.
		{"s3://backups/odd ?#%41.db", "backups", "odd ?#%41.db"},
	} {
		bucket, key, err := parseS3URL(tc.raw)

		if err != nil || bucket != tc.bucket || key != tc.key {
			t.Errorf("parseS3URL(%q) = %q, %q, %v; want %q, %q", tc.raw, bucket, key, err,
				tc.bucket, tc.key)
		}
		if got := s3URL(bucket, key); got != tc.raw {
			t.Errorf("s3URL(%q, %q) = %q, want %q back", bucket, key, got, tc.raw)
		}
	}
}

func TestParseS3URLRefusesAURLWithoutAnObject(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{"s3://backups", "s3://backups names no object, only a bucket or a folder: use " +
			"s3://<bucket>/<key>, e.g. s3://backups/goship-20261203T193000Z.db"},
		{"s3://backups/goship/prod/", "s3://backups/goship/prod/ names no object, only a " +
			"bucket or a folder: use s3://<bucket>/<key>, e.g. " +
			"s3://backups/goship-20261203T193000Z.db"},
		{"/backup/a.db", `"/backup/a.db" is not an s3:// URL: use s3://<bucket>/<key>`},
		{"s3:///a.db", `s3:///a.db names the bucket "", which is not a valid bucket name ` +
			"(Bucket name cannot be empty): use s3://<bucket>/<key>"},
		{"s3://ab/a.db", `s3://ab/a.db names the bucket "ab", which is not a valid bucket ` +
			"name (Bucket name cannot be shorter than 3 characters): use s3://<bucket>/<key>"},
	} {
		_, _, err := parseS3URL(tc.raw)

		if err == nil || err.Error() != tc.want {
			t.Errorf("parseS3URL(%q): err = %v, want %q", tc.raw, err, tc.want)
		}
	}
}

// s3Restore sets the S3 variables that restore reads for the stand-in srv: endpoint and
// key, and no BACKUP_S3_BUCKET, which the s3:// URL replaces.
func s3Restore(t *testing.T, srv *httptest.Server) {
	t.Helper()
	setS3Env(t, srv.URL)
	t.Setenv("BACKUP_S3_BUCKET", "")
	t.Setenv("BACKUP_S3_PREFIX", "")
}

func TestRestoreFromS3PutsTheDownloadInPlaceAndKeepsTheOld(t *testing.T) {
	backup, err := os.ReadFile(backupOf(t, "new 1", "new 2"))
	if err != nil {
		t.Fatal(err)
	}
	srv, seen := s3StandIn(t, http.StatusOK, string(backup))
	s3Restore(t, srv)
	store, err := s3StoreFromEnv(os.Getenv, "test")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	seedDatabase(t, dbPath(dir), "old 1")

	kept, err := restoreFromS3(context.Background(), store, "backups",
		"goship/prod/goship-20261203T193000Z.db", dbPath(dir), restoreTime)

	if err != nil {
		t.Fatal(err)
	}
	want := []string{"GET /backups/goship/prod/goship-20261203T193000Z.db"}
	if !slices.Equal(*seen, want) {
		t.Errorf("requests = %q, want %q", *seen, want)
	}
	// The download went through the partial file, which is gone.
	want = []string{"goship.db", "goship.db.before-restore-20261203T184400Z"}
	if got := dirNames(t, dir); !slices.Equal(got, want) {
		t.Errorf("directory holds %q, want %q", got, want)
	}
	if got := texts(t, dbPath(dir)); fmt.Sprint(got) != "[new 1 new 2]" {
		t.Errorf("restored database holds %q, want [new 1 new 2]", got)
	}
	if got := texts(t, kept); fmt.Sprint(got) != "[old 1]" {
		t.Errorf("kept database %s holds %q, want [old 1]", kept, got)
	}
	if info, _ := os.Stat(dbPath(dir)); info.Mode().Perm() != 0o600 {
		t.Errorf("restored database mode = %v, want 0600", info.Mode().Perm())
	}
}

func TestRestoreCommandFromS3IntoAnEmptyDirectory(t *testing.T) {
	backup, err := os.ReadFile(backupOf(t, "one"))
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := s3StandIn(t, http.StatusOK, string(backup))
	s3Restore(t, srv)
	dir := t.TempDir()
	t.Setenv("DB_DIR", dir)

	code, stdout, stderr := runCommand("restore", "-from", "s3://backups/a.db")

	if code != 0 {
		t.Fatalf("exit code = %d, stderr %q", code, stderr)
	}
	if want := "restored s3://backups/a.db to " + dbPath(dir) + "\n"; stdout != want {
		t.Errorf("stdout = %q, want %q", stdout, want)
	}
	if got := texts(t, dbPath(dir)); fmt.Sprint(got) != "[one]" {
		t.Errorf("restored database holds %q, want [one]", got)
	}
}

// Each failure leaves the directory as it was: the database byte for byte, no kept
// copy and no partial download.
func TestFailedRestoreFromS3ChangesNothing(t *testing.T) {
	for _, tc := range []struct {
		name, body, want string
		status           int
	}{
		{
			name:   "object not found",
			status: http.StatusNotFound,
			body: "<Error><Code>NoSuchKey</Code><Message>The specified key does not " +
				"exist.</Message></Error>",
			want: "download of s3://backups/goship/nope.db from %s failed: NoSuchKey " +
				"(HTTP 404): The specified key does not exist.",
		},
		{
			name:   "access denied",
			status: http.StatusForbidden,
			body:   "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>",
			want: "download of s3://backups/goship/nope.db from %s failed: AccessDenied " +
				"(HTTP 403): Access Denied",
		},
		{
			name:   "not a database",
			status: http.StatusOK,
			body:   "just some text\n",
			want: "s3://backups/goship/nope.db is not a readable SQLite database: " +
				"file is not a database (26)",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := s3StandIn(t, tc.status, tc.body)
			s3Restore(t, srv)
			dir := t.TempDir()
			seedDatabase(t, dbPath(dir), "current")
			before, _ := os.ReadFile(dbPath(dir))

			code, stdout, stderr := runCommand("restore", "-from",
				"s3://backups/goship/nope.db", "-db", dbPath(dir))

			want := "error: nothing restored: " + tc.want + "\n"
			if strings.Contains(want, "%s") {
				want = fmt.Sprintf(want, srv.URL)
			}
			if code != 1 || stdout != "" || stderr != want {
				t.Errorf("exit code = %d, stdout %q, stderr %q; want 1, nothing, %q",
					code, stdout, stderr, want)
			}
			if got := dirNames(t, dir); !slices.Equal(got, []string{"goship.db"}) {
				t.Errorf("directory holds %q, want only goship.db", got)
			}
			if after, _ := os.ReadFile(dbPath(dir)); string(after) != string(before) {
				t.Error("goship.db was changed")
			}
		})
	}
}

func TestRestoreFromS3WithoutSettingsSendsNothing(t *testing.T) {
	srv, seen := s3StandIn(t, http.StatusOK, "")
	for _, tc := range []struct {
		unset []string
		want  string
	}{
		{[]string{"BACKUP_S3_ENDPOINT"}, "-from is an s3:// URL, but BACKUP_S3_ENDPOINT is " +
			"missing: set it to the S3 API's URL, e.g. https://s3.us-east-1.amazonaws.com"},
		{[]string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}, "-from is an s3:// URL, but " +
			"AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are missing: every request to the " +
			"bucket is signed with its access key"},
	} {
		s3Restore(t, srv)
		for _, key := range tc.unset {
			t.Setenv(key, "")
		}
		dir := t.TempDir()
		seedDatabase(t, dbPath(dir), "current")

		code, stdout, stderr := runCommand("restore", "-from", "s3://backups/a.db", "-db",
			dbPath(dir))

		want := "error: nothing restored: " + tc.want + "\n"
		if code != 2 || stdout != "" || stderr != want {
			t.Errorf("unset %q: exit code = %d, stdout %q, stderr %q; want 2, nothing, %q",
				tc.unset, code, stdout, stderr, want)
		}
		if got := dirNames(t, dir); !slices.Equal(got, []string{"goship.db"}) {
			t.Errorf("unset %q: directory holds %q, want only goship.db", tc.unset, got)
		}
	}
	if len(*seen) != 0 {
		t.Errorf("requests = %q, want none", *seen)
	}
}

func TestRestoreThatFailsAfterMovingTheDatabasePutsItBack(t *testing.T) {
	dir := t.TempDir()
	seedDatabase(t, dbPath(dir), "old")
	// An empty WAL beside the database moves with it; a folder in the way of its new
	// name makes that second rename fail after the database itself has moved.
	if err := os.WriteFile(dbPath(dir)+"-wal", nil, 0o600); err != nil {
		t.Fatal(err)
	}
	kept := dbPath(dir) + ".before-restore-20261203T184400Z"
	if err := os.MkdirAll(filepath.Join(kept+"-wal", "in-the-way"), 0o700); err != nil {
		t.Fatal(err)
	}

	_, err := restore(context.Background(), backupOf(t, "new"), dbPath(dir), restoreTime)

	if err == nil {
		t.Fatal("restore succeeded, want the rename error")
	}
	if _, statErr := os.Stat(kept); !os.IsNotExist(statErr) {
		t.Errorf("%s exists (%v), want the database moved back", kept, statErr)
	}
	want := []string{"goship.db", "goship.db-wal", filepath.Base(kept) + "-wal"}
	if got := dirNames(t, dir); !slices.Equal(got, want) {
		t.Errorf("directory holds %q, want %q", got, want)
	}
	if got := texts(t, dbPath(dir)); fmt.Sprint(got) != "[old]" {
		t.Errorf("database holds %q, want the previous [old]", got)
	}
}
