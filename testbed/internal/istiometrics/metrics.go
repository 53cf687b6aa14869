package istiometrics

import (
	"bytes"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"

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

// Handler serves the text exposition for Prometheus, as Envoy's `/stats/prometheus` does:
// text format only, and bucket bounds in fixed point (Envoy prints them with `{:.32g}`,
// so `le="1800000"`, where client_golang prints `le="1.8e+06"`). `le` is a label, so the
// bound's spelling is part of every bucket series' identity in Prometheus.
func (m *Metrics) Handler() http.Handler {
	inner := promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.Clone(r.Context())
		r.Header.Del("Accept") // no protobuf or OpenMetrics: Envoy serves text 0.0.4
		r.Header.Del("Accept-Encoding")
		rec := httptest.NewRecorder()
		inner.ServeHTTP(rec, r)
		for key, values := range rec.Header() {
			if key != "Content-Length" {
				w.Header()[key] = values
			}
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(EnvoyBucketBounds(rec.Body.Bytes()))
	})
}

var bucketBound = regexp.MustCompile(`le="([^"]+)"`)

// EnvoyBucketBounds rewrites every finite `le` value of a text exposition in fixed point.
func EnvoyBucketBounds(text []byte) []byte {
	return bucketBound.ReplaceAllFunc(text, func(match []byte) []byte {
		value := string(bucketBound.FindSubmatch(match)[1])
		f, err := strconv.ParseFloat(value, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return match
		}
		return bytes.Join([][]byte{[]byte(`le="`), []byte(strconv.FormatFloat(f, 'f', -1, 64)), []byte(`"`)}, nil)
	})
}
