package controlplane

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	kwokcrd "sigs.k8s.io/kwok/kustomize/crd"
	nodefast "sigs.k8s.io/kwok/kustomize/stage/node/fast"
	nodeheartbeat "sigs.k8s.io/kwok/kustomize/stage/node/heartbeat"

	"github.com/switchyard/switchyard/testbed/internal/freeport"
	"github.com/switchyard/switchyard/testbed/internal/gatewayapi"
	"github.com/switchyard/switchyard/testbed/internal/process"
)

//go:embed pod-stages.yaml
var podStages string

// Config says what to run.
type Config struct {
	// Dir holds every file of the test bed; it is removed by Down.
	Dir string
	// BinDir holds the component binaries (etcd, kube-apiserver, ..., pilot-discovery,
	// proxy-fleet).
	BinDir string
	// Manifests are YAML files or directories applied once the control plane is up.
	Manifests []string
	// IstiodReplicas is the number of istiod pods (2 by default).
	IstiodReplicas int
	// FleetScenario optionally configures the proxy fleet's images, clients and overrides.
	FleetScenario string
	// NoDataPlane leaves out the proxy fleet and Prometheus: the control plane alone.
	NoDataPlane bool
	// GatewayAPI is the Gateway API CRD channel installed before istiod starts
	// (gatewayapi.Standard by default, gatewayapi.Experimental, or gatewayapi.None).
	GatewayAPI string
	// Peers are the peer controllers to run (peers.Parse: `flagger,argo-rollouts`, `all`);
	// empty: none. They need the data plane (their metrics server is its Prometheus).
	Peers string
	// PeersBinDir holds the peers' binaries (flagger, rollouts-controller).
	PeersBinDir string
	// Profile is the Istio profile (ProfileMinimal by default, or ProfileAmbient).
	Profile string
	// Logf receives progress lines.
	Logf func(format string, args ...any)
}

type supervisor struct {
	cfg    Config
	layout Layout
	certs  *certificates
	ports  kubePorts
	logf   func(string, ...any)

	mu        sync.Mutex
	state     State
	processes []*process.Process // in start order
	proxies   []*serviceProxy
	istiod    *istiodPods
	control   *http.Server
	fleetURL  string
}

// Run starts the test bed, reports through the state file, and keeps it running until ctx
// ends; then it stops everything in reverse order. The directory is left for Down (its
// logs explain a failure).
func Run(ctx context.Context, cfg Config) error {
	if cfg.IstiodReplicas <= 0 {
		cfg.IstiodReplicas = 2
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	if cfg.GatewayAPI == "" {
		cfg.GatewayAPI = gatewayapi.Standard
	}
	if _, err := gatewayapi.CRDs(cfg.GatewayAPI); err != nil {
		return err
	}
	if cfg.Profile == "" {
		cfg.Profile = ProfileMinimal
	}
	if err := CheckProfile(cfg.Profile); err != nil {
		return err
	}
	s := &supervisor{cfg: cfg, layout: Layout{Dir: cfg.Dir}, logf: cfg.Logf}
	s.state = State{Phase: PhaseStarting, SupervisorPid: os.Getpid(), Profile: cfg.Profile}
	if err := s.layout.create(); err != nil {
		return err
	}
	s.save()
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := s.start(runCtx); err != nil {
		s.mu.Lock()
		s.state.Phase = PhaseFailed
		s.state.Error = err.Error()
		s.mu.Unlock()
		s.save()
		cancel()
		s.stop()
		return err
	}
	s.mu.Lock()
	s.state.Phase = PhaseReady
	s.state.Step = ""
	s.mu.Unlock()
	s.save()
	s.logf("ready")
	<-ctx.Done()
	s.mu.Lock()
	s.state.Phase = PhaseStopping
	s.mu.Unlock()
	s.save()
	cancel()
	s.stop()
	return nil
}

func (s *supervisor) step(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.logf("%s", msg)
	s.mu.Lock()
	s.state.Step = msg
	s.mu.Unlock()
	s.save()
}

func (s *supervisor) save() {
	s.mu.Lock()
	st := s.state
	st.Components = nil
	for _, p := range s.processes {
		st.Components = append(st.Components, Component{Name: p.Spec.Name, Pid: p.Pid(), Log: p.LogPath})
	}
	s.mu.Unlock()
	if s.istiod != nil {
		st.Components = append(st.Components, s.istiod.components()...)
	}
	if err := writeState(s.layout, st); err != nil {
		s.logf("write state: %v", err)
	}
}

// launch starts a component and watches it: an unexpected exit is logged and recorded.
func (s *supervisor) launch(ctx context.Context, spec process.Spec) (*process.Process, error) {
	p, err := process.Start(spec)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.processes = append(s.processes, p)
	s.mu.Unlock()
	s.save()
	go func() {
		select {
		case <-p.Done():
			if ctx.Err() == nil {
				failure := p.Failure()
				s.logf("component exited: %v", failure)
				s.mu.Lock()
				if s.state.Phase == PhaseReady {
					s.state.Error = failure.Error()
				}
				s.mu.Unlock()
				s.save()
			}
		case <-ctx.Done():
		}
	}()
	return p, nil
}

func (s *supervisor) start(ctx context.Context) error {
	bin := s.cfg.BinDir
	required := []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "pilot-discovery"}
	if !s.cfg.NoDataPlane {
		required = append(required, "proxy-fleet")
	}
	for _, name := range required {
		if _, err := os.Stat(filepath.Join(bin, name)); err != nil {
			return fmt.Errorf("%s: binary missing in %s (build the test bed first: npm run testbed -- build)", name, bin)
		}
	}
	prometheusBin := ""
	if !s.cfg.NoDataPlane {
		bin, err := findPrometheus()
		if err != nil {
			return fmt.Errorf("prometheus: %w", err)
		}
		prometheusBin = bin
	}

	s.step("issuing certificates")
	var err error
	if s.certs, err = issueCertificates(s.layout); err != nil {
		return fmt.Errorf("certificates: %w", err)
	}
	ports, err := freeport.Take(12)
	if err != nil {
		return err
	}
	s.ports = kubePorts{etcdClient: ports[0], etcdPeer: ports[1], apiServer: ports[2], kwokServer: ports[3]}
	prometheusPort, fleetControlPort, fleetMetricsPort, controlPort := ports[4], ports[5], ports[6], ports[7]
	servicePorts := map[int]int{istiodGRPCPort: ports[8], istiodSecureGRPCPort: ports[9], 443: ports[10], istiodMonitoringPort: ports[11]}
	server := s.ports.apiServerURL()
	for _, k := range []struct {
		name string
		id   identity
	}{{"kube-controller-manager", controllerIdentity}, {"kube-scheduler", schedulerIdentity}, {"kwok", kwokIdentity}, {"proxy-fleet", fleetIdentity}} {
		if err := writeCertKubeconfig(filepath.Join(s.layout.Kubeconfigs(), k.name), server, s.certs, s.layout, k.id); err != nil {
			return err
		}
	}
	if err := writeCertKubeconfig(s.layout.AdminKubeconfig(), server, s.certs, s.layout, adminIdentity); err != nil {
		return err
	}

	s.step("starting etcd")
	etcd, err := s.launch(ctx, etcdSpec(s.layout, bin, s.ports))
	if err != nil {
		return err
	}
	if err := waitHTTP(ctx, etcd, fmt.Sprintf("http://127.0.0.1:%d/health", s.ports.etcdClient), 60*time.Second); err != nil {
		return err
	}

	if err := os.WriteFile(filepath.Join(s.layout.Dir, "audit-policy.yaml"), []byte(auditPolicy), 0o600); err != nil {
		return err
	}
	s.step("starting kube-apiserver")
	apiServer, err := s.launch(ctx, apiServerSpec(s.layout, bin, s.ports, s.certs))
	if err != nil {
		return err
	}
	restConfig, err := clientcmd.BuildConfigFromFlags("", s.layout.AdminKubeconfig())
	if err != nil {
		return err
	}
	restConfig.QPS, restConfig.Burst = 100, 200
	kube, err := kubernetes.NewForConfig(restConfig)
	if err != nil {
		return err
	}
	if err := waitReadyz(ctx, apiServer, kube); err != nil {
		return err
	}
	s.mu.Lock()
	s.state.APIServer = server
	s.state.Kubeconfig = s.layout.AdminKubeconfig()
	s.mu.Unlock()
	apply, err := newApplier(restConfig)
	if err != nil {
		return err
	}

	s.step("starting kube-controller-manager, kube-scheduler and KWOK")
	kwokCRDs, err := decodeYAML([]byte(string(kwokcrd.PortForward) + "\n---\n" + string(kwokcrd.ClusterPortForward)))
	if err != nil {
		return err
	}
	if err := apply.apply(ctx, kwokCRDs); err != nil {
		return fmt.Errorf("KWOK CRDs: %w", err)
	}
	if err := apply.waitEstablished(ctx, kwokCRDs); err != nil {
		return err
	}
	stagesFile := filepath.Join(s.layout.Dir, "kwok-stages.yaml")
	stages := nodefast.DefaultNodeInit + "\n---\n" + nodeheartbeat.DefaultNodeHeartbeat + "\n---\n" + podStages
	if err := os.WriteFile(stagesFile, []byte(stages), 0o600); err != nil {
		return err
	}
	for _, spec := range []process.Spec{controllerManagerSpec(s.layout, bin, s.certs), schedulerSpec(s.layout, bin), kwokSpec(s.layout, bin, s.ports, s.certs, stagesFile)} {
		if _, err := s.launch(ctx, spec); err != nil {
			return err
		}
	}
	node, err := decodeYAML([]byte(nodeManifest))
	if err != nil {
		return err
	}
	if err := apply.apply(ctx, node); err != nil {
		return err
	}
	if err := waitNodeSchedulable(ctx, kube); err != nil {
		return fmt.Errorf("kwok: node %s: %w", NodeName, err)
	}

	// Before istiod, as on a cluster prepared by Istio's instructions: istiod's Gateway API
	// controllers (and its GatewayClasses) start on the CRDs they find.
	if err := s.installGatewayAPI(ctx, apply); err != nil {
		return err
	}

	s.step("installing Istio from its charts (%s profile, %d istiod replicas)", s.cfg.Profile, s.cfg.IstiodReplicas)
	rendered, err := renderIstio(s.cfg.Profile, s.cfg.IstiodReplicas)
	if err != nil {
		return fmt.Errorf("istio: %w", err)
	}
	install, webhooks := splitIstio(rendered)
	install = orderForApply(append([]*unstructured.Unstructured{namespaceObject(IstioNamespace)}, install...))
	if err := apply.apply(ctx, install); err != nil {
		return fmt.Errorf("istio: %w", err)
	}
	if err := apply.waitEstablished(ctx, install); err != nil {
		return fmt.Errorf("istio: %w", err)
	}
	dyn, err := dynamic.NewForConfig(restConfig)
	if err != nil {
		return err
	}
	s.istiod = &istiodPods{
		layout: s.layout, bin: bin, server: server, certs: s.certs, kube: kube, dynamic: dyn,
		logf: s.logf, onChange: s.save, replicas: map[string]*istiodReplica{},
	}
	go s.istiod.run(ctx)
	for containerPort, port := range servicePorts {
		target := containerPort
		if containerPort == 443 {
			target = istiodWebhookPort
		}
		proxy, err := startServiceProxy(ctx, port, func() []int { return s.istiod.backends(target) })
		if err != nil {
			return fmt.Errorf("istiod Service proxy: %w", err)
		}
		s.proxies = append(s.proxies, proxy)
	}
	s.step("waiting for %d istiod replicas", s.cfg.IstiodReplicas)
	if err := poll(ctx, 180*time.Second, func() (bool, error) {
		return len(s.istiod.backends(istiodGRPCPort)) >= s.cfg.IstiodReplicas, nil
	}); err != nil {
		return fmt.Errorf("istiod: %d of %d replicas ready (see %s): %w", len(s.istiod.backends(istiodGRPCPort)), s.cfg.IstiodReplicas, s.layout.Logs(), err)
	}
	if err := pointWebhooksAt(webhooks, servicePorts[443], s.certs.ca.CertPEM); err != nil {
		return err
	}
	if err := apply.apply(ctx, webhooks); err != nil {
		return fmt.Errorf("istio webhooks: %w", err)
	}

	if !s.cfg.NoDataPlane {
		if err := s.startDataPlane(ctx, apply, kube, dyn, servicePorts[istiodGRPCPort], fleetControlPort, fleetMetricsPort, prometheusBin, prometheusPort); err != nil {
			return err
		}
	}

	if s.cfg.Peers != "" {
		if s.cfg.NoDataPlane {
			return fmt.Errorf("peers need the data plane: their metrics server is its Prometheus")
		}
		s.mu.Lock()
		promURL := s.state.Prometheus
		s.mu.Unlock()
		if err := s.startPeers(ctx, apply, kube, server, promURL); err != nil {
			return err
		}
	}

	if len(s.cfg.Manifests) > 0 {

		s.step("applying %s", strings.Join(s.cfg.Manifests, ", "))
		objects, err := readManifests(s.cfg.Manifests)
		if err != nil {
			return err
		}
		if err := apply.apply(ctx, orderForApply(objects)); err != nil {
			return fmt.Errorf("manifests: %w", err)
		}
		if err := waitDeploymentsAvailable(ctx, kube, objects); err != nil {
			return fmt.Errorf("manifests: %w", err)
		}
	}

	controlURL, err := s.serveControl(ctx, controlPort)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.state.Control = controlURL
	s.mu.Unlock()
	return nil
}

// installGatewayAPI applies the configured channel of the Gateway API CRDs (and the
// release's admission policy) and waits until they are served.
func (s *supervisor) installGatewayAPI(ctx context.Context, apply *applier) error {
	data, err := gatewayapi.CRDs(s.cfg.GatewayAPI)
	if err != nil || len(data) == 0 {
		return err
	}
	s.step("installing the Gateway API CRDs (%s channel)", s.cfg.GatewayAPI)
	objects, err := decodeYAML(data)
	if err != nil {
		return fmt.Errorf("gateway API CRDs: %w", err)
	}
	if err := apply.apply(ctx, orderForApply(objects)); err != nil {
		return fmt.Errorf("gateway API CRDs: %w", err)
	}
	return apply.waitEstablished(ctx, objects)
}

// startDataPlane starts the proxy fleet (sidecars on real xDS through the istiod Service)
// and Prometheus scraping it, with Prometheus' in-cluster Service and pod.
func (s *supervisor) startDataPlane(ctx context.Context, apply *applier, kube kubernetes.Interface, dyn dynamic.Interface, xdsPort, fleetControlPort, fleetMetricsPort int, prometheusBin string, prometheusPort int) error {
	s.step("starting the proxy fleet and Prometheus")
	readyFile := filepath.Join(s.layout.Fleet(), "ready.json")
	fleetArgs := []string{
		"--kubeconfig=" + filepath.Join(s.layout.Kubeconfigs(), "proxy-fleet"),
		"--istiod=127.0.0.1:" + strconv.Itoa(xdsPort),
		"--control-addr=127.0.0.1:" + strconv.Itoa(fleetControlPort),
		"--metrics-addr=127.0.0.1:" + strconv.Itoa(fleetMetricsPort),
		"--ready-file=" + readyFile,
	}
	if s.cfg.FleetScenario != "" {
		fleetArgs = append(fleetArgs, "--scenario="+s.cfg.FleetScenario)
	}
	if s.cfg.Profile == ProfileAmbient {
		// istio-cni's enrolment, without istio-cni: the fleet annotates enrolled pods.
		fleetArgs = append(fleetArgs, "--ambient")
	}
	fleet, err := s.launch(ctx, process.Spec{Name: "proxy-fleet", Path: filepath.Join(s.cfg.BinDir, "proxy-fleet"), Args: fleetArgs, LogDir: s.layout.Logs()})
	if err != nil {
		return err
	}
	if err := poll(ctx, 60*time.Second, func() (bool, error) {
		if exited, _ := fleet.Exited(); exited {
			return false, fleet.Failure()
		}
		_, err := os.Stat(readyFile)
		return err == nil, err
	}); err != nil {
		return fmt.Errorf("proxy-fleet not ready: %w", err)
	}
	s.fleetURL = "http://127.0.0.1:" + strconv.Itoa(fleetControlPort)

	promSpec, err := prometheusSpec(s.layout, prometheusBin, prometheusPort, []string{"127.0.0.1:" + strconv.Itoa(fleetMetricsPort)})
	if err != nil {
		return err
	}
	prom, err := s.launch(ctx, promSpec)
	if err != nil {
		return err
	}
	promURL := "http://127.0.0.1:" + strconv.Itoa(prometheusPort)
	if err := waitHTTP(ctx, prom, promURL+"/-/ready", 60*time.Second); err != nil {
		return err
	}
	promObjects, err := decodeYAML([]byte(prometheusManifests))
	if err != nil {
		return err
	}
	if err := apply.apply(ctx, promObjects); err != nil {
		return fmt.Errorf("prometheus: %w", err)
	}
	if err := s.forwardPodsOf(ctx, kube, dyn, IstioNamespace, "app=prometheus", 9090, prometheusPort); err != nil {
		return fmt.Errorf("prometheus: %w", err)
	}
	s.mu.Lock()
	s.state.Prometheus = promURL
	s.mu.Unlock()

	return nil
}

// forwardPodsOf creates a KWOK PortForward from containerPort of the pod selected by
// selector (waiting for it to run) to a local process port.
func (s *supervisor) forwardPodsOf(ctx context.Context, kube kubernetes.Interface, dyn dynamic.Interface, ns, selector string, containerPort, localPort int) error {
	var pod string
	err := poll(ctx, 60*time.Second, func() (bool, error) {
		pods, err := kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			return false, err
		}
		for _, p := range pods.Items {
			if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
				pod = p.Name
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return err
	}
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kwok.x-k8s.io/v1alpha1",
		"kind":       "PortForward",
		"metadata":   map[string]any{"name": pod, "namespace": ns},
		"spec": map[string]any{"forwards": []any{map[string]any{
			"ports":  []any{int64(containerPort)},
			"target": map[string]any{"address": "127.0.0.1", "port": int64(localPort)},
		}}},
	}}
	_, err = dyn.Resource(portForwardGVR).Namespace(ns).Create(ctx, obj, metav1.CreateOptions{FieldManager: fieldManager})
	return err
}

// serveControl serves the control API: GET /components here, the rest (images, clients,
// proxy overrides, traffic) by the proxy fleet.
func (s *supervisor) serveControl(ctx context.Context, port int) (string, error) {
	fleet, err := url.Parse(s.fleetURL)
	if err != nil {
		return "", err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /components", func(w http.ResponseWriter, _ *http.Request) {
		st, err := ReadState(s.layout.Dir)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(st)
	})
	if s.fleetURL != "" {
		mux.Handle("/", httputil.NewSingleHostReverseProxy(fleet))
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return "", err
	}
	s.control = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.control.Serve(l) }()
	go func() {
		<-ctx.Done()
		_ = s.control.Close()
	}()
	return "http://127.0.0.1:" + strconv.Itoa(port), nil
}

// stop ends every process, newest first, so nothing outlives what it depends on.
func (s *supervisor) stop() {
	if s.control != nil {
		_ = s.control.Close()
	}
	if s.istiod != nil {
		s.istiod.stopAll()
	}
	for _, p := range s.proxies {
		p.close()
	}
	s.mu.Lock()
	processes := append([]*process.Process(nil), s.processes...)
	s.mu.Unlock()
	for i := len(processes) - 1; i >= 0; i-- {
		processes[i].Stop(10 * time.Second)
	}
}

func namespaceObject(name string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": name},
	}}
}

func waitReadyz(ctx context.Context, proc *process.Process, kube kubernetes.Interface) error {
	err := poll(ctx, 90*time.Second, func() (bool, error) {
		if exited, _ := proc.Exited(); exited {
			return false, proc.Failure()
		}
		_, err := kube.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		return err == nil, err
	})
	if exited, _ := proc.Exited(); exited {
		return proc.Failure()
	}
	if err != nil {
		return fmt.Errorf("kube-apiserver not ready: %w", err)
	}
	return nil
}

func waitNodeSchedulable(ctx context.Context, kube kubernetes.Interface) error {
	return poll(ctx, 90*time.Second, func() (bool, error) {
		node, err := kube.CoreV1().Nodes().Get(ctx, NodeName, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		ready := false
		for _, c := range node.Status.Conditions {
			if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
				ready = true
			}
		}
		if !ready {
			return false, errors.New("not Ready")
		}
		for _, t := range node.Spec.Taints {
			if t.Effect == corev1.TaintEffectNoSchedule {
				return false, fmt.Errorf("still tainted %s", t.Key)
			}
		}
		return true, nil
	})
}

// waitDeploymentsAvailable waits until every Deployment among objects has all replicas
// updated and available.
func waitDeploymentsAvailable(ctx context.Context, kube kubernetes.Interface, objects []*unstructured.Unstructured) error {
	for _, obj := range objects {
		if obj.GetKind() != "Deployment" {
			continue
		}
		ns, name := obj.GetNamespace(), obj.GetName()
		err := poll(ctx, 120*time.Second, func() (bool, error) {
			d, err := kube.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			return deploymentAvailable(d), fmt.Errorf("%d/%d available", d.Status.AvailableReplicas, replicasOf(d))
		})
		if err != nil {
			return fmt.Errorf("Deployment %s/%s: %w", ns, name, err)
		}
	}
	return nil
}

func replicasOf(d *appsv1.Deployment) int32 {
	if d.Spec.Replicas == nil {
		return 1
	}
	return *d.Spec.Replicas
}

func deploymentAvailable(d *appsv1.Deployment) bool {
	want := replicasOf(d)
	return d.Status.ObservedGeneration >= d.Generation &&
		d.Status.UpdatedReplicas == want && d.Status.AvailableReplicas == want && d.Status.Replicas == want
}
