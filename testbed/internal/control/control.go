// Package control is the fleet's control API: JSON over HTTP on loopback with the
// simulator's paths and body shapes (packages/sim/README.md "Control API"). A bad body
// gets a 400 naming the field and changes nothing.
//
//	GET /state                          proxies with their istiod and applied versions, settings
//	GET /traffic                        per-client counters
//	PUT /images/<url-encoded image>     a behaviour
//	PUT /proxies/overrides              {overrides: [...]}
//	PUT /istio/apply-delay              {medianMs, p99Ms}
//	PUT /clients                        {clients: [...]}
//	PUT /istio/propagation              {profile: normal|slow, stragglerFrom?: {match}}
//	GET /requests?after=N&limit=M       the ground truth: each request as its client saw it
//	GET /routes                         per client and image, the share its proxies route there
package control

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/switchyard/switchyard/testbed/internal/scenario"
)

// Controls is what the API reads and changes.
type Controls interface {
	// State is the JSON summary of `GET /state`.
	State() any
	// Traffic is the JSON of `GET /traffic`.
	Traffic() any
	SetBehaviour(image string, b scenario.Behaviour)
	SetOverrides(overrides []scenario.Override)
	SetApplyDelay(l scenario.Latency)
	SetClients(clients []scenario.Client)
	// SetPropagation puts a propagation profile in force and returns what it set; an
	// error (no proxy to be the straggler) is a 409.
	SetPropagation(p scenario.Propagation) (any, error)
	// Requests are the ground truth's records after a sequence number, at most limit.
	Requests(after int64, limit int) any
	// Routes are the ground truth's route windows.
	Routes() any
}

// maxRequestsPage is the most records one `GET /requests` returns.
const maxRequestsPage = 50_000

// maxBody is the largest body accepted.
const maxBody = 1 << 20

type problem struct {
	status int
	msg    string
	issues []scenario.Issue
}

func (p *problem) Error() string { return p.msg }

type errorBody struct {
	Error  string           `json:"error"`
	Issues []scenario.Issue `json:"issues"`
}

func readJSON(r *http.Request) (any, error) {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, &problem{status: 400, msg: "could not read the body: " + err.Error()}
	}
	if len(data) > maxBody {
		return nil, &problem{status: 413, msg: "body larger than 1 MiB"}
	}
	if strings.TrimSpace(string(data)) == "" {
		return map[string]any{}, nil
	}
	v, err := scenario.DecodeJSON(data)
	if err != nil {
		return nil, &problem{status: 400, msg: "body is not valid JSON"}
	}
	return v, nil
}

func invalid(err error) error {
	var se *scenario.Error
	if errors.As(err, &se) {
		return &problem{status: 400, msg: "invalid body: " + se.Error(), issues: se.Issues}
	}
	return &problem{status: 400, msg: "invalid body: " + err.Error()}
}

// Handler serves the control API.
func Handler(c Controls) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status, body, err := route(c, r)
		if err != nil {
			var p *problem
			if !errors.As(err, &p) {
				p = &problem{status: 500, msg: err.Error()}
			}
			issues := p.issues
			if issues == nil {
				issues = []scenario.Issue{}
			}
			status, body = p.status, errorBody{Error: p.msg, Issues: issues}
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(body); err != nil {
			status = 500
			buf.Reset()
			fmt.Fprintf(&buf, "{\"error\":%q,\"issues\":[]}\n", err.Error())
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(buf.Bytes())
	})
}

var known = []string{"/state", "/traffic", "/proxies/overrides", "/istio/apply-delay", "/clients",
	"/istio/propagation", "/requests", "/routes"}

func route(c Controls, r *http.Request) (int, any, error) {
	raw := strings.TrimRight(r.URL.EscapedPath(), "/")
	if raw == "" {
		raw = "/"
	}
	path, err := url.PathUnescape(raw)
	if err != nil {
		return 0, nil, &problem{status: 400, msg: "bad path: " + err.Error()}
	}
	switch {
	case r.Method == http.MethodGet && (path == "/" || path == "/state"):
		return 200, c.State(), nil
	case r.Method == http.MethodGet && path == "/traffic":
		return 200, c.Traffic(), nil
	case r.Method == http.MethodGet && path == "/routes":
		return 200, c.Routes(), nil
	case r.Method == http.MethodGet && path == "/requests":
		after, limit, err := pageQuery(r.URL.Query())
		if err != nil {
			return 0, nil, err
		}
		return 200, c.Requests(after, limit), nil
	case r.Method == http.MethodPut && path == "/istio/propagation":
		v, err := readJSON(r)
		if err != nil {
			return 0, nil, err
		}
		p, err := scenario.ParsePropagation(v)
		if err != nil {
			return 0, nil, invalid(err)
		}
		state, err := c.SetPropagation(p)
		if err != nil {
			return 0, nil, &problem{status: 409, msg: err.Error()}
		}
		return 200, state, nil
	case r.Method == http.MethodPut && path == "/proxies/overrides":
		v, err := readJSON(r)
		if err != nil {
			return 0, nil, err
		}
		overrides, err := scenario.ParseOverrides(v)
		if err != nil {
			return 0, nil, invalid(err)
		}
		c.SetOverrides(overrides)
		return 200, map[string]any{"overrides": overrides}, nil
	case r.Method == http.MethodPut && path == "/istio/apply-delay":
		v, err := readJSON(r)
		if err != nil {
			return 0, nil, err
		}
		l, err := scenario.ParseLatency(v)
		if err != nil {
			return 0, nil, invalid(err)
		}
		c.SetApplyDelay(l)
		return 200, l, nil
	case r.Method == http.MethodPut && path == "/clients":
		v, err := readJSON(r)
		if err != nil {
			return 0, nil, err
		}
		clients, err := scenario.ParseClients(v)
		if err != nil {
			return 0, nil, invalid(err)
		}
		c.SetClients(clients)
		return 200, map[string]any{"clients": clients}, nil
	}
	if rawImage, ok := strings.CutPrefix(raw, "/images/"); ok && rawImage != "" {
		if r.Method != http.MethodPut {
			return 0, nil, &problem{status: 405, msg: fmt.Sprintf("method %s not allowed on %s", r.Method, path)}
		}
		image, err := url.PathUnescape(rawImage)
		if err != nil {
			return 0, nil, &problem{status: 400, msg: "bad image name: " + err.Error()}
		}
		v, err := readJSON(r)
		if err != nil {
			return 0, nil, err
		}
		b, err := scenario.ParseBehaviour(v)
		if err != nil {
			return 0, nil, invalid(err)
		}
		c.SetBehaviour(image, b)
		return 200, map[string]any{"image": image, "behaviour": b}, nil
	}
	for _, k := range known {
		if path == k {
			return 0, nil, &problem{status: 405, msg: fmt.Sprintf("method %s not allowed on %s", r.Method, path)}
		}
	}
	return 0, nil, &problem{status: 404, msg: "no such control endpoint: " + path}
}

// pageQuery reads `after` (default 0) and `limit` (default and at most maxRequestsPage).
func pageQuery(q url.Values) (after int64, limit int, err error) {
	limit = maxRequestsPage
	if v := q.Get("after"); v != "" {
		n, perr := strconv.ParseInt(v, 10, 64)
		if perr != nil || n < 0 {
			return 0, 0, &problem{status: 400, msg: "after: expected a sequence number >= 0", issues: []scenario.Issue{{Path: "after", Message: "expected an integer >= 0"}}}
		}
		after = n
	}
	if v := q.Get("limit"); v != "" {
		n, perr := strconv.Atoi(v)
		if perr != nil || n < 1 || n > maxRequestsPage {
			return 0, 0, &problem{status: 400, msg: fmt.Sprintf("limit: expected 1..%d", maxRequestsPage), issues: []scenario.Issue{{Path: "limit", Message: fmt.Sprintf("expected an integer in 1..%d", maxRequestsPage)}}}
		}
		limit = n
	}
	return after, limit, nil
}
