"""The quarters Improved Access pays by (onecare.quarters, the shared financial-year quarters): it pays from 2018Q1."""

from onecare.quarters import Quarter

FIRST_PAYABLE = Quarter(2018, 1)
# The last quarter the scheme's pages list whatever happened: the end of 2018/19, the year the LTS paper funds
# (IA.md, "The scheme's quarters"); a later quarter is listed once it has an activity return or a release.
LAST_PLANNED = Quarter(2018, 4)

__all__ = ["FIRST_PAYABLE", "LAST_PLANNED", "Quarter"]
