"""Funding for localities under the LTS: evidence, tranche gates, releases, payment runs."""
