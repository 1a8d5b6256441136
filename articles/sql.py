"""The SQL Django's ORM cannot say as fast: a UNION ALL of small LIMIT queries.

Both helpers produce parameterised SQL only; no value is ever formatted into the text.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL


def union_all_sql(
    querysets: Sequence[QuerySet], raw: Sequence[tuple[str, list]] = ()
) -> tuple[str, list]:
    """Return one SQL statement (and its parameters) of the rows of every query, in turn.

    Each queryset may be ordered and sliced (a LIMIT): it is wrapped as a derived table,
    which SQLite and PostgreSQL both accept inside a UNION ALL. ``raw`` adds (sql,
    params) parts that already fit. An empty list gives ("", []).
    """
    parts, params = [], []
    for queryset in querysets:
        sql, query_params = queryset.query.sql_with_params()
        parts.append(f"SELECT * FROM ({sql}) AS part")
        params += query_params
    for sql, raw_params in raw:
        parts.append(sql)
        params += raw_params
    return " UNION ALL ".join(parts), params


def pk_in_any(pools: Sequence[QuerySet], raw: Sequence[tuple[str, list]] = ()) -> Q:
    """Return a filter for the primary keys any of ``pools`` yields (small LIMIT queries).

    One ``IN`` over a UNION ALL of the pools, not an OR of ``IN (subquery)`` terms:
    PostgreSQL answered the OR with a sequential scan of the whole archive (120 ms at
    100,000 articles); the union is a few hundred ids, each looked up by primary key.
    ``raw`` adds (sql, params) pools that already select one id column.
    """
    sql, params = union_all_sql(pools, raw)
    return Q(pk__in=RawSQL(sql, params)) if sql else Q(pk__in=[])


def newest_linked_sql(
    table: str, link_column: str, key_column: str, keys: list[int], exclude: int, limit: int
) -> tuple[str, list[int]]:
    """Return SQL for the ids of each key's newest ``limit`` linked rows, and its parameters.

    For a link table such as the article tags: per key (a tag), the newest linked ids (by
    id, which follows creation) other than ``exclude``, read off a (key, link) index, so a
    key on a tenth of the archive costs no more than a rare one. Table and column names
    come from model metadata, never from input; the values are parameters.
    """
    part = (
        f"SELECT * FROM (SELECT {link_column} FROM {table} "
        f"WHERE {key_column} = %s AND {link_column} <> %s "
        f"ORDER BY {link_column} DESC LIMIT %s) AS newest"
    )
    params: list[int] = []
    for key in keys:
        params += [key, exclude, limit]
    return " UNION ALL ".join([part] * len(keys)), params
