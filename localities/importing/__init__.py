"""Bulk import of practices, list sizes and memberships from the NHS's files and the portal's template.

practice_data_import() is the one entry point (the admin, the Celery task and the command call it);
FORMATS.md describes the formats it reads.
"""

from .outcome import ImportRejected, Problem, Tally
from .run import Mode, practice_data_import

__all__ = ["ImportRejected", "Mode", "Problem", "Tally", "practice_data_import"]
