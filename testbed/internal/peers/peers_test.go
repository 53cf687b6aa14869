package peers

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The copies must come from the version each wrapper module pins: moving a peer without
// `go generate ./internal/peers` fails here.
func TestManifestsAreThePinnedRelease(t *testing.T) {
	for _, p := range All {
		gomod, err := os.ReadFile(filepath.Join("..", "..", "peers", p.Name, "go.mod"))
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`(?m)^\s*(?:require )?` + regexp.QuoteMeta(p.Module) + ` (v\S+)`).FindSubmatch(gomod)
		if m == nil {
			t.Fatalf("%s: go.mod does not require %s", p.Name, p.Module)
		}
		if !regexp.MustCompile(`(?m)^tool ` + regexp.QuoteMeta(p.Package) + `$`).Match(gomod) {
			t.Fatalf("%s: go.mod has no tool line for %s", p.Name, p.Package)
		}
		for _, data := range [][]byte{p.CRDs(), mustRead(p.Name + "/rbac.yaml")} {
			want := "from " + p.Module + "@" + string(m[1])
			if !strings.Contains(strings.SplitN(string(data), "\n", 2)[0], want) {
				t.Fatalf("%s: copy not generated %s: run go generate ./internal/peers", p.Name, want)
			}
		}
	}
}

func TestPeerInstall(t *testing.T) {
	for _, tt := range []struct {
		peer  Peer
		crds  []string
		roles int
	}{
		{Flagger, []string{"canaries.flagger.app", "metrictemplates.flagger.app", "alertproviders.flagger.app"}, 1},
		{ArgoRollouts, []string{"rollouts.argoproj.io", "analysisruns.argoproj.io", "analysistemplates.argoproj.io"}, 1},
	} {
		t.Run(tt.peer.Name, func(t *testing.T) {
			for _, crd := range tt.crds {
				if !strings.Contains(string(tt.peer.CRDs()), "name: "+crd+"\n") {
					t.Fatalf("CRD %s missing", crd)
				}
			}
			docs, err := tt.peer.RBAC()
			if err != nil {
				t.Fatal(err)
			}
			kinds := map[string]int{}
			for _, d := range docs {
				kinds[kindOf(d)]++
				meta := d["metadata"].(map[string]any)
				switch kindOf(d) {
				case "ServiceAccount":
					if meta["name"] != tt.peer.ServiceAccount || meta["namespace"] != tt.peer.Namespace {
						t.Fatalf("service account %v", meta)
					}
				case "ClusterRoleBinding":
					s := d["subjects"].([]any)[0].(map[string]any)
					if s["name"] != tt.peer.ServiceAccount || s["namespace"] != tt.peer.Namespace {
						t.Fatalf("binding subject %v", s)
					}
				}
			}
			if kinds["ClusterRole"] != tt.roles || kinds["ClusterRoleBinding"] != 1 || kinds["ServiceAccount"] != 1 || kinds["Role"] != 0 {
				t.Fatalf("kinds %v", kinds)
			}
			args, err := tt.peer.Args("/kc", "http://127.0.0.1:9", [2]int{1, 2})
			if err != nil {
				t.Fatal(err)
			}
			joined := strings.Join(args, " ")
			if !strings.Contains(joined, "kubeconfig=/kc") {
				t.Fatalf("args %v", args)
			}
			if tt.peer.Name == Flagger.Name && !strings.Contains(joined, "-mesh-provider=istio") || tt.peer.Name == Flagger.Name && !strings.Contains(joined, "-metrics-server=http://127.0.0.1:9") {
				t.Fatalf("flagger args %v: the Istio overlay's, with this bed's Prometheus", args)
			}
		})
	}
	if _, err := Parse("flagger,nope"); err == nil || !strings.Contains(err.Error(), "argo-rollouts, flagger") {
		t.Fatalf("Parse error %v", err)
	}
	if ps, err := Parse("all"); err != nil || len(ps) != 2 {
		t.Fatalf("Parse(all) %v %v", ps, err)
	}
}
