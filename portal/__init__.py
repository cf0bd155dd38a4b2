"""The pages that combine the apps: the header's navigation (with the approvals inbox's count), the locality page
(its population with its checklist, money, remittance advice and the link to its Improved Access), and the money
dashboard (the LTS and Improved Access together).

The top of the apps' layers (pyproject.toml, [tool.importlinter]): it imports localities, funding and
improved_access; none of them imports it. Its URLs keep their names in the apps' namespaces (portal.urls).
"""
