package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"yima/access"
	"yima/engine/codes"
	"yima/engine/ledger/ledgertest"
	"yima/keyring"
	"yima/natsbus"
	checkinv1 "yima/rpc/gen/yima/checkin/v1"
	"yima/rpc/gen/yima/checkin/v1/checkinv1connect"
	"yima/services/identity/token"
	"yima/store/storetest"
)

// node is one `yima serve` child process.
type node struct {
	url  string
	cmd  *exec.Cmd
	dead atomic.Bool
	logs *syncBuffer
}

// TestNodeLossKeepsEveryAcknowledgedScan runs three `yima serve` nodes on
// localhost as one actor cluster over one PostgreSQL and one NATS, drives a
// scan storm at all three, kills one with SIGKILL mid-storm, and checks that
// every acknowledged scan is committed exactly once, that no volunteer has
// overlapping sessions, that the dead node's grains come back on the
// survivors (every scan is eventually answered), and that clients retrying
// with the same scan_id get the first answer.
func TestNodeLossKeepsEveryAcknowledgedScan(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test skipped in -short mode")
	}
	ctx := context.Background()
	bin := filepath.Join(t.TempDir(), "yima")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build yima: %v\n%s", err, out)
	}
	dsn := storetest.NewDatabase(t, schema)
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	bus, err := natsbus.Embedded("", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()
	keysFile := filepath.Join(t.TempDir(), "keys.json")
	if err := keyring.CreateProduction(keysFile); err != nil {
		t.Fatal(err)
	}
	keys, err := keyring.Load(keysFile)
	if err != nil {
		t.Fatal(err)
	}

	const nodes = 3
	am := make([]int, nodes)
	hosts := ""
	for i := range am {
		am[i] = freePort(t)
		if i > 0 {
			hosts += ","
		}
		hosts += "127.0.0.1:" + strconv.Itoa(am[i])
	}
	start := func(i int) *node {
		n := &node{logs: &syncBuffer{}}
		addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
		n.url = "http://" + addr
		n.cmd = exec.Command(bin, "serve", "--addr", addr)
		n.cmd.Env = append(os.Environ(),
			"YIMA_DATABASE_URL="+dsn, "YIMA_NATS_URL="+bus.URL(), "YIMA_KEYS_FILE="+keysFile,
			"YIMA_OIDC_ISSUER=https://id.example.invalid", "YIMA_OIDC_CLIENT_ID=yima", "YIMA_OIDC_CLIENT_SECRET=s",
			"YIMA_SMS_ENDPOINT=https://sms.example.invalid/v1/sms/send", "YIMA_SMS_APP_KEY=yima", "YIMA_SMS_APP_SECRET=s",
			"YIMA_RECORD_CHECK_ENDPOINT=https://rc.example.invalid/v1/record-checks", "YIMA_RECORD_CHECK_APP_KEY=yima", "YIMA_RECORD_CHECK_APP_SECRET=s",
			"YIMA_ELICENSE_ENDPOINT=https://zzk.example.invalid/v1/licenses", "YIMA_ELICENSE_APP_KEY=yima", "YIMA_ELICENSE_APP_SECRET=s",
			"YIMA_CLUSTER_PROVIDER=automanaged", "YIMA_CLUSTER_HOSTS="+hosts,
			"YIMA_CLUSTER_AUTOMANAGE_PORT="+strconv.Itoa(am[i]), "YIMA_CLUSTER_PORT="+strconv.Itoa(freePort(t)),
			"YIMA_LOG_LEVEL=warn",
		)
		n.cmd.Stdout, n.cmd.Stderr = n.logs, n.logs
		if err := n.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if !n.dead.Load() {
				_ = n.cmd.Process.Signal(os.Interrupt)
			}
			_ = n.cmd.Wait()
			if t.Failed() {
				t.Logf("node %d log:\n%s", i, n.logs.String())
			}
		})
		deadline := time.Now().Add(60 * time.Second)
		for {
			res, err := http.Get(n.url + "/readyz")
			if err == nil {
				res.Body.Close()
				if res.StatusCode == http.StatusOK {
					return n
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("node %d not ready:\n%s", i, n.logs.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	// The first node migrates and bootstraps; the others join after.
	cluster := []*node{start(0)}
	for i := 1; i < nodes; i++ {
		cluster = append(cluster, start(i))
	}

	fx, err := ledgertest.Seed(ctx, pool, ledgertest.SeedOptions{Projects: 48, Volunteers: 9600})
	if err != nil {
		t.Fatal(err)
	}
	tok := leaderToken(t, pool, keys, fx.OrgID)
	cs, err := codes.New(keys.Code(), keys.Sign())
	if err != nil {
		t.Fatal(err)
	}

	// The storm: workers scan distinct volunteers, each scan sent to a node
	// round robin; a scan without an answer is retried with the same
	// scan_id at the next node until answered.
	type answer struct {
		scanID   string
		outcome  checkinv1.ScanOutcome
		dup      bool
		retried  bool
		sessions string
	}
	clients := make([]checkinv1connect.CheckinServiceClient, nodes)
	for i, n := range cluster {
		clients[i] = checkinv1connect.NewCheckinServiceClient(&http.Client{Timeout: 15 * time.Second}, n.url, connect.WithInterceptors(bearerInterceptor(tok)))
	}
	var (
		mu      sync.Mutex
		answers []answer
		next    atomic.Int64
		failed  atomic.Int64
		sent    atomic.Int64
	)
	var stop atomic.Bool
	worker := func() {
		for !stop.Load() {
			i := int(next.Add(1)) - 1
			if i >= len(fx.Members) {
				return
			}
			m := fx.Members[i]
			payload, _ := cs.Issue(m.VolunteerID, 0, time.Now())
			req := &checkinv1.ScanRequest{ScanId: fmt.Sprintf("nl-%d", i), ProjectId: m.ProjectID.String(), Payload: payload}
			var a answer
			answered := false
			for try := 0; try < 40 && !answered; try++ {
				c := (i + try) % nodes
				if cluster[c].dead.Load() {
					continue
				}
				sent.Add(1)
				res, err := clients[c].Scan(ctx, connect.NewRequest(req))
				if err != nil {
					a.retried = true
					time.Sleep(100 * time.Millisecond)
					continue
				}
				a = answer{scanID: req.ScanId, outcome: res.Msg.Outcome, dup: res.Msg.Duplicate, retried: a.retried, sessions: res.Msg.GetSession().GetId()}
				answered = true
			}
			if !answered {
				failed.Add(1)
				continue
			}
			mu.Lock()
			answers = append(answers, a)
			mu.Unlock()
		}
	}
	var wg sync.WaitGroup
	for range 12 {
		wg.Add(1)
		go func() { defer wg.Done(); worker() }()
	}
	time.Sleep(1500 * time.Millisecond)
	victim := cluster[nodes-1]
	victim.dead.Store(true)
	if err := victim.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	// Volunteers are spread over the projects round robin, so once twice as
	// many scans as projects started after the kill, every project — a
	// third of whose grains lived on the dead node — had scans to answer.
	killedAt, deadline := next.Load(), time.Now().Add(60*time.Second)
	time.Sleep(3 * time.Second)
	for next.Load() < killedAt+2*int64(len(fx.Projects)) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	if after := next.Load() - killedAt; after < 2*int64(len(fx.Projects)) {
		t.Fatalf("only %d scans started after the kill within a minute; want %d", after, 2*len(fx.Projects))
	}

	if f := failed.Load(); f > 0 {
		t.Errorf("%d scans never answered after retries: the dead node's grains did not come back", f)
	}
	var acked, retried []string
	for _, a := range answers {
		if !a.dup && (a.outcome == checkinv1.ScanOutcome_SCAN_OUTCOME_SIGNED_IN || a.outcome == checkinv1.ScanOutcome_SCAN_OUTCOME_SIGNED_OUT) {
			acked = append(acked, a.scanID)
		}
		if a.retried {
			retried = append(retried, a.scanID)
		}
	}
	if len(acked) < 2*len(fx.Projects) {
		t.Fatalf("only %d scans acknowledged in the storm (answers %d, sent %d); too few to judge", len(acked), len(answers), sent.Load())
	}
	committed, doubles, err := ledgertest.Check(ctx, pool, acked)
	if err != nil {
		t.Fatal(err)
	}
	if committed != len(acked) || doubles != 0 {
		t.Errorf("acked %d, committed %d (lost %d), double sessions %d", len(acked), committed, len(acked)-committed, doubles)
	}
	// A retried scan's answer is the one PostgreSQL holds: the first.
	for _, a := range answers {
		if !a.retried || a.outcome == checkinv1.ScanOutcome_SCAN_OUTCOME_REJECTED {
			continue
		}
		var outcome string
		var session uuid.NullUUID
		err := pool.QueryRow(ctx, `SELECT s.outcome, s.session_id FROM checkin.scan s JOIN checkin.scan_key k USING (scan_id, received_at) WHERE k.scan_id = $1`, a.scanID).Scan(&outcome, &session)
		if err != nil {
			t.Errorf("retried scan %s: %v", a.scanID, err)
			continue
		}
		if want := map[checkinv1.ScanOutcome]string{checkinv1.ScanOutcome_SCAN_OUTCOME_SIGNED_IN: "signed_in", checkinv1.ScanOutcome_SCAN_OUTCOME_SIGNED_OUT: "signed_out"}[a.outcome]; outcome != want || session.UUID.String() != a.sessions {
			t.Errorf("retried scan %s answered %v session %s; stored %s session %v", a.scanID, a.outcome, a.sessions, outcome, session.UUID)
		}
	}
	t.Logf("storm: %d answers, %d acknowledged, %d retried, %d requests; all committed once", len(answers), len(acked), len(retried), sent.Load())
}

// leaderToken makes a leader of org with a session, and signs its token
// the way the identity service does: `yima serve` has no dev login.
func leaderToken(t *testing.T, pool *pgxpool.Pool, keys *keyring.Keyring, org uuid.UUID) string {
	t.Helper()
	ctx := context.Background()
	person, account, session := uuid.New(), uuid.New(), uuid.New()
	now := time.Now().UTC().Truncate(time.Second)
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO identity.person (id, name) VALUES ($1, '压测负责人')`, []any{person}},
		{`INSERT INTO identity.account (id, person_id, kind, org_id) VALUES ($1, $2, 'org_leader', $3)`, []any{account, person, org}},
		{`INSERT INTO identity.session (id, person_id, account_id, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5)`, []any{session, person, account, now, now.Add(time.Hour)}},
	} {
		if _, err := pool.Exec(ctx, q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	signer, err := token.NewSigner(keys.Token())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := signer.Sign(token.Claims{SessionID: session, PersonID: person, AccountID: account,
		AccountKind: uint8(access.KindOrgLeader), IssuedAt: now, ExpiresAt: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func bearerInterceptor(tok string) connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			req.Header().Set("Authorization", "Bearer "+tok)
			return next(ctx, req)
		}
	}
}
