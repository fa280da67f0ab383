"""Review-round data for the reviewer's end-to-end tests (test_review.py, test_blind.py).

`laurel demo` builds an edition in status 'review' with 200 experts (password
laurel-demo-2019) and a released, blind stage 3 复评 with released assignments;
`ensure_review_round` finds it (and fails if the demo lost it).  Each test module
starts its own server on its own demo (class Round), because it changes the database
(plants canaries, inserts assignments, declares conflicts) before or while serving.
"""
import hashlib
import os
import tempfile

from conftest import LAUREL_BIN, LaurelServer, db_connect, finish, make_demo

# The label order of a stage's pool: the same scrambling as the numbering at its release
# (src/store/review.c, tx_review_label_released; kept in stage_label).
POOL_SQL = (
    "SELECT case_id, row_number() OVER (ORDER BY (case_id * 2654435761 + ?1 * 40503) "
    "% 1000003, case_id) FROM (SELECT case_id FROM stage_case WHERE stage_id = ?1 "
    "UNION SELECT case_id FROM assignment WHERE stage_id = ?1) pool")


def connect(data):
    c = db_connect(data)
    return c


def review_round(c):
    """(campaign id, stage id, stage seq) of the released review stage with released
    assignments in the newest campaign in status 'review', or None."""
    row = c.execute(
        "SELECT k.id, s.id, s.seq FROM campaign k JOIN stage s ON s.campaign_id = k.id "
        "WHERE k.id = (SELECT id FROM campaign WHERE status = 'review' "
        "              ORDER BY opens_at DESC, id DESC LIMIT 1) "
        "AND s.state = 'released' AND s.kind = 'review' "
        "AND EXISTS (SELECT 1 FROM assignment a WHERE a.stage_id = s.id "
        "            AND a.state = 'released') ORDER BY s.seq DESC LIMIT 1").fetchone()
    return row


def add_attachment(c, data, case_id, name, body, mime="application/pdf"):
    """Store body as the server stores uploads and attach it to the case as `name`."""
    sha = hashlib.sha256(body).hexdigest()
    d = os.path.join(data, "files", sha[:2])
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, sha), "wb") as f:
        f.write(body)
    c.execute("INSERT INTO attachment (case_id, sha256, name, mime, size) VALUES (?, ?, ?, ?, ?)",
              (case_id, sha, name, mime, len(body)))
    return sha


def ensure_review_round(data):
    c = connect(data)
    try:
        row = review_round(c)
    finally:
        c.close()
    assert row, ("expected `laurel demo` to build a campaign in status 'review' with a "
                 "released review stage and released assignments; saw none")
    return row


class Round:
    """A server on a demo with a review round: .srv, .data, .campaign, .stage, .seq."""

    def __init__(self, prepare=None):
        self.workdir = tempfile.mkdtemp(prefix="laurel-review-")
        self.data = make_demo(self.workdir)
        self.campaign, self.stage, self.seq = ensure_review_round(self.data)
        if prepare:
            prepare(self)
        self.srv = LaurelServer(LAUREL_BIN, self.data, self.workdir)
        self.srv.start()

    @property
    def url(self):
        return self.srv.url

    def db(self):
        return connect(self.data)

    def close(self):
        finish(self.srv, self.workdir)

    # ------------------------------------------------------------ queries

    def reviewers(self):
        """[(user id, email, region)] of reviewers with released assignments of the stage,
        by user id."""
        c = self.db()
        try:
            return c.execute(
                "SELECT DISTINCT u.id, u.email, coalesce(v.region_code, '') FROM assignment a "
                "JOIN \"user\" u ON u.id = a.user_id LEFT JOIN reviewer v ON v.user_id = u.id "
                "WHERE a.stage_id = ? AND a.state = 'released' ORDER BY u.id",
                (self.stage,)).fetchall()
        finally:
            c.close()

    def labels(self):
        """{case id: label number} of the stage's pool."""
        c = self.db()
        try:
            return dict(c.execute(POOL_SQL, (self.stage,)).fetchall())
        finally:
            c.close()

    def case_url(self, case_id):
        return "/review/%d/%04d" % (self.seq, self.labels()[case_id])
