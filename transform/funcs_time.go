package transform

import (
	"math"
	"strconv"
	"strings"

	"github.com/valyala/fastjson"
)

// Time functions follow DuckDB's on TIMESTAMP and DATE. A string argument is
// read as a timestamp (RFC 3339, as casts read it), so date_part('hour', ts)
// works on the raw field. Timestamps are UTC instants (see the README).

const (
	microsPerMinute = 60 * microsPerSecond
	microsPerHour   = 60 * microsPerMinute
	microsPerWeek   = 7 * microsPerDay
)

// A part names a unit of time, as date_part, date_trunc, date_diff and
// INTERVAL spell them.
type part uint8

const (
	pNone part = iota
	pMicrosecond
	pMillisecond
	pSecond
	pMinute
	pHour
	pDay
	pWeek
	pMonth
	pQuarter
	pYear
	pDecade
	pCentury
	pMillennium
	// date_part only:
	pEpoch
	pDayOfWeek
	pISODayOfWeek
	pDayOfYear
	pISOYear
	pYearWeek
	pEra
)

// parts maps DuckDB's names and abbreviations of parts.
var parts = map[string]part{
	"microsecond": pMicrosecond, "microseconds": pMicrosecond, "us": pMicrosecond, "usec": pMicrosecond, "usecs": pMicrosecond, "usecond": pMicrosecond, "useconds": pMicrosecond,
	"millisecond": pMillisecond, "milliseconds": pMillisecond, "ms": pMillisecond, "msec": pMillisecond, "msecs": pMillisecond, "msecond": pMillisecond, "mseconds": pMillisecond,
	"second": pSecond, "seconds": pSecond, "s": pSecond, "sec": pSecond, "secs": pSecond,
	"minute": pMinute, "minutes": pMinute, "m": pMinute, "min": pMinute, "mins": pMinute,
	"hour": pHour, "hours": pHour, "h": pHour, "hr": pHour, "hrs": pHour,
	"day": pDay, "days": pDay, "d": pDay, "dayofmonth": pDay,
	"week": pWeek, "weeks": pWeek, "w": pWeek, "weekofyear": pWeek,
	"month": pMonth, "months": pMonth, "mon": pMonth, "mons": pMonth,
	"quarter": pQuarter, "quarters": pQuarter,
	"year": pYear, "years": pYear, "y": pYear, "yr": pYear, "yrs": pYear,
	"decade": pDecade, "decades": pDecade, "dec": pDecade, "decs": pDecade,
	"century": pCentury, "centuries": pCentury, "cent": pCentury, "c": pCentury,
	"millennium": pMillennium, "millennia": pMillennium, "millenium": pMillennium, "mil": pMillennium, "mils": pMillennium,
	"epoch": pEpoch,
	"dow":   pDayOfWeek, "dayofweek": pDayOfWeek, "weekday": pDayOfWeek,
	"isodow": pISODayOfWeek,
	"doy":    pDayOfYear, "dayofyear": pDayOfYear,
	"isoyear":  pISOYear,
	"yearweek": pYearWeek,
	"era":      pEra,
}

// constPart reads the constant part name of args[0].
func (c *compiler) constPart(fn string, n *node, a compiled, ok func(part) bool) part {
	name := strings.ToLower(c.constString(fn, n, a, "the part"))
	p := parts[name]
	if p == pNone || !ok(p) {
		c.fail(n.args[0].pos, "%s: unknown part '%s'", fn, name)
	}
	return p
}

func truncatable(p part) bool { return p >= pMicrosecond && p <= pMillennium }
func anyPart(part) bool       { return true }

func timeFunctions() map[string]function {
	fs := map[string]function{
		"date_part":      {2, 2, Null, false, buildDatePart},
		"datepart":       {2, 2, Null, false, buildDatePart},
		"date_trunc":     {2, 2, Timestamp, false, buildDateTrunc},
		"datetrunc":      {2, 2, Timestamp, false, buildDateTrunc},
		"date_diff":      {3, 3, Int64, false, buildDateDiff},
		"datediff":       {3, 3, Int64, false, buildDateDiff},
		"date_add":       {2, 2, Timestamp, false, nil}, // compiled by the interval code
		"dayname":        {1, 1, Varchar, false, buildName(true)},
		"monthname":      {1, 1, Varchar, false, buildName(false)},
		"last_day":       {1, 1, Date, false, buildLastDay},
		"epoch_us":       {1, 1, Int64, false, buildEpochUs},
		"to_timestamp":   {1, 1, Timestamp, false, buildToTimestamp},
		"make_timestamp": {1, 6, Timestamp, false, buildMakeTimestamp},
		"make_date":      {3, 3, Date, false, buildMakeDate},
		"make_time":      {3, 3, Time, false, buildMakeTime},
		"strptime":       {2, 2, Timestamp, false, buildStrptime},
		"try_strptime":   {2, 2, Timestamp, false, buildStrptime},
	}
	// year(t), month(t)… are date_part('year', t)…
	for name, p := range map[string]part{
		"year": pYear, "month": pMonth, "day": pDay, "dayofmonth": pDay, "hour": pHour, "minute": pMinute,
		"second": pSecond, "millisecond": pMillisecond, "microsecond": pMicrosecond, "week": pWeek,
		"weekofyear": pWeek, "quarter": pQuarter, "dayofweek": pDayOfWeek, "isodow": pISODayOfWeek,
		"dayofyear": pDayOfYear, "isoyear": pISOYear, "yearweek": pYearWeek, "decade": pDecade,
		"century": pCentury, "millennium": pMillennium, "era": pEra, "epoch": pEpoch,
	} {
		typ := Int64
		if p == pEpoch {
			typ = Double
		}
		fs[name] = function{1, 1, typ, false, func(_ *compiler, _ *node, args []compiled) expr { return datePart(p, args[0].fn) }}
	}
	return fs
}

// civil is a timestamp taken apart.
type civil struct {
	days       int64 // since the epoch
	y, m, d    int64
	us         int64 // within the day
	hh, mm, ss int64
}

func split(us int64) civil {
	days := floorDiv(us, microsPerDay)
	c := civil{days: days, us: us - days*microsPerDay}
	c.y, c.m, c.d = civilFromDays(days)
	secs := c.us / microsPerSecond
	c.hh, c.mm, c.ss = secs/3600, secs/60%60, secs%60
	return c
}

// isoWeek returns the ISO 8601 year and week of a day.
func isoWeek(days int64) (year, week int64) {
	thursday := days - isoDOW(days) + 4
	year, _, _ = civilFromDays(thursday)
	return year, (thursday-daysFromCivil(year, 1, 1))/7 + 1
}

// isoDOW is 1 for Monday … 7 for Sunday.
func isoDOW(days int64) int64 {
	if w := weekday(days); w != 0 {
		return w
	}
	return 7
}

func buildDatePart(c *compiler, n *node, args []compiled) expr {
	return datePart(c.constPart("date_part", n, args[0], anyPart), args[1].fn)
}

// datePart is date_part(p, t) and extract(p FROM t): BIGINT, except epoch
// (DOUBLE seconds, with the fraction).
func datePart(p part, a expr) expr {
	return func(st *State, rec *fastjson.Value) Value {
		us, ok := st.timestamp(a(st, rec))
		if !ok {
			return Value{}
		}
		if p == pEpoch {
			return Value{Type: Double, F: float64(us) / microsPerSecond}
		}
		t := split(us)
		var r int64
		switch p {
		case pMicrosecond:
			r = t.ss*microsPerSecond + t.us%microsPerSecond
		case pMillisecond:
			r = t.ss*1000 + t.us%microsPerSecond/1000
		case pSecond:
			r = t.ss
		case pMinute:
			r = t.mm
		case pHour:
			r = t.hh
		case pDay:
			r = t.d
		case pWeek:
			_, r = isoWeek(t.days)
		case pMonth:
			r = t.m
		case pQuarter:
			r = (t.m-1)/3 + 1
		case pYear:
			r = t.y
		case pDecade:
			r = floorDiv(t.y, 10)
		case pCentury:
			r = centuryOf(t.y, 100)
		case pMillennium:
			r = centuryOf(t.y, 1000)
		case pDayOfWeek:
			r = weekday(t.days)
		case pISODayOfWeek:
			r = isoDOW(t.days)
		case pDayOfYear:
			r = t.days - daysFromCivil(t.y, 1, 1) + 1
		case pISOYear:
			r, _ = isoWeek(t.days)
		case pYearWeek:
			y, w := isoWeek(t.days)
			r = y*100 + w
		case pEra:
			if t.y > 0 {
				r = 1
			}
		}
		return Value{Type: Int64, I: r}
	}
}

// centuryOf is DuckDB's century (per 100) or millennium (per 1000): the
// first century runs from year 1 to 100.
func centuryOf(y, per int64) int64 {
	if y > 0 {
		return (y-1)/per + 1
	}
	return y/per - 1
}

// buildDateTrunc is date_trunc(p, t): t cut down to the start of its p, as
// a TIMESTAMP (for a DATE too, as DuckDB does). Weeks start on Monday;
// decades, centuries and millennia at years divisible by 10, 100, 1000.
func buildDateTrunc(c *compiler, n *node, args []compiled) expr {
	p := c.constPart("date_trunc", n, args[0], truncatable)
	a := args[1].fn
	return func(st *State, rec *fastjson.Value) Value {
		us, ok := st.timestamp(a(st, rec))
		if !ok {
			return Value{}
		}
		return Value{Type: Timestamp, I: truncate(p, us)}
	}
}

func truncate(p part, us int64) int64 {
	unit := func(u int64) int64 { return floorDiv(us, u) * u }
	switch p {
	case pMicrosecond:
		return us
	case pMillisecond:
		return unit(1000)
	case pSecond:
		return unit(microsPerSecond)
	case pMinute:
		return unit(microsPerMinute)
	case pHour:
		return unit(microsPerHour)
	case pDay:
		return unit(microsPerDay)
	case pWeek:
		days := floorDiv(us, microsPerDay)
		return (days - isoDOW(days) + 1) * microsPerDay
	}
	t := split(us)
	y, m := t.y, int64(1)
	switch p {
	case pMonth:
		m = t.m
	case pQuarter:
		m = (t.m-1)/3*3 + 1
	case pDecade:
		y = floorDiv(y, 10) * 10
	case pCentury:
		y = floorDiv(y, 100) * 100
	case pMillennium:
		y = floorDiv(y, 1000) * 1000
	}
	return daysFromCivil(y, m, 1) * microsPerDay
}

// buildDateDiff is date_diff(p, a, b): how many boundaries of p lie between
// a and b (negative when b is earlier), as DuckDB counts them: years, months
// and the like by their calendar fields, days by dates, weeks as whole
// 7-day spans of days, hours and smaller by the epoch count of each.
func buildDateDiff(c *compiler, n *node, args []compiled) expr {
	p := c.constPart("date_diff", n, args[0], truncatable)
	a, b := args[1].fn, args[2].fn
	return func(st *State, rec *fastjson.Value) Value {
		u, ok1 := st.timestamp(a(st, rec))
		v, ok2 := st.timestamp(b(st, rec))
		if !ok1 || !ok2 {
			return Value{}
		}
		var r int64
		switch p {
		case pMicrosecond:
			r = v - u
		case pMillisecond:
			r = v/1000 - u/1000
		case pSecond:
			r = v/microsPerSecond - u/microsPerSecond
		case pMinute:
			r = v/microsPerMinute - u/microsPerMinute
		case pHour:
			r = v/microsPerHour - u/microsPerHour
		case pDay, pWeek:
			r = floorDiv(v, microsPerDay) - floorDiv(u, microsPerDay)
			if p == pWeek {
				r /= 7
			}
		default:
			x, y := split(u), split(v)
			switch p {
			case pMonth:
				r = (y.y-x.y)*12 + y.m - x.m
			case pQuarter:
				r = (y.y-x.y)*4 + (y.m-1)/3 - (x.m-1)/3
			case pYear:
				r = y.y - x.y
			case pDecade:
				r = y.y/10 - x.y/10
			case pCentury:
				r = y.y/100 - x.y/100
			case pMillennium:
				r = y.y/1000 - x.y/1000
			}
		}
		return Value{Type: Int64, I: r}
	}
}

func buildName(day bool) func(*compiler, *node, []compiled) expr {
	return func(_ *compiler, _ *node, args []compiled) expr {
		a := args[0].fn
		return func(st *State, rec *fastjson.Value) Value {
			us, ok := st.timestamp(a(st, rec))
			if !ok {
				return Value{}
			}
			days := floorDiv(us, microsPerDay)
			if day {
				return Value{Type: Varchar, S: dayNames[weekday(days)]}
			}
			_, m, _ := civilFromDays(days)
			return Value{Type: Varchar, S: monthNames[m-1]}
		}
	}
}

func buildLastDay(_ *compiler, _ *node, args []compiled) expr {
	a := args[0].fn
	return func(st *State, rec *fastjson.Value) Value {
		us, ok := st.timestamp(a(st, rec))
		if !ok {
			return Value{}
		}
		y, m, _ := civilFromDays(floorDiv(us, microsPerDay))
		return Value{Type: Date, I: daysFromCivil(y, m, daysIn(y, m))}
	}
}

func buildEpochUs(_ *compiler, _ *node, args []compiled) expr {
	a := args[0].fn
	return func(st *State, rec *fastjson.Value) Value {
		us, ok := st.timestamp(a(st, rec))
		if !ok {
			return Value{}
		}
		return Value{Type: Int64, I: us}
	}
}

// maxMicros bounds the timestamps functions make: DuckDB's range, years
// 290308 BC to 294247 AD, well inside INT64 microseconds.
const maxMicros = 9_223_371_331_200_000_000

func microsOf(f float64) (int64, bool) {
	if f != f || f >= maxMicros || f <= -maxMicros {
		return 0, false
	}
	return int64(math.Round(f)), true
}

// buildToTimestamp is to_timestamp(seconds): seconds since the epoch, with a
// fraction, to a TIMESTAMP.
func buildToTimestamp(_ *compiler, _ *node, args []compiled) expr {
	a := args[0].fn
	return func(st *State, rec *fastjson.Value) Value {
		v := a(st, rec)
		if !isNumeric(v.Type) {
			return Value{}
		}
		us, ok := microsOf(asFloat(v) * microsPerSecond)
		if !ok {
			return Value{}
		}
		return Value{Type: Timestamp, I: us}
	}
}

// buildMakeTimestamp is make_timestamp(year, month, day, hour, minute,
// seconds) (seconds with a fraction) and make_timestamp(microseconds since
// the epoch). A field out of its range is NULL (DuckDB fails the query).
func buildMakeTimestamp(c *compiler, n *node, args []compiled) expr {
	if len(args) != 1 && len(args) != 6 {
		c.fail(n.pos, "make_timestamp takes 1 or 6 arguments, got %d", len(args))
	}
	fs := fns(args)
	return func(st *State, rec *fastjson.Value) Value {
		if len(fs) == 1 {
			v := st.integer(fs[0](st, rec))
			if v.Type == Null || v.I >= maxMicros || v.I <= -maxMicros {
				return Value{}
			}
			return Value{Type: Timestamp, I: v.I}
		}
		var f [5]int64
		for i := range f {
			v := fs[i](st, rec)
			if !isInteger(v.Type) {
				return Value{}
			}
			f[i] = v.I
		}
		sec := fs[5](st, rec)
		if !isNumeric(sec.Type) {
			return Value{}
		}
		s := asFloat(sec)
		y, mo, d, h, mi := f[0], f[1], f[2], f[3], f[4]
		if y < -290000 || y > 294000 || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) ||
			h < 0 || h > 24 || mi < 0 || mi > 59 || !(s >= 0 && s < 60) {
			return Value{}
		}
		us, _ := microsOf(s * microsPerSecond)
		return Value{Type: Timestamp, I: daysFromCivil(y, mo, d)*microsPerDay + h*microsPerHour + mi*microsPerMinute + us}
	}
}

func buildMakeDate(_ *compiler, _ *node, args []compiled) expr {
	fs := fns(args)
	return func(st *State, rec *fastjson.Value) Value {
		var f [3]int64
		for i := range f {
			v := fs[i](st, rec)
			if !isInteger(v.Type) {
				return Value{}
			}
			f[i] = v.I
		}
		y, m, d := f[0], f[1], f[2]
		if y < -290000 || y > 294000 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
			return Value{}
		}
		return Value{Type: Date, I: daysFromCivil(y, m, d)}
	}
}

// interval is an INTERVAL constant: months, days and microseconds, added in
// that order (a month from January 31 is the last day of February).
type interval struct{ months, days, micros int64 }

// addInterval adds k times iv to the timestamp us; ok is false beyond the
// range of timestamps.
func addInterval(us int64, iv interval, k int64) (int64, bool) {
	if iv.months != 0 {
		t := split(us)
		months := t.y*12 + t.m - 1 + k*iv.months
		y, m := floorDiv(months, 12), months-floorDiv(months, 12)*12+1
		if y < -290000 || y > 294000 {
			return 0, false
		}
		d := min(t.d, daysIn(y, m))
		us = daysFromCivil(y, m, d)*microsPerDay + t.us
	}
	f := float64(us) + float64(k)*(float64(iv.days)*microsPerDay+float64(iv.micros))
	if f >= maxMicros || f <= -maxMicros {
		return 0, false
	}
	return us + k*(iv.days*microsPerDay+iv.micros), true
}

// parseInterval reads DuckDB's interval text: quantities with units
// ('1 day', '2 hours 30 minutes', '-1.5 seconds', '1 year 2 mons') and a
// time of day ('00:30:00', '1 day 02:00:00'). Fractions of days and smaller
// units are kept to the microsecond; months and years must be whole.
func parseInterval(s string) (interval, bool) {
	var iv interval
	fields := strings.Fields(strings.ToLower(s))
	if len(fields) == 0 {
		return iv, false
	}
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		if strings.Contains(f, ":") {
			us, ok := parseClock(f)
			if !ok {
				return iv, false
			}
			iv.micros += us
			continue
		}
		num, unit := f, ""
		if j := strings.IndexFunc(f, func(r rune) bool { return r >= 'a' && r <= 'z' }); j > 0 {
			num, unit = f[:j], f[j:]
		} else if i+1 < len(fields) {
			i++
			unit = fields[i]
		}
		x, err := strconv.ParseFloat(num, 64)
		p := parts[unit]
		if err != nil || p < pMicrosecond || p > pMillennium || math.IsInf(x, 0) || math.Abs(x) > 1e15 {
			return iv, false
		}
		if !iv.add(p, x) {
			return iv, false
		}
	}
	return iv, true
}

// monthsPer and microsPer are the lengths of the interval units.
var (
	monthsPer = map[part]int64{pMonth: 1, pQuarter: 3, pYear: 12, pDecade: 120, pCentury: 1200, pMillennium: 12000}
	microsPer = map[part]float64{pMicrosecond: 1, pMillisecond: 1000, pSecond: microsPerSecond, pMinute: microsPerMinute,
		pHour: microsPerHour, pDay: microsPerDay, pWeek: microsPerWeek}
)

// add adds x of unit p; months and longer must be whole.
func (iv *interval) add(p part, x float64) bool {
	if months := monthsPer[p]; months > 0 {
		if x != math.Trunc(x) {
			return false
		}
		iv.months += int64(x) * months
		return true
	}
	per := microsPer[p]
	if p == pDay || p == pWeek {
		whole := math.Trunc(x)
		iv.days += int64(whole) * int64(per/microsPerDay)
		x -= whole
	}
	iv.micros += int64(math.Round(x * per))
	return true
}

// parseClock reads [-]h:mm[:ss[.ffffff]] as microseconds.
func parseClock(s string) (int64, bool) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	hms := strings.Split(s, ":")
	if len(hms) < 2 || len(hms) > 3 {
		return 0, false
	}
	var us float64
	for i, f := range hms {
		x, err := strconv.ParseFloat(f, 64)
		if err != nil || x < 0 || (i < len(hms)-1 && x != math.Trunc(x)) {
			return 0, false
		}
		us += x * []float64{microsPerHour, microsPerMinute, microsPerSecond}[i]
	}
	if neg {
		us = -us
	}
	return int64(math.Round(us)), true
}

// buildStrptime is strptime(s, format) with strftime's verbs read back; a
// string that does not match is NULL (DuckDB's strptime fails the query,
// its try_strptime gives NULL). %z applies the offset (the result is UTC).
func buildStrptime(c *compiler, n *node, args []compiled) expr {
	tf, err := compileTimeFormat(c.constString(n.name, n, args[1], "the format"))
	if err != nil {
		c.fail(n.args[1].pos, "%s: %s", n.name, err)
	}
	for _, v := range tf {
		if strings.IndexByte("YymdeHIMSfgjbhBpaAzZs", v.verb) < 0 && v.verb != 0 {
			c.fail(n.args[1].pos, "%s: %%%c cannot be parsed", n.name, v.verb)
		}
	}
	a := args[0].fn
	return func(st *State, rec *fastjson.Value) Value {
		v := a(st, rec)
		if v.Type == Null {
			return v
		}
		us, ok := tf.parse(st.text(v))
		if !ok {
			return Value{}
		}
		return Value{Type: Timestamp, I: us}
	}
}

// parse reads s by the format: each verb takes its digits (up to its width;
// at least one), names match case-insensitively, literal text exactly
// (a space also matches a run of white space).
func (tf timeFormat) parse(s string) (int64, bool) {
	y, m, d, h, mi, sec, frac := int64(1900), int64(1), int64(1), int64(0), int64(0), int64(0), int64(0)
	var off int64
	pm, twelve, doy := -1, false, int64(0)
	num := func(width int) (int64, bool) {
		for len(s) > 0 && isSpace(s[0]) {
			s = s[1:] // as DuckDB, white space before a number is skipped
		}
		neg := false
		if width == 4 && len(s) > 0 && (s[0] == '-' || s[0] == '+') {
			neg, s = s[0] == '-', s[1:]
		}
		n, i := int64(0), 0
		for i < len(s) && i < width && isDigit(s[i]) {
			n = n*10 + int64(s[i]-'0')
			i++
		}
		if i == 0 {
			return 0, false
		}
		s = s[i:]
		if neg {
			n = -n
		}
		return n, true
	}
	name := func(names []string, short bool) (int64, bool) {
		for i, nm := range names {
			if short {
				nm = nm[:3]
			}
			if len(s) >= len(nm) && strings.EqualFold(s[:len(nm)], nm) {
				s = s[len(nm):]
				return int64(i), true
			}
		}
		return 0, false
	}
	for _, v := range tf {
		var ok bool
		switch v.verb {
		case 0:
			for i := 0; i < len(v.text); i++ {
				if v.text[i] == ' ' {
					if len(s) == 0 || !isSpace(s[0]) {
						return 0, false
					}
					for len(s) > 0 && isSpace(s[0]) {
						s = s[1:]
					}
					continue
				}
				if len(s) == 0 || s[0] != v.text[i] {
					return 0, false
				}
				s = s[1:]
			}
			ok = true
		case 'Y':
			y, ok = num(4)
		case 'y':
			y, ok = num(2)
			if y < 69 {
				y += 2000
			} else {
				y += 1900
			}
		case 'm':
			m, ok = num(2)
		case 'd', 'e':
			for v.verb == 'e' && len(s) > 0 && s[0] == ' ' {
				s = s[1:]
			}
			d, ok = num(2)
		case 'H':
			h, ok = num(2)
		case 'I':
			h, ok = num(2)
			twelve = true
		case 'M':
			mi, ok = num(2)
		case 'S':
			sec, ok = num(2)
		case 'f', 'g':
			width := 6
			if v.verb == 'g' {
				width = 3
			}
			start := len(s)
			frac, ok = num(width)
			for n := start - len(s); ok && n != width; {
				if n < width {
					frac *= 10
					n++
				} else {
					frac /= 10
					n--
				}
			}
			if v.verb == 'g' {
				frac *= 1000
			}
		case 'j':
			doy, ok = num(3)
		case 'b', 'h':
			m, ok = name(monthNames[:], true)
			m++
		case 'B':
			m, ok = name(monthNames[:], false)
			m++
		case 'a':
			_, ok = name(dayNames[:], true)
		case 'A':
			_, ok = name(dayNames[:], false)
		case 'p':
			var i int64
			i, ok = name([]string{"AM", "PM"}, false)
			pm = int(i)
		case 'z':
			off, ok = parseZone(&s)
		case 'Z':
			for len(s) > 0 && (s[0] >= 'A' && s[0] <= 'Z' || s[0] >= 'a' && s[0] <= 'z') {
				s = s[1:]
			}
			ok = true
		case 's':
			var secs int64
			neg := strings.HasPrefix(s, "-")
			s = strings.TrimPrefix(s, "-")
			if secs, ok = num(12); ok {
				if neg {
					secs = -secs
				}
				d0 := floorDiv(secs, 86400)
				y, m, d = civilFromDays(d0)
				rem := secs - d0*86400
				h, mi, sec = rem/3600, rem/60%60, rem%60
			}
		}
		if !ok {
			return 0, false
		}
	}
	if s != "" {
		return 0, false
	}
	if twelve {
		if h < 1 || h > 12 {
			return 0, false
		}
		h %= 12
	}
	if pm == 1 {
		h += 12
	}
	days := int64(0)
	if doy > 0 {
		if doy > 365 && daysIn(y, 2) == 28 || doy > 366 {
			return 0, false
		}
		days = daysFromCivil(y, 1, 1) + doy - 1
	} else {
		if m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
			return 0, false
		}
		days = daysFromCivil(y, m, d)
	}
	if h > 23 || mi > 59 || sec > 59 {
		return 0, false
	}
	return days*microsPerDay + h*microsPerHour + mi*microsPerMinute + sec*microsPerSecond + frac - off, true
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// parseZone reads ±hh, ±hhmm or ±hh:mm from *s as microseconds east of
// UTC (not Z, as in DuckDB).
func parseZone(s *string) (int64, bool) {
	t := *s
	if len(t) < 3 || (t[0] != '+' && t[0] != '-') || !isDigit(t[1]) || !isDigit(t[2]) {
		return 0, false
	}
	h := int64(t[1]-'0')*10 + int64(t[2]-'0')
	t = t[3:]
	var m int64
	t = strings.TrimPrefix(t, ":")
	if len(t) >= 2 && isDigit(t[0]) && isDigit(t[1]) {
		m = int64(t[0]-'0')*10 + int64(t[1]-'0')
		t = t[2:]
	}
	off := (h*60 + m) * microsPerMinute
	if (*s)[0] == '-' {
		off = -off
	}
	*s = t
	return off, true
}

// buildMakeTime is make_time(hour, minute, seconds), seconds with a
// fraction; out of range is NULL (DuckDB fails the query).
func buildMakeTime(_ *compiler, _ *node, args []compiled) expr {
	fs := fns(args)
	return func(st *State, rec *fastjson.Value) Value {
		h, m, sec := fs[0](st, rec), fs[1](st, rec), fs[2](st, rec)
		if !isInteger(h.Type) || !isInteger(m.Type) || !isNumeric(sec.Type) {
			return Value{}
		}
		s := asFloat(sec)
		if h.I < 0 || h.I > 24 || m.I < 0 || m.I > 59 || !(s >= 0 && s < 60) {
			return Value{}
		}
		us, _ := microsOf(s * microsPerSecond)
		t := h.I*microsPerHour + m.I*microsPerMinute + us
		if t > microsPerDay {
			return Value{}
		}
		return Value{Type: Time, I: t}
	}
}
