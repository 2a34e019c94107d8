package checkin_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"

	"yima/directory"
	"yima/services/checkin"
)

// fakeDirectory answers names for known ids, fails for others, and hangs
// for slow until its context ends.
type fakeDirectory struct {
	volunteer, position, slow uuid.UUID
}

func (d fakeDirectory) VolunteerName(ctx context.Context, id uuid.UUID) (string, error) {
	switch id {
	case d.volunteer:
		return "李**", nil
	case d.slow:
		<-ctx.Done()
		return "", ctx.Err()
	}
	return "", directory.ErrNotFound
}

func (d fakeDirectory) Position(ctx context.Context, id uuid.UUID) (directory.PositionLabel, error) {
	if id == d.position {
		return directory.PositionLabel{Name: "站厅引导员", ProjectTitle: "徐家汇街道轨交站点文明引导"}, nil
	}
	return directory.PositionLabel{}, errors.New("database down")
}

func TestLabel(t *testing.T) {
	dir := fakeDirectory{volunteer: uuid.New(), position: uuid.New(), slow: uuid.New()}
	log := slog.New(slog.DiscardHandler)
	svc := checkin.New(checkin.Options{Directory: dir, Log: log, Now: time.Now})
	full := checkin.Labels{VolunteerName: "李**", PositionName: "站厅引导员", ProjectTitle: "徐家汇街道轨交站点文明引导"}
	for _, tc := range []struct {
		name                string
		svc                 *checkin.Service
		volunteer, position uuid.UUID
		want                checkin.Labels
	}{
		{"都能查到", svc, dir.volunteer, dir.position, full},
		{"志愿者查不到", svc, uuid.New(), dir.position, checkin.Labels{PositionName: full.PositionName, ProjectTitle: full.ProjectTitle}},
		{"岗位查询失败", svc, dir.volunteer, uuid.New(), checkin.Labels{VolunteerName: "李**"}},
		{"没有编号", svc, uuid.Nil, uuid.Nil, checkin.Labels{}},
		{"未配置目录", checkin.New(checkin.Options{Log: log, Now: time.Now}), dir.volunteer, dir.position, checkin.Labels{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.svc.Label(t.Context(), tc.volunteer, tc.position); got != tc.want {
				t.Errorf("Label = %+v, want %+v", got, tc.want)
			}
		})
	}
	t.Run("查询过慢不拖住答复", func(t *testing.T) {
		began := time.Now()
		got := svc.Label(t.Context(), dir.slow, dir.position)
		if took := time.Since(began); took > 5*time.Second {
			t.Errorf("Label took %v on a hanging lookup", took)
		}
		if got.VolunteerName != "" || got.PositionName != full.PositionName {
			t.Errorf("Label = %+v, want the position only", got)
		}
	})
}
