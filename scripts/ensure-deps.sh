#!/usr/bin/env bash
# Installs what yima's tests need when it is missing, from Debian's packages
# and the npm registry: PostgreSQL's server binaries (for private test
# clusters), Chromium (for the browser tests), the Droid fallback font (for
# certificate PDFs), Node.js and the web workspace's packages. Safe to run
# again; does nothing when all is there.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
have_pg() {
	local bindir
	bindir=$(pg_config --bindir 2>/dev/null || true)
	[ -n "$bindir" ] && [ -x "$bindir/postgres" ] && return 0
	compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null
}
have_pg || need+=(postgresql)
[ -x /usr/bin/chromium ] || need+=(chromium)
# A TrueType font with CJK glyphs for the service certificate PDFs
# (services/certificate/pdf); Noto CJK ships as CFF, which fpdf rejects.
[ -f /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf ] || need+=(fonts-droid-fallback)
command -v node >/dev/null || need+=(nodejs npm)

if [ ${#need[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "missing Debian packages: ${need[*]} — install them (as root: apt-get install ${need[*]})" >&2
		exit 1
	fi
	echo "installing ${need[*]} from Debian" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# --no-install-recommends keeps the install small; policy-rc.d keeps the
	# package from starting a system PostgreSQL we would not use.
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d.yima
	chmod +x /usr/sbin/policy-rc.d.yima
	[ -e /usr/sbin/policy-rc.d ] || ln -s /usr/sbin/policy-rc.d.yima /usr/sbin/policy-rc.d
	apt-get install -y -qq --no-install-recommends "${need[@]}"
	if [ "$(readlink /usr/sbin/policy-rc.d 2>/dev/null)" = /usr/sbin/policy-rc.d.yima ]; then
		rm -f /usr/sbin/policy-rc.d
	fi
	rm -f /usr/sbin/policy-rc.d.yima
fi

if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
	(cd web && npm ci --no-audit --no-fund)
fi
