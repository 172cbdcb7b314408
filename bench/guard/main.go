// Command guard checks benchmark output against the per-invocation budgets
// of DESIGN.md and fails when one is exceeded:
//
//	go test ./bench -run '^$' -bench … -count 5 | go run ./bench/guard
//
// It takes the fastest of the runs of each benchmark: noise on a shared
// machine only ever adds time, so the minimum is the steadiest estimate of
// what the code costs.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// budgets are the limits, by benchmark name (without the -N suffix).
var budgets = map[string]time.Duration{
	"BenchmarkInvocation/244KiB/text": 2 * time.Millisecond,
	"BenchmarkInvocation/4KiB/text":   50 * time.Microsecond,
}

func main() {
	best := map[string]float64{}
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		line := sc.Text()
		fmt.Println(line)
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || f[3] != "ns/op" {
			continue
		}
		name := f[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		ns, err := strconv.ParseFloat(f[2], 64)
		if err != nil {
			continue
		}
		if old, ok := best[name]; !ok || ns < old {
			best[name] = ns
		}
	}
	failed := false
	fmt.Println("\n| benchmark | fastest run | budget | share |\n| --- | --- | --- | --- |")
	for name, budget := range budgets {
		ns, ok := best[name]
		if !ok {
			fmt.Printf("| %s | not run | %s | — |\n", name, budget)
			failed = true
			continue
		}
		d := time.Duration(ns)
		fmt.Printf("| %s | %s | %s | %.0f%% |\n", name, d.Round(time.Microsecond), budget, 100*ns/float64(budget))
		if d > budget {
			failed = true
		}
	}
	if failed {
		fmt.Println("\nbench-guard: over budget")
		os.Exit(1)
	}
	fmt.Println("\nbench-guard: within budget")
}
