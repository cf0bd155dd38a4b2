# Thin wrappers: the logic lives in scripts/, where it is commented.
#   make run    set up (venv, pinned packages, npm, SQLite, demo data) and serve on 127.0.0.1:8000
#   make setup  everything `make run` does except serving (for scripts and CI)
#   make test   the whole suite on a throwaway PostgreSQL 15 and a real Redis;
#               pytest arguments via ARGS, e.g. make test ARGS='-x -k population'
#   make bench  run bench/*.py, writing bench/RESULTS.md
#   make lint   ruff

.PHONY: setup run test bench lint

setup:
	scripts/setup

run: setup
	# DEBUG is off unless DJANGO_DEBUG=true; WhiteNoise (onecare/settings/local.py) serves the static files.
	.venv/bin/python manage.py runserver 127.0.0.1:8000

test:
	scripts/test $(ARGS)

bench:
	scripts/bench

lint:
	scripts/bootstrap
	.venv/bin/ruff check .
