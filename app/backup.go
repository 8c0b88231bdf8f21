package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"
)

// backupTimeLayout names each backup by its UTC start time; the fixed width makes the
// names sort in time order.
const backupTimeLayout = "20060102T150405Z"

// backupNamePattern matches the backups that -keep counts and prunes, and nothing else:
// no partial copy, no file someone else put in the directory.
var backupNamePattern = regexp.MustCompile(`^goship-\d{8}T\d{6}Z\.db$`)

// recordColumns are the columns of the records table that the app reads and writes.
var recordColumns = []string{"id", "text", "created_at"}

// runBackup copies the database in DB_DIR (or -db) while a server may be writing to it:
// to -out, or to a new timestamped file in -dir, pruned to the newest -keep.
func runBackup(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "path of the backup file to create (must not exist)")
	dir := fs.String("dir", "", "directory for a new goship-<UTC time>.db backup")
	keep := fs.Int("keep", 7, "with -dir: how many goship-*.db backups to keep, new one included")
	db := fs.String("db", dbPath(envOr("DB_DIR", "/app/db")), "database file to back up")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	keepSet := false
	fs.Visit(func(f *flag.Flag) { keepSet = keepSet || f.Name == "keep" })
	if (*out == "") == (*dir == "") || (*out != "" && keepSet) || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: goship-app backup -out PATH [-db FILE]\n"+
			"       goship-app backup -dir DIR [-keep N] [-db FILE]")
		return 2
	}
	if *keep < 1 {
		fmt.Fprintf(stderr, "error: -keep is %d, but at least 1 backup must be kept\n", *keep)
		return 2
	}

	ctx := context.Background()
	if *out != "" {
		if err := backupToFile(ctx, *db, *out); err != nil {
			fmt.Fprintln(stderr, "error:", err)
			return 1
		}
		fmt.Fprintf(stdout, "backup written to %s\n", *out)
		return 0
	}

	// A bad upload setting fails here, before a copy exists that -keep would count.
	target, err := s3TargetFromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintln(stderr, "error:", err)
		return 2
	}
	// A run started by hand (kubectl create job --from=cronjob/...) may overlap the
	// scheduled one: each would count the other's new copy as old and prune it.
	unlock, err := lockBackupDir(*dir, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "error:", err)
		return 1
	}
	defer unlock()
	written, err := backupToDir(ctx, *db, *dir, time.Now())
	if err != nil {
		fmt.Fprintln(stderr, "error:", err)
		return 1
	}
	fmt.Fprintln(stdout, written)
	if target != nil {
		object, err := target.upload(ctx, written)
		// LIMITATION: a failed upload prunes nothing, so while the bucket stays out of
		// reach every run adds its copies (three with the Job's retries) to the claim
		// until it is full; nothing prunes the bucket either.
		if err != nil {
			fmt.Fprintf(stderr, "error: the backup %s is kept, but %v\n", written, err)
			return 1
		}
		fmt.Fprintln(stdout, object)
	}
	removed, err := pruneBackups(*dir, filepath.Base(written), *keep)
	for _, name := range removed {
		fmt.Fprintln(stderr, "removed old backup", name)
	}
	if err != nil {
		fmt.Fprintf(stderr, "error: backup %s is written, but pruning failed: %v\n", written, err)
		return 1
	}
	return 0
}

// backup writes a consistent snapshot of the database file dbFile to out.
func backup(ctx context.Context, dbFile, out string) error {
	// OpenStore would create a missing database, and an empty backup of the wrong
	// path is worse than an error.
	if _, err := os.Stat(dbFile); err != nil {
		return err
	}
	store, err := OpenStore(ctx, dbFile)
	if err != nil {
		return err
	}
	defer store.Close()
	return store.Backup(ctx, out)
}

// backupToFile writes a snapshot of dbFile to out and checks it and syncs it the way a
// -dir backup is, so that the copy the restore procedure makes to undo a restore is
// sound. A copy that fails is removed.
func backupToFile(ctx context.Context, dbFile, out string) error {
	if err := backup(ctx, dbFile, out); err != nil {
		return err
	}
	err := checkDatabase(ctx, out, "the copy of "+dbFile)
	if err == nil {
		err = syncFile(out)
	}
	if err == nil {
		err = syncDir(filepath.Dir(out))
	}
	if err != nil {
		os.Remove(out)
	}
	return err
}

// backupName is the file name of a backup started at t.
func backupName(t time.Time) string {
	return "goship-" + t.UTC().Format(backupTimeLayout) + ".db"
}

// backupToDir writes a checked snapshot of dbFile to dir as backupName(started) and
// returns its path. The copy only gets that name once it is complete, checked and on
// disk, so a backup cut short never counts as one of the -keep newest.
func backupToDir(ctx context.Context, dbFile, dir string, started time.Time) (string, error) {
	if info, err := os.Stat(dir); err != nil {
		return "", fmt.Errorf("backup directory: %w", err)
	} else if !info.IsDir() {
		return "", fmt.Errorf("backup directory %s is not a directory", dir)
	}
	// SQLite would only say "unable to open database file" about a folder it cannot write.
	probe, err := os.CreateTemp(dir, ".goship-write-check-*")
	if err != nil {
		return "", notWritable(dir, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	final := filepath.Join(dir, backupName(started))
	if _, err := os.Lstat(final); err == nil {
		return "", fmt.Errorf("%s already exists: start at most one backup per second", final)
	}
	// The leading dot and the suffix keep the partial copy out of backupNamePattern.
	// LIMITATION: a backup killed before it can clean up (OOM, SIGKILL) leaves its
	// .partial file behind, and no later run removes it: it may still be another run's
	// copy in progress.
	partial := filepath.Join(dir, "."+backupName(started)+".partial")

	if err := backup(ctx, dbFile, partial); err != nil {
		os.Remove(partial) // VACUUM INTO may leave a half-written file behind
		return "", err
	}
	if err := checkDatabase(ctx, partial, "the copy of "+dbFile); err != nil {
		os.Remove(partial)
		return "", err
	}
	// VACUUM INTO does not sync what it writes; the rename must not reach the disk
	// before the bytes it names.
	if err := syncFile(partial); err != nil {
		os.Remove(partial)
		return "", err
	}
	if err := os.Rename(partial, final); err != nil {
		os.Remove(partial)
		return "", err
	}
	if err := syncDir(dir); err != nil {
		return "", err
	}
	return final, nil
}

// backupLockName is the file in a backup directory that one run at a time holds locked
// from its copy to its pruning. It never matches backupNamePattern.
const backupLockName = ".goship-backup.lock"

// lockBackupDir waits until no other backup run holds dir, then holds it until the
// returned function is called. It says on stderr when it has to wait.
func lockBackupDir(dir string, stderr io.Writer) (func(), error) {
	if info, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("backup directory: %w", err)
	} else if !info.IsDir() {
		return nil, fmt.Errorf("backup directory %s is not a directory", dir)
	}
	path := filepath.Join(dir, backupLockName)
	// The file stays: removing it would let a third run lock a new file beside a
	// second run that still holds the old one.
	lock, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, notWritable(dir, err)
	}
	fd := int(lock.Fd())
	err = syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		fmt.Fprintf(stderr, "waiting for the backup run that holds %s\n", path)
		err = syscall.Flock(fd, syscall.LOCK_EX)
	}
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	// Closing the file releases the lock.
	return func() { lock.Close() }, nil
}

func notWritable(dir string, err error) error {
	return fmt.Errorf("backup directory %s is not writable by uid %d: %w", dir, os.Getuid(), err)
}

// pruneBackups removes the oldest backups in dir so that keep remain, counting newest
// (the one just written) as one of them even if a clock set back gave it an older name.
// It returns the paths it removed.
func pruneBackups(dir, newest string, keep int) ([]string, error) {
	names, err := backupNames(dir)
	if err != nil {
		return nil, err
	}
	older := slices.DeleteFunc(names, func(name string) bool { return name == newest })
	// Newest first: the ones past keep-1 go.
	slices.Reverse(older)
	var removed []string
	for _, name := range older[min(keep-1, len(older)):] {
		path := filepath.Join(dir, name)
		if err := os.Remove(path); err != nil {
			return removed, err
		}
		removed = append(removed, path)
	}
	return removed, nil
}

// backupNames lists the complete backups in dir, oldest first: the names sort in time order.
func backupNames(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, entry := range entries {
		if entry.Type().IsRegular() && backupNamePattern.MatchString(entry.Name()) {
			names = append(names, entry.Name())
		}
	}
	slices.Sort(names)
	return names, nil
}

// checkDatabase fails unless the file at path is a SQLite database that passes
// integrity_check and has the records table with the columns the app uses. Its errors
// call the file label.
func checkDatabase(ctx context.Context, path, label string) error {
	uri, err := sqliteFileURI(path)
	if err != nil {
		return err
	}
	// immutable=1 reads the bytes of this one file only: SQLite neither applies nor
	// creates -wal, -shm or -journal files beside it, so what passes is what gets
	// copied or renamed.
	db, err := sql.Open("sqlite", uri+"?mode=ro&immutable=1")
	if err != nil {
		return err
	}
	defer db.Close()

	var result string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check(1)`).Scan(&result); err != nil {
		return fmt.Errorf("%s is not a readable SQLite database: %w", label, err)
	}
	if result != "ok" {
		// The report may span lines; the error stays one line.
		return fmt.Errorf("%s fails SQLite's integrity check: %s", label,
			strings.ReplaceAll(result, "\n", " "))
	}

	rows, err := db.QueryContext(ctx, `SELECT name FROM pragma_table_info('records')`)
	if err != nil {
		return fmt.Errorf("cannot read the schema of %s: %w", label, err)
	}
	defer rows.Close()
	var columns []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return fmt.Errorf("cannot read the schema of %s: %w", label, err)
		}
		columns = append(columns, name)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("cannot read the schema of %s: %w", label, err)
	}
	if len(columns) == 0 {
		return fmt.Errorf("%s is not a goship database: it has no records table", label)
	}
	for _, want := range recordColumns {
		if !slices.Contains(columns, want) {
			return fmt.Errorf("%s is not a goship database: its records table has no %s column",
				label, want)
		}
	}
	return nil
}

// sqliteFileURI returns path as a SQLite file: URI, in which '?', '#' and '%' would
// otherwise start a query, a fragment or an escape.
func sqliteFileURI(path string) (string, error) {
	// Absolute and clean: a leading "//" would read as a URI authority.
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	return "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(abs), nil
}

// syncFile flushes the file at path to disk.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return f.Close()
}

// syncDir flushes dir's entries, so that a rename in it survives a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	// Some network file systems cannot sync a directory and say so with EINVAL; their
	// renames are as durable as they get.
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
