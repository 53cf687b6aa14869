// Package gatewayapi holds the Kubernetes Gateway API CRDs the test bed installs: the
// sigs.k8s.io/gateway-api release testbed/go.mod selects (the one istiod is built
// against), copied from that module by `go generate` (generate.go) and embedded, so the
// test bed never reads a module cache at run time.
package gatewayapi

import (
	_ "embed"
	"fmt"
)

//go:generate go run generate.go

// Release channels, as Gateway API ships them.
const (
	// Standard is `config/crd`: what Istio's documentation tells users to install.
	Standard = "standard"
	// Experimental is `config/crd/experimental`: what Istio's own integration tests install
	// (tests/integration/pilot/testdata/gateway-api-crd.yaml).
	Experimental = "experimental"
	// None installs nothing (a cluster without Gateway API).
	None = "none"
)

var (
	//go:embed crds/standard.yaml
	standard []byte
	//go:embed crds/experimental.yaml
	experimental []byte
)

// Channels are the values CRDs accepts.
var Channels = []string{Standard, Experimental, None}

// CRDs is the YAML stream of a channel: the CustomResourceDefinitions plus the
// ValidatingAdmissionPolicy (and binding) that refuses downgrades and channel switches,
// as the release ships them. None gives an empty stream.
func CRDs(channel string) ([]byte, error) {
	switch channel {
	case Standard:
		return standard, nil
	case Experimental:
		return experimental, nil
	case None:
		return nil, nil
	}
	return nil, fmt.Errorf("unknown Gateway API channel %q (one of standard, experimental, none)", channel)
}
