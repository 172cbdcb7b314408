// Package sam holds the AWS SAM template and the tests that check what
// `sam build` would produce from it, without AWS: the Makefile targets the
// template names, run the way SAM runs them, and the arm64 binary run under
// qemu against the fake Lambda service.
package sam

import (
	"context"
	"debug/elf"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/datatap/datatap/internal/testenv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/datatap/datatap/internal/testenv/lambda"
	"github.com/datatap/datatap/internal/testenv/minio"
)

// maxBinary is the size budget of the stripped arm64 binary.
const maxBinary = 20 << 20

// makefileResources returns the logical ids of the template's resources
// built with BuildMethod: makefile.
func makefileResources(t *testing.T) []string {
	t.Helper()
	tpl, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "sam", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(tpl)
	res := text[strings.Index(text, "\nResources:\n"):strings.Index(text, "\nOutputs:\n")]
	resource := regexp.MustCompile(`^  ([A-Za-z0-9]+):$`)
	var ids []string
	current := ""
	for _, line := range strings.Split(res, "\n") {
		if m := resource.FindStringSubmatch(line); m != nil {
			current = m[1]
		} else if strings.TrimSpace(line) == "BuildMethod: makefile" {
			ids = append(ids, current)
		}
	}
	return ids
}

// build runs `make build-<id>` as sam build does: in the code folder, with
// ARTIFACTS_DIR in the environment.
func build(t *testing.T, id string) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("make", "--no-print-directory", "build-"+id)
	cmd.Dir = testenv.RepoRoot()
	cmd.Env = append(os.Environ(), "ARTIFACTS_DIR="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make build-%s: %v\n%s", id, err, out)
	}
	return dir
}

// checkStaticArm64 checks that path is an executable, static ELF for aarch64.
func checkStaticArm64(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&0o111 == 0 {
		t.Errorf("%s is not executable (%s)", path, fi.Mode())
	}
	f, err := elf.Open(path)
	if err != nil {
		t.Fatalf("%s: not an ELF file: %v", path, err)
	}
	defer f.Close()
	if f.Machine != elf.EM_AARCH64 || f.Class != elf.ELFCLASS64 {
		t.Errorf("%s: %s %s, want EM_AARCH64 64-bit", path, f.Machine, f.Class)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("%s is dynamically linked (%s)", path, p.Type)
		}
	}
	if f.Section(".symtab") != nil {
		t.Errorf("%s is not stripped", path)
	}
	return fi.Size()
}

func TestTemplateNamesItsBuildTargets(t *testing.T) {
	ids := makefileResources(t)
	if strings.Join(ids, ",") != "ExtensionLayer,Function" {
		t.Fatalf("makefile-built resources %v, want ExtensionLayer and Function", ids)
	}
	tpl, _ := os.ReadFile(filepath.Join(testenv.RepoRoot(), "sam", "template.yaml"))
	for _, want := range []string{"Runtime: provided.al2023", "Architectures: [arm64]", "Handler: bootstrap",
		"LogFormat: JSON", "Action: s3:PutObject", "NoEcho: true", "FunctionUrlConfig:", "BuildArchitecture: arm64"} {
		if !strings.Contains(string(tpl), want) {
			t.Errorf("template lacks %q", want)
		}
	}
	// Every TAP_* setting of the README is a parameter of the template.
	readme, _ := os.ReadFile(filepath.Join(testenv.RepoRoot(), "README.md"))
	for _, m := range regexp.MustCompile("\\| `(TAP_[A-Z_]+)`").FindAllStringSubmatch(string(readme), -1) {
		switch name := m[1]; name {
		case "TAP_DIR", "TAP_SPOOL_DIR", "TAP_ADDR", "TAP_TOKEN": // not for Lambda: /tmp, S3, no listener, client side
		case "TAP_CORS_ORIGINS": // the Function URL's Cors answers instead (AllowOrigins; see the template)
		default:
			if !strings.Contains(string(tpl), name+":") {
				t.Errorf("template does not set %s", name)
			}
		}
	}
}

func TestBuildTargetsAsSAMRunsThem(t *testing.T) {
	fn := build(t, "Function")
	size := checkStaticArm64(t, filepath.Join(fn, "bootstrap"))
	t.Logf("stripped linux/arm64 binary: %.1f MB", float64(size)/1e6)
	if size > maxBinary {
		t.Errorf("binary is %d bytes, budget %d", size, maxBinary)
	}
	layer := build(t, "ExtensionLayer")
	checkStaticArm64(t, filepath.Join(layer, "extensions", "datatap"))
	if entries, _ := os.ReadDir(layer); len(entries) != 1 {
		t.Errorf("layer holds %d entries, want only extensions/", len(entries))
	}
}

// TestArm64UnderQEMU runs the arm64 build, as Lambda would on Graviton,
// under qemu-aarch64-static: it prints its version, and as runtime and
// extension it takes a Function URL event and lands it in MinIO.
func TestArm64UnderQEMU(t *testing.T) {
	qemu, err := exec.LookPath("qemu-aarch64-static")
	if err != nil {
		if os.Getenv("DATATAP_REQUIRE_QEMU") == "1" {
			t.Fatal("qemu-aarch64-static not found; run `make qemu` (Debian package qemu-user-static)")
		}
		t.Skip("qemu-aarch64-static not found; run `make qemu`")
	}
	bin := filepath.Join(build(t, "Function"), "bootstrap")
	out, err := exec.Command(qemu, bin, "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "datatap ") {
		t.Fatalf("version under qemu: %v %q", err, out)
	}
	t.Logf("under qemu: %s", strings.TrimSpace(string(out)))

	store := minio.Start(t)
	svc := lambda.Start(t, lambda.Options{})
	env := append(os.Environ(), store.Env()...)
	env = append(env, "TAP_BUCKET="+store.Bucket, "TAP_AUTH=none", "TAP_SPOOL_DIR="+t.TempDir())
	x := exec.Command(qemu, bin, "-extension")
	x.Env = env
	svc.StartExtension(t, "bootstrap", x) // the extension's name is its file name
	rt := exec.Command(qemu, bin)
	rt.Env = env
	svc.StartRuntime(t, rt)
	event, _ := json.Marshal(map[string]any{
		"version": "2.0", "rawPath": "/", "isBase64Encoded": false,
		"body":           `{"id":1,"msg":"from arm64"}` + "\n" + `{"id":2,"msg":"under qemu"}`,
		"headers":        map[string]string{},
		"requestContext": map[string]any{"http": map[string]string{"method": "POST"}, "requestId": "q1"},
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := svc.Invoke(ctx, event)
	if err != nil || res.Error != nil {
		t.Fatalf("invoke: %v %v\n%s", err, res.Error, svc.Logs())
	}
	if !strings.Contains(string(res.Response), `"statusCode":202`) || !strings.Contains(string(res.Response), `\"accepted\":2`) {
		t.Fatalf("response %s", res.Response)
	}
	rep := svc.Shutdown("spindown")
	if x, ok := rep.Extension("bootstrap"); !ok || x.ExitCode != 0 || x.Killed {
		t.Fatalf("extension under qemu: %s\n%s", x.ProcessExit, svc.Logs())
	}
	objs := slices.DeleteFunc(listKeys(t, store), func(k string) bool { return strings.Contains(k, "/_datatap/") }) // the table schema
	if len(objs) != 1 || !strings.HasSuffix(objs[0], ".parquet") {
		t.Errorf("objects %v, want one Parquet file", objs)
	}
}

func listKeys(t *testing.T, m *minio.Server) []string {
	t.Helper()
	out, err := m.Client().ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(m.Bucket)})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, fmt.Sprint(*o.Key))
	}
	return keys
}
