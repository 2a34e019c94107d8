package pgserver

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// ErrNoBinaries means the PostgreSQL server binaries (initdb, postgres) were
// not found. Tests skip on it; `yima dev` tells the user what to install.
var ErrNoBinaries = errors.New("PostgreSQL server binaries not found; install Debian's postgresql package")

// ErrUnreachable is returned by Start, under root, for a data directory the
// unprivileged server user cannot reach.
var ErrUnreachable = errors.New("data directory unreachable by the server user")

// debianRoot is where Debian installs one bin directory per major version,
// off PATH, so `initdb` alone is rarely found there.
const debianRoot = "/usr/lib/postgresql"

// FindBinDir returns the directory holding initdb and postgres: the one that
// `pg_config --bindir` names, else the highest version under
// /usr/lib/postgresql/*/bin. It returns ErrNoBinaries when neither has them.
func FindBinDir() (string, error) {
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if dir := strings.TrimSpace(string(out)); hasServer(dir) {
			return dir, nil
		}
	}
	entries, err := os.ReadDir(debianRoot)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("list %s: %w", debianRoot, err)
	}
	var versions []string
	for _, e := range entries {
		if hasServer(filepath.Join(debianRoot, e.Name(), "bin")) {
			versions = append(versions, e.Name())
		}
	}
	if v, ok := highestVersion(versions); ok {
		return filepath.Join(debianRoot, v, "bin"), nil
	}
	return "", ErrNoBinaries
}

// hasServer reports whether dir holds both programs Start runs.
func hasServer(dir string) bool {
	for _, name := range []string{"initdb", "postgres"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// highestVersion picks the newest of Debian's version directory names
// ("9.6", "15", "16"), comparing them as numbers, not as strings.
func highestVersion(names []string) (string, bool) {
	if len(names) == 0 {
		return "", false
	}
	return slices.MaxFunc(names, func(a, b string) int {
		as, bs := strings.Split(a, "."), strings.Split(b, ".")
		for i := range max(len(as), len(bs)) {
			if c := versionPart(as, i) - versionPart(bs, i); c != 0 {
				return c
			}
		}
		return strings.Compare(a, b)
	}), true
}

// versionPart is the i-th dotted number of a version, -1 when missing or not a number.
func versionPart(parts []string, i int) int {
	if i >= len(parts) {
		return -1
	}
	n, err := strconv.Atoi(parts[i])
	if err != nil {
		return -1
	}
	return n
}
