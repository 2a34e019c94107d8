package rpc

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
)

// TestEveryProcedureHasARule walks every yima service linked into the
// binary, served or not, and fails on any method without an access rule, on
// any yima service the router does not serve, and on rules that make no
// sense (public with a permission, audit on a read).
func TestEveryProcedureHasARule(t *testing.T) {
	served := map[protoreflect.FullName]bool{}
	for _, s := range Services() {
		served[s.FullName()] = true
	}
	var all []protoreflect.ServiceDescriptor
	protoregistry.GlobalFiles.RangeFiles(func(f protoreflect.FileDescriptor) bool {
		if !strings.HasPrefix(string(f.Package()), "yima.") {
			return true
		}
		for i := range f.Services().Len() {
			all = append(all, f.Services().Get(i))
		}
		return true
	})
	if len(all) == 0 {
		t.Fatal("no yima services registered")
	}
	rules, err := RulesFor(all...)
	if err != nil {
		t.Fatalf("RulesFor: %v", err)
	}
	for _, sd := range all {
		if !served[sd.FullName()] {
			t.Errorf("service %s is defined but not served by NewHandler", sd.FullName())
		}
		for i := range sd.Methods().Len() {
			m := sd.Methods().Get(i)
			proc := "/" + string(sd.FullName()) + "/" + string(m.Name())
			rule := rules[proc]
			if rule == nil {
				t.Errorf("%s has no access rule", proc)
				continue
			}
			read := m.Options().(*descriptorpb.MethodOptions).GetIdempotencyLevel() == descriptorpb.MethodOptions_NO_SIDE_EFFECTS
			if read && rule.GetAudit() {
				t.Errorf("%s is NO_SIDE_EFFECTS but audited", proc)
			}
			if p := rule.GetPermission(); p != "" && len(strings.Split(p, ":")) != 3 {
				t.Errorf("%s: permission %q is not module:resource:action", proc, p)
			}
		}
	}
}

func TestRulesForRefusesAMethodWithoutRule(t *testing.T) {
	fd, err := protodesc.NewFile(&descriptorpb.FileDescriptorProto{
		Name:        proto.String("yima/test/v1/bare.proto"),
		Package:     proto.String("yima.test.v1"),
		Syntax:      proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{{Name: proto.String("Empty")}},
		Service: []*descriptorpb.ServiceDescriptorProto{{
			Name: proto.String("BareService"),
			Method: []*descriptorpb.MethodDescriptorProto{{
				Name:       proto.String("Open"),
				InputType:  proto.String(".yima.test.v1.Empty"),
				OutputType: proto.String(".yima.test.v1.Empty"),
			}},
		}},
	}, protoregistry.GlobalFiles)
	if err != nil {
		t.Fatal(err)
	}
	_, err = RulesFor(fd.Services().Get(0))
	if err == nil || !strings.Contains(err.Error(), "/yima.test.v1.BareService/Open") {
		t.Fatalf("RulesFor(BareService) = %v, want an error naming /yima.test.v1.BareService/Open", err)
	}
}
