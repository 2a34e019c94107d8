package actors

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"yima/engine/actors/grainpb"
)

var (
	t0        = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	volA      = uuid.MustParse("00000000-0000-0000-0000-0000000000a1")
	volB      = uuid.MustParse("00000000-0000-0000-0000-0000000000b2")
	volGone   = uuid.MustParse("00000000-0000-0000-0000-0000000000c3")
	posBoth   = uuid.MustParse("00000000-0000-0000-0000-00000000f001")
	posStaff  = uuid.MustParse("00000000-0000-0000-0000-00000000f002")
	sessionID = uuid.MustParse("00000000-0000-0000-0000-00000000e001")
)

func testState() *state {
	return &state{
		rules: Rules{Status: "running", Start: t0, End: t0.Add(4 * time.Hour), ScanBefore: 30 * time.Minute,
			GeofenceMeters: 500, HasLocation: true, Lat: 31.1946, Lng: 121.4370},
		positions: map[uuid.UUID]position{posBoth: {staff: true, self: true}, posStaff: {staff: true}},
		roster:    map[uuid.UUID]uuid.UUID{volA: posBoth, volB: posStaff},
		epochs:    map[uuid.UUID]uint32{volA: 2, volB: 0},
		open:      map[uuid.UUID]openSession{},
		last:      map[uuid.UUID]lastScan{},
	}
}

func staff(epoch uint32) *grainpb.Scan {
	return &grainpb.Scan{Method: grainpb.Method_METHOD_STAFF_SCAN, CodeEpoch: epoch}
}

func self(lat, lng float64) *grainpb.Scan {
	return &grainpb.Scan{Method: grainpb.Method_METHOD_SELF_SCAN, HasLocation: true, Lat: lat, Lng: lng}
}

func TestDecide(t *testing.T) {
	newID := func() uuid.UUID { return sessionID }
	tests := []struct {
		name    string
		edit    func(*state)
		scan    *grainpb.Scan
		vol     uuid.UUID
		at      time.Time
		outcome grainpb.Outcome
		reason  string
		dup     bool
		reload  bool
	}{
		{"签到", nil, staff(2), volA, t0.Add(time.Minute), grainpb.Outcome_OUTCOME_SIGNED_IN, "", false, false},
		{"开始前30分钟可签到", nil, staff(2), volA, t0.Add(-30 * time.Minute), grainpb.Outcome_OUTCOME_SIGNED_IN, "", false, false},
		{"太早", nil, staff(2), volA, t0.Add(-31 * time.Minute), grainpb.Outcome_OUTCOME_REJECTED, ReasonOutsideWindow, false, false},
		{"结束后", nil, staff(2), volA, t0.Add(4*time.Hour + time.Second), grainpb.Outcome_OUTCOME_REJECTED, ReasonOutsideWindow, false, false},
		{"项目被驳回", func(s *state) { s.rules.Status = "rejected" }, staff(2), volA, t0, grainpb.Outcome_OUTCOME_REJECTED, ReasonProjectNotOpen, false, false},
		{"招募中也可签到", func(s *state) { s.rules.Status = "recruiting" }, staff(2), volA, t0, grainpb.Outcome_OUTCOME_SIGNED_IN, "", false, false},
		{"不在名单", nil, staff(0), volGone, t0, grainpb.Outcome_OUTCOME_REJECTED, ReasonNotOnRoster, false, false},
		{"旧码已作废", nil, staff(1), volA, t0, grainpb.Outcome_OUTCOME_REJECTED, ReasonCodeRevoked, false, false},
		{"新码需重新加载", nil, staff(3), volA, t0, grainpb.Outcome_OUTCOME_UNSPECIFIED, "", false, true},
		{"岗位不许自助扫码", nil, self(31.1946, 121.4370), volB, t0, grainpb.Outcome_OUTCOME_REJECTED, ReasonMethodNotAllowed, false, false},
		{"自助扫码在范围内", nil, self(31.1950, 121.4375), volA, t0, grainpb.Outcome_OUTCOME_SIGNED_IN, "", false, false},
		{"自助扫码太远", nil, self(31.2304, 121.4737), volA, t0, grainpb.Outcome_OUTCOME_REJECTED, ReasonTooFar, false, false},
		{"自助扫码无定位", nil, &grainpb.Scan{Method: grainpb.Method_METHOD_SELF_SCAN}, volA, t0, grainpb.Outcome_OUTCOME_REJECTED, ReasonLocationRequired, false, false},
		{"签退", func(s *state) {
			s.open[volA] = openSession{id: sessionID, position: posBoth, started: t0}
		}, staff(2), volA, t0.Add(90 * time.Minute), grainpb.Outcome_OUTCOME_SIGNED_OUT, "", false, false},
		{"60秒内重复", func(s *state) {
			s.last[volA] = lastScan{at: t0, result: &grainpb.ScanResult{Outcome: grainpb.Outcome_OUTCOME_SIGNED_IN}}
			s.open[volA] = openSession{id: sessionID, position: posBoth, started: t0}
		}, staff(2), volA, t0.Add(59 * time.Second), grainpb.Outcome_OUTCOME_SIGNED_IN, "", true, false},
		{"60秒后切换", func(s *state) {
			s.last[volA] = lastScan{at: t0, result: &grainpb.ScanResult{Outcome: grainpb.Outcome_OUTCOME_SIGNED_IN}}
			s.open[volA] = openSession{id: sessionID, position: posBoth, started: t0}
		}, staff(2), volA, t0.Add(61 * time.Second), grainpb.Outcome_OUTCOME_SIGNED_OUT, "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testState()
			if tt.edit != nil {
				tt.edit(s)
			}
			v := s.decide(tt.scan, tt.vol, tt.at, newID)
			if v.reloadEpoch != tt.reload {
				t.Fatalf("reloadEpoch = %v, want %v", v.reloadEpoch, tt.reload)
			}
			if tt.reload {
				return
			}
			if got := v.result.Outcome; got != tt.outcome {
				t.Errorf("outcome = %v, want %v", got, tt.outcome)
			}
			if got := v.result.Reason; got != tt.reason {
				t.Errorf("reason = %q, want %q", got, tt.reason)
			}
			if v.duplicate != tt.dup {
				t.Errorf("duplicate = %v, want %v", v.duplicate, tt.dup)
			}
		})
	}
}

func TestSignOutDurationIsWholeSeconds(t *testing.T) {
	s := testState()
	s.open[volA] = openSession{id: sessionID, position: posBoth, started: t0}
	v := s.decide(staff(2), volA, t0.Add(90*time.Minute+1500*time.Millisecond), nil)
	if v.result.DurationSeconds != 5401 {
		t.Errorf("duration = %d, want 5401", v.result.DurationSeconds)
	}
}

func TestLateOfflineScanNeverNegative(t *testing.T) {
	s := testState()
	s.open[volA] = openSession{id: sessionID, position: posBoth, started: t0.Add(time.Hour)}
	v := s.decide(staff(2), volA, t0.Add(30*time.Minute), nil)
	if v.result.Outcome != grainpb.Outcome_OUTCOME_SIGNED_OUT || v.result.DurationSeconds != 0 {
		t.Errorf("late sign-out = %v, want sign-out with 0 s", v.result)
	}
}

func TestApplyTogglesAndRemembers(t *testing.T) {
	s := testState()
	in := s.decide(staff(2), volA, t0, func() uuid.UUID { return sessionID })
	s.apply(volA, "a", t0, in)
	if _, ok := s.open[volA]; !ok {
		t.Fatal("sign-in did not open a session")
	}
	out := s.decide(staff(2), volA, t0.Add(2*time.Hour), nil)
	if out.result.Outcome != grainpb.Outcome_OUTCOME_SIGNED_OUT || uuid.UUID(out.result.SessionId) != sessionID {
		t.Fatalf("second scan = %v, want sign-out of %v", out.result, sessionID)
	}
	s.apply(volA, "b", t0.Add(2*time.Hour), out)
	if _, ok := s.open[volA]; ok {
		t.Error("sign-out left the session open")
	}
}
