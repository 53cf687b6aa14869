package controlplane

import (
	"fmt"
	"net"
	"os"
	"path/filepath"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/switchyard/switchyard/testbed/internal/pki"
)

// identity is a client certificate's user and groups.
type identity struct {
	file   string
	user   string
	groups []string
}

// Client identities. The controller manager and scheduler use the names Kubernetes'
// bootstrap RBAC policy binds; KWOK, the proxy fleet and the API server's kubelet client
// play infrastructure that a real cluster runs with node or admin credentials.
var (
	adminIdentity      = identity{"admin", "switchyard-testbed-admin", []string{"system:masters"}}
	controllerIdentity = identity{"kube-controller-manager", "system:kube-controller-manager", nil}
	schedulerIdentity  = identity{"kube-scheduler", "system:kube-scheduler", nil}
	kwokIdentity       = identity{"kwok", "kwok-controller", []string{"system:masters"}}
	fleetIdentity      = identity{"proxy-fleet", "proxy-fleet", []string{"system:masters"}}
	kubeletClient      = identity{"kubelet-client", "kube-apiserver-kubelet-client", []string{"system:masters"}}
)

// certificates are the files the components read.
type certificates struct {
	caCert, caKey                       string
	apiServerCert, apiServerKey         string
	serviceAccountKey                   string
	kubeletClientCert, kubeletClientKey string
	kwokServingCert, kwokServingKey     string
	istiodCert, istiodKey               string
	ca                                  *pki.Authority
}

// issueCertificates writes the cluster CA and every certificate under l.PKI().
func issueCertificates(l Layout) (*certificates, error) {
	dir := l.PKI()
	ca, err := pki.NewAuthority("switchyard-testbed-ca")
	if err != nil {
		return nil, err
	}
	c := &certificates{ca: ca, caCert: filepath.Join(dir, "ca.crt"), caKey: filepath.Join(dir, "ca.key")}
	if err := os.WriteFile(c.caCert, ca.CertPEM, 0o600); err != nil {
		return nil, err
	}
	caKey, err := ca.KeyPEM()
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(c.caKey, caKey, 0o600); err != nil {
		return nil, err
	}
	loopback := []net.IP{net.IPv4(127, 0, 0, 1)}
	issue := func(name string, req pki.Request) (string, string, error) {
		pair, err := ca.Issue(req)
		if err != nil {
			return "", "", err
		}
		return pki.WritePair(dir, name, pair)
	}
	if c.apiServerCert, c.apiServerKey, err = issue("kube-apiserver", pki.Request{
		CommonName: "kube-apiserver",
		DNSNames:   []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
		IPs:        append(loopback, net.IPv4(10, 96, 0, 1)),
		Server:     true,
	}); err != nil {
		return nil, err
	}
	if c.kwokServingCert, c.kwokServingKey, err = issue("kwok-serving", pki.Request{
		CommonName: "kwok-node", DNSNames: []string{"localhost"}, IPs: loopback, Server: true,
	}); err != nil {
		return nil, err
	}
	// istiod serves its webhooks and TLS xDS with this certificate (as with a cert-manager
	// issued istiod-tls secret); its SANs are the Service names plus loopback, where the
	// API server reaches the webhooks.
	if c.istiodCert, c.istiodKey, err = issue("istiod", pki.Request{
		CommonName: "istiod.istio-system.svc",
		DNSNames:   []string{"istiod.istio-system.svc", "istiod.istio-system.svc.cluster.local", "istiod.istio-system", "istiod"},
		IPs:        loopback,
		Server:     true,
	}); err != nil {
		return nil, err
	}
	for _, id := range []identity{adminIdentity, controllerIdentity, schedulerIdentity, kwokIdentity, fleetIdentity, kubeletClient} {
		cert, key, err := issue(id.file, pki.Request{CommonName: id.user, Organizations: id.groups, Client: true})
		if err != nil {
			return nil, err
		}
		if id.file == kubeletClient.file {
			c.kubeletClientCert, c.kubeletClientKey = cert, key
		}
	}
	saKey, err := pki.NewServiceAccountKey()
	if err != nil {
		return nil, err
	}
	c.serviceAccountKey = filepath.Join(dir, "service-account.key")
	if err := os.WriteFile(c.serviceAccountKey, saKey, 0o600); err != nil {
		return nil, err
	}
	return c, nil
}

// writeCertKubeconfig writes a kubeconfig for a client-certificate identity.
func writeCertKubeconfig(path, server string, c *certificates, l Layout, id identity) error {
	return writeKubeconfig(path, server, c.caCert, &clientcmdapi.AuthInfo{
		ClientCertificate: filepath.Join(l.PKI(), id.file+".crt"),
		ClientKey:         filepath.Join(l.PKI(), id.file+".key"),
	})
}

// writeTokenKubeconfig writes a kubeconfig holding a bearer token (a ServiceAccount's).
func writeTokenKubeconfig(path, server string, c *certificates, token string) error {
	return writeKubeconfig(path, server, c.caCert, &clientcmdapi.AuthInfo{Token: token})
}

func writeKubeconfig(path, server, caFile string, user *clientcmdapi.AuthInfo) error {
	config := clientcmdapi.NewConfig()
	config.Clusters["testbed"] = &clientcmdapi.Cluster{Server: server, CertificateAuthority: caFile}
	config.AuthInfos["testbed"] = user
	config.Contexts["testbed"] = &clientcmdapi.Context{Cluster: "testbed", AuthInfo: "testbed", Namespace: "default"}
	config.CurrentContext = "testbed"
	if err := clientcmd.WriteToFile(*config, path); err != nil {
		return fmt.Errorf("write kubeconfig %s: %w", path, err)
	}
	return os.Chmod(path, 0o600)
}
