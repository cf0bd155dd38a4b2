"""The demo data loaders (load_demo_data): BNSSG localities, evidence, money, Improved Access and One Care."""
