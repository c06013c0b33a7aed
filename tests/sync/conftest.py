"""Hub tests run on SQLite and, when ROOMCONTROL_TEST_PG_URL is set (scripts/ci-postgres.sh), on PostgreSQL.

Each PostgreSQL test gets a schema of its own (search_path in the URL), dropped afterwards.
"""

from __future__ import annotations

import os
import uuid

import pytest

from roomcontrol.sync.hub.db import HubDB
from roomcontrol.sync.hub.store import add_room
from tests.sync.helpers import ROOM

PG_ENV = "ROOMCONTROL_TEST_PG_URL"


@pytest.fixture(params=["sqlite", "postgres"])
def hub_url(request, tmp_path):
    if request.param == "sqlite":
        yield str(tmp_path / "hub.db")
        return
    yield from _pg_schema()


@pytest.fixture
def pg_url():
    """A PostgreSQL URL whose tables live in a fresh schema of their own, dropped afterwards."""
    yield from _pg_schema()


def _pg_schema():
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set (run scripts/ci-postgres.sh)")
    import psycopg
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def hubdb(hub_url):
    db = HubDB(hub_url)
    yield db
    db.close()


@pytest.fixture
def token(hubdb):
    return add_room(hubdb, ROOM)
