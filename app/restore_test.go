package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
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

	if code != 2 || stderr != "usage: goship-app restore -from FILE [-db PATH]\n" {
		t.Errorf("exit code = %d, stderr %q", code, stderr)
	}
}
