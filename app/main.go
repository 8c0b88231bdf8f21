// Command goship-app is the example web app that goship ships to Kubernetes: a small
// record book with a JSON API, an embedded web UI and a SQLite database on a volume.
//
// Usage:
//
//	goship-app [serve]                         run the HTTP server (the default)
//	goship-app backup -out PATH                copy the live database with VACUUM INTO
//	goship-app backup -dir DIR [-keep N]       the same to DIR/goship-<UTC time>.db, pruned
//	goship-app restore -from FILE [-db PATH]   put a backup in place of the database
//	goship-app restore -from s3://BUCKET/KEY   the same with a backup downloaded from S3
//	goship-app verify-chain -chain FILE [-at RFC3339] [-host NAME]
//
// The binary is built static (CGO off) for a distroless image that has no CA files and
// no zoneinfo, so both are compiled in by the blank imports below.
package main

import (
	"fmt"
	"io"
	"os"

	// Zone data for TZ and time.LoadLocation when the image has no /usr/share/zoneinfo.
	_ "time/tzdata"

	// Mozilla's root set, used by crypto/x509 only when the system has no roots of its
	// own (as in a distroless static image). Set GODEBUG=x509usefallbackroots=1 to use
	// it even where system roots exist.
	_ "golang.org/x/crypto/x509roots/fallback"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches to a subcommand and returns the process exit code: 0 on success,
// 1 when the command failed and 2 for a usage error.
func run(args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return runServe(args, stdout, stderr)
	case "backup":
		return runBackup(args, stdout, stderr)
	case "restore":
		return runRestore(args, stdout, stderr)
	case "verify-chain":
		return runVerifyChain(args, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "unknown command %q\n\n%s", cmd, usage)
		return 2
	}
}

const usage = `usage:
  goship-app [serve]                 run the HTTP server on $PORT (default 7070)
  goship-app backup -out PATH [-db FILE]
                                     write a consistent copy of the database to PATH
  goship-app backup -dir DIR [-keep N] [-db FILE]
                                     write it to DIR/goship-<UTC time>.db, upload it when
                                     BACKUP_S3_BUCKET is set, then keep only the newest N
                                     goship-*.db backups in DIR (default 7)
  goship-app restore -from FILE|s3://BUCKET/KEY [-db PATH]
                                     replace the database (stop the server first) with a
                                     checked copy of FILE, or of the object KEY downloaded
                                     from BUCKET; the old one is kept beside it
  goship-app verify-chain -chain FILE [-at RFC3339] [-host NAME]
                                     verify a PEM chain against the system roots

environment: PORT (7070), DB_DIR (/app/db), TZ
backup -dir upload: BACKUP_S3_BUCKET, BACKUP_S3_ENDPOINT (http:// or https:// URL),
  BACKUP_S3_PREFIX (""), BACKUP_S3_REGION (us-east-1), AWS_ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (optional)
restore -from s3://: the same except BACKUP_S3_BUCKET and BACKUP_S3_PREFIX (the URL names
  the object)
`

// envOr returns the value of the environment variable key, or def when it is unset
// or empty.
func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
