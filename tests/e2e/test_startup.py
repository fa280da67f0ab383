"""Start-up refusals: one server per data folder, and no start on what cannot be written.

A second `laurel serve` on a data folder in use must exit at once and name the
process that holds it (else two servers split the traffic with separate
throttles, caches and counters).  A data folder, database or leftover -shm
file that cannot be written must stop the start with a clear message, instead
of a server that answers 500 to every write.  The read-only cases run the
server as an unprivileged user (root writes through file permissions).
"""
import os
import shutil
import subprocess
import tempfile

import pytest

from conftest import LAUREL_BIN, ON_PG, free_port

pytestmark = pytest.mark.skipif(ON_PG, reason="on PostgreSQL: its subject is the SQLite file's "
                                "permissions and the data folder's lock, which PostgreSQL's nodes "
                                "share unlocked")

NOBODY = 65534


@pytest.fixture(scope="module")
def small_demo():
    workdir = tempfile.mkdtemp(prefix="laurel-startup-")
    data = os.path.join(workdir, "data")
    subprocess.run([LAUREL_BIN, "demo", "--data", data, "--cases", "200"], check=True,
                   capture_output=True, timeout=120)
    try:
        yield data
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def serve(data, *extra, user=None, timeout=30):
    cmd = [LAUREL_BIN, "serve", "--data", data, "--listen", "127.0.0.1:%d" % free_port()]
    if user is not None:
        cmd = ["setpriv", "--reuid=%d" % user, "--regid=%d" % user, "--clear-groups"] + cmd
    try:
        return subprocess.run(cmd + list(extra), capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError("expected `laurel serve` to refuse to start; it kept running")


def test_second_server_on_a_folder_in_use_names_the_holder(laurel_server):
    p = serve(laurel_server.data)
    err = p.stderr.decode("utf-8", "replace")
    assert p.returncode != 0, "expected the second server to exit non-zero; it exited 0"
    assert "in use" in err and str(laurel_server.proc.pid) in err, (
        "expected the message to name the holder, process %d; saw %r"
        % (laurel_server.proc.pid, err[-400:]))
    assert laurel_server.alive(), "expected the first server to keep running"


def copy_for_nobody(small_demo):
    workdir = tempfile.mkdtemp(prefix="laurel-ro-")
    data = os.path.join(workdir, "data")
    shutil.copytree(small_demo, data)
    for root, dirs, files in os.walk(workdir):
        os.chown(root, NOBODY, NOBODY)
        for f in files:
            os.chown(os.path.join(root, f), NOBODY, NOBODY)
    return workdir, data


needs_root = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"),
                                reason="needs root and setpriv to run the server as nobody")


@needs_root
def test_writable_copy_starts_as_nobody(small_demo):
    """The control: the same copy, writable, is served (so the refusals below are real)."""
    workdir, data = copy_for_nobody(small_demo)
    try:
        # --db-check-seconds bounds the start; a server that starts keeps running, so a
        # short timeout that expires means it started.
        cmd = ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY, "--clear-groups",
               LAUREL_BIN, "serve", "--data", data, "--listen", "127.0.0.1:%d" % free_port()]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            proc.wait(timeout=3)
            raise AssertionError("expected the writable copy to be served; it exited %r: %r"
                                 % (proc.returncode, proc.stderr.read()[-400:]))
        except subprocess.TimeoutExpired:
            pass
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            proc.stderr.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@needs_root
@pytest.mark.parametrize("what", ["database", "folder", "shm"])
def test_read_only_refuses_to_start(small_demo, what):
    workdir, data = copy_for_nobody(small_demo)
    try:
        db = os.path.join(data, "laurel.db")
        if what == "database":
            os.chmod(db, 0o444)
        elif what == "folder":
            os.chmod(data, 0o555)
        else:
            shm = db + "-shm"
            with open(shm, "wb") as f:
                f.write(b"\0" * 32768)
            os.chown(shm, NOBODY, NOBODY)
            os.chmod(shm, 0o444)
        p = serve(data, user=NOBODY)
        err = p.stderr.decode("utf-8", "replace")
        assert p.returncode != 0, "%s read-only: expected serve to refuse; it exited 0" % what
        assert "cannot be written" in err or "can only be read" in err, (
            "%s read-only: expected a message saying so; saw %r" % (what, err[-400:]))
    finally:
        os.chmod(data, 0o755)
        shutil.rmtree(workdir, ignore_errors=True)
