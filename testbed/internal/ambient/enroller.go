package ambient

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// Enroller does istio-cni's node agent's part that istiod can see: a pod it should enrol
// (ShouldEnrol) gets the redirection annotation once it has an IP (its network is set up
// then), a pod that no longer should (its namespace or its own label changed) loses it.
// Like the node agent, it patches the pod's status subresource. There is no redirection
// to set up: the fleet routes ambient clients itself.
type Enroller struct {
	kube       kubernetes.Interface
	pods       corelisters.PodLister
	namespaces corelisters.NamespaceLister
	synced     []cache.InformerSynced
	queue      workqueue.TypedRateLimitingInterface[string]
	log        *slog.Logger
}

// NewEnroller registers the Enroller's handlers on factory's pod and namespace informers;
// start the factory, then Run.
func NewEnroller(kube kubernetes.Interface, factory informers.SharedInformerFactory, log *slog.Logger) *Enroller {
	e := &Enroller{
		kube:  kube,
		queue: workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]()),
		log:   log,
	}
	podInformer := factory.Core().V1().Pods()
	nsInformer := factory.Core().V1().Namespaces()
	e.pods, e.namespaces = podInformer.Lister(), nsInformer.Lister()
	e.synced = []cache.InformerSynced{podInformer.Informer().HasSynced, nsInformer.Informer().HasSynced}
	enqueue := func(obj any) {
		if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
			e.queue.Add(key)
		}
	}
	_, _ = podInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
	})
	// A namespace's label decides for all its pods.
	namespaceChanged := func(obj any) {
		ns, ok := obj.(*corev1.Namespace)
		if !ok {
			return
		}
		pods, _ := e.pods.Pods(ns.Name).List(labels.Everything())
		for _, p := range pods {
			e.queue.Add(p.Namespace + "/" + p.Name)
		}
	}
	_, _ = nsInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    namespaceChanged,
		UpdateFunc: func(_, obj any) { namespaceChanged(obj) },
	})
	return e
}

// Run reconciles pods until ctx ends.
func (e *Enroller) Run(ctx context.Context) {
	go func() {
		<-ctx.Done()
		e.queue.ShutDown()
	}()
	if !cache.WaitForCacheSync(ctx.Done(), e.synced...) {
		return
	}
	for {
		key, quit := e.queue.Get()
		if quit {
			return
		}
		if err := e.sync(ctx, key); err != nil {
			e.log.Warn("ambient enrolment failed, retrying", "pod", key, "err", err)
			e.queue.AddRateLimited(key)
		} else {
			e.queue.Forget(key)
		}
		e.queue.Done(key)
	}
}

func (e *Enroller) sync(ctx context.Context, key string) error {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	pod, err := e.pods.Pods(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	var nsLabels map[string]string
	if ns, err := e.namespaces.Get(namespace); err == nil {
		nsLabels = ns.Labels
	}
	want := ShouldEnrol(pod, nsLabels) && pod.Status.PodIP != "" && pod.DeletionTimestamp == nil
	if want == Enrolled(pod) {
		return nil
	}
	var value any // null removes the annotation
	if want {
		value = RedirectionEnabled
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]any{RedirectionAnnotation: value}}})
	if err != nil {
		return err
	}
	_, err = e.kube.CoreV1().Pods(namespace).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{}, "status")
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("annotate %s: %w", key, err)
	}
	e.log.Info("ambient enrolment", "pod", key, "enrolled", want)
	return nil
}
