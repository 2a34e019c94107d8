package idnumber

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Generate returns a synthetic number with a correct check character for deterministic demo and
// test data: region as the address code, birth's calendar date (in birth's own location) as the
// birth date, random sequence digits drawn from r, and a 17th digit odd for a man and even for a
// woman. The same r state gives the same number.
//
// Generate does not look region up or judge the date, so tests can build numbers that fail only
// the region or date rules; pass a code from ShanghaiDistricts for a number Parse accepts. It
// panics if region is not six ASCII digits or birth's year is outside 1000-9999, as those are
// programming errors.
func Generate(r *rand.Rand, region string, birth time.Time, male bool) string {
	if len(region) != 6 || !allDigits(region) {
		panic(fmt.Sprintf("idnumber.Generate: region %q is not six digits", region))
	}
	if y := birth.Year(); y < 1000 || y > 9999 {
		panic(fmt.Sprintf("idnumber.Generate: birth year %d does not have four digits", y))
	}
	sex := 2 * r.IntN(5) // even: woman
	if male {
		sex++
	}
	body := fmt.Sprintf("%s%04d%02d%02d%02d%d", region, birth.Year(), birth.Month(), birth.Day(), r.IntN(100), sex)
	return body + string(checkChar(body))
}

func allDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
