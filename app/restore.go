package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// runRestore puts a backup in place of the database in DB_DIR (or -db). The app must
// be stopped: a server that has the old database open keeps writing to it.
//
// LIMITATION: restore cannot tell whether a server has the database open (another pod
// may hold it), so stopping the app first is the operator's step.
//
// LIMITATION: the previous database stays beside the restored one; the image has no
// shell to delete it with, so it takes room on the data claim until removed by hand.
func runRestore(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "",
		"backup file, backup folder (its newest copy), or s3://<bucket>/<key>, to restore")
	db := fs.String("db", dbPath(envOr("DB_DIR", "/app/db")), "database file to replace")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *from == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: goship-app restore -from FILE|FOLDER|s3://BUCKET/KEY [-db PATH]")
		return 2
	}
	// The image has no shell to list the backup claim with, so a folder means its newest copy.
	if info, err := os.Stat(*from); err == nil && info.IsDir() {
		newest, err := newestBackup(*from)
		if err != nil {
			fmt.Fprintln(stderr, "error: nothing restored:", err)
			return 1
		}
		*from = newest
	}

	ctx := context.Background()
	fetchAndRestore := func() (string, error) { return restore(ctx, *from, *db, time.Now()) }
	if strings.HasPrefix(*from, "s3://") {
		// A bad URL or setting fails here, before a request is sent or a file is written.
		bucket, key, err := parseS3URL(*from)
		var store *s3Store
		if err == nil {
			store, err = s3StoreFromEnv(os.Getenv, "-from is an s3:// URL")
		}
		if err != nil {
			fmt.Fprintln(stderr, "error: nothing restored:", err)
			return 2
		}
		fetchAndRestore = func() (string, error) {
			return restoreFromS3(ctx, store, bucket, key, *db, time.Now())
		}
	}
	kept, err := fetchAndRestore()
	var notDurable *notDurableError
	if err != nil && !errors.As(err, &notDurable) {
		fmt.Fprintln(stderr, "error: nothing restored:", err)
		return 1
	}
	fmt.Fprintf(stdout, "restored %s to %s\n", *from, *db)
	if kept != "" {
		fmt.Fprintf(stdout, "the previous database is kept as %s\n", kept)
	}
	if err != nil {
		fmt.Fprintln(stderr, "error:", err)
		return 1
	}
	return 0
}

// newestBackup is the path of the newest complete backup in dir.
func newestBackup(dir string) (string, error) {
	names, err := backupNames(dir)
	if err != nil {
		return "", err
	}
	if len(names) == 0 {
		return "", fmt.Errorf("%s holds no backup named like goship-<UTC time>.db", dir)
	}
	return filepath.Join(dir, names[len(names)-1]), nil
}

// restore replaces the database file db with a checked copy of the backup file from.
// The previous database, if any, is moved to <db>.before-restore-<UTC time>, which it
// returns ("" when there was none).
func restore(ctx context.Context, from, db string, started time.Time) (string, error) {
	// Only from's own bytes are copied; commits still in its WAL would be lost.
	if info, err := os.Stat(from + "-wal"); err == nil && info.Size() > 0 {
		return "", fmt.Errorf("%s has commits in %s that a copy of the file alone would "+
			"lose; restore a copy made with `goship-app backup -db %s -out COPY` instead",
			from, from+"-wal", from)
	}
	return restoreCopy(ctx, db, started, from, func(partial string) error {
		return copyFile(from, partial)
	})
}

// restoreFromS3 is restore for the object key in bucket: the download takes the place
// of the local copy, and everything after it is the same.
func restoreFromS3(ctx context.Context, store *s3Store, bucket, key, db string,
	started time.Time) (string, error) {
	return restoreCopy(ctx, db, started, s3URL(bucket, key), func(partial string) error {
		return store.download(ctx, bucket, key, partial)
	})
}

// restoreCopy has fetch write the backup, called label in errors, to a new file beside
// db, checks that file and only then moves the previous database aside and renames the
// file to db. It returns where the previous database was kept ("" when there was none).
func restoreCopy(ctx context.Context, db string, started time.Time, label string,
	fetch func(partial string) error) (string, error) {
	dir := filepath.Dir(db)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", err
	}
	stamp := started.UTC().Format(backupTimeLayout)
	kept := db + ".before-restore-" + stamp
	if _, err := os.Lstat(kept); err == nil {
		return "", fmt.Errorf("%s already exists: start at most one restore per second", kept)
	}

	// In db's directory, so that the final rename stays on one file system and is atomic.
	// LIMITATION: a restore killed while it copies or downloads (OOM, SIGKILL) leaves
	// this hidden file beside the database, and no later restore removes it.
	partial := filepath.Join(dir, "."+filepath.Base(db)+".restore-"+stamp+".partial")
	if err := fetch(partial); err != nil {
		os.Remove(partial)
		return "", err
	}
	// Checking the copy checks exactly the bytes that go in place.
	if err := checkDatabase(ctx, partial, label); err != nil {
		os.Remove(partial)
		return "", err
	}

	// The shared-memory index only describes the WAL, and SQLite rebuilds it: it goes
	// first, while nothing has moved yet.
	if err := os.Remove(db + "-shm"); err != nil && !errors.Is(err, os.ErrNotExist) {
		os.Remove(partial)
		return "", err
	}
	moved, err := moveAside(db, kept)
	if err == nil {
		err = os.Rename(partial, db)
	}
	if err != nil {
		os.Remove(partial)
		// A failure halfway must not leave the app to start on an empty database.
		if undoErr := moveBack(moved); undoErr != nil {
			return "", fmt.Errorf("%w, and moving the previous database back failed (%v): "+
				"rename %s to %s by hand", err, undoErr, kept, db)
		}
		return "", err
	}
	if len(moved) == 0 || moved[0].from != db {
		kept = ""
	}
	if err := syncDir(dir); err != nil {
		return kept, &notDurableError{err}
	}
	return kept, nil
}

// notDurableError is a restore that took place but whose rename a crash may still undo.
type notDurableError struct{ err error }

func (e *notDurableError) Error() string {
	return "the restore is in place, but it may not survive a crash: " + e.err.Error()
}

// rename is one file moved by moveAside.
type rename struct{ from, to string }

// moveAside renames the database file db, and the WAL or rollback journal it may have
// left, to kept. It returns what it moved, in order, also when it fails partway.
func moveAside(db, kept string) ([]rename, error) {
	var moved []rename
	// SQLite would apply a leftover WAL or journal to the restored database and corrupt
	// it. They hold the old database's last commits, so they go with it, under the
	// names SQLite looks for beside the kept file.
	for _, suffix := range []string{"", "-wal", "-journal"} {
		step := rename{db + suffix, kept + suffix}
		if err := os.Rename(step.from, step.to); err == nil {
			moved = append(moved, step)
		} else if !errors.Is(err, os.ErrNotExist) {
			return moved, err
		}
	}
	return moved, nil
}

// moveBack undoes the renames of moveAside, last first.
func moveBack(moved []rename) error {
	for i := len(moved) - 1; i >= 0; i-- {
		if err := os.Rename(moved[i].to, moved[i].from); err != nil {
			return err
		}
	}
	return nil
}

// copyFile copies src to the new file dst and syncs it to disk.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	// 0600: the database is the app's alone, and restore runs as the app's user.
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s to %s: %w", src, dst, err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return fmt.Errorf("sync %s: %w", dst, err)
	}
	return out.Close()
}
