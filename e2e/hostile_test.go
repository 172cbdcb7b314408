package e2e

import (
	"github.com/datatap/datatap/internal/testenv/fixture"

	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/datatap/datatap/internal/config"
	"github.com/datatap/datatap/internal/testenv/duckdb"
	"github.com/datatap/datatap/internal/testenv/minio"
)

// TestHostileCorpus is the end-to-end acceptance of issue 11 ("nothing a
// sender posts can stop the tap"): a corpus of hostile but legitimate lines
// (hostileCorpus: every class of the issue and more), each followed by an
// ordinary line with a unique good_id, is posted in several requests to the
// real binary (`datatap serve`, with Lambda's open-file limit) writing to a
// real MinIO with small segments, then the tap is stopped with SIGTERM.
// Checked:
//
//   - every request is acknowledged, and its counts cover each of its lines;
//   - the spool is empty at exit (no segment, no flush folder);
//   - DuckDB reads every Parquet file whole with SELECT * (one statement per
//     file, so a bad file is named), and every error file as NDJSON;
//   - every good line is exactly once a Parquet row (not an error row, not
//     only in a quarantined segment);
//   - every acknowledged line is stored exactly once: Parquet rows + error
//     rows + records of quarantined segment objects = accepted + rejected.
//     A line the flush could not write may become an error row or part of a
//     quarantine object (issue 11, deliverable 2), so hostile lines are
//     reconciled by total: each is in one of the three.
//
// It runs once with SELECT * and once with PARTITION BY on a nested field
// (2,000 partition values, more than the 1,024 files Lambda lets a process
// open).
func TestHostileCorpus(t *testing.T) {
	duckdb.Require(t)
	for _, stmt := range []string{"SELECT *", "SELECT * PARTITION BY user.region"} {
		t.Run(strings.ReplaceAll(stmt, " ", "_"), func(t *testing.T) {
			runHostile(t, stmt)
		})
	}
}

func runHostile(t *testing.T, stmt string) {
	store := minio.Start(t)
	spoolDir := t.TempDir()
	maxLine := int(config.Default().MaxLineBytes)
	srv := startServeNoFile(t, lambdaNoFile, append(store.Env(),
		"TAP_BUCKET="+store.Bucket, "TAP_SPOOL_DIR="+spoolDir, "TAP_TRANSFORM="+stmt,
		"TAP_FLUSH_BYTES=128KiB", "TAP_FLUSH_AGE=1s", fmt.Sprintf("TAP_MAX_LINE_BYTES=%d", maxLine))...)

	corpus := hostileCorpus(maxLine)
	classes := map[string]int{}
	for _, h := range corpus {
		classes[h.class]++
	}
	bodies := requests(corpus, 128<<10)
	t.Logf("%s: %d hostile lines in %d classes, %d good lines, %d requests", stmt, len(corpus), len(classes), len(corpus), len(bodies))

	var accepted, rejected, filtered int
	for r, body := range bodies {
		got, err := send(srv.URL, body, r%3 == 2)
		if err != nil {
			t.Errorf("request %d of %d: %v", r, len(bodies), err)
			continue
		}
		want := 0
		for _, l := range strings.Split(string(body), "\n") {
			if strings.TrimSpace(l) != "" {
				want++
			}
		}
		if n := got["accepted"] + got["filtered"] + got["rejected"]; n != want {
			t.Errorf("request %d: counts %v cover %d lines, sent %d", r, got, n, want)
		}
		// Pacing, not a check: let the flush loop seal this request's
		// segment before the next one, so that the corpus spreads over
		// several segments (a blocked flush loop seals late, hence the cap).
		waitSealed(spoolDir, 5*time.Second)
		accepted += got["accepted"]
		rejected += got["rejected"]
		filtered += got["filtered"]
	}
	if filtered != 0 {
		t.Errorf("%d lines filtered by a statement without WHERE", filtered)
	}

	srv.stopWithin(t, 3*time.Minute)
	if left := fixture.SpoolLeftovers(t, spoolDir); len(left) > 0 {
		t.Errorf("left in the spool at exit: %v", left)
	}

	local := t.TempDir()
	download(t, store, local)
	l := readLanded(t, local)
	t.Logf("landed: %d Parquet files (%d rows), %d error files (%d lines), %d quarantine objects %v",
		l.parquetFiles, l.parquetRows, l.errorFiles, l.errorLines, len(l.quarantine), l.quarantine)

	for _, b := range l.badFiles {
		t.Errorf("DuckDB cannot read %s", b)
	}
	for _, u := range l.unknown {
		t.Errorf("object neither Parquet, NDJSON nor a whole spool segment: %s", u)
	}
	var missing, twice, asError, quarantined []int
	for id := range corpus {
		switch n := l.goodInPq[id]; {
		case n == 0:
			missing = append(missing, id)
		case n > 1:
			twice = append(twice, id)
		}
		if l.goodInErrors[id] > 0 {
			asError = append(asError, id)
		}
		if l.goodInQuar[id] > 0 {
			quarantined = append(quarantined, id)
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d of %d good lines are not in the Parquet output (%d good lines are in quarantined segments); first after %s",
			len(missing), len(corpus), len(quarantined), describeIDs(missing, corpus))
	}
	if len(twice) > 0 {
		t.Errorf("%d good lines are in the Parquet output more than once: %v", len(twice), clipInts(twice))
	}
	if len(asError) > 0 {
		t.Errorf("%d good lines are error rows: first after %s", len(asError), describeIDs(asError, corpus))
	}
	var inQuarantine int64
	for _, n := range l.quarantine {
		inQuarantine += int64(n)
	}
	if got, want := l.parquetRows+l.errorLines+inQuarantine, int64(accepted+rejected); got != want {
		what := "LOSS"
		if got > want {
			what = "DUPLICATES"
		}
		t.Errorf("%s: acknowledged %d rows and %d rejected lines (%d) but %d landed: %d Parquet rows + %d error rows + %d quarantined records",
			what, accepted, rejected, want, got, l.parquetRows, l.errorLines, inQuarantine)
	}
	if t.Failed() {
		t.Logf("serve output (tail):\n%s", tail(srv.Logs.String(), 6000))
	}
}

// describeIDs names the hostile line each good id follows, for the first few.
func describeIDs(ids []int, corpus []hostileLine) string {
	sort.Ints(ids)
	var b strings.Builder
	for i, id := range ids {
		if i == 5 {
			fmt.Fprintf(&b, " …")
			break
		}
		fmt.Fprintf(&b, "[%d: %s %q] ", id, corpus[id].class, clipText(corpus[id].text, 60))
	}
	return b.String()
}

func clipInts(v []int) []int {
	sort.Ints(v)
	return v[:min(len(v), 20)]
}
