package process

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestStopEndsTheChildAndItsLogIsKept(t *testing.T) {
	dir := t.TempDir()
	p, err := Start(Spec{Name: "sleeper", Path: "/bin/sh", Args: []string{"-c", "echo started; exec sleep 30"}, LogDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(Tail(p.LogPath, 1), "started") {
		if time.Now().After(deadline) {
			t.Fatal("child never wrote its log")
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.Stop(5 * time.Second)
	if exited, _ := p.Exited(); !exited {
		t.Fatal("child still running after Stop")
	}
}

func TestFailureNamesTheComponentAndQuotesItsLog(t *testing.T) {
	dir := t.TempDir()
	p, err := Start(Spec{Name: "broken", Path: "/bin/sh", Args: []string{"-c", "echo 'bind: address already in use' >&2; exit 3"}, LogDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	<-p.Done()
	msg := p.Failure().Error()
	for _, want := range []string{"broken", "exit status 3", "address already in use"} {
		if !strings.Contains(msg, want) {
			t.Errorf("failure %q lacks %q", msg, want)
		}
	}
}

func TestStartReportsAMissingExecutable(t *testing.T) {
	_, err := Start(Spec{Name: "ghost", Path: filepath.Join(t.TempDir(), "nope"), LogDir: os.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "ghost") {
		t.Fatalf("err = %v, want one naming the component", err)
	}
}
