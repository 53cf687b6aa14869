package xdsclient

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/switchyard/switchyard/testbed/internal/scenario"
)

// Envoy's ADS stream retry back-off (JitteredExponentialBackOffStrategy, 500 ms base,
// 30 s cap).
const (
	backoffBase = 500 * time.Millisecond
	backoffMax  = 30 * time.Second
)

// Options configure a Client.
type Options struct {
	// Node is the Envoy node sent on the first request of each stream.
	Node *corev3.Node
	// Addresses are the istiod replicas' plaintext xDS addresses.
	Addresses []string
	// First is the index in Addresses of the first connection (the fleet spreads proxies
	// over replicas); later connections pick a replica at random, as a Service would.
	First int
	// Settings are the initial apply settings.
	Settings scenario.ApplySettings
	// Logger; slog.Default() when nil.
	Logger *slog.Logger
	// Seed of the client's random source (delays, replica choice, back-off).
	Seed uint64
	// Delta: speak delta ADS (`DeltaAggregatedResources`), as a waypoint's Envoy does;
	// otherwise state of the world.
	Delta bool
	// RoutesType is the xDS type carrying the proxy's routes, the one a reject override
	// NACKs: RouteType (RDS) by default; ListenerType for a waypoint, whose routes are
	// inline in its listeners.
	RoutesType string
}

// Status is a client's connection and counters, for the control API.
type Status struct {
	// Istiod is the address of the replica of the current (or last) stream.
	Istiod    string                 `json:"istiod"`
	Connected bool                   `json:"connected"`
	Streams   int                    `json:"streams"`
	Responses int                    `json:"responses"`
	Acks      int                    `json:"acks"`
	Nacks     int                    `json:"nacks"`
	Pending   int                    `json:"pending"`
	Settings  scenario.ApplySettings `json:"settings"`
	LastError string                 `json:"lastError,omitempty"`
}

// Client is one proxy's ADS connection and applied config.
type Client struct {
	opts     Options
	log      *slog.Logger
	snapshot atomic.Pointer[Snapshot]
	settings chan scenario.ApplySettings

	mu     sync.Mutex
	status Status
}

// New creates a client; Run connects it.
func New(opts Options) *Client {
	c := &Client{opts: opts, log: opts.Logger, settings: make(chan scenario.ApplySettings, 1)}
	if c.log == nil {
		c.log = slog.Default()
	}
	c.snapshot.Store(EmptySnapshot())
	c.status.Settings = opts.Settings
	return c
}

// routesType is the xDS type carrying the proxy's routes.
func (c *Client) routesType() string {
	if c.opts.RoutesType != "" {
		return c.opts.RoutesType
	}
	return RouteType
}

// Snapshot is the config the proxy has applied.
func (c *Client) Snapshot() *Snapshot {
	return c.snapshot.Load()
}

// Status is a copy of the connection status.
func (c *Client) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status
}

// SetSettings changes the apply settings; a proxy released from stuck applies what it
// holds after a fresh delay.
func (c *Client) SetSettings(s scenario.ApplySettings) {
	for {
		select {
		case c.settings <- s:
			return
		default:
		}
		select {
		case <-c.settings:
		default:
		}
	}
}

func (c *Client) update(f func(*Status)) {
	c.mu.Lock()
	f(&c.status)
	c.mu.Unlock()
}

type pendingResponse struct {
	resp   xdsResponse
	stream int
}

type recvEvent struct {
	stream int
	resp   xdsResponse
	err    error
}

type connected struct {
	stream int
	addr   string
	conn   *grpc.ClientConn
	ads    adsStream
	cancel context.CancelFunc
	err    error
}

// loop is the state of Run, owned by its goroutine.
type loop struct {
	c        *Client
	ctx      context.Context
	rng      *rand.Rand
	wire     wire
	settings scenario.ApplySettings

	pending    []pendingResponse
	applyTimer *time.Timer
	applyC     <-chan time.Time

	stream     int
	current    *connected
	sentNode   bool
	attempts   int
	retryTimer *time.Timer
	retryC     <-chan time.Time
	connectC   chan connected
	recvC      chan recvEvent
}

// Run connects and keeps the proxy connected until ctx ends.
func (c *Client) Run(ctx context.Context) {
	if len(c.opts.Addresses) == 0 {
		c.log.Error("no istiod address")
		return
	}
	var w wire = sotwWire{NewProtocol()}
	if c.opts.Delta {
		w = deltaWire{NewDeltaProtocol()}
	}
	l := &loop{
		c:        c,
		ctx:      ctx,
		rng:      rand.New(rand.NewPCG(c.opts.Seed, c.opts.Seed^0x9e3779b97f4a7c15)),
		wire:     w,
		settings: c.opts.Settings,
		connectC: make(chan connected),
		recvC:    make(chan recvEvent, 64),
	}
	l.connect(c.opts.Addresses[c.opts.First%len(c.opts.Addresses)])
	defer l.close()
	for {
		select {
		case <-ctx.Done():
			return
		case s := <-c.settings:
			l.setSettings(s)
		case r := <-l.connectC:
			l.onConnected(r)
		case ev := <-l.recvC:
			l.onRecv(ev)
		case <-l.applyC:
			l.applyC = nil
			l.applyPending()
		case <-l.retryC:
			l.retryC = nil
			addrs := c.opts.Addresses
			l.connect(addrs[l.rng.IntN(len(addrs))])
		}
	}
}

func (l *loop) close() {
	if l.current != nil {
		l.current.cancel()
		_ = l.current.conn.Close()
		l.current = nil
	}
	if l.applyTimer != nil {
		l.applyTimer.Stop()
	}
	if l.retryTimer != nil {
		l.retryTimer.Stop()
	}
	l.c.update(func(s *Status) { s.Connected = false })
}

func (l *loop) connect(addr string) {
	l.stream++
	id := l.stream
	l.c.update(func(s *Status) { s.Istiod = addr })
	go func() {
		r := connected{stream: id, addr: addr}
		conn, err := grpc.NewClient(addr,
			grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(math.MaxInt32)))
		if err == nil {
			ctx, cancel := context.WithCancel(l.ctx)
			r.ads, err = l.wire.open(ctx, conn)
			if err != nil {
				cancel()
				_ = conn.Close()
			} else {
				r.conn, r.cancel = conn, cancel
			}
		}
		r.err = err
		select {
		case l.connectC <- r:
		case <-l.ctx.Done():
			// Run has returned: nobody takes the stream, close it here.
			if r.err == nil {
				r.cancel()
				_ = r.conn.Close()
			}
		}
	}()
}

func (l *loop) onConnected(r connected) {
	if r.err != nil {
		l.c.log.Debug("xds connect failed", "istiod", r.addr, "err", r.err)
		l.c.update(func(s *Status) { s.LastError = r.err.Error() })
		l.retry()
		return
	}
	if l.ctx.Err() != nil {
		r.cancel()
		_ = r.conn.Close()
		return
	}
	l.current = &r
	l.sentNode = false
	l.c.update(func(s *Status) { s.Connected = true; s.Streams++; s.Istiod = r.addr })
	go func() {
		for {
			resp, err := r.ads.recv()
			select {
			case l.recvC <- recvEvent{stream: r.stream, resp: resp, err: err}:
			case <-l.ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	l.send(l.wire.streamStarted())
}

func (l *loop) retry() {
	l.attempts++
	ceiling := backoffBase * time.Duration(uint64(1)<<min(l.attempts, 16)-1)
	if ceiling > backoffMax || ceiling <= 0 {
		ceiling = backoffMax
	}
	wait := time.Duration(l.rng.Int64N(int64(ceiling)))
	l.retryTimer = time.NewTimer(wait)
	l.retryC = l.retryTimer.C
}

func (l *loop) endStream(err error) {
	if l.current == nil {
		return
	}
	l.c.log.Info("xds stream ended", "istiod", l.current.addr, "err", err)
	l.current.cancel()
	_ = l.current.conn.Close()
	l.current = nil
	l.c.update(func(s *Status) {
		s.Connected = false
		if err != nil {
			s.LastError = err.Error()
		}
	})
	l.retry()
}

func (l *loop) send(reqs []any) {
	if l.current == nil {
		return
	}
	for _, r := range reqs {
		var node *corev3.Node
		if !l.sentNode {
			node = l.c.opts.Node
			l.sentNode = true
		}
		if err := l.current.ads.send(r, node); err != nil {
			// Recv reports the stream's end; the requests are re-sent on the next stream.
			return
		}
	}
}

func (l *loop) onRecv(ev recvEvent) {
	if l.current == nil || ev.stream != l.current.stream {
		return
	}
	if ev.err != nil {
		l.endStream(ev.err)
		return
	}
	l.attempts = 0
	l.c.update(func(s *Status) { s.Responses++ })
	l.enqueue(pendingResponse{resp: ev.resp, stream: ev.stream})
}

// enqueue adds a received response to the pushes waiting to be applied. A response of a
// type already waiting supersedes it (state-of-the-world CDS, LDS) or is merged into it
// (EDS, RDS, and every delta type: the newer resource wins), so a stuck proxy holds at
// most one per type. Responses arriving while a batch waits join it: one apply delay per
// push.
func (l *loop) enqueue(p pendingResponse) {
	for i, q := range l.pending {
		if q.resp.GetTypeUrl() != p.resp.GetTypeUrl() {
			continue
		}
		p.resp = l.wire.merge(q.resp, p.resp)
		l.pending = append(l.pending[:i], l.pending[i+1:]...)
		break
	}
	l.pending = append(l.pending, p)
	l.c.update(func(s *Status) { s.Pending = len(l.pending) })
	if l.applyC == nil && !l.settings.Stuck {
		l.arm()
	}
}

func (l *loop) arm() {
	wait := l.settings.ApplyDelay.SampleDuration(l.rng.Float64)
	l.applyTimer = time.NewTimer(wait)
	l.applyC = l.applyTimer.C
}

func (l *loop) setSettings(s scenario.ApplySettings) {
	l.settings = s
	l.c.update(func(st *Status) { st.Settings = s })
	if s.Stuck && l.applyC != nil {
		l.applyTimer.Stop()
		l.applyC = nil
	}
	if !s.Stuck && l.applyC == nil && len(l.pending) > 0 {
		l.arm()
	}
}

func (l *loop) applyPending() {
	if l.settings.Stuck {
		return
	}
	batch := l.pending
	l.pending = nil
	l.c.update(func(s *Status) { s.Pending = 0 })
	now := time.Now()
	for _, p := range batch {
		current := l.current != nil && p.stream == l.current.stream
		snap := l.c.snapshot.Load()
		reject := func(msg string) {
			l.c.snapshot.Store(snap.Reject(p.resp.GetTypeUrl(), msg))
			l.c.update(func(s *Status) { s.Nacks++ })
			l.send(l.wire.rejected(p.resp, msg, current))
		}
		// A reject override makes Envoy refuse the pushes carrying its routes (RDS; LDS for a
		// waypoint); the push's other types apply.
		if l.settings.Reject != "" && p.resp.GetTypeUrl() == l.c.routesType() {
			reject(l.settings.Reject)
			continue
		}
		next, err := l.wire.apply(snap, p.resp, now)
		if err != nil {
			reject(err.Error())
			continue
		}
		l.c.snapshot.Store(next)
		l.c.update(func(s *Status) { s.Acks++ })
		l.send(l.wire.applied(p.resp, next, current))
	}
}

// mergeResponses folds a newer EDS or RDS response into an older one still waiting:
// resources by name, the newer winning, with the newer version and nonce.
func mergeResponses(older, newer *discoveryv3.DiscoveryResponse) *discoveryv3.DiscoveryResponse {
	out := &discoveryv3.DiscoveryResponse{
		VersionInfo:  newer.GetVersionInfo(),
		TypeUrl:      newer.GetTypeUrl(),
		Nonce:        newer.GetNonce(),
		ControlPlane: newer.GetControlPlane(),
	}
	seen := map[string]bool{}
	for _, r := range newer.GetResources() {
		if name, err := resourceName(newer.GetTypeUrl(), r.GetValue()); err == nil {
			seen[name] = true
		}
	}
	for _, r := range older.GetResources() {
		name, err := resourceName(older.GetTypeUrl(), r.GetValue())
		if err == nil && seen[name] {
			continue
		}
		out.Resources = append(out.Resources, r)
	}
	out.Resources = append(out.Resources, newer.GetResources()...)
	return out
}

var errNoName = errors.New("resource without a name")
