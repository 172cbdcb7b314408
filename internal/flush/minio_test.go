package flush

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/datatap/datatap/internal/awscreds"
	"github.com/datatap/datatap/internal/config"
	s3sink "github.com/datatap/datatap/internal/sink/s3"
	"github.com/datatap/datatap/internal/testenv/minio"
)

// TestUploadsToMinIO flushes a segment of 900 partition values (the
// Lambda shutdown that missed its deadline) to a real MinIO, one upload at a
// time and DefaultUploads at a time, checks that every object arrived, and
// logs both durations (measured, not asserted).
func TestUploadsToMinIO(t *testing.T) {
	if testing.Short() {
		t.Skip("starts MinIO")
	}
	srv := minio.Start(t)
	for _, kv := range srv.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	region, endpoint := config.S3Env(os.LookupEnv)
	sk, err := s3sink.New(context.Background(), srv.Bucket, s3sink.Options{Region: region, Endpoint: endpoint, Credentials: awscreds.Load})
	if err != nil {
		t.Fatal(err)
	}
	const n = 900
	var lines []string
	for i := range n {
		lines = append(lines, fmt.Sprintf(`{"k":"region-%d","msg":"hello %d","n":%d}`, i, i, i))
	}
	for _, uploads := range []int{1, 8, 16, 32} {
		ts := newTestSpool(t, "SELECT * PARTITION BY k")
		ts.f.Sink, ts.f.Uploads = sk, uploads
		ts.f.Prefix = fmt.Sprintf("u%d/", uploads)
		ts.add(t, lines...)
		start := time.Now()
		if err := ts.f.All(context.Background(), ts.sp); err != nil {
			t.Fatal(err)
		}
		elapsed := time.Since(start)
		if len(ts.res) != 1 || len(ts.res[0].Objects) != n {
			t.Fatalf("results %+v", ts.res)
		}
		out, err := srv.Client().ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: &srv.Bucket, Prefix: &ts.f.Prefix})
		if err != nil {
			t.Fatal(err)
		}
		if got := int(*out.KeyCount) - 1; got != n { // and the table schema
			t.Errorf("%d objects under %s, want %d", got, ts.f.Prefix, n)
		}
		t.Logf("%d objects, %d at a time: flush %v (upload %v, encode %v)", n, uploads, elapsed.Round(time.Millisecond),
			ts.res[0].UploadTime.Round(time.Millisecond), ts.res[0].FlushTime.Round(time.Millisecond))
	}
}
