package controlplane

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"istio.io/istio/operator/pkg/render"
)

// IstioNamespace is where istiod runs, as Istio's charts install it.
const IstioNamespace = "istio-system"

// Istio installation profiles the test bed renders.
const (
	// ProfileMinimal is Istio's "minimal" profile: CRDs and istiod, sidecars and gateways.
	ProfileMinimal = "minimal"
	// ProfileAmbient is Istio's "ambient" profile as far as istiod goes: istiod with
	// PILOT_ENABLE_AMBIENT=true and the mesh's default proxy metadata
	// ISTIO_META_ENABLE_HBONE=true. Its istio-cni and ztunnel DaemonSets are left out: the
	// proxy fleet does what istio-cni does for an enrolled pod (the redirection annotation
	// istiod reads), and plays the waypoints istiod deploys.
	ProfileAmbient = "ambient"
)

// Profiles are the values Config.Profile accepts.
var Profiles = []string{ProfileMinimal, ProfileAmbient}

// CheckProfile reports whether profile is one the test bed renders.
func CheckProfile(profile string) error {
	for _, p := range Profiles {
		if p == profile {
			return nil
		}
	}
	return fmt.Errorf("unknown Istio profile %q (one of %s)", profile, strings.Join(Profiles, ", "))
}

// profileSettings are the IstioOperator settings of a profile: Istio's own profile, minus
// the components the test bed plays itself.
func profileSettings(profile string) []string {
	if profile == ProfileAmbient {
		return []string{"profile=ambient", "components.cni.enabled=false", "components.ztunnel.enabled=false"}
	}
	return []string{"profile=minimal"}
}

// renderIstio renders Istio's own charts for a profile (CRDs and istiod), as `istioctl
// manifest generate` does, with replicas istiod pods.
func renderIstio(profile string, replicas int) ([]*unstructured.Unstructured, error) {
	sets, _, err := render.GenerateManifest(nil, append(profileSettings(profile),
		"values.global.istioNamespace="+IstioNamespace,
		"values.pilot.autoscaleEnabled=false",
		"values.pilot.replicaCount="+strconv.Itoa(replicas),
		// The default revision's validator (istiod-default-validator), as `istioctl install`
		// sets up: it validates every Istio object, not only those labelled istio.io/rev.
		"values.defaultRevision=default",
	), false, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("render Istio's charts: %w", err)
	}
	var objects []*unstructured.Unstructured
	for _, set := range sets {
		for _, m := range set.Manifests {
			objects = append(objects, m.Unstructured)
		}
	}
	return objects, nil
}

// splitIstio separates the webhook configurations (applied once istiod answers, since
// the injector's failurePolicy is Fail) from everything else.
func splitIstio(objects []*unstructured.Unstructured) (install, webhooks []*unstructured.Unstructured) {
	for _, obj := range objects {
		switch obj.GetKind() {
		case "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration":
			webhooks = append(webhooks, obj)
		default:
			install = append(install, obj)
		}
	}
	return install, webhooks
}

// pointWebhooksAt rewrites every webhook's clientConfig from the istiod Service to a URL
// on the loopback address where the test bed's Service proxy forwards to istiod, with the
// CA that signed istiod's serving certificate. The API server resolves Services to
// ClusterIPs, which no network here routes.
func pointWebhooksAt(webhooks []*unstructured.Unstructured, servicePort int, caPEM []byte) error {
	bundle := base64.StdEncoding.EncodeToString(caPEM)
	for _, config := range webhooks {
		hooks, _, err := unstructured.NestedSlice(config.Object, "webhooks")
		if err != nil {
			return fmt.Errorf("%s %s: %w", config.GetKind(), config.GetName(), err)
		}
		for i, h := range hooks {
			hook, ok := h.(map[string]any)
			if !ok {
				continue
			}
			path, _, _ := unstructured.NestedString(hook, "clientConfig", "service", "path")
			if !strings.HasPrefix(path, "/") {
				path = "/" + path
			}
			hook["clientConfig"] = map[string]any{
				"url":      fmt.Sprintf("https://127.0.0.1:%d%s", servicePort, path),
				"caBundle": bundle,
			}
			hooks[i] = hook
		}
		if err := unstructured.SetNestedSlice(config.Object, hooks, "webhooks"); err != nil {
			return err
		}
	}
	return nil
}
