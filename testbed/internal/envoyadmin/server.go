package envoyadmin

import (
	"context"
	"net"
	"net/http"
	"time"
)

const help = `admin commands are:
  /: Admin home page
  /config_dump: dump current Envoy configs (experimental)
      resource: The resource to dump
      name_regex: Dump only the currently loaded configurations whose names match the specified regex. Can be used with both resource and mask query parameters.
      include_eds: Dump currently loaded configuration including EDS. See the response definition for more information
  /ready: print server state, return 200 if LIVE, otherwise return 503
`

// Handler serves the admin endpoints of one proxy.
func Handler(p Proxy) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var res Result
		switch r.URL.Path {
		case "/config_dump":
			res = ConfigDump(p, r.URL.Query())
		case "/ready":
			// A sidecar is LIVE once its initial listeners are in place.
			if p.Snapshot().HasConfig() {
				res = text(200, "LIVE\n")
			} else {
				res = text(503, "INITIALIZING\n")
			}
		case "/", "/help":
			res = text(200, help)
		default:
			res = text(404, "invalid path. "+help)
		}
		w.Header().Set("Content-Type", res.ContentType)
		w.Header().Set("Cache-Control", "no-cache, max-age=0")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(res.Status)
		_, _ = w.Write(res.Body)
	})
}

// Server is one proxy's admin listener on loopback.
type Server struct {
	listener net.Listener
	server   *http.Server
	done     chan struct{}
}

// Listen opens an admin listener on 127.0.0.1 (an ephemeral port) and serves it.
func Listen(p Proxy) (*Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{listener: l, server: &http.Server{Handler: Handler(p), ReadHeaderTimeout: 10 * time.Second}, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		// Serve returns ErrServerClosed after Close: nothing to report.
		_ = s.server.Serve(l)
	}()
	return s, nil
}

// Port is the listener's port.
func (s *Server) Port() int {
	return s.listener.Addr().(*net.TCPAddr).Port
}

// Close stops the listener and open connections.
func (s *Server) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := s.server.Shutdown(ctx); err != nil {
		_ = s.server.Close()
	}
	<-s.done
}
