# shellcheck shell=bash
# Shared helpers for the scripts in scripts/. Source it; don't run it.
# Everything here is plain bash so a fresh Debian machine needs nothing extra.

# The project root, whatever directory the script was started from.
PROJECT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export PROJECT_ROOT

# Messages go to stderr so they never mix with output a caller captures.
say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Run a command as root: directly when we are root (CI), through sudo otherwise.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root (or sudo) to run: $*"
    fi
}

# Install Debian packages, refreshing the package lists first: a fresh machine
# (or a slim container) has none, and stale lists give 404s.
apt_install() {
    command -v apt-get >/dev/null 2>&1 ||
        die "missing system packages ($*) and no apt-get to install them: install them yourself"
    say "installing system packages: $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

# The directory holding initdb/pg_ctl. Debian keeps server binaries off PATH, under
# /usr/lib/postgresql/<major>/bin; the tests target 15, so prefer it, then the newest.
pg_bindir() {
    local dir
    if [ -x /usr/lib/postgresql/15/bin/initdb ]; then
        echo /usr/lib/postgresql/15/bin
        return 0
    fi
    for dir in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
        if [ -x "$dir/initdb" ]; then
            echo "$dir"
            return 0
        fi
    done
    # Other distributions put the server on PATH; pg_config knows where.
    if command -v pg_config >/dev/null 2>&1; then
        dir="$(pg_config --bindir)"
        if [ -x "$dir/initdb" ]; then
            echo "$dir"
            return 0
        fi
    fi
    if command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
        return 0
    fi
    return 1
}

# A TCP port on the loopback interface that nothing listens on right now.
free_port() {
    "${PYTHON:-python3}" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
