package envoyadmin

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// marshalEnvoyJSON prints a message the way Envoy's admin interface does: the protobuf
// JSON mapping with proto field names (protobuf C++'s json/internal/unparser.cc, which
// Envoy's MessageUtil::getJsonStringFromMessage calls), fields in field-number order
// ("Fields are guaranteed to be serialized in field number order"), one space of
// indentation. Go's protojson prints the same values in declaration order and varies its
// whitespace on purpose, so only the values are taken from it (well-known types).
func marshalEnvoyJSON(m protoreflect.Message, resolver protoregistry.MessageTypeResolver) ([]byte, error) {
	var compact bytes.Buffer
	w := envoyJSONWriter{buf: &compact, resolver: resolver}
	if err := w.message(m); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, compact.Bytes(), "", " "); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

type envoyJSONWriter struct {
	buf      *bytes.Buffer
	resolver protoregistry.MessageTypeResolver
}

// wellKnown are the types whose JSON is not an object of their fields; their JSON comes
// from protojson (only the whitespace differs, and Indent rewrites it). Empty is an
// ordinary message here: `{}`, and inside an Any its `@type` alone (a type this binary
// does not link resolves to Empty, see lenientResolver).
var wellKnown = map[protoreflect.FullName]bool{
	"google.protobuf.Duration": true, "google.protobuf.Timestamp": true,
	"google.protobuf.FieldMask": true, "google.protobuf.Struct": true,
	"google.protobuf.Value": true, "google.protobuf.ListValue": true,
	"google.protobuf.DoubleValue": true, "google.protobuf.FloatValue": true,
	"google.protobuf.Int64Value": true, "google.protobuf.UInt64Value": true,
	"google.protobuf.Int32Value": true, "google.protobuf.UInt32Value": true,
	"google.protobuf.BoolValue": true, "google.protobuf.StringValue": true,
	"google.protobuf.BytesValue": true,
}

func (w envoyJSONWriter) message(m protoreflect.Message) error {
	name := m.Descriptor().FullName()
	if wellKnown[name] {
		b, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(m.Interface())
		if err != nil {
			return err
		}
		w.buf.Write(b)
		return nil
	}
	w.buf.WriteByte('{')
	first := true
	if name == "google.protobuf.Any" {
		if err := w.anyFields(m); err != nil {
			return err
		}
		first = false
	} else if err := w.fields(m, &first); err != nil {
		return err
	}
	w.buf.WriteByte('}')
	return nil
}

// anyFields: `@type`, then the packed message's fields (or `value` for a well-known type).
func (w envoyJSONWriter) anyFields(m protoreflect.Message) error {
	fields := m.Descriptor().Fields()
	url := m.Get(fields.ByNumber(1)).String()
	w.str(`@type`)
	w.buf.WriteByte(':')
	w.str(url)
	mt, err := w.resolver.FindMessageByURL(url)
	if err != nil {
		return fmt.Errorf("resolving %s: %w", url, err)
	}
	inner := mt.New()
	if err := (proto.UnmarshalOptions{Resolver: protoregistry.GlobalTypes}).Unmarshal(m.Get(fields.ByNumber(2)).Bytes(), inner.Interface()); err != nil {
		return fmt.Errorf("unpacking %s: %w", url, err)
	}
	if wellKnown[inner.Descriptor().FullName()] {
		w.buf.WriteString(`,"value":`)
		return w.message(inner)
	}
	first := false
	return w.fields(inner, &first)
}

func (w envoyJSONWriter) fields(m protoreflect.Message, first *bool) error {
	type field struct {
		fd protoreflect.FieldDescriptor
		v  protoreflect.Value
	}
	var set []field
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		set = append(set, field{fd, v})
		return true
	})
	sort.Slice(set, func(i, j int) bool { return set[i].fd.Number() < set[j].fd.Number() })
	for _, f := range set {
		if !*first {
			w.buf.WriteByte(',')
		}
		*first = false
		name := string(f.fd.Name())
		if f.fd.IsExtension() {
			name = "[" + string(f.fd.FullName()) + "]"
		}
		w.str(name)
		w.buf.WriteByte(':')
		if err := w.value(f.fd, f.v); err != nil {
			return err
		}
	}
	return nil
}

func (w envoyJSONWriter) value(fd protoreflect.FieldDescriptor, v protoreflect.Value) error {
	switch {
	case fd.IsList():
		list := v.List()
		w.buf.WriteByte('[')
		for i := 0; i < list.Len(); i++ {
			if i > 0 {
				w.buf.WriteByte(',')
			}
			if err := w.single(fd, list.Get(i)); err != nil {
				return err
			}
		}
		w.buf.WriteByte(']')
		return nil
	case fd.IsMap():
		entries := v.Map()
		type entry struct {
			key string
			v   protoreflect.Value
		}
		var all []entry
		entries.Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
			all = append(all, entry{k.String(), v})
			return true
		})
		sort.Slice(all, func(i, j int) bool { return all[i].key < all[j].key })
		w.buf.WriteByte('{')
		for i, e := range all {
			if i > 0 {
				w.buf.WriteByte(',')
			}
			w.str(e.key)
			w.buf.WriteByte(':')
			if err := w.single(fd.MapValue(), e.v); err != nil {
				return err
			}
		}
		w.buf.WriteByte('}')
		return nil
	}
	return w.single(fd, v)
}

// single prints one value of a field's kind, as the protobuf JSON mapping says.
func (w envoyJSONWriter) single(fd protoreflect.FieldDescriptor, v protoreflect.Value) error {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return w.message(v.Message())
	case protoreflect.BoolKind:
		w.buf.WriteString(strconv.FormatBool(v.Bool()))
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		w.buf.WriteString(strconv.FormatInt(v.Int(), 10))
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		w.buf.WriteString(strconv.FormatUint(v.Uint(), 10))
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		w.str(strconv.FormatInt(v.Int(), 10))
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		w.str(strconv.FormatUint(v.Uint(), 10))
	case protoreflect.FloatKind:
		w.float(v.Float(), 32)
	case protoreflect.DoubleKind:
		w.float(v.Float(), 64)
	case protoreflect.StringKind:
		w.str(v.String())
	case protoreflect.BytesKind:
		w.str(base64.StdEncoding.EncodeToString(v.Bytes()))
	case protoreflect.EnumKind:
		if fd.Enum().FullName() == "google.protobuf.NullValue" {
			w.buf.WriteString("null")
			break
		}
		if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil {
			w.str(string(ev.Name()))
		} else {
			w.buf.WriteString(strconv.FormatInt(int64(v.Enum()), 10))
		}
	default:
		return fmt.Errorf("field %s: unsupported kind %s", fd.FullName(), fd.Kind())
	}
	return nil
}

func (w envoyJSONWriter) float(f float64, bits int) {
	switch {
	case math.IsNaN(f):
		w.str("NaN")
	case math.IsInf(f, 1):
		w.str("Infinity")
	case math.IsInf(f, -1):
		w.str("-Infinity")
	default:
		w.buf.WriteString(strconv.FormatFloat(f, 'g', -1, bits))
	}
}

// str writes a JSON string without HTML escaping, as protojson and Envoy do.
func (w envoyJSONWriter) str(s string) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	w.buf.Write(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}
