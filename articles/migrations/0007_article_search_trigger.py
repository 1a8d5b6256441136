"""Keep ``Article.search_vector`` current on PostgreSQL, and index it for search.

A BEFORE INSERT OR UPDATE trigger computes the weighted document (headline A, dek B,
body text C; English stemming) whenever one of those columns is written, so every way
of saving an article (admin, ORM, bulk update, raw SQL) keeps search right. The body is
stored HTML: tags and character references are replaced by spaces first, so attribute
values (URLs, class names) never match. Existing rows are backfilled, and a GIN index
serves ``search_vector @@ query``.

SQLite has no full-text types: there this migration does nothing (search falls back to a
substring match, see articles/search.py). It carries no model state, so
``makemigrations --check`` stays clean.
"""

from django.db import migrations

FUNCTION = "articles_article_search_vector_update"
TRIGGER = "articles_article_search_vector_trigger"
INDEX = "article_search_vector_gin"
# Same rule as articles.search._TAG_SQL.
STRIP = r"'<[^>]+>|&(#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);'"
DOCUMENT = f"""
    setweight(to_tsvector('pg_catalog.english', coalesce(NEW.headline, '')), 'A')
    || setweight(to_tsvector('pg_catalog.english', coalesce(NEW.dek, '')), 'B')
    || setweight(to_tsvector('pg_catalog.english',
           regexp_replace(coalesce(NEW.body, ''), {STRIP}, ' ', 'g')), 'C')
"""


def _table(apps, schema_editor) -> str | None:
    """Return the quoted article table on PostgreSQL, None on any other database."""
    if schema_editor.connection.vendor != "postgresql":
        return None
    return schema_editor.quote_name(apps.get_model("articles", "Article")._meta.db_table)


def create_trigger(apps, schema_editor) -> None:
    table = _table(apps, schema_editor)
    if table is None:
        return
    schema_editor.execute(
        f"""
        CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            NEW.search_vector := {DOCUMENT};
            RETURN NEW;
        END
        $$;
        """
    )
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {table}")
    schema_editor.execute(
        f"""
        CREATE TRIGGER {TRIGGER}
        BEFORE INSERT OR UPDATE OF headline, dek, body, search_vector ON {table}
        FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()
        """
    )
    # Rewriting a column fires the trigger: existing articles get their vector.
    schema_editor.execute(f"UPDATE {table} SET headline = headline")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON {table} USING gin (search_vector)"
    )


def drop_trigger(apps, schema_editor) -> None:
    table = _table(apps, schema_editor)
    if table is None:
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {table}")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
    schema_editor.execute(f"UPDATE {table} SET search_vector = NULL")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0006_article_slug_redirects_news_sitemap_search"),
    ]

    operations = [
        migrations.RunPython(create_trigger, drop_trigger, elidable=False),
    ]
