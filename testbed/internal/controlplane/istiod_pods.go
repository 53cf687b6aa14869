package controlplane

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/switchyard/switchyard/testbed/internal/freeport"
	"github.com/switchyard/switchyard/testbed/internal/process"
)

// istiod's container ports, as Istio's chart declares them.
const (
	istiodHTTPPort       = 8080
	istiodGRPCPort       = 15010
	istiodSecureGRPCPort = 15012
	istiodWebhookPort    = 15017
	istiodMonitoringPort = 15014
)

var portForwardGVR = schema.GroupVersionResource{Group: "kwok.x-k8s.io", Version: "v1alpha1", Resource: "portforwards"}

// istiodReplica is one pilot-discovery process playing one istiod pod.
type istiodReplica struct {
	pod     string
	proc    *process.Process
	ports   map[int]int // container port -> loopback port
	stopped bool
}

// istiodPods plays the kubelet for istiod's pods: each Running pod of the istiod
// Deployment gets a pilot-discovery process with that pod's arguments, environment and
// mounted config, reachable through a KWOK PortForward on the pod's ports. A deleted pod's
// process is stopped; the ReplicaSet's replacement gets a new one.
type istiodPods struct {
	layout   Layout
	bin      string
	server   string
	certs    *certificates
	kube     kubernetes.Interface
	dynamic  dynamic.Interface
	logf     func(string, ...any)
	onChange func()

	mu       sync.Mutex
	replicas map[string]*istiodReplica
}

// backends lists the loopback ports of one container port on every live replica.
func (p *istiodPods) backends(containerPort int) []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	names := make([]string, 0, len(p.replicas))
	for name := range p.replicas {
		names = append(names, name)
	}
	sort.Strings(names)
	var out []int
	for _, name := range names {
		r := p.replicas[name]
		if exited, _ := r.proc.Exited(); !exited && !r.stopped {
			out = append(out, r.ports[containerPort])
		}
	}
	return out
}

// components lists the running replicas for the state file.
func (p *istiodPods) components() []Component {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []Component
	for name, r := range p.replicas {
		out = append(out, Component{Name: "istiod/" + name, Pid: r.proc.Pid(), Log: r.proc.LogPath})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// run watches istiod's pods until ctx ends, then stops every replica.
func (p *istiodPods) run(ctx context.Context) {
	factory := informers.NewSharedInformerFactoryWithOptions(p.kube, 0,
		informers.WithNamespace(IstioNamespace),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = "app=istiod" }))
	informer := factory.Core().V1().Pods().Informer()
	queue := make(chan struct{}, 1)
	kick := func(any) {
		select {
		case queue <- struct{}{}:
		default:
		}
	}
	_, _ = informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    kick,
		UpdateFunc: func(_, n any) { kick(n) },
		DeleteFunc: kick,
	})
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	ticker := time.NewTicker(2 * time.Second)
	defer ticker.Stop()
	for {
		p.reconcile(ctx, informer.GetStore().List())
		select {
		case <-ctx.Done():
			p.stopAll()
			return
		case <-queue:
		case <-ticker.C:
		}
	}
}

func (p *istiodPods) reconcile(ctx context.Context, objects []any) {
	wanted := map[string]*corev1.Pod{}
	for _, o := range objects {
		pod, ok := o.(*corev1.Pod)
		if !ok || pod.DeletionTimestamp != nil || pod.Status.Phase != corev1.PodRunning {
			continue
		}
		wanted[pod.Name] = pod
	}
	changed := false
	p.mu.Lock()
	for name, r := range p.replicas {
		if _, ok := wanted[name]; !ok {
			delete(p.replicas, name)
			r.stopped = true
			go r.proc.Stop(15 * time.Second)
			go p.deletePortForward(context.WithoutCancel(ctx), name)
			p.logf("istiod pod %s gone: its process stopped", name)
			changed = true
		}
	}
	p.mu.Unlock()
	for name, pod := range wanted {
		p.mu.Lock()
		r, ok := p.replicas[name]
		p.mu.Unlock()
		if ok {
			if exited, _ := r.proc.Exited(); !exited {
				continue
			}
			p.logf("istiod pod %s: process exited, restarting: %v", name, r.proc.Failure())
		}
		replica, err := p.start(ctx, pod)
		if err != nil {
			p.logf("istiod pod %s: %v", name, err)
			continue
		}
		p.mu.Lock()
		p.replicas[name] = replica
		p.mu.Unlock()
		changed = true
	}
	if changed && p.onChange != nil {
		p.onChange()
	}
}

func (p *istiodPods) start(ctx context.Context, pod *corev1.Pod) (*istiodReplica, error) {
	var container *corev1.Container
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == "discovery" {
			container = &pod.Spec.Containers[i]
		}
	}
	if container == nil {
		return nil, fmt.Errorf("no container named discovery")
	}
	dir := p.layout.Istiod(pod.Name)
	if err := p.mountConfigMaps(ctx, dir); err != nil {
		return nil, err
	}
	kubeconfig, err := p.serviceAccountKubeconfig(ctx, pod, dir)
	if err != nil {
		return nil, err
	}
	free, err := freeport.Take(5)
	if err != nil {
		return nil, err
	}
	ports := map[int]int{
		istiodHTTPPort: free[0], istiodGRPCPort: free[1], istiodSecureGRPCPort: free[2],
		istiodWebhookPort: free[3], istiodMonitoringPort: free[4],
	}
	args := istiodArgs(container.Args, ports, kubeconfig, p.certs)
	env := istiodEnv(pod, container)
	proc, err := process.Start(process.Spec{
		Name: "istiod-" + pod.Name, Path: filepath.Join(p.bin, "pilot-discovery"),
		Args: args, Env: env, Dir: dir, LogDir: p.layout.Logs(),
	})
	if err != nil {
		return nil, err
	}
	if err := p.createPortForward(ctx, pod.Name, ports); err != nil {
		proc.Kill()
		return nil, err
	}
	ready := fmt.Sprintf("http://127.0.0.1:%d/ready", ports[istiodHTTPPort])
	if err := waitHTTP(ctx, proc, ready, 90*time.Second); err != nil {
		proc.Kill()
		return nil, err
	}
	p.logf("istiod pod %s: pilot-discovery ready (pid %d)", pod.Name, proc.Pid())
	return &istiodReplica{pod: pod.Name, proc: proc, ports: ports}, nil
}

// istiodArgs keeps the chart's arguments and binds every listener to its loopback port.
func istiodArgs(chartArgs []string, ports map[int]int, kubeconfig string, c *certificates) []string {
	var args []string
	for _, a := range chartArgs {
		if strings.HasPrefix(a, "--monitoringAddr") {
			continue
		}
		args = append(args, a)
	}
	addr := func(port int) string { return "127.0.0.1:" + strconv.Itoa(ports[port]) }
	return append(args,
		"--kubeconfig="+kubeconfig,
		"--httpAddr="+addr(istiodHTTPPort),
		"--grpcAddr="+addr(istiodGRPCPort),
		"--secureGRPCAddr="+addr(istiodSecureGRPCPort),
		"--httpsAddr="+addr(istiodWebhookPort),
		"--monitoringAddr="+addr(istiodMonitoringPort),
		"--tlsCertFile="+c.istiodCert,
		"--tlsKeyFile="+c.istiodKey,
		"--caCertFile="+c.caCert,
	)
}

// istiodEnv resolves the container's environment as a kubelet would (downward API
// fields); the chart's KUBECONFIG (a remote-cluster secret mount) is left out.
func istiodEnv(pod *corev1.Pod, container *corev1.Container) []string {
	var env []string
	for _, e := range container.Env {
		if e.Name == "KUBECONFIG" {
			continue
		}
		value := e.Value
		if e.ValueFrom != nil {
			switch {
			case e.ValueFrom.FieldRef != nil:
				switch e.ValueFrom.FieldRef.FieldPath {
				case "metadata.name":
					value = pod.Name
				case "metadata.namespace":
					value = pod.Namespace
				case "spec.serviceAccountName":
					value = pod.Spec.ServiceAccountName
				case "status.podIP":
					value = pod.Status.PodIP
				default:
					continue
				}
			default:
				// resourceFieldRef (GOMAXPROCS from limits.cpu) and the like: the process
				// keeps the machine's defaults.
				continue
			}
		}
		env = append(env, e.Name+"="+value)
	}
	return env
}

// mountConfigMaps writes the ConfigMaps the chart mounts into istiod's working directory,
// at the relative paths istiod reads by default.
func (p *istiodPods) mountConfigMaps(ctx context.Context, dir string) error {
	mounts := []struct{ configMap, path string }{
		{"istio", "etc/istio/config"},
		{"istio-sidecar-injector", "var/lib/istio/inject"},
	}
	for _, m := range mounts {
		cm, err := p.kube.CoreV1().ConfigMaps(IstioNamespace).Get(ctx, m.configMap, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("ConfigMap %s/%s: %w", IstioNamespace, m.configMap, err)
		}
		target := filepath.Join(dir, m.path)
		if err := os.MkdirAll(target, 0o700); err != nil {
			return err
		}
		for key, value := range cm.Data {
			if err := os.WriteFile(filepath.Join(target, key), []byte(value), 0o600); err != nil {
				return err
			}
		}
	}
	return nil
}

// serviceAccountKubeconfig gets a token for the pod's ServiceAccount, bound to the pod
// (the projected token a kubelet mounts), so istiod runs with the RBAC its chart grants.
func (p *istiodPods) serviceAccountKubeconfig(ctx context.Context, pod *corev1.Pod, dir string) (string, error) {
	expiration := int64(24 * 3600)
	request := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
		ExpirationSeconds: &expiration,
		BoundObjectRef:    &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: pod.Name, UID: pod.UID},
	}}
	token, err := p.kube.CoreV1().ServiceAccounts(pod.Namespace).CreateToken(ctx, pod.Spec.ServiceAccountName, request, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("token for ServiceAccount %s/%s: %w", pod.Namespace, pod.Spec.ServiceAccountName, err)
	}
	path := filepath.Join(dir, "kubeconfig")
	return path, writeTokenKubeconfig(path, p.server, p.certs, token.Status.Token)
}

func (p *istiodPods) createPortForward(ctx context.Context, pod string, ports map[int]int) error {
	var forwards []any
	for _, containerPort := range []int{istiodHTTPPort, istiodGRPCPort, istiodSecureGRPCPort, istiodWebhookPort, istiodMonitoringPort} {
		forwards = append(forwards, map[string]any{
			"ports":  []any{int64(containerPort)},
			"target": map[string]any{"address": "127.0.0.1", "port": int64(ports[containerPort])},
		})
	}
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kwok.x-k8s.io/v1alpha1",
		"kind":       "PortForward",
		"metadata":   map[string]any{"name": pod, "namespace": IstioNamespace},
		"spec":       map[string]any{"forwards": forwards},
	}}
	client := p.dynamic.Resource(portForwardGVR).Namespace(IstioNamespace)
	_, err := client.Create(ctx, obj, metav1.CreateOptions{FieldManager: fieldManager})
	if apierrors.IsAlreadyExists(err) {
		_ = client.Delete(ctx, pod, metav1.DeleteOptions{})
		_, err = client.Create(ctx, obj, metav1.CreateOptions{FieldManager: fieldManager})
	}
	if err != nil {
		return fmt.Errorf("PortForward for pod %s: %w", pod, err)
	}
	return nil
}

func (p *istiodPods) deletePortForward(ctx context.Context, pod string) {
	err := p.dynamic.Resource(portForwardGVR).Namespace(IstioNamespace).Delete(ctx, pod, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		p.logf("delete PortForward %s: %v", pod, err)
	}
}

func (p *istiodPods) stopAll() {
	p.mu.Lock()
	replicas := p.replicas
	p.replicas = map[string]*istiodReplica{}
	p.mu.Unlock()
	var wg sync.WaitGroup
	for _, r := range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.proc.Stop(15 * time.Second)
		}()
	}
	wg.Wait()
}

// waitHTTP waits until url answers 200, failing early when proc exits.
func waitHTTP(ctx context.Context, proc *process.Process, url string, timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	err := poll(ctx, timeout, func() (bool, error) {
		if exited, _ := proc.Exited(); exited {
			return false, proc.Failure()
		}
		resp, err := client.Get(url)
		if err != nil {
			return false, err
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK, fmt.Errorf("%s answered %d", url, resp.StatusCode)
	})
	if exited, _ := proc.Exited(); exited {
		return proc.Failure()
	}
	if err != nil {
		return fmt.Errorf("%s not ready: %w", proc.Spec.Name, err)
	}
	return nil
}
