package scenario

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"sigs.k8s.io/yaml"
)

// File is what the fleet takes from a simulator scenario file: images, clients, proxy
// overrides and the default apply delay. The simulator's other sections (manifests, pods,
// api, prometheus, the rest of istio) are accepted and left to other components.
type File struct {
	Images     map[string]Behaviour
	Clients    []Client
	Overrides  []Override
	ApplyDelay Latency
	// IstioVersion is `istio.version`, the version proxies report; empty when unset.
	IstioVersion string
}

// DecodeJSON decodes JSON keeping numbers exact (json.Number), as the checkers expect.
func DecodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after the JSON value")
	}
	return v, nil
}

// LoadFile reads and validates a scenario file (YAML or JSON).
func LoadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := ParseFile(data)
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", path, err)
	}
	return f, nil
}

// ParseFile validates scenario YAML.
func ParseFile(data []byte) (*File, error) {
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, fmt.Errorf("not valid YAML: %w", err)
	}
	v, err := DecodeJSON(js)
	if err != nil {
		return nil, fmt.Errorf("not valid YAML: %w", err)
	}
	out := &File{Images: map[string]Behaviour{}, ApplyDelay: DefaultApplyDelay}
	if v == nil {
		return out, nil
	}
	var c checker
	m, ok := c.object("", v, "name", "manifests", "istio", "proxies", "pods", "images", "clients", "api", "prometheus")
	if !ok {
		return nil, c.err()
	}
	if raw, present := m["istio"]; present {
		im, ok := c.object("istio", raw, "replicas", "revision", "debounceMs", "applyDelay", "version", "ingressGateway")
		if ok {
			if d, present := im["applyDelay"]; present {
				out.ApplyDelay = c.latency("istio.applyDelay", d, DefaultApplyDelay)
			}
			out.IstioVersion, _ = c.str(im, "istio", "version", true)
		}
	}
	if raw, present := m["proxies"]; present {
		if list, ok := c.array("proxies", raw); ok {
			for i, item := range list {
				out.Overrides = append(out.Overrides, c.override(index("proxies", i), item))
			}
		}
	}
	if raw, present := m["images"]; present {
		if im, ok := raw.(map[string]any); !ok {
			c.fail("images", "expected object, received %s", typeName(raw))
		} else {
			for _, image := range sortedKeys(im) {
				out.Images[image] = c.behaviour(join("images", image), im[image])
			}
		}
	}
	if raw, present := m["clients"]; present {
		if list, ok := c.array("clients", raw); ok {
			for i, item := range list {
				out.Clients = append(out.Clients, c.client(index("clients", i), item))
			}
		}
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	return out, nil
}
