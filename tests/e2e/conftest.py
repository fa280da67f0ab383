"""End-to-end fixtures for Laurel.

One demo database is created per test session (in a tempfile directory) with
the binary named by $LAUREL_BIN (default: <repo>/build/laurel).  A server is
started on a free port; tests get its base URL through the `base` fixture.
`laurel_server.restart()` stops it gracefully (SIGTERM, must exit 0) and
starts it again on the same data, for the persistence tests.

Test modules that change the database run their own server on their own demo
with the same pieces: make_demo(), LaurelServer, and finish() to stop it and
check its stderr.  Each distinct demo (the same binary and arguments) is made
once per session and each caller given a copy of its data folder, while the
day it was made lasts (make_demo(fresh=True): one of its own, with its own
key).  The helpers at the end sign the demo's accounts in (login,
csrf) and read pages and JSON.

Timeouts are generous: under AddressSanitizer the binary is ~3x slower.

The suite runs on SQLite by default and on PostgreSQL with LAUREL_E2E_DB=postgresql: then
one throwaway PostgreSQL cluster serves the session (pgcluster.py), each data folder the
tests make is copied by `laurel migrate-db` into a database of its own (to_db; a copied
demo's database is a copy of the one made from its demo's first copy), and every server and
command on that folder is given its --db (db_uri_of, db_args).  Tests read and
write the database through db_connect (sqlite3 on SQLite, psycopg2 on PostgreSQL, the same
SQL with ? placeholders), never by opening laurel.db themselves.
"""
import atexit
import contextlib
import html.parser
import itertools
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time

import pytest
import requests
from urllib3.util.retry import Retry

from pgcluster import pg_cluster

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
DEFAULT_BIN = os.path.join(REPO, "build", "laurel")
LAUREL_BIN = os.environ.get("LAUREL_BIN", DEFAULT_BIN)

DEMO_TIMEOUT = float(os.environ.get("LAUREL_DEMO_TIMEOUT", "180"))
START_TIMEOUT = float(os.environ.get("LAUREL_START_TIMEOUT", "20"))
STOP_TIMEOUT = 10.0
HTTP_TIMEOUT = 30.0

JSON = {"Accept": "application/json"}

# The servers are on loopback: no proxy, whatever the environment says, and requests
# need not look for one at every request (half a millisecond of the client's CPU each).
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost,::1"

PASSWORD = "laurel-demo-2019"  # every account `laurel demo` makes
CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')

# Sanitizer reports that must never appear on the server's stderr.
# Sanitizer reports, and the log line of an action that reads a field it did not declare.
SANITIZER_RE = re.compile(
    r"ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer)|runtime error:"
    r"|action: field \"[^\"]*\" is not declared")


# As browsers do, retry an idempotent request (GET, HEAD, ...) whose pooled connection the
# server closed before any byte of the answer: an idle keep-alive connection may close just as
# the client reuses it, more often on a busy machine.  POSTs are never retried.
_adapter_init = requests.adapters.HTTPAdapter.__init__


def _retrying_adapter_init(self, *args, **kw):
    kw.setdefault("max_retries", Retry(total=2, connect=2, read=2, status=0, other=0,
                                       allowed_methods=Retry.DEFAULT_ALLOWED_METHODS,
                                       raise_on_status=False, backoff_factor=0))
    _adapter_init(self, *args, **kw)


requests.adapters.HTTPAdapter.__init__ = _retrying_adapter_init


# ---------------------------------------------------------------- the database under test

# "sqlite" (the default) or "postgresql": which database every server of the suite serves.
E2E_DB = os.environ.get("LAUREL_E2E_DB", "sqlite")
assert E2E_DB in ("sqlite", "postgresql"), (
    "LAUREL_E2E_DB: expected sqlite or postgresql, saw %r" % E2E_DB)
ON_PG = E2E_DB == "postgresql"

_pg = None  # the session's cluster, started at the first database it needs
_uris = {}  # realpath of a data folder -> its PostgreSQL database's URI
_names = itertools.count(1)


def _cluster():
    global _pg
    if _pg is None:
        cm = pg_cluster()  # skips (outside CI) when no PostgreSQL is installed
        _pg = cm.__enter__()
        atexit.register(cm.__exit__, None, None, None)
    return _pg


def new_pg_db(template=None):
    """The URI of a new database on the session's PostgreSQL cluster (either mode): empty, or
    a copy of the database named by the URI template (which nobody may be connected to)."""
    return _cluster().create("e2e_%d_%d" % (os.getpid(), next(_names)),
                             template=template and _db_name(template))


def _db_name(uri):
    """The database's name in a URI of the session's cluster."""
    return uri.split("?")[0].rsplit("/", 1)[1]


def to_db(data):
    """On PostgreSQL: copy data's laurel.db (just made by `laurel demo` or `laurel init`) into
    a new database with `laurel migrate-db` and remember it as data's.  On SQLite: nothing."""
    if not ON_PG:
        return None
    uri = new_pg_db()
    _migrate(data, uri)
    _take_db(data, uri)
    return uri


def _migrate(data, uri):
    """`laurel migrate-db --from DATA --to URI`, expected to exit 0."""
    r = subprocess.run([LAUREL_BIN, "migrate-db", "--from", data, "--to", uri],
                       capture_output=True, timeout=DEMO_TIMEOUT)
    assert r.returncode == 0, ("expected `laurel migrate-db` of %s to exit 0, saw %d: %s %s"
                               % (data, r.returncode, r.stdout.decode()[-500:],
                                  r.stderr.decode()[-2000:]))


def _take_db(data, uri):
    """uri remembered as data's database, and data's SQLite files removed."""
    # The SQLite file goes: a test that still opened it would read a stale copy, not fail.
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(os.path.join(data, "laurel.db" + suffix)):
            os.unlink(os.path.join(data, "laurel.db" + suffix))
    _uris[os.path.realpath(data)] = uri


def db_uri_of(data):
    """The PostgreSQL database of the data folder, or None (SQLite, or a folder not copied)."""
    return _uris.get(os.path.realpath(data))


def db_args(data):
    """The arguments that make a command run on data's database: [--db URI] or []."""
    uri = db_uri_of(data)
    return ["--db", uri] if uri else []


def db_connect(data, readonly=False):
    """A connection to data's database, used as sqlite3's: execute(sql, params) with ?
    placeholders, fetchone/fetchall, commit, close.  sqlite3 on SQLite (read-only with
    readonly); on PostgreSQL psycopg2 in autocommit, behind the same methods."""
    uri = db_uri_of(data)
    if not uri:
        path = os.path.join(data, "laurel.db")
        if readonly:
            return sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=30)
        return sqlite3.connect(path, timeout=30)
    return _PgConn(uri, readonly)


def db_copy(src, dst):
    """Copy data folder src's database to data folder dst (made if missing), as it is now,
    while a server may still be running on src: SQLite's backup, or on PostgreSQL pg_dump
    into a new database remembered as dst's.  Files (key, uploads) are not copied."""
    os.makedirs(dst, exist_ok=True)
    uri = db_uri_of(src)
    if not uri:
        s = sqlite3.connect("file:%s?mode=ro" % os.path.join(src, "laurel.db"), uri=True,
                            timeout=30)
        d = sqlite3.connect(os.path.join(dst, "laurel.db"))
        s.backup(d)
        s.close()
        d.close()
        return
    pg = _cluster()
    new = new_pg_db()
    dump = subprocess.run([os.path.join(pg.bindir, "pg_dump"), "-Fc", uri], capture_output=True,
                          timeout=600)
    assert dump.returncode == 0, "pg_dump: %s" % dump.stderr.decode()[-2000:]
    r = subprocess.run([os.path.join(pg.bindir, "pg_restore"), "--no-owner", "-d", new],
                       input=dump.stdout, capture_output=True, timeout=600)
    assert r.returncode == 0, "pg_restore: %s" % r.stderr.decode()[-2000:]
    _uris[os.path.realpath(dst)] = new


def db_columns(data, table):
    """The column names of table in data's database, in their order."""
    if not db_uri_of(data):
        return [r[1] for r in db_rows(data, 'PRAGMA table_info("%s")' % table)]
    return [r[0] for r in db_rows(data, "SELECT column_name FROM information_schema.columns "
                                        "WHERE table_schema = current_schema() AND "
                                        "table_name = ? ORDER BY ordinal_position", (table,))]


def db_tables(data):
    """The names of the ordinary tables of data's database (not SQLite's virtual ones)."""
    if not db_uri_of(data):
        return [r[0] for r in db_rows(data, "SELECT name FROM sqlite_master WHERE type = 'table' "
                                            "AND sql NOT LIKE 'CREATE VIRTUAL%'")]
    return [r[0] for r in db_rows(data, "SELECT table_name FROM information_schema.tables "
                                        "WHERE table_schema = current_schema() AND "
                                        "table_type = 'BASE TABLE'")]


def db_errors():
    """The exceptions a refused statement raises through db_connect (for pytest.raises)."""
    if not ON_PG:
        return sqlite3.DatabaseError
    import psycopg2
    return psycopg2.Error


def db_rows(data, sql, params=()):
    """Every row of one query on data's database, as tuples."""
    c = db_connect(data, readonly=True)
    try:
        return c.execute(sql, params).fetchall()
    finally:
        c.close()


def db_exec(data, sql, params=()):
    """Run one changing statement on data's database and commit it; the rows it changed."""
    c = db_connect(data)
    try:
        n = c.execute(sql, params).rowcount
        c.commit()
        return n
    finally:
        c.close()


def _pg_sql(sql, params):
    """sqlite3's placeholders as psycopg2's, outside quotes: ? as %s, ?N as %(pN)s (params
    then by name), a literal % doubled.  Returns the SQL and the parameters."""
    out, quote, numbered, i = [], None, False, 0
    while i < len(sql):
        ch = sql[i]
        i += 1
        if quote:
            out.append("%%" if ch == "%" else ch)
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
            out.append(ch)
        elif ch == "?":
            m = re.match(r"\d+", sql[i:])
            if m:
                numbered = True
                out.append("%%(p%s)s" % m.group(0))
                i += len(m.group(0))
            else:
                out.append("%s")
        else:
            out.append("%%" if ch == "%" else ch)
    params = tuple(params)
    if numbered:
        params = {"p%d" % (k + 1): v for k, v in enumerate(params)}
    return "".join(out), params


class _PgCursor:
    def __init__(self, conn, cur):
        self._conn, self._cur = conn, cur

    def fetchone(self):
        return self._cur.fetchone() if self._cur.description else None

    def fetchall(self):
        return self._cur.fetchall() if self._cur.description else []

    def __iter__(self):
        return iter(self.fetchall())

    @property
    def rowcount(self):
        return self._cur.rowcount

    @property
    def lastrowid(self):
        """The id the last INSERT took from its identity column (lastval())."""
        with self._conn.cursor() as c:
            c.execute("SELECT lastval()")
            return c.fetchone()[0]

    @property
    def description(self):
        return self._cur.description


class _PgConn:
    def __init__(self, uri, readonly):
        import psycopg2  # Debian's python3-psycopg2 (scripts/deps.sh test packages)
        import psycopg2.extensions as ext
        self._c = psycopg2.connect(uri)
        # Values as sqlite3 gives them: dates and times as their text, sums as numbers.
        for oid, name, cast in ((ext.DATE.values, "DATE_TEXT", lambda v, c: v),
                                (ext.PYDATETIME.values + ext.PYDATETIMETZ.values, "TS_TEXT",
                                 lambda v, c: v),
                                (ext.DECIMAL.values, "NUMBER",
                                 lambda v, c: None if v is None else float(v)
                                 if "." in v or "e" in v.lower() else int(v))):
            ext.register_type(ext.new_type(oid, name, cast), self._c)
        self._c.autocommit = True
        if readonly:
            self._c.set_session(readonly=True, autocommit=True)

    def execute(self, sql, params=()):
        cur = self._c.cursor()
        if params:
            cur.execute(*_pg_sql(sql, params))
        else:
            cur.execute(sql)
        return _PgCursor(self._c, cur)

    def executemany(self, sql, seq):
        cur = self._c.cursor()
        seq = [_pg_sql(sql, p) for p in seq]
        if seq:
            cur.executemany(seq[0][0], [p for _, p in seq])
        return _PgCursor(self._c, cur)

    def cursor(self):
        return self

    def commit(self):
        pass  # autocommit: each statement is committed as it runs

    def close(self):
        self._c.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False  # as sqlite3's: the block does not close the connection


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class LaurelServer:
    def __init__(self, binary, data, workdir, extra_args=(), access_log=None, stdout=None):
        """`laurel serve --data DATA` with cwd WORKDIR; extra_args go after --listen and
        --access-log (by default WORKDIR/access.log); stdout to WORKDIR/serve.stdout
        unless given (subprocess.DEVNULL)."""
        self.binary = binary
        self.data = data
        self.workdir = workdir
        self.extra_args = list(extra_args)
        self.stdout = stdout
        self.port = None
        self.proc = None
        self.starts = 0
        self.stderr_path = os.path.join(workdir, "serve.stderr")
        self.stdout_path = os.path.join(workdir, "serve.stdout")
        self.access_log = access_log or os.path.join(workdir, "access.log")

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self, port=None):
        """Start `laurel serve`; wait (bounded) for /healthz to answer ok."""
        last = None
        for attempt in range(3):
            self.port = port if (port and attempt == 0) else free_port()
            self.starts += 1
            out = open(self.stdout_path, "ab") if self.stdout is None else self.stdout
            err = open(self.stderr_path, "ab")
            self.proc = subprocess.Popen(
                [self.binary, "serve", "--data", self.data, "--listen",
                 "127.0.0.1:%d" % self.port, "--access-log", self.access_log]
                + db_args(self.data) + self.extra_args,
                stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=self.workdir)
            if self.stdout is None:
                out.close()
            err.close()
            deadline = time.monotonic() + START_TIMEOUT
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    last = "exited with %r before answering /healthz" % self.proc.returncode
                    break
                try:
                    r = requests.get(self.url + "/healthz", timeout=2)
                    # Healthy: "ok" first; a warning about the start may follow it.
                    if r.status_code == 200 and r.text.split("\n")[0] == "ok":
                        return
                    last = "/healthz answered %d %r" % (r.status_code, r.text[:100])
                except requests.RequestException as e:
                    last = "/healthz: %s" % e
                time.sleep(0.1)
            else:
                last = "no ok from /healthz within %.0f s (%s)" % (START_TIMEOUT, last)
                self.proc.kill()
                self.proc.wait()
        raise AssertionError("laurel serve did not start: %s; stderr tail: %s"
                             % (last, self.stderr_tail()))

    def stop(self):
        """SIGTERM; expect a graceful exit with status 0 within STOP_TIMEOUT."""
        if not self.proc or self.proc.poll() is not None:
            rc = self.proc.returncode if self.proc else None
            self.proc = None
            raise AssertionError("laurel serve was not running at stop (exit status %r); "
                                 "stderr tail: %s" % (rc, self.stderr_tail()))
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
            raise AssertionError("expected laurel serve to exit within %.0f s of SIGTERM; "
                                 "saw it still running (killed it)" % STOP_TIMEOUT)
        self.proc = None
        assert rc == 0, ("expected laurel serve to exit 0 after SIGTERM, saw exit status %r; "
                         "stderr tail: %s" % (rc, self.stderr_tail()))

    def restart(self):
        """Graceful stop, then start again on the same data (and port if free)."""
        port = self.port
        self.stop()
        self.start(port)
        return self.url

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stderr_text(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stderr_tail(self, n=2000):
        return self.stderr_text()[-n:]

    def sanitizer_reports(self):
        return [m.group(0) for m in SANITIZER_RE.finditer(self.stderr_text())]


# ---------------------------------------------------------------- demos, made once each

# `laurel demo` is the slowest step of many tests (seconds in release, several times that under
# AddressSanitizer) and most ask for the same one, so each distinct demo (the same binary, the
# same arguments) is made once per session into a folder of its own, and each caller is given a
# copy of it.  A demo's dates are relative to the day it was made (its stages' days, the
# exhibition's voting days and the votes cast "today", the reviews saved minutes or days ago), so
# a copy is given only while it is still that day in UTC and in Beijing, and for at most
# DEMO_REUSE_SECONDS; after that the demo is made again.  Tests already use the session's demo
# (laurel_server) throughout a pass, so a demo minutes old is what they are written for.
# LAUREL_E2E_DEMO_CACHE=0 makes every demo afresh (to rule the sharing out when a test fails).
DEMO_REUSE_SECONDS = float(os.environ.get("LAUREL_E2E_DEMO_REUSE_SECONDS", "1800"))
DEMO_CACHE = os.environ.get("LAUREL_E2E_DEMO_CACHE", "1") != "0"

# (binary, args) -> {"data": the made demo's data folder, "t0": time.time() when it began,
#                    "db": on PostgreSQL, the URI of its database once copied there, or None}
_demos = {}
_demo_root = None  # the session's folder of made demos, removed at exit


def _days(t):
    """The day of time t in UTC and in Beijing (UTC+8), as day numbers."""
    return int(t // 86400), int((t + 8 * 3600) // 86400)


def _run_demo(workdir, args):
    """Runs `laurel demo --data WORKDIR/data ARGS` (cwd WORKDIR), checks that it exited 0 and made
    the database, and returns the data folder."""
    assert os.access(LAUREL_BIN, os.X_OK), (
        "expected an executable laurel at %s (set LAUREL_BIN or run ninja -C build); "
        "saw none" % LAUREL_BIN)
    data = os.path.join(workdir, "data")
    demo = subprocess.run([LAUREL_BIN, "demo", "--data", data, *args], capture_output=True,
                          timeout=DEMO_TIMEOUT, cwd=workdir)
    assert demo.returncode == 0, (
        "expected `laurel demo` to exit 0, saw %d: %s %s"
        % (demo.returncode, demo.stdout.decode()[-500:], demo.stderr.decode()[-2000:]))
    assert os.path.exists(os.path.join(data, "laurel.db")), (
        "expected demo to create %s/laurel.db; saw %r" % (data, os.listdir(data)))
    return data


def _made_demo(args):
    """The data folder of the session's demo made with args, made now if there is none yet or
    if the one made is no longer current (another day, or older than DEMO_REUSE_SECONDS)."""
    global _demo_root
    if _demo_root is None:
        _demo_root = tempfile.mkdtemp(prefix="laurel-e2e-demos-")
        atexit.register(shutil.rmtree, _demo_root, True)
    key = (LAUREL_BIN, args)
    now = time.time()
    made = _demos.pop(key, None)
    if made and (_days(made["t0"]) != _days(now) or now - made["t0"] > DEMO_REUSE_SECONDS):
        shutil.rmtree(os.path.dirname(made["data"]), ignore_errors=True)
        if made["db"]:
            _pg.psql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % _db_name(made["db"]))
        made = None
    if made is None:
        made = {"data": _run_demo(tempfile.mkdtemp(prefix="demo-", dir=_demo_root), args),
                "t0": now, "db": None}
    _demos[key] = made
    return made


def make_demo(workdir, *args, fresh=False):
    """A demo's data folder WORKDIR/data, as `laurel demo --data WORKDIR/data ARGS` (cwd
    WORKDIR) makes it: a copy of the session's demo with the same arguments (see above), or,
    with fresh, one made for this caller alone (its own signing key and secrets).  On
    PostgreSQL each caller has a database of its own: a fresh demo's is copied there by to_db;
    a copied demo's is a copy (CREATE DATABASE ... TEMPLATE) of the one `laurel migrate-db`
    made from its first copy, which no server serves.  Returns the data folder."""
    if fresh or not DEMO_CACHE:
        data = _run_demo(workdir, args)
        to_db(data)  # on PostgreSQL: the file copied, then removed
        return data
    made = _made_demo(args)
    # The demo has exited, so its folder is complete and still: the database (checkpointed, and
    # any -wal or -shm file with it), the signing key and whatever else it holds, with their
    # modes (copytree copies them).
    data = os.path.join(workdir, "data")
    shutil.copytree(made["data"], data)
    if ON_PG:
        if made["db"] is None:
            uri = new_pg_db()
            _migrate(data, uri)
            made["db"] = uri  # only once the copy succeeded
        _take_db(data, new_pg_db(template=made["db"]))  # the SQLite file removed, as by to_db
    return data


@contextlib.contextmanager
def demo_server(prefix, *extra_args, cases=200):
    """A server of its own on a demo of `cases` cases in a new folder, started with
    extra_args; stopped and checked by finish() when the block ends."""
    workdir = tempfile.mkdtemp(prefix=prefix)
    srv = None
    try:
        data = make_demo(workdir, "--cases", str(cases))
        srv = LaurelServer(LAUREL_BIN, data, workdir, extra_args=list(extra_args))
        srv.start()
        yield srv
    finally:
        finish(srv, workdir)


def finish(srv, workdir):
    """Stops srv if it runs (graceful, exit 0), checks that its stderr holds no sanitizer
    report, and removes workdir and its PostgreSQL databases (kept with LAUREL_E2E_KEEP=1).
    srv may be None."""
    try:
        if srv is not None:
            if srv.proc is not None:
                srv.stop()
            reports = srv.sanitizer_reports()
            assert not reports, ("expected no sanitizer reports on the server's stderr; saw %r; "
                                 "tail: %s" % (reports[:5], srv.stderr_tail(4000)))
    finally:
        if not os.environ.get("LAUREL_E2E_KEEP"):
            shutil.rmtree(workdir, ignore_errors=True)
            drop_dbs(workdir)


def drop_dbs(workdir):
    """Drop the PostgreSQL databases of the data folders under workdir (their servers stopped)."""
    under = os.path.realpath(workdir) + os.sep
    for data in [d for d in _uris if d.startswith(under)]:
        name = _db_name(_uris.pop(data))
        _pg.psql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)


@pytest.fixture(scope="session")
def laurel_server():
    workdir = tempfile.mkdtemp(prefix="laurel-e2e-")
    srv = None
    try:
        t0 = time.monotonic()
        data = make_demo(workdir)
        srv = LaurelServer(LAUREL_BIN, data, workdir)
        srv.demo_seconds = time.monotonic() - t0
        srv.start()
        yield srv
    finally:
        finish(srv, workdir)


@pytest.fixture
def base(laurel_server):
    """The server's base URL; also checks after each test that it is still up."""
    assert laurel_server.alive(), ("expected laurel serve to be running; saw it exited "
                                   "(stderr tail: %s)" % laurel_server.stderr_tail())
    yield laurel_server.url
    assert laurel_server.alive(), ("expected laurel serve to survive the test; saw it exit "
                                   "with %r; stderr tail: %s"
                                   % (laurel_server.proc and laurel_server.proc.poll(),
                                      laurel_server.stderr_tail()))


# ---------------------------------------------------------------- helpers

def csrf_of(text):
    """The csrf field of the (first) form in a page's text."""
    m = CSRF_RE.search(text)
    assert m, "expected a csrf field in the form; saw %r" % text[:500]
    return m.group(1)


def login(base, email, password=PASSWORD, status=303):
    """A requests.Session that posted the login form and was answered `status`
    (303: signed in)."""
    s = requests.Session()
    r = s.get(base + "/login", timeout=HTTP_TIMEOUT)
    m = CSRF_RE.search(r.text)
    assert m, "expected a csrf field on /login"
    r = s.post(base + "/login", data={"csrf": m.group(1), "email": email, "password": password},
               allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert r.status_code == status, "expected %d after signing in as %s, saw %d: %s" % (
        status, email, r.status_code, r.text[:300])
    return s


def csrf(s, base, path="/me"):
    """The csrf field of the form on `path`, for the session s."""
    r = s.get(base + path, timeout=HTTP_TIMEOUT)
    m = CSRF_RE.search(r.text)
    assert m, "expected a csrf field on %s, saw none (status %d)" % (path, r.status_code)
    return m.group(1)


def get(base, path, **kw):
    kw.setdefault("timeout", HTTP_TIMEOUT)
    return requests.get(base + path, **kw)


def get_json(base, path, status=200, **kw):
    headers = dict(JSON)
    headers.update(kw.pop("headers", {}))
    r = get(base, path, headers=headers, **kw)
    assert r.status_code == status, ("GET %s (Accept: application/json): expected %d, saw %d: %s"
                                     % (path, status, r.status_code, r.text[:300]))
    assert r.headers.get("Content-Type", "").startswith("application/json"), (
        "GET %s: expected application/json, saw Content-Type %r"
        % (path, r.headers.get("Content-Type")))
    return r.json()


def api_json(base, path, status=200):
    """The same model through the /api/v1/ prefix."""
    r = get(base, "/api/v1" + path)
    assert r.status_code == status, ("GET /api/v1%s: expected %d, saw %d: %s"
                                     % (path, status, r.status_code, r.text[:300]))
    assert r.headers.get("Content-Type", "").startswith("application/json"), (
        "GET /api/v1%s: expected application/json, saw %r" % (path, r.headers.get("Content-Type")))
    return r.json()


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr"}
# SVG children may be self-closing; html.parser reports them via handle_startendtag.


class Page(html.parser.HTMLParser):
    """Parses a page, checks that tags nest, and collects what tests look at."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.errors = []
        self.html_lang = None
        self.titles = []
        self.h1 = []
        self.links = []  # (href, text)
        self.text_parts = []
        self._capture = []  # stack of [tag, parts] being captured
        self._a = None
        self.tags = []  # (tag, attrs dict, position)
        self.svg = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "html":
            self.html_lang = a.get("lang")
        if tag == "svg":
            self.svg += 1
        if tag == "h1" or (tag == "title" and "head" in self.stack):
            self._capture.append([tag, []])
        if tag == "a":
            self._a = [a.get("href"), []]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "svg":
            self.svg += 1

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack:
            self.errors.append("</%s> with nothing open" % tag)
            return
        if self.stack[-1] != tag:
            self.errors.append("</%s> closes <%s> (open: %s)"
                               % (tag, self.stack[-1], "/".join(self.stack[-6:])))
            if tag in self.stack:
                while self.stack and self.stack[-1] != tag:
                    self.stack.pop()
                self.stack.pop()
            return
        self.stack.pop()
        if self._capture and self._capture[-1][0] == tag and (
                tag == "h1" or "head" in self.stack):
            t, parts = self._capture.pop()
            (self.titles if t == "title" else self.h1).append(norm("".join(parts)))
        if tag == "a" and self._a is not None:
            self.links.append((self._a[0], norm("".join(self._a[1]))))
            self._a = None

    def handle_data(self, data):
        self.text_parts.append(data)
        for c in self._capture:
            c[1].append(data)
        if self._a is not None:
            self._a[1].append(data)

    @property
    def text(self):
        return norm("".join(self.text_parts))

    def by_class(self, cls):
        return [a for t, a in self.tags if cls in (a.get("class") or "").split()]


def norm(s):
    return re.sub(r"\s+", " ", s).strip()


def parse_html(resp, path=""):
    """Check a 200-ish HTML response and return the parsed Page."""
    ctype = resp.headers.get("Content-Type", "")
    assert ctype.startswith("text/html"), ("%s: expected text/html, saw Content-Type %r"
                                           % (path, ctype))
    p = Page()
    p.feed(resp.text)
    p.close()
    assert not p.errors, "%s: expected well-nested HTML, saw %s" % (path, p.errors[:5])
    assert not p.stack, "%s: expected all elements closed, saw still open %s" % (path, p.stack)
    return p


def page(base, path, status=200, **kw):
    r = get(base, path, **kw)
    assert r.status_code == status, ("GET %s: expected %d, saw %d: %s"
                                     % (path, status, r.status_code, r.text[:300]))
    return parse_html(r, path)


def healthz(base, after=""):
    r = requests.get(base + "/healthz", timeout=HTTP_TIMEOUT)
    assert r.status_code == 200 and r.text.strip() == "ok", (
        "expected /healthz 200 ok%s, saw %d %r" % (
            " after " + after if after else "", r.status_code, r.text[:100]))


def metrics_values(base):
    """The /metrics samples as {name{labels}: value}."""
    r = requests.get(base + "/metrics", timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, "expected /metrics 200, saw %d" % r.status_code
    out = {}
    for line in r.text.splitlines():
        if line and not line.startswith("#"):
            k, v = line.rsplit(" ", 1)
            out[k] = float(v)
    return out
