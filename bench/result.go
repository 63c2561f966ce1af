package main

import (
	"fmt"
	jsonresult "github.com/golocks/golocks/internal/result"
	"math"
	"sort"
	"strconv"
	"strings"
)

// A result is one run of one experiment: internal/result's, the one type
// that golocks prints and this bench reads back.
type result = jsonresult.Result

var (
	newResult   = jsonresult.New
	parseResult = jsonresult.Parse
)

// median returns the median of xs (the mean of the middle two for an even
// count), NaN for none. xs is not modified.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// formatSeconds prints a duration given in seconds with three significant
// digits, in ns, µs, ms or s as fits: "5.21 ns", "14.3 µs", "1.20 s".
func formatSeconds(s float64) string {
	if math.IsNaN(s) {
		return "—"
	}
	units := []struct {
		name  string
		scale float64
	}{{"s", 1}, {"ms", 1e-3}, {"µs", 1e-6}, {"ns", 1e-9}}
	for _, u := range units {
		if s >= u.scale || u.scale == 1e-9 {
			return sig3(s/u.scale) + " " + u.name
		}
	}
	panic("unreachable")
}

// formatRatio prints a ratio as "1.23×", "12.3×", "123×".
func formatRatio(r float64) string {
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return "—"
	}
	return sig3(r) + "×"
}

// sig3 formats x with three significant digits, without an exponent.
func sig3(x float64) string {
	switch a := math.Abs(x); {
	case a >= 100:
		return strconv.FormatFloat(x, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(x, 'f', 1, 64)
	default:
		return strconv.FormatFloat(x, 'f', 2, 64)
	}
}

// formatLost lists the updates lost by every run: "0 (6 runs)" when none
// lost any, else each run's loss in run order ("21.3k 19.8k 0 …").
func formatLost(lost []int64) string {
	if len(lost) == 0 {
		return "—"
	}
	allZero := true
	for _, l := range lost {
		allZero = allZero && l == 0
	}
	if allZero {
		return fmt.Sprintf("0 (%d runs)", len(lost))
	}
	parts := make([]string, len(lost))
	for i, l := range lost {
		parts[i] = compact(l)
	}
	return strings.Join(parts, " ")
}

// compact prints a count in at most four characters or so: 950, 12.3k, 2.31M.
func compact(n int64) string {
	switch a := math.Abs(float64(n)); {
	case a >= 1e6:
		return sig3(float64(n)/1e6) + "M"
	case a >= 1e4:
		return sig3(float64(n)/1e3) + "k"
	default:
		return strconv.FormatInt(n, 10)
	}
}
