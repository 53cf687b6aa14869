package controlplane

import (
	"encoding/json"
	"os"
	"path/filepath"
)

// Phase of a testbed, as its state file says.
type Phase string

const (
	PhaseStarting Phase = "starting"
	PhaseReady    Phase = "ready"
	PhaseFailed   Phase = "failed"
	PhaseStopping Phase = "stopping"
)

// State is what the supervisor tells `up`, `down` and the tests through state.json.
type State struct {
	Phase Phase `json:"phase"`
	// Step is what the supervisor is doing now (while starting).
	Step string `json:"step,omitempty"`
	// Error says why it failed, naming the component.
	Error         string `json:"error,omitempty"`
	SupervisorPid int    `json:"supervisorPid"`
	// Profile is the Istio profile the test bed runs (ProfileMinimal, ProfileAmbient).
	Profile    string      `json:"profile,omitempty"`
	Kubeconfig string      `json:"kubeconfig,omitempty"`
	Control    string      `json:"control,omitempty"`
	Prometheus string      `json:"prometheus,omitempty"`
	APIServer  string      `json:"apiServer,omitempty"`
	Components []Component `json:"components,omitempty"`
}

// Component is one running process.
type Component struct {
	Name    string `json:"name"`
	Pid     int    `json:"pid"`
	Log     string `json:"log"`
	Version string `json:"version,omitempty"`
}

// ReadState reads dir's state file.
func ReadState(dir string) (State, error) {
	var s State
	data, err := os.ReadFile(Layout{Dir: dir}.State())
	if err != nil {
		return s, err
	}
	err = json.Unmarshal(data, &s)
	return s, err
}

// writeState replaces the state file atomically, so a reader never sees half of it.
func writeState(l Layout, s State) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(l.State()), ".state-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), l.State())
}
