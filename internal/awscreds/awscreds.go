// Package awscreds loads AWS credentials the way every AWS client of datatap
// needs them (the S3 sink, `datatap send -sigv4`): from the environment
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN: what Lambda
// sets, and what `aws configure export-credentials --format env` prints),
// else the static keys of a profile in the shared credentials file. Nothing
// else (SSO, roles, IMDS) is read: the SDK's full chain costs megabytes of
// binary and start-up time for sources a tap and its senders rarely need.
package awscreds

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// exportHint tells how to use the credential sources this package does not
// read itself.
const exportHint = `for SSO, role or credential_process profiles, export their credentials first: eval "$(aws configure export-credentials --format env)"`

// ErrNoCredentials is returned, wrapped, when no source has credentials.
var ErrNoCredentials = errors.New("no AWS credentials")

// Load returns the credentials for the next request: from the environment,
// else from the shared credentials file. Callers run it before every request
// (so that rotated keys are used at once), which costs a few getenv calls on
// Lambda, and a small file read elsewhere.
func Load() (aws.Credentials, error) {
	id, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	switch {
	case id != "" && secret != "":
		return aws.Credentials{
			AccessKeyID:     id,
			SecretAccessKey: secret,
			SessionToken:    os.Getenv("AWS_SESSION_TOKEN"),
			Source:          "environment",
		}, nil
	case id != "":
		return aws.Credentials{}, errors.New("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
	case secret != "":
		return aws.Credentials{}, errors.New("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not")
	}
	return fileCredentials()
}

// fileCredentials reads the static keys of profile AWS_PROFILE (or
// "default") from AWS_SHARED_CREDENTIALS_FILE (or ~/.aws/credentials).
func fileCredentials() (aws.Credentials, error) {
	file := os.Getenv("AWS_SHARED_CREDENTIALS_FILE")
	if file == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return aws.Credentials{}, noCredentials("")
		}
		file = filepath.Join(home, ".aws", "credentials")
	}
	profile, explicit := os.LookupEnv("AWS_PROFILE")
	if profile == "" {
		profile, explicit = "default", false
	}
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) && !explicit {
		return aws.Credentials{}, noCredentials(file)
	}
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("AWS_PROFILE=%s: read shared credentials file: %w; %s", profile, err, exportHint)
	}
	keys, found := iniSection(data, profile)
	if !found {
		if !explicit {
			return aws.Credentials{}, noCredentials(file)
		}
		return aws.Credentials{}, fmt.Errorf("AWS_PROFILE=%s: no such profile in %s (profiles in ~/.aws/config are not read); %s", profile, file, exportHint)
	}
	creds := aws.Credentials{
		AccessKeyID:     keys["aws_access_key_id"],
		SecretAccessKey: keys["aws_secret_access_key"],
		SessionToken:    keys["aws_session_token"],
		Source:          "shared credentials file",
	}
	if creds.AccessKeyID == "" || creds.SecretAccessKey == "" {
		return aws.Credentials{}, fmt.Errorf("profile %s in %s has no aws_access_key_id and aws_secret_access_key; %s", profile, file, exportHint)
	}
	return creds, nil
}

func noCredentials(file string) error {
	where := "~/.aws/credentials"
	if file != "" {
		where = file
	}
	return fmt.Errorf("%w: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials), "+
		"or put them in %s (or the file AWS_SHARED_CREDENTIALS_FILE names, profile AWS_PROFILE or default); %s. "+
		"Instance and container credentials (IMDS, ECS) are not supported",
		ErrNoCredentials, where, exportHint)
}

// iniSection returns the keys (lower-cased) of section [name] in an INI file
// such as ~/.aws/credentials, and whether the section exists. Lines are
// "key = value" (or "key: value"); "#" and ";" start comments, at the start
// of a line or after white space; a section given twice is merged, the later
// value winning. Lines it does not understand are skipped, never echoed:
// they may hold secrets.
func iniSection(data []byte, name string) (map[string]string, bool) {
	keys := map[string]string{}
	found, in := false, false
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20) // session tokens are long, but not that long
	for sc.Scan() {
		line := strings.TrimSpace(stripComment(sc.Text()))
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "[") {
			section, ok := strings.CutSuffix(line[1:], "]")
			in = ok && strings.TrimSpace(section) == name
			found = found || in
			continue
		}
		if !in {
			continue
		}
		i := strings.IndexAny(line, "=:")
		if i <= 0 {
			continue
		}
		keys[strings.ToLower(strings.TrimSpace(line[:i]))] = strings.TrimSpace(line[i+1:])
	}
	return keys, found
}

// stripComment removes a comment: "#" or ";" at the start of the line or
// after white space. Keys and tokens contain neither after a space.
func stripComment(line string) string {
	for i := 0; i < len(line); i++ {
		if (line[i] == '#' || line[i] == ';') && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t') {
			return line[:i]
		}
	}
	return line
}
