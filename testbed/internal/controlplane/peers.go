package controlplane

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"

	"github.com/switchyard/switchyard/testbed/internal/freeport"
	"github.com/switchyard/switchyard/testbed/internal/peers"
	"github.com/switchyard/switchyard/testbed/internal/process"
)

// startPeers installs and starts each peer controller (Flagger, Argo Rollouts) from its
// own manifests: its CRDs, then its namespace, ServiceAccount, ClusterRole and binding;
// then runs its binary (from PeersBinDir) with a kubeconfig holding a token of that
// ServiceAccount, so it has exactly the privileges its install grants, and the test bed's
// Prometheus as its metrics server. Each is a component like the others: logged, stopped
// by down.
func (s *supervisor) startPeers(ctx context.Context, apply *applier, kube kubernetes.Interface, server, prometheusURL string) error {
	list, err := peers.Parse(s.cfg.Peers)
	if err != nil {
		return err
	}
	for _, p := range list {
		if _, err := os.Stat(filepath.Join(s.cfg.PeersBinDir, p.Binary)); err != nil {
			return fmt.Errorf("%s: binary %s missing in %q (build the peers first: npm run testbed -- build --peers)", p.Name, p.Binary, s.cfg.PeersBinDir)
		}
	}
	for _, p := range list {
		s.step("installing and starting %s", p.Name)
		crds, err := decodeYAML(p.CRDs())
		if err != nil {
			return fmt.Errorf("%s CRDs: %w", p.Name, err)
		}
		if err := apply.apply(ctx, crds); err != nil {
			return fmt.Errorf("%s CRDs: %w", p.Name, err)
		}
		if err := apply.waitEstablished(ctx, crds); err != nil {
			return fmt.Errorf("%s CRDs: %w", p.Name, err)
		}
		docs, err := p.RBAC()
		if err != nil {
			return fmt.Errorf("%s RBAC: %w", p.Name, err)
		}
		objects := []*unstructured.Unstructured{namespaceObject(p.Namespace)}
		for _, d := range docs {
			objects = append(objects, &unstructured.Unstructured{Object: d})
		}
		if err := apply.apply(ctx, orderForApply(objects)); err != nil {
			return fmt.Errorf("%s RBAC: %w", p.Name, err)
		}
		expiration := int64(24 * 3600)
		token, err := kube.CoreV1().ServiceAccounts(p.Namespace).CreateToken(ctx, p.ServiceAccount,
			&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &expiration}}, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("%s: token for ServiceAccount %s/%s: %w", p.Name, p.Namespace, p.ServiceAccount, err)
		}
		kubeconfig := filepath.Join(s.layout.Kubeconfigs(), p.Name)
		if err := writeTokenKubeconfig(kubeconfig, server, s.certs, token.Status.Token); err != nil {
			return err
		}
		ports, err := freeport.Take(2)
		if err != nil {
			return err
		}
		args, err := p.Args(kubeconfig, prometheusURL, [2]int{ports[0], ports[1]})
		if err != nil {
			return err
		}
		proc, err := s.launch(ctx, process.Spec{
			Name: p.Name, Path: filepath.Join(s.cfg.PeersBinDir, p.Binary), Args: args, Env: p.Env(), LogDir: s.layout.Logs(),
		})
		if err != nil {
			return err
		}
		if err := waitHTTP(ctx, proc, "http://127.0.0.1:"+strconv.Itoa(ports[0])+p.Healthz(), 120*time.Second); err != nil {
			return fmt.Errorf("%s: %w", p.Name, err)
		}
	}
	return nil
}
