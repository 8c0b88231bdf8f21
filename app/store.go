package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" database/sql driver
)

// dbFileName is the database file inside DB_DIR.
const dbFileName = "goship.db"

// dsnParams are applied by the driver to every pooled connection. WAL lets readers
// (and VACUUM INTO backups) run while a writer commits; busy_timeout makes a
// connection wait for a competing writer instead of failing with SQLITE_BUSY;
// synchronous=NORMAL is the usual durable-enough pairing with WAL. temp_store=MEMORY
// keeps sorts and temporary tables off disk: the scratch image has no /tmp.
const dsnParams = "?_busy_timeout=5000&_journal_mode=WAL&_synchronous=NORMAL" +
	"&_pragma=temp_store(MEMORY)"

const schema = `CREATE TABLE IF NOT EXISTS records (
	id         INTEGER PRIMARY KEY,
	text       TEXT    NOT NULL,
	created_at TEXT    NOT NULL
)`

// Record is one stored entry as the API returns it.
type Record struct {
	ID        int64     `json:"id"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
}

// Store keeps records in a SQLite database file.
type Store struct {
	db  *sql.DB
	now func() time.Time
}

// OpenStore opens (creating if needed) the database file at path and its schema.
func OpenStore(ctx context.Context, path string) (*Store, error) {
	// The driver takes everything after the first '?' as its parameters.
	if strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("database path %q must not contain '?'", path)
	}
	db, err := sql.Open("sqlite", path+dsnParams)
	if err != nil {
		return nil, err
	}
	// sql.Open connects lazily; creating the schema also proves the file is usable.
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return &Store{db: db, now: time.Now}, nil
}

// Close closes the database; later calls on the Store fail.
func (s *Store) Close() error { return s.db.Close() }

// Create stores a record with the given text and returns it.
func (s *Store) Create(ctx context.Context, text string) (Record, error) {
	// Stored in UTC with nanoseconds so that ordering and round trips are exact.
	rec := Record{Text: text, CreatedAt: s.now().UTC()}
	res, err := s.db.ExecContext(ctx,
		`INSERT INTO records (text, created_at) VALUES (?, ?)`,
		rec.Text, rec.CreatedAt.Format(time.RFC3339Nano))
	if err != nil {
		return Record{}, err
	}
	if rec.ID, err = res.LastInsertId(); err != nil {
		return Record{}, err
	}
	return rec, nil
}

// List returns up to limit records, newest first. The id orders them because it
// only grows, while two records may share a timestamp.
func (s *Store) List(ctx context.Context, limit int) ([]Record, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT id, text, created_at FROM records ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	recs := []Record{} // encodes as [] rather than null when empty
	for rows.Next() {
		var rec Record
		var created string
		if err := rows.Scan(&rec.ID, &rec.Text, &created); err != nil {
			return nil, err
		}
		if rec.CreatedAt, err = time.Parse(time.RFC3339Nano, created); err != nil {
			return nil, fmt.Errorf("record %d: bad created_at: %w", rec.ID, err)
		}
		recs = append(recs, rec)
	}
	return recs, rows.Err()
}

// Check reads from the records table, so it fails when the database is closed,
// missing its schema or unreadable, not only when a connection cannot be made.
func (s *Store) Check(ctx context.Context) error {
	var one int
	err := s.db.QueryRowContext(ctx, `SELECT 1 FROM records LIMIT 1`).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // an empty table is healthy
	}
	return err
}

// Backup writes a consistent snapshot of the database to out. VACUUM INTO reads
// inside one transaction, so under WAL it sees a single committed state while other
// connections and processes keep writing. out must not exist yet.
func (s *Store) Backup(ctx context.Context, out string) error {
	if _, err := os.Lstat(out); err == nil {
		return fmt.Errorf("backup %s: file already exists", out)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("backup %s: %w", out, err)
	}
	if _, err := s.db.ExecContext(ctx, `VACUUM INTO ?`, out); err != nil {
		return fmt.Errorf("backup %s: %w", out, err)
	}
	return nil
}

// dbPath returns the database file inside dir.
func dbPath(dir string) string { return filepath.Join(dir, dbFileName) }
