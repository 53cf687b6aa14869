// Command testbed starts and stops switchyard's real control plane test bed: etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler, KWOK, istiod replicas from
// Istio's charts, a proxy fleet on real xDS, and Prometheus, all as local processes.
//
//	testbed up --bin DIR [--dir DIR] [--manifests PATH]...   start, print kubeconfig/control/prometheus
//	testbed down [--dir DIR]                                 stop everything, remove DIR
//	testbed status [--dir DIR]                               print the state file
//	testbed run ...                                          the supervisor (up starts it)
package main

import (
	"os"

	"github.com/switchyard/switchyard/testbed/internal/bedcli"
)

func main() {
	os.Exit(bedcli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
