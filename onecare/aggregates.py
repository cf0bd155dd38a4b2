"""JSONList: a column's values in one JSON array, as an aggregate (jsonb_agg on PostgreSQL, json_group_array on
SQLite), read back as a Python list the same way on both (an empty group gives [])."""

from django.db.models import Aggregate, JSONField


class JSONList(Aggregate):
    function = "JSONB_AGG"
    output_field = JSONField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="JSON_GROUP_ARRAY", **extra_context)

    def convert_value(self, value, expression, connection):
        return [] if value is None else value
