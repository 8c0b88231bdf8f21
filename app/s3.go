package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"
)

// s3Store is an S3-compatible store and the key to it: what the upload of `backup -dir`
// and the download of `restore -from s3://...` share.
type s3Store struct {
	endpoint     *url.URL
	region       string
	accessKey    string
	secretKey    string
	sessionToken string // only for temporary credentials
}

// s3Target is the bucket that `backup -dir` uploads each new backup to.
type s3Target struct {
	store  *s3Store
	bucket string
	prefix string // prepended to the backup's file name to make the object key
}

// s3TargetFromEnv reads the upload settings through getenv. It returns nil when
// BACKUP_S3_BUCKET is unset, and an error naming the variable when a setting that an
// upload needs is missing or malformed.
func s3TargetFromEnv(getenv func(string) string) (*s3Target, error) {
	bucket := getenv("BACKUP_S3_BUCKET")
	if bucket == "" {
		return nil, nil
	}
	if err := s3utils.CheckValidBucketName(bucket); err != nil {
		return nil, fmt.Errorf("BACKUP_S3_BUCKET is %q, which is not a valid bucket name (%v)",
			bucket, err)
	}
	store, err := s3StoreFromEnv(getenv, "BACKUP_S3_BUCKET is set")
	if err != nil {
		return nil, err
	}
	return &s3Target{store: store, bucket: bucket, prefix: getenv("BACKUP_S3_PREFIX")}, nil
}

// s3StoreFromEnv reads the endpoint, region and key through getenv. A missing setting
// fails with an error that starts with why, the reason the store is needed.
func s3StoreFromEnv(getenv func(string) string, why string) (*s3Store, error) {
	raw := getenv("BACKUP_S3_ENDPOINT")
	if raw == "" {
		return nil, fmt.Errorf("%s, but BACKUP_S3_ENDPOINT is missing: set it to the S3 "+
			"API's URL, e.g. https://s3.us-east-1.amazonaws.com", why)
	}
	// The client takes a host and a TLS switch, so a path or query would be dropped.
	endpoint, err := url.Parse(raw)
	if err != nil || (endpoint.Scheme != "http" && endpoint.Scheme != "https") ||
		endpoint.Hostname() == "" || strings.Trim(endpoint.Path, "/") != "" ||
		endpoint.RawQuery != "" || endpoint.Fragment != "" || endpoint.User != nil {
		return nil, fmt.Errorf("BACKUP_S3_ENDPOINT is %q, but it must be an http:// or "+
			"https:// URL with a host and nothing after it, e.g. https://s3.example.com", raw)
	}
	var missing []string
	for _, key := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
		if getenv(key) == "" {
			missing = append(missing, key)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s, but %s missing: every request to the bucket is "+
			"signed with its access key", why, isOrAre(missing))
	}
	region := getenv("BACKUP_S3_REGION")
	if region == "" {
		region = "us-east-1"
	}
	return &s3Store{
		endpoint:     endpoint,
		region:       region,
		accessKey:    getenv("AWS_ACCESS_KEY_ID"),
		secretKey:    getenv("AWS_SECRET_ACCESS_KEY"),
		sessionToken: getenv("AWS_SESSION_TOKEN"),
	}, nil
}

// client returns a client for the store; it sends no request.
func (s *s3Store) client() (*minio.Client, error) {
	return minio.New(s.endpoint.Host, &minio.Options{
		Creds:  credentials.NewStaticV4(s.accessKey, s.secretKey, s.sessionToken),
		Secure: s.endpoint.Scheme == "https",
		// Region set: no GetBucketLocation request before the upload or download.
		Region: s.region,
		// Path style works with every S3-compatible store, and with bucket names
		// that are not valid host names.
		BucketLookup: minio.BucketLookupPath,
	})
}

// upload puts the file at path into the bucket under prefix + its file name and
// returns the object's s3:// URL.
func (t *s3Target) upload(ctx context.Context, path string) (string, error) {
	key := t.prefix + filepath.Base(path)
	object := s3URL(t.bucket, key)
	client, err := t.store.client()
	if err != nil {
		return "", fmt.Errorf("upload to %s: %w", object, err)
	}
	_, err = client.FPutObject(ctx, t.bucket, key, path,
		minio.PutObjectOptions{ContentType: "application/vnd.sqlite3"})
	if err != nil {
		return "", fmt.Errorf("upload to %s at %s failed: %s", object, t.store.endpoint,
			s3Error(err))
	}
	return object, nil
}

// download writes the object key in bucket to the new file path and syncs it. On
// failure path may hold part of the object; the caller removes it.
func (s *s3Store) download(ctx context.Context, bucket, key, path string) error {
	object := s3URL(bucket, key)
	client, err := s.client()
	if err != nil {
		return fmt.Errorf("download of %s: %w", object, err)
	}
	// A plain GET into a file of our own: FGetObject would resume from a leftover
	// <path><etag>.part.minio file of some earlier run instead of starting afresh.
	body, err := client.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return fmt.Errorf("download of %s from %s failed: %s", object, s.endpoint, s3Error(err))
	}
	defer body.Close()
	// 0600: the database is the app's alone, and restore runs as the app's user.
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	// The GET is sent on the first read, so a missing object or a refused key fails here.
	if _, err := io.Copy(out, body); err != nil {
		out.Close()
		return fmt.Errorf("download of %s from %s failed: %s", object, s.endpoint, s3Error(err))
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return out.Close()
}

// s3URL is the s3:// URL of the object key in bucket, as backup prints it and restore
// reads it.
func s3URL(bucket, key string) string {
	return "s3://" + bucket + "/" + key
}

// parseS3URL splits s3://<bucket>/<key> into its bucket and key. The key is everything
// after the bucket's slash, taken as it is: keys may hold '?', '#', '%' and spaces.
func parseS3URL(raw string) (bucket, key string, err error) {
	rest, ok := strings.CutPrefix(raw, "s3://")
	if !ok {
		return "", "", fmt.Errorf("%q is not an s3:// URL: use s3://<bucket>/<key>", raw)
	}
	bucket, key, _ = strings.Cut(rest, "/")
	if err := s3utils.CheckValidBucketName(bucket); err != nil {
		return "", "", fmt.Errorf("%s names the bucket %q, which is not a valid bucket name "+
			"(%v): use s3://<bucket>/<key>", raw, bucket, err)
	}
	if key == "" || strings.HasSuffix(key, "/") {
		return "", "", fmt.Errorf("%s names no object, only a bucket or a folder: use "+
			"s3://<bucket>/<key>, e.g. s3://%s/goship-20261203T193000Z.db", raw, bucket)
	}
	if err := s3utils.CheckValidObjectName(key); err != nil {
		return "", "", fmt.Errorf("%s has the key %q, which is not a valid object key (%v)",
			raw, key, err)
	}
	return bucket, key, nil
}

// s3Error puts the S3 error code, which says what to fix (SignatureDoesNotMatch,
// NoSuchBucket, ...), before the message that the client reports on its own.
func s3Error(err error) string {
	var resp minio.ErrorResponse
	if errors.As(err, &resp) && resp.Code != "" {
		return fmt.Sprintf("%s (HTTP %d): %s", resp.Code, resp.StatusCode, resp.Error())
	}
	return err.Error()
}

// isOrAre joins names for a sentence: "A is", "A and B are".
func isOrAre(names []string) string {
	if len(names) == 1 {
		return names[0] + " is"
	}
	return strings.Join(names, " and ") + " are"
}
