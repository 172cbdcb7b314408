package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/datatap/datatap/internal/cost"
)

const costUsage = `datatap cost [-gb-second USD] [-million-requests USD] [FILE...]

Reads Lambda log exports (the FILEs, or standard input): REPORT lines and
JSON platform.report records, as CloudWatch Logs exports, "aws logs tail" or
"aws logs filter-log-events" give them. Prints invocations, billed
GB-seconds, cold starts, durations and what they cost. Default prices are
arm64 in us-east-1, first tier, without the free tier.`

// Cost is the cost command.
func Cost(_ context.Context, args []string, std Streams) error {
	def := cost.DefaultPrices()
	fs := newFlagSet("cost", costUsage)
	gbs := fs.Float64("gb-second", def.PerGBSecond, "USD per GB-second")
	req := fs.Float64("million-requests", def.PerMillionRequests, "USD per million requests")
	if err := parseFlags(fs, args, std); err != nil {
		return err
	}
	var in io.Reader = std.Stdin
	if fs.NArg() > 0 {
		var readers []io.Reader
		for _, name := range fs.Args() {
			f, err := os.Open(name)
			if err != nil {
				return fmt.Errorf("cost: %w", err)
			}
			defer f.Close()
			readers = append(readers, f)
		}
		in = io.MultiReader(readers...)
	}
	rep, err := cost.Read(in, cost.Prices{PerGBSecond: *gbs, PerMillionRequests: *req})
	if err != nil {
		return fmt.Errorf("cost: %w", err)
	}
	rep.Format(std.Stdout)
	return nil
}
