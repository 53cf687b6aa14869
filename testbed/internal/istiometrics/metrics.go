package istiometrics

import (
	"math"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// DurationBuckets are Istio's default buckets of istio_request_duration_milliseconds.
var DurationBuckets = []float64{0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
	30000, 60000, 300000, 600000, 1800000, 3600000}

// Metrics records requests as the proxies report them. Every proxy's series are served
// from one endpoint: series a real cluster would split by scrape target (one per pod) are
// summed, which leaves every `sum by`/`rate` over Istio's labels unchanged.
type Metrics struct {
	registry  *prometheus.Registry
	requests  *prometheus.CounterVec
	durations *prometheus.HistogramVec
}

// New creates the two metric families in their own registry.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "istio_requests_total",
			Help: "Total requests handled by an Istio proxy.",
		}, LabelNames),
		durations: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "istio_request_duration_milliseconds",
			Help:    "Duration of requests handled by an Istio proxy.",
			Buckets: DurationBuckets,
		}, LabelNames),
	}
	m.registry.MustRegister(m.requests, m.durations)
	return m
}

// Record counts one request with its duration. Envoy records durations in whole
// milliseconds, so fractions are dropped.
func (m *Metrics) Record(l Labels, durationMs float64) {
	values := l[:]
	m.requests.WithLabelValues(values...).Inc()
	m.durations.WithLabelValues(values...).Observe(math.Max(0, math.Floor(durationMs)))
}

// Registry is the registry holding both families.
func (m *Metrics) Registry() *prometheus.Registry {
	return m.registry
}

// Handler serves the text exposition for Prometheus.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
