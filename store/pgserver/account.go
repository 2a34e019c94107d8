package pgserver

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// defaultUser is the account the server runs as under root: the one Debian's
// postgresql package creates.
const defaultUser = "postgres"

// account is who initdb and postgres run as. PostgreSQL refuses to run as
// root, so under root it is an unprivileged user; otherwise it is ourselves.
type account struct {
	name     string
	uid, gid int
	// cred drops privileges in the child; nil when we are not root.
	cred *syscall.Credential
}

// resolveAccount returns the account to run the server as: ourselves, or,
// under root, the named user (default "postgres"), created as a system user
// when missing.
func resolveAccount(ctx context.Context, name string) (account, error) {
	if os.Geteuid() != 0 {
		return account{name: "self", uid: os.Geteuid(), gid: os.Getegid()}, nil
	}
	if name == "" {
		name = defaultUser
	}
	u, err := user.Lookup(name)
	if errors.As(err, new(user.UnknownUserError)) {
		if err := createSystemUser(ctx, name); err != nil {
			return account{}, err
		}
		u, err = user.Lookup(name)
	}
	if err != nil {
		return account{}, fmt.Errorf("look up user %s: %w", name, err)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return account{}, fmt.Errorf("parse uid of %s: %w", name, err)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return account{}, fmt.Errorf("parse gid of %s: %w", name, err)
	}
	if uid == 0 {
		return account{}, fmt.Errorf("user %s is root; PostgreSQL needs an unprivileged user", name)
	}
	// No supplementary groups: the child is exactly uid:gid, which is also
	// what checkReachable assumes.
	cred := &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}
	return account{name: name, uid: uid, gid: gid, cred: cred}, nil
}

// createSystemUser adds a login-less system user. A parallel test binary may
// win the race to create it; useradd's "already exists" (status 9) is fine.
func createSystemUser(ctx context.Context, name string) error {
	cmd := exec.CommandContext(ctx, "useradd", "--system", "--user-group",
		"--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin",
		"--comment", "PostgreSQL server run by yima", name)
	out, err := cmd.CombinedOutput()
	if exit := (*exec.ExitError)(nil); errors.As(err, &exit) && exit.ExitCode() == 9 {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create system user %s: %w: %s", name, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// command prepares path to run as the account, in its own process group so a
// terminal's Ctrl-C reaches only us: we stop the server after our own
// graceful shutdown, which may still need the database.
func (a account) command(path string, args ...string) *exec.Cmd {
	cmd := exec.Command(path, args...)
	cmd.Dir = "/" // our working directory may be one the account cannot enter
	cmd.Env = childEnv(os.Environ())
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: a.cred, Setpgid: true}
	return cmd
}

// childEnv drops PG* variables, which could point initdb or postgres
// elsewhere, and the caller's locale, so messages are in English and the
// server's locale comes only from initdb's flags.
func childEnv(env []string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "PG") || strings.HasPrefix(name, "LC_") || name == "LANG" || name == "LANGUAGE" {
			continue
		}
		out = append(out, kv)
	}
	return append(out, "LC_ALL=C")
}

// chown gives path to the account; a no-op when we are not root.
func (a account) chown(path string) error {
	if a.cred == nil {
		return nil
	}
	if err := os.Chown(path, a.uid, a.gid); err != nil {
		return fmt.Errorf("chown %s to %s: %w", path, a.name, err)
	}
	return nil
}

// checkReachable fails unless the account may enter every existing
// directory above dir, as the server must to reach its data and socket
// directories (it cannot under /root, for one). Mode bits only; ACLs are not
// consulted.
func (a account) checkReachable(dir string) error {
	if a.cred == nil {
		return nil
	}
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) && p != filepath.Dir(p) {
			continue // to be created, searchable, by Start
		}
		if err != nil {
			return fmt.Errorf("check access to %s: %w", dir, err)
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return fmt.Errorf("check access to %s: no owner information for %s", dir, p)
		}
		if !a.canSearch(fi.Mode(), int(st.Uid), int(st.Gid)) {
			return fmt.Errorf("%w: %s is not reachable by user %s, who runs PostgreSQL: %s (mode %v, uid %d) does not let it in; choose a directory outside /root, such as /var/lib/yima",
				ErrUnreachable, dir, a.name, p, fi.Mode().Perm(), st.Uid)
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

// canSearch applies the kernel's owner/group/other rule for directory search.
func (a account) canSearch(mode os.FileMode, uid, gid int) bool {
	switch {
	case uid == a.uid:
		return mode&0o100 != 0
	case gid == a.gid:
		return mode&0o010 != 0
	default:
		return mode&0o001 != 0
	}
}
