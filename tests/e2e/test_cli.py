"""
test_cli.py — the command line: one command table (src/main.c), printed by `laurel help`.

Runs the real binary with no server.  `laurel help` must list every command the README
names, each with its line of help; no command name, `--help` and `-h` print the same; an
unknown command is refused with exit status 2, its name and the usage on stderr, nothing on
stdout; `user` alone is unknown (the command is `user add`); a listed command runs
(init makes a database, routes prints the table, rank without --stage says its own usage).
Every command that opens the store runs on PostgreSQL with --db (demo refuses it).
"""
import json
import os
import re
import subprocess

from conftest import LAUREL_BIN, new_pg_db

COMMANDS = ["init", "demo", "serve", "user add", "routes", "assign", "rank", "dedupe",
            "version", "help"]


def laurel(*args, cwd=None):
    return subprocess.run([LAUREL_BIN, *args], capture_output=True, text=True, timeout=60,
                          cwd=cwd, stdin=subprocess.DEVNULL)


def test_help_lists_every_command_with_its_help():
    r = laurel("help")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("usage: laurel <command> [options]\n"), r.stdout[:200]
    listed = re.findall(r"^  (\S+(?: add)?)\s{2,}(\S.*)$",
                        r.stdout.split("\noptions:\n")[0], re.M)
    assert [name for name, _ in listed] == COMMANDS, listed
    assert all(len(text) > 10 for _, text in listed), listed
    assert "\noptions:\n  --data DIR" in r.stdout


def test_no_command_help_and_h_print_the_same():
    want = laurel("help").stdout
    for args in ((), ("--help",), ("-h",), ("help", "extra")):
        r = laurel(*args)
        assert (r.returncode, r.stdout) == (0, want), (args, r.returncode, r.stdout[:200])


def test_version():
    for arg in ("version", "--version"):
        r = laurel(arg)
        assert r.returncode == 0
        assert re.fullmatch(r"laurel \d+\.\d+\.\d+\n", r.stdout), r.stdout


def test_unknown_command_refused():
    for args, name in ((("bogus",), "bogus"), (("user",), "user"), (("user", "del"), "user")):
        r = laurel(*args)
        assert r.returncode == 2, (args, r.returncode)
        assert r.stdout == "", r.stdout
        assert "laurel: unknown command '%s'\n" % name in r.stderr, r.stderr
        assert "usage: laurel <command>" in r.stderr


def test_unknown_option_refused_before_running(tmp_path):
    r = laurel("init", "--data", str(tmp_path / "db"), "--frobnicate")
    assert r.returncode == 2
    assert "unknown or incomplete option '--frobnicate'" in r.stderr
    assert not (tmp_path / "db").exists(), "a refused command must not create anything"


def test_listed_commands_run(tmp_path):
    data = str(tmp_path / "db")
    r = laurel("init", "--data", data)
    assert r.returncode == 0, r.stderr
    assert os.path.exists(os.path.join(data, "laurel.db"))
    r = laurel("routes", "--data", data)
    assert r.returncode == 0, r.stderr
    routes = json.loads(r.stdout)
    assert isinstance(routes, list) and len(routes) > 10
    r = laurel("rank")
    assert r.returncode == 2
    assert r.stderr.startswith("usage: laurel rank --stage N"), r.stderr
    r = laurel("user", "add", "--data", data)
    assert r.returncode == 2
    assert "user add needs --email, --name and --role" in r.stderr


def test_store_commands_take_db(tmp_path):
    """init --db makes the schema in an empty PostgreSQL database; user add and audit verify
    then run on it, not on a SQLite file of the data folder; demo refuses --db."""
    uri, data = new_pg_db(), str(tmp_path / "data")
    r = laurel("init", "--data", data, "--db", uri)
    assert r.returncode == 0, r.stderr
    assert not os.path.exists(os.path.join(data, "laurel.db")), "expected no SQLite file"
    r = subprocess.run([LAUREL_BIN, "user", "add", "--data", data, "--db", uri, "--email",
                        "cli-db@example.org", "--name", "命令行", "--role", "organiser"],
                       input="cli-db-password\n", capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    r = laurel("audit", "verify", "--data", data, "--db", uri)
    assert r.returncode == 0 and "intact" in r.stdout, r.stdout + r.stderr
    r = laurel("user", "add", "--data", data, "--db", uri, "--email", "cli-db@example.org",
               "--name", "重复", "--role", "organiser")
    assert r.returncode != 0, "expected the taken e-mail refused on the same database"
    # Each command's help, its continuation lines joined, names --db.
    entries = re.findall(r"^  (\S+(?: verify| add)?) (.*(?:\n {13}.*)*)",
                         laurel("help").stdout.split("\noptions:\n")[0], re.M)
    helps = {name: text for name, text in entries}
    for cmd in ("init", "assign", "rank", "dedupe", "audit verify", "publish-statement",
                "verify-results", "export-site"):
        assert "--db" in helps.get(cmd, ""), (cmd, helps.get(cmd))
    demo = str(tmp_path / "demo")
    r = laurel("demo", "--data", demo, "--db", uri)
    assert r.returncode == 2 and "migrate-db" in r.stderr, r.stderr
    assert not os.path.exists(os.path.join(demo, "laurel.db"))
