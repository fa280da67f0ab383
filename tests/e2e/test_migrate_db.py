"""
test_migrate_db.py — `laurel migrate-db`: a demo's SQLite database copied whole into a
real PostgreSQL server (started here, pgcluster.py).

Every table of the target holds the source's count of rows, and the rows themselves are
the same (cases, the audit chain's hashes, every vote, the voters' secret); the identity
sequences continue after the ids copied; a second run into the now non-empty target is
refused and changes nothing.  What would lose data is refused before anything is written:
a table or a column the PostgreSQL schema lacks.  Usage errors, a target that is not
PostgreSQL, a missing data folder, and a data folder a running server holds are refused
with exit status 1 or 2 and a message.
"""
import hashlib
import os
import shutil
import sqlite3
import subprocess
import tempfile

import pytest

from conftest import LAUREL_BIN, LaurelServer, ON_PG, finish, make_demo
from pgcluster import pg_cluster

pytestmark = pytest.mark.skipif(ON_PG, reason="on PostgreSQL: it runs migrate-db from SQLite to a "
                                "PostgreSQL of its own in the SQLite pass")


def migrate(*args, env=None):
    return subprocess.run([LAUREL_BIN, "migrate-db", *args], capture_output=True, text=True,
                          timeout=1800, stdin=subprocess.DEVNULL, env=env)


@pytest.fixture(scope="module")
def demo():
    workdir = tempfile.mkdtemp(prefix="laurel-migrate-")
    try:
        yield make_demo(workdir, "--cases", "200")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="module")
def pg():
    with pg_cluster() as c:
        yield c


def sqlite_rows(data, sql):
    c = sqlite3.connect("file:%s/laurel.db?mode=ro" % data, uri=True, timeout=30)
    try:
        return [["" if v is None else str(v) for v in row] for row in c.execute(sql)]
    finally:
        c.close()


def copy_of(data):
    d = tempfile.mkdtemp(prefix="laurel-migrate-copy-")
    shutil.copytree(data, os.path.join(d, "data"))
    return os.path.join(d, "data")


def test_migrate_copies_every_row_then_refuses_a_second_time(demo, pg):
    uri = pg.create("whole")
    r = migrate("--from", demo, "--to", uri)
    assert r.returncode == 0, r.stderr
    assert " rows copied and counted in " in r.stdout, r.stdout[-500:]
    source = {t for (t,) in sqlite_rows(demo, "SELECT name FROM sqlite_schema WHERE type='table'")}
    tables = [t for (t,) in pg.psql("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                    "ORDER BY tablename", "whole")]
    copied = [t for t in tables if t in source]
    assert len(copied) >= 50, copied
    counts = {}
    for t in copied:
        n = int(pg.psql('SELECT count(*) FROM "%s"' % t, "whole")[0][0])
        want = int(sqlite_rows(demo, 'SELECT count(*) FROM "%s"' % t)[0][0])
        assert n == want, "table %s: %d rows in PostgreSQL, %d in SQLite" % (t, n, want)
        counts[t] = n
    assert counts["case"] >= 200 and counts["vote"] > 1000 and counts["audit"] > 10, counts

    # The rows themselves, to the byte (sections hold newlines: compared by digest).
    for sql in ('SELECT id, title, region_code, status, unit_id FROM "case" ORDER BY id',
                "SELECT id, hash, prev FROM audit ORDER BY id",
                "SELECT id, stage_id, case_id, voter_id, ord, day, at, net, valid FROM vote "
                "ORDER BY id"):
        assert pg.psql(sql, "whole") == sqlite_rows(demo, sql), sql
    bodies = [b for (b,) in sqlite_rows(demo, "SELECT body_md FROM case_section "
                                              "ORDER BY case_id, seq")]
    assert len(bodies) >= 200
    assert pg.psql("SELECT md5(string_agg(body_md, '|' ORDER BY case_id, seq)) FROM case_section",
                   "whole") == [[hashlib.md5("|".join(bodies).encode()).hexdigest()]]
    assert pg.psql("SELECT encode(secret, 'hex') FROM vote_secret", "whole") == \
        sqlite_rows(demo, "SELECT lower(hex(secret)) FROM vote_secret")

    # A row added on PostgreSQL takes the next id.
    top = int(sqlite_rows(demo, "SELECT max(id) FROM tag")[0][0])
    got = pg.psql("INSERT INTO tag (name) VALUES ('迁移后的新标签') RETURNING id", "whole")
    assert int(got[0][0]) == top + 1, (got, top)

    # Again into the same database: refused, nothing written.
    again = migrate("--from", demo, "--to", uri)
    assert again.returncode == 1, again.stdout
    assert "not empty" in again.stderr, again.stderr
    assert int(pg.psql('SELECT count(*) FROM "case"', "whole")[0][0]) == counts["case"]
    assert int(pg.psql("SELECT count(*) FROM vote", "whole")[0][0]) == counts["vote"]


def test_what_would_lose_data_is_refused_before_anything_is_written(demo, pg):
    data = copy_of(demo)
    try:
        c = sqlite3.connect(os.path.join(data, "laurel.db"))
        c.execute("CREATE TABLE extra (x TEXT)")
        c.execute("INSERT INTO extra VALUES ('某项数据')")
        c.commit()
        uri = pg.create("lose_table")
        r = migrate("--from", data, "--to", uri)
        assert r.returncode == 1, r.stdout
        assert "no table extra" in r.stderr, r.stderr
        assert pg.psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
                       "lose_table") == [["0"]]

        c.execute("DROP TABLE extra")
        c.execute("ALTER TABLE tag ADD COLUMN colour TEXT")
        c.commit()
        c.close()
        uri = pg.create("lose_column")
        r = migrate("--from", data, "--to", uri)
        assert r.returncode == 1, r.stdout
        assert "has no column colour" in r.stderr, r.stderr
        # The schema was made, the copy rolled back whole: every table empty.
        for t in ("region", "campaign", '"case"', "tag"):
            assert pg.psql("SELECT count(*) FROM %s" % t, "lose_column") == [["0"]], t
    finally:
        shutil.rmtree(os.path.dirname(data), ignore_errors=True)


def test_usage_and_bad_targets_are_refused(demo, pg, tmp_path):
    r = migrate()
    assert r.returncode == 2 and "usage: laurel migrate-db" in r.stderr, r.stderr
    r = migrate("--from", demo)
    assert r.returncode == 2, r.stderr
    r = migrate("--from", demo, "--to", str(tmp_path / "other.db"))
    assert r.returncode == 1 and "must be a PostgreSQL URI" in r.stderr, r.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    r = migrate("--from", str(empty), "--to", pg.uri())
    assert r.returncode == 1 and "no database at" in r.stderr, r.stderr
    # LAUREL_DB stands for --to.
    env = dict(os.environ, LAUREL_DB=pg.create("from_env"))
    r = migrate("--from", demo, env=env)
    assert r.returncode == 0, r.stderr
    assert int(pg.psql('SELECT count(*) FROM "case"', "from_env")[0][0]) > 0


def test_a_data_folder_in_use_is_refused(demo, pg):
    data = copy_of(demo)
    workdir = os.path.dirname(data)
    srv = LaurelServer(LAUREL_BIN, data, workdir)
    try:
        srv.start()
        uri = pg.create("in_use")
        r = migrate("--from", data, "--to", uri)
        assert r.returncode == 1, r.stdout
        assert "is in use by another laurel server" in r.stderr, r.stderr
        assert pg.psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
                       "in_use") == [["0"]]
    finally:
        finish(srv, workdir)
