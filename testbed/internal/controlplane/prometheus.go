package controlplane

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"github.com/switchyard/switchyard/testbed/internal/process"
)

// findPrometheus finds the Prometheus binary: PROMETHEUS_BIN, else PATH, else the Debian
// package's path.
func findPrometheus() (string, error) {
	if bin := os.Getenv("PROMETHEUS_BIN"); bin != "" {
		if info, err := os.Stat(bin); err != nil || info.IsDir() {
			return "", fmt.Errorf("PROMETHEUS_BIN=%s is not an executable file", bin)
		}
		return bin, nil
	}
	if bin, err := exec.LookPath("prometheus"); err == nil {
		return bin, nil
	}
	if _, err := os.Stat("/usr/bin/prometheus"); err == nil {
		return "/usr/bin/prometheus", nil
	}
	return "", errors.New("prometheus was not found on PATH or at /usr/bin/prometheus: install the Debian package prometheus (apt-get install -y prometheus) or set PROMETHEUS_BIN")
}

// prometheusSpec scrapes targets every second (the sidecars' merged metrics endpoint in a
// real mesh; the proxy fleet's here).
func prometheusSpec(l Layout, bin string, port int, targets []string) (process.Spec, error) {
	quoted := ""
	for i, t := range targets {
		if i > 0 {
			quoted += ", "
		}
		quoted += strconv.Quote(t)
	}
	config := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: envoy-stats
    metrics_path: /metrics
    static_configs:
      - targets: [%s]
`, quoted)
	configPath := filepath.Join(l.Prometheus(), "prometheus.yml")
	if err := os.WriteFile(configPath, []byte(config), 0o600); err != nil {
		return process.Spec{}, err
	}
	return process.Spec{
		Name: "prometheus", Path: bin, LogDir: l.Logs(),
		Args: []string{
			"--config.file=" + configPath,
			"--web.listen-address=127.0.0.1:" + strconv.Itoa(port),
			"--storage.tsdb.path=" + filepath.Join(l.Prometheus(), "data"),
			"--storage.tsdb.retention.time=1d",
			"--log.level=warn",
		},
	}, nil
}

// prometheusManifests are the in-cluster face of Prometheus: a Deployment whose (KWOK)
// pod forwards port 9090 to the real process, and a Service, as Istio's Prometheus addon
// names them, so `--prometheus-service istio-system/prometheus:9090` works.
const prometheusManifests = `
apiVersion: v1
kind: Service
metadata:
  name: prometheus
  namespace: istio-system
  labels: {app: prometheus}
spec:
  selector: {app: prometheus}
  ports:
    - name: http
      port: 9090
      targetPort: 9090
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: prometheus
  namespace: istio-system
  labels: {app: prometheus}
spec:
  replicas: 1
  selector:
    matchLabels: {app: prometheus}
  template:
    metadata:
      labels: {app: prometheus, sidecar.istio.io/inject: "false"}
    spec:
      containers:
        - name: prometheus-server
          image: prom/prometheus:v2.42.0
          ports:
            - containerPort: 9090
`

// nodeManifest is the fake node KWOK manages.
const nodeManifest = `
apiVersion: v1
kind: Node
metadata:
  name: ` + NodeName + `
  annotations:
    kwok.x-k8s.io/node: fake
  labels:
    kubernetes.io/hostname: ` + NodeName + `
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
spec: {}
`
