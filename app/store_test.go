package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readBackup opens the backup file read-only and returns its integrity check result
// and its record ids and texts in id order.
func readBackup(t *testing.T, path string) (check string, ids []int64, texts []string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT id, text FROM records ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var text string
		if err := rows.Scan(&id, &text); err != nil {
			t.Fatal(err)
		}
		ids, texts = append(ids, id), append(texts, text)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return check, ids, texts
}

func TestBackupHoldsRecords(t *testing.T) {
	ctx := context.Background()
	store := openTestStore(t, dbPath(t.TempDir()))
	for _, text := range []string{"one", "two", "three"} {
		if _, err := store.Create(ctx, text); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "backup.db")
	if err := store.Backup(ctx, out); err != nil {
		t.Fatal(err)
	}
	check, ids, texts := readBackup(t, out)
	if check != "ok" {
		t.Errorf("integrity_check = %q", check)
	}
	if got := fmt.Sprint(ids, texts); got != "[1 2 3] [one two three]" {
		t.Errorf("backup holds %s, want [1 2 3] [one two three]", got)
	}
}

// The backup runs through its own connection pool, as `goship-app backup` does in a
// second process, while a writer keeps inserting through the server's pool.
func TestBackupIsConsistentWhileWritesContinue(t *testing.T) {
	ctx := context.Background()
	dbFile := dbPath(t.TempDir())
	store := openTestStore(t, dbFile)
	const seeded = 50
	for i := 1; i <= seeded; i++ {
		if _, err := store.Create(ctx, fmt.Sprintf("seed %d", i)); err != nil {
			t.Fatal(err)
		}
	}

	stop := make(chan struct{})
	writing := make(chan struct{}) // closed once the writer has committed a record
	done := make(chan error, 1)
	var written int
	go func() {
		for i := 1; ; i++ {
			if _, err := store.Create(ctx, fmt.Sprintf("live %d", i)); err != nil {
				done <- err
				return
			}
			written = i
			if i == 1 {
				close(writing)
			}
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
		}
	}()
	<-writing

	out := filepath.Join(t.TempDir(), "backup.db")
	backupErr := backup(ctx, dbFile, out)
	close(stop)
	if err := <-done; err != nil {
		t.Fatalf("writer failed during backup: %v", err)
	}
	if backupErr != nil {
		t.Fatal(backupErr)
	}

	check, ids, texts := readBackup(t, out)
	if check != "ok" {
		t.Errorf("integrity_check = %q", check)
	}
	// One writer commits ids in order, so a consistent snapshot is exactly 1..n: all
	// seeds, then a prefix of the live records, with no gaps and nothing half-written.
	if len(ids) < seeded+1 || len(ids) > seeded+written {
		t.Fatalf("backup has %d records, want %d..%d", len(ids), seeded+1, seeded+written)
	}
	t.Logf("backup holds %d of the %d live records written", len(ids)-seeded, written)
	for i, id := range ids {
		want := fmt.Sprintf("seed %d", i+1)
		if i >= seeded {
			want = fmt.Sprintf("live %d", i+1-seeded)
		}
		if id != int64(i+1) || texts[i] != want {
			t.Fatalf("backup row %d = (%d, %q), want (%d, %q)", i, id, texts[i], i+1, want)
		}
	}
}

func TestBackupRefusesToOverwrite(t *testing.T) {
	store := openTestStore(t, dbPath(t.TempDir()))
	out := filepath.Join(t.TempDir(), "backup.db")
	if err := os.WriteFile(out, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := store.Backup(context.Background(), out)
	if err == nil || !strings.HasSuffix(err.Error(), "file already exists") {
		t.Fatalf("err = %v, want file already exists", err)
	}
	if data, _ := os.ReadFile(out); string(data) != "keep me" {
		t.Errorf("existing file was changed to %q", data)
	}
}

func TestBackupCommandWritesCopy(t *testing.T) {
	dir := t.TempDir()
	store := openTestStore(t, dbPath(dir))
	if _, err := store.Create(context.Background(), "from the CLI"); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DB_DIR", dir)
	out := filepath.Join(t.TempDir(), "copy.db")
	var stdout, stderr strings.Builder
	if code := run([]string{"backup", "-out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit code = %d, stderr %q", code, stderr.String())
	}
	if stdout.String() != "backup written to "+out+"\n" {
		t.Errorf("stdout = %q", stdout.String())
	}
	if _, _, texts := readBackup(t, out); fmt.Sprint(texts) != "[from the CLI]" {
		t.Errorf("backup texts = %v", texts)
	}
}

func TestBackupCommandFailsWithoutDatabase(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.db")
	out := filepath.Join(t.TempDir(), "copy.db")
	var stdout, stderr strings.Builder
	code := run([]string{"backup", "-db", missing, "-out", out}, &stdout, &stderr)
	if code != 1 {
		t.Fatalf("exit code = %d, want 1", code)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("backup created the missing database: %v", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("backup wrote %s for a missing database: %v", out, err)
	}
}

func TestBackupCommandRequiresOut(t *testing.T) {
	var stdout, stderr strings.Builder
	if code := run([]string{"backup"}, &stdout, &stderr); code != 2 {
		t.Fatalf("exit code = %d, want 2", code)
	}
}
