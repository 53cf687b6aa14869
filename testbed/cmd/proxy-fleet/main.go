// Command proxy-fleet runs one simulated Envoy per sidecar, gateway (router) and waypoint
// pod of the cluster, connected to real istiod over ADS, with Envoy's admin config_dump
// reachable through the pod's port 15000 (KWOK PortForward), synthetic traffic (mesh
// clients through sidecars, ambient clients through waypoints, ingress clients through
// gateways) routed by the applied routes, Istio's request metrics for Prometheus and the
// simulator's control API; with --ambient it enrols pods in ambient mode as istio-cni does.
//
//	proxy-fleet --kubeconfig PATH --istiod ADDR[,ADDR...] --control-addr 127.0.0.1:PORT
//	  --metrics-addr 127.0.0.1:PORT [--ready-file PATH] [--scenario PATH] [--ambient]
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/switchyard/switchyard/testbed/internal/fleetserver"
)

func main() {
	var cfg fleetserver.Config
	flags := pflag.NewFlagSet("proxy-fleet", pflag.ContinueOnError)
	flags.StringVar(&cfg.Kubeconfig, "kubeconfig", "", "kubeconfig of the cluster whose pods get proxies")
	flags.StringSliceVar(&cfg.Istiod, "istiod", nil, "istiod replicas' plaintext xDS addresses (host:port, comma-separated)")
	flags.StringVar(&cfg.ControlAddr, "control-addr", "", "listen address of the control API (127.0.0.1:PORT)")
	flags.StringVar(&cfg.MetricsAddr, "metrics-addr", "", "listen address of /metrics (127.0.0.1:PORT)")
	flags.StringVar(&cfg.ReadyFile, "ready-file", "", "written with {controlUrl, metricsUrl} once both listeners are up")
	flags.StringVar(&cfg.ScenarioFile, "scenario", "", "simulator scenario YAML: initial images, clients, proxies and istio.applyDelay")
	flags.BoolVar(&cfg.Ambient, "ambient", false, "enrol pods in ambient mode as istio-cni would (the redirection annotation istiod reads)")
	verbose := flags.Bool("verbose", false, "debug logging")
	if err := flags.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(os.Stderr, "proxy-fleet:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := fleetserver.Run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "proxy-fleet:", err)
		os.Exit(1)
	}
}
