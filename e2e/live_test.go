package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/datatap/datatap/internal/testenv"
)

// TestLivePage loads serve's live page in headless Chromium while lines are
// posted (accepted ones and lines that are not JSON), and checks what the
// page drew: non-zero totals, the lines-per-second chart, a flush with its
// object, and the rejected line with its reason; then it saves a
// screenshot (bin/live-page.png, for people to look at) and checks it is
// not blank.
func TestLivePage(t *testing.T) {
	chromium := requireChromium(t)
	bin := testenv.Binary(t)
	addr := freeAddr(t)
	var logs bytes.Buffer
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "TAP_ADDR="+addr, "TAP_DIR="+t.TempDir(), "TAP_SPOOL_DIR="+t.TempDir(),
		"TAP_FLUSH_BYTES=20KiB", "TAP_FLUSH_AGE=1s")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	tap := "http://" + addr + "/"
	waitHealthy(t, tap+"health", &logs)

	// Lines go on arriving while the page loads and polls.
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	post := func(i int) {
		var b strings.Builder
		for k := range 200 {
			fmt.Fprintf(&b, `{"id":%d,"level":"info","msg":"hello %d"}`+"\n", i*1000+k, k)
		}
		b.WriteString("this line is not json\n")
		resp, err := http.Post(tap, "application/x-ndjson", strings.NewReader(b.String()))
		if err == nil {
			resp.Body.Close()
		}
	}
	post(0)
	go func() {
		defer wg.Done()
		for i := 1; ctx.Err() == nil; i++ {
			post(i)
			time.Sleep(100 * time.Millisecond)
		}
	}()
	defer func() { stop(); wg.Wait() }()
	time.Sleep(1500 * time.Millisecond) // a flush or two (TAP_FLUSH_AGE=1s)

	// The page polls every second; Chromium's virtual time lets it poll a
	// few times before the DOM is printed.
	dom := runChromium(t, chromium, "--virtual-time-budget=5000", "--dump-dom", tap)
	accepted := regexp.MustCompile(`<b[^>]*>([0-9.]+[kMG]?)</b>accepted`).FindStringSubmatch(dom)
	if accepted == nil || accepted[1] == "0" {
		t.Errorf("the page shows no accepted lines: %v\n%s", accepted, tail(dom, 3000))
	}
	if !regexp.MustCompile(`<td class="err">[^<]+</td><td><code>this line is not json</code>`).MatchString(dom) {
		t.Errorf("the page shows no rejected line with its reason:\n%s", tail(dom, 3000))
	}
	if !strings.Contains(dom, ".parquet</code>") {
		t.Errorf("the page shows no flushed object:\n%s", tail(dom, 3000))
	}
	// The lines chart: the accepted series has points above the axis.
	if m := regexp.MustCompile(`<svg id="lines"[^>]*>.*?</svg>`).FindString(dom); !regexp.MustCompile(`<polyline points="[^"]*,(1[0-1][0-9]|[1-9]?[0-9])\.`).MatchString(m) {
		t.Errorf("the lines chart has no point above zero:\n%s", m)
	}

	shot, _ := filepath.Abs(filepath.Join("..", "bin", "live-page.png")) // the test runs in e2e
	os.MkdirAll(filepath.Dir(shot), 0o755)
	os.Remove(shot)
	runChromium(t, chromium, "--virtual-time-budget=5000", "--hide-scrollbars", "--window-size=1200,1500", "--screenshot="+shot, tap)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if n := colors(img); n < 16 {
		t.Errorf("the screenshot has %d colours: blank?", n)
	}
	t.Logf("screenshot: %s", shot)
}

// colors counts the distinct colours of img (up to 1,000).
func colors(img image.Image) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
			if len(seen) >= 1000 {
				return len(seen)
			}
		}
	}
	return len(seen)
}
