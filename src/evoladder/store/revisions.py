"""Which schema revision the code needs and which one a database is at, without Alembic.

Alembic, with the SQLAlchemy dialects its DDL layer loads, is ~11 MB resident; only migrating
needs it (``evoladder db upgrade``, :mod:`evoladder.store.migrations`). The running bot only
checks at start-up that its database is at the head, and reading that here keeps Alembic out of
the bot process (DESIGN section 7: RSS at ready). The migrations are one line of history (``evoladder
db revision`` numbers them); each file states ``revision`` and ``down_revision``, and the head is
the revision that no file names as its ``down_revision``. A test checks both answers against
Alembic's own.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncConnection

VERSIONS_DIR = Path(__file__).with_name("migrations") / "versions"
VERSION_TABLE = "alembic_version"
_FIELD = re.compile(r"^(revision|down_revision)\b[^=\n]*=\s*['\"]?([\w-]*)['\"]?\s*$", re.MULTILINE)


class MigrationHistoryError(RuntimeError):
    """The packaged migrations do not form one line of history (two heads, or none)."""


def packaged_head(versions: Path = VERSIONS_DIR) -> str | None:
    """The newest revision of the packaged migrations (None when there are none)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in versions.glob("*.py"):
        fields = dict(_FIELD.findall(path.read_text(encoding="utf-8")))
        if "revision" not in fields:
            continue
        revisions.add(fields["revision"])
        parent = fields.get("down_revision")
        if parent and parent != "None":
            parents.add(parent)
    heads = revisions - parents
    if not revisions:
        return None
    if len(heads) != 1:
        raise MigrationHistoryError(f"the migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


async def database_revision(conn: AsyncConnection) -> str | None:
    """The revision the database is at (None for a database never migrated)."""
    exists = await conn.run_sync(lambda sync: inspect(sync).has_table(VERSION_TABLE))
    if not exists:
        return None
    found = sorted((await conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))).scalars())
    return ",".join(found) if found else None
