package gatewayapi

import (
	"bytes"
	"errors"
	"io"
	"os"
	"regexp"
	"sort"
	"testing"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

type object struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name        string            `json:"name"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
}

func decode(t *testing.T, data []byte) []object {
	t.Helper()
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []object
	for {
		var o object
		if err := dec.Decode(&o); err != nil {
			if errors.Is(err, io.EOF) {
				return out
			}
			t.Fatal(err)
		}
		if o.Kind != "" {
			out = append(out, o)
		}
	}
}

// pinnedVersion is the gateway-api version testbed/go.mod selects.
func pinnedVersion(t *testing.T) string {
	t.Helper()
	gomod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*sigs\.k8s\.io/gateway-api (v\S+)`).FindSubmatch(gomod)
	if m == nil {
		t.Fatal("go.mod does not require sigs.k8s.io/gateway-api")
	}
	return string(m[1])
}

func TestCRDsAreTheModulesPinnedRelease(t *testing.T) {
	version := pinnedVersion(t)
	core := []string{
		"backendtlspolicies.gateway.networking.k8s.io",
		"gatewayclasses.gateway.networking.k8s.io",
		"gateways.gateway.networking.k8s.io",
		"grpcroutes.gateway.networking.k8s.io",
		"httproutes.gateway.networking.k8s.io",
		"listenersets.gateway.networking.k8s.io",
		"referencegrants.gateway.networking.k8s.io",
		"tcproutes.gateway.networking.k8s.io",
		"tlsroutes.gateway.networking.k8s.io",
		"udproutes.gateway.networking.k8s.io",
	}
	for _, tc := range []struct {
		channel string
		crds    []string
	}{
		{Standard, core},
		{Experimental, append(append([]string{}, core...),
			"xbackendtrafficpolicies.gateway.networking.x-k8s.io", "xmeshes.gateway.networking.x-k8s.io")},
	} {
		t.Run(tc.channel, func(t *testing.T) {
			data, err := CRDs(tc.channel)
			if err != nil {
				t.Fatal(err)
			}
			var crds []string
			policies := 0
			for _, o := range decode(t, data) {
				// A stale copy after istio.io/istio moved gateway-api: run go generate.
				if got := o.Metadata.Annotations["gateway.networking.k8s.io/bundle-version"]; got != version {
					t.Errorf("%s %s: bundle-version %q, go.mod pins %s (run go generate ./internal/gatewayapi)", o.Kind, o.Metadata.Name, got, version)
				}
				// The release's admission policy says `standard` in both channels.
				if got := o.Metadata.Annotations["gateway.networking.k8s.io/channel"]; o.Kind == "CustomResourceDefinition" && got != tc.channel {
					t.Errorf("%s %s: channel %q, want %q", o.Kind, o.Metadata.Name, got, tc.channel)
				}
				switch o.Kind {
				case "CustomResourceDefinition":
					crds = append(crds, o.Metadata.Name)
				case "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding":
					policies++
				default:
					t.Errorf("unexpected %s %s", o.Kind, o.Metadata.Name)
				}
			}
			sort.Strings(crds)
			sort.Strings(tc.crds)
			if len(crds) != len(tc.crds) {
				t.Fatalf("CRDs %v, want %v", crds, tc.crds)
			}
			for i := range crds {
				if crds[i] != tc.crds[i] {
					t.Fatalf("CRDs %v, want %v", crds, tc.crds)
				}
			}
			if policies != 2 {
				t.Errorf("%d admission policy objects, want the policy and its binding", policies)
			}
		})
	}
}

func TestCRDsChannels(t *testing.T) {
	for _, tc := range []struct {
		channel string
		empty   bool
		err     bool
	}{
		{Standard, false, false},
		{Experimental, false, false},
		{None, true, false},
		{"alpha", true, true},
	} {
		data, err := CRDs(tc.channel)
		if (err != nil) != tc.err || (len(data) == 0) != tc.empty {
			t.Errorf("CRDs(%q) = %d bytes, %v", tc.channel, len(data), err)
		}
	}
}
