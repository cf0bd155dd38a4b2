"""The embedded default (`make run`): SQLite, tasks in-process, debug on unless switched off."""

from .base import *  # noqa: F403
from .env import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
