package rpc

import (
	"fmt"
	"sort"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	optionsv1 "yima/rpc/gen/yima/options/v1"
)

// Rules maps each procedure ("/pkg.Service/Method") to the access rule its
// proto declares.
type Rules map[string]*optionsv1.Access

// RulesFor reads the access rules of services' methods, failing on any
// method that declares none: a procedure without a rule must never be
// served.
func RulesFor(services ...protoreflect.ServiceDescriptor) (Rules, error) {
	r := Rules{}
	var missing []string
	for _, sd := range services {
		methods := sd.Methods()
		for i := range methods.Len() {
			m := methods.Get(i)
			proc := "/" + string(sd.FullName()) + "/" + string(m.Name())
			a, _ := proto.GetExtension(m.Options(), optionsv1.E_Access).(*optionsv1.Access)
			if a == nil || !proto.HasExtension(m.Options(), optionsv1.E_Access) {
				missing = append(missing, proc)
				continue
			}
			if a.GetPublic() && a.GetPermission() != "" {
				return nil, fmt.Errorf("%s: public and a permission at once", proc)
			}
			r[proc] = a
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, fmt.Errorf("procedures without an access rule: %v", missing)
	}
	return r, nil
}
