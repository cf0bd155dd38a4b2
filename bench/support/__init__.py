"""Support code shared by the benchmarks in bench/: where they run, and how they time.

Owns the database a benchmark works in (a throwaway PostgreSQL cluster when DATABASE_URL names no
PostgreSQL server, and a scratch database on that server, created and dropped around the run) and the
median-of-repeats timer. Import it as `bench.support` once the project root is on sys.path. It is a
package rather than bench/support.py so that scripts/bench, which runs every bench/*.py, does not run it.
"""

import gc
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent.parent
REPEATS = 5


# --- the database: a scratch database on DATABASE_URL's server, or on a throwaway cluster ------------


def user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def throwaway_postgres() -> tuple[str, Callable[[], None]]:
    """Start a PostgreSQL cluster in a new /tmp/bench-pg.* directory: its server's URL, and a function to stop it."""
    bindirs = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True)
    bindir = next((d for d in bindirs if (d / "initdb").exists()), None)
    if bindir is None:
        sys.exit("No PostgreSQL server binaries (initdb) found: set DATABASE_URL or install PostgreSQL.")
    directory = Path(tempfile.mkdtemp(prefix="bench-pg.", dir="/tmp"))
    directory.chmod(0o755)
    as_owner = []
    if os.geteuid() == 0:  # PostgreSQL will not run as root
        owner = "postgres" if shutil.which("runuser") and user_exists("postgres") else "nobody"
        shutil.chown(directory, owner)
        as_owner = ["runuser", "-u", owner, "--"]
    data, log = directory / "data", directory / "postgres.log"
    subprocess.run(  # noqa: S603 - a fixed argv built here, no outside input
        [*as_owner, bindir / "initdb", f"--pgdata={data}", "--username=postgres", "--auth=trust", "--encoding=UTF8"]
        + ["--no-locale", "--no-sync"],
        check=True,
        capture_output=True,
    )
    options = f"-c listen_addresses='' -k {directory} -p 5432 -c fsync=off -c full_page_writes=off "
    options += "-c synchronous_commit=off"
    subprocess.run(  # noqa: S603 - a fixed argv built here, no outside input
        [*as_owner, bindir / "pg_ctl", f"--pgdata={data}", f"--log={log}", "--wait", "--timeout=60", "--silent"]
        + ["-o", options, "start"],
        check=True,
    )

    def stop():
        subprocess.run(  # noqa: S603 - a fixed argv built here, no outside input
            [*as_owner, bindir / "pg_ctl", f"--pgdata={data}", "--mode=immediate", "--wait", "--silent", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(directory, ignore_errors=True)

    return f"postgres://postgres@/postgres?host={directory}&port=5432", stop


def with_database(url: str, name: str) -> str:
    """`url` with its database name replaced by `name`."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def scratch_database(server_url: str, benchmark: str) -> tuple[str, Callable[[], None]]:
    """Create database bench_<benchmark>_<pid> on the server: its URL, and a function to drop it."""
    import psycopg

    name = f"bench_{benchmark}_{os.getpid()}"
    conninfo = with_database(server_url, "postgres").replace("postgres://", "postgresql://", 1)
    with psycopg.connect(conninfo, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')

    def drop():
        from django.conf import settings
        from django.db import connections

        if settings.configured:  # bench/pages.py's own process never sets Django up: nothing to close
            connections.close_all()
        with psycopg.connect(conninfo, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return with_database(server_url, name), drop


@contextmanager
def benchmark_database(benchmark: str) -> Iterator[str]:
    """The URL of a scratch database for the run, on DATABASE_URL's server if it names PostgreSQL, else on a
    throwaway cluster; the database is dropped (and the cluster stopped) afterwards."""
    stop_server = None
    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith("postgres"):
        server_url, stop_server = throwaway_postgres()
    url, drop = scratch_database(server_url, benchmark)
    try:
        yield url
    finally:
        try:
            drop()
        finally:
            if stop_server:
                stop_server()


# --- the measurements ---------------------------------------------------------------------------------


def timed(function: Callable[[], object], repeats: int = REPEATS, before: Callable[[], object] | None = None) -> float:
    """The median wall-clock seconds of `function` over `repeats` runs (each after `before`, and after a garbage
    collection, so that no run pays for the garbage of what came before it)."""
    times = []
    for _ in range(repeats):
        if before:
            before()
        gc.collect()
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
