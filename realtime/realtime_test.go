package realtime

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"yima/access"
	"yima/directory"
	"yima/engine/actors"
	"yima/engine/actors/grainpb"
	"yima/fault"
	"yima/natsbus"
	"yima/store/db"
)

// The cast: an org running a project, its leader, a leader of another org,
// and a volunteer on the project's roster.
var (
	orgID       = uuid.MustParse("00000000-0000-0000-0000-0000000000a1")
	otherOrgID  = uuid.MustParse("00000000-0000-0000-0000-0000000000a2")
	projectID   = uuid.MustParse("00000000-0000-0000-0000-0000000000b1")
	positionID  = uuid.MustParse("00000000-0000-0000-0000-0000000000c1")
	volunteerID = uuid.MustParse("00000000-0000-0000-0000-0000000000d1")
	sessionID   = uuid.MustParse("00000000-0000-0000-0000-0000000000e1")
)

// fakeAuth knows tokens by name; revoke makes one fail from then on.
type fakeAuth struct {
	mu      sync.Mutex
	tokens  map[string]*access.Principal
	revoked map[string]bool
}

func newFakeAuth() *fakeAuth {
	return &fakeAuth{
		tokens: map[string]*access.Principal{
			"leader":    {AccountID: uuid.New(), PersonID: uuid.New(), Kind: access.KindOrgLeader, OrgID: orgID},
			"leader2":   {AccountID: uuid.New(), PersonID: uuid.New(), Kind: access.KindOrgAdmin, OrgID: orgID},
			"stranger":  {AccountID: uuid.New(), PersonID: uuid.New(), Kind: access.KindOrgLeader, OrgID: otherOrgID},
			"volunteer": {AccountID: uuid.New(), PersonID: uuid.New(), Kind: access.KindVolunteer},
			"citizen":   {AccountID: uuid.New(), PersonID: uuid.New(), Kind: access.KindCitizen},
		},
		revoked: map[string]bool{},
	}
}

func (a *fakeAuth) Authenticate(_ context.Context, tok string) (*access.Principal, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p, ok := a.tokens[tok]
	if !ok || a.revoked[tok] {
		return nil, fault.New(fault.Unauthenticated, "TOKEN_INVALID", "登录凭证无效")
	}
	cp := *p
	return &cp, nil
}

func (a *fakeAuth) revoke(tok string) {
	a.mu.Lock()
	a.revoked[tok] = true
	a.mu.Unlock()
}

type fakeGrants struct{}

func (fakeGrants) Grants(context.Context, *access.Principal) (*access.Grants, error) {
	return &access.Grants{}, nil
}

// fakeAccess lets the project's org watch it and knows one volunteer.
type fakeAccess struct{ volunteerPerson uuid.UUID }

func (fakeAccess) WatchProject(_ context.Context, p *access.Principal, id uuid.UUID) error {
	if id != projectID {
		return fault.New(fault.NotFound, "PROJECT_NOT_FOUND", "项目不存在")
	}
	if (p.Kind == access.KindOrgLeader || p.Kind == access.KindOrgAdmin) && p.OrgID == orgID {
		return nil
	}
	return fault.New(fault.PermissionDenied, "NOT_ORG_MEMBER", "您不是该项目所属组织的负责人或管理员")
}

func (a fakeAccess) VolunteerOf(_ context.Context, p *access.Principal) (uuid.UUID, error) {
	if p.PersonID == a.volunteerPerson {
		return volunteerID, nil
	}
	return uuid.Nil, fault.New(fault.NotFound, "NOT_A_VOLUNTEER", "尚未注册志愿者")
}

// fakeNames is the database behind the hubs' directory.
type fakeNames struct{}

func (fakeNames) ListVolunteerNames(_ context.Context, ids []uuid.UUID) ([]db.ListVolunteerNamesRow, error) {
	var out []db.ListVolunteerNamesRow
	for _, id := range ids {
		if id == volunteerID {
			out = append(out, db.ListVolunteerNamesRow{ID: id, Name: "李晓梅"})
		}
	}
	return out, nil
}

func (fakeNames) ListPositionLabels(_ context.Context, ids []uuid.UUID) ([]db.ListPositionLabelsRow, error) {
	out := make([]db.ListPositionLabelsRow, len(ids))
	for i, id := range ids {
		out[i] = db.ListPositionLabelsRow{ID: id, PositionName: "站台引导", ProjectTitle: "徐家汇街道轨交站点文明引导"}
	}
	return out, nil
}

// cluster is one NATS server with a publisher and two hubs on their own
// connections: two nodes.
type cluster struct {
	auth *fakeAuth
	pub  *Publisher
	hubs [2]*Hub
	urls [2]string
}

func newCluster(t *testing.T, tune func(*HubOptions)) *cluster {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	bus, err := natsbus.Embedded(t.TempDir(), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bus.Close)
	pub, err := NewPublisher(t.Context(), bus.Conn, PublisherOptions{Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pub.Close() })
	c := &cluster{auth: newFakeAuth(), pub: pub}
	acc := fakeAccess{volunteerPerson: c.auth.tokens["volunteer"].PersonID}
	dir := directory.New(fakeNames{}, directory.Options{})
	for i := range c.hubs {
		nc, err := nats.Connect(bus.URL())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		opt := HubOptions{Conn: nc, Auth: c.auth, Grants: fakeGrants{}, Access: acc, Directory: dir, Log: log}
		if tune != nil {
			tune(&opt)
		}
		h, err := NewHub(opt)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		t.Cleanup(func() { h.Close(); srv.Close() })
		c.hubs[i], c.urls[i] = h, "ws"+strings.TrimPrefix(srv.URL, "http")
	}
	return c
}

// dial connects to hub i with token as the browsers send it.
func (c *cluster) dial(t *testing.T, i int, token string) *wsClient {
	t.Helper()
	d := websocket.Dialer{Subprotocols: []string{Subprotocol, token}, HandshakeTimeout: 5 * time.Second}
	ws, res, err := d.Dial(c.urls[i], nil)
	if err != nil {
		t.Fatalf("dial hub %d as %s: %v", i, token, err)
	}
	if got := res.Header.Get("Sec-WebSocket-Protocol"); got != Subprotocol {
		t.Errorf("selected subprotocol = %q, want %q (never the token)", got, Subprotocol)
	}
	w := &wsClient{t: t, ws: ws}
	t.Cleanup(func() { ws.Close() })
	if m := w.next(); m.Type != "hello" {
		t.Fatalf("first message = %+v, want hello", m)
	}
	return w
}

type wsClient struct {
	t  *testing.T
	ws *websocket.Conn
}

func (w *wsClient) send(req request) {
	w.t.Helper()
	if err := w.ws.WriteJSON(req); err != nil {
		w.t.Fatalf("send %+v: %v", req, err)
	}
}

// next reads the next message, failing the test after 5 s.
func (w *wsClient) next() Message {
	w.t.Helper()
	_ = w.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	var m Message
	if err := w.ws.ReadJSON(&m); err != nil {
		w.t.Fatalf("read: %v", err)
	}
	return m
}

func (w *wsClient) subscribe(topic string) Message {
	w.t.Helper()
	w.send(request{Type: "subscribe", Topic: topic, ID: "s1"})
	return w.next()
}

// signedIn is the event a grain publishes after committing a sign-in.
func signedIn(scanID string, onSite int) actors.Event {
	started := time.Date(2025, 5, 1, 8, 0, 0, 0, time.UTC)
	return actors.Event{
		ProjectID: projectID, VolunteerID: volunteerID, ScanID: scanID, OnSite: onSite, At: started,
		Result: &grainpb.ScanResult{
			Outcome: grainpb.Outcome_OUTCOME_SIGNED_IN, SessionId: sessionID[:], PositionId: positionID[:],
			VolunteerId: volunteerID[:], StartedAt: started.UnixMicro(),
		},
	}
}

func TestEventReachesClientsOnEveryNode(t *testing.T) {
	c := newCluster(t, nil)
	scannerA := c.dial(t, 0, "leader")
	scannerB := c.dial(t, 1, "leader2")
	phone := c.dial(t, 1, "volunteer")
	topic := TopicProjectPrefix + projectID.String()
	for _, w := range []*wsClient{scannerA, scannerB} {
		if m := w.subscribe(topic); m.Type != "subscribed" || m.Topic != topic || m.ID != "s1" {
			t.Fatalf("subscribe answer = %+v", m)
		}
	}
	if m := phone.subscribe(TopicVolunteerMe); m.Type != "subscribed" {
		t.Fatalf("subscribe volunteer:me answer = %+v", m)
	}

	c.pub.Publish(signedIn("scan-1", 7))

	for i, w := range []*wsClient{scannerA, scannerB} {
		m := w.next()
		if m.Type != "scan" || m.Topic != topic || m.Scan == nil {
			t.Fatalf("scanner %d got %+v, want a scan", i, m)
		}
		s := m.Scan
		if s.ScanID != "scan-1" || s.Outcome != OutcomeSignedIn || s.VolunteerName != "李**" ||
			s.PositionName != "站台引导" || s.SessionID != sessionID.String() || s.OnSite == nil || *s.OnSite != 7 {
			t.Errorf("scanner %d scan = %+v", i, s)
		}
		if s.StartedAt.IsZero() || s.Duplicate {
			t.Errorf("scanner %d: started_at %v duplicate %v", i, s.StartedAt, s.Duplicate)
		}
	}
	m := phone.next()
	if m.Type != "scan" || m.Topic != TopicVolunteerMe || m.Scan == nil {
		t.Fatalf("volunteer got %+v, want a scan", m)
	}
	if s := m.Scan; s.ProjectTitle != "徐家汇街道轨交站点文明引导" || s.PositionName != "站台引导" || s.OnSite != nil {
		t.Errorf("volunteer scan = %+v, want project and position named, no on-site count", s)
	}

	// A page opened later learns the on-site count from the stream.
	late := c.dial(t, 1, "leader")
	if m := late.subscribe(topic); m.OnSite == nil || *m.OnSite != 7 {
		t.Errorf("late subscribe = %+v, want on_site 7", m)
	}
}

func TestSubscribeRefusals(t *testing.T) {
	c := newCluster(t, nil)
	tests := []struct {
		name, token, topic, code, reason string
	}{
		{"别的组织的负责人", "stranger", TopicProjectPrefix + projectID.String(), "permission_denied", "NOT_ORG_MEMBER"},
		{"志愿者看项目", "volunteer", TopicProjectPrefix + projectID.String(), "permission_denied", "NOT_ORG_MEMBER"},
		{"不存在的项目", "leader", TopicProjectPrefix + uuid.NewString(), "not_found", "PROJECT_NOT_FOUND"},
		{"项目编号不是 UUID", "leader", "project:42", "invalid_argument", "TOPIC_INVALID"},
		{"未知主题", "leader", "everything", "invalid_argument", "TOPIC_INVALID"},
		{"非志愿者订阅 volunteer:me", "citizen", TopicVolunteerMe, "not_found", "NOT_A_VOLUNTEER"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := c.dial(t, 0, tt.token)
			m := w.subscribe(tt.topic)
			if m.Type != "error" || m.Code != tt.code || m.Reason != tt.reason || m.Topic != tt.topic || m.ID != "s1" {
				t.Errorf("got %+v, want error %s %s", m, tt.code, tt.reason)
			}
		})
	}

	// A refused subscription receives nothing: the stranger's next message
	// is the answer to a ping, not the scan.
	w := c.dial(t, 0, "stranger")
	w.subscribe(TopicProjectPrefix + projectID.String())
	c.pub.Publish(signedIn("scan-2", 1))
	leader := c.dial(t, 0, "leader")
	leader.subscribe(TopicProjectPrefix + projectID.String())
	c.pub.Publish(signedIn("scan-3", 1))
	if m := leader.next(); m.Scan == nil || m.Scan.ScanID != "scan-3" {
		t.Fatalf("leader got %+v, want scan-3", m)
	}
	w.send(request{Type: "ping", ID: "p"})
	if m := w.next(); m.Type != "pong" {
		t.Errorf("stranger got %+v, want only the pong", m)
	}
}

func TestHandshakeRefusals(t *testing.T) {
	c := newCluster(t, nil)
	httpURL := "http" + strings.TrimPrefix(c.urls[0], "ws")
	tests := []struct {
		name   string
		protos []string
		header http.Header
		url    string
		want   int
	}{
		{"没有令牌", []string{Subprotocol}, nil, c.urls[0], http.StatusUnauthorized},
		{"错误的令牌", []string{Subprotocol, "forged"}, nil, c.urls[0], http.StatusUnauthorized},
		{"查询参数里的错误令牌", nil, nil, c.urls[0] + "?token=forged", http.StatusUnauthorized},
		{"外来的 Origin", []string{Subprotocol, "leader"}, http.Header{"Origin": {"https://evil.example"}}, c.urls[0], http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := websocket.Dialer{Subprotocols: tt.protos, HandshakeTimeout: 5 * time.Second}
			ws, res, err := d.Dial(tt.url, tt.header)
			if err == nil {
				ws.Close()
				t.Fatal("handshake succeeded")
			}
			if res == nil || res.StatusCode != tt.want {
				t.Fatalf("handshake: %v, response %v, want status %d", err, res, tt.want)
			}
		})
	}

	t.Run("同源 Origin 与查询参数令牌", func(t *testing.T) {
		d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
		ws, _, err := d.Dial(c.urls[0]+"?token=leader", http.Header{"Origin": {httpURL}})
		if err != nil {
			t.Fatal(err)
		}
		ws.Close()
	})
	t.Run("不是 websocket 握手", func(t *testing.T) {
		res, err := http.Get(httpURL)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("status = %d, want 400", res.StatusCode)
		}
	})
}

func TestRevokedTokenClosesConnection(t *testing.T) {
	c := newCluster(t, func(o *HubOptions) { o.Ping = 50 * time.Millisecond })
	w := c.dial(t, 0, "leader")
	c.auth.revoke("leader")
	_ = w.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	var m Message
	err := w.ws.ReadJSON(&m)
	if !websocket.IsCloseError(err, CloseUnauthenticated) {
		t.Fatalf("read after revocation: %v, want close %d", err, CloseUnauthenticated)
	}
}

func TestHubCloseSaysGoingAway(t *testing.T) {
	c := newCluster(t, nil)
	w := c.dial(t, 0, "leader")
	if err := c.hubs[0].Close(); err != nil {
		t.Fatal(err)
	}
	_ = w.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	var m Message
	if err := w.ws.ReadJSON(&m); !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Fatalf("read after close: %v, want going away", err)
	}
	if n := c.hubs[0].Clients(); n != 0 {
		t.Errorf("clients after close = %d", n)
	}
}

func TestSlowClientIsDropped(t *testing.T) {
	h := &Hub{opt: HubOptions{}}
	h.opt.defaults()
	h.m = hubMetrics{slow: newCounter()}
	c := &client{hub: h, send: make(chan []byte, 2), done: make(chan struct{})}
	for i := range 2 {
		if !c.enqueue([]byte("x")) {
			t.Fatalf("enqueue %d refused with room in the queue", i)
		}
	}
	if c.enqueue([]byte("x")) {
		t.Fatal("enqueue into a full queue succeeded")
	}
	select {
	case <-c.done:
	default:
		t.Fatal("a client with a full queue is not being closed")
	}
	if c.closeCode != websocket.ClosePolicyViolation {
		t.Errorf("close code = %d, want policy violation", c.closeCode)
	}
}

func TestPublisherNeverBlocks(t *testing.T) {
	bus, err := natsbus.Embedded(t.TempDir(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()
	p, err := NewPublisher(t.Context(), bus.Conn, PublisherOptions{Queue: 1})
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	done := make(chan struct{})
	go func() {
		for i := range 100 {
			p.Publish(signedIn("after-close-"+string(rune('a'+i%26)), 1))
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Publish blocked")
	}
	if got := p.Dropped(); got != 100 {
		t.Errorf("dropped = %d, want 100", got)
	}
}

func newCounter() prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Name: "test_total", Help: "test"})
}

func TestTooManyRequestsCloseConnection(t *testing.T) {
	// A queue long enough for every pong: the limit, not slowness, ends it.
	c := newCluster(t, func(o *HubOptions) { o.SendQueue = 4 * maxRequestsPerMinute })
	w := c.dial(t, 0, "leader")
	for range maxRequestsPerMinute + 1 {
		if err := w.ws.WriteJSON(request{Type: "ping"}); err != nil {
			break // closed already
		}
	}
	_ = w.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		var m Message
		err := w.ws.ReadJSON(&m)
		if err == nil {
			continue // the pongs before the limit
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != websocket.ClosePolicyViolation || ce.Text != "too many requests" {
			t.Fatalf("read: %v, want close policy violation, too many requests", err)
		}
		return
	}
}
