"""Django's PostgreSQL backend, with a health check that asks the server only when the connection says something.

Used as the database ENGINE wherever DATABASE_URL names PostgreSQL (onecare/settings/base.py).
"""
