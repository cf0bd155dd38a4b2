"""The production-shaped stack: docker-compose.yml, the Dockerfile and .env.example agree.

No Docker is needed: the files are read and checked against each other, so a renamed
variable or a diverging command shows up in `make test`.
"""

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
APP_SERVICES = ("web", "worker", "beat")
REQUIRED_APP_VARIABLES = ("DATABASE_URL", "REDIS_URL", "DJANGO_CACHE_URL", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS")
# ${VAR}, ${VAR:-default}, ${VAR:?message}; "$${VAR}" is an escaped, literal "${VAR}" for the container's shell.
INTERPOLATION = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)")


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


@pytest.fixture(scope="module")
def env_example():
    """Variables .env.example sets (commented-out optional ones included) -> their values."""
    found = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.match(r"^#?([A-Z][A-Z0-9_]*)=(.*)$", line.strip())
        if match:
            found[match[1]] = match[2]
    return found


@pytest.fixture(scope="module")
def dockerfile_instructions():
    """(INSTRUCTION, arguments) of the final stage of the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, arguments = line.partition(" ")
        if keyword.upper() == "FROM":
            instructions = []  # only the last stage ends up in the image
        instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def command_of(service):
    command = service["command"]
    return command if isinstance(command, list) else shlex.split(command)


def environment_of(service):
    environment = service.get("environment", {})
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return environment


def test_it_has_the_services_of_the_stack(services):
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)


def test_it_runs_postgres_15_and_redis_7(services):
    assert services["postgres"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:7")


def test_it_builds_web_worker_and_beat_from_one_image(services):
    builds = {json.dumps(services[name]["build"], sort_keys=True) for name in APP_SERVICES}
    images = {services[name].get("image") for name in APP_SERVICES}
    assert len(builds) == 1
    assert len(images) == 1
    assert services["web"]["build"] in (".", {"context": "."})


def test_it_gives_each_app_service_its_command(services):
    assert command_of(services["web"])[:2] == ["gunicorn", "onecare.wsgi:application"]
    assert command_of(services["worker"])[:4] == ["celery", "-A", "onecare", "worker"]
    assert command_of(services["beat"])[:4] == ["celery", "-A", "onecare", "beat"]


def test_it_serves_the_web_service_on_port_8000(services):
    assert any(str(port).endswith("8000:8000") for port in services["web"]["ports"])
    assert "0.0.0.0:8000" in command_of(services["web"])


def test_it_configures_the_app_services_through_the_environment(services):
    for name in APP_SERVICES:
        environment = environment_of(services[name])
        for variable in REQUIRED_APP_VARIABLES:
            assert variable in environment, f"{name} lacks {variable}"
        assert environment["DJANGO_SETTINGS_MODULE"] == "onecare.settings.production"
        assert services[name]["env_file"] in (".env", [".env"])


def test_it_keeps_evidence_uploads_on_a_volume(compose, services):
    for name in APP_SERVICES:
        media_root = environment_of(services[name])["DJANGO_MEDIA_ROOT"]
        mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in services[name]["volumes"]}
        assert mounts.get(media_root) in compose["volumes"], f"{name}: {media_root} is not on a named volume"


def test_it_starts_the_app_after_healthy_infrastructure_and_migrations(services):
    for name in ("postgres", "redis"):
        assert services[name]["healthcheck"]["test"]
    for name in APP_SERVICES:
        depends_on = services[name]["depends_on"]
        assert depends_on["postgres"]["condition"] == "service_healthy"
        assert depends_on["redis"]["condition"] == "service_healthy"
        assert depends_on["migrate"]["condition"] == "service_completed_successfully"
    assert command_of(services["migrate"]) == ["python", "manage.py", "migrate", "--noinput"]


def test_it_documents_every_variable_it_reads_in_the_env_example(env_example):
    referenced = set(INTERPOLATION.findall((ROOT / "docker-compose.yml").read_text()))
    assert referenced, "docker-compose.yml reads no variables?"
    assert referenced <= set(env_example), f"missing from .env.example: {sorted(referenced - set(env_example))}"


def test_it_documents_every_setting_the_environment_can_change_in_the_env_example(env_example):
    """Every variable the base and production settings read is in .env.example (DJANGO_DEBUG
    aside: production settings switch debugging off whatever it says)."""
    source = "".join((ROOT / "onecare" / "settings" / name).read_text() for name in ("base.py", "production.py"))
    read = set(re.findall(r"env_(?:str|bool|int|list)\(\s*\"([A-Z][A-Z0-9_]*)\"", source))
    read |= {"DATABASE_URL"}  # read by dj_database_url.config()
    read -= {"DJANGO_DEBUG"}
    assert read <= set(env_example), f"missing from .env.example: {sorted(read - set(env_example))}"


def test_it_ships_a_placeholder_secret_key_production_refuses(env_example):
    placeholder = env_example["DJANGO_SECRET_KEY"]
    assert len(placeholder) < 50 or placeholder.startswith("django-insecure")


def test_it_runs_the_web_command_by_default_in_the_image(services, dockerfile_instructions):
    keywords = [keyword for keyword, _ in dockerfile_instructions]
    # An ENTRYPOINT would be prefixed to the compose commands; they are written to run as they are.
    assert "ENTRYPOINT" not in keywords
    cmd = [arguments for keyword, arguments in dockerfile_instructions if keyword == "CMD"]
    assert len(cmd) == 1
    assert json.loads(cmd[0]) == command_of(services["web"])


def test_it_builds_the_image_as_the_stack_expects(dockerfile_instructions):
    stage = dict(dockerfile_instructions)  # the last of each instruction
    assert stage["FROM"].startswith("python:3.11")
    assert "DJANGO_SETTINGS_MODULE=onecare.settings.production" in stage["ENV"]
    assert stage["USER"] not in ("root", "0")
    runs = " ".join(arguments for keyword, arguments in dockerfile_instructions if keyword == "RUN")
    assert "pip install --no-cache-dir -r requirements.lock" in runs
    assert "manage.py collectstatic" in runs
    copies = [arguments for keyword, arguments in dockerfile_instructions if keyword == "COPY"]
    assert any(arguments.startswith("--from=") and "nhsuk-frontend" in arguments for arguments in copies)


def test_it_keeps_local_state_and_secrets_out_of_the_image():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".venv", "node_modules", ".env", "db.sqlite3", ".git"} <= ignored


def test_it_keeps_the_cache_and_the_broker_apart_on_the_redis_service(env_example):
    cache, broker = env_example["DJANGO_CACHE_URL"], env_example["REDIS_URL"]
    assert cache.startswith("redis://redis:6379/") and broker.startswith("redis://redis:6379/")
    assert cache != broker


def test_the_image_build_step_loads_the_production_settings(dockerfile_instructions, tmp_path):
    """The collectstatic step's throwaway variables satisfy every variable production insists on."""
    run = next(arguments for keyword, arguments in dockerfile_instructions if "manage.py collectstatic" in arguments)
    words = shlex.split(run.replace("\\\n", " "))
    assignments = dict(word.split("=", 1) for word in words[: words.index("python")])
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "onecare.settings.production",
        **assignments,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'collectstatic-only.sqlite3'}",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
