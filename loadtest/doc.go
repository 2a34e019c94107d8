// Package loadtest is yima's load driver: it seeds check-in data at scale
// straight into PostgreSQL, runs `yima dev` as a child process, drives it
// with a storm of scans from many concurrent scanners over Connect (with
// retries, repeats and bad codes mixed in), measures the same driver
// against a do-nothing RPC and against a server without group commit,
// runs the engine and ledger in process without HTTP, and checks
// PostgreSQL against what was acknowledged. cmd/yima-bench is its command
// and `make bench` runs it; k6/ holds scripts for people who run k6
// themselves. See README.md.
package loadtest
