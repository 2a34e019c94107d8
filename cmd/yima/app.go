package main

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"yima/access"
	"yima/config"
	"yima/directory"
	"yima/docsign"
	"yima/engine/actors"
	"yima/engine/codes"
	"yima/engine/ledger"
	"yima/keyring"
	"yima/natsbus"
	"yima/realtime"
	"yima/rpc"
	"yima/sensitive"
	"yima/services/admin/rbac"
	"yima/services/audit"
	"yima/services/certificate"
	certpdf "yima/services/certificate/pdf"
	"yima/services/checkin"
	"yima/services/elicense"
	"yima/services/elicense/library"
	"yima/services/identity"
	"yima/services/identity/oidc"
	"yima/services/identity/oidcdev"
	"yima/services/identity/token"
	"yima/services/member"
	"yima/services/notify"
	"yima/services/notify/sms"
	"yima/services/org"
	"yima/services/project"
	"yima/services/record"
	"yima/services/recordcheck"
	"yima/services/recordcheck/dept"
	"yima/services/volunteer"
	"yima/services/volunteer/card"
	"yima/store"
	"yima/store/demo"
	"yima/store/migrations"
	"yima/store/pgserver"
	"yima/web"
)

// revokedSubject carries session revocations between nodes.
const revokedSubject = "yima.identity.revoked"

// Main is one yima server process. Tests start it on port 0 and read Addr.
type Main struct {
	Config config.Config
	// Addr is the address the server listens on, set by Run.
	Addr string
	// BaseURL is how browsers reach it, set by Run.
	BaseURL string
	// Now tells the time to every part; nil means time.Now. Tests move it.
	Now func() time.Time

	stdout, stderr io.Writer
	getenv         func(string) string
	log            *slog.Logger

	closers  []func() error // run in reverse by Close
	server   *http.Server
	serveErr chan error

	// checkinStaff is the attendance desk and code activation, for tests
	// that run its periodic jobs by hand.
	checkinStaff *checkin.Staff
}

// NewMain returns a Main writing to stdout and stderr and reading the
// environment through getenv.
func NewMain(stdout, stderr io.Writer, getenv func(string) string) *Main {
	return &Main{stdout: stdout, stderr: stderr, getenv: getenv}
}

// ParseFlags reads the configuration of command ("dev" or "serve"):
// defaults, then --config's file, then YIMA_* variables, then flags.
func (m *Main) ParseFlags(command string, args []string) error {
	mode := config.ModeServe
	if command == "dev" {
		mode = config.ModeDev
	}
	m.Config = config.Default(mode)
	fs := flag.NewFlagSet("yima "+command, flag.ContinueOnError)
	fs.SetOutput(m.stderr)
	configFile := fs.String("config", "", "YAML configuration file")
	addr := fs.String("addr", "", "listen address (default "+m.Config.Addr+")")
	dataDir := fs.String("data-dir", "", "data directory for PostgreSQL, NATS and dev keys (dev; default "+m.Config.DataDir+")")
	dbURL := fs.String("database-url", "", "PostgreSQL URL (dev: instead of the private server)")
	natsURL := fs.String("nats-url", "", "NATS URL (dev: instead of the in-process server)")
	demoFlag := fs.Bool("demo", false, "load the demo data set (dev)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if err := m.Config.LoadFile(*configFile); err != nil {
		return err
	}
	if err := m.Config.LoadEnv(m.getenv); err != nil {
		return err
	}
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&m.Config.Addr, *addr)
	set(&m.Config.DataDir, *dataDir)
	set(&m.Config.DatabaseURL, *dbURL)
	set(&m.Config.NATSURL, *natsURL)
	if *demoFlag {
		m.Config.Demo = true
	}
	return m.Config.Validate()
}

// Run starts every part and returns once the server accepts requests.
func (m *Main) Run(ctx context.Context) error {
	began := time.Now()
	cfg := &m.Config
	m.log = newLogger(m.stderr, cfg.LogLevel)
	dev := cfg.Mode == config.ModeDev

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	m.closers = append(m.closers, func() error { ln.Close(); return nil })
	m.Addr = ln.Addr().String()
	m.BaseURL = cfg.BaseURL(m.Addr)

	dataDir := ""
	if dev {
		if dataDir, err = cfg.AbsDataDir(); err != nil {
			return err
		}
		if err := os.MkdirAll(dataDir, 0o755); err != nil {
			return fmt.Errorf("create data dir: %w", err)
		}
	}
	keys, err := m.loadKeys(dataDir)
	if err != nil {
		return err
	}

	dbURL, err := m.database(ctx, dataDir)
	if err != nil {
		return err
	}
	if err := migrations.Up(ctx, dbURL); err != nil {
		return err
	}
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	m.closers = append(m.closers, func() error { st.Close(); return nil })

	bus, err := m.bus(dataDir)
	if err != nil {
		return err
	}
	m.closers = append(m.closers, func() error { bus.Close(); return nil })

	box, err := sensitive.NewBox(keys.Data(), keys.Index())
	if err != nil {
		return err
	}
	signer, err := token.NewSigner(keys.Token())
	if err != nil {
		return err
	}
	now := m.Now
	if now == nil {
		now = time.Now
	}
	// staffSvc (the attendance desk and code activation) is built with the
	// check-in engine below, before the server takes any sign-in.
	var staffSvc *checkin.Staff
	idSvc := identity.New(identity.Options{
		Store: st, Box: box, Tokens: signer, TTL: cfg.SessionTTL, Now: now, Log: m.log, Dev: dev,
		Broadcast: func(ctx context.Context, session uuid.UUID, until time.Time) error {
			return bus.Conn.Publish(revokedSubject, encodeRevocation(session, until))
		},
		SignedIn: func(ctx context.Context, person uuid.UUID) { staffSvc.SignedIn(ctx, person) },
	})
	if err := idSvc.LoadRevocations(ctx); err != nil {
		return err
	}
	sub, err := bus.Conn.Subscribe(revokedSubject, func(msg *nats.Msg) {
		if id, until, ok := decodeRevocation(msg.Data); ok {
			idSvc.Revoked(id, until)
		}
	})
	if err != nil {
		return fmt.Errorf("subscribe to revocations: %w", err)
	}
	m.closers = append(m.closers, sub.Unsubscribe)

	rbacSvc := rbac.New(st, now, m.log)
	auditLog := audit.New(st, now)
	root, err := org.EnsureRoot(ctx, st)
	if err != nil {
		return err
	}
	if err := rbacSvc.Bootstrap(ctx, root.ID); err != nil {
		return err
	}
	if err := auditLog.EnsurePartitions(ctx); err != nil {
		return err
	}
	// Notifications: the outbox's stream, the use cases, and on every node
	// a dispatcher sending through the SMS gateway.
	notifyQueue, err := notify.NewQueue(ctx, bus.Conn, notify.QueueOptions{})
	if err != nil {
		return err
	}
	notifySvc := notify.New(notify.Options{
		Store: st, Now: now, Log: m.log, Queue: notifyQueue,
		Staff: notify.StaffScopeFunc(func(ctx context.Context, p *access.Principal) (bool, []uuid.UUID, error) {
			v, err := rbacSvc.Visible(ctx, p)
			return v.All, v.Departments, err
		}),
	})
	gateway, devSMS, err := m.smsGateway(st, now)
	if err != nil {
		return err
	}
	dispatcher, err := notify.StartDispatcher(ctx, notify.DispatcherOptions{
		Store: st, Box: box, Gateway: gateway, Conn: bus.Conn, Queue: notifyQueue, Now: now, Log: m.log,
	})
	if err != nil {
		return err
	}
	m.closers = append(m.closers, dispatcher.Close)
	orgSvc := org.New(org.Options{
		Store: st, Now: now, Accounts: idSvc, Notices: notifySvc,
		Staff: org.StaffScopeFunc(func(ctx context.Context, p *access.Principal) (bool, []uuid.UUID, error) {
			v, err := rbacSvc.Visible(ctx, p)
			return v.All, v.Departments, err
		}),
	})
	// One renderer, and so one read of the CJK font, for the certificate
	// and card documents.
	docs := certpdf.New(certpdf.DefaultFont)
	// Cards list the volunteers of the volunteer archive's scope, which a
	// volunteer service without cards resolves.
	// The card service tells the e-license sweeper of the cards it issues,
	// and the sweeper reads them back from it; the sweeper is built before
	// anything issues a card.
	var elicenseSvc *elicense.Service
	cardSvc, err := m.cards(st, box, keys, docs, volunteer.NewWith(st, now, volunteer.Options{Orgs: orgSvc}), func() { elicenseSvc.Kick() }, now)
	if err != nil {
		return err
	}
	elicenseSvc, devLibrary, err := m.elicenses(ctx, st, cardSvc, now)
	if err != nil {
		return err
	}
	volunteerSvc := volunteer.NewWith(st, now, volunteer.Options{
		Orgs:          orgSvc,
		IDNumberIndex: func(n string) []byte { return box.Index(identity.FieldIDNumber, n) },
		Cards:         cardSvc,
	})
	// The check-in engine: a ledger on this node that group-commits the
	// decisions of the ProjectGrains this node hosts.
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	led := ledger.New(st.Pool, ledger.Options{Log: m.log, Registerer: reg, MaxBatch: cfg.LedgerMaxBatch, Writers: cfg.LedgerWriters})
	m.closers = append(m.closers, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return led.Close(ctx)
	})
	// Committed scans go to JetStream for the live pages of every node.
	events, err := realtime.NewPublisher(ctx, bus.Conn, realtime.PublisherOptions{Log: m.log, Registerer: reg})
	if err != nil {
		return err
	}
	m.closers = append(m.closers, events.Close)
	cl, err := actors.Start(cfg.Cluster, m.log, actors.Kinds(actors.GrainDeps{Store: st, Ledger: led, Log: m.log, Events: events})...)
	if err != nil {
		return err
	}
	m.closers = append(m.closers, func() error { cl.Stop(); return nil })
	engine := actors.NewEngine(cl)
	codeSvc, err := codes.New(keys.Code(), keys.Sign())
	if err != nil {
		return fmt.Errorf("code keys: %w", err)
	}
	ticketKey, err := keys.Token().Derive("yima/checkin/code-ticket/v1", 32)
	if err != nil {
		return fmt.Errorf("derive code ticket key: %w", err)
	}
	if staffSvc, err = checkin.NewStaff(checkin.StaffOptions{
		Store: st, Codes: codeSvc, Grains: engine, Now: now, Log: m.log, TicketKey: ticketKey, Scopes: orgSvc,
	}); err != nil {
		return err
	}
	m.checkinStaff = staffSvc
	orgAdmins := org.NewAdmins(orgSvc, org.AdminOptions{Box: box, Sessions: idSvc})
	orgTicketKey, err := keys.Token().Derive("yima/org/code-ticket/v1", 32)
	if err != nil {
		return fmt.Errorf("derive org code ticket key: %w", err)
	}
	orgCodes, err := org.NewCodes(orgSvc, codeSvc, orgTicketKey)
	if err != nil {
		return err
	}
	// One name cache for the scan answers and the live pages.
	names := directory.New(st.Q, directory.Options{})
	checkinSvc := checkin.New(checkin.Options{
		Store: st, Codes: codeSvc, Grains: engine, Devices: staffSvc, Directory: names, Now: now, Log: m.log,
		Trail: &checkin.LedgerTrail{Ledger: led, Store: st, Log: m.log},
	})
	projectSvc := project.New(project.Options{Store: st, Now: now, Log: m.log, Orgs: orgSvc, Roster: engine, Notices: notifySvc})
	if cfg.Demo {
		sum, err := demo.Load(ctx, st.Pool, demo.Options{
			Volunteers: cfg.DemoVolunteers, Sealer: box,
			MaskID: sensitive.MaskIDNumber, MaskPhone: sensitive.MaskPhone, Log: m.log,
		})
		if err != nil {
			return err
		}
		m.log.Info("demo data", "loaded_now", sum.Loaded, "districts", sum.Districts, "projects", sum.Projects, "volunteers", sum.Volunteers)
	}
	go m.backfillCards(ctx, cardSvc)

	routes, err := m.signInRoutes(idSvc, keys, dev)
	if err != nil {
		return err
	}
	routes["/"] = web.Handler()
	hub, err := realtime.NewHub(realtime.HubOptions{
		Conn: bus.Conn, Auth: idSvc, Grants: rbacSvc, Log: m.log, Registerer: reg,
		Access:    realtime.ServiceAccess{Projects: projectSvc, Orgs: orgSvc, Volunteers: volunteerSvc},
		Directory: names, Origins: []string{m.BaseURL},
	})
	if err != nil {
		return err
	}
	m.closers = append(m.closers, hub.Close)
	routes["GET /ws"] = hub
	recordSvc := record.New(st, now, m.log)
	certificateSvc, err := m.certificates(st, box, keys, docs, orgSvc, rbacSvc, projectSvc, now)
	if err != nil {
		return err
	}
	memberSvc := member.New(member.Options{
		Store: st, Now: now,
		IDNumberIndex: func(n string) []byte { return box.Index(identity.FieldIDNumber, n) },
		Orgs:          orgSvc,
	})
	recordCheckSvc, devDepartment, err := m.recordChecks(ctx, st, box, now)
	if err != nil {
		return err
	}
	closer := &checkin.Closer{
		Store: st, Records: recordSvc, Grains: engine, Now: now,
		Manages: func(ctx context.Context, p *access.Principal, id uuid.UUID) error {
			_, err := projectSvc.Manages(ctx, p, id)
			return err
		},
	}
	handler, err := rpc.NewHandler(rpc.Deps{
		Dev: dev, Log: m.log, Registry: reg,
		Identity: idSvc, RBAC: rbacSvc, Audit: auditLog,
		Volunteer: volunteerSvc, Org: orgSvc, Project: projectSvc, Checkin: checkinSvc,
		CheckinStaff: staffSvc, Record: recordSvc, ProjectCloser: closer, Certificate: certificateSvc,
		Notify: notifySvc, DevSMS: devSMS,
		OrgAdmins: orgAdmins, OrgCodes: orgCodes,
		Member:      memberSvc,
		Card:        cardSvc,
		RecordCheck: recordCheckSvc, DevDepartment: devDepartment,
		Elicense: elicenseSvc, DevLibrary: devLibrary,
		Ready: func(ctx context.Context) error {
			if err := st.Pool.Ping(ctx); err != nil {
				return fmt.Errorf("database: %w", err)
			}
			return bus.Ready()
		},
		DemoUsernames: []string{rbac.AdminUsername},
		MapTiles:      rpc.MapTiles{URL: cfg.Web.MapTileURL, Attribution: cfg.Web.MapTileAttribution},
		Routes:        routes,
	})
	if err != nil {
		return err
	}
	if err := led.EnsurePartitions(ctx); err != nil {
		return err
	}
	go m.housekeeping(ctx, upkeep{identity: idSvc, audit: auditLog, projects: projectSvc, records: recordSvc, grains: engine, ledger: led, closer: closer, orgAdmins: orgAdmins})
	go m.codeUpkeep(ctx, staffSvc, now)

	m.server = newHTTPServer(handler, m.log)
	m.serveErr = make(chan error, 1)
	go func() {
		var err error
		if cfg.TLS.CertFile != "" {
			m.server.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
			err = m.server.ServeTLS(ln, cfg.TLS.CertFile, cfg.TLS.KeyFile)
		} else {
			err = m.server.Serve(ln)
		}
		if !errors.Is(err, http.ErrServerClosed) {
			m.serveErr <- err
		}
		close(m.serveErr)
	}()
	m.log.Info("yima ready", "mode", cfg.Mode, "url", m.BaseURL, "startup", time.Since(began).Round(time.Millisecond).String())
	m.banner(cfg.Demo)
	return nil
}

// Close shuts the server down gracefully, then every part in reverse order
// of starting.
func (m *Main) Close() error {
	var errs []error
	if m.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := m.server.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("shut down http: %w", err))
		}
		cancel()
		if err := <-m.serveErr; err != nil {
			errs = append(errs, fmt.Errorf("serve: %w", err))
		}
		m.server = nil
	}
	for i := len(m.closers) - 1; i >= 0; i-- {
		if err := m.closers[i](); err != nil {
			errs = append(errs, err)
		}
	}
	m.closers = nil
	return errors.Join(errs...)
}

func (m *Main) loadKeys(dataDir string) (*keyring.Keyring, error) {
	if m.Config.Mode == config.ModeDev {
		return keyring.LoadOrCreateDev(dataDir)
	}
	if m.Config.KeysFile != "" {
		return keyring.Load(m.Config.KeysFile)
	}
	return keyring.FromEnv(m.getenv)
}

// database returns the database URL, starting the private dev server when
// none is configured.
func (m *Main) database(ctx context.Context, dataDir string) (string, error) {
	if m.Config.DatabaseURL != "" {
		return m.Config.DatabaseURL, nil
	}
	logf, err := os.OpenFile(filepath.Join(dataDir, "postgres.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return "", fmt.Errorf("open postgres log: %w", err)
	}
	pgDir := filepath.Join(dataDir, "pg")
	srv, err := pgserver.Start(ctx, pgserver.Options{DataDir: pgDir, Log: logf})
	if errors.Is(err, pgserver.ErrUnreachable) {
		// As root, PostgreSQL runs as an unprivileged user who cannot enter
		// e.g. /root; keep its data where it can, one directory per data dir.
		pgDir = filepath.Join("/var/lib/yima", fmt.Sprintf("pg-%x", sha256.Sum256([]byte(dataDir)))[:19])
		m.log.Info("data dir unreachable by the postgres user; keeping PostgreSQL data elsewhere", "pg_data_dir", pgDir)
		srv, err = pgserver.Start(ctx, pgserver.Options{DataDir: pgDir, Log: logf})
	}
	if err != nil {
		logf.Close()
		return "", fmt.Errorf("start private postgresql: %w", err)
	}
	m.closers = append(m.closers, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		defer logf.Close()
		return srv.Stop(ctx)
	})
	if err := srv.EnsureDatabase(ctx, "yima"); err != nil {
		return "", err
	}
	m.log.Info("private postgresql started", "port", srv.Port(), "data_dir", srv.DataDir())
	return srv.URL("yima"), nil
}

func (m *Main) bus(dataDir string) (*natsbus.Bus, error) {
	if m.Config.NATSURL != "" {
		return natsbus.Connect(m.Config.NATSURL, m.log)
	}
	return natsbus.Embedded(filepath.Join(dataDir, "nats"), m.log)
}

// smsGateway is the production SMS client when a gateway is configured
// (serve requires one), else the dev gateway, returned twice so that the
// console can list what it received.
func (m *Main) smsGateway(st *store.Store, now func() time.Time) (sms.Gateway, *sms.Dev, error) {
	c := m.Config.SMS
	if c.Endpoint != "" {
		gw, err := sms.NewClient(sms.ClientConfig{Endpoint: c.Endpoint, AppKey: c.AppKey, AppSecret: c.AppSecret, Timeout: c.Timeout}, nil)
		return gw, nil, err
	}
	if m.Config.Mode != config.ModeDev {
		return nil, nil, errors.New("serve: no sms gateway configured")
	}
	dev := sms.NewDev(st, m.log, now)
	m.log.Info("dev sms gateway: texts are recorded and logged, not sent", "console", m.BaseURL+"/admin/monitor/dev-sms")
	return dev, dev, nil
}

// runUntilClose runs run in its own goroutine until ctx ends or the
// program closes, which waits for it to return: a sweeper must not touch
// the store after the store closed.
func (m *Main) runUntilClose(ctx context.Context, run func(context.Context)) {
	ctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		run(ctx)
	}()
	m.closers = append(m.closers, func() error { stop(); <-done; return nil })
}

// recordChecks builds the record-check service and starts its sweeper,
// stopped before the store closes. The department is the production client
// when one is configured (serve requires one), else the dev department,
// returned too so that the console can decide its cases.
func (m *Main) recordChecks(ctx context.Context, st *store.Store, box *sensitive.Box, now func() time.Time) (*recordcheck.Service, *dept.Dev, error) {
	var department dept.Department
	var dev *dept.Dev
	if c := m.Config.RecordCheck; c.Endpoint != "" {
		client, err := dept.NewClient(dept.ClientConfig{Endpoint: c.Endpoint, AppKey: c.AppKey, AppSecret: c.AppSecret, Timeout: c.Timeout}, nil)
		if err != nil {
			return nil, nil, err
		}
		department = client
	} else {
		if m.Config.Mode != config.ModeDev {
			return nil, nil, errors.New("serve: no record-check department configured")
		}
		dev = dept.NewDev(st, m.log, now)
		department = dev
		m.log.Info("dev record-check department: applications are decided by hand (DecideDevRecordCheck)")
	}
	svc := recordcheck.New(recordcheck.Options{Store: st, Box: box, Department: department, Now: now, Log: m.log})
	m.runUntilClose(ctx, svc.Run)
	return svc, dev, nil
}

// elicenses builds the service pushing volunteer cards to the city
// e-license library and starts its sweeper, stopped before the store
// closes. The library is the production client when one is configured
// (serve requires one), else the dev library, returned too so that the
// console shows what it received.
func (m *Main) elicenses(ctx context.Context, st *store.Store, cards elicense.Cards, now func() time.Time) (*elicense.Service, *library.Dev, error) {
	var lib library.Library
	var dev *library.Dev
	if c := m.Config.Elicense; c.Endpoint != "" {
		client, err := library.NewClient(library.ClientConfig{Endpoint: c.Endpoint, AppKey: c.AppKey, AppSecret: c.AppSecret, Timeout: c.Timeout}, nil)
		if err != nil {
			return nil, nil, err
		}
		lib = client
	} else {
		if m.Config.Mode != config.ModeDev {
			return nil, nil, errors.New("serve: no e-license library configured")
		}
		dev = library.NewDev(st, m.log, now)
		lib = dev
		m.log.Info("dev e-license library: cards are recorded and logged, not pushed", "console", m.BaseURL+"/admin/monitor/dev-elicense")
	}
	svc := elicense.New(elicense.Options{Store: st, Library: lib, Cards: cards, Now: now, Log: m.log})
	m.runUntilClose(ctx, svc.Run)
	return svc, dev, nil
}

// signInRoutes mounts the OIDC sign-in flow, and in dev the mock identity
// provider it talks to.
func (m *Main) signInRoutes(idSvc *identity.Service, keys *keyring.Keyring, dev bool) (map[string]http.Handler, error) {
	routes := map[string]http.Handler{}
	oc := oidc.Config{
		Issuer: m.Config.OIDC.Issuer, ClientID: m.Config.OIDC.ClientID,
		ClientSecret: m.Config.OIDC.ClientSecret, RedirectURL: m.BaseURL + oidc.CallbackPath,
	}
	if dev {
		const devClient, devSecret = "yima-dev", "yima-dev-secret"
		oc.Issuer, oc.ClientID, oc.ClientSecret = m.BaseURL+"/oidc-dev", devClient, devSecret
		var citizens []oidcdev.Citizen
		for _, c := range demo.Citizens() {
			citizens = append(citizens, oidcdev.Citizen{Name: c.Name, IDNumber: c.IDNumber, Phone: c.Phone})
		}
		p, err := oidcdev.New(oc.Issuer, map[string]oidcdev.Client{
			devClient: {Secret: devSecret, RedirectURIs: []string{oc.RedirectURL}},
		}, citizens)
		if err != nil {
			return nil, fmt.Errorf("mock identity provider: %w", err)
		}
		routes["/oidc-dev/"] = http.StripPrefix("/oidc-dev", p.Handler())
	}
	cookieKey, err := keys.Token().Derive("yima/oidc/login-cookie/v1", 32)
	if err != nil {
		return nil, fmt.Errorf("derive login cookie key: %w", err)
	}
	flow := oidc.NewFlow(oidc.New(oc, &http.Client{Timeout: 10 * time.Second}), func(ctx context.Context, c oidc.Claims, r *http.Request) (string, time.Time, error) {
		iss, err := idSvc.SignInCitizen(ctx, identity.Citizen{
			Issuer: c.Issuer, Subject: c.Subject, Name: c.Name, IDNumber: c.IDNumber, Phone: c.Phone,
		}, identity.Client{Addr: r.RemoteAddr, UserAgent: r.UserAgent()})
		return iss.Token, iss.ExpiresAt, err
	}, cookieKey, m.log)
	routes["/auth/"] = flow
	return routes, nil
}

// certificates builds the service certificate use cases: signed with the
// keyring's SM2 key, download links under a key derived from the token
// key, verification links on the server's base URL.
func (m *Main) certificates(st *store.Store, box *sensitive.Box, keys *keyring.Keyring, docs *certpdf.Renderer, orgSvc *org.Service, rbacSvc *rbac.Service, projectSvc *project.Service, now func() time.Time) (*certificate.Service, error) {
	signer, err := certificate.NewSigner(keys.Sign())
	if err != nil {
		return nil, err
	}
	ticketKey, err := keys.Token().Derive("yima/certificate/ticket/v1", 32)
	if err != nil {
		return nil, fmt.Errorf("derive certificate ticket key: %w", err)
	}
	return certificate.New(certificate.Options{
		Store: st, Box: box, Signer: signer, Renderer: docs, Orgs: orgSvc,
		Staff: org.StaffScopeFunc(func(ctx context.Context, p *access.Principal) (bool, []uuid.UUID, error) {
			v, err := rbacSvc.Visible(ctx, p)
			return v.All, v.Departments, err
		}),
		TicketKey: ticketKey, VerifyBase: m.BaseURL, Now: now, Log: m.log,
		Ratings: certificateRatings{projectSvc},
	})
}

// cards builds the volunteer card use cases: signed with the keyring's
// SM2 key, download links under a key derived from the token key,
// verification links on the server's base URL.
func (m *Main) cards(st *store.Store, box *sensitive.Box, keys *keyring.Keyring, docs *certpdf.Renderer, scope card.Scoper, kick func(), now func() time.Time) (*card.Service, error) {
	signer, err := docsign.NewSigner(keys.Sign())
	if err != nil {
		return nil, err
	}
	ticketKey, err := keys.Token().Derive("yima/card/ticket/v1", 32)
	if err != nil {
		return nil, fmt.Errorf("derive card ticket key: %w", err)
	}
	return card.New(card.Options{
		Store: st, Box: box, Signer: signer, Renderer: docs, Scope: scope, Kick: kick,
		TicketKey: ticketKey, VerifyBase: m.BaseURL, Now: now, Log: m.log,
	})
}

// backfillCards issues the cards of volunteers who have none (the demo's,
// those of a restored or imported database). It runs beside serving: a
// volunteer who opens their card before it reaches them gets it then.
func (m *Main) backfillCards(ctx context.Context, cards *card.Service) {
	n, err := cards.Backfill(ctx)
	if err != nil && ctx.Err() == nil {
		m.log.Error("backfill volunteer cards", "issued", n, "err", err)
		return
	}
	if n > 0 {
		m.log.Info("volunteer cards backfilled", "issued", n)
	}
}

// certificateRatings shows a project's rating of the volunteer, in its
// three dimensions, on the certificate review detail.
type certificateRatings struct{ projects *project.Service }

func (c certificateRatings) VolunteerRatings(ctx context.Context, volunteer, projectID uuid.UUID) ([]certificate.Rating, error) {
	r, ok, err := c.projects.RatingOn(ctx, volunteer, projectID)
	if err != nil || !ok {
		return nil, err
	}
	return []certificate.Rating{
		{Dimension: "守时", Score: r.Punctuality}, {Dimension: "服务态度", Score: r.Attitude}, {Dimension: "专业技能", Score: r.Skill},
	}, nil
}

// projectSweep is how often recruiting projects whose start has come are
// written as running. Readers never wait for it (project.EffectiveStatus).
const projectSweep = 30 * time.Second

// upkeep is what the periodic jobs work on.
type upkeep struct {
	identity *identity.Service
	audit    *audit.Log
	projects *project.Service
	records  *record.Service
	grains   *actors.Engine
	ledger   *ledger.Ledger
	closer   *checkin.Closer
	// orgAdmins writes delegations that ran out into the authorization log
	// (listing the log does it too, for the org it lists).
	orgAdmins *org.Admins
}

// housekeeping runs periodic upkeep until ctx ends: every projectSweep the
// clock-driven state changes (recruiting projects that started, forgotten
// sign-outs past their deadline, overdue projects closed), hourly the partitions and revocations.
// Deadlines live in PostgreSQL, so a restart or a passivated grain loses
// none.
func (m *Main) housekeeping(ctx context.Context, u upkeep) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	sweep := time.NewTicker(projectSweep)
	defer sweep.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-sweep.C:
			if _, err := u.projects.AdvanceStatuses(ctx, now); err != nil && ctx.Err() == nil {
				m.log.Error("advance project statuses", "err", err)
			}
			closed, err := u.records.SweepOverdue(ctx, now)
			if err != nil && ctx.Err() == nil {
				m.log.Error("close overdue sessions", "err", err)
			}
			reloaded := map[uuid.UUID]bool{}
			for _, c := range closed {
				if !reloaded[c.ProjectID] {
					reloaded[c.ProjectID] = true
					u.grains.RosterChanged(ctx, c.ProjectID)
				}
			}
			if _, err := u.closer.CloseOverdue(ctx, now); err != nil && ctx.Err() == nil {
				m.log.Error("close overdue projects", "err", err)
			}
		case <-t.C:
			u.identity.PruneRevocations()
			if err := u.audit.EnsurePartitions(ctx); err != nil {
				m.log.Error("ensure audit partitions", "err", err)
			}
			if err := u.ledger.EnsurePartitions(ctx); err != nil {
				m.log.Error("ensure scan partitions", "err", err)
			}
			if err := u.orgAdmins.RecordExpiries(ctx); err != nil && ctx.Err() == nil {
				m.log.Error("record expired org admin delegations", "err", err)
			}
		}
	}
}

// banner prints where to go and who to be.
func (m *Main) banner(withDemo bool) {
	b := &strings.Builder{}
	fmt.Fprintf(b, "\nyima %s is ready — %s\n\n", m.Config.Mode, m.BaseURL)
	for _, a := range []struct{ path, name string }{
		{"/h5/", "志愿者 H5 (volunteer)"}, {"/scan/", "扫码签到 (scanner)"},
		{"/org/", "组织端 (org portal)"}, {"/admin/", "管理后台 (console)"},
	} {
		fmt.Fprintf(b, "  %-28s %s%s\n", a.name, m.BaseURL, a.path)
	}
	fmt.Fprintf(b, "  %-28s %s/metrics  %s/readyz\n", "ops", m.BaseURL, m.BaseURL)
	if m.Config.Mode == config.ModeDev {
		fmt.Fprintf(b, "\n  后台登录 console login: username %q (DevLogin)\n", rbac.AdminUsername)
		fmt.Fprintln(b, "  统一身份认证（模拟）mock identity provider citizens:")
		for _, c := range demo.Citizens() {
			note := ""
			if withDemo {
				note = " — " + c.Description
			}
			fmt.Fprintf(b, "    %s  %s%s\n", c.Name, c.IDNumber, note)
		}
	}
	fmt.Fprintln(m.stdout, b.String())
}

func newHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetHTTP2(true)
	protocols.SetUnencryptedHTTP2(true) // h2c, for gRPC clients without TLS
	return &http.Server{
		Handler:           h,
		Protocols:         &protocols,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    1 << 20,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// codeSweep is how often codes of idle volunteers are deactivated.
const codeSweep = time.Hour

// codeUpkeep deactivates the codes of volunteers idle for
// Config.CodeIdleAfter (M1), hourly until ctx ends; 0 turns it off. Nodes
// may all run it: each batch skips rows another node holds.
func (m *Main) codeUpkeep(ctx context.Context, staffSvc *checkin.Staff, now func() time.Time) {
	idle := m.Config.CodeIdleAfter
	if idle <= 0 {
		return
	}
	t := time.NewTicker(codeSweep)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := staffSvc.DeactivateIdleCodes(ctx, idle, now())
			if err != nil && ctx.Err() == nil {
				m.log.Error("deactivate idle volunteer codes", "err", err)
			}
			if n > 0 {
				m.log.Info("deactivated idle volunteer codes", "count", n)
			}
		}
	}
}
