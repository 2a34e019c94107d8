package volunteer_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"yima/access"
	"yima/fault"
	"yima/services/volunteer"
	"yima/store"
	"yima/store/migrations"
	"yima/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var schema = storetest.Schema{Name: "yima", Hash: migrations.Hash(), Migrate: migrations.Up}

// TestRegisterNumbers checks that registration numbers skip numbers the
// demo data already holds, and that a person registers once.
func TestRegisterNumbers(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := store.New(storetest.Open(t, schema))
	svc := volunteer.New(st, time.Now)
	person := func(t *testing.T) uuid.UUID {
		t.Helper()
		var id uuid.UUID
		if err := st.Pool.QueryRow(ctx, `INSERT INTO identity.person (name, id_number_masked) VALUES ('测试', '310***********1234') RETURNING id`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	// Numbers as the demo draws them, where the sequence starts.
	for _, no := range []string{"SH0000000001", "SH0000000002"} {
		if _, err := st.Pool.Exec(ctx, `INSERT INTO volunteer.volunteer (person_id, volunteer_no) VALUES ($1, $2)`, person(t), no); err != nil {
			t.Fatal(err)
		}
	}
	p := &access.Principal{PersonID: person(t), Kind: access.KindCitizen}
	v, err := svc.Register(ctx, p, "群众", []string{"应急救援", "社区服务"})
	if err != nil {
		t.Fatal(err)
	}
	if v.No != "SH0000000003" || v.IDNumberMasked != "310***********1234" || len(v.ServiceCategories) != 2 || v.ServiceCategories[0] != "社区服务" {
		t.Errorf("Register = %+v, want number SH0000000003 and categories in display order", v)
	}
	// A second call with the citizen principal (a stale cache on another
	// node) still finds the person registered.
	if _, err := svc.Register(ctx, p, "群众", []string{"社区服务"}); fault.ReasonOf(err) != "ALREADY_VOLUNTEER" {
		t.Errorf("second Register = %v, want ALREADY_VOLUNTEER", err)
	}
	staff := &access.Principal{PersonID: person(t), Kind: access.KindStaff}
	if _, err := svc.Register(ctx, staff, "群众", []string{"社区服务"}); fault.ReasonOf(err) != "NOT_CITIZEN" {
		t.Errorf("staff Register = %v, want NOT_CITIZEN", err)
	}
}
