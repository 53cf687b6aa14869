package controlplane

import (
	"context"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
)

// serviceProxy plays kube-proxy for one Service port: each connection to its loopback
// listener goes to one live backend, round-robin, as a ClusterIP spreads connections over
// endpoints.
type serviceProxy struct {
	listener net.Listener
	backends func() []int
	next     atomic.Uint64
	wg       sync.WaitGroup
}

func startServiceProxy(ctx context.Context, port int, backends func() []int) (*serviceProxy, error) {
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return nil, err
	}
	s := &serviceProxy{listener: l, backends: backends}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.forward(ctx, conn)
			}()
		}
	}()
	return s, nil
}

func (s *serviceProxy) forward(ctx context.Context, conn net.Conn) {
	defer func() { _ = conn.Close() }()
	backends := s.backends()
	if len(backends) == 0 {
		// No ready endpoint: the connection is refused, as kube-proxy's REJECT rule does.
		return
	}
	port := backends[int(s.next.Add(1)-1)%len(backends)]
	var dialer net.Dialer
	upstream, err := dialer.DialContext(ctx, "tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return
	}
	defer func() { _ = upstream.Close() }()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(upstream, conn); closeWrite(upstream); done <- struct{}{} }()
	go func() { _, _ = io.Copy(conn, upstream); closeWrite(conn); done <- struct{}{} }()
	select {
	case <-done:
		<-done
	case <-ctx.Done():
	}
}

func closeWrite(c net.Conn) {
	if tcp, ok := c.(*net.TCPConn); ok {
		_ = tcp.CloseWrite()
	}
}

func (s *serviceProxy) close() {
	_ = s.listener.Close()
}
