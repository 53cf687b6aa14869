// Package freeport finds unused TCP ports on the loopback interface.
package freeport

import (
	"fmt"
	"net"
)

// Take returns n distinct ports that were free on 127.0.0.1 a moment ago. All listeners
// stay open until every port is chosen, so the n ports differ from one another.
func Take(n int) ([]int, error) {
	listeners := make([]net.Listener, 0, n)
	defer func() {
		for _, l := range listeners {
			_ = l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free loopback port: %w", err)
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
