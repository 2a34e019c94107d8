package rpc

import (
	"errors"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// jsonCodec is Connect's JSON codec with unpopulated fields emitted, so
// that false, 0 and empty lists appear in responses (ARCHITECTURE §4) and
// plain-JSON clients need not know proto3's defaults. Requests still accept
// both field spellings and ignore unknown fields.
type jsonCodec struct{ name string }

func (c jsonCodec) Name() string { return c.name }

func (c jsonCodec) Marshal(m any) ([]byte, error) {
	msg, ok := m.(proto.Message)
	if !ok {
		return nil, errors.New("json codec: not a proto message")
	}
	return protojson.MarshalOptions{EmitUnpopulated: true}.Marshal(msg)
}

func (c jsonCodec) Unmarshal(b []byte, m any) error {
	msg, ok := m.(proto.Message)
	if !ok {
		return errors.New("json codec: not a proto message")
	}
	if len(b) == 0 {
		// Connect clients may send an empty body for an empty message.
		b = []byte("{}")
	}
	return protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(b, msg)
}

// jsonCodecs replace Connect's JSON codecs under both names it serves.
func jsonCodecs() []connect.HandlerOption {
	return []connect.HandlerOption{
		connect.WithCodec(jsonCodec{name: "json"}),
		connect.WithCodec(jsonCodec{name: "json; charset=utf-8"}),
	}
}
