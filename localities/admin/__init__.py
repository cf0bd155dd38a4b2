"""The localities app's admin, one module per concern, each registering its own model admins once:

- localities: commissioners, practices (with the practice data import and export mixed in), list sizes (likewise),
  localities, and their governance records (vehicles, sub-localities, memberships, representatives), which are read
  here and changed through localities.governance (the vehicle's payee record by data admins, the rest on the
  portal's governance pages);
- imports: the practice data import records, and the import and export abilities the practice and list-size
  admins are defined with;
- periods: the commissioner links inline's check of "one commissioner per practice at a time" (no registrations).
"""

from . import imports, localities, periods

__all__ = ["imports", "localities", "periods"]
