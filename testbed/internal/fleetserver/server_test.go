package fleetserver

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidateNamesTheFlag(t *testing.T) {
	ok := Config{Kubeconfig: "k", Istiod: []string{"127.0.0.1:15010"}, ControlAddr: "127.0.0.1:0", MetricsAddr: "127.0.0.1:0"}
	tests := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"complete", func(*Config) {}, ""},
		{"no kubeconfig", func(c *Config) { c.Kubeconfig = "" }, "--kubeconfig is required"},
		{"no istiod", func(c *Config) { c.Istiod = nil }, "--istiod is required"},
		{"istiod without port", func(c *Config) { c.Istiod = []string{"127.0.0.1:15010", "istiod"} }, `--istiod "istiod"`},
		{"no control address", func(c *Config) { c.ControlAddr = "" }, "--control-addr is required"},
		{"bad metrics address", func(c *Config) { c.MetricsAddr = "9090" }, `--metrics-addr "9090"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.mutate(&c)
			err := c.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestReadyFileIsWrittenWhole(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ready.json")
	want := ReadyInfo{ControlURL: "http://127.0.0.1:1", MetricsURL: "http://127.0.0.1:2"}
	if err := writeReadyFile(path, want); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got ReadyInfo
	if err := json.Unmarshal(data, &got); err != nil || got != want {
		t.Fatalf("ready file %s: %+v %v", data, got, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("temporary files left next to the ready file: %v", entries)
	}
	if err := writeReadyFile(filepath.Join(t.TempDir(), "missing", "ready.json"), want); err == nil || !strings.Contains(err.Error(), "--ready-file") {
		t.Fatalf("error %v should name --ready-file", err)
	}
}
