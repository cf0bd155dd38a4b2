"""The embedded default (`make run`): SQLite, tasks in-process, and the portal as users see it.

DEBUG is off unless a developer opts in with DJANGO_DEBUG=true: a mistyped address shows the NHS-styled
404 page, not Django's debug page. Static files are served by WhiteNoise straight from the source folders
(the finders), so `runserver` serves them with DEBUG off and an edited file is served without a collectstatic.
"""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, STORAGES
from .env import env_bool

# The demo (`load_demo_data`) and the synthetic scale data: development only (devdata/apps.py).
INSTALLED_APPS = [*INSTALLED_APPS, "devdata"]

DEBUG = env_bool("DJANGO_DEBUG", False)

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
