package s3

import (
	"github.com/datatap/datatap/internal/testenv"

	"context"
	"strings"
	"testing"
)

func TestObjectURL(t *testing.T) {
	f := func(bucket, region, endpoint, key, want string) {
		t.Helper()
		testenv.IsolateAWS(t)
		s, err := newFromEnv(context.Background(), bucket, Options{Region: region, Endpoint: endpoint})
		if err != nil {
			t.Fatalf("New(%q, %q, %q): %v", bucket, region, endpoint, err)
		}
		u := s.objectURL(key)
		if got := u.String(); got != want {
			t.Errorf("bucket %q region %q endpoint %q key %q:\ngot  %s\nwant %s", bucket, region, endpoint, key, got, want)
		}
		// What goes on the wire and into the signature is EscapedPath: it
		// must be the form built, not one net/url made up.
		if _, path, _ := strings.Cut(strings.TrimPrefix(want, u.Scheme+"://"), "/"); u.EscapedPath() != "/"+path {
			t.Errorf("EscapedPath() = %s, want /%s", u.EscapedPath(), path)
		}
	}
	// AWS, virtual-hosted.
	f("tap-bucket", "eu-west-1", "", "datataps/x.parquet", "https://tap-bucket.s3.eu-west-1.amazonaws.com/datataps/x.parquet")
	f("tap-bucket", "us-east-1", "", "k", "https://tap-bucket.s3.us-east-1.amazonaws.com/k")
	f("tap-bucket", "cn-north-1", "", "k", "https://tap-bucket.s3.cn-north-1.amazonaws.com.cn/k")
	// AWS, path-style: a.b.s3... is not covered by *.s3... certificates, and
	// capitals or underscores (old us-east-1 names) are no host name.
	f("logs.example.com", "eu-west-1", "", "k", "https://s3.eu-west-1.amazonaws.com/logs.example.com/k")
	f("Old_Bucket", "us-east-1", "", "k", "https://s3.us-east-1.amazonaws.com/Old_Bucket/k")
	// Custom endpoints: always path-style, with any path prefix kept.
	f("b", "us-east-1", "http://127.0.0.1:9000", "k", "http://127.0.0.1:9000/b/k")
	f("b", "us-east-1", "http://127.0.0.1:9000/", "k", "http://127.0.0.1:9000/b/k")
	f("b", "us-east-1", "https://proxy.example/s3/", "a/k", "https://proxy.example/s3/b/a/k")
	f("tap-bucket", "eu-west-1", "https://s3.eu-west-1.amazonaws.com", "k", "https://s3.eu-west-1.amazonaws.com/tap-bucket/k")
	// Keys: each segment URI-encoded once, "/" kept.
	f("b", "us-east-1", "http://h", "a b/c%d=e+f/Zoë 日本.parquet",
		"http://h/b/a%20b/c%25d%3De%2Bf/Zo%C3%AB%20%E6%97%A5%E6%9C%AC.parquet")
	f("tap-bucket", "eu-west-1", "", "svc=a%2Fb/x y+z.parquet",
		"https://tap-bucket.s3.eu-west-1.amazonaws.com/svc%3Da%252Fb/x%20y%2Bz.parquet")
	f("b", "us-east-1", "http://h", "what?x=1#frag;a,b:c@d!e*f'g(h)i$j&k~l_m-n.o",
		"http://h/b/what%3Fx%3D1%23frag%3Ba%2Cb%3Ac%40d%21e%2Af%27g%28h%29i%24j%26k~l_m-n.o")
}

func TestEscapePath(t *testing.T) {
	for in, want := range map[string]string{
		"":                    "",
		"AZaz09-._~/":         "AZaz09-._~/",
		" ":                   "%20",
		"%":                   "%25",
		"+":                   "%2B",
		"=":                   "%3D",
		"é":                   "%C3%A9",
		"a/b c/d":             "a/b%20c/d",
		"\x01\x7f\xff":        "%01%7F%FF",
		"year=2024/m=03/x.pq": "year%3D2024/m%3D03/x.pq",
	} {
		if got := escapePath(in); got != want {
			t.Errorf("escapePath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBadEndpointOrRegion(t *testing.T) {
	testenv.IsolateAWS(t)
	for _, ep := range []string{"127.0.0.1:9000", "ftp://h", "http://", "http://h/?x=1", "http://user:pw@h"} {
		_, err := newFromEnv(context.Background(), "b", Options{Region: "us-east-1", Endpoint: ep})
		if err == nil || !strings.Contains(err.Error(), "endpoint") {
			t.Errorf("endpoint %q: %v, want an error", ep, err)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("error %q shows the password", err)
		}
	}
	if _, err := newFromEnv(context.Background(), "b", Options{Region: "eu-west-1.evil.example/x"}); err == nil {
		t.Error("region with dots and slashes accepted")
	}
	if _, err := newFromEnv(context.Background(), "arn:aws:s3:eu-west-1:123456789012:accesspoint/ap", Options{Region: "eu-west-1"}); err == nil {
		t.Error("access point ARN accepted as a bucket")
	}
}

func TestRegionFromEnvironment(t *testing.T) {
	f := func(opt string, env []string, want string) {
		t.Helper()
		testenv.IsolateAWS(t)
		testenv.SetEnv(t, env...)
		s, err := newFromEnv(context.Background(), "tap-bucket", Options{Region: opt})
		if err != nil {
			t.Fatal(err)
		}
		if s.region != want {
			t.Errorf("Region %q env %v: region %q, want %q", opt, env, s.region, want)
		}
	}
	f("", []string{"AWS_REGION=eu-west-1", "AWS_DEFAULT_REGION=us-west-2"}, "eu-west-1")
	f("", []string{"AWS_DEFAULT_REGION=us-west-2"}, "us-west-2")
	f("ap-south-1", []string{"AWS_REGION=eu-west-1"}, "ap-south-1")
}
