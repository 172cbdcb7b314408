package transform

import (
	"fmt"
	"strconv"
	"strings"
)

const (
	microsPerSecond = 1_000_000
	microsPerDay    = 86_400 * microsPerSecond
)

// daysFromCivil converts a proleptic Gregorian date to days since 1970-01-01
// (Howard Hinnant's algorithm: exact, no tables, no time package).
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int64) (y, m, d int64) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func daysIn(y, m int64) int64 {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// parseTimestamp reads an RFC 3339 / ISO 8601 timestamp such as
// "2024-05-01T10:00:00.123+02:00", "2024-05-01 10:00:00", "2024-05-01T10:00Z"
// or a bare date, and returns microseconds since the epoch in UTC. Without an
// offset the time is taken as UTC. Digits past microseconds are truncated.
func parseTimestamp(s string) (int64, bool) {
	if us, ok := parseRFC3339(s); ok {
		return us, true
	}
	return parseISO8601(s)
}

// parseISO8601 is parseTimestamp's general path.
func parseISO8601(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	days, rest, ok := parseDatePart(s)
	if !ok {
		return 0, false
	}
	us := days * microsPerDay
	if rest == "" {
		return us, true
	}
	if rest[0] != 'T' && rest[0] != 't' && rest[0] != ' ' {
		return 0, false
	}
	rest = strings.TrimLeft(rest[1:], " ")
	hh, rest, ok := fixedDigits(rest, 2)
	if !ok || hh > 23 || len(rest) == 0 || rest[0] != ':' {
		return 0, false
	}
	mm, rest, ok := fixedDigits(rest[1:], 2)
	if !ok || mm > 59 {
		return 0, false
	}
	var ss int64
	if len(rest) > 0 && rest[0] == ':' {
		if ss, rest, ok = fixedDigits(rest[1:], 2); !ok || ss > 59 {
			return 0, false
		}
		if len(rest) > 0 && (rest[0] == '.' || rest[0] == ',') {
			rest = rest[1:]
			var frac, scale int64 = 0, microsPerSecond
			n := 0
			for n < len(rest) && isDigit(rest[n]) {
				if scale > 1 {
					scale /= 10
					frac += int64(rest[n]-'0') * scale
				}
				n++
			}
			if n == 0 {
				return 0, false
			}
			rest = rest[n:]
			us += frac
		}
	}
	us += (hh*3600 + mm*60 + ss) * microsPerSecond
	off, ok := parseOffset(strings.TrimLeft(rest, " "))
	if !ok {
		return 0, false
	}
	return us - off*microsPerSecond, true
}

// parseRFC3339 is parseTimestamp for the shape most senders use,
// "2024-05-01T10:00:00.123456Z" (the fraction optional, 'T' or ' '), read
// at fixed places: about a third of the general path's instructions. ok
// false means "not this shape": the general path decides.
func parseRFC3339(s string) (int64, bool) {
	if len(s) < 20 || s[len(s)-1] != 'Z' || s[4] != '-' || s[7] != '-' || s[10] != 'T' && s[10] != ' ' || s[13] != ':' || s[16] != ':' {
		return 0, false
	}
	var f [14]int64 // the digits at 0-3, 5-6, 8-9, 11-12, 14-15, 17-18
	for i, at := range [14]int{0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18} {
		if f[i] = int64(s[at]) - '0'; uint64(f[i]) > 9 {
			return 0, false
		}
	}
	y, m, d := f[0]*1000+f[1]*100+f[2]*10+f[3], f[4]*10+f[5], f[6]*10+f[7]
	hh, mm, ss := f[8]*10+f[9], f[10]*10+f[11], f[12]*10+f[13]
	if m < 1 || m > 12 || d < 1 || d > daysIn(y, m) || hh > 23 || mm > 59 || ss > 59 {
		return 0, false
	}
	us := daysFromCivil(y, m, d)*microsPerDay + (hh*3600+mm*60+ss)*microsPerSecond
	if frac := s[19 : len(s)-1]; frac != "" {
		if frac[0] != '.' || len(frac) == 1 {
			return 0, false
		}
		scale := int64(microsPerSecond)
		for i := 1; i < len(frac); i++ {
			c := int64(frac[i]) - '0'
			if uint64(c) > 9 {
				return 0, false
			}
			if scale > 1 { // digits past microseconds are truncated
				scale /= 10
				us += c * scale
			}
		}
	}
	return us, true
}

// parseOffset reads "", "Z", "UTC", "+02", "+0200" or "+02:00" as seconds east of UTC.
func parseOffset(s string) (int64, bool) {
	switch s {
	case "", "Z", "z", "UTC", "utc", "GMT":
		return 0, true
	}
	if s[0] != '+' && s[0] != '-' {
		return 0, false
	}
	sign := int64(1)
	if s[0] == '-' {
		sign = -1
	}
	hh, rest, ok := fixedDigits(s[1:], 2)
	if !ok || hh > 23 {
		return 0, false
	}
	var mm int64
	if rest != "" {
		if rest[0] == ':' {
			rest = rest[1:]
		}
		if mm, rest, ok = fixedDigits(rest, 2); !ok || mm > 59 || rest != "" {
			return 0, false
		}
	}
	return sign * (hh*3600 + mm*60), true
}

// parseDatePart reads "YYYY-MM-DD" (month and day may have one digit) and
// returns days since the epoch and what follows.
func parseDatePart(s string) (days int64, rest string, ok bool) {
	y, rest, ok := fixedDigits(s, 4)
	if !ok || len(rest) == 0 || rest[0] != '-' {
		return 0, "", false
	}
	m, rest, ok := shortDigits(rest[1:])
	if !ok || m < 1 || m > 12 || len(rest) == 0 || rest[0] != '-' {
		return 0, "", false
	}
	d, rest, ok := shortDigits(rest[1:])
	if !ok || d < 1 || d > daysIn(y, m) {
		return 0, "", false
	}
	return daysFromCivil(y, m, d), rest, true
}

func fixedDigits(s string, n int) (int64, string, bool) {
	if len(s) < n {
		return 0, s, false
	}
	var v int64
	for i := 0; i < n; i++ {
		if !isDigit(s[i]) {
			return 0, s, false
		}
		v = v*10 + int64(s[i]-'0')
	}
	return v, s[n:], true
}

func shortDigits(s string) (int64, string, bool) {
	if len(s) >= 2 && isDigit(s[1]) {
		return fixedDigits(s, 2)
	}
	return fixedDigits(s, 1)
}

// parseDate reads a date, or a timestamp whose UTC date is taken.
func parseDate(s string) (int64, bool) {
	days, rest, ok := parseDatePart(strings.TrimSpace(s))
	if ok && rest == "" {
		return days, true
	}
	us, ok := parseTimestamp(s)
	return floorDiv(us, microsPerDay), ok
}

// epochMicros reads a number of seconds, milliseconds, microseconds or
// nanoseconds since the epoch, telling them apart by magnitude: below 1e11 it
// is seconds (until the year 5138), below 1e14 milliseconds, below 1e17
// microseconds, else nanoseconds.
func epochMicros(v Value) (int64, bool) {
	switch v.Type {
	case Int32, Int64:
		n := v.I
		a := n
		if a < 0 {
			a = -a
		}
		switch {
		case a < 1e11:
			return n * microsPerSecond, true
		case a < 1e14:
			return n * 1000, true
		case a < 1e17:
			return n, true
		}
		return n / 1000, true
	case Double:
		f := v.F
		a := f
		if a < 0 {
			a = -a
		}
		switch {
		case f != f || a >= 9e18:
			return 0, false
		case a < 1e11:
			return int64(f * microsPerSecond), true
		case a < 1e14:
			return int64(f * 1000), true
		case a < 1e17:
			return int64(f), true
		}
		return int64(f / 1000), true
	}
	return 0, false
}

// appendTimestamp renders microseconds since the epoch as
// "2006-01-02<sep>15:04:05[.ffffff]", fraction without trailing zeros, and a
// "Z" when zulu is set.
func appendTimestamp(dst []byte, us int64, sep byte, zulu bool) []byte {
	days := floorDiv(us, microsPerDay)
	rem := us - days*microsPerDay
	dst = appendDate(dst, days)
	dst = append(dst, sep)
	dst = appendClock(dst, rem)
	if zulu {
		dst = append(dst, 'Z')
	}
	return dst
}

// appendClock renders microseconds since midnight as "15:04:05[.ffffff]",
// the fraction without trailing zeros (24:00:00 is the end of the day).
func appendClock(dst []byte, rem int64) []byte {
	secs := rem / microsPerSecond
	dst = append2(dst, secs/3600)
	dst = append(dst, ':')
	dst = append2(dst, secs/60%60)
	dst = append(dst, ':')
	dst = append2(dst, secs%60)
	if frac := rem % microsPerSecond; frac != 0 {
		dst = append(dst, '.')
		n := len(dst)
		dst = appendPadded(dst, frac, 6)
		for dst[len(dst)-1] == '0' && len(dst) > n {
			dst = dst[:len(dst)-1]
		}
	}
	return dst
}

// parseTime reads a time of day as DuckDB casts text to TIME: "h:m",
// "h:m:s", "h:m:s.ffffff" (one or two digits each) (digits past microseconds are cut), 24:00:00
// for the end of the day, with surrounding white space and a trailing Z; or
// a whole timestamp, whose time of day (in UTC) it takes.
func parseTime(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if us, ok := parseClock24(strings.TrimSuffix(s, "Z")); ok {
		return us, true
	}
	if len(s) > 10 {
		if us, ok := parseTimestamp(s); ok {
			return us - floorDiv(us, microsPerDay)*microsPerDay, true
		}
	}
	return 0, false
}

func parseClock24(s string) (int64, bool) {
	h, rest, ok := shortDigits(s)
	if !ok || len(rest) < 2 || rest[0] != ':' {
		return 0, false
	}
	m, rest, ok := shortDigits(rest[1:])
	if !ok {
		return 0, false
	}
	var sec, frac int64
	if rest != "" {
		if rest[0] != ':' {
			return 0, false
		}
		if sec, rest, ok = shortDigits(rest[1:]); !ok {
			return 0, false
		}
		if rest != "" {
			if rest[0] != '.' || len(rest) == 1 {
				return 0, false
			}
			for i, c := range rest[1:] {
				if c < '0' || c > '9' {
					return 0, false
				}
				if i < 6 {
					frac = frac*10 + int64(c-'0')
				}
			}
			for n := len(rest) - 1; n < 6; n++ {
				frac *= 10
			}
		}
	}
	us := ((h*60+m)*60+sec)*microsPerSecond + frac
	if m > 59 || sec > 59 || us > microsPerDay {
		return 0, false
	}
	return us, true
}

func appendDate(dst []byte, days int64) []byte {
	y, m, d := civilFromDays(days)
	if y < 0 {
		dst = append(dst, '-')
		y = -y
	}
	dst = appendPadded(dst, y, 4)
	dst = append(dst, '-')
	dst = append2(dst, m)
	dst = append(dst, '-')
	return append2(dst, d)
}

func append2(dst []byte, v int64) []byte {
	return append(dst, byte('0'+v/10%10), byte('0'+v%10))
}

func appendPadded(dst []byte, v int64, width int) []byte {
	var buf [20]byte
	b := strconv.AppendInt(buf[:0], v, 10)
	for i := len(b); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, b...)
}

// timeFormat is a strftime format compiled once: literal text and verbs.
type timeFormat []timeVerb

type timeVerb struct {
	verb byte   // 0 for literal text
	pad  bool   // zero-pad to the verb's width (no "-" flag)
	text string // literal text
}

var (
	monthNames = [...]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	dayNames   = [...]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
)

// compileTimeFormat compiles a strftime format with DuckDB's verbs: %Y %y %m
// %d %e %H %I %M %S %f (µs) %g (ms) %j %a %A %b %B %p %w %u %z %Z %s %F %T
// %D %R %%, and a "-" flag that drops zero padding (%-d).
func compileTimeFormat(f string) (timeFormat, error) {
	var out timeFormat
	for len(f) > 0 {
		i := strings.IndexByte(f, '%')
		if i < 0 {
			out = append(out, timeVerb{text: f})
			break
		}
		if i > 0 {
			out = append(out, timeVerb{text: f[:i]})
		}
		f = f[i+1:]
		pad := true
		if len(f) > 0 && f[0] == '-' {
			pad = false
			f = f[1:]
		}
		if len(f) == 0 {
			return nil, fmt.Errorf("format ends with a lone %%")
		}
		c := f[0]
		f = f[1:]
		switch c {
		case 'Y', 'y', 'm', 'd', 'e', 'H', 'I', 'M', 'S', 'f', 'g', 'j', 'a', 'A', 'b', 'h', 'B', 'p', 'w', 'u', 'z', 'Z', 's':
			out = append(out, timeVerb{verb: c, pad: pad})
		case 'F':
			out = append(out, timeVerb{verb: 'Y', pad: true}, timeVerb{text: "-"}, timeVerb{verb: 'm', pad: true}, timeVerb{text: "-"}, timeVerb{verb: 'd', pad: true})
		case 'T':
			out = append(out, timeVerb{verb: 'H', pad: true}, timeVerb{text: ":"}, timeVerb{verb: 'M', pad: true}, timeVerb{text: ":"}, timeVerb{verb: 'S', pad: true})
		case 'R':
			out = append(out, timeVerb{verb: 'H', pad: true}, timeVerb{text: ":"}, timeVerb{verb: 'M', pad: true})
		case 'D':
			out = append(out, timeVerb{verb: 'm', pad: true}, timeVerb{text: "/"}, timeVerb{verb: 'd', pad: true}, timeVerb{text: "/"}, timeVerb{verb: 'y', pad: true})
		case '%':
			out = append(out, timeVerb{text: "%"})
		default:
			return nil, fmt.Errorf("unknown strftime specifier %%%c", c)
		}
	}
	return out, nil
}

// append renders the timestamp us (microseconds since the epoch, UTC).
func (tf timeFormat) append(dst []byte, us int64) []byte {
	days := floorDiv(us, microsPerDay)
	rem := us - days*microsPerDay
	y, m, d := civilFromDays(days)
	secs := rem / microsPerSecond
	hh, mm, ss := secs/3600, secs/60%60, secs%60
	num := func(v int64, width int, pad bool) {
		if pad {
			dst = appendPadded(dst, v, width)
		} else {
			dst = strconv.AppendInt(dst, v, 10)
		}
	}
	for _, v := range tf {
		switch v.verb {
		case 0:
			dst = append(dst, v.text...)
		case 'Y':
			num(y, 4, v.pad)
		case 'y':
			num(y%100, 2, v.pad)
		case 'm':
			num(m, 2, v.pad)
		case 'd':
			num(d, 2, v.pad)
		case 'e':
			if d < 10 && v.pad {
				dst = append(dst, ' ')
			}
			num(d, 1, false)
		case 'H':
			num(hh, 2, v.pad)
		case 'I':
			h := hh % 12
			if h == 0 {
				h = 12
			}
			num(h, 2, v.pad)
		case 'M':
			num(mm, 2, v.pad)
		case 'S':
			num(ss, 2, v.pad)
		case 'f':
			num(rem%microsPerSecond, 6, v.pad)
		case 'g':
			num(rem%microsPerSecond/1000, 3, v.pad)
		case 'j':
			num(days-daysFromCivil(y, 1, 1)+1, 3, v.pad)
		case 'a':
			dst = append(dst, dayNames[weekday(days)][:3]...)
		case 'A':
			dst = append(dst, dayNames[weekday(days)]...)
		case 'b', 'h':
			dst = append(dst, monthNames[m-1][:3]...)
		case 'B':
			dst = append(dst, monthNames[m-1]...)
		case 'p':
			if hh < 12 {
				dst = append(dst, "AM"...)
			} else {
				dst = append(dst, "PM"...)
			}
		case 'w':
			num(weekday(days), 1, false)
		case 'u':
			wd := weekday(days)
			if wd == 0 {
				wd = 7
			}
			num(wd, 1, false)
		case 'z':
			dst = append(dst, "+00"...)
		case 'Z':
			dst = append(dst, "UTC"...)
		case 's':
			dst = strconv.AppendInt(dst, floorDiv(us, microsPerSecond), 10)
		}
	}
	return dst
}

// weekday returns 0 for Sunday … 6 for Saturday.
func weekday(days int64) int64 {
	w := (days + 4) % 7 // 1970-01-01 was a Thursday
	if w < 0 {
		w += 7
	}
	return w
}
