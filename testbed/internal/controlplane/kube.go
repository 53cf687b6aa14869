package controlplane

import (
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/switchyard/switchyard/testbed/internal/process"
)

// ServiceCIDR is the Service cluster IP range; PodCIDR is the range KWOK gives pods.
const (
	ServiceCIDR = "10.96.0.0/16"
	PodCIDR     = "10.244.0.0/16"
	NodeName    = "kwok-node-0"
)

// kubePorts are the loopback ports of the Kubernetes components.
type kubePorts struct {
	etcdClient, etcdPeer, apiServer, kwokServer int
}

func (p kubePorts) apiServerURL() string { return fmt.Sprintf("https://127.0.0.1:%d", p.apiServer) }

func etcdSpec(l Layout, bin string, p kubePorts) process.Spec {
	client := "http://127.0.0.1:" + strconv.Itoa(p.etcdClient)
	peer := "http://127.0.0.1:" + strconv.Itoa(p.etcdPeer)
	return process.Spec{
		Name: "etcd", Path: filepath.Join(bin, "etcd"), LogDir: l.Logs(),
		Args: []string{
			"--name=testbed",
			"--data-dir=" + l.Etcd(),
			"--listen-client-urls=" + client,
			"--advertise-client-urls=" + client,
			"--listen-peer-urls=" + peer,
			"--initial-advertise-peer-urls=" + peer,
			"--initial-cluster=testbed=" + peer,
			"--auto-compaction-retention=1",
			// A test bed's data is thrown away: no fsync per write on a shared CI disk.
			"--unsafe-no-fsync=true",
		},
	}
}

// auditPolicy records the bodies of writes to what switchyard manages (VirtualServices,
// DestinationRules, HTTPRoutes, Deployments, Leases), so a failed conformance run shows
// exactly what was sent and answered (logs/audit.log). istiod's writes of route status
// (the status subresource) are left out.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: RequestResponse
    verbs: [create, update, patch, delete]
    resources:
      - group: networking.istio.io
      - group: gateway.networking.k8s.io
        resources: [httproutes]
      - group: coordination.k8s.io
        resources: [leases]
      - group: apps
        resources: [deployments, deployments/scale]
  - level: None
`

func apiServerSpec(l Layout, bin string, p kubePorts, c *certificates) process.Spec {
	return process.Spec{
		Name: "kube-apiserver", Path: filepath.Join(bin, "kube-apiserver"), LogDir: l.Logs(),
		Args: []string{
			"--etcd-servers=http://127.0.0.1:" + strconv.Itoa(p.etcdClient),
			"--bind-address=127.0.0.1",
			"--advertise-address=127.0.0.1",
			"--secure-port=" + strconv.Itoa(p.apiServer),
			"--tls-cert-file=" + c.apiServerCert,
			"--tls-private-key-file=" + c.apiServerKey,
			"--client-ca-file=" + c.caCert,
			"--service-account-key-file=" + c.serviceAccountKey,
			"--service-account-signing-key-file=" + c.serviceAccountKey,
			"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
			"--authorization-mode=Node,RBAC",
			"--service-cluster-ip-range=" + ServiceCIDR,
			"--kubelet-client-certificate=" + c.kubeletClientCert,
			"--kubelet-client-key=" + c.kubeletClientKey,
			"--kubelet-preferred-address-types=InternalIP",
			"--allow-privileged=true",
			// The kubernetes Service's endpoint would be 127.0.0.1, which the API rejects
			// for Endpoints; nothing in the test bed reaches the API server through it.
			"--endpoint-reconciler-type=none",
			"--profiling=false",
			"--audit-policy-file=" + filepath.Join(l.Dir, "audit-policy.yaml"),
			"--audit-log-path=" + filepath.Join(l.Logs(), "audit.log"),
			"--audit-log-format=json",
		},
	}
}

func controllerManagerSpec(l Layout, bin string, c *certificates) process.Spec {
	return process.Spec{
		Name: "kube-controller-manager", Path: filepath.Join(bin, "kube-controller-manager"), LogDir: l.Logs(),
		Args: []string{
			"--kubeconfig=" + filepath.Join(l.Kubeconfigs(), "kube-controller-manager"),
			"--root-ca-file=" + c.caCert,
			"--service-account-private-key-file=" + c.serviceAccountKey,
			"--use-service-account-credentials=true",
			"--cluster-signing-cert-file=" + c.caCert,
			"--cluster-signing-key-file=" + c.caKey,
			"--leader-elect=false",
			"--bind-address=127.0.0.1",
			"--secure-port=0",
			"--service-cluster-ip-range=" + ServiceCIDR,
			// No cloud, no node IPAM (KWOK assigns pod IPs), no routes.
			"--controllers=*,-nodeipam,-service-lb-controller,-route,-cloud-node-lifecycle",
			// Pods of a deleted node would otherwise be evicted after five minutes of a
			// stopped KWOK; the test bed stops as a whole.
			"--node-monitor-grace-period=40s",
		},
	}
}

func schedulerSpec(l Layout, bin string) process.Spec {
	return process.Spec{
		Name: "kube-scheduler", Path: filepath.Join(bin, "kube-scheduler"), LogDir: l.Logs(),
		Args: []string{
			"--kubeconfig=" + filepath.Join(l.Kubeconfigs(), "kube-scheduler"),
			"--leader-elect=false",
			"--bind-address=127.0.0.1",
			"--secure-port=0",
		},
	}
}

func kwokSpec(l Layout, bin string, p kubePorts, c *certificates, stagesFile string) process.Spec {
	return process.Spec{
		Name: "kwok", Path: filepath.Join(bin, "kwok"), LogDir: l.Logs(),
		Args: []string{
			"--kubeconfig=" + filepath.Join(l.Kubeconfigs(), "kwok"),
			"--config=" + stagesFile,
			"--manage-all-nodes=false",
			"--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
			"--cidr=" + PodCIDR,
			"--node-ip=127.0.0.1",
			"--node-name=" + NodeName,
			"--node-port=" + strconv.Itoa(p.kwokServer),
			"--server-address=127.0.0.1:" + strconv.Itoa(p.kwokServer),
			"--tls-cert-file=" + c.kwokServingCert,
			"--tls-private-key-file=" + c.kwokServingKey,
			"--enable-crds=PortForward,ClusterPortForward",
		},
	}
}
