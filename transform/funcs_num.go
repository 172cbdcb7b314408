package transform

import (
	"math"

	"github.com/valyala/fastjson"
)

// numberFunctions are DuckDB's numeric functions beyond abs, round, floor
// and ceil. Where DuckDB fails the query on a domain error (the square root
// or the logarithm of a negative number, the logarithm of zero) they give
// NULL: one record must not fail a batch. NaN and infinities come out as
// DuckDB has them (pow(-8, 1/3) is NaN, exp(1000) is infinity) and are
// stored as such in Parquet (JSON output writes them as null).
func numberFunctions() map[string]function {
	return map[string]function{
		"ceiling":  {1, 1, Null, false, rounder(math.Ceil)},
		"trunc":    {1, 2, Null, false, buildTrunc},
		"greatest": {1, -1, Null, false, buildExtreme(1)},
		"least":    {1, -1, Null, false, buildExtreme(-1)},
		"mod":      {2, 2, Null, false, buildMod},
		"sign":     {1, 1, Int32, false, buildSign},
		"sqrt":     {1, 1, Double, false, float1(math.Sqrt, func(x float64) bool { return x >= 0 || math.IsNaN(x) })},
		"cbrt":     {1, 1, Double, false, float1(math.Cbrt, nil)},
		"exp":      {1, 1, Double, false, float1(math.Exp, nil)},
		"ln":       {1, 1, Double, false, float1(math.Log, positiveOrNaN)},
		"log10":    {1, 1, Double, false, float1(math.Log10, positiveOrNaN)},
		"log2":     {1, 1, Double, false, float1(math.Log2, positiveOrNaN)},
		"log":      {1, 2, Double, false, buildLog},
		"pow":      {2, 2, Double, false, buildPow},
		"power":    {2, 2, Double, false, buildPow},
		"pi":       {0, 0, Double, false, func(*compiler, *node, []compiled) expr { return constExpr(Value{Type: Double, F: math.Pi}) }},
		"isnan":    {1, 1, Boolean, false, floatTest(math.IsNaN)},
		"isinf":    {1, 1, Boolean, false, floatTest(func(f float64) bool { return math.IsInf(f, 0) })},
		"isfinite": {1, 1, Boolean, false, floatTest(func(f float64) bool { return !math.IsInf(f, 0) && !math.IsNaN(f) })},
	}
}

func constExpr(v Value) expr { return func(*State, *fastjson.Value) Value { return v } }

func positiveOrNaN(x float64) bool { return x > 0 || math.IsNaN(x) }

// float1 applies f to a number as DOUBLE; NULL outside domain (when given).
func float1(f func(float64) float64, domain func(float64) bool) func(*compiler, *node, []compiled) expr {
	return func(_ *compiler, _ *node, args []compiled) expr {
		a := args[0].fn
		return func(st *State, rec *fastjson.Value) Value {
			v := a(st, rec)
			if !isNumeric(v.Type) {
				return Value{}
			}
			x := asFloat(v)
			if domain != nil && !domain(x) {
				return Value{}
			}
			return Value{Type: Double, F: f(x)}
		}
	}
}

func floatTest(f func(float64) bool) func(*compiler, *node, []compiled) expr {
	return func(_ *compiler, _ *node, args []compiled) expr {
		a := args[0].fn
		return func(st *State, rec *fastjson.Value) Value {
			v := a(st, rec)
			if !isNumeric(v.Type) {
				return Value{}
			}
			return boolValue(f(asFloat(v)))
		}
	}
}

// buildLog is DuckDB's log: log(x) is the logarithm to base 10 (not e: that
// is ln), log(b, x) to base b.
func buildLog(_ *compiler, _ *node, args []compiled) expr {
	if len(args) == 1 {
		return float1(math.Log10, positiveOrNaN)(nil, nil, args)
	}
	b, a := args[0].fn, args[1].fn
	return func(st *State, rec *fastjson.Value) Value {
		u, v := b(st, rec), a(st, rec)
		if !isNumeric(u.Type) || !isNumeric(v.Type) {
			return Value{}
		}
		base, x := asFloat(u), asFloat(v)
		if !positiveOrNaN(base) || !positiveOrNaN(x) || base == 1 {
			return Value{}
		}
		return Value{Type: Double, F: math.Log(x) / math.Log(base)}
	}
}

func buildPow(_ *compiler, _ *node, args []compiled) expr {
	a, b := args[0].fn, args[1].fn
	return func(st *State, rec *fastjson.Value) Value {
		u, v := a(st, rec), b(st, rec)
		if !isNumeric(u.Type) || !isNumeric(v.Type) {
			return Value{}
		}
		return Value{Type: Double, F: math.Pow(asFloat(u), asFloat(v))}
	}
}

// buildSign is -1, 0 or 1 (0 for -0.0 and NaN), as an INT32 (DuckDB's
// TINYINT).
func buildSign(_ *compiler, _ *node, args []compiled) expr {
	a := args[0].fn
	return func(st *State, rec *fastjson.Value) Value {
		v := a(st, rec)
		switch {
		case !isNumeric(v.Type):
			return Value{}
		case v.Type == Double && v.F > 0, v.Type != Double && v.I > 0:
			return Value{Type: Int32, I: 1}
		case v.Type == Double && v.F < 0, v.Type != Double && v.I < 0:
			return Value{Type: Int32, I: -1}
		}
		return Value{Type: Int32}
	}
}

func buildMod(_ *compiler, _ *node, args []compiled) expr {
	a, b := args[0].fn, args[1].fn
	return func(st *State, rec *fastjson.Value) Value {
		return arith("%", a(st, rec), b(st, rec))
	}
}

// buildTrunc truncates toward zero, to n decimal places (n < 0: to tens,
// hundreds…). Integers stay integers.
func buildTrunc(_ *compiler, _ *node, args []compiled) expr {
	a, digitsOf := args[0].fn, digitsArg(args)
	return func(st *State, rec *fastjson.Value) Value {
		v := a(st, rec)
		digits, ok := digitsOf(st, rec)
		if !ok {
			return Value{}
		}
		switch v.Type {
		case Int32, Int64:
			if digits >= 0 {
				return v
			}
			if digits < -18 {
				return Value{Type: v.Type}
			}
			p := int64(math.Pow10(int(-digits)))
			return Value{Type: v.Type, I: v.I / p * p}
		case Double:
			if digits == 0 {
				return Value{Type: Double, F: math.Trunc(v.F)}
			}
			p := math.Pow10(int(digits))
			r := math.Trunc(v.F*p) / p
			if math.IsInf(r, 0) || math.IsNaN(r) {
				return v
			}
			return Value{Type: Double, F: r}
		}
		return Value{}
	}
}

// buildExtreme is greatest (dir 1) and least (dir -1): NULLs are skipped, so
// the result is NULL only when every argument is; arguments that do not
// compare with the best so far (a string and a number) make NULL.
func buildExtreme(dir int) func(*compiler, *node, []compiled) expr {
	return func(_ *compiler, _ *node, args []compiled) expr {
		fs := fns(args)
		return func(st *State, rec *fastjson.Value) Value {
			var best Value
			for _, f := range fs {
				v := f(st, rec)
				if v.Type == Null {
					continue
				}
				if best.Type == Null {
					best = v
					continue
				}
				d, ok := st.compare(v, best)
				if !ok {
					return Value{}
				}
				if d*dir > 0 {
					best = v
				}
			}
			return best
		}
	}
}
