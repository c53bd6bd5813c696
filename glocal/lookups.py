"""``field__any_of=[...]``: ``IN`` with one array parameter on PostgreSQL.

Django renders ``__in`` with one placeholder per value; at the thousands of keys an
import chunk looks up, compiling those placeholders costs more than the query.
``= ANY(%s)`` binds the whole list as a single array. Other databases use ``IN``.
"""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db.models import CharField
from django.db.models.lookups import In


@CharField.register_lookup
class AnyOf(In):
    lookup_name = "any_of"

    def as_postgresql(self, compiler, connection) -> tuple[str, tuple]:
        if not self.rhs_is_direct_value():
            return super().as_sql(compiler, connection)
        values = [value for value in self.rhs if value is not None]
        if not values:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, values)
