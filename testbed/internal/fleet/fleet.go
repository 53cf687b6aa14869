// Package fleet runs one proxy per proxy pod: it watches pods (all namespaces), tells by
// the istio-proxy container's arguments what each runs as (sidecar, gateway router,
// waypoint, ztunnel), starts an xDS client with an Envoy admin listener for every sidecar,
// router and waypoint pod that is Running with an IP (delta xDS for waypoints), maps the
// pod's port 15000 to that listener with a KWOK PortForward, and stops both when the pod
// goes away or stops running. ztunnel pods are listed as not played. With Options.Ambient
// it also enrols pods in ambient mode as istio-cni would. It answers the traffic
// generator's questions about the cluster (pods by IP, Services, endpoints, ambient
// clients and the waypoints of Services) from the same informers.
package fleet

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"github.com/switchyard/switchyard/testbed/internal/ambient"
	"github.com/switchyard/switchyard/testbed/internal/envoyadmin"
	"github.com/switchyard/switchyard/testbed/internal/istiometrics"
	"github.com/switchyard/switchyard/testbed/internal/scenario"
	"github.com/switchyard/switchyard/testbed/internal/traffic"
	"github.com/switchyard/switchyard/testbed/internal/xdsclient"
)

// Options configure a Fleet.
type Options struct {
	Kube    kubernetes.Interface
	Dynamic dynamic.Interface
	// Istiod are the replicas' plaintext xDS addresses.
	Istiod   []string
	Node     xdsclient.NodeOptions
	Identity istiometrics.Identity
	Logger   *slog.Logger
	// Ambient: do istio-cni's enrolment (ambient.Enroller) for the cluster's pods.
	Ambient bool
}

// Fleet is the set of proxies.
type Fleet struct {
	opts  Options
	log   *slog.Logger
	queue workqueue.TypedRateLimitingInterface[string]

	pods       corelisters.PodLister
	podIndex   cache.Indexer
	services   corelisters.ServiceLister
	namespaces corelisters.NamespaceLister
	slices     discoverylisters.EndpointSliceLister
	enroller   *ambient.Enroller
	synced     []cache.InformerSynced
	// startInformers starts the informer factory.
	startInformers func(stop <-chan struct{})

	mu         sync.RWMutex
	ctx        context.Context
	proxies    map[string]*Proxy
	unplayed   map[string]UnplayedPod
	overrides  []scenario.Override
	applyDelay scenario.Latency
	images     map[string]scenario.Behaviour
	started    int
	// propagation is the profile last set (propagation.go); its straggler override comes
	// before the user's overrides, so theirs win.
	propagation PropagationState
}

const ipIndex = "ip"

// New wires informers; Run starts them.
func New(opts Options) *Fleet {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	f := &Fleet{
		opts:       opts,
		log:        log,
		queue:      workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]()),
		proxies:    map[string]*Proxy{},
		unplayed:   map[string]UnplayedPod{},
		applyDelay: scenario.DefaultApplyDelay,
		images:     map[string]scenario.Behaviour{},
	}
	factory := informers.NewSharedInformerFactory(opts.Kube, 0)
	podInformer := factory.Core().V1().Pods()
	_ = podInformer.Informer().AddIndexers(cache.Indexers{ipIndex: func(obj any) ([]string, error) {
		if pod, ok := obj.(*corev1.Pod); ok && pod.Status.PodIP != "" {
			return []string{pod.Status.PodIP}, nil
		}
		return nil, nil
	}})
	enqueue := func(obj any) {
		if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
			f.queue.Add(key)
		}
	}
	_, _ = podInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
		DeleteFunc: enqueue,
	})
	f.pods = podInformer.Lister()
	f.podIndex = podInformer.Informer().GetIndexer()
	f.services = factory.Core().V1().Services().Lister()
	f.namespaces = factory.Core().V1().Namespaces().Lister()
	f.slices = factory.Discovery().V1().EndpointSlices().Lister()
	f.synced = []cache.InformerSynced{
		podInformer.Informer().HasSynced,
		factory.Core().V1().Services().Informer().HasSynced,
		factory.Core().V1().Namespaces().Informer().HasSynced,
		factory.Discovery().V1().EndpointSlices().Informer().HasSynced,
	}
	if opts.Ambient {
		f.enroller = ambient.NewEnroller(opts.Kube, factory, log.With("component", "ambient-enrolment"))
	}
	f.startInformers = func(stop <-chan struct{}) { factory.Start(stop) }
	return f
}

// Run watches pods and keeps one proxy per sidecar pod until ctx ends, then stops every
// proxy and deletes its PortForward.
func (f *Fleet) Run(ctx context.Context) error {
	f.mu.Lock()
	f.ctx = ctx
	f.mu.Unlock()
	f.startInformers(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), f.synced...) {
		return fmt.Errorf("pod, service and endpointslice caches did not sync")
	}
	f.log.Info("watching pods", "istiod", f.opts.Istiod, "ambient", f.opts.Ambient)
	if f.enroller != nil {
		go f.enroller.Run(ctx)
	}
	go func() {
		<-ctx.Done()
		f.queue.ShutDown()
	}()
	for f.processNext() {
	}
	f.stopAll()
	return nil
}

func (f *Fleet) processNext() bool {
	key, quit := f.queue.Get()
	if quit {
		return false
	}
	defer f.queue.Done(key)
	if err := f.sync(key); err != nil {
		f.log.Warn("pod sync failed, retrying", "pod", key, "err", err)
		f.queue.AddRateLimited(key)
		return true
	}
	f.queue.Forget(key)
	return true
}

func (f *Fleet) sync(key string) error {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	pod, err := f.pods.Pods(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		pod = nil
	} else if err != nil {
		return err
	}
	f.noteUnplayed(key, pod)
	f.mu.RLock()
	p := f.proxies[key]
	f.mu.RUnlock()
	if pod == nil || !WantsProxy(pod) {
		if p != nil {
			f.stop(p)
		}
		return nil
	}
	if p != nil && (p.uid != pod.UID || p.ip != pod.Status.PodIP) {
		f.stop(p)
		p = nil
	}
	if p == nil {
		if p, err = f.start(pod); err != nil {
			return err
		}
	}
	if !p.portForwarded {
		ctx, cancel := context.WithTimeout(f.ctx, 10*time.Second)
		defer cancel()
		uid, err := ensurePortForward(ctx, f.opts.Dynamic, PortForwardObject(pod.Namespace, pod.Name, pod.UID, p.admin.Port()))
		f.mu.Lock()
		p.portForwardUID, p.portForwarded, p.portForwardError = uid, err == nil, ""
		if err != nil {
			p.portForwardError = err.Error()
		}
		f.mu.Unlock()
		if err != nil {
			return err
		}
	}
	return nil
}

// UnplayedPod is a proxy pod the fleet recognises but does not play.
type UnplayedPod struct {
	Pod       string             `json:"pod"`
	Namespace string             `json:"namespace"`
	ProxyType xdsclient.NodeType `json:"proxyType"`
	Reason    string             `json:"reason"`
}

// noteUnplayed records (or forgets) a Running proxy pod of a type the fleet does not play.
func (f *Fleet) noteUnplayed(key string, pod *corev1.Pod) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.unplayed, key)
	if pod == nil || !IsRunningWithIP(pod) {
		return
	}
	if t, ok := ProxyTypeOf(pod); ok && !Plays(t) {
		f.unplayed[key] = UnplayedPod{Pod: pod.Name, Namespace: pod.Namespace, ProxyType: t,
			Reason: "ztunnel is not played: no xDS connection, no config_dump; the fleet routes ambient clients' L4 hop itself"}
	}
}

// Unplayed lists the proxy pods the fleet recognises but does not play, by namespace and
// pod.
func (f *Fleet) Unplayed() []UnplayedPod {
	f.mu.RLock()
	out := make([]UnplayedPod, 0, len(f.unplayed))
	for _, u := range f.unplayed {
		out = append(out, u)
	}
	f.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		return out[i].Namespace+"/"+out[i].Pod < out[j].Namespace+"/"+out[j].Pod
	})
	return out
}

func (f *Fleet) start(pod *corev1.Pod) (*Proxy, error) {
	proxyType, _ := ProxyTypeOf(pod)
	boot := bootstrapPod(pod, proxyType)
	node, err := xdsclient.BuildNode(boot, f.opts.Node)
	if err != nil {
		return nil, err
	}
	identity := scenario.ProxyIdentity{Namespace: pod.Namespace, Workload: boot.Workload, Pod: pod.Name, ProxyType: string(proxyType)}
	f.mu.Lock()
	settings := scenario.SettingsFor(f.effectiveOverrides(), f.applyDelay, identity)
	first := f.started % len(f.opts.Istiod)
	f.started++
	f.mu.Unlock()
	p := &Proxy{
		key:       pod.Namespace + "/" + pod.Name,
		identity:  identity,
		uid:       pod.UID,
		ip:        pod.Status.PodIP,
		node:      node,
		startedAt: time.Now(),
		workload:  istiometrics.WorkloadOf(pod, f.opts.Identity),
		done:      make(chan struct{}),
	}
	opts := xdsclient.Options{
		Node:      node,
		Addresses: f.opts.Istiod,
		First:     first,
		Settings:  settings,
		Logger:    f.log.With("proxy", node.GetId()),
		Seed:      uint64(time.Now().UnixNano()),
	}
	if proxyType == xdsclient.Waypoint {
		// pilot-agent's bootstrap forces delta xDS for waypoints; their routes are inline in
		// LDS, so that is the type a reject override refuses.
		opts.Delta, opts.RoutesType = true, xdsclient.ListenerType
	}
	p.client = xdsclient.New(opts)
	admin, err := envoyadmin.Listen(p)
	if err != nil {
		return nil, fmt.Errorf("admin listener for %s: %w", p.key, err)
	}
	p.admin = admin
	ctx, cancel := context.WithCancel(f.ctx)
	p.cancel = cancel
	go func() {
		defer close(p.done)
		p.client.Run(ctx)
	}()
	f.mu.Lock()
	f.proxies[p.key] = p
	f.mu.Unlock()
	f.log.Info("proxy started", "pod", p.key, "node", node.GetId(), "admin", admin.Port(), "istiod", f.opts.Istiod[first])
	return p, nil
}

func (f *Fleet) stop(p *Proxy) {
	f.mu.Lock()
	if f.proxies[p.key] == p {
		delete(f.proxies, p.key)
	}
	f.mu.Unlock()
	p.cancel()
	<-p.done
	p.admin.Close()
	if p.portForwarded {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := deletePortForward(ctx, f.opts.Dynamic, p.identity.Namespace, p.identity.Pod, p.portForwardUID); err != nil {
			f.log.Warn("PortForward not deleted", "pod", p.key, "err", err)
		}
	}
	f.log.Info("proxy stopped", "pod", p.key)
}

func (f *Fleet) stopAll() {
	f.mu.RLock()
	all := make([]*Proxy, 0, len(f.proxies))
	for _, p := range f.proxies {
		all = append(all, p)
	}
	f.mu.RUnlock()
	var wg sync.WaitGroup
	for _, p := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.stop(p)
		}()
	}
	wg.Wait()
}

// SetOverrides replaces the proxy overrides and applies them to every proxy.
func (f *Fleet) SetOverrides(overrides []scenario.Override) {
	f.mu.Lock()
	f.overrides = append([]scenario.Override{}, overrides...)
	f.mu.Unlock()
	f.resettle()
}

// SetApplyDelay sets the default apply delay.
func (f *Fleet) SetApplyDelay(l scenario.Latency) {
	f.mu.Lock()
	f.applyDelay = l
	// A delay set by hand is no profile: the straggler goes too.
	f.propagation = PropagationState{}
	f.mu.Unlock()
	f.resettle()
}

func (f *Fleet) resettle() {
	f.mu.RLock()
	defer f.mu.RUnlock()
	for _, p := range f.proxies {
		p.client.SetSettings(scenario.SettingsFor(f.effectiveOverrides(), f.applyDelay, p.identity))
	}
}

// Overrides and ApplyDelay are the current settings.
func (f *Fleet) Overrides() []scenario.Override {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return append([]scenario.Override{}, f.overrides...)
}

// ApplyDelay is the default apply delay.
func (f *Fleet) ApplyDelay() scenario.Latency {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.applyDelay
}

// SetBehaviour sets how an image behaves from now on.
func (f *Fleet) SetBehaviour(image string, b scenario.Behaviour) {
	f.mu.Lock()
	f.images[image] = b
	f.mu.Unlock()
}

// Behaviour is the image's behaviour, else the `default` entry's, else the built-in one.
func (f *Fleet) Behaviour(image string) scenario.Behaviour {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if b, ok := f.images[image]; ok {
		return b
	}
	if b, ok := f.images["default"]; ok {
		return b
	}
	return scenario.DefaultBehaviour
}

// Images are the behaviours set.
func (f *Fleet) Images() map[string]scenario.Behaviour {
	f.mu.RLock()
	defer f.mu.RUnlock()
	out := make(map[string]scenario.Behaviour, len(f.images))
	for k, v := range f.images {
		out[k] = v
	}
	return out
}

// Proxies describes every proxy, sorted by namespace and pod.
func (f *Fleet) Proxies() []ProxyState {
	f.mu.RLock()
	all := make([]*Proxy, 0, len(f.proxies))
	for _, p := range f.proxies {
		all = append(all, p)
	}
	f.mu.RUnlock()
	sort.Slice(all, func(i, j int) bool { return all[i].key < all[j].key })
	out := make([]ProxyState, 0, len(all))
	for _, p := range all {
		f.mu.RLock()
		forwarded, pfErr := p.portForwarded, p.portForwardError
		f.mu.RUnlock()
		out = append(out, p.state(forwarded, pfErr))
	}
	return out
}

// Senders implements traffic.World: the workload's Running and Ready pods, ambient ones
// (enrolled, no proxy) first, then those with a proxy, a gateway's routers included
// (whose clients come from outside the mesh).
func (f *Fleet) Senders(namespace, workload string) []traffic.Sender {
	f.mu.RLock()
	var candidates []*Proxy
	for _, p := range f.proxies {
		if p.identity.Namespace == namespace && p.identity.Workload == workload && p.identity.ProxyType != string(xdsclient.Waypoint) {
			candidates = append(candidates, p)
		}
	}
	f.mu.RUnlock()
	sort.Slice(candidates, func(i, j int) bool { return candidates[i].key < candidates[j].key })
	out := f.ambientSenders(namespace, workload)
	for _, p := range candidates {
		pod, err := f.pods.Pods(namespace).Get(p.identity.Pod)
		if err != nil || pod.UID != p.uid || !IsReady(pod) {
			continue
		}
		out = append(out, traffic.Sender{Pod: p.identity.Pod, Workload: p.workload, Proxy: p.client.Snapshot,
			Gateway: p.identity.ProxyType == string(xdsclient.Router)})
	}
	return out
}

// PodByIP implements traffic.World: the Running pod with that IP.
func (f *Fleet) PodByIP(ip string) (traffic.Pod, bool) {
	objs, err := f.podIndex.ByIndex(ipIndex, ip)
	if err != nil {
		return traffic.Pod{}, false
	}
	for _, obj := range objs {
		pod, ok := obj.(*corev1.Pod)
		if !ok || pod.Status.Phase != corev1.PodRunning {
			continue
		}
		out := traffic.Pod{
			Namespace: pod.Namespace,
			Name:      pod.Name,
			IP:        ip,
			Ready:     IsReady(pod),
			Image:     AppImage(pod),
			Workload:  istiometrics.WorkloadOf(pod, f.opts.Identity),
			Sidecar:   IsSidecarPod(pod),

			Terminating: pod.DeletionTimestamp != nil,
		}
		f.mu.RLock()
		if p := f.proxies[pod.Namespace+"/"+pod.Name]; p != nil && p.uid == pod.UID {
			out.Proxy = p.client.Snapshot
		}
		f.mu.RUnlock()
		return out, true
	}
	return traffic.Pod{}, false
}

// ServiceExists implements traffic.World.
func (f *Fleet) ServiceExists(namespace, name string) bool {
	_, err := f.services.Services(namespace).Get(name)
	return err == nil
}

// ServiceEndpoints implements traffic.World: ready addresses of the Service's
// EndpointSlices.
func (f *Fleet) ServiceEndpoints(namespace, name string) []string {
	slices, err := f.slices.EndpointSlices(namespace).List(labels.SelectorFromSet(labels.Set{discoveryv1.LabelServiceName: name}))
	if err != nil {
		return nil
	}
	var out []string
	for _, s := range slices {
		for _, e := range s.Endpoints {
			if e.Conditions.Ready != nil && !*e.Conditions.Ready {
				continue
			}
			out = append(out, e.Addresses...)
		}
	}
	sort.Strings(out)
	return out
}

var _ traffic.World = (*Fleet)(nil)
