package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/datatap/datatap/internal/auth"
	"github.com/datatap/datatap/internal/testenv"
	"github.com/datatap/datatap/internal/testenv/lambda"
	"github.com/datatap/datatap/internal/testenv/moto"
)

// withAuthorization returns a Function URL event with an Authorization
// header.
func withAuthorization(event []byte, authorization string) []byte {
	var ev map[string]any
	json.Unmarshal(event, &ev)
	ev["headers"].(map[string]any)["authorization"] = authorization
	b, _ := json.Marshal(ev)
	return b
}

// TestLambdaKeyFromSecretsManager: the runtime reads its HMAC key from
// Secrets Manager (moto) at init, named by TAP_JWT_SECRET_ARN only, and
// accepts tokens signed with it and no others.
func TestLambdaKeyFromSecretsManager(t *testing.T) {
	fakeAWS := moto.Start(t)
	key := "key-in-secrets-manager-0123456789abcdef"
	var created struct{ ARN string }
	json.Unmarshal([]byte(fakeAWS.Call(t, "secretsmanager", "secretsmanager.CreateSecret",
		`{"Name":"datatap/jwt-secret","SecretString":"`+key+`"}`)), &created)
	// MinIO's credentials and region (us-east-1, where the secret is) serve
	// for moto too.
	env := append(fakeAWS.Endpoints(), "TAP_AUTH=jwt", "TAP_JWT_SECRET_ARN="+created.ARN, "TAP_ACL=alice@example.com")
	e := startLambda(t, env...)
	status := func(token string) int {
		t.Helper()
		res, err := e.lambda.Invoke(context.Background(), withAuthorization(functionURLEvent(batch(0, 10, ""), "text"), "Bearer "+token))
		if err != nil || res.Error != nil {
			t.Fatalf("invoke: %v %v\n%s", err, res.Error, e.lambda.Logs())
		}
		var resp struct{ StatusCode int }
		json.Unmarshal(res.Response, &resp)
		return resp.StatusCode
	}
	good, _ := auth.Mint(key, "", "alice@example.com", time.Hour, "", "", time.Now())
	if got := status(good); got != 202 {
		t.Errorf("token signed with the secret's key: %d, want 202\n%s", got, e.lambda.Logs())
	}
	other, _ := auth.Mint("some-other-key-0123456789abcdef0123456789", "", "alice@example.com", time.Hour, "", "", time.Now())
	if got := status(other); got != 401 {
		t.Errorf("token signed with another key: %d, want 401", got)
	}
	e.shutdown(t)
}

// TestLambdaMissingSecretIsAnInitError: a secret that cannot be read stops
// the environment at init, with an error naming the variable and the ARN.
func TestLambdaMissingSecretIsAnInitError(t *testing.T) {
	fakeAWS := moto.Start(t)
	bin := testenv.Binary(t)
	svc := lambda.Start(t, lambda.Options{})
	arn := "arn:aws:secretsmanager:us-east-1:123456789012:secret:datatap/missing-AbCdEf"
	rt := exec.Command(bin)
	rt.Env = append(append(os.Environ(), fakeAWS.Env()...), "TAP_BUCKET=b", "TAP_SPOOL_DIR="+t.TempDir(),
		"TAP_JWT_SECRET_ARN="+arn, "TAP_ACL=*")
	svc.StartRuntime(t, rt)
	ie, ok := svc.WaitInitError(20 * time.Second)
	if !ok {
		t.Fatalf("no init error\n%s", svc.Logs())
	}
	for _, want := range []string{`TAP_JWT_SECRET_ARN="` + arn + `"`, "ResourceNotFoundException"} {
		if !strings.Contains(ie.Message, want) {
			t.Errorf("init error %q, want it to name %s", ie.Message, want)
		}
	}
}

// TestLambdaWarnsNearTheEnvironmentLimit: the runtime logs the size of its
// TAP_* variables when they near Lambda's 4 KB.
func TestLambdaWarnsNearTheEnvironmentLimit(t *testing.T) {
	acl := strings.Repeat("someone@example.com,", 190) // 3,800 bytes
	e := startLambda(t, "TAP_ACL="+acl)
	e.invoke(t, batch(0, 1, ""), "text") // init is over
	if logs := e.lambda.Logs(); !strings.Contains(logs, "close to Lambda's 4 KB limit") {
		t.Errorf("no warning about the environment's size in the logs:\n%s", logs)
	}
	e.shutdown(t)
}

// TestServeKeyFromParameterStore: serve reads its HMAC key from an SSM
// SecureString (moto) named by TAP_JWT_SECRET_PARAMETER.
func TestServeKeyFromParameterStore(t *testing.T) {
	fakeAWS := moto.Start(t)
	key := "key-in-parameter-store-0123456789abcdef"
	fakeAWS.Call(t, "ssm", "AmazonSSM.PutParameter", `{"Name":"/datatap/jwt-secret","Type":"SecureString","Value":"`+key+`"}`)
	env := append(fakeAWS.Env(), "TAP_DIR="+t.TempDir(), "TAP_SPOOL_DIR="+t.TempDir(),
		"TAP_JWT_SECRET_PARAMETER=/datatap/jwt-secret", "TAP_ACL=alice@example.com")
	s := startServe(t, env...)
	post := func(token string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, s.URL, strings.NewReader(`{"id":1}`+"\n"))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	good, _ := auth.Mint(key, "", "alice@example.com", time.Hour, "", "", time.Now())
	if got := post(good); got != http.StatusAccepted {
		t.Errorf("token signed with the parameter's key: %d, want 202\n%s", got, s.Logs)
	}
	other, _ := auth.Mint("some-other-key-0123456789abcdef0123456789", "", "alice@example.com", time.Hour, "", "", time.Now())
	if got := post(other); got != http.StatusUnauthorized {
		t.Errorf("token signed with another key: %d, want 401", got)
	}
	s.Stop(t, 10*time.Second)
}
