"""The embedded default (`make run`): SQLite, tasks in-process, and the portal as users see it.

DEBUG is off unless a developer opts in with DJANGO_DEBUG=true: a mistyped address shows the NHS-styled
404 page, not Django's debug page. Static files are served by WhiteNoise straight from the source folders
(the finders), so `runserver` serves them with DEBUG off and an edited file is served without a collectstatic.
"""

from .base import *  # noqa: F403
from .base import STORAGES
from .env import env_bool

DEBUG = env_bool("DJANGO_DEBUG", False)

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
