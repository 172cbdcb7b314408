package cost

import (
	"fmt"
	"math"
)

// Prices are the rates a [Report] is priced at, in US dollars.
type Prices struct {
	// PerGBSecond is the price of one GB-second of compute.
	PerGBSecond float64
	// PerMillionRequests is the price of one million invocations.
	PerMillionRequests float64
}

// DefaultPrices returns Lambda's on-demand prices for arm64 functions in
// us-east-1, first tier, as published in 2025: $0.0000133334 per GB-second
// and $0.20 per million requests. Check aws.amazon.com/lambda/pricing before
// relying on them; x86_64 and some regions cost more, so pass their [Prices]
// to [Read] instead.
func DefaultPrices() Prices {
	return Prices{PerGBSecond: 0.0000133334, PerMillionRequests: 0.20}
}

// validate reports the first price that is negative, NaN or infinite.
func (p Prices) validate() error {
	for _, f := range []struct {
		name string
		v    float64
	}{
		{"PerGBSecond", p.PerGBSecond},
		{"PerMillionRequests", p.PerMillionRequests},
	} {
		if f.v < 0 || math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return fmt.Errorf("cost: price %s: %v is not a finite non-negative number", f.name, f.v)
		}
	}
	return nil
}
