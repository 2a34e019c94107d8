// Package store is yima's PostgreSQL access: the connection pool, the
// transaction helper, and the translation of PostgreSQL errors into domain
// errors. Queries live in store/queries and are compiled by sqlc into
// store/db; the schema lives in store/migrations.
package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"yima/store/db"
)

// Store is the database of record.
type Store struct {
	Pool *pgxpool.Pool
	Q    *db.Queries
}

// Open connects a pool to url and checks the connection.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("ping database: %w", err)
	}
	return New(pool), nil
}

// New wraps an open pool.
func New(pool *pgxpool.Pool) *Store {
	return &Store{Pool: pool, Q: db.New(pool)}
}

// Close closes the pool.
func (s *Store) Close() { s.Pool.Close() }

// InTx runs fn in a transaction, committing when fn returns nil.
func (s *Store) InTx(ctx context.Context, fn func(q *db.Queries) error) error {
	return pgx.BeginFunc(ctx, s.Pool, func(tx pgx.Tx) error {
		return fn(s.Q.WithTx(tx))
	})
}

// IsNotFound reports whether err means a query found no row.
func IsNotFound(err error) bool { return errors.Is(err, pgx.ErrNoRows) }

// ConstraintViolated returns the name of the unique, foreign-key, check or
// exclusion constraint err violates, or "" when err is no such violation.
func ConstraintViolated(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505", "23503", "23514", "23P01":
			return pe.ConstraintName
		}
	}
	return ""
}

// Text is s as a nullable text parameter: NULL when empty.
func Text(s string) pgtype.Text { return pgtype.Text{String: s, Valid: s != ""} }

// NullUUID is id as a nullable uuid parameter: NULL when uuid.Nil.
func NullUUID(id uuid.UUID) uuid.NullUUID { return uuid.NullUUID{UUID: id, Valid: id != uuid.Nil} }
