package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"yima/fault"
)

// HubOptions configure a Hub; zero tuning values take the defaults.
type HubOptions struct {
	// Conn is the node's NATS connection.
	Conn      *nats.Conn
	Auth      Authenticator
	Grants    Granter
	Access    Access
	Directory Directory
	// Origins are browser origins allowed besides the request's own host,
	// e.g. the public base URL behind a proxy ("https://yima.example").
	Origins []string
	Log     *slog.Logger
	// Registerer receives the hub's metrics; nil keeps them private.
	Registerer prometheus.Registerer

	// SendQueue is how many messages may wait for a slow client (64);
	// a client whose queue is full is disconnected.
	SendQueue int
	// Ping is how often the hub pings clients and checks their token
	// again (25 s); a client silent for 2.5 pings is dropped.
	Ping time.Duration
	// MaxClients on this node (10,000); more are refused with 503.
	MaxClients int
	// MaxTopics per connection (16).
	MaxTopics int
	// Backlog is how many NATS messages may wait for delivery (4096);
	// beyond it events are dropped and counted.
	Backlog int
}

func (o *HubOptions) defaults() {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.SendQueue == 0 {
		o.SendQueue = 64
	}
	if o.Ping == 0 {
		o.Ping = 25 * time.Second
	}
	if o.MaxClients == 0 {
		o.MaxClients = 10_000
	}
	if o.MaxTopics == 0 {
		o.MaxTopics = 16
	}
	if o.Backlog == 0 {
		o.Backlog = 4096
	}
}

// Hub is one node's websocket endpoint for the live pages. It serves
// GET /ws, holds one NATS subscription for every check-in event and fans
// each event out in memory to the clients watching its project or its
// volunteer.
type Hub struct {
	opt    HubOptions
	up     websocket.Upgrader
	js     jetstream.JetStream
	sub    *nats.Subscription
	events chan *nats.Msg
	stop   chan struct{}
	wg     sync.WaitGroup // dispatcher and client goroutines

	mu       sync.Mutex
	closed   bool
	clients  map[*client]struct{}
	watchers map[string]map[*client]struct{} // internal topic key → clients

	m hubMetrics
}

type hubMetrics struct {
	clients  prometheus.Gauge
	received prometheus.Counter
	dropped  prometheus.Counter
	pushed   prometheus.Counter
	slow     prometheus.Counter
}

// NewHub subscribes to the check-in events and returns the hub. Errors:
// the NATS subscription failed; metrics could not be registered.
func NewHub(opt HubOptions) (*Hub, error) {
	opt.defaults()
	h := &Hub{
		opt:      opt,
		events:   make(chan *nats.Msg, opt.Backlog),
		stop:     make(chan struct{}),
		clients:  map[*client]struct{}{},
		watchers: map[string]map[*client]struct{}{},
		m: hubMetrics{
			clients: prometheus.NewGauge(prometheus.GaugeOpts{
				Name: "yima_realtime_clients", Help: "Websocket clients connected to this node.",
			}),
			received: prometheus.NewCounter(prometheus.CounterOpts{
				Name: "yima_realtime_events_received_total", Help: "Check-in events this node's hub received from NATS.",
			}),
			dropped: prometheus.NewCounter(prometheus.CounterOpts{
				Name: "yima_realtime_events_backlog_dropped_total", Help: "Check-in events dropped because the hub's backlog was full.",
			}),
			pushed: prometheus.NewCounter(prometheus.CounterOpts{
				Name: "yima_realtime_messages_pushed_total", Help: "Messages queued to websocket clients.",
			}),
			slow: prometheus.NewCounter(prometheus.CounterOpts{
				Name: "yima_realtime_slow_clients_total", Help: "Websocket clients disconnected because their send queue was full.",
			}),
		},
	}
	h.up = websocket.Upgrader{
		HandshakeTimeout: 10 * time.Second,
		ReadBufferSize:   1024,
		WriteBufferSize:  4096,
		Subprotocols:     []string{Subprotocol},
		CheckOrigin:      h.originAllowed,
		Error: func(w http.ResponseWriter, r *http.Request, status int, reason error) {
			http.Error(w, reason.Error(), status)
		},
	}
	if r := opt.Registerer; r != nil {
		if err := registerAll(r, h.m.clients, h.m.received, h.m.dropped, h.m.pushed, h.m.slow); err != nil {
			return nil, err
		}
	}
	js, err := jetstream.New(opt.Conn)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	h.js = js
	h.sub, err = opt.Conn.Subscribe(subjectAll, func(m *nats.Msg) {
		h.m.received.Inc()
		select {
		case h.events <- m:
		default:
			h.m.dropped.Inc()
		}
	})
	if err != nil {
		return nil, fmt.Errorf("subscribe to %s: %w", subjectAll, err)
	}
	// The server knows the subscription before the hub takes clients.
	if err := opt.Conn.Flush(); err != nil {
		h.sub.Unsubscribe()
		return nil, fmt.Errorf("subscribe to %s: %w", subjectAll, err)
	}
	h.wg.Add(1)
	go h.dispatch()
	return h, nil
}

// Close ends every connection (going away) and the subscription, and waits
// for the hub's goroutines. http.Server.Shutdown does not know hijacked
// connections; the program calls Close after it.
func (h *Hub) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	clients := make([]*client, 0, len(h.clients))
	for c := range h.clients {
		clients = append(clients, c)
	}
	h.mu.Unlock()
	err := h.sub.Unsubscribe()
	if errors.Is(err, nats.ErrConnectionClosed) || errors.Is(err, nats.ErrConnectionDraining) {
		err = nil
	}
	close(h.stop)
	for _, c := range clients {
		c.close(websocket.CloseGoingAway, "server shutting down")
	}
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		h.opt.Log.Warn("realtime: hub goroutines still running after close")
	}
	return err
}

// Clients returns how many clients are connected to this hub.
func (h *Hub) Clients() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.clients)
}

// ServeHTTP authenticates the bearer token, checks the origin and upgrades
// the request to a websocket. Refusals come before the upgrade: 400 for a
// request that is no websocket handshake, 401 for a missing or refused
// token, 403 for a foreign origin, 503 when the node is full or closing.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !websocket.IsWebSocketUpgrade(r) {
		http.Error(w, "websocket handshake expected", http.StatusBadRequest)
		return
	}
	tok := bearerToken(r)
	if tok == "" {
		unauthorized(w, "missing token")
		return
	}
	ctx := r.Context()
	p, err := h.opt.Auth.Authenticate(ctx, tok)
	if err != nil {
		if fault.KindOf(err) == fault.Unauthenticated {
			unauthorized(w, fault.ReasonOf(err))
			return
		}
		h.opt.Log.ErrorContext(ctx, "realtime: authenticate", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if h.opt.Grants != nil {
		if p.Grants, err = h.opt.Grants.Grants(ctx, p); err != nil {
			h.opt.Log.ErrorContext(ctx, "realtime: grants", "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
	}
	if !h.originAllowed(r) {
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return
	}
	h.mu.Lock()
	full, closed := len(h.clients) >= h.opt.MaxClients, h.closed
	h.mu.Unlock()
	if full || closed {
		http.Error(w, "try again later", http.StatusServiceUnavailable)
		return
	}
	ws, err := h.up.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader answered already
	}
	c := &client{
		hub: h, ws: ws, token: tok, p: p,
		send:   make(chan []byte, h.opt.SendQueue),
		done:   make(chan struct{}),
		topics: map[string]string{},
	}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		ws.Close()
		return
	}
	h.clients[c] = struct{}{}
	h.wg.Add(2)
	h.mu.Unlock()
	h.m.clients.Inc()
	c.enqueue(mustJSON(Message{Type: "hello", AccountID: p.AccountID.String()}))
	go c.writeLoop()
	go c.readLoop()
}

func unauthorized(w http.ResponseWriter, reason string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="yima"`)
	http.Error(w, "unauthenticated: "+reason, http.StatusUnauthorized)
}

// bearerToken finds the token: the subprotocol list "yima.v1, <token>"
// (what browsers can send), an Authorization header (other clients), or
// the token query parameter (last resort: URLs end up in logs).
func bearerToken(r *http.Request) string {
	protos := websocket.Subprotocols(r)
	for i, p := range protos {
		if p == Subprotocol && i+1 < len(protos) {
			return protos[i+1]
		}
	}
	if t, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && t != "" {
		return t
	}
	return r.URL.Query().Get("token")
}

// originAllowed accepts clients that send no Origin (not browsers; they
// still need a token), the server's own origin as the request addressed
// it, and the configured origins.
func (h *Hub) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	for _, o := range h.opt.Origins {
		if strings.EqualFold(strings.TrimRight(o, "/"), origin) {
			return true
		}
	}
	return false
}

// remove forgets a client that has gone.
func (h *Hub) remove(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.clients[c]; !ok {
		return
	}
	delete(h.clients, c)
	for key := range c.topics {
		h.unwatchLocked(key, c)
	}
	h.m.clients.Dec()
}

func (h *Hub) unwatchLocked(key string, c *client) {
	if set := h.watchers[key]; set != nil {
		delete(set, c)
		if len(set) == 0 {
			delete(h.watchers, key)
		}
	}
	delete(c.topics, key)
}

// Internal topic keys: one namespace for projects and volunteers.
func projectKey(id uuid.UUID) string   { return "p:" + id.String() }
func volunteerKey(id uuid.UUID) string { return "v:" + id.String() }

// subscribe authorizes and registers a client's topic and confirms it.
func (h *Hub) subscribe(ctx context.Context, c *client, req request) {
	var key string
	var onSite *int
	switch {
	case req.Topic == TopicVolunteerMe:
		id, err := c.volunteerID(ctx)
		if err != nil {
			c.refuse(req, err)
			return
		}
		key = volunteerKey(id)
	case strings.HasPrefix(req.Topic, TopicProjectPrefix):
		id, err := uuid.Parse(strings.TrimPrefix(req.Topic, TopicProjectPrefix))
		if err != nil {
			c.refuse(req, fault.New(fault.Invalid, "TOPIC_INVALID", "项目编号格式不正确"))
			return
		}
		if err := h.opt.Access.WatchProject(ctx, c.p, id); err != nil {
			c.refuse(req, err)
			return
		}
		key = projectKey(id)
		onSite = h.lastOnSite(ctx, id)
	default:
		c.refuse(req, fault.New(fault.Invalid, "TOPIC_INVALID", "未知的订阅主题"))
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := c.topics[key]; !ok && len(c.topics) >= h.opt.MaxTopics {
		c.refuse(req, fault.New(fault.Exhausted, "TOO_MANY_TOPICS", "订阅的主题过多"))
		return
	}
	set := h.watchers[key]
	if set == nil {
		set = map[*client]struct{}{}
		h.watchers[key] = set
	}
	set[c] = struct{}{}
	c.topics[key] = req.Topic
	// Queued under the lock, so no event of the topic overtakes it.
	c.enqueue(mustJSON(Message{Type: "subscribed", Topic: req.Topic, ID: req.ID, OnSite: onSite}))
}

func (h *Hub) unsubscribe(c *client, req request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for key, topic := range c.topics {
		if topic == req.Topic {
			h.unwatchLocked(key, c)
		}
	}
	c.enqueue(mustJSON(Message{Type: "unsubscribed", Topic: req.Topic, ID: req.ID}))
}

// lastOnSite reads the on-site count of the project's latest event from
// the stream, so a page that just opened shows it before the next scan.
func (h *Hub) lastOnSite(ctx context.Context, project uuid.UUID) *int {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	s, err := h.js.Stream(ctx, StreamName)
	if err != nil {
		return nil
	}
	m, err := s.GetLastMsgForSubject(ctx, SubjectPrefix+project.String())
	if err != nil {
		if !errors.Is(err, jetstream.ErrMsgNotFound) {
			h.opt.Log.Debug("realtime: last event of project", "project", project, "err", err)
		}
		return nil
	}
	var e event
	if json.Unmarshal(m.Data, &e) != nil {
		return nil
	}
	return &e.OnSite
}

// dispatch delivers events in the order NATS brought them.
func (h *Hub) dispatch() {
	defer h.wg.Done()
	for {
		select {
		case <-h.stop:
			return
		case m := <-h.events:
			h.deliver(m)
		}
	}
}

// deliver pushes one event to its watchers. Names are looked up only when
// somebody watches, so a storm nobody looks at costs no queries.
func (h *Hub) deliver(m *nats.Msg) {
	h.mu.Lock()
	idle := len(h.watchers) == 0
	h.mu.Unlock()
	if idle {
		return // the common case under load: nobody looks
	}
	var e event
	if err := json.Unmarshal(m.Data, &e); err != nil || e.ProjectID == uuid.Nil {
		h.opt.Log.Warn("realtime: malformed check-in event", "subject", m.Subject)
		return
	}
	h.mu.Lock()
	projectWatchers := snapshot(h.watchers[projectKey(e.ProjectID)])
	var volunteerWatchers []*client
	if e.VolunteerID != uuid.Nil && (e.Outcome == OutcomeSignedIn || e.Outcome == OutcomeSignedOut) {
		volunteerWatchers = snapshot(h.watchers[volunteerKey(e.VolunteerID)])
	}
	h.mu.Unlock()
	if len(projectWatchers) == 0 && len(volunteerWatchers) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	s := h.describe(ctx, e)
	if len(projectWatchers) > 0 {
		ps := s
		ps.OnSite = &e.OnSite
		h.push(projectWatchers, mustJSON(Message{Type: "scan", Topic: TopicProjectPrefix + e.ProjectID.String(), Scan: &ps}))
	}
	if len(volunteerWatchers) > 0 {
		h.push(volunteerWatchers, mustJSON(Message{Type: "scan", Topic: TopicVolunteerMe, Scan: &s}))
	}
}

func (h *Hub) push(cs []*client, data []byte) {
	for _, c := range cs {
		if c.enqueue(data) {
			h.m.pushed.Inc()
		}
	}
}

// describe turns an event into what the pages show, names included; a
// name that cannot be looked up is left out rather than holding the event.
func (h *Hub) describe(ctx context.Context, e event) Scan {
	s := Scan{
		ScanID: e.ScanID, ProjectID: e.ProjectID.String(), Outcome: e.Outcome, Reason: e.Reason,
		StartedAt: e.StartedAt, EndedAt: e.EndedAt, DurationSeconds: e.DurationSeconds, At: e.At,
	}
	if e.VolunteerID != uuid.Nil {
		s.VolunteerID = e.VolunteerID.String()
		name, err := h.opt.Directory.VolunteerName(ctx, e.VolunteerID)
		if err != nil {
			h.opt.Log.Warn("realtime: volunteer name", "volunteer", e.VolunteerID, "err", err)
		}
		s.VolunteerName = name
	}
	if e.SessionID != uuid.Nil {
		s.SessionID = e.SessionID.String()
	}
	if e.PositionID != uuid.Nil {
		s.PositionID = e.PositionID.String()
		l, err := h.opt.Directory.Position(ctx, e.PositionID)
		if err != nil {
			h.opt.Log.Warn("realtime: position name", "position", e.PositionID, "err", err)
		}
		s.PositionName, s.ProjectTitle = l.Name, l.ProjectTitle
	}
	return s
}

func snapshot(set map[*client]struct{}) []*client {
	if len(set) == 0 {
		return nil
	}
	out := make([]*client, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	return out
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("realtime: marshal %T: %v", v, err)) // our own plain structs
	}
	return b
}
