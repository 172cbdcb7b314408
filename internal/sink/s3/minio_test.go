package s3

import (
	"github.com/datatap/datatap/internal/testenv"

	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/datatap/datatap/internal/sink"
	"github.com/datatap/datatap/internal/testenv/minio"
)

// minioSink starts MinIO and returns a Sink configured the way the binary is
// in production: from the standard AWS variables only.
func minioSink(t *testing.T) (*Sink, *minio.Server) {
	t.Helper()
	return sinkFor(t, minio.Start(t))
}

// sinkFor returns a Sink for srv configured from the standard AWS
// variables only.
func sinkFor(t *testing.T, srv *minio.Server) (*Sink, *minio.Server) {
	t.Helper()
	testenv.IsolateAWS(t)
	testenv.SetEnv(t, srv.Env()...)
	s, err := newFromEnv(context.Background(), srv.Bucket, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s, srv
}

// get reads an object back with an independent client.
func get(t *testing.T, srv *minio.Server, key string) ([]byte, *s3.GetObjectOutput) {
	t.Helper()
	out, err := srv.Client().GetObject(context.Background(), &s3.GetObjectInput{
		Bucket: aws.String(srv.Bucket), Key: aws.String(key),
	})
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return b, out
}

func TestMinIOPutAndReadBack(t *testing.T) {
	s, srv := minioSink(t)
	ctx := context.Background()

	prefix, err := sink.ObjectPrefix("datataps/year=%Y/month=%m/", time.Date(2024, 3, 5, 7, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	// Awkward partition values survive the trip to a real server unchanged:
	// the key listed is the key put.
	key := prefix + sink.PartitionPath(
		[]string{"svc", "path", "who"},
		[]string{"a/b %2F", "../../etc", "Zoë 日本"},
		[]bool{false, false, false},
	) + "seg-000001.parquet"
	errKey := "datataps-errors/year=2024/seg-000001.ndjson"

	first := []byte("PAR1 first version of the object PAR1")
	if err := s.Put(ctx, key, bytes.NewReader(first), int64(len(first))); err != nil {
		t.Fatal(err)
	}
	got, out := get(t, srv, key)
	if !bytes.Equal(got, first) {
		t.Errorf("read back %q, want %q", got, first)
	}
	if ct := aws.ToString(out.ContentType); ct != "application/vnd.apache.parquet" {
		t.Errorf("Content-Type = %q", ct)
	}

	// Same key again: replaced whole, no trace of the longer first version.
	second := []byte("PAR1 v2 PAR1")
	if err := s.Put(ctx, key, bytes.NewReader(second), int64(len(second))); err != nil {
		t.Fatal(err)
	}
	if got, _ := get(t, srv, key); !bytes.Equal(got, second) {
		t.Errorf("after overwrite read %q, want %q", got, second)
	}

	lines := []byte(`{"line":"{bad","reason":"parse"}` + "\n")
	if err := s.Put(ctx, errKey, bytes.NewReader(lines), int64(len(lines))); err != nil {
		t.Fatal(err)
	}
	if _, out := get(t, srv, errKey); aws.ToString(out.ContentType) != "application/x-ndjson" {
		t.Errorf("errors Content-Type = %q", aws.ToString(out.ContentType))
	}

	list, err := srv.Client().ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(srv.Bucket)})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range list.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	want := []string{errKey, key}
	sort.Strings(want)
	if strings.Join(keys, "\n") != strings.Join(want, "\n") {
		t.Errorf("bucket holds\n%s\nwant\n%s", strings.Join(keys, "\n"), strings.Join(want, "\n"))
	}
}

// randomFile returns an open file of n random bytes, and the bytes.
func randomFile(t *testing.T, n int) (*os.File, []byte) {
	t.Helper()
	data := make([]byte, n)
	rand.Read(data)
	path := filepath.Join(t.TempDir(), "big.parquet")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, data
}

// TestMinIOLargeBodyFromFile uploads 20 MB straight from a file, the way a
// flush hands over a finished Parquet file, and compares every byte.
func TestMinIOLargeBodyFromFile(t *testing.T) {
	s, srv := minioSink(t)
	f, data := randomFile(t, 20<<20)
	if err := s.Put(context.Background(), "big/seg.parquet", f, int64(len(data))); err != nil {
		t.Fatal(err)
	}
	got, out := get(t, srv, "big/seg.parquet")
	if aws.ToInt64(out.ContentLength) != int64(len(data)) || !bytes.Equal(got, data) {
		t.Errorf("read back %d bytes (ContentLength %d), want the %d bytes put", len(got), aws.ToInt64(out.ContentLength), len(data))
	}
}

// TestMinIOWrongSecret checks that signatures are really verified: a wrong
// secret is refused promptly with SignatureDoesNotMatch, not retried until
// some timeout.
func TestMinIOWrongSecret(t *testing.T) {
	srv := minio.Start(t)
	testenv.IsolateAWS(t)
	testenv.SetEnv(t, srv.Env()...)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey+"-wrong")
	s, err := newFromEnv(context.Background(), srv.Bucket, Options{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = s.Put(context.Background(), "x.parquet", strings.NewReader("data"), 4)
	if err == nil {
		t.Fatal("Put with a wrong secret succeeded")
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("refusal took %v", elapsed)
	}
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.Code != "SignatureDoesNotMatch" || apiErr.StatusCode != 403 {
		t.Errorf("error %v, want SignatureDoesNotMatch", err)
	}
	if strings.Contains(err.Error(), srv.SecretKey) || strings.Contains(err.Error(), "StringToSign") {
		t.Errorf("error %q holds signing material", err)
	}
	if !strings.HasPrefix(err.Error(), "s3: put object x.parquet: ") {
		t.Errorf("error %q not wrapped with the key", err)
	}
	if _, err := srv.Client().HeadObject(context.Background(), &s3.HeadObjectInput{
		Bucket: aws.String(srv.Bucket), Key: aws.String("x.parquet"),
	}); err == nil {
		t.Error("object exists after a refused Put")
	}
}

func TestMinIOMissingBucket(t *testing.T) {
	minioSink(t) // for the environment it sets
	s, err := newFromEnv(context.Background(), "no-such-bucket", Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Put(context.Background(), "x.parquet", strings.NewReader("data"), 4)
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.Code != "NoSuchBucket" {
		t.Errorf("Put to a missing bucket: %v, want NoSuchBucket", err)
	}
	// What serve asks at start.
	if err := s.Exists(context.Background()); !errors.Is(err, ErrNoBucket) || !strings.Contains(err.Error(), "no-such-bucket") {
		t.Errorf("Exists of a missing bucket: %v", err)
	}
	good, _ := minioSink(t)
	if err := good.Exists(context.Background()); err != nil {
		t.Errorf("Exists of the bucket: %v", err)
	}
}

// TestMinIOAwkwardKeys puts keys with every character class that SigV4 path
// escaping can get wrong (space, %, =, +, unicode, reserved punctuation): a
// wrong escape is a SignatureDoesNotMatch, or an object under another key.
func TestMinIOAwkwardKeys(t *testing.T) {
	s, srv := minioSink(t)
	ctx := context.Background()
	keys := []string{
		"a b/c d.parquet",
		"pct/100%/%2F%20%zz.parquet",
		"eq/year=2024/month=03/x=y=z.parquet",
		"plus/a+b/c++.ndjson",
		"uni/Zoë/日本語/emoji-🙂.parquet",
		"punct/!$&'()*,;:@~[]{}^`|<>/x.parquet",
		"query/what?x=1#frag.parquet",
		"tilde~/-._/k",
	}
	for _, key := range keys {
		body := []byte("object " + key)
		if err := s.Put(ctx, key, bytes.NewReader(body), int64(len(body))); err != nil {
			t.Errorf("put %q: %v", key, err)
			continue
		}
		if got, out := get(t, srv, key); !bytes.Equal(got, body) {
			t.Errorf("%q read back %q", key, got)
		} else if ct := aws.ToString(out.ContentType); ct != ContentType(key) {
			t.Errorf("%q Content-Type = %q, want %q", key, ct, ContentType(key))
		}
	}
	list, err := srv.Client().ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(srv.Bucket)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range list.Contents {
		got = append(got, aws.ToString(o.Key))
	}
	sort.Strings(got)
	want := slices.Sorted(slices.Values(keys))
	if !slices.Equal(got, want) {
		t.Errorf("bucket holds\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestMinIOEmptyObject puts zero bytes: S3 wants Content-Length: 0, not a
// missing length.
func TestMinIOEmptyObject(t *testing.T) {
	s, srv := minioSink(t)
	if err := s.Put(context.Background(), "empty.ndjson", strings.NewReader(""), 0); err != nil {
		t.Fatal(err)
	}
	if got, out := get(t, srv, "empty.ndjson"); len(got) != 0 || aws.ToInt64(out.ContentLength) != 0 {
		t.Errorf("read back %d bytes", len(got))
	}
}

// TestMinIOSharedCredentialsFile signs with keys from a credentials file
// profile instead of the environment.
func TestMinIOSharedCredentialsFile(t *testing.T) {
	srv := minio.Start(t)
	testenv.IsolateAWS(t)
	testenv.SetEnv(t, srv.Env()...)
	os.Unsetenv("AWS_ACCESS_KEY_ID")
	os.Unsetenv("AWS_SECRET_ACCESS_KEY")
	file := filepath.Join(t.TempDir(), "credentials")
	content := "[default]\naws_access_key_id = wrong\naws_secret_access_key = wrong-secret\n\n" +
		"[minio]\naws_access_key_id = " + srv.AccessKey + "\naws_secret_access_key = " + srv.SecretKey + "\n"
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	testenv.SetEnv(t, "AWS_SHARED_CREDENTIALS_FILE="+file, "AWS_PROFILE=minio")
	s, err := newFromEnv(context.Background(), srv.Bucket, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(context.Background(), "from-file.parquet", strings.NewReader("data"), 4); err != nil {
		t.Fatal(err)
	}
	if got, _ := get(t, srv, "from-file.parquet"); string(got) != "data" {
		t.Errorf("read back %q", got)
	}
}
