// Package fleetserver wires the proxy fleet process: Kubernetes clients, the fleet, the
// traffic generator, the metrics endpoint, the control API and the ready file.
package fleetserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/switchyard/switchyard/testbed/internal/control"
	"github.com/switchyard/switchyard/testbed/internal/fleet"
	"github.com/switchyard/switchyard/testbed/internal/istiometrics"
	"github.com/switchyard/switchyard/testbed/internal/scenario"
	"github.com/switchyard/switchyard/testbed/internal/traffic"
	"github.com/switchyard/switchyard/testbed/internal/xdsclient"
)

// DefaultIstioVersion is what proxies report as ISTIO_VERSION unless the scenario's
// `istio.version` says otherwise: the minor of the istiod built in this module.
const DefaultIstioVersion = "1.31.0"

// Config is the command line.
type Config struct {
	Kubeconfig   string
	Istiod       []string
	ControlAddr  string
	MetricsAddr  string
	ReadyFile    string
	ScenarioFile string
	// Ambient: enrol pods in ambient mode as istio-cni would (the cluster's istiod runs
	// with the ambient profile).
	Ambient bool
	Logger  *slog.Logger
}

// Validate checks the configuration before anything starts.
func (c Config) Validate() error {
	if c.Kubeconfig == "" {
		return errors.New("--kubeconfig is required")
	}
	if len(c.Istiod) == 0 {
		return errors.New("--istiod is required (one or more host:port, comma-separated)")
	}
	for _, a := range c.Istiod {
		if _, _, err := net.SplitHostPort(a); err != nil {
			return fmt.Errorf("--istiod %q: %v", a, err)
		}
	}
	for flag, a := range map[string]string{"--control-addr": c.ControlAddr, "--metrics-addr": c.MetricsAddr} {
		if a == "" {
			return fmt.Errorf("%s is required", flag)
		}
		if _, _, err := net.SplitHostPort(a); err != nil {
			return fmt.Errorf("%s %q: %v", flag, a, err)
		}
	}
	return nil
}

// ReadyInfo is written to the ready file once both listeners are up.
type ReadyInfo struct {
	ControlURL string `json:"controlUrl"`
	MetricsURL string `json:"metricsUrl"`
}

type server struct {
	fleet     *fleet.Fleet
	generator *traffic.Generator
	truth     *traffic.GroundTruth
	istiod    []string
	ready     ReadyInfo
	mu        sync.Mutex
	clients   []scenario.Client
}

// Run runs the fleet until ctx ends.
func Run(ctx context.Context, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	sc := &scenario.File{Images: map[string]scenario.Behaviour{}, ApplyDelay: scenario.DefaultApplyDelay}
	if cfg.ScenarioFile != "" {
		loaded, err := scenario.LoadFile(cfg.ScenarioFile)
		if err != nil {
			return err
		}
		sc = loaded
	}
	istioVersion := sc.IstioVersion
	if istioVersion == "" {
		istioVersion = DefaultIstioVersion
	}

	rest, err := clientcmd.BuildConfigFromFlags("", cfg.Kubeconfig)
	if err != nil {
		return fmt.Errorf("kubeconfig %s: %w", cfg.Kubeconfig, err)
	}
	rest.QPS, rest.Burst = 50, 100
	rest.UserAgent = "proxy-fleet"
	kube, err := kubernetes.NewForConfig(rest)
	if err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(rest)
	if err != nil {
		return err
	}

	metrics := istiometrics.New()
	truth := traffic.NewGroundTruth(traffic.DefaultGroundTruthCapacity, metrics.Registry())
	f := fleet.New(fleet.Options{
		Kube: kube, Dynamic: dyn, Istiod: cfg.Istiod,
		Node: xdsclient.NodeOptions{
			IstioVersion: istioVersion, ClusterID: istiometrics.DefaultIdentity.ClusterID,
			MeshID: istiometrics.DefaultIdentity.TrustDomain, DNSDomain: traffic.ClusterDomain,
		},
		Identity: istiometrics.DefaultIdentity,
		Logger:   log,
		Ambient:  cfg.Ambient,
	})
	for image, b := range sc.Images {
		f.SetBehaviour(image, b)
	}
	f.SetOverrides(sc.Overrides)
	f.SetApplyDelay(sc.ApplyDelay)
	gen := traffic.New(traffic.Options{
		World: f, Metrics: metrics, Behaviour: f.Behaviour, Identity: istiometrics.DefaultIdentity,
		Seed: uint64(time.Now().UnixNano()), GroundTruth: truth,
	})
	s := &server{fleet: f, generator: gen, truth: truth, istiod: cfg.Istiod}
	s.SetClients(sc.Clients)

	controlListener, err := net.Listen("tcp", cfg.ControlAddr)
	if err != nil {
		return fmt.Errorf("--control-addr: %w", err)
	}
	metricsListener, err := net.Listen("tcp", cfg.MetricsAddr)
	if err != nil {
		_ = controlListener.Close()
		return fmt.Errorf("--metrics-addr: %w", err)
	}
	s.ready = ReadyInfo{
		ControlURL: "http://" + controlListener.Addr().String(),
		MetricsURL: "http://" + metricsListener.Addr().String(),
	}
	metricsMux := http.NewServeMux()
	metricsMux.Handle("/metrics", metrics.Handler())
	servers := []*http.Server{
		{Handler: control.Handler(s), ReadHeaderTimeout: 10 * time.Second},
		{Handler: metricsMux, ReadHeaderTimeout: 10 * time.Second},
	}
	var wg sync.WaitGroup
	for i, l := range []net.Listener{controlListener, metricsListener} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = servers[i].Serve(l)
		}()
	}
	if cfg.ReadyFile != "" {
		if err := writeReadyFile(cfg.ReadyFile, s.ready); err != nil {
			for _, srv := range servers {
				_ = srv.Close()
			}
			return err
		}
	}
	log.Info("proxy fleet ready", "control", s.ready.ControlURL, "metrics", s.ready.MetricsURL, "istiod", cfg.Istiod)

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	wg.Add(1)
	go func() {
		defer wg.Done()
		gen.Run(runCtx, 100*time.Millisecond)
	}()
	fleetErr := f.Run(runCtx)
	cancel()
	shutdown, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	for _, srv := range servers {
		_ = srv.Shutdown(shutdown)
	}
	wg.Wait()
	return fleetErr
}

func writeReadyFile(path string, info ReadyInfo) error {
	data, err := json.Marshal(info)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".proxy-fleet-ready-*")
	if err != nil {
		return fmt.Errorf("--ready-file: %w", err)
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("--ready-file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("--ready-file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("--ready-file: %w", err)
	}
	return nil
}

// IstiodState is one replica in `GET /state`.
type IstiodState struct {
	Address string `json:"address"`
	// Connected counts proxies whose current stream is to this replica.
	Connected int `json:"connected"`
}

// ProxiesState is `proxies` in `GET /state`: the simulator's counts plus every proxy.
type ProxiesState struct {
	Total      int                `json:"total"`
	WithConfig int                `json:"withConfig"`
	Items      []fleet.ProxyState `json:"items"`
	// Unplayed are the proxy pods recognised but not played (ztunnel).
	Unplayed []fleet.UnplayedPod `json:"unplayed"`
}

// State is `GET /state`.
type State struct {
	ControlURL     string                        `json:"controlUrl"`
	MetricsURL     string                        `json:"metricsUrl"`
	Istiod         []IstiodState                 `json:"istiod"`
	Proxies        ProxiesState                  `json:"proxies"`
	ProxyOverrides []scenario.Override           `json:"proxyOverrides"`
	ApplyDelay     scenario.Latency              `json:"applyDelay"`
	Propagation    fleet.PropagationState        `json:"propagation"`
	Clients        []scenario.Client             `json:"clients"`
	Images         map[string]scenario.Behaviour `json:"images"`
}

func (s *server) State() any {
	items := s.fleet.Proxies()
	out := State{
		ControlURL:     s.ready.ControlURL,
		MetricsURL:     s.ready.MetricsURL,
		Proxies:        ProxiesState{Total: len(items), Items: items, Unplayed: s.fleet.Unplayed()},
		ProxyOverrides: s.fleet.Overrides(),
		ApplyDelay:     s.fleet.ApplyDelay(),
		Propagation:    s.fleet.Propagation(),
		Images:         s.fleet.Images(),
	}
	connected := map[string]int{}
	for _, p := range items {
		if p.Connected {
			connected[p.Istiod]++
		}
		if p.Applied["lds"].Resources > 0 {
			out.Proxies.WithConfig++
		}
	}
	for _, a := range s.istiod {
		out.Istiod = append(out.Istiod, IstiodState{Address: a, Connected: connected[a]})
	}
	s.mu.Lock()
	out.Clients = append([]scenario.Client{}, s.clients...)
	s.mu.Unlock()
	if out.ProxyOverrides == nil {
		out.ProxyOverrides = []scenario.Override{}
	}
	return out
}

func (s *server) Traffic() any { return s.generator.Report() }

func (s *server) SetBehaviour(image string, b scenario.Behaviour) { s.fleet.SetBehaviour(image, b) }

func (s *server) SetOverrides(o []scenario.Override) { s.fleet.SetOverrides(o) }

func (s *server) SetApplyDelay(l scenario.Latency) { s.fleet.SetApplyDelay(l) }

func (s *server) SetPropagation(p scenario.Propagation) (any, error) {
	s.mu.Lock()
	clients := append([]scenario.Client{}, s.clients...)
	s.mu.Unlock()
	return s.fleet.SetPropagation(p, clients)
}

func (s *server) Requests(after int64, limit int) any { return s.truth.Since(after, limit) }

func (s *server) Routes() any { return map[string]any{"routes": s.truth.Routes()} }

func (s *server) SetClients(c []scenario.Client) {
	s.mu.Lock()
	s.clients = append([]scenario.Client{}, c...)
	s.mu.Unlock()
	s.generator.SetClients(c)
}
