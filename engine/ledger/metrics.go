package ledger

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the ledger's Prometheus series.
type metrics struct {
	batchSize prometheus.Histogram
	batchTime prometheus.Histogram
	decisions *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "yima_ledger_batch_decisions",
			Help:    "Decisions per ledger transaction.",
			Buckets: []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000},
		}),
		batchTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "yima_ledger_batch_seconds",
			Help:    "Time to write and commit one ledger batch, retries included.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yima_ledger_decisions_total",
			Help: "Decisions answered by the ledger, by result: written, duplicate, stale, failed.",
		}, []string{"result"}),
	}
	if reg != nil {
		reg.MustRegister(m.batchSize, m.batchTime, m.decisions)
	}
	return m
}

// observe counts one written batch.
func (m *metrics) observe(size int, took time.Duration, results []Result) {
	m.batchSize.Observe(float64(size))
	m.batchTime.Observe(took.Seconds())
	var written, dup, stale, failed int
	for i := range results {
		switch r := &results[i]; {
		case r.Err != nil:
			failed++
		case r.Stale:
			stale++
		case r.Duplicate:
			dup++
		default:
			written++
		}
	}
	for _, c := range []struct {
		name string
		n    int
	}{{"written", written}, {"duplicate", dup}, {"stale", stale}, {"failed", failed}} {
		if c.n > 0 {
			m.decisions.WithLabelValues(c.name).Add(float64(c.n))
		}
	}
}
