package traffic

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/switchyard/switchyard/testbed/internal/istiometrics"
	"github.com/switchyard/switchyard/testbed/internal/scenario"
	"github.com/switchyard/switchyard/testbed/internal/xdsclient"
)

func groundTruthGenerator(t *testing.T, world *fakeWorld) (*Generator, *GroundTruth, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	truth := NewGroundTruth(1000, reg)
	g := New(Options{World: world, Metrics: istiometrics.New(), Behaviour: behaviours, Identity: istiometrics.DefaultIdentity, Seed: 3, GroundTruth: truth})
	g.SetClients([]scenario.Client{{Name: "productpage", Namespace: "bookinfo", Rps: 100, Target: scenario.Target{Host: "reviews", Port: 9080, Path: "/"}}})
	return g, truth, reg
}

func TestGroundTruthRecordsWhoAnsweredAndRequestsToGonePods(t *testing.T) {
	world := newWorld(clientSnapshot(50, 50))
	// green's pod was scaled down, but the client proxy's EDS still lists it.
	delete(world.pods, "10.0.0.3")
	g, truth, reg := groundTruthGenerator(t, world)
	g.Step(time.Second)
	drain(g)
	page := truth.Since(0, 1000)
	if len(page.Records) != 100 || page.Next != 100 || page.Dropped != 0 {
		t.Fatalf("page of %d records, next %d, dropped %d", len(page.Records), page.Next, page.Dropped)
	}
	counts := map[string]int{}
	for _, r := range page.Records {
		switch {
		case r.Image == "reviews:v1" && r.Status == 200 && r.Gone == 0 && r.Workload == "reviews-blue" && r.Pod == "productpage-1":
			counts["blue"]++
		case r.Image == "" && r.Status == 503 && r.Flags == "UF" && r.Gone == 1 && r.Failed():
			counts["gone"]++
		default:
			t.Fatalf("unexpected record %+v", r)
		}
	}
	if counts["blue"] == 0 || counts["gone"] == 0 || counts["blue"]+counts["gone"] != 100 {
		t.Fatalf("counts %v", counts)
	}
	gone := testutil.ToFloat64(truth.requests.WithLabelValues("bookinfo", "productpage", ShareNone, "503", "UF", "true"))
	if int(gone) != counts["gone"] {
		t.Fatalf("fleet_client_requests_total for gone pods = %v, want %d", gone, counts["gone"])
	}
	if n, err := testutil.GatherAndCount(reg, "fleet_client_requests_total"); err != nil || n != 2 {
		t.Fatalf("series %d (%v), want 2", n, err)
	}
}

func TestGroundTruthRouteWindows(t *testing.T) {
	applied := clientSnapshot(80, 20)
	world := newWorld(applied)
	world.senders[0].Proxy = func() *xdsclient.Snapshot { return applied }
	g, truth, reg := groundTruthGenerator(t, world)
	g.Step(100 * time.Millisecond)
	windows := map[string]RouteWindow{}
	for _, w := range truth.Routes() {
		windows[w.Image] = w
	}
	bad := windows["reviews:bad"]
	if bad.Share != 0.2 || bad.PerProxy["productpage-1"] != 0.2 || bad.RoutedSince == 0 || bad.UnroutedSince != 0 {
		t.Fatalf("bad window %+v", bad)
	}
	if windows["reviews:v1"].Share != 0.8 {
		t.Fatalf("windows %+v", windows)
	}
	if v := testutil.ToFloat64(truth.share.WithLabelValues("bookinfo", "productpage", "productpage-1", "reviews:bad")); v != 0.2 {
		t.Fatalf("fleet_route_share = %v", v)
	}

	// The proxy applies routes that send nothing to green: the window closes at that step.
	applied = clientSnapshot(100, 0)
	g.Step(100 * time.Millisecond)
	for _, w := range truth.Routes() {
		windows[w.Image] = w
	}
	bad = windows["reviews:bad"]
	if bad.Share != 0 || bad.UnroutedSince != bad.ObservedAt || bad.UnroutedSince <= bad.RoutedSince {
		t.Fatalf("bad window after the rollback %+v", bad)
	}
	if n, _ := testutil.GatherAndCount(reg, "fleet_route_share"); n != 1 {
		t.Fatalf("fleet_route_share series %d, want only the one image still routed", n)
	}

	// Green's pod goes away while a proxy still sends to its subset: the share is gone.
	applied = clientSnapshot(0, 100)
	delete(world.pods, "10.0.0.3")
	g.Step(100 * time.Millisecond)
	for _, w := range truth.Routes() {
		windows[w.Image] = w
	}
	if windows[ShareGone].Share != 1 || windows["reviews:v1"].Share != 0 {
		t.Fatalf("windows %+v", windows)
	}
}

func TestGroundTruthPagesAndDrops(t *testing.T) {
	truth := NewGroundTruth(3, nil)
	for i := 0; i < 5; i++ {
		truth.record(RequestRecord{Namespace: "ns", Client: "c", Status: 200})
	}
	page := truth.Since(0, 10)
	if page.Dropped != 2 || len(page.Records) != 3 || page.Records[0].Seq != 3 || page.Next != 5 {
		t.Fatalf("page %+v", page)
	}
	page = truth.Since(3, 1)
	if page.Dropped != 0 || len(page.Records) != 1 || page.Records[0].Seq != 4 || page.Next != 4 {
		t.Fatalf("page %+v", page)
	}
	if page = truth.Since(5, 10); len(page.Records) != 0 || page.Next != 5 {
		t.Fatalf("page %+v", page)
	}
}

// An ambient client has no proxy of its own: its route shares are its Service's waypoint's
// (before, the ground truth called the nil proxy and the fleet crashed).
func TestGroundTruthRouteSharesOfAnAmbientClientAreItsWaypoints(t *testing.T) {
	g, truth, _ := groundTruthGenerator(t, ambientWorld(waypointSnapshot(80, 20), 2))
	g.Step(100 * time.Millisecond)
	windows := map[string]RouteWindow{}
	for _, w := range truth.Routes() {
		windows[w.Image] = w
	}
	if !nearShare(windows["reviews:v1"].Share, 0.8) || !nearShare(windows["reviews:bad"].PerProxy["productpage-1"], 0.2) {
		t.Fatalf("windows %+v", windows)
	}

	// Not bound to a waypoint: ztunnel at L4 over the Service's ready endpoints.
	world := ambientWorld(waypointSnapshot(80, 20), 1)
	world.waypoints = nil
	g, truth, _ = groundTruthGenerator(t, world)
	g.Step(100 * time.Millisecond)
	windows = map[string]RouteWindow{}
	for _, w := range truth.Routes() {
		windows[w.Image] = w
	}
	if windows[ShareNone].Share != 0 || windows["reviews:v1"].Share == 0 {
		t.Fatalf("windows without a waypoint %+v", windows)
	}
}

func nearShare(got, want float64) bool { return got > want-1e-9 && got < want+1e-9 }

// An ambient client's requests through its waypoint are in the ground truth as the
// application saw them: who answered, and attempts at a pod that is gone (before, only
// requests a sidecar or a gateway sent were recorded).
func TestGroundTruthRecordsAnAmbientClientsRequestsThroughItsWaypoint(t *testing.T) {
	g, truth, _ := groundTruthGenerator(t, ambientWorld(waypointSnapshot(80, 20), 1))
	g.Step(time.Second)
	drain(g)
	page := truth.Since(0, 1000)
	counts := map[string]int{}
	for _, r := range page.Records {
		switch {
		case r.Image == "reviews:v1" && r.Workload == "reviews-blue" && r.Status == 200 && r.Pod == "productpage-1" && r.Gone == 0:
			counts["blue"]++
		case r.Image == "reviews:bad" && r.Workload == "reviews-green" && r.Status == 500 && r.Pod == "productpage-1" && r.Gone == 0:
			counts["green"]++
		default:
			t.Fatalf("unexpected record %+v", r)
		}
	}
	if len(page.Records) != 100 || counts["blue"] == 0 || counts["green"] == 0 {
		t.Fatalf("%d records, counts %v", len(page.Records), counts)
	}

	// green's pod was scaled down, but the waypoint's endpoints still list it.
	world := ambientWorld(waypointSnapshot(50, 50), 1)
	delete(world.pods, "10.0.0.3")
	g, truth, _ = groundTruthGenerator(t, world)
	g.Step(time.Second)
	drain(g)
	page = truth.Since(0, 1000)
	gone := 0
	for _, r := range page.Records {
		if r.Gone == 1 && r.Image == "" && r.Failed() {
			gone++
		} else if r.Image != "reviews:v1" || r.Gone != 0 {
			t.Fatalf("unexpected record %+v", r)
		}
	}
	if len(page.Records) != 100 || gone == 0 {
		t.Fatalf("%d records, %d to the gone pod", len(page.Records), gone)
	}
}
