package scenario

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
)

// Issue is one problem found in a body or scenario file, with the path of the field
// (`overrides[0].applyDelay.p99Ms`), formatted as the simulator formats zod issue paths.
type Issue struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// Error is a validation failure: every issue found, in document order.
type Error struct {
	Issues []Issue
}

func (e *Error) Error() string {
	parts := make([]string, 0, len(e.Issues))
	for _, issue := range e.Issues {
		if issue.Path == "" {
			parts = append(parts, issue.Message)
		} else {
			parts = append(parts, issue.Path+": "+issue.Message)
		}
	}
	return strings.Join(parts, "; ")
}

// checker walks a decoded JSON value (from json.Decoder.UseNumber) and collects issues.
type checker struct {
	issues []Issue
}

func (c *checker) fail(path, format string, args ...any) {
	c.issues = append(c.issues, Issue{Path: path, Message: fmt.Sprintf(format, args...)})
}

func (c *checker) err() error {
	if len(c.issues) == 0 {
		return nil
	}
	return &Error{Issues: c.issues}
}

func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

func index(path string, i int) string {
	return fmt.Sprintf("%s[%d]", path, i)
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number, float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// object checks that v is an object with only the allowed keys; ok is false when v is not
// an object at all.
func (c *checker) object(path string, v any, allowed ...string) (map[string]any, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		c.fail(path, "expected object, received %s", typeName(v))
		return nil, false
	}
	var unknown []string
	for key := range m {
		known := false
		for _, a := range allowed {
			if key == a {
				known = true
				break
			}
		}
		if !known {
			unknown = append(unknown, key)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		quoted := make([]string, len(unknown))
		for i, k := range unknown {
			quoted[i] = `"` + k + `"`
		}
		plural := ""
		if len(unknown) > 1 {
			plural = "s"
		}
		c.fail(path, "unknown field%s %s", plural, strings.Join(quoted, ", "))
	}
	return m, true
}

func (c *checker) array(path string, v any) ([]any, bool) {
	a, ok := v.([]any)
	if !ok {
		c.fail(path, "expected array, received %s", typeName(v))
	}
	return a, ok
}

// number reads an optional number field; present is false when the key is absent.
func (c *checker) number(m map[string]any, path, key string) (value float64, present, ok bool) {
	raw, present := m[key]
	if !present {
		return 0, false, true
	}
	p := join(path, key)
	var f float64
	switch n := raw.(type) {
	case json.Number:
		parsed, err := n.Float64()
		if err != nil {
			c.fail(p, "invalid number %s", n.String())
			return 0, true, false
		}
		f = parsed
	case float64:
		f = n
	default:
		c.fail(p, "expected number, received %s", typeName(raw))
		return 0, true, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		c.fail(p, "expected a finite number")
		return 0, true, false
	}
	return f, true, true
}

// numberIn reads a number in [min, max]; def when absent; required makes absence an issue.
func (c *checker) numberIn(m map[string]any, path, key string, min, max, def float64, required, integer bool) float64 {
	f, present, ok := c.number(m, path, key)
	if !present {
		if required {
			c.fail(join(path, key), "required")
		}
		return def
	}
	if !ok {
		return def
	}
	p := join(path, key)
	if integer && f != math.Trunc(f) {
		c.fail(p, "expected an integer, received %v", f)
		return def
	}
	if f < min {
		c.fail(p, "must be >= %v", min)
		return def
	}
	if f > max {
		c.fail(p, "must be <= %v", max)
		return def
	}
	return f
}

func (c *checker) boolean(m map[string]any, path, key string, def bool) bool {
	raw, present := m[key]
	if !present {
		return def
	}
	b, ok := raw.(bool)
	if !ok {
		c.fail(join(path, key), "expected boolean, received %s", typeName(raw))
		return def
	}
	return b
}

// str reads an optional string; empty strings are an issue when nonEmpty.
func (c *checker) str(m map[string]any, path, key string, nonEmpty bool) (string, bool) {
	raw, present := m[key]
	if !present {
		return "", false
	}
	s, ok := raw.(string)
	if !ok {
		c.fail(join(path, key), "expected string, received %s", typeName(raw))
		return "", false
	}
	if nonEmpty && s == "" {
		c.fail(join(path, key), "must not be empty")
		return "", false
	}
	return s, true
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
