"""The full-text part of the index, for the backend in use: an FTS5 table kept by
triggers on SQLite, a GIN index over to_tsvector('simple', tokens) on PostgreSQL."""

from django.core.exceptions import ImproperlyConfigured
from django.db import migrations

FTS_TABLE = "search_fts"

SQLITE_SCHEMA = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(tokens, content='search_document', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN "
    "INSERT INTO search_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
    "CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens); END",
    "CREATE TRIGGER search_document_au AFTER UPDATE OF tokens ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens); "
    "INSERT INTO search_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
    "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS search_document_au",
    "DROP TRIGGER IF EXISTS search_document_ad",
    "DROP TRIGGER IF EXISTS search_document_ai",
    "DROP TABLE IF EXISTS search_fts",
]
PG_SCHEMA = [
    "CREATE INDEX search_document_tokens_gin ON search_document "
    "USING gin (to_tsvector('simple'::regconfig, tokens))",
]
PG_DROP = ["DROP INDEX IF EXISTS search_document_tokens_gin"]


def _run(statements_for):
    def run(apps, schema_editor):
        for statement in statements_for(schema_editor.connection.vendor):
            schema_editor.execute(statement)

    return run


def _create(vendor):
    if vendor == "postgresql":
        return PG_SCHEMA
    if vendor == "sqlite":
        return SQLITE_SCHEMA
    # The project runs on these two databases only (README, docs/search.md): refuse any
    # other clearly instead of migrating without a full-text index.
    raise ImproperlyConfigured(
        f"search: no full-text index for the {vendor!r} database; use SQLite or PostgreSQL"
    )


def _drop(vendor):
    return PG_DROP if vendor == "postgresql" else SQLITE_DROP if vendor == "sqlite" else []


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(_run(_create), _run(_drop))]
