// Package nearest finds the known name that a mistyped one was probably
// meant to be, for messages such as "unknown function 'lowr' (did you mean
// lower?)" and "unknown setting TAP_TRANSFROM: did you mean TAP_TRANSFORM?".
package nearest

// Name returns the name of known closest to name by edit distance (the
// Levenshtein distance over bytes), if it is close enough to be a slip: at
// most 1 edit for names shorter than 5 bytes, 2 from 5 on, 3 from 10. Ties
// go to the name first in byte order, so that a message is stable. "" when
// none is that close.
func Name(name string, known []string) string {
	limit := 1
	switch {
	case len(name) >= 10:
		limit = 3
	case len(name) >= 5:
		limit = 2
	}
	best, bestD := "", limit+1
	for _, k := range known {
		if d := distance(name, k, bestD); d < bestD || d == bestD && d <= limit && k < best {
			best, bestD = k, d
		}
	}
	if bestD > limit {
		return ""
	}
	return best
}

// distance is the Levenshtein distance of a and b, or a number > bound once
// it is sure to exceed bound.
func distance(a, b string, bound int) int {
	if d := len(a) - len(b); d > bound || -d > bound {
		return bound + 1
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		low := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			low = min(low, cur[j])
		}
		if low > bound {
			return bound + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
