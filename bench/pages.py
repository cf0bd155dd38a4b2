"""Benchmark: the commissioner's pages under load on the production-shaped server, against a trivial view,
with a realistic write mix going on.

    .venv/bin/python bench/pages.py            # BENCH_SECONDS=12 per page by default
    BENCH_WRITE_EVERY=0 .venv/bin/python bench/pages.py   # without the write mix, for comparison

Builds the England-sized synthetic data set (manage.py generate_scale_data: 6,500 practices, 1,250 localities, 20
quarters) in a scratch database (on DATABASE_URL's server, else a throwaway PostgreSQL), starts gunicorn on 127.0.0.1
with onecare.settings.production (PORTAL_REQUIRE_2FA=false so a session needs no second factor) and, as
docker-compose.yml does, a Redis for the shared cache (a throwaway redis-server; the sessions are in PostgreSQL, read
with their user in one statement), and drives each page with wrk at 8 connections, with the session and CSRF cookies a
browser would send: the localities overview and the money dashboard (the commissioner's dashboard), the release
changelist, the review queue and a locality page, as a commissioner of one of the 42 commissioners (about 30
localities). The baseline is a view that returns "ok" without touching the database (served from this module's URLconf,
which adds it to the portal's: the portal itself has no such view), requested without a session cookie, and measured in
turns with each page (ROUNDS slices of a second each) so that both see the same load on a shared machine: in slices of
4 s (three turns) a page's ratio moved by a tenth from run to run of the same code, as spells of other load fell on one
more than the other; in slices of a second (twelve turns), by 0.064 at most in four runs (a page's lowest and highest).
A second baseline is measured in the same turns for comparison (the target stays on the first): a
"signed-in trivial view", asked for with the page's session, that reads who is asking (the session and
the user, as every portal page must) and returns "ok". The gap between the two baselines is what being
signed in costs; the gap between the second and a page is what the page itself costs.

The write mix: all the while the pages and the trivial view are measured, a writer (its own process)
signs a locality lead in every second with a real POST to the sign-in page (a new session, last_login,
django-axes' log) and saves that lead's evidence draft with funding.transitions.evidence_save_draft
(the evidence, its history). The sign-in writes only what no page shows, and moves no page cache key
(the data version, onecare/dataversion.py); each evidence save moves every key, so every session renders
every page afresh after it, in each worker, and while its transaction is open no page is kept. The table
gives the writes made.

Targets: with the write mix, each page at least 40% of the baseline's throughput and p95 under 100 ms;
with the page cache off (PORTAL_PAGE_CACHE=false, a second server, no writes), each page's median for
one user under 25 ms (the "rendered afresh" column: what a request pays after a write). That one is measured
first, on the database at rest: after the write mix autovacuum has the tables it wrote to see to, and one user's
times would measure that work as well. The pages take turns there too (AFRESH_ROUNDS slices of AFRESH_SECONDS each), and
each page's figure is the median of its slices' medians, which are printed below the table: measured in one go of
3 s, a page's figure moved by a fifth from run to run with the machine's other load.

Why the page cache stays (onecare/pagecache.py): rendered afresh a page costs 15 to 70 ms of a worker,
while 40% of the trivial view's throughput leaves about 2 ms a page; it runs after sign-in and the
second factor, and under the write mix each worker renders a page afresh about once a second at
most (after each evidence save), against hundreds of requests a second served from the cache. The
database is vacuumed and analysed after the build, as one at rest would be (autovacuum's work on the
tables just loaded would otherwise take the machine's time while the pages are measured; it writes no
table the data version watches).

Then it measures the peak memory (RSS) of the milestone evaluation proposing every release at England
scale, in its own process (target: under 500 MB); bench/import_list_sizes.py measures the import's.
"""

import io
import os
import re
import resource
import secrets
import shutil
import socket
import string
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project, and bench.support
from bench.support import ROOT, benchmark_database

SIZE = ["--practices", "6500", "--localities", "1250", "--quarters", "20"]
CONNECTIONS = 8
# The trivial view, the signed-in trivial view and each page take turns this many times, SECONDS // ROUNDS (a second)
# each: the machine's other load changes within seconds, and the shorter the slices the more evenly it falls on both.
ROUNDS = 12
AFRESH_ROUNDS = 5  # the pages rendered afresh take turns this many times, AFRESH_SECONDS each
AFRESH_SECONDS = 2
SECONDS = int(os.environ.get("BENCH_SECONDS", "12"))
TRIVIAL = "/bench/trivial/"
SIGNED_IN = "/bench/signed-in/"
# Seconds between the writer's rounds (a sign-in and an evidence save); BENCH_WRITE_EVERY=0: no writes, for comparison.
WRITE_EVERY = float(os.environ.get("BENCH_WRITE_EVERY", "1"))
WRITER = "bench.writer"
WRITER_PASSWORD = secrets.token_urlsafe(16)
CSRF_COOKIE = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
# What the profile shows (cProfile of each page through the WSGI handler on the England data set).
NOTE = """
Where a target is missed: what limits the ratio is being signed in and the write mix. In one process on the England data
the trivial view without a session costs about 0.3 ms of the server's CPU, the signed-in trivial view about 0.7 ms and
a page from the page cache about 0.9 ms. Being signed in is one round trip: the session, its user and the data version
in one statement, compiled once a process (onecare/accounts/sessions.py; with the session in Redis and the user read
after it, two round trips, the signed-in view cost 0.87 ms), with the middleware a signed-in request passes through;
the kept database connection is checked without a round trip while it is quiet (onecare/postgresql). Served by
gunicorn, every request also pays the server's own work, and the round trip costs PostgreSQL its share of the two CPUs,
which the trivial view does not. A hit adds the page's key, the
requester's CSRF token and the bytes written. Each evidence save of the mix moves every key (the sign-ins do not), after
which each of the sync workers, each with its own cache, renders the page afresh once: counted under the mix, five
renders a save (one a worker; before the data version was read under its lock, about six and a half, a version from
half-way through a save being rendered as well), each taking about 65 ms with the workers rendering at once; so the
pages that cost most to render afresh lose most to the mix. On a shared 2-CPU machine the ratios also move with the
other load (the turns even that out only in part), and the times for one user more so.
Rendered afresh a page's cost is mostly template rendering (the NHS.UK page templates, the admin's own) and its 5 to 11
queries, which the ORM takes 2 to 5.5 ms a page to build and compile (the locality page the most); PostgreSQL plans each
of them once a connection (prepared statements: onecare/settings/base.py), and the user, the person's groups and the
CCG lineage are read with statements compiled once or written out (the user with the session).
"""
LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), e.status + e.connect + e.read + e.write + e.timeout))
end
"""


# --- the server side: gunicorn imports this module with BENCH_PAGES_SERVE set ---------------------------


def trivial(request):
    from django.http import HttpResponse

    return HttpResponse("ok", content_type="text/plain")


def signed_in(request):
    """The least a signed-in page does: who is asking (the session and the user), and nothing else."""
    from django.http import HttpResponse

    return HttpResponse("ok" if request.user.is_authenticated else "no", content_type="text/plain")


def _application():
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application
    from django.urls import path

    application = get_wsgi_application()  # sets Django up
    import onecare.urls

    global urlpatterns
    urlpatterns = [
        path(TRIVIAL.strip("/") + "/", trivial),
        path(SIGNED_IN.strip("/") + "/", signed_in),
        *onecare.urls.urlpatterns,
    ]
    settings.ROOT_URLCONF = __name__
    return application


if os.environ.get("BENCH_PAGES_SERVE"):
    application = _application()


# --- the client side ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def production_env(database_url: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "onecare.settings.production",
        "DJANGO_SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(60),
        "DATABASE_URL": database_url,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "PORTAL_URL": "http://127.0.0.1",
        # Production insists on a broker; the pages measured here queue no task.
        "REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "PORTAL_REQUIRE_2FA": "false",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "PYTHONPATH": str(ROOT),
    }


def manage(env: dict, *args: str) -> float:
    """Run manage.py in its own process; return that process's peak RSS in MB."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(after, before) / 1024


def peak_rss_mb(env: dict, code: str) -> float:
    """Peak RSS (MB) of a fresh Python process running `code` with Django set up."""
    script = "import django, resource; django.setup()\n" + code
    script += "\nprint('MAXRSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout
    return int(re.search(r"MAXRSS (\d+)", out).group(1)) / 1024


@contextmanager
def throwaway_redis() -> Iterator[str]:
    """A redis-server on a free port, without persistence, for the run: its URL (database 1, as in .env.example)."""
    if not shutil.which("redis-server"):
        sys.exit("redis-server is not installed: scripts/ensure-system-packages")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-redis.") as directory:
        server = subprocess.Popen(  # noqa: S603 - a fixed argv built here
            ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
            + ["--dir", directory, "--logfile", str(Path(directory) / "redis.log")]
        )
        try:
            for _ in range(100):
                with socket.socket() as s:
                    if s.connect_ex(("127.0.0.1", port)) == 0:
                        break
                time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/1"
        finally:
            server.terminate()
            server.wait(timeout=10)


def session_cookie(env: dict) -> str:
    """A commissioner of S00 (whose localities are a 42nd of England's), logged in: the session key."""
    code = """
from django.contrib.auth.models import Group
from django.test import Client
from localities.models import Commissioner
from onecare.accounts.models import User
from onecare.accounts.roles import Role
user, _ = User.objects.get_or_create(username="bench.commissioner",
    defaults={"commissioner": Commissioner.objects.get(code="S00"), "is_staff": True})
user.groups.add(Group.objects.get(name=Role.COMMISSIONER.value))
client = Client()
client.force_login(user)
print("SESSION", client.cookies["sessionid"].value)
"""
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return re.search(r"SESSION (\S+)", out).group(1)


WRITER_SETUP = """
from django.contrib.auth.models import Group
from localities.models import Locality
from onecare.accounts.models import User
from onecare.accounts.roles import Role
user, _ = User.objects.get_or_create(username=USERNAME, defaults={"locality": Locality.objects.get(code=HOME)})
user.set_password(PASSWORD)
user.save()
user.groups.add(Group.objects.get(name=Role.LOCALITY_LEAD.value))
"""

WRITER_LOOP = """
import http.client, re, time, urllib.parse
from funding import permissions
from funding.models import ChecklistItem, Evidence
from funding.transitions import evidence_save_draft
from localities.models import Locality
from onecare.accounts.models import User

user = User.objects.get(username=USERNAME)
locality = Locality.objects.get(code=HOME)
item = next(
    item for item in ChecklistItem.objects.filter(phase__scheme__active=True).order_by("phase__number", "position")
    if permissions.can_save_draft(user, Evidence.objects.get_or_create(locality=locality, item=item)[0])[0]
)

def sign_in():
    # By hand rather than with a cookie jar: production's cookies are Secure, and this is plain HTTP.
    host, port = BASE.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.request("GET", "/accounts/login/")
    page = connection.getresponse()
    token = re.search(r"csrftoken=([^;]+)", page.getheader("Set-Cookie", "")).group(1)
    form = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode()).group(1)
    data = urllib.parse.urlencode({"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": form})
    headers = {"Cookie": f"csrftoken={token}", "Content-Type": "application/x-www-form-urlencoded"}
    connection.request("POST", "/accounts/login/", data, headers)
    response = connection.getresponse()
    response.read()
    assert response.status == 302 and "sessionid=" in response.getheader("Set-Cookie", ""), "the sign-in failed"
    connection.close()

signins = saves = 0
start = time.monotonic()
while time.monotonic() - start < LIMIT:
    began = time.monotonic()
    sign_in()
    signins += 1
    evidence_save_draft(locality, item, actor=user, statement=f"Draft {saves} written by the benchmark's writer.")
    saves += 1
    print("WRITES", signins, saves, round(time.monotonic() - start, 1), flush=True)
    time.sleep(max(0.0, EVERY - (time.monotonic() - began)))
"""


def django_code(code: str, **values) -> list[str]:
    """argv for a Python process with Django set up and the names given bound."""
    header = "".join(f"{name} = {value!r}\n" for name, value in values.items())
    return [sys.executable, "-c", "import django; django.setup()\n" + header + code]


@contextmanager
def write_mix(env: dict, base: str, home: str) -> Iterator[dict]:
    """A writer process signing in and saving evidence every WRITE_EVERY seconds, until the block ends:
    yields a dict filled in at the end with the sign-ins and saves made and the seconds they took."""
    if WRITE_EVERY <= 0:
        yield {"signins": 0, "saves": 0, "seconds": 0.0}
        return
    writer = subprocess.Popen(  # noqa: S603 - a fixed argv built here
        django_code(
            WRITER_LOOP,
            USERNAME=WRITER,
            PASSWORD=WRITER_PASSWORD,
            HOME=home,
            BASE=base,
            EVERY=WRITE_EVERY,
            LIMIT=3600,
        ),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    done = {"signins": 0, "saves": 0, "seconds": 0.0}
    try:
        yield done
        if writer.poll() is not None:
            raise RuntimeError("the writer stopped before the pages were measured: see its error above")
    finally:
        writer.terminate()
        out, _ = writer.communicate(timeout=30)
        lines = re.findall(r"WRITES (\d+) (\d+) ([\d.]+)", out)
        if lines:
            done.update(signins=int(lines[-1][0]), saves=int(lines[-1][1]), seconds=float(lines[-1][2]))


def wrk(
    url: str, cookie: str | None, lua: Path, connections: int = CONNECTIONS, seconds: int = SECONDS, warm: bool = True
) -> dict:
    # A browser sends back the CSRF cookie the first page gave it, along with its session.
    headers = ["-H", f"Cookie: sessionid={cookie}; csrftoken={CSRF_COOKIE}"] if cookie else []
    threads = str(min(2, connections))
    common = ["wrk", "-t", threads, "-c", str(connections), "--timeout", "10s", "-s", str(lua), *headers]
    if warm:
        subprocess.run([*common, "-d", "2s", url], check=True, capture_output=True)  # noqa: S603 - warm-up
    out = subprocess.run([*common, "-d", f"{seconds}s", url], check=True, capture_output=True, text=True).stdout  # noqa: S603
    requests, duration_us, p50, p95, errors = map(int, re.search(r"RESULT (\d+) (\d+) (\d+) (\d+) (\d+)", out).groups())
    return {
        "requests": requests,
        "seconds": duration_us / 1e6,
        "rps": requests / (duration_us / 1e6),
        "p50": p50 / 1000,
        "p95": p95 / 1000,
        "errors": errors,
    }


def interleaved(base: str, path: str, cookie: str, lua: Path) -> dict:
    """The trivial view, the signed-in trivial view and the page in turns (ROUNDS slices each), so a change in the
    machine's other load falls on all three: throughput over all the slices; the page's median of medians and worst
    p95."""
    seconds = max(1, SECONDS // ROUNDS)
    wrk(base + path, cookie, lua, seconds=1)  # warm every worker's copy of the page
    trivial, signed, page = [], [], []
    for _ in range(ROUNDS):
        trivial.append(wrk(base + TRIVIAL, None, lua, seconds=seconds, warm=False))
        signed.append(wrk(base + SIGNED_IN, cookie, lua, seconds=seconds, warm=False))
        page.append(wrk(base + path, cookie, lua, seconds=seconds, warm=False))

    def rate(runs):
        return sum(r["requests"] for r in runs) / sum(r["seconds"] for r in runs)

    return {
        "rps": rate(page),
        "baseline": rate(trivial),
        "signed_in": rate(signed),
        "p50": sorted(r["p50"] for r in page)[len(page) // 2],
        "p95": max(r["p95"] for r in page),
        "errors": sum(r["errors"] for r in page + trivial + signed),
    }


def wait_for(port: int, server: subprocess.Popen) -> None:
    """Until the trivial view answers (the application is preloaded, so every worker is ready with it)."""
    import http.client

    for _ in range(600):
        if server.poll() is not None:
            sys.exit("gunicorn exited")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", TRIVIAL)
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit("gunicorn did not start")


def serve(env: dict, port: int, workers: int) -> subprocess.Popen:
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "bench.pages:application", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", str(workers), "--preload", "--access-logfile", "/dev/null"]
        + ["--error-logfile", "-", "--log-level", "warning"],
        cwd=ROOT,
        env={**env, "BENCH_PAGES_SERVE": "1"},
    )
    wait_for(port, server)
    return server


def measure(env: dict, pages: dict, lua: Path, workers: int, home: str) -> tuple[dict, dict]:
    """Per page, with the write mix going on: the trivial view and the page in turns at 8 users, then the
    page for one user alone. Also the writes made."""
    port = free_port()
    server = serve(env, port, workers)
    base = f"http://127.0.0.1:{port}"
    results = {}
    try:
        with write_mix(env, base, home) as writes:
            for name, (path, cookie) in pages.items():
                results[name] = interleaved(base, path, cookie, lua)
                results[name]["alone"] = wrk(base + path, cookie, lua, 1, 3)["p50"]
    finally:
        server.terminate()
        server.wait(timeout=30)
    return results, writes


def rendered_afresh(env: dict, pages: dict, lua: Path, workers: int) -> dict:
    """Per page, one user alone, with the page cache off: what a request pays after a write. The pages take turns
    (AFRESH_ROUNDS slices each, after a warm-up of each), so a spell of other load on the machine falls on every page
    rather than on the one measured then: each page's median of its slices' medians, and every slice's."""
    port = free_port()
    server = serve({**env, "PORTAL_PAGE_CACHE": "false"}, port, workers)
    base = f"http://127.0.0.1:{port}"
    try:
        for path, cookie in pages.values():
            wrk(base + path, cookie, lua, 1, 1)  # a warm-up (wrk's own, then a second left out) for the workers
        slices = {name: [] for name in pages}
        for _ in range(AFRESH_ROUNDS):
            for name, (path, cookie) in pages.items():
                slices[name].append(wrk(base + path, cookie, lua, 1, AFRESH_SECONDS, warm=False))
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        name: {
            "p50": sorted(r["p50"] for r in runs)[len(runs) // 2],
            "slices": [r["p50"] for r in runs],
            "errors": sum(r["errors"] for r in runs),
        }
        for name, runs in slices.items()
    }


def run(database_url: str) -> None:
    env = production_env(database_url)
    test_env = {**env, "DJANGO_SETTINGS_MODULE": "onecare.settings.test"}
    start = time.perf_counter()
    manage(test_env, "migrate", "--noinput", "--verbosity", "0")
    generate_rss = manage(test_env, "generate_scale_data", *SIZE)
    built_s = time.perf_counter() - start
    # A database at rest, as production's is: otherwise autovacuum would be vacuuming and analysing the tables just
    # loaded while the pages are measured (it moves no page cache key: it writes none of the tables).
    subprocess.run(  # noqa: S603 - a fixed argv built here
        django_code("from django.db import connection\nconnection.cursor().execute('VACUUM (ANALYZE)')"),
        cwd=ROOT,
        env=test_env,
        check=True,
    )
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")  # as the image does: the manifest storage needs it
    workers = 2 * (os.cpu_count() or 1) + 1
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(LUA)
    lua = Path(f.name)
    with throwaway_redis() as cache_url:
        env["DJANGO_CACHE_URL"] = cache_url
        cookie = session_cookie(env)
        home = "scl00000"
        subprocess.run(  # noqa: S603 - the writer's account: a locality lead of the commissioner's first locality
            django_code(WRITER_SETUP, USERNAME=WRITER, PASSWORD=WRITER_PASSWORD, HOME=home),
            cwd=ROOT,
            env=env,
            check=True,
        )
        pages = {
            "localities overview (commissioner dashboard)": ("/localities/", cookie),
            "money dashboard": ("/funding/money/", cookie),
            "release changelist (admin)": ("/admin/funding/release/", cookie),
            "review queue": ("/funding/review/", cookie),
            "locality page": (f"/localities/{home}/", cookie),
        }
        afresh = rendered_afresh(env, pages, lua, workers)  # at rest: before the write mix (see the docstring)
        results, writes = measure(env, pages, lua, workers, home)
    lua.unlink()

    # The evaluation at England scale, from an empty ledger: every release proposed again, in its own process.
    evaluation_rss = peak_rss_mb(
        test_env,
        """
from django.db import connection
with connection.cursor() as c:
    c.execute("TRUNCATE funding_releasetransition, funding_releaseline, funding_historicalrelease, "
              "funding_release, funding_milestoneevaluation, funding_paymentrun CASCADE")
import datetime
from funding.evaluation import evaluate_milestones
print(evaluate_milestones(datetime.date(2018, 9, 30), trigger="bench").summary_line())
""",
    )

    print(f"England-sized data ({' '.join(SIZE)}) built in {built_s:.1f} s; generator peak RSS {generate_rss:.0f} MB")
    print(
        f"{os.cpu_count()} CPUs; gunicorn, {workers} sync workers, onecare.settings.production, Redis cache, "
        f"sessions in PostgreSQL; wrk, {CONNECTIONS} connections, {SECONDS} s a page in {ROUNDS} turns with the "
        "trivial views"
    )
    print(
        f"Write mix: {writes['signins']} sign-ins and {writes['saves']} evidence saves in {writes['seconds']:.0f} s "
        f"while the pages were measured (one of each every {WRITE_EVERY:g} s asked for)"
    )
    print()
    print(
        "| page | requests/s, write mix | trivial view requests/s | ratio (target >= 0.40) "
        "| signed-in trivial view requests/s | ratio to it | median ms "
        "| p95 ms (target < 100) | median ms, 1 user | median ms, 1 user, rendered afresh (target < 25) "
        "| errors | met |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    missed = False
    for name, r in results.items():
        ratio = r["rps"] / r["baseline"] if r["baseline"] else float("nan")
        met = ratio >= 0.40 and r["p95"] < 100 and afresh[name]["p50"] < 25 and not r["errors"] + afresh[name]["errors"]
        missed |= not met
        print(
            f"| {name} | {r['rps']:.1f} | {r['baseline']:.1f} | {ratio:.3f} | {r['signed_in']:.1f} "
            f"| {r['rps'] / r['signed_in']:.2f} | {r['p50']:.1f} | {r['p95']:.1f} "
            f"| {r['alone']:.1f} | {afresh[name]['p50']:.1f} | {r['errors'] + afresh[name]['errors']} "
            f"| {'yes' if met else '**no**'} |"
        )
    print()
    print(
        "Rendered afresh, each slice's median in turn (ms): "
        + "; ".join(f"{name} {' / '.join(f'{p:.1f}' for p in r['slices'])}" for name, r in afresh.items())
    )
    if missed:
        print(NOTE)
    print()
    print("| memory | peak RSS MB | target | met |")
    print("|---|---:|---|---|")
    print(
        f"| evaluate_milestones, 1,250 localities from an empty ledger | {evaluation_rss:.0f} | < 500 | "
        f"{'yes' if evaluation_rss < 500 else '**no**'} |"
    )
    print(f"| generate_scale_data (England size) | {generate_rss:.0f} | (none) | |")


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onecare.settings.test")
    os.chdir(ROOT)
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    with benchmark_database("pages") as url:
        run(url)


if __name__ == "__main__":
    sys.stdout = io.TextIOWrapper(sys.stdout.buffer, line_buffering=True)
    main()
