"""Development data: the BNSSG demo (`load_demo_data`, `demo_totp_code`) and the synthetic England-scale data set
for the benchmarks and performance tests (`generate_scale_data`).

The app sits above every other app: it imports localities, funding, improved_access and the One Care apps to make
their data through their own transition functions, and nothing imports it (the layers contract in pyproject.toml).

Installed in the local settings (`make run`, `make setup`) and the test settings (the test suite, and `make bench`,
which builds its data set with them); not in the base or the production settings. A live service must never load
demo data or synthetic people: in production these commands do not exist at all, which no flag, environment
variable or mistyped command can change. The production stack loads the BNSSG reference data (CCGs, practices,
localities, the checklist and tranches) with `load_reference_data` (portal), without it.
"""

from django.apps import AppConfig


class DevdataConfig(AppConfig):
    name = "devdata"
    verbose_name = "Development data (demo and scale)"
