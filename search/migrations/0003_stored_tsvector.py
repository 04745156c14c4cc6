"""PostgreSQL: the tokens' tsvector is stored (a generated column, `tsv`) and the GIN
index is over it. With the index over the expression `to_tsvector('simple', tokens)`,
every candidate row was parsed again to rank it (ts_rank) and to recheck a phrase: a
two-character term matching 34,000 of 100,000 documents took 5.2 s to rank; over the
stored vector, 0.33 s, and 15 ms over the newest 1,000 (`search.selectors`). SQLite's
FTS5 table keeps its own index and is unchanged."""

from django.db import migrations

FORWARD = [
    "ALTER TABLE search_document ADD COLUMN tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, tokens)) STORED",
    "CREATE INDEX search_document_tsv_gin ON search_document USING gin (tsv)",
    "DROP INDEX IF EXISTS search_document_tokens_gin",
]
BACKWARD = [
    "CREATE INDEX IF NOT EXISTS search_document_tokens_gin ON search_document "
    "USING gin (to_tsvector('simple'::regconfig, tokens))",
    "DROP INDEX IF EXISTS search_document_tsv_gin",
    "ALTER TABLE search_document DROP COLUMN IF EXISTS tsv",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0002_fulltext")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
