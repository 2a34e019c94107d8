// Package natsbus connects yima to NATS: an in-process server with
// JetStream for `yima dev` and tests, or an external cluster for `yima
// serve`. Other packages publish and subscribe through the connection it
// returns.
package natsbus

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Bus is a NATS connection, and the embedded server behind it when there is
// one.
type Bus struct {
	Conn   *nats.Conn
	server *server.Server
}

// Embedded starts an in-process NATS server with JetStream storing under
// dir (empty: memory only) and connects to it without a socket. The server
// also listens on 127.0.0.1 at a free port so that tools can reach it.
func Embedded(dir string, log *slog.Logger) (*Bus, error) {
	opts := &server.Options{
		ServerName: "yima-dev",
		Host:       "127.0.0.1",
		Port:       server.RANDOM_PORT,
		JetStream:  true,
		StoreDir:   dir,
		NoSigs:     true,
		NoLog:      true,
		// Enough for the outbox and live events of a dev machine.
		JetStreamMaxMemory: 256 << 20,
	}
	if dir == "" {
		opts.JetStreamMaxStore = 0
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("create nats server: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return nil, errors.New("nats server not ready after 10s")
	}
	conn, err := nats.Connect(ns.ClientURL(), nats.InProcessServer(ns), nats.Name("yima"))
	if err != nil {
		ns.Shutdown()
		return nil, fmt.Errorf("connect to embedded nats: %w", err)
	}
	log.Info("embedded nats started", "url", ns.ClientURL(), "jetstream_dir", dir)
	return &Bus{Conn: conn, server: ns}, nil
}

// Connect joins an external NATS cluster at urls (comma-separated), and keeps
// reconnecting for as long as the process runs.
func Connect(urls string, log *slog.Logger) (*Bus, error) {
	conn, err := nats.Connect(urls,
		nats.Name("yima"),
		nats.MaxReconnects(-1),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			log.Warn("nats disconnected", "err", err)
		}),
		nats.ReconnectHandler(func(c *nats.Conn) {
			log.Info("nats reconnected", "url", c.ConnectedUrl())
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("connect to nats %s: %w", urls, err)
	}
	return &Bus{Conn: conn}, nil
}

// URL is the client URL of the embedded server, or of the connected one.
func (b *Bus) URL() string {
	if b.server != nil {
		return b.server.ClientURL()
	}
	return b.Conn.ConnectedUrl()
}

// Ready reports whether the bus can carry messages now.
func (b *Bus) Ready() error {
	if !b.Conn.IsConnected() {
		return fmt.Errorf("nats: %s", b.Conn.Status())
	}
	return nil
}

// Close drains the connection and stops an embedded server.
func (b *Bus) Close() {
	if err := b.Conn.Drain(); err != nil {
		b.Conn.Close()
	}
	if b.server != nil {
		b.server.Shutdown()
		b.server.WaitForShutdown()
	}
}
