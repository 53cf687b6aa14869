// Package peers describes the release controllers the test bed can run beside switchyard
// for the side-by-side benchmark (test/bench/peers.mjs): Flagger and Argo Rollouts, each
// built from its own module at the version its wrapper module pins
// (testbed/peers/<peer>/go.mod, built and cached by scripts/testbed.mjs), installed from
// its own manifests, copied by `go generate` (generate.go) into manifests/ and embedded so
// nothing reads a module cache at run time: its CRDs, and the ServiceAccount, ClusterRole
// and ClusterRoleBinding its install grants the controller, no more. The controller runs as
// a local process with a kubeconfig holding a token of that ServiceAccount.
package peers

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

//go:embed manifests
var manifests embed.FS

// Peer is one controller.
type Peer struct {
	// Name is the peer's name on the command line and its folder under manifests/ and
	// testbed/peers/.
	Name string
	// Module and Package are what its wrapper module builds; Binary the binary's name.
	Module, Package, Binary string
	// Namespace is where its install puts the controller's ServiceAccount.
	Namespace string
	// ServiceAccount the controller runs as.
	ServiceAccount string
}

// Flagger is fluxcd/flagger with its Istio install (kustomize/istio: namespace
// istio-system, -mesh-provider=istio, the metrics server being Istio's Prometheus).
var Flagger = Peer{
	Name: "flagger", Module: "github.com/fluxcd/flagger", Package: "github.com/fluxcd/flagger/cmd/flagger",
	Binary: "flagger", Namespace: "istio-system", ServiceAccount: "flagger",
}

// ArgoRollouts is argoproj/argo-rollouts with its cluster install (namespace
// argo-rollouts, as its docs create it).
var ArgoRollouts = Peer{
	Name: "argo-rollouts", Module: "github.com/argoproj/argo-rollouts",
	Package: "github.com/argoproj/argo-rollouts/cmd/rollouts-controller",
	Binary:  "rollouts-controller", Namespace: "argo-rollouts", ServiceAccount: "argo-rollouts",
}

// All are the peers by name.
var All = map[string]Peer{Flagger.Name: Flagger, ArgoRollouts.Name: ArgoRollouts}

// Names are the peers' names, sorted.
func Names() []string {
	out := make([]string, 0, len(All))
	for n := range All {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Parse reads a comma-separated list of peer names (`all` for every one).
func Parse(list string) ([]Peer, error) {
	var out []Peer
	seen := map[string]bool{}
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if name == "all" {
			return Parse(strings.Join(Names(), ","))
		}
		p, ok := All[name]
		if !ok {
			return nil, fmt.Errorf("unknown peer %q (one of %s, or all)", name, strings.Join(Names(), ", "))
		}
		if !seen[name] {
			seen[name] = true
			out = append(out, p)
		}
	}
	return out, nil
}

// CRDs is the peer's CustomResourceDefinitions, as its module ships them.
func (p Peer) CRDs() []byte { return mustRead(p.Name + "/crds.yaml") }

// RBAC is what the peer's install grants its controller: ServiceAccount, ClusterRole,
// ClusterRoleBinding (and, for Argo Rollouts, its empty ConfigMap and notification
// Secret), with namespaced objects and the binding's subject put in p.Namespace.
func (p Peer) RBAC() ([]map[string]any, error) {
	docs, err := decode(mustRead(p.Name + "/rbac.yaml"))
	if err != nil {
		return nil, err
	}
	if p.Name == Flagger.Name {
		// kustomize/istio replaces the base's binding with one to istio-system's account.
		patch, err := decode(mustRead(p.Name + "/istio-patch.yaml"))
		if err != nil {
			return nil, err
		}
		kept := docs[:0]
		for _, d := range docs {
			if kindOf(d) != "ClusterRoleBinding" {
				kept = append(kept, d)
			}
		}
		docs = kept
		for _, d := range patch {
			if kindOf(d) == "ClusterRoleBinding" {
				docs = append(docs, d)
			}
		}
	}
	for _, d := range docs {
		switch kindOf(d) {
		case "ServiceAccount", "ConfigMap", "Secret":
			d["metadata"].(map[string]any)["namespace"] = p.Namespace
		case "ClusterRoleBinding":
			for _, s := range d["subjects"].([]any) {
				s.(map[string]any)["namespace"] = p.Namespace
			}
		}
	}
	return docs, nil
}

// Args are the controller's arguments: its install's (Flagger's Istio overlay) with the
// kubeconfig, the metrics server and the listening ports of this test bed.
func (p Peer) Args(kubeconfig, prometheusURL string, ports [2]int) ([]string, error) {
	switch p.Name {
	case Flagger.Name:
		patch, err := decode(mustRead(p.Name + "/istio-patch.yaml"))
		if err != nil {
			return nil, err
		}
		var args []string
		for _, d := range patch {
			if kindOf(d) != "Deployment" {
				continue
			}
			spec := d["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)
			for _, c := range spec["containers"].([]any) {
				for _, a := range c.(map[string]any)["args"].([]any) {
					arg := a.(string)
					if strings.HasPrefix(arg, "-metrics-server=") {
						arg = "-metrics-server=" + prometheusURL
					}
					args = append(args, arg)
				}
			}
		}
		if len(args) == 0 {
			return nil, fmt.Errorf("flagger: no container args in its Istio patch")
		}
		return append(args, "-kubeconfig="+kubeconfig, fmt.Sprintf("-port=%d", ports[0])), nil
	case ArgoRollouts.Name:
		// The Deployment of manifests/base passes no arguments; its analysis names its
		// Prometheus in each AnalysisTemplate.
		return []string{"--kubeconfig=" + kubeconfig, fmt.Sprintf("--healthzPort=%d", ports[0]), fmt.Sprintf("--metricsPort=%d", ports[1])}, nil
	}
	return nil, fmt.Errorf("unknown peer %q", p.Name)
}

// Env is the controller's environment: Argo Rollouts finds its namespace (its ConfigMap
// and notification Secret) by POD_NAMESPACE, the downward API's value in its Deployment.
func (p Peer) Env() []string {
	if p.Name == ArgoRollouts.Name {
		return []string{"POD_NAMESPACE=" + p.Namespace}
	}
	return nil
}

// Healthz is the path its liveness probe reads on ports[0].
func (p Peer) Healthz() string { return "/healthz" }

func mustRead(name string) []byte {
	data, err := manifests.ReadFile("manifests/" + name)
	if err != nil {
		panic(err)
	}
	return data
}

func kindOf(d map[string]any) string {
	k, _ := d["kind"].(string)
	return k
}

func decode(data []byte) ([]map[string]any, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []map[string]any
	for {
		var d map[string]any
		if err := dec.Decode(&d); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, err
		}
		if d != nil {
			out = append(out, d)
		}
	}
}
