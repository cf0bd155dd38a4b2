# syntax=docker/dockerfile:1
# One image for every app service of docker-compose.yml: web (the default command,
# gunicorn), worker and beat (Celery; compose gives their commands). Configured at run
# time only through environment variables; see .env.example.

# --- Front-end packages: only the NHS.UK frontend is needed at run time (axe-core is for tests).
FROM node:20-bookworm-slim AS frontend
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# --- The application
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=onecare.settings.production \
    DJANGO_MEDIA_ROOT=/var/lib/portal/media

# The processes run as this unprivileged user, never as root.
RUN groupadd --system --gid 10001 portal \
    && useradd --system --uid 10001 --gid portal --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin portal

WORKDIR /app

# Dependencies first, so code changes do not reinstall them: the same exact pins as `make setup`.
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock

COPY --from=frontend /build/node_modules/nhsuk-frontend ./node_modules/nhsuk-frontend
COPY . .

# Static files are collected into the image and served by WhiteNoise. The production
# settings refuse to load without real values, so this one step gets throwaway ones
# that exist only while it runs (they are not baked into the image's environment).
RUN DJANGO_SECRET_KEY=build-time-only-placeholder-for-collectstatic-never-used-at-run-time \
    DATABASE_URL=sqlite:////tmp/collectstatic-only.sqlite3 \
    DJANGO_ALLOWED_HOSTS=build.invalid \
    PORTAL_URL=https://build.invalid \
    REDIS_URL=redis://build.invalid:6379/0 \
    python manage.py collectstatic --noinput --verbosity 0

# Evidence uploads live on a volume mounted here; a fresh named volume takes this ownership.
RUN mkdir -p /var/lib/portal/media && chown portal:portal /var/lib/portal/media

USER portal
EXPOSE 8000
CMD ["gunicorn", "onecare.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
