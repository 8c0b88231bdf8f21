package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// shutdownTimeout bounds how long in-flight requests may run after SIGTERM. It stays
// below Kubernetes' default 30 s grace period so the pod exits before it is killed.
const shutdownTimeout = 20 * time.Second

func runServe(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	logger := slog.New(slog.NewJSONHandler(stdout, nil))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := serve(ctx, logger, envOr("PORT", "7070"), envOr("DB_DIR", "/app/db")); err != nil {
		logger.Error("serve failed", "err", err)
		return 1
	}
	return 0
}

// serve runs the HTTP server until ctx is cancelled, then shuts it down gracefully.
func serve(ctx context.Context, logger *slog.Logger, port, dbDir string) error {
	if err := os.MkdirAll(dbDir, 0o750); err != nil {
		return err
	}
	store, err := OpenStore(ctx, dbPath(dbDir))
	if err != nil {
		return err
	}
	defer store.Close()

	srv := &http.Server{
		Addr:              net.JoinHostPort("", port),
		Handler:           (&server{store: store, loc: time.Local, now: time.Now, log: logger}).routes(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	// Listen before logging so that "listening" means the port is really open.
	ln, err := net.Listen("tcp", srv.Addr)
	if err != nil {
		return err
	}
	zone, offset := time.Now().Zone()
	logger.Info("listening", "addr", ln.Addr().String(), "db", dbPath(dbDir),
		"tz", time.Local.String(), "zone", zone, "offset_seconds", offset)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err // Serve never returns nil before Shutdown
	case <-ctx.Done():
	}
	logger.Info("shutting down", "timeout", shutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("stopped")
	return nil
}
