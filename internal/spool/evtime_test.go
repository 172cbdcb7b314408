package spool

import (
	"io"
	"testing"
	"time"
)

// TestEventTime: with an event time, the header names its expression, each
// row holds its time after the partition values (NULL when it has none),
// and the open segment counts each hour of event time as a partition.
func TestEventTime(t *testing.T) {
	prog, err := compile(t, "SELECT v PARTITION BY k").WithTime("ts")
	if err != nil {
		t.Fatal(err)
	}
	h := HeaderFor(prog)
	if h.Time != "ts" {
		t.Fatalf("header time %q", h.Time)
	}
	sp, err := Open(t.TempDir(), h, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	lines := []string{
		`{"k":"a","v":1,"ts":"2024-05-01T10:00:00Z"}`,
		`{"k":"a","v":2,"ts":"2024-05-01T10:59:59Z"}`, // the same hour
		`{"k":"a","v":3,"ts":"2024-05-01T11:00:00Z"}`,
		`{"k":"b","v":4,"ts":"2024-05-01T11:00:00Z"}`,
		`{"k":"b","v":5}`, // no time: a value of its own
	}
	if err := sp.Append(fill(t, prog, lines...)); err != nil {
		t.Fatal(err)
	}
	if n := sp.Stats().OpenPartitions; n != 4 {
		t.Errorf("%d partitions, want 4: (a,10h) (a,11h) (b,11h) (b,no time)", n)
	}
	path, err := sp.Seal()
	if err != nil {
		t.Fatal(err)
	}
	r, err := OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Header.Time != "ts" {
		t.Errorf("header read back: time %q", r.Header.Time)
	}
	var got []string
	var rec Record
	for {
		err := r.Next(&rec)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if rec.Kind != KindRow {
			continue
		}
		if len(rec.Partition) != 2 {
			t.Fatalf("%d partition values, want k and the time", len(rec.Partition))
		}
		at := rec.Partition[1]
		s := "NULL"
		if !at.IsNull() {
			s = time.UnixMicro(at.I).UTC().Format(time.RFC3339)
		}
		got = append(got, s)
	}
	want := []string{"2024-05-01T10:00:00Z", "2024-05-01T10:59:59Z", "2024-05-01T11:00:00Z", "2024-05-01T11:00:00Z", "NULL"}
	if len(got) != len(want) {
		t.Fatalf("times %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d: time %s, want %s", i, got[i], want[i])
		}
	}
}
