"""The funding app's admin, one module per concern, each registering its own model admins once:

- checklist: the scheme, its phases and checklist items (edited here), evidence and its records (read only);
- rules: the four-eyes rule changes (ProposeChanges, the mixin of every money rule's admin), the delegated limit;
- releases: tranches and releases, with their steps and bulk actions (adding to a payment run among them);
- payment_runs: payment runs, and the releases list's action that adds releases to one;
- totals: the count and total of a set of releases (no registrations).
"""

from . import checklist, payment_runs, releases, rules, totals

__all__ = ["checklist", "payment_runs", "releases", "rules", "totals"]
