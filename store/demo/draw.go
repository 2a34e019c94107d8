package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// pickCategories returns lo..hi distinct service categories in the
// platform's order.
func pickCategories(r *rand.Rand, lo, hi int) []string {
	idx := r.Perm(len(categories))[:lo+r.IntN(hi-lo+1)]
	slices.Sort(idx)
	out := make([]string, len(idx))
	for i, k := range idx {
		out[i] = categories[k]
	}
	return out
}

// landline draws a Shanghai fixed-line number, 021 and eight digits.
func landline(r *rand.Rand) string {
	return fmt.Sprintf("021-%d%07d", 5+r.IntN(2), r.IntN(10_000_000))
}

// birthBetween draws a birth date in the years lo..hi.
func birthBetween(r *rand.Rand, lo, hi int) time.Time {
	start := time.Date(lo, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(hi+1, 1, 1, 0, 0, 0, 0, time.UTC)
	return start.AddDate(0, 0, r.IntN(int(end.Sub(start)/day)))
}

// dateAfter draws a date in the span years starting with year.
func dateAfter(r *rand.Rand, year, span int) time.Time {
	return birthBetween(r, year, year+span-1)
}

// jitter moves a point by up to km kilometres in a uniformly drawn
// direction and distance-squared, so points spread evenly over the disc.
func jitter(r *rand.Rand, lat, lng, km float64) (float64, float64) {
	const kmPerDegree = 111.32
	d := km * math.Sqrt(r.Float64())
	theta := 2 * math.Pi * r.Float64()
	dlat := d * math.Sin(theta) / kmPerDegree
	dlng := d * math.Cos(theta) / (kmPerDegree * math.Cos(lat*math.Pi/180))
	return round6(lat + dlat), round6(lng + dlng)
}

// distance2 is a squared equirectangular distance, enough to rank nearby
// points.
func distance2(lat1, lng1, lat2, lng2 float64) float64 {
	dlat := lat1 - lat2
	dlng := (lng1 - lng2) * math.Cos((lat1+lat2)/2*math.Pi/180)
	return dlat*dlat + dlng*dlng
}

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func ptr[T any](v T) *T { return &v }
