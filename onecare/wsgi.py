"""WSGI entry point (gunicorn onecare.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onecare.settings.production")

application = get_wsgi_application()
