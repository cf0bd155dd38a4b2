"""The localities app's admin, one module per concern, each registering its own model admins once:

- localities: commissioners, practices (with the practice data import and export mixed in), list sizes (likewise),
  localities, their vehicles, sub-localities, memberships and representatives;
- imports: the practice data import records, and the import and export abilities the practice and list-size
  admins are defined with;
- periods: the inlines' check of "one locality and one commissioner per practice at a time" (no registrations).
"""

from . import imports, localities, periods

__all__ = ["imports", "localities", "periods"]
