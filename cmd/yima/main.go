// Command yima is the whole volunteer platform in one binary:
//
//	yima dev      the embedded default: private PostgreSQL, in-process NATS,
//	              dev keys, the mock identity provider; --demo loads demo data
//	yima serve    production: external PostgreSQL and NATS, real keys
//	yima migrate  up | status
//	yima admin    audit-verify | keygen
//	yima version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	// The scan path allocates briskly and the process stays far below its
	// 300 MiB budget (≈ 60 MB with demo data), so trade memory for fewer
	// collections unless the operator chose GOGC.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "yima:", err)
		}
		os.Exit(1)
	}
}

const usage = `yima — 一码做志愿 volunteer platform

Usage:
  yima dev     [--addr HOST:PORT] [--data-dir DIR] [--demo] [--database-url URL] [--nats-url URL] [--config FILE]
  yima serve   [--config FILE] [--addr HOST:PORT]
  yima migrate up|status [--database-url URL] [--config FILE]
  yima admin   audit-verify [--database-url URL] [--config FILE]
  yima admin   keygen --out FILE
  yima version
`

// run dispatches a subcommand. It returns when the command is done; for
// dev and serve, when ctx is cancelled and the server has shut down.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	switch args[0] {
	case "dev", "serve":
		m := NewMain(stdout, stderr, getenv)
		if err := m.ParseFlags(args[0], args[1:]); err != nil {
			return err
		}
		if err := m.Run(ctx); err != nil {
			m.Close()
			return err
		}
		<-ctx.Done()
		return m.Close()
	case "migrate":
		return runMigrate(ctx, args[1:], stdout, stderr, getenv)
	case "admin":
		return runAdmin(ctx, args[1:], stdout, stderr, getenv)
	case "version":
		fmt.Fprintln(stdout, "yima", version)
		return nil
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}
