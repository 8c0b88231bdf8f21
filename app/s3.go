package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"
)

// s3Target is the S3-compatible bucket that `backup -dir` uploads each new backup to.
type s3Target struct {
	bucket       string
	prefix       string // prepended to the backup's file name to make the object key
	endpoint     *url.URL
	region       string
	accessKey    string
	secretKey    string
	sessionToken string // only for temporary credentials
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
	raw := getenv("BACKUP_S3_ENDPOINT")
	if raw == "" {
		return nil, errors.New("BACKUP_S3_BUCKET is set, but BACKUP_S3_ENDPOINT is not: " +
			"set it to the S3 API's URL, e.g. https://s3.us-east-1.amazonaws.com")
	}
	// The client takes a host and a TLS switch, so a path or query would be dropped.
	endpoint, err := url.Parse(raw)
	if err != nil || (endpoint.Scheme != "http" && endpoint.Scheme != "https") ||
		endpoint.Host == "" || strings.Trim(endpoint.Path, "/") != "" ||
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
		return nil, fmt.Errorf("BACKUP_S3_BUCKET is set, but %s not: the upload signs "+
			"its requests with the bucket's access key", isOrAre(missing))
	}
	region := getenv("BACKUP_S3_REGION")
	if region == "" {
		region = "us-east-1"
	}
	return &s3Target{
		bucket:       bucket,
		prefix:       getenv("BACKUP_S3_PREFIX"),
		endpoint:     endpoint,
		region:       region,
		accessKey:    getenv("AWS_ACCESS_KEY_ID"),
		secretKey:    getenv("AWS_SECRET_ACCESS_KEY"),
		sessionToken: getenv("AWS_SESSION_TOKEN"),
	}, nil
}

// upload puts the file at path into the bucket under prefix + its file name and
// returns the object's s3:// URL.
func (t *s3Target) upload(ctx context.Context, path string) (string, error) {
	key := t.prefix + filepath.Base(path)
	object := fmt.Sprintf("s3://%s/%s", t.bucket, key)
	client, err := minio.New(t.endpoint.Host, &minio.Options{
		Creds:  credentials.NewStaticV4(t.accessKey, t.secretKey, t.sessionToken),
		Secure: t.endpoint.Scheme == "https",
		// Region set: no GetBucketLocation request before the upload.
		Region: t.region,
		// Path style works with every S3-compatible store, and with bucket names
		// that are not valid host names.
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		return "", fmt.Errorf("upload to %s: %w", object, err)
	}
	_, err = client.FPutObject(ctx, t.bucket, key, path,
		minio.PutObjectOptions{ContentType: "application/vnd.sqlite3"})
	if err != nil {
		return "", fmt.Errorf("upload to %s at %s failed: %s", object, t.endpoint, s3Error(err))
	}
	return object, nil
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
