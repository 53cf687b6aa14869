// Package bedcli is the testbed command: up (start the supervisor detached and wait until
// it is ready), down (stop it and remove its files), status, and run (the supervisor).
package bedcli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/switchyard/switchyard/testbed/internal/controlplane"
	"github.com/switchyard/switchyard/testbed/internal/gatewayapi"
	"github.com/switchyard/switchyard/testbed/internal/peers"
	"github.com/switchyard/switchyard/testbed/internal/process"
)

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

type options struct {
	dir, bin, fleetScenario string
	gatewayAPI              string
	peers, peersBin         string
	profile                 string
	manifests               stringList
	replicas                int
	noDataPlane             bool
	timeout                 time.Duration
}

func defaultDir() string { return filepath.Join(os.TempDir(), "switchyard-testbed") }

func parse(name string, args []string, stderr io.Writer) (options, *flag.FlagSet, error) {
	var o options
	fs := flag.NewFlagSet("testbed "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.dir, "dir", defaultDir(), "directory holding the test bed's files (removed by down)")
	if name == "up" || name == "run" {
		fs.StringVar(&o.bin, "bin", "", "directory of the component binaries (required)")
		fs.Var(&o.manifests, "manifests", "YAML file or directory to apply once the control plane is up (repeatable)")
		fs.IntVar(&o.replicas, "istiod-replicas", 2, "istiod pods")
		fs.StringVar(&o.fleetScenario, "fleet-scenario", "", "proxy fleet scenario (images, clients, proxy overrides)")
		fs.BoolVar(&o.noDataPlane, "no-data-plane", false, "leave out the proxy fleet and Prometheus")
		fs.StringVar(&o.gatewayAPI, "gateway-api", gatewayapi.Standard, "Gateway API CRDs to install: "+strings.Join(gatewayapi.Channels, ", "))
		fs.StringVar(&o.profile, "profile", controlplane.ProfileMinimal, "Istio profile: "+strings.Join(controlplane.Profiles, ", ")+
			" (ambient: istiod as Istio's ambient profile starts it; the fleet enrols ambient pods and plays waypoints)")
		fs.DurationVar(&o.timeout, "timeout", 10*time.Minute, "how long up waits for the test bed to be ready")
		fs.StringVar(&o.peers, "peers", "", "peer controllers to run beside switchyard: "+strings.Join(peers.Names(), ", ")+" or all (comma-separated)")
		fs.StringVar(&o.peersBin, "peers-bin", "", "directory of the peers' binaries (required with --peers)")
	}
	if err := fs.Parse(args); err != nil {
		return o, fs, err
	}
	if (name == "up" || name == "run") && o.bin == "" {
		return o, fs, errors.New("--bin is required")
	}
	if _, err := gatewayapi.CRDs(o.gatewayAPI); (name == "up" || name == "run") && err != nil {
		return o, fs, fmt.Errorf("--gateway-api: %w", err)
	}
	if _, err := peers.Parse(o.peers); err != nil {
		return o, fs, fmt.Errorf("--peers: %w", err)
	}
	if o.peers != "" && (o.peersBin == "" || o.noDataPlane) {
		return o, fs, errors.New("--peers needs --peers-bin and the data plane (not --no-data-plane)")
	}
	if err := controlplane.CheckProfile(o.profile); (name == "up" || name == "run") && err != nil {
		return o, fs, fmt.Errorf("--profile: %w", err)
	}
	abs, err := filepath.Abs(o.dir)
	if err != nil {
		return o, fs, err
	}
	o.dir = abs
	return o, fs, nil
}

// Main runs the testbed command and returns its exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: testbed up|down|status|run [flags]")
		return exitUsage
	}
	o, _, err := parse(args[0], args[1:], stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintf(stderr, "testbed %s: %v\n", args[0], err)
		return exitUsage
	}
	switch args[0] {
	case "up":
		return up(o, args[1:], stdout, stderr)
	case "down":
		return down(o, stderr)
	case "status":
		data, err := os.ReadFile(controlplane.Layout{Dir: o.dir}.State())
		if err != nil {
			fmt.Fprintf(stderr, "testbed status: no test bed in %s\n", o.dir)
			return exitFail
		}
		_, _ = stdout.Write(data)
		fmt.Fprintln(stdout)
		return exitOK
	case "run":
		return run(o, stderr)
	default:
		fmt.Fprintf(stderr, "testbed: unknown command %q (up, down, status, run)\n", args[0])
		return exitUsage
	}
}

func run(o options, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	err := controlplane.Run(ctx, controlplane.Config{
		Dir: o.dir, BinDir: o.bin, Manifests: o.manifests, IstiodReplicas: o.replicas,
		FleetScenario: o.fleetScenario, NoDataPlane: o.noDataPlane, GatewayAPI: o.gatewayAPI,
		Peers: o.peers, PeersBinDir: o.peersBin,
		Profile: o.profile,
		Logf: func(format string, args ...any) {
			fmt.Fprintf(stderr, "%s %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
		},
	})
	if err != nil {
		fmt.Fprintf(stderr, "testbed: %v\n", err)
		return exitFail
	}
	return exitOK
}

func alive(pid int) bool {
	return pid > 0 && syscall.Kill(pid, 0) == nil
}

func up(o options, rawArgs []string, stdout, stderr io.Writer) int {
	if st, err := controlplane.ReadState(o.dir); err == nil && alive(st.SupervisorPid) {
		fmt.Fprintf(stderr, "testbed up: a test bed is already running in %s (supervisor pid %d); run down first\n", o.dir, st.SupervisorPid)
		return exitFail
	}
	_ = os.RemoveAll(o.dir)
	logs := controlplane.Layout{Dir: o.dir}.Logs()
	if err := os.MkdirAll(logs, 0o700); err != nil {
		fmt.Fprintf(stderr, "testbed up: %v\n", err)
		return exitFail
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "testbed up: %v\n", err)
		return exitFail
	}
	logPath := filepath.Join(logs, "supervisor.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		fmt.Fprintf(stderr, "testbed up: %v\n", err)
		return exitFail
	}
	cmd := exec.Command(self, append([]string{"run", "--dir", o.dir}, rawArgs...)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own session: it outlives this command and a terminal's signals.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "testbed up: start the supervisor: %v\n", err)
		return exitFail
	}
	_ = logFile.Close()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	deadline := time.After(o.timeout)
	lastStep := ""
	for {
		st, err := controlplane.ReadState(o.dir)
		if err == nil {
			if st.Step != "" && st.Step != lastStep {
				fmt.Fprintf(stderr, "testbed: %s\n", st.Step)
				lastStep = st.Step
			}
			switch st.Phase {
			case controlplane.PhaseReady:
				fmt.Fprintf(stdout, "kubeconfig: %s\ncontrol: %s\nprometheus: %s\n", st.Kubeconfig, st.Control, st.Prometheus)
				return exitOK
			case controlplane.PhaseFailed:
				fmt.Fprintf(stderr, "testbed up failed: %s\nlogs: %s (run `testbed down` to remove them)\n", st.Error, logs)
				return exitFail
			}
		}
		select {
		case err := <-exited:
			fmt.Fprintf(stderr, "testbed up: the supervisor exited (%v); last lines of %s:\n%s\n", err, logPath, process.Tail(logPath, 20))
			return exitFail
		case <-deadline:
			fmt.Fprintf(stderr, "testbed up: not ready after %s (last step: %s); logs: %s\n", o.timeout, lastStep, logs)
			_ = syscall.Kill(cmd.Process.Pid, syscall.SIGTERM)
			return exitFail
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func down(o options, stderr io.Writer) int {
	st, err := controlplane.ReadState(o.dir)
	if err != nil {
		if _, statErr := os.Stat(o.dir); os.IsNotExist(statErr) {
			return exitOK
		}
	}
	if alive(st.SupervisorPid) {
		_ = syscall.Kill(st.SupervisorPid, syscall.SIGTERM)
		for i := 0; i < 240 && alive(st.SupervisorPid); i++ {
			time.Sleep(250 * time.Millisecond)
		}
		if alive(st.SupervisorPid) {
			fmt.Fprintf(stderr, "testbed down: supervisor %d did not stop in 60s; killing it\n", st.SupervisorPid)
			_ = syscall.Kill(st.SupervisorPid, syscall.SIGKILL)
		}
	}
	// Whatever a killed supervisor left behind: each component leads its process group.
	for _, c := range st.Components {
		if alive(c.Pid) {
			_ = syscall.Kill(-c.Pid, syscall.SIGKILL)
			_ = syscall.Kill(c.Pid, syscall.SIGKILL)
		}
	}
	if err := os.RemoveAll(o.dir); err != nil {
		fmt.Fprintf(stderr, "testbed down: remove %s: %v\n", o.dir, err)
		return exitFail
	}
	return exitOK
}
