// Package controlplane brings up a real Kubernetes + Istio control plane as local
// processes: etcd, kube-apiserver (RBAC on), kube-controller-manager, kube-scheduler,
// KWOK (fake nodes, pod lifecycle, port-forward), istiod replicas installed from Istio's
// own charts, a proxy fleet on real xDS, and Prometheus. Run keeps them running until
// its context ends, then stops them in reverse order and removes its files.
package controlplane

import (
	"os"
	"path/filepath"
)

// Layout names every file and folder under the state directory.
type Layout struct {
	Dir string
}

func (l Layout) PKI() string             { return filepath.Join(l.Dir, "pki") }
func (l Layout) Logs() string            { return filepath.Join(l.Dir, "logs") }
func (l Layout) Etcd() string            { return filepath.Join(l.Dir, "etcd") }
func (l Layout) Kubeconfigs() string     { return filepath.Join(l.Dir, "kubeconfigs") }
func (l Layout) AdminKubeconfig() string { return filepath.Join(l.Dir, "kubeconfig") }
func (l Layout) Istiod(pod string) string {
	return filepath.Join(l.Dir, "istiod", pod)
}
func (l Layout) Prometheus() string { return filepath.Join(l.Dir, "prometheus") }
func (l Layout) Fleet() string      { return filepath.Join(l.Dir, "fleet") }

// State is the supervisor's state file: `up` waits on it and `down` reads it.
func (l Layout) State() string { return filepath.Join(l.Dir, "state.json") }

func (l Layout) create() error {
	for _, dir := range []string{l.PKI(), l.Logs(), l.Etcd(), l.Kubeconfigs(), l.Prometheus(), l.Fleet()} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
	}
	return nil
}
