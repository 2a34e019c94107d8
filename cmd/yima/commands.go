package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"yima/config"
	"yima/keyring"
	"yima/services/audit"
	"yima/store"
	"yima/store/migrations"
)

// databaseFlags reads --database-url and --config for the operator
// commands, falling back to YIMA_DATABASE_URL.
func databaseFlags(name string, args []string, stderr io.Writer, getenv func(string) string) (string, []string, error) {
	fs := flag.NewFlagSet("yima "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("database-url", "", "PostgreSQL URL")
	file := fs.String("config", "", "YAML configuration file")
	if err := fs.Parse(args); err != nil {
		return "", nil, err
	}
	cfg := config.Default(config.ModeServe)
	if err := cfg.LoadFile(*file); err != nil {
		return "", nil, err
	}
	if err := cfg.LoadEnv(getenv); err != nil {
		return "", nil, err
	}
	if *url != "" {
		cfg.DatabaseURL = *url
	}
	if cfg.DatabaseURL == "" {
		return "", nil, errors.New("no database: pass --database-url or set YIMA_DATABASE_URL")
	}
	return cfg.DatabaseURL, fs.Args(), nil
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		return errors.New("usage: yima migrate up|status [--database-url URL]")
	}
	url, _, err := databaseFlags("migrate "+args[0], args[1:], stderr, getenv)
	if err != nil {
		return err
	}
	switch args[0] {
	case "up":
		if err := migrations.Up(ctx, url); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "migrations applied")
		fallthrough
	case "status":
		st, err := migrations.List(ctx, url)
		if err != nil {
			return err
		}
		for _, s := range st {
			state := "pending"
			if s.Applied {
				state = "applied"
			}
			fmt.Fprintf(stdout, "%05d  %-8s  %s\n", s.Version, state, s.Name)
		}
		return nil
	}
	return fmt.Errorf("unknown migrate command %q: want up or status", args[0])
}

const adminUsage = "usage: yima admin audit-verify [--database-url URL] | yima admin keygen --out FILE"

func runAdmin(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		return errors.New(adminUsage)
	}
	switch args[0] {
	case "audit-verify":
		return auditVerify(ctx, args[1:], stdout, stderr, getenv)
	case "keygen":
		fs := flag.NewFlagSet("yima admin keygen", flag.ContinueOnError)
		fs.SetOutput(stderr)
		out := fs.String("out", "", "path of the new production key file")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *out == "" {
			return errors.New(adminUsage)
		}
		if err := keyring.CreateProduction(*out); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s — keep it secret and backed up: it decrypts every ID and phone number\n", *out)
		return nil
	}
	return errors.New(adminUsage)
}

func auditVerify(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	url, _, err := databaseFlags("admin audit-verify", args, stderr, getenv)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, url)
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := audit.New(st, nil).Verify(ctx)
	if err != nil {
		return err
	}
	if rep.OK() {
		fmt.Fprintf(stdout, "audit chain intact: %d entries verified\n", rep.Entries)
		return nil
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(stdout, "seq %d: %s\n", p.Seq, p.Detail)
	}
	return fmt.Errorf("%w: %d problems in %d entries", audit.ErrTampered, len(rep.Problems), rep.Entries)
}
