"""
pgcluster.py — a throwaway PostgreSQL server for end-to-end tests, as
tests/unit/with_pg.sh makes one for the unit tests.

initdb from Debian's /usr/lib/postgresql/*/bin (the newest) in a new temporary folder,
started on a Unix socket in that folder only (no TCP port, no clash), waited for by
pg_ctl -w with a generous bound, and stopped and removed when the block ends.  Its
databases are made empty or as copies of another (create's template).  As root the
server runs as the `postgres` user (PostgreSQL refuses root).  Without an installed server
the tests that need one are skipped, saying why, except under CI, where `make test` has
installed it (scripts/deps.sh) and its absence is a failure.
"""
import contextlib
import glob
import os
import shutil
import subprocess
import tempfile

import pytest


def _bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    return os.path.dirname(found[-1]) if found else None


class PgCluster:
    def __init__(self, work, bindir, as_user):
        self.work, self.bindir, self.as_user = work, bindir, as_user
        self.port = "5432"  # names the socket file in work only

    def uri(self, db="postgres"):
        return "postgresql:///%s?host=%s&port=%s&user=postgres" % (db, self.work, self.port)

    def psql(self, sql, db="postgres"):
        """The rows of sql as lists of text (psql -At, fields split on the unit separator)."""
        r = subprocess.run([os.path.join(self.bindir, "psql"), "-X", "-At", "-F", "\x1f",
                            "-v", "ON_ERROR_STOP=1", "-c", sql, self.uri(db)],
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, "psql %r: %s" % (sql, r.stderr)
        return [line.split("\x1f") for line in r.stdout.splitlines()]

    def create(self, db, template=None):
        """A new database db, empty or a copy of the database template; its URI."""
        self.psql("CREATE DATABASE %s" % db + (" TEMPLATE %s" % template if template else ""))
        return self.uri(db)

    def restart(self):
        """Stop the server (its sessions cut) and start it again; return once it accepts."""
        subprocess.run(self.as_user + [os.path.join(self.bindir, "pg_ctl"), "-D",
                                       os.path.join(self.work, "data"), "-l",
                                       os.path.join(self.work, "server.log"), "-m", "fast", "-w",
                                       "-t", "120", "restart"], check=True, capture_output=True,
                       timeout=300)


@contextlib.contextmanager
def pg_cluster():
    bindir = _bin()
    if not bindir:
        if os.environ.get("CI"):
            pytest.fail("no PostgreSQL server installed (Debian's postgresql package, "
                        "scripts/deps.sh)")
        pytest.skip("no PostgreSQL server installed (Debian's postgresql package)")
    work = tempfile.mkdtemp(prefix="laurel-pg-")
    as_user = []
    if os.getuid() == 0:
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(work, "postgres")
    data = os.path.join(work, "data")
    try:
        subprocess.run(as_user + [os.path.join(bindir, "initdb"), "-D", data, "-U", "postgres",
                                  "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"],
                       check=True, capture_output=True, timeout=300)
        subprocess.run(as_user + [os.path.join(bindir, "pg_ctl"), "-D", data, "-l",
                                  os.path.join(work, "server.log"), "-w", "-t", "120", "-o",
                                  "-h '' -k %s -p 5432" % work, "start"],
                       check=True, capture_output=True, timeout=300)
        yield PgCluster(work, bindir, as_user)
    finally:
        if os.path.exists(os.path.join(data, "postmaster.pid")):
            subprocess.run(as_user + [os.path.join(bindir, "pg_ctl"), "-D", data, "-m", "fast",
                                      "-w", "-t", "60", "stop"], capture_output=True, timeout=300)
        shutil.rmtree(work, ignore_errors=True)
