package traffic

import (
	"sort"
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// RequestRecord is one request as its client saw it: the fleet's ground truth, which a
// benchmark counts instead of any tool's own account.
type RequestRecord struct {
	// Seq numbers records from 1, in completion order.
	Seq int64 `json:"seq"`
	// At is when the response (or the failure) reached the application, Unix milliseconds.
	At        int64  `json:"at"`
	Namespace string `json:"namespace"`
	Client    string `json:"client"`
	// Pod is the client pod that sent it (empty when the client had none able to).
	Pod string `json:"pod"`
	// Status the application saw (0: no HTTP exchange), and Envoy's response flags.
	Status int    `json:"status"`
	Flags  string `json:"flags"`
	// Image and Workload of the pod whose answer the application got; empty when the proxy
	// answered itself or nothing answered.
	Image    string `json:"image,omitempty"`
	Workload string `json:"workload,omitempty"`
	// Gone counts the request's attempts that reached an endpoint whose pod no longer
	// serves (deleted, not Ready, terminating): a scale-down before the proxies moved.
	Gone int `json:"gone,omitempty"`
}

// Failed reports whether the application saw a failure: no HTTP exchange or a 5xx.
func (r RequestRecord) Failed() bool { return r.Status == 0 || r.Status >= 500 }

// RequestPage is `GET /requests`: records after a sequence number.
type RequestPage struct {
	Records []RequestRecord `json:"records"`
	// Next is the sequence number to ask after next time.
	Next int64 `json:"next"`
	// Dropped counts records after the one asked for that the ring no longer holds.
	Dropped int64 `json:"dropped"`
}

// RouteWindow is, for one client and one image, where the client's proxies' applied
// routes send its requests, observed at every traffic step: `GET /routes`.
type RouteWindow struct {
	Namespace string `json:"namespace"`
	Client    string `json:"client"`
	// Image of the pods the share reaches, or ShareGone / ShareNone.
	Image string `json:"image"`
	// Share is the largest share of the client's requests any one of its proxies sends to
	// the image now; PerProxy is each sender pod's.
	Share    float64            `json:"share"`
	PerProxy map[string]float64 `json:"perProxy"`
	// RoutedSince is when the share last rose from zero (Unix ms; 0: never routed).
	RoutedSince int64 `json:"routedSince"`
	// UnroutedSince is when the last proxy stopped routing to it (Unix ms; 0 while some
	// proxy routes to it, or when none ever did).
	UnroutedSince int64 `json:"unroutedSince"`
	// ObservedAt is the last observation, Unix ms.
	ObservedAt int64 `json:"observedAt"`
}

// GroundTruth keeps the last requests (a ring) and the route windows, and exports both
// as metrics: `fleet_client_requests_total` (namespace, client, image, response_code,
// response_flags, gone_pod) and `fleet_route_share` (namespace, client, pod, image).
type GroundTruth struct {
	mu      sync.Mutex
	ring    []RequestRecord
	next    int64
	windows map[[3]string]*RouteWindow

	requests *prometheus.CounterVec
	share    *prometheus.GaugeVec
}

// DefaultGroundTruthCapacity holds about an hour of 60 requests per second.
const DefaultGroundTruthCapacity = 250_000

// NewGroundTruth keeps the last capacity requests and registers its metrics on reg.
func NewGroundTruth(capacity int, reg prometheus.Registerer) *GroundTruth {
	t := &GroundTruth{
		ring:    make([]RequestRecord, capacity),
		next:    1,
		windows: map[[3]string]*RouteWindow{},
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fleet_client_requests_total",
			Help: "Requests of the fleet's synthetic clients as the application saw them, by the image that answered (the fleet's ground truth).",
		}, []string{"namespace", "client", "image", "response_code", "response_flags", "gone_pod"}),
		share: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "fleet_route_share",
			Help: "Share of a client's requests a sender proxy's applied routes send to pods of an image.",
		}, []string{"namespace", "client", "pod", "image"}),
	}
	if reg != nil {
		reg.MustRegister(t.requests, t.share)
	}
	return t
}

func (t *GroundTruth) record(r RequestRecord) {
	image := r.Image
	if image == "" {
		image = ShareNone
	}
	t.requests.WithLabelValues(r.Namespace, r.Client, image, strconv.Itoa(r.Status), r.Flags,
		strconv.FormatBool(r.Gone > 0)).Inc()
	t.mu.Lock()
	r.Seq = t.next
	t.ring[(t.next-1)%int64(len(t.ring))] = r
	t.next++
	t.mu.Unlock()
}

// Since returns up to limit records with a sequence number above after.
func (t *GroundTruth) Since(after int64, limit int) RequestPage {
	t.mu.Lock()
	defer t.mu.Unlock()
	oldest := max(1, t.next-int64(len(t.ring)))
	page := RequestPage{Records: []RequestRecord{}}
	from := after + 1
	if from < oldest {
		page.Dropped = oldest - from
		from = oldest
	}
	for seq := from; seq < t.next && len(page.Records) < limit; seq++ {
		page.Records = append(page.Records, t.ring[(seq-1)%int64(len(t.ring))])
	}
	page.Next = from - 1 + int64(len(page.Records))
	return page
}

// observe records, at one instant, the shares every sender of one client routes to each
// image (perProxy: pod -> image -> share).
func (t *GroundTruth) observe(at int64, namespace, client string, perProxy map[string]map[string]float64) {
	t.share.DeletePartialMatch(prometheus.Labels{"namespace": namespace, "client": client})
	now := map[string]map[string]float64{}
	for pod, shares := range perProxy {
		for image, s := range shares {
			t.share.WithLabelValues(namespace, client, pod, image).Set(s)
			if now[image] == nil {
				now[image] = map[string]float64{}
			}
			now[image][pod] = s
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for image := range now {
		key := [3]string{namespace, client, image}
		if t.windows[key] == nil {
			t.windows[key] = &RouteWindow{Namespace: namespace, Client: client, Image: image}
		}
	}
	for key, w := range t.windows {
		if key[0] != namespace || key[1] != client {
			continue
		}
		w.PerProxy = now[w.Image]
		if w.PerProxy == nil {
			w.PerProxy = map[string]float64{}
		}
		share := 0.0
		for _, s := range w.PerProxy {
			share = max(share, s)
		}
		switch {
		case share > 0 && w.Share == 0:
			w.RoutedSince, w.UnroutedSince = at, 0
		case share == 0 && w.Share > 0:
			w.UnroutedSince = at
		}
		w.Share, w.ObservedAt = share, at
	}
}

// Routes are the route windows, by namespace, client and image.
func (t *GroundTruth) Routes() []RouteWindow {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]RouteWindow, 0, len(t.windows))
	for _, w := range t.windows {
		c := *w
		c.PerProxy = make(map[string]float64, len(w.PerProxy))
		for k, v := range w.PerProxy {
			c.PerProxy[k] = v
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		if a.Client != b.Client {
			return a.Client < b.Client
		}
		return a.Image < b.Image
	})
	return out
}

// note records a completed request in the ground truth (when there is one). Called at
// completion, under the generator's lock.
func (g *Generator) note(c *clientState, pod string, status int, flags string, answered *servedBy, gone int) {
	if g.opts.GroundTruth == nil {
		return
	}
	r := RequestRecord{
		At: g.base.Add(g.now).UnixMilli(), Namespace: c.spec.Namespace, Client: c.spec.Name, Pod: pod,
		Status: status, Flags: flags, Gone: gone,
	}
	if answered != nil {
		r.Image, r.Workload = answered.image, answered.workload.Name
	}
	g.opts.GroundTruth.record(r)
}

// goneAt is 1 when the endpoint's pod no longer serves, else 0.
func (g *Generator) goneAt(ip string) int {
	if g.opts.GroundTruth != nil && g.imageAt(ip) == ShareGone {
		return 1
	}
	return 0
}

// observeRoutes records where every client's senders route its requests now. Called at
// the end of a step, under the generator's lock.
func (g *Generator) observeRoutes() {
	if g.opts.GroundTruth == nil {
		return
	}
	at := g.base.Add(g.now).UnixMilli()
	for _, c := range g.clients {
		req := Request{Host: c.spec.Target.Host, Port: c.spec.Target.Port, Path: c.spec.Target.Path, Headers: c.headers, Grpc: c.spec.Grpc()}
		service, resolved := g.resolve(req.Host, c.spec.Namespace)
		perProxy := map[string]map[string]float64{}
		for _, sender := range g.opts.World.Senders(c.spec.Namespace, c.spec.Name) {
			if !resolved && !sender.Gateway {
				perProxy[sender.Pod] = map[string]float64{ShareNone: 1}
				continue
			}
			perProxy[sender.Pod] = g.routeShares(sender, req, service)
		}
		g.opts.GroundTruth.observe(at, c.spec.Namespace, c.spec.Name, perProxy)
	}
}
