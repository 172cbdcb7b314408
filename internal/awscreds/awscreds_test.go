package awscreds

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/datatap/datatap/internal/testenv"
)

func writeCredentials(t *testing.T, content string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", file)
	return file
}

const credentialsFile = `# a comment
; another
[default]
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = default/secret+key

[work]   
  aws_access_key_id=AKIDWORK   # inline comment
  AWS_Secret_Access_Key: work-secret
aws_session_token = FwoGZXIvYXdzEBYaDH==
region = eu-west-1

[sso]
sso_session = corp
sso_account_id = 123456789012

[work]
aws_session_token = FwoGZXIvYXdzEBYaDH+later==
`

func TestCredentialsFromEnvironment(t *testing.T) {
	testenv.IsolateAWS(t)
	writeCredentials(t, credentialsFile) // the environment wins over it
	testenv.SetEnv(t, "AWS_ACCESS_KEY_ID=AKIDENV", "AWS_SECRET_ACCESS_KEY=env-secret", "AWS_SESSION_TOKEN=tok")
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.AccessKeyID != "AKIDENV" || c.SecretAccessKey != "env-secret" || c.SessionToken != "tok" {
		t.Errorf("got %+v", c)
	}

	os.Unsetenv("AWS_SECRET_ACCESS_KEY")
	if _, err := Load(); err == nil || !strings.Contains(err.Error(), "AWS_SECRET_ACCESS_KEY is set but") && !strings.Contains(err.Error(), "AWS_SECRET_ACCESS_KEY is not") {
		t.Errorf("half set: %v, want an error naming the missing variable", err)
	}
}

func TestCredentialsFromSharedFile(t *testing.T) {
	testenv.IsolateAWS(t)
	file := writeCredentials(t, credentialsFile)
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.AccessKeyID != "AKIDDEFAULT" || c.SecretAccessKey != "default/secret+key" || c.SessionToken != "" {
		t.Errorf("default profile: %+v", c)
	}

	t.Setenv("AWS_PROFILE", "work")
	c, err = Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.AccessKeyID != "AKIDWORK" || c.SecretAccessKey != "work-secret" || c.SessionToken != "FwoGZXIvYXdzEBYaDH+later==" {
		t.Errorf("work profile: %+v", c)
	}

	t.Setenv("AWS_PROFILE", "sso")
	_, err = Load()
	if err == nil || !strings.Contains(err.Error(), "profile sso in "+file) || !strings.Contains(err.Error(), "aws configure export-credentials") {
		t.Errorf("profile without keys: %v", err)
	}

	t.Setenv("AWS_PROFILE", "nope")
	_, err = Load()
	if err == nil || !strings.Contains(err.Error(), "AWS_PROFILE=nope") || !strings.Contains(err.Error(), "aws configure export-credentials") {
		t.Errorf("missing profile: %v", err)
	}
	for _, secret := range []string{"default/secret", "work-secret", "FwoG"} {
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("error %q holds a secret", err)
		}
	}
}

func TestCredentialsFromHomeFolder(t *testing.T) {
	testenv.IsolateAWS(t)
	home := t.TempDir()
	t.Setenv("HOME", home)
	os.Unsetenv("AWS_SHARED_CREDENTIALS_FILE")
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".aws", "credentials"), []byte(credentialsFile), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load()
	if err != nil || c.AccessKeyID != "AKIDDEFAULT" {
		t.Errorf("~/.aws/credentials: %+v, %v", c, err)
	}
}

func TestNoCredentials(t *testing.T) {
	testenv.IsolateAWS(t)
	_, err := Load()
	if !errors.Is(err, ErrNoCredentials) {
		t.Fatalf("got %v, want ErrNoCredentials", err)
	}
	for _, want := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", `eval "$(aws configure export-credentials --format env)"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}

	// An empty file, or one without the default profile, is no better.
	writeCredentials(t, "[other]\naws_access_key_id = x\naws_secret_access_key = y\n")
	if _, err := Load(); !errors.Is(err, ErrNoCredentials) {
		t.Errorf("file without [default]: %v", err)
	}
}
