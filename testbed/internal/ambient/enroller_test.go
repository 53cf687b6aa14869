package ambient

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	kubefake "k8s.io/client-go/kubernetes/fake"
)

func TestEnrollerAnnotatesEnrolledPodsAndUnenrolsThem(t *testing.T) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "bookinfo", Labels: map[string]string{DataplaneModeLabel: "ambient"}}}
	running := func(name, ip string, l map[string]string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "bookinfo", Labels: l}, Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip}}
	}
	kube := kubefake.NewClientset(ns,
		running("reviews-1", "10.0.0.2", nil),
		running("waypoint-1", "10.0.0.3", map[string]string{DataplaneModeLabel: "none"}),
		running("pending-1", "", nil))
	factory := informers.NewSharedInformerFactory(kube, 0)
	e := NewEnroller(kube, factory, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	factory.Start(ctx.Done())
	go e.Run(ctx)

	annotated := func(name string) bool {
		p, err := kube.CoreV1().Pods("bookinfo").Get(ctx, name, metav1.GetOptions{})
		return err == nil && Enrolled(p)
	}
	eventually(t, "reviews-1 enrolled", func() bool { return annotated("reviews-1") })
	if annotated("waypoint-1") || annotated("pending-1") {
		t.Fatal("an opted-out pod, or one without an IP, was enrolled")
	}
	// The pod gets its IP: enrolled then.
	if _, err := kube.CoreV1().Pods("bookinfo").UpdateStatus(ctx, running("pending-1", "10.0.0.4", nil), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "pending-1 enrolled once it has an IP", func() bool { return annotated("pending-1") })
	// The namespace leaves ambient: its pods lose the annotation.
	ns = ns.DeepCopy()
	ns.Labels = nil
	if _, err := kube.CoreV1().Namespaces().Update(ctx, ns, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "pods unenrolled", func() bool { return !annotated("reviews-1") && !annotated("pending-1") })
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
