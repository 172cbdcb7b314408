package s3

import (
	"github.com/datatap/datatap/internal/testenv"

	"context"
	"errors"
	"strings"
	"testing"

	"github.com/datatap/datatap/internal/awscreds"
)

// TestPutWithoutCredentials: Put fails before any request.
func TestPutWithoutCredentials(t *testing.T) {
	testenv.IsolateAWS(t)
	rec, url := fakeServer(t)
	s, err := newFromEnv(context.Background(), "b", Options{Region: "us-east-1", Endpoint: url})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Put(context.Background(), "k.parquet", strings.NewReader("x"), 1)
	if !errors.Is(err, awscreds.ErrNoCredentials) || !strings.HasPrefix(err.Error(), "s3: put object k.parquet: ") {
		t.Errorf("Put = %v", err)
	}
	if n := len(rec.requests()); n != 0 {
		t.Errorf("%d requests without credentials", n)
	}
}

// TestCredentialsReadAtEachPut changes the variables between two Puts, as a
// rotation would: the second is signed with the new keys and token.
func TestCredentialsReadAtEachPut(t *testing.T) {
	fakeCreds(t)
	rec, url := fakeServer(t)
	s, err := newFromEnv(context.Background(), "b", Options{Endpoint: url})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(context.Background(), "1.parquet", strings.NewReader("x"), 1); err != nil {
		t.Fatal(err)
	}
	testenv.SetEnv(t, "AWS_ACCESS_KEY_ID=ASIAROTATED", "AWS_SECRET_ACCESS_KEY=rotated", "AWS_SESSION_TOKEN=session-token")
	if err := s.Put(context.Background(), "2.parquet", strings.NewReader("x"), 1); err != nil {
		t.Fatal(err)
	}
	reqs := rec.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	if tok := reqs[0].header.Get("X-Amz-Security-Token"); tok != "" {
		t.Errorf("first Put sent a session token %q", tok)
	}
	checkSignature(t, reqs[0], "secret", "eu-west-1")
	if got := reqs[1].header.Get("Authorization"); !strings.HasPrefix(got, "AWS4-HMAC-SHA256 Credential=ASIAROTATED/") ||
		!strings.Contains(got, "x-amz-security-token") {
		t.Errorf("second Put: Authorization = %q, want the new key, token signed", got)
	}
	if tok := reqs[1].header.Get("X-Amz-Security-Token"); tok != "session-token" {
		t.Errorf("second Put: X-Amz-Security-Token = %q", tok)
	}
	checkSignature(t, reqs[1], "rotated", "eu-west-1")
}
