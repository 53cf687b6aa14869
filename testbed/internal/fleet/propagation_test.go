package fleet

import (
	"context"
	"io"
	"log/slog"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	kubefake "k8s.io/client-go/kubernetes/fake"

	"github.com/switchyard/switchyard/testbed/internal/istiometrics"
	"github.com/switchyard/switchyard/testbed/internal/scenario"
	"github.com/switchyard/switchyard/testbed/internal/xdsclient"
)

func TestPropagationProfiles(t *testing.T) {
	ip := func(addr string) func(*corev1.Pod) { return func(p *corev1.Pod) { p.Status.PodIP = addr } }
	kube := kubefake.NewClientset(pod("reviews-b", ip("10.0.0.2")), pod("reviews-a", ip("10.0.0.3")))
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), map[schema.GroupVersionResource]string{PortForwards: "PortForwardList"})
	f := New(Options{
		Kube: kube, Dynamic: dyn, Istiod: []string{"127.0.0.1:1"},
		Node:     xdsclient.NodeOptions{IstioVersion: "1.31.0", ClusterID: "Kubernetes", DNSDomain: "cluster.local"},
		Identity: istiometrics.DefaultIdentity,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	eventually(t, "two proxies", func() bool { return len(f.Proxies()) == 2 })

	if _, err := f.SetPropagation(scenario.Propagation{Profile: scenario.ProfileSlow}, nil); err == nil {
		t.Fatal("a straggler was chosen with no client and no stragglerFrom")
	}
	if _, err := f.SetPropagation(scenario.Propagation{Profile: scenario.ProfileSlow, StragglerFrom: &scenario.ProxyMatch{Pod: "ratings-*"}}, nil); err == nil {
		t.Fatal("a straggler was chosen from no matching proxy")
	}
	// A stuck override set by the user keeps holding the straggler.
	f.SetOverrides([]scenario.Override{{Match: scenario.ProxyMatch{Pod: "reviews-a"}, Stuck: true}})
	clients := []scenario.Client{{Name: "idle", Namespace: "bookinfo"}, {Name: "reviews-a", Namespace: "bookinfo", Rps: 5}}
	// Without stragglerFrom: the first proxy of the first client that sends.
	st, err := f.SetPropagation(scenario.Propagation{Profile: scenario.ProfileSlow}, clients)
	if err != nil {
		t.Fatal(err)
	}
	slow := scenario.Profiles[scenario.ProfileSlow]
	if st.Straggler != "bookinfo/reviews-a" || *st.StragglerDelay != *slow.Straggler || st.ApplyDelay != slow.ApplyDelay || f.Propagation() != st {
		t.Fatalf("state %+v", st)
	}
	eventually(t, "the straggler slower, the other at the profile's delay", func() bool {
		ps := f.Proxies() // sorted: reviews-a, reviews-b
		return ps[0].Settings.ApplyDelay == *slow.Straggler && ps[0].Settings.Stuck &&
			ps[1].Settings.ApplyDelay == slow.ApplyDelay && !ps[1].Settings.Stuck
	})

	// Normal has no straggler; a delay set by hand is no profile.
	if st, err = f.SetPropagation(scenario.Propagation{Profile: scenario.ProfileNormal}, clients); err != nil || st.Straggler != "" {
		t.Fatalf("normal: %+v %v", st, err)
	}
	eventually(t, "every proxy at the normal delay", func() bool {
		ps := f.Proxies()
		return ps[0].Settings.ApplyDelay == scenario.DefaultApplyDelay && ps[1].Settings.ApplyDelay == scenario.DefaultApplyDelay
	})
	f.SetApplyDelay(scenario.Latency{MedianMs: 1, P99Ms: 2})
	if f.Propagation().Profile != "" {
		t.Fatalf("profile after a hand-set delay: %+v", f.Propagation())
	}
}
