package sam

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/datatap/datatap/internal/testenv"

	"github.com/datatap/datatap/internal/testenv/moto"
)

// TestMotoStack creates the translated template as a stack in moto's
// CloudFormation (moto_server on loopback), with the code from `make
// lambda`, the default parameters plus JwtSecret and Acl, and checks what it
// created: sam/moto_smoke.py does the translation, the upload, the stack and
// the checks, and says which resources moto cannot create and were left out
// (the Function URL: moto has no AWS::Lambda::Url). `make moto` runs it.
func TestMotoStack(t *testing.T) {
	if os.Getenv("DATATAP_MOTO") != "1" {
		t.Skip("set DATATAP_MOTO=1 (make moto) to create the stack in moto's CloudFormation")
	}
	if out, err := exec.Command("python3", "-c", "import moto, boto3, samtranslator, flask, flask_cors").CombinedOutput(); err != nil {
		t.Fatalf("python3 needs moto[server], boto3 and aws-sam-translator: %v\n%s", err, out)
	}
	zips := filepath.Join(testenv.RepoRoot(), "bin", "lambda")
	for _, f := range []string{"function.zip", "extension-layer.zip"} {
		if _, err := os.Stat(filepath.Join(zips, f)); err != nil {
			t.Fatalf("%v (make lambda builds it)", err)
		}
	}
	endpoint := startMoto(t)
	cmd := exec.Command("python3", "moto_smoke.py", "check", endpoint, "template.yaml", zips)
	cmd.Dir = filepath.Join(testenv.RepoRoot(), "sam")
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("moto smoke test: %v", err)
	}
}

// startMoto runs moto's server (sam/moto_smoke.py serve: moto_server with
// the fixes that file describes) on loopback, on the port the server picks
// (port 0, read back from what it prints), and stops it, by its PID, when
// the test ends.
func startMoto(t *testing.T) string {
	t.Helper()
	return moto.Run(t, filepath.Join(testenv.RepoRoot(), "sam"), "python3", "moto_smoke.py", "serve", "127.0.0.1", "0").URL
}
