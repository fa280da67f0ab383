"""Who may do what: the role x route matrix, generated from the router table,
and CSRF on every POST route.

`laurel routes` lists every route; EXPECTED below says, for each one, the
answer each kind of visitor gets.  A route of the table without an entry,
or an entry for a route that no longer exists, fails the suite: a new
route must say who may use it.

Actors: anonymous; the organiser; the recommender of 上海市 (310000, the
demo's); a recommender of another region (330000 浙江省 — not 320000, whose
list test_intake expects empty); the demo submitter (unit 上海市浦东新区周家渡街道);
a submitter of a unit of 330000; the reviewer.  The extra accounts are added
with `laurel user add` while the server runs (SQLite WAL).

Answer classes: 200; "login" (303 to /login); "redirect" (303 elsewhere);
401 / 403 / 404 exactly; "ok" for an allowed POST: past the access check,
so not 401, 403 or 404 and not a 5xx (e.g. 303, 409, 422).  POST cells send
the actor's valid CSRF token and harmless or invalid data; the only writes
are new drafts, a sign-out of a throw-away session and the endorsement of a
case made for it.
"""
import functools
import json
import os
import re
import secrets
import struct
import subprocess
import urllib.parse
import zlib

import pytest
import requests

from conftest import CSRF_RE, HTTP_TIMEOUT, JSON, LAUREL_BIN, PASSWORD, db_args, db_connect, db_rows

OTHER_PASSWORD = "access-password-1"
OTHER_REGION = "330000"

ACTORS = ["anon", "org", "rec", "rec2", "sub", "sub2", "rev"]
ACTOR_NAMES = {"anon": "anonymous", "org": "organiser", "rec": "recommender 310000",
               "rec2": "recommender " + OTHER_REGION, "sub": "submitter (demo unit)",
               "sub2": "submitter (other unit)", "rev": "reviewer"}
SIGNED_IN = [a for a in ACTORS if a != "anon"]

SECTIONS = ["社区党组织牵头，" + "背景" * 60, "建立联席会议制度，" + "做法" * 60,
            "居民满意度明显提升，" + "成效" * 60, "经验可复制推广，" + "探讨" * 60, ""]
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")
BAD_TOKEN = "A" * 43  # well-formed, names nothing


@pytest.fixture(scope="module", autouse=True)
def any_number_of_cases_per_unit(laurel_server):
    """The demo unit makes several cases here; the rule of cases per unit is test_rules.py's."""
    db = db_connect(laurel_server.data)
    try:
        with db:
            db.execute("UPDATE campaign SET cases_per_unit = 0 WHERE status = 'open'")
    finally:
        db.close()


def E(path, cells=None, data=None, files=None, fresh=False, **kw):
    """An entry: the concrete path ({names} filled from the world), form data, the cells.

    cells: actor -> class; ALL= sets every actor, other keywords override it.
    files: True for a multipart body with a small PNG (upload routes).
    fresh: the POST runs in a throw-away session of the actor (sign-out)."""
    c = {}
    if "ALL" in kw:
        every = kw.pop("ALL")
        c = {a: every for a in ACTORS}
    c.update(cells or {})
    c.update(kw)
    return {"path": path, "cells": c, "data": data or {}, "files": files, "fresh": fresh}


def page_for(role, anon="login", other=403, **kw):
    """A page for role(s): anonymous to the login, other roles refused."""
    c = {a: other for a in SIGNED_IN}
    c["anon"] = anon
    c.update(kw)
    return c


def post_for(**kw):
    c = {a: 403 for a in SIGNED_IN}
    c["anon"] = 401
    c.update(kw)
    return c


EXPECTED = {
    # The public site.
    "GET /": E("/", ALL=200),
    "GET /cases": E("/cases", ALL=200),
    "GET /cases/{id}": E("/cases/{published_case}", ALL=200),
    "GET /results": E("/results", ALL=200),
    "GET /regions": E("/regions", ALL=200),
    "GET /regions/{code}": E("/regions/310000", ALL=200),
    "GET /tags": E("/tags", ALL=200),
    "GET /tags/{tag}": E("/tags/{tag}", ALL=200),
    "GET /news": E("/news", ALL=200),
    "GET /news/{id}": E("/news/{article}", ALL=200),
    "GET /search": E("/search?q=%E5%85%9A%E5%BB%BA", ALL=200),
    "GET /sitemap.xml": E("/sitemap.xml", ALL=200),
    # The demo's few thousand URLs fit one sitemap: there are no parts.
    "GET /sitemap-{n}": E("/sitemap-1.xml", ALL=404),
    "GET /feed.xml": E("/feed.xml", ALL=200),
    "GET /robots.txt": E("/robots.txt", ALL=200),
    "GET /healthz": E("/healthz", ALL=200),
    "GET /metrics": E("/metrics", ALL=200),
    "GET /static/{*}": E("/static/style.css", ALL=200),
    "GET /favicon.ico": E("/favicon.ico", ALL=200),
    # Accounts.
    "GET /login": E("/login", ALL="redirect", anon=200),
    "POST /login": E("/login", ALL="ok", data={"email": "", "password": ""}),
    "POST /logout": E("/logout", post_for(**{a: "ok" for a in SIGNED_IN}), fresh=True),
    "GET /password": E("/password", ALL=200, anon="login"),
    "POST /password": E("/password", post_for(**{a: "ok" for a in SIGNED_IN}),
                        data={"old_password": "x", "new_password": "abcdefgh1",
                              "new_password_again": "abcdefgh2"}),
    # Invitations and resets.
    "GET /admin/users": E("/admin/users", page_for("org", org=200)),
    "POST /admin/users/invite": E("/admin/users/invite", post_for(org="ok"),
                                  data={"email": "", "name": "", "role": ""}),
    "GET /admin/outbox": E("/admin/outbox", page_for("org", org=200)),
    "GET /admin/logins": E("/admin/logins", page_for("org", org=200)),
    "GET /invite/{token}": E("/invite/" + BAD_TOKEN, ALL=404),
    "POST /invite/{token}": E("/invite/" + BAD_TOKEN, ALL=404,
                              data={"password": "abcdefgh1", "password_again": "abcdefgh1"}),
    "GET /reset": E("/reset", ALL=200),
    "POST /reset": E("/reset", ALL="ok", data={"email": "not-an-address"}),
    "GET /reset/{token}": E("/reset/" + BAD_TOKEN, ALL=404),
    "POST /reset/{token}": E("/reset/" + BAD_TOKEN, ALL=404,
                             data={"password": "abcdefgh1", "password_again": "abcdefgh1"}),
    # Submission: the demo unit's submitted Shanghai case.
    "GET /submit": E("/submit", page_for("sub", sub=200, sub2=200)),
    "POST /submit/new": E("/submit/new", post_for(sub="ok", sub2="ok")),
    "GET /submit/{id}": E("/submit/{case_sh}", page_for("sub", sub=200, sub2=404)),
    "POST /submit/{id}": E("/submit/{case_sh}", post_for(sub="ok", sub2=404),
                           data={"action": "save", "title": "改动"}),
    "GET /submit/{id}/preview": E("/submit/{case_sh}/preview",
                                  page_for("sub", sub=200, sub2=404)),
    "GET /submit/{id}/status": E("/submit/{case_sh}/status", page_for("sub", sub=200, sub2=404)),
    "POST /submit/{id}/attachments": E("/submit/{case_sh}/attachments",
                                       post_for(sub="ok", sub2=404), files=True),
    "POST /submit/{id}/attachments/{aid}/delete": E(
        "/submit/{case_sh}/attachments/{aid_sh}/delete", post_for(sub="ok", sub2=404)),
    # Files of a submitted case: its unit, its region's recommender, the organiser.
    "GET /files/{sha256}": E("/files/{sha_sh}", ALL=404, org=200, rec=200, sub=200),
    # Recommendation.
    "GET /recommend": E("/recommend", page_for("rec", rec=200, rec2=200)),
    "GET /recommend/{id}": E("/recommend/{case_sh}", page_for("rec", rec=200, rec2=404)),
    # Its own case: the one cell allowed to endorse really does (303, or 409 on a full quota).
    "POST /recommend/{id}/endorse": E("/recommend/{case_end}/endorse",
                                      post_for(rec="ok", rec2=404)),
    "POST /recommend/{id}/return": E("/recommend/{case_sh}/return",
                                     post_for(rec="ok", rec2=404), data={"reason": ""}),
    "GET /me": E("/me", ALL=200, anon="login"),
    # The organiser.
    "GET /admin": E("/admin", page_for("org", org=200)),
    "GET /admin/screening": E("/admin/screening", page_for("org", org=200)),
    "POST /admin/screening/bulk": E("/admin/screening/bulk", post_for(org="ok")),
    "GET /admin/screening/{id}": E("/admin/screening/{case_sh}", page_for("org", org=200)),
    # case_sh is only submitted: the organiser gets past the check to a 409.
    "POST /admin/screening/{id}": E("/admin/screening/{case_sh}", post_for(org="ok"),
                                    data={"decision": "pass"}),
    "GET /admin/settings": E("/admin/settings", page_for("org", org=200)),
    "POST /admin/settings": E("/admin/settings", post_for(org="ok")),
    "GET /admin/import": E("/admin/import", page_for("org", org=200)),
    "GET /admin/import/sample/{kind}": E("/admin/import/sample/cases.csv",
                                         page_for("org", org=200)),
    "POST /admin/import/{kind}": E("/admin/import/units", post_for(org="ok"), files="empty"),
    "GET /admin/export.xlsx": E("/admin/export.xlsx", page_for("org", org=200)),
    # Ranking (test_ranking.py): stage 1 is the finished 2019 campaign's 初评, a review stage
    # outside the campaign under review, so every action is refused past the check (409).
    "GET /admin/stages/{id}/ranking": E("/admin/stages/1/ranking", page_for("org", org=200)),
    "POST /admin/stages/{id}/close": E("/admin/stages/1/close", post_for(org="ok")),
    "POST /admin/stages/{id}/rank": E("/admin/stages/1/rank", post_for(org="ok"),
                                      data={"confirm": "1"}),
    "POST /admin/stages/{id}/advance": E("/admin/stages/1/advance", post_for(org="ok")),
    # case_sh (a case of the call open now) is in no pool of stage 1: 404.
    "GET /admin/stages/{id}/cases/{case}": E("/admin/stages/1/cases/{case_sh}",
                                             page_for("org", org=404)),
    "GET /admin/stages/{id}/export/{kind}": E("/admin/stages/1/export/ranking.xlsx",
                                              page_for("org", org=200)),
    "GET /admin/dedupe": E("/admin/dedupe", page_for("org", org=200)),
    "GET /admin/dedupe/{a}/{b}": E("/admin/dedupe/1/2", page_for("org", org=404)),
    # Review stages (test_stages.py): stage 1 belongs to the finished 2019 campaign, not to the
    # campaign under review: the organiser reads its pages, and every write is refused past
    # the role check (409, no writes).
    "GET /admin/stages": E("/admin/stages", page_for("org", org=200)),
    "GET /admin/stages/{id}": E("/admin/stages/1", page_for("org", org=200)),
    "POST /admin/stages/{id}": E("/admin/stages/1", post_for(org="ok"),
                                 data={"reviewers_per_case": "5"}),
    "GET /admin/stages/{id}/pool": E("/admin/stages/1/pool", page_for("org", org=200)),
    "POST /admin/stages/{id}/pool": E("/admin/stages/1/pool", post_for(org="ok")),
    "GET /admin/stages/{id}/reviewers": E("/admin/stages/1/reviewers",
                                          page_for("org", org=200)),
    "POST /admin/stages/{id}/reviewers": E("/admin/stages/1/reviewers", post_for(org="ok"),
                                           data={"user_id": "1", "max_load": "1"}),
    "POST /admin/stages/{id}/reviewers/{uid}/drop": E("/admin/stages/1/reviewers/1/drop",
                                                      post_for(org="ok")),
    "GET /admin/stages/{id}/conflicts": E("/admin/stages/1/conflicts",
                                          page_for("org", org=200)),
    "POST /admin/stages/{id}/conflicts": E("/admin/stages/1/conflicts", post_for(org="ok"),
                                           data={"case_id": "1", "user_id": "1",
                                                 "reason": "x"}),
    "POST /admin/stages/{id}/assign": E("/admin/stages/1/assign", post_for(org="ok")),
    "GET /admin/stages/{id}/assignments": E("/admin/stages/1/assignments",
                                            page_for("org", org=200)),
    "POST /admin/stages/{id}/assignments/add": E("/admin/stages/1/assignments/add",
                                                 post_for(org="ok"),
                                                 data={"case_id": "1", "user_id": "1"}),
    "POST /admin/stages/{id}/assignments/remove": E("/admin/stages/1/assignments/remove",
                                                    post_for(org="ok"),
                                                    data={"case_id": "1", "user_id": "1"}),
    "POST /admin/stages/{id}/release": E("/admin/stages/1/release", post_for(org="ok")),
    "GET /admin/stages/{id}/progress": E("/admin/stages/1/progress", page_for("org", org=200)),
    "POST /admin/stages/{id}/remind": E("/admin/stages/1/remind", post_for(org="ok")),
    # Public voting (test_votes.py): stage 1 is a review stage, which has no voting (404);
    # a vote without a voter token is 401 whoever asks; a code request without a stage 422.
    "GET /admin/stages/{id}/voting": E("/admin/stages/1/voting", page_for("org", org=404)),
    "POST /admin/stages/{id}/voting": E("/admin/stages/1/voting", post_for(org=404),
                                        data={"opens_on": "2019-03-01"}),
    "GET /votes": E("/votes", ALL=200),
    "POST /votes": E("/votes", ALL=401, data={"case": "1"}),
    "POST /votes/code": E("/votes/code", ALL="ok", data={"stage": "", "phone": "1"}),
    "POST /votes/verify": E("/votes/verify", ALL="ok", data={"stage": "", "code": "1"}),
    # Reviewers (test_review.py, test_blind.py): no assignment has label 999999, so the
    # reviewer gets past the role check to the neutral 404 of a case not theirs.
    "GET /review": E("/review", page_for("rev", rev=200)),
    "GET /review/{stage}/{label}": E("/review/3/999999", page_for("rev", rev=404)),
    "POST /review/{stage}/{label}": E("/review/3/999999", post_for(rev=404),
                                      data={"action": "save"}),
    "POST /review/{stage}/{label}/conflict": E("/review/3/999999/conflict", post_for(rev=404),
                                               data={"reason": "利害关系"}),
    "GET /review/{stage}/{label}/files/{n}": E("/review/3/999999/files/1",
                                                page_for("rev", rev=404)),
    # News (test_news.py): the demo's first article is published, so publishing it again is a
    # 409 past the checks; unpublishing and images aim at no article (404), and no form here
    # passes validation but the results draft, which writes a draft only the organiser sees.
    "GET /admin/news": E("/admin/news", page_for("org", org=200)),
    "GET /admin/news/new": E("/admin/news/new", page_for("org", org=200)),
    "POST /admin/news/new": E("/admin/news/new", post_for(org="ok"), data={"title": ""}),
    "POST /admin/news/results": E("/admin/news/results", post_for(org="ok")),
    "GET /admin/news/{id}": E("/admin/news/{article}", page_for("org", org=200)),
    "POST /admin/news/{id}": E("/admin/news/{article}", post_for(org="ok"), data={"title": ""}),
    "GET /admin/news/{id}/preview": E("/admin/news/{article}/preview", page_for("org", org=200)),
    "POST /admin/news/{id}/publish": E("/admin/news/{article}/publish", post_for(org="ok")),
    "POST /admin/news/{id}/unpublish": E("/admin/news/999999/unpublish", post_for(org=404)),
    "POST /admin/news/{id}/images": E("/admin/news/999999/images", post_for(org=404),
                                      files=True),
    "GET /news/images/{sha256}": E("/news/images/" + "0" * 64, ALL=404),
    "GET /results.xlsx": E("/results.xlsx", ALL=200),
    # The final ballot (test_ballot.py): stage 1 is a review stage, which has no jury and
    # no ballot (404); the receipt check is anyone's, and a receipt that names no ballot 422.
    "GET /admin/stages/{id}/jury": E("/admin/stages/1/jury", page_for("org", org=404)),
    "POST /admin/stages/{id}/jury": E("/admin/stages/1/jury", post_for(org=404),
                                      data={"places": "3", "quorum": "3"}),
    "POST /admin/stages/{id}/jury/add": E("/admin/stages/1/jury/add", post_for(org=404),
                                          data={"user_id": "1"}),
    "POST /admin/stages/{id}/jury/{uid}/remove": E("/admin/stages/1/jury/1/remove",
                                                   post_for(org=404)),
    "POST /admin/stages/{id}/sitting": E("/admin/stages/1/sitting", post_for(org=404)),
    "POST /admin/stages/{id}/sitting/presence": E("/admin/stages/1/sitting/presence",
                                                  post_for(org=404), data={"present": "1"}),
    "POST /admin/stages/{id}/sitting/start": E("/admin/stages/1/sitting/start",
                                               post_for(org=404)),
    "GET /admin/stages/{id}/tally": E("/admin/stages/1/tally", page_for("org", org=404)),
    "POST /admin/stages/{id}/tally": E("/admin/stages/1/tally", post_for(org=404)),
    "GET /ballot": E("/ballot", page_for("rev", rev=200)),
    "GET /ballot/{stage}": E("/ballot/1", page_for("rev", rev=404)),
    "POST /ballot/{stage}": E("/ballot/1", post_for(rev=404), data={"approve": "1"}),
    "POST /ballot/{stage}/cast": E("/ballot/1/cast", post_for(rev=404),
                                   data={"approve": "1", "confirm": "1"}),
    "GET /ballot-receipt": E("/ballot-receipt", ALL=200),
    "POST /ballot-receipt": E("/ballot-receipt", ALL=422, data={"receipt": "A" * 24}),
    "GET /admin/stages/{id}/tiers": E("/admin/stages/1/tiers", page_for("org", org=404)),
    "POST /admin/stages/{id}/tiers/propose": E("/admin/stages/1/tiers/propose",
                                               post_for(org=404)),
    "POST /admin/stages/{id}/tiers/{tier}": E("/admin/stages/1/tiers/1", post_for(org=404),
                                              data={"quota": "40", "region_cap": "0"}),
    "POST /admin/stages/{id}/awards": E("/admin/stages/1/awards", post_for(org=404),
                                        data={"case_id": "1", "tier_id": "1"}),
    "GET /admin/stages/{id}/notice": E("/admin/stages/1/notice", page_for("org", org=404)),
    "POST /admin/stages/{id}/notice": E("/admin/stages/1/notice", post_for(org=404),
                                        data={"days": "5", "starts_on": "2019-11-25",
                                              "contact": "x"}),
    "POST /admin/stages/{id}/notice/close": E("/admin/stages/1/notice/close", post_for(org=404)),
    "GET /notice": E("/notice", ALL=200),
    "POST /notice/{stage}/code": E("/notice/1/code", ALL=404, data={"email": "a@example.com"}),
    "POST /notice/{stage}/objection": E("/notice/1/objection", ALL=404,
                                        data={"case_id": "1", "name": "x",
                                              "email": "a@example.com", "code": "123456",
                                              "reason": "x"}),
    "POST /admin/stages/{id}/objections/{oid}": E("/admin/stages/1/objections/1",
                                                  post_for(org=404),
                                                  data={"decision": "reject", "answer": "x"}),
    "GET /admin/stages/{id}/objections/{oid}/file": E("/admin/stages/1/objections/1/file",
                                                      page_for("org", org=404)),
    # Corrections after publication (test_ballot.py): stage 1 is no ballot stage (404).
    "POST /admin/stages/{id}/corrections": E("/admin/stages/1/corrections", post_for(org=404),
                                             data={"case_id": "1", "tier_id": "0",
                                                   "reason": "x"}),
    # The exhibition and a case's vote page (test_votes_web.py): stage 1 is a review stage
    # and case_quiet is in no exhibition: 404 for everyone, its forms too (the CSRF probes and
    # test_votes_web.py post to an exhibited case).
    "GET /votes/{id}": E("/votes/1", ALL=404),
    "GET /cases/{id}/vote": E("/cases/{case_quiet}/vote", ALL=404),
    "POST /cases/{id}/vote": E("/cases/{case_quiet}/vote", ALL=404, data={"stage": "1"}),
    "POST /cases/{id}/vote/code": E("/cases/{case_quiet}/vote/code", ALL=404,
                                    data={"stage": "", "phone": "1"}),
    "POST /cases/{id}/vote/verify": E("/cases/{case_quiet}/vote/verify", ALL=404,
                                      data={"stage": "", "code": "1"}),
    # The organiser's fraud review (test_votes_flags.py): stage 1 is no exhibition (404).
    "GET /admin/stages/{id}/flags": E("/admin/stages/1/flags", page_for("org", org=404)),
    "POST /admin/stages/{id}/flags": E("/admin/stages/1/flags", post_for(org=404)),
    "GET /admin/stages/{id}/flags/{flag}": E("/admin/stages/1/flags/1",
                                             page_for("org", org=404)),
    "POST /admin/stages/{id}/flags/{flag}/void": E("/admin/stages/1/flags/1/void",
                                                   post_for(org=404), data={"reason": "x"}),
    # The audit log, signed results and certificates (test_audit.py, test_statement.py).
    "GET /admin/audit": E("/admin/audit", page_for("org", org=200)),
    "GET /results/statement": E("/results/statement", ALL=200),
    "GET /results/statements/{file}": E("/results/statements/1.json", ALL=200),
    "GET /signing.pub": E("/signing.pub", ALL=200),
    "GET /admin/results": E("/admin/results", page_for("org", org=200)),
    "POST /admin/results/statement": E("/admin/results/statement", post_for(org="ok")),
    "POST /admin/results/certificates": E("/admin/results/certificates", post_for(org="ok")),
    "GET /admin/results/files/{file}": E("/admin/results/files/none.pdf",
                                         page_for("org", org=404)),
    "GET /me/certificates": E("/me/certificates", page_for("sub", sub=200, sub2=200)),
    "GET /me/certificates/{file}": E("/me/certificates/1.pdf", page_for("sub", sub=404,
                                                                          sub2=404)),
    "GET /verify/{code}": E("/verify/0000-0000-0000", ALL=404),
    # Campaigns (test_campaigns.py): campaign 1 is the finished 2019 campaign, published, so
    # every change is refused past the role check (409); a new campaign without its title 422.
    "GET /admin/campaigns": E("/admin/campaigns", page_for("org", org=200)),
    "POST /admin/campaigns": E("/admin/campaigns", post_for(org="ok"), data={"name": ""}),
    "GET /admin/campaigns/{id}": E("/admin/campaigns/1", page_for("org", org=200)),
    "POST /admin/campaigns/{id}": E("/admin/campaigns/1", post_for(org="ok"),
                                    data={"name": "改动"}),
    "GET /admin/campaigns/{id}/notice": E("/admin/campaigns/1/notice",
                                          page_for("org", org=200)),
    "POST /admin/campaigns/{id}/stages": E("/admin/campaigns/1/stages", post_for(org="ok"),
                                           data={"name": "新阶段"}),
    "POST /admin/campaigns/{id}/status": E("/admin/campaigns/1/status", post_for(org="ok"),
                                           data={"to": "open"}),
    # Stage 4 is the 2019 campaign's ballot (终评): its page says what it will hold.
    "GET /call": E("/call", ALL=200),
    "GET /sitemap": E("/sitemap", ALL=200),
    # The certificate layout (test_cert_layout.py): a heading left empty is refused (422) and
    # changes nothing; the uploads aim at no campaign (404); the preview is the organiser's.
    "GET /admin/campaigns/{id}/certificate": E("/admin/campaigns/1/certificate",
                                               page_for("org", org=200)),
    "POST /admin/campaigns/{id}/certificate": E("/admin/campaigns/1/certificate",
                                                post_for(org="ok"), data={"heading": ""}),
    "POST /admin/campaigns/{id}/certificate/background": E(
        "/admin/campaigns/999999/certificate/background", post_for(org=404), files=True),
    "POST /admin/campaigns/{id}/certificate/seal": E(
        "/admin/campaigns/999999/certificate/seal", post_for(org=404), files=True),
    "GET /admin/campaigns/{id}/certificate/{file}": E(
        "/admin/campaigns/1/certificate/preview.png", page_for("org", org=200)),
    # Roles per campaign (campaign_roles.c): user 4 is the demo's expert; no role chosen, 422.
    "GET /admin/users/{id}": E("/admin/users/4", page_for("org", org=200)),
    "POST /admin/users/{id}/roles": E("/admin/users/4/roles", post_for(org="ok"),
                                      data={"role": ""}),
    "POST /admin/users/{id}/roles/drop": E("/admin/users/4/roles/drop", post_for(org="ok"),
                                           data={"role": ""}),
    # An account's edit, status and new invitation (user_admin.c, test_user_admin.py): an empty
    # name and no action are 422, user 4 (the demo's expert) has a password already (409).
    "POST /admin/users/{id}/edit": E("/admin/users/4/edit", post_for(org="ok"),
                                     data={"name": ""}),
    "POST /admin/users/{id}/status": E("/admin/users/4/status", post_for(org="ok"),
                                       data={"action": ""}),
    "POST /admin/users/{id}/reinvite": E("/admin/users/4/reinvite", post_for(org="ok")),
    # Deadline reminders from the dashboard (intake_remind.c, test_notify.py): no campaign, 422.
    "POST /admin/remind": E("/admin/remind", post_for(org="ok"), data={"campaign": ""}),
}

# Public routes that check a voter's token instead of a user's role.
VOTER_TOKEN_ROUTES = {"POST /votes"}

# Further probes of the same routes with other ids: who owns, which region, what state.
EXTRA = [
    # Not published: the public case page does not know it, whoever asks.
    ("GET", "/cases/{case_sh}", E("", ALL=404)),
    # A draft is its unit's alone; the region's recommender sees it once submitted.
    ("GET", "/recommend/{draft_sh}", E("", page_for("rec", rec=404, rec2=404))),
    ("POST", "/recommend/{draft_sh}/endorse", E("", post_for(rec=404, rec2=404))),
    ("GET", "/files/{sha_draft}", E("", ALL=404, org=200, sub=200)),
    ("GET", "/submit/{draft_sh}", E("", page_for("sub", sub=200, sub2=404))),
    # The other unit's case, in the other region.
    ("GET", "/submit/{case_other}", E("", page_for("sub", sub=404, sub2=200))),
    ("GET", "/recommend/{case_other}", E("", page_for("rec", rec=404, rec2=200))),
    ("POST", "/recommend/{case_other}/return", E("", post_for(rec=404, rec2="ok"),
                                                  data={"reason": ""})),
    ("GET", "/files/{sha_other}", E("", ALL=404, org=200, rec2=200, sub2=200)),
    ("GET", "/admin/screening/{case_other}", E("", page_for("org", org=200))),
    ("POST", "/submit/{case_other}/attachments/{aid_other}/delete",
     E("", post_for(sub=404, sub2="ok"))),
    # Ids that do not exist or are not ids.
    ("GET", "/submit/99999999", E("", page_for("sub", sub=404, sub2=404))),
    ("GET", "/recommend/abc", E("", page_for("rec", rec=404, rec2=404))),
    ("GET", "/admin/screening/99999999", E("", page_for("org", org=404))),
    ("GET", "/review/abc/xyz", E("", page_for("rev", rev=404))),
    ("GET", "/review/3/0", E("", page_for("rev", rev=404))),
]


# ---------------------------------------------------------------- the table

@functools.lru_cache(maxsize=None)
def route_table():
    """`laurel routes` as a list of dicts (empty if the binary is missing)."""
    if not os.access(LAUREL_BIN, os.X_OK):
        return ()
    p = subprocess.run([LAUREL_BIN, "routes"], capture_output=True, timeout=60)
    assert p.returncode == 0, "laurel routes failed: %s" % p.stderr.decode()[-500:]
    return tuple(json.loads(p.stdout))


def key_of(route):
    return "%s %s" % (route["method"], route["pattern"])


@pytest.fixture(scope="module")
def routes():
    assert os.access(LAUREL_BIN, os.X_OK), "expected an executable laurel at %s" % LAUREL_BIN
    t = route_table()
    assert t, "expected `laurel routes` to list routes, saw none"
    return t


def test_every_route_has_an_entry(routes):
    keys = [key_of(r) for r in routes]
    missing = [k for k in keys if k not in EXPECTED]
    stale = [k for k in EXPECTED if k not in keys]
    assert not missing and not stale, (
        "expected EXPECTED to match the route table exactly; routes without an entry: %r; "
        "entries for routes that no longer exist: %r" % (missing, stale))
    for k, e in EXPECTED.items():
        assert set(e["cells"]) == set(ACTORS), "expected %s to name every actor, saw %r" % (
            k, sorted(e["cells"]))


def test_table_roles_agree_with_expected(routes):
    """A route marked public answers no one with 401/403/login; a protected one refuses
    anonymous visitors."""
    wrong = []
    for r in routes:
        e = EXPECTED.get(key_of(r))
        if not e:
            continue
        anon = e["cells"]["anon"]
        denied = anon in (401, "login")
        # A vote is public but needs a voter's token of its own: 401 without one.
        if key_of(r) in VOTER_TOKEN_ROUTES and r["public"] and anon == 401:
            continue
        if r["public"] == denied:
            wrong.append("%s public=%s but anonymous expects %r" % (key_of(r), r["public"], anon))
        if not r["public"] and "signed-in" not in r["roles"]:
            for a in SIGNED_IN:
                if e["cells"][a] == 200 or e["cells"][a] == "ok":
                    if not any(role_of(a) == role for role in r["roles"]):
                        wrong.append("%s allows %s, not of roles %r" % (key_of(r), a, r["roles"]))
    assert not wrong, "expected the table's roles and EXPECTED to agree; saw:\n" + "\n".join(wrong)


def role_of(actor):
    return {"org": "organiser", "rec": "recommender", "rec2": "recommender",
            "sub": "submitter", "sub2": "submitter", "rev": "reviewer"}[actor]


# ---------------------------------------------------------------- the world

def db(server):
    return db_connect(server.data, readonly=True)


def db_one(server, sql, *args):
    c = db(server)
    try:
        return c.execute(sql, args).fetchone()
    finally:
        c.close()


def user_add(server, email, name, role, password, region=None, unit=None):
    cmd = [LAUREL_BIN, "user", "add", "--data", server.data, "--email", email, "--name", name,
           "--role", role] + db_args(server.data)
    if region:
        cmd += ["--region", region]
    if unit:
        cmd += ["--unit", str(unit)]
    p = subprocess.run(cmd, input=(password + "\n").encode(), capture_output=True, timeout=60)
    assert p.returncode == 0, "expected `laurel user add %s` to succeed, saw %d: %s" % (
        email, p.returncode, p.stderr.decode()[-500:])


class Actor:
    """A browser: its cookies and the CSRF token its forms carry."""

    def __init__(self, base, email=None, password=PASSWORD):
        self.base = base
        self.email, self.password = email, password
        self.s = requests.Session()
        r = self.s.get(base + "/login", timeout=HTTP_TIMEOUT)
        self.csrf = CSRF_RE.search(r.text).group(1)
        self.anon_csrf = self.csrf
        if email:
            r = self.s.post(base + "/login", data={"csrf": self.csrf, "email": email,
                                                   "password": password, "next": "/me"},
                            allow_redirects=False, timeout=HTTP_TIMEOUT)
            assert r.status_code == 303, "expected sign-in of %s to be 303, saw %d: %s" % (
                email, r.status_code, r.text[:300])
            r = self.s.get(base + "/me", timeout=HTTP_TIMEOUT)
            m = CSRF_RE.search(r.text)
            assert r.status_code == 200 and m, "expected /me with a csrf field for %s" % email
            self.csrf = m.group(1)

    def fresh(self):
        return Actor(self.base, self.email, self.password)

    def get(self, path, **kw):
        kw.setdefault("timeout", HTTP_TIMEOUT)
        kw.setdefault("allow_redirects", False)
        return self.s.get(self.base + path, **kw)

    def post(self, path, data=None, files=None, token="mine", headers=None):
        """POST with this browser's token ("mine"), none (None) or the given string."""
        data = dict(data or {})
        tok = self.csrf if token == "mine" else token
        if tok is not None:
            data["csrf"] = tok
        kw = {}
        if files is True:
            kw["files"] = {"file": ("x.png", PNG + secrets.token_bytes(8), "image/png")}
        elif files == "empty":
            kw["files"] = {"file": ("empty.csv", b"", "text/csv")}
        elif files:
            kw["files"] = files
        return self.s.post(self.base + path, data=data, allow_redirects=False,
                           headers=headers or {}, timeout=HTTP_TIMEOUT, **kw)


def new_case(actor, title, submit=True, attach=True):
    """A case of the actor's unit: saved, with a PNG attached, submitted; (id, aid, sha)."""
    r = actor.post("/submit/new")
    assert r.status_code == 303, "expected POST /submit/new to be 303, saw %d: %s" % (
        r.status_code, r.text[:300])
    cid = int(re.fullmatch(r"/submit/(\d+)", r.headers["Location"]).group(1))
    form = {"title": title, "tags": "党建", "contact_name": "张三",
            "contact_phone": "021-12345678", "contact_email": "z@example.cn", "action": "save"}
    for i, body in enumerate(SECTIONS):
        form["s%d" % (i + 1)] = body
    r = actor.post("/submit/%d" % cid, form)
    assert r.status_code == 303, "expected saving case %d to be 303, saw %d: %s" % (
        cid, r.status_code, r.text[-300:])
    aid = sha = None
    if attach:
        r = actor.post("/submit/%d/attachments" % cid, files=True)
        assert r.status_code == 303, "expected the upload to be 303, saw %d: %s" % (
            r.status_code, r.text[-300:])
        a = actor.get("/submit/%d" % cid, headers=JSON).json()["attachments"][0]
        aid, sha = a["id"], a["url"].rsplit("/", 1)[1]
    if submit:
        form["action"] = "submit"
        r = actor.post("/submit/%d" % cid, form)
        assert r.status_code == 303, "expected submitting case %d to be 303, saw %d: %s" % (
            cid, r.status_code, r.text[-300:])
    return cid, aid, sha


@pytest.fixture(scope="module")
def world(laurel_server):
    srv = laurel_server
    base = srv.url
    unit2 = db_one(srv, "SELECT id FROM unit WHERE region_code = ? ORDER BY id LIMIT 1",
                   OTHER_REGION)[0]
    user_add(srv, "access-rec2@demo.laurel", "浙江推荐", "recommender", OTHER_PASSWORD,
             region=OTHER_REGION)
    user_add(srv, "access-sub2@demo.laurel", "浙江单位", "submitter", OTHER_PASSWORD, unit=unit2)
    a = {
        "anon": Actor(base),
        "org": Actor(base, "organiser@demo.laurel"),
        "rec": Actor(base, "shanghai@demo.laurel"),
        "rec2": Actor(base, "access-rec2@demo.laurel", OTHER_PASSWORD),
        "sub": Actor(base, "zhoujiadu@demo.laurel"),
        "sub2": Actor(base, "access-sub2@demo.laurel", OTHER_PASSWORD),
        "rev": Actor(base, "expert@demo.laurel"),
    }
    ids = {}
    ids["case_sh"], ids["aid_sh"], ids["sha_sh"] = new_case(a["sub"], "访问矩阵 上海")
    ids["case_end"], _, _ = new_case(a["sub"], "访问矩阵 推荐用", attach=False)
    ids["draft_sh"], ids["aid_draft"], ids["sha_draft"] = new_case(a["sub"], "访问矩阵 草稿",
                                                                   submit=False)
    ids["case_other"], ids["aid_other"], ids["sha_other"] = new_case(a["sub2"], "访问矩阵 浙江")
    ids["published_case"] = db_one(srv, "SELECT min(id) FROM \"case\" "
                                   "WHERE status = 'published'")[0]
    # A published case of the 2019 campaign that no round advanced to its exhibition.
    ids["case_quiet"] = db_one(srv, "SELECT min(c.id) FROM \"case\" c WHERE c.status = "
                               "'published' AND NOT EXISTS (SELECT 1 FROM stage_case sc JOIN "
                               "stage s ON s.id = sc.stage_id WHERE sc.case_id = c.id AND "
                               "s.kind = 'exhibition')")[0]
    ids["article"] = db_one(srv, "SELECT min(id) FROM article")[0]
    tag = db_one(srv, "SELECT t.name FROM tag t JOIN case_tag ct ON ct.tag_id = t.id "
                 "JOIN \"case\" c ON c.id = ct.case_id WHERE c.status = 'published' "
                 "ORDER BY t.id LIMIT 1")[0]
    ids["tag"] = urllib.parse.quote(tag)
    return {"server": srv, "actors": a, "ids": ids}


def fill(path, ids):
    return re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), path)


# ---------------------------------------------------------------- the matrix

def classify(r):
    """What an answer is, in the classes of EXPECTED."""
    if r.status_code == 303:
        loc = r.headers.get("Location", "")
        return "login" if loc.startswith("/login") else "redirect"
    return r.status_code


def matches(want, r):
    seen = classify(r)
    if want == "ok":
        return seen not in (401, 403, 404, "login") and r.status_code < 500
    return seen == want


def report(failures, total):
    lines = ["%-52s %-24s %-9s %s" % ("route", "actor", "expected", "seen")]
    for route, actor, want, r in failures:
        lines.append("%-52s %-24s %-9s %s%s" % (
            route, ACTOR_NAMES[actor], want, classify(r),
            " (%d)" % r.status_code if classify(r) != r.status_code else ""))
    return "%d of %d cells differ:\n%s" % (len(failures), total, "\n".join(lines))


def cells(method):
    """(label, method, concrete path template, entry) for the table's and the extra probes."""
    out = []
    for key, e in EXPECTED.items():
        if key.startswith(method + " "):
            out.append((key, method, e["path"], e))
    for m, path, e in EXTRA:
        if m == method:
            out.append(("%s %s" % (m, path), m, path, e))
    return out


def test_get_matrix(routes, world, base):
    failures, total = [], 0
    for label, _, path, e in cells("GET"):
        url = fill(path, world["ids"])
        for actor in ACTORS:
            want = e["cells"][actor]
            r = world["actors"][actor].get(url)
            total += 1
            if not matches(want, r):
                failures.append((label, actor, want, r))
    if failures:
        pytest.fail(report(failures, total), pytrace=False)


def test_get_matrix_through_the_api(routes, world, base):
    """/api/v1/<path> answers as <path>: no way around the checks through the API."""
    api = {200: 200, "login": 401, "redirect": 200, 403: 403, 404: 404}
    failures, total = [], 0
    for label, _, path, e in cells("GET"):
        if path.startswith("/static/") or path == "/favicon.ico":
            continue
        url = "/api/v1" + fill(path, world["ids"])
        for actor in ACTORS:
            want = api[e["cells"][actor]]
            r = world["actors"][actor].get(url)
            total += 1
            if r.status_code != want:
                failures.append(("/api/v1 " + label, actor, want, r))
    if failures:
        pytest.fail(report(failures, total), pytrace=False)


def test_post_matrix(routes, world, base):
    failures, total = [], 0
    ids = world["ids"]
    before = db_one(world["server"], 'SELECT status, title FROM "case" WHERE id = ?',
                    ids["case_sh"])
    for label, _, path, e in cells("POST"):
        url = fill(path, ids)
        # The allowed actors last, so that a refusal is seen before any state changes.
        order = sorted(ACTORS, key=lambda a: e["cells"][a] == "ok")
        for actor in order:
            want = e["cells"][actor]
            who = world["actors"][actor]
            if e["fresh"] and actor != "anon":
                who = who.fresh()
            r = who.post(url, e["data"], files=e["files"])
            total += 1
            if not matches(want, r):
                failures.append((label, actor, want, r))
    if failures:
        pytest.fail(report(failures, total), pytrace=False)
    after = db_one(world["server"], 'SELECT status, title FROM "case" WHERE id = ?',
                   ids["case_sh"])
    assert after == before, "expected the POST cells to leave case %d as it was %r, saw %r" % (
        ids["case_sh"], before, after)
    for actor in SIGNED_IN:
        r = world["actors"][actor].get("/me")
        assert r.status_code == 200, (
            "expected %s still signed in after the matrix (sign-out ran in a throw-away "
            "session), saw %d" % (actor, r.status_code))


# ---------------------------------------------------------------- CSRF

def post_routes():
    return [key_of(r) for r in route_table() if r["method"] == "POST"]


def outbox_count(srv):
    return db_one(srv, "SELECT count(*) FROM outbox")[0]


def link_token(srv, email, kind):
    row = db_one(srv, "SELECT body FROM outbox WHERE to_addr = ? ORDER BY id DESC LIMIT 1",
                 email)
    assert row, "expected a message to %s in the outbox, saw none" % email
    m = re.search(r"/%s/([A-Za-z0-9_-]{43})" % kind, row[0])
    assert m, "expected a /%s/ link in the message, saw %r" % (kind, row[0][:300])
    return m.group(1)


def source_adapter(ip):
    """A transport that connects from ip (a 127/8 address): its own throttling counters."""
    class Src(requests.adapters.HTTPAdapter):
        def init_poolmanager(self, *a, **kw):
            kw["source_address"] = (ip, 0)
            return super().init_poolmanager(*a, **kw)
    return Src()


def csrf_probe(world, key):
    """For a POST route: (actor, path, data, files, snapshot()) — a request that would change
    something if its token were not checked, and a reading of what it would change."""
    srv, a, ids = world["server"], world["actors"], world["ids"]
    base = srv.url
    one = functools.partial(db_one, srv)
    uid = lambda email: one("SELECT id FROM \"user\" WHERE email = ?", email)[0]  # noqa: E731
    sessions = lambda email: one(  # noqa: E731
        "SELECT count(*) FROM session WHERE user_id = ?", uid(email))[0]
    case_state = lambda cid: one(  # noqa: E731
        'SELECT status, title, updated_at, (SELECT count(*) FROM case_event WHERE case_id = ?1), '
        "(SELECT count(*) FROM attachment WHERE case_id = ?1), "
        "(SELECT count(*) FROM recommendation WHERE case_id = ?1), "
        "(SELECT count(*) FROM screening WHERE case_id = ?1) "
        'FROM "case" WHERE id = ?1', cid)

    def account(tag):
        email = "access-csrf-%s-%s@demo.laurel" % (tag, secrets.token_hex(3))
        user_add(srv, email, "CSRF " + tag, "reviewer", OTHER_PASSWORD)
        return email

    if key == "POST /login":
        email = account("login")
        return (Actor(base), "/login",
                {"email": email, "password": OTHER_PASSWORD, "next": "/me"}, None,
                lambda: sessions(email))
    if key == "POST /logout":
        who = a["sub"].fresh()
        return (who, "/logout", {}, None,
                lambda: (who.get("/me").status_code, sessions(who.email)))
    if key == "POST /password":
        email = account("pw")
        who = Actor(base, email, OTHER_PASSWORD)
        return (who, "/password", {"old_password": OTHER_PASSWORD,
                                   "new_password": "changed-password-9",
                                   "new_password_again": "changed-password-9"}, None,
                lambda: (one("SELECT password_hash FROM \"user\" WHERE email = ?", email),
                         sessions(email), who.get("/me").status_code))
    if key == "POST /admin/users/invite":
        email = "access-csrf-invite-%s@example.org" % secrets.token_hex(3)
        return (a["org"], "/admin/users/invite",
                {"email": email, "name": "被邀请", "role": "reviewer"}, None,
                lambda: (one("SELECT count(*) FROM \"user\" WHERE email = ?", email),
                         outbox_count(srv)))
    if key == "POST /invite/{token}":
        email = "access-csrf-invitee-%s@example.org" % secrets.token_hex(3)
        r = a["org"].post("/admin/users/invite", {"email": email, "name": "被邀请",
                                                  "role": "reviewer"})
        assert r.status_code == 303, "expected the invitation to be 303, saw %d: %s" % (
            r.status_code, r.text[:300])
        tok = link_token(srv, email, "invite")
        return (Actor(base), "/invite/" + tok,
                {"password": "invitee-pass-1", "password_again": "invitee-pass-1"}, None,
                lambda: (one("SELECT password_hash FROM \"user\" WHERE email = ?", email),
                         one("SELECT count(*) FROM token WHERE used_at IS NOT NULL AND "
                             "user_id = ?", uid(email)), sessions(email)))
    if key in ("POST /reset", "POST /reset/{token}"):
        email = account("reset")
        if key == "POST /reset":
            req = Actor(base)
            req.s.mount("http://", source_adapter("127.0.0.62"))
            return (req, "/reset", {"email": email}, None,
                    lambda: (outbox_count(srv), one("SELECT count(*) FROM token WHERE "
                                                    "user_id = ?", uid(email))))
        # A real request first, from an address of its own (resets are throttled per address).
        req = Actor(base)
        req.s.mount("http://", source_adapter("127.0.0.61"))
        req.csrf = CSRF_RE.search(req.get("/login").text).group(1)
        r = req.post("/reset", {"email": email})
        assert r.status_code == 200, "expected the reset request to be 200, saw %d: %s" % (
            r.status_code, r.text[:300])
        tok = link_token(srv, email, "reset")
        return (Actor(base), "/reset/" + tok,
                {"password": "reset-pass-123", "password_again": "reset-pass-123"}, None,
                lambda: (one("SELECT password_hash FROM \"user\" WHERE email = ?", email),
                         one("SELECT count(*) FROM token WHERE used_at IS NOT NULL AND "
                             "user_id = ?", uid(email)), sessions(email)))
    if key == "POST /submit/new":
        unit = uid_unit(srv, a["sub"].email)
        return (a["sub"], "/submit/new", {}, None,
                lambda: one('SELECT count(*) FROM "case" WHERE unit_id = ?', unit))
    if key == "POST /submit/{id}":
        cid = ids["draft_sh"]
        return (a["sub"], "/submit/%d" % cid, {"action": "save", "title": "CSRF 改动"}, None,
                lambda: case_state(cid))
    if key == "POST /submit/{id}/attachments":
        cid = ids["draft_sh"]
        return (a["sub"], "/submit/%d/attachments" % cid, {}, True, lambda: case_state(cid))
    if key == "POST /submit/{id}/attachments/{aid}/delete":
        cid = ids["draft_sh"]
        return (a["sub"], "/submit/%d/attachments/%d/delete" % (cid, ids["aid_draft"]), {},
                None, lambda: case_state(cid))
    if key == "POST /recommend/{id}/endorse":
        cid = ids["case_sh"]
        return (a["rec"], "/recommend/%d/endorse" % cid, {}, None, lambda: case_state(cid))
    if key == "POST /recommend/{id}/return":
        cid = ids["case_sh"]
        return (a["rec"], "/recommend/%d/return" % cid, {"reason": "请补充材料"}, None,
                lambda: (case_state(cid), outbox_count(srv)))
    if key in ("POST /admin/screening/bulk", "POST /admin/screening/{id}"):
        cid = recommended_case(world)
        path = "/admin/screening/bulk" if key.endswith("bulk") else "/admin/screening/%d" % cid
        return (a["org"], path, {"decision": "pass", "id": str(cid), "check_complete": "1"},
                None, lambda: (case_state(cid), outbox_count(srv)))
    if key == "POST /admin/settings":
        m = a["org"].get("/admin/settings", headers=JSON).json()
        data = {"opens_at": m["opens_at"], "closes_at": "2099-12-31",
                "quota_" + OTHER_REGION: "77"}
        return (a["org"], "/admin/settings", data, None,
                lambda: (one("SELECT opens_at, closes_at FROM campaign WHERE id = ?", m["id"]),
                         one("SELECT quota FROM region_quota WHERE campaign_id = ? AND "
                             "region_code = ?", m["id"], OTHER_REGION)))
    if key == "POST /admin/import/{kind}":
        csv = ("region_code,name,parent_name,level\r\n%s,CSRF 测试街道,,2\r\n"
               % OTHER_REGION).encode("utf-8")
        return (a["org"], "/admin/import/units", {}, {"file": ("units.csv", csv, "text/csv")},
                lambda: one("SELECT count(*) FROM unit")[0])
    if key.startswith("POST /cases/{id}/vote"):
        return case_votes_probe(world, key)
    if key.startswith("POST /admin/stages/{id}/flags"):
        return flags_probe(world, key)
    if key == "POST /admin/stages/{id}/voting" or key.startswith("POST /votes"):
        return votes_probe(world, key)
    if key in BALLOT_POSTS:
        return ballot_probe(world, key)
    if key.startswith("POST /admin/stages/{id}") and not key.endswith(
            ("/close", "/rank", "/advance")):
        return stages_probe(world, key, account)
    if key in ("POST /admin/stages/{id}/close", "POST /admin/stages/{id}/rank",
               "POST /admin/stages/{id}/advance"):
        return ranking_probe(world, key)
    if key.startswith("POST /review/"):
        return review_probe(world, key, account)
    if key.startswith("POST /admin/news"):
        return news_probe(world, key)
    if key == "POST /admin/results/statement":
        return (a["org"], "/admin/results/statement", {}, None,
                lambda: one("SELECT count(*) FROM statement")[0])
    if key == "POST /admin/results/certificates":
        # The codes are made once (the POST matrix may have made them): each batch's audit row.
        return (a["org"], "/admin/results/certificates", {}, None,
                lambda: (one("SELECT count(*) FROM certificate")[0],
                         one("SELECT count(*) FROM audit WHERE what = ?",
                             "/admin/results/certificates")[0]))
    if key.startswith("POST /admin/campaigns"):
        return campaigns_probe(world, key)
    if key.startswith("POST /admin/users/{id}/roles"):
        return campaign_roles_probe(world, key)
    if key in ("POST /admin/users/{id}/edit", "POST /admin/users/{id}/status",
               "POST /admin/users/{id}/reinvite"):
        return user_admin_probe(world, key)
    if key == "POST /admin/remind":
        return remind_probe(world)
    return None


def remind_probe(world):
    """A CSRF probe of the deadline reminders: a draft made for it in the open call, so that
    there is someone to remind; what it would change is the outbox."""
    srv, org = world["server"], world["actors"]["org"]
    c = db_connect(srv.data)
    try:
        with c:
            camp = c.execute("SELECT id FROM campaign WHERE status = 'open'").fetchone()[0]
            track = c.execute("SELECT id FROM track WHERE campaign_id = ? ORDER BY id LIMIT 1",
                              (camp,)).fetchone()[0]
            unit, region = c.execute("SELECT id, region_code FROM unit ORDER BY id DESC "
                                     "LIMIT 1").fetchone()
            c.execute('INSERT INTO "case" (campaign_id, unit_id, region_code, track_id, title, '
                      "status, contact_email) VALUES (?, ?, ?, ?, 'CSRF 提醒', 'draft', "
                      "'csrf-remind@example.cn')", (camp, unit, region, track))
    finally:
        c.close()
    return (org, "/admin/remind", {"campaign": str(camp)}, None,
            lambda: db_one(srv, "SELECT count(*) FROM outbox")[0])


def user_admin_probe(world, key):
    """CSRF probes of an account's edit, status and new invitation: a person invited for the
    probe (no password yet), renamed, disabled or invited again."""
    srv, org = world["server"], world["actors"]["org"]
    one = functools.partial(db_one, srv)
    email = "access-csrf-ua-%s@demo.laurel" % secrets.token_hex(3)
    c = db_connect(srv.data)
    try:
        with c:
            uid = c.execute("INSERT INTO \"user\" (email, name) VALUES (?, 'CSRF 账号')",
                            (email,)).lastrowid
    finally:
        c.close()
    row = lambda: one("SELECT name, email, disabled, (SELECT count(*) FROM token "  # noqa: E731
                      "WHERE user_id = ?1) FROM \"user\" WHERE id = ?1", uid)
    data = {"POST /admin/users/{id}/edit": {"name": "CSRF 改名", "email": email},
            "POST /admin/users/{id}/status": {"action": "disable"},
            "POST /admin/users/{id}/reinvite": {}}[key]
    return (org, "/admin/users/%d/%s" % (uid, key.rsplit("/", 1)[1]), data, None, row)


def campaign_roles_probe(world, key):
    """CSRF probes of a person's campaign roles: a reviewer of the running campaigns, granted
    the role in a campaign made for the probe, or losing it in the campaign being run."""
    srv, org = world["server"], world["actors"]["org"]
    one = functools.partial(db_one, srv)
    email = "access-csrf-roles-%s@demo.laurel" % secrets.token_hex(3)
    user_add(srv, email, "CSRF 角色", "reviewer", OTHER_PASSWORD)
    uid = one("SELECT id FROM \"user\" WHERE email = ?", email)[0]
    held = lambda: db_rows(srv.data, "SELECT campaign_id FROM campaign_role "  # noqa: E731
                           "WHERE user_id = ? ORDER BY 1", (uid,))
    if key == "POST /admin/users/{id}/roles":
        c = db_connect(srv.data)
        try:
            with c:
                cid = c.execute(
                    "INSERT INTO campaign (slug, name, opens_at, closes_at, status) VALUES "
                    "(?, 'CSRF 角色探针', '2031-01-01', '2031-03-01', 'draft')",
                    ("csrf-" + secrets.token_hex(4),)).lastrowid
        finally:
            c.close()
        return (org, "/admin/users/%d/roles" % uid, {"role": "reviewer", "campaign": str(cid)},
                None, held)
    cid = one("SELECT campaign_id FROM campaign_role WHERE user_id = ? LIMIT 1", uid)[0]
    return (org, "/admin/users/%d/roles/drop" % uid, {"role": "reviewer", "campaign": str(cid)},
            None, held)


def campaigns_probe(world, key):
    """CSRF probes of the campaigns' routes (campaigns.c): a new campaign, and the settings,
    a stage and the archiving of a campaign in preparation made for the probe."""
    srv, org = world["server"], world["actors"]["org"]
    one = functools.partial(db_one, srv)
    if key == "POST /admin/campaigns":
        name = "CSRF 探针活动 %s" % secrets.token_hex(3)
        return (org, "/admin/campaigns",
                {"name": name, "opens_at": "2031-01-01", "closes_at": "2031-03-01"}, None,
                lambda: one("SELECT count(*) FROM campaign WHERE name = ?", name)[0])
    c = db_connect(srv.data)
    try:
        with c:
            cid = c.execute(
                "INSERT INTO campaign (slug, name, opens_at, closes_at, status) VALUES "
                "(?, 'CSRF 探针', '2031-01-01', '2031-03-01', 'draft')",
                ("csrf-" + secrets.token_hex(4),)).lastrowid
    finally:
        c.close()
    path = "/admin/campaigns/%d" % cid
    if key == "POST /admin/campaigns/{id}":
        return (org, path, {"name": "CSRF 探针改名", "opens_at": "2031-01-02",
                            "closes_at": "2031-03-01"}, None,
                lambda: one("SELECT name, opens_at FROM campaign WHERE id = ?", cid))
    if key == "POST /admin/campaigns/{id}/stages":
        return (org, path + "/stages", {"name": "初评", "kind": "review",
                                        "starts_at": "2031-04-01", "ends_at": "2031-04-30"},
                None, lambda: one("SELECT count(*) FROM stage WHERE campaign_id = ?", cid)[0])
    if key == "POST /admin/campaigns/{id}/status":
        return (org, path + "/status", {"to": "archived", "confirm": "1"}, None,
                lambda: one("SELECT status FROM campaign WHERE id = ?", cid)[0])
    layout = lambda: one("SELECT heading, length(background), length(seal) FROM "  # noqa: E731
                         "cert_layout WHERE campaign_id = ?", cid)
    if key == "POST /admin/campaigns/{id}/certificate":
        return (org, path + "/certificate", cert_layout_form(heading="CSRF 探针证书"), None,
                layout)
    # The layout's images are decoded before they are kept: a whole PNG (PNG above has a
    # broken IDAT checksum, which libpng refuses), with an alpha channel as a seal needs.
    rgba = zlib.compress(b"\x00\xc0\x10\x10\x80")
    image = (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0))
             + png_chunk(b"IDAT", rgba) + png_chunk(b"IEND", b""))
    if key == "POST /admin/campaigns/{id}/certificate/background":
        return (org, path + "/certificate/background", {},
                {"background": ("bg.png", image, "image/png")}, layout)
    if key == "POST /admin/campaigns/{id}/certificate/seal":
        return (org, path + "/certificate/seal", {}, {"seal": ("seal.png", image, "image/png")},
                layout)
    return None


def png_chunk(kind, body):
    """A PNG chunk: length, type, body and CRC."""
    return (struct.pack(">I", len(body)) + kind + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff))


def cert_layout_form(**changes):
    """The certificate layout form as the page sends it with the default layout, changed."""
    form = {"heading": "荣誉证书", "salutation": "{unit}：",
            "sentence": "你单位报送的案例《{title}》，在{campaign}中，经专家评审，被评为",
            "award": "{tier}", "organiser": "{organiser}", "date_line": "{date}",
            "heading_x": "30.0", "heading_y": "24.7", "heading_w": "237.0", "heading_h": "26.0",
            "body_x": "42.3", "body_y": "59.3", "body_w": "212.4", "body_h": "88.2",
            "sign_x": "138.3", "sign_y": "150.0", "sign_w": "116.4", "sign_h": "38.1",
            "qr_x": "28.2", "qr_y": "160.6", "qr_w": "27.5",
            "seal_x": "205.0", "seal_y": "146.0", "seal_w": "40.0"}
    form.update(changes)
    return form


def exhibition_open(world):
    """The exhibition stage with cases of the demo's edition in review (where its votes and
    their flags are), opened for voting (once) by the organiser."""
    srv, ids = world["server"], world["ids"]
    if "exhibition" not in ids:
        sid = db_one(srv, "SELECT s.id FROM stage s JOIN campaign m ON m.id = s.campaign_id "
                     "WHERE s.kind = 'exhibition' AND m.status = 'review' AND EXISTS "
                     "(SELECT 1 FROM stage_case c WHERE c.stage_id = s.id) ORDER BY s.id")[0]
        r = world["actors"]["org"].post("/admin/stages/%d/voting" % sid, {
            "opens_on": "2000-01-01", "closes_on": "2099-12-31", "verify": "both",
            "per_case": "1", "per_day": "100", "per_net": "1000000", "live": "1"})
        assert r.status_code == 303, "expected voting opened on stage %d, saw %d: %s" % (
            sid, r.status_code, r.text[:300])
        ids["exhibition"] = sid
    return ids["exhibition"]


def voter_token(world, sid):
    """A verified voter of stage sid, through the JSON API (no CSRF token: JSON bodies need
    none); the code read from the outbox, where it waits without a sender."""
    srv = world["server"]
    email = "access-voter-%s@example.org" % secrets.token_hex(4)
    r = requests.post(srv.url + "/api/v1/votes/code", json={"stage": sid, "email": email},
                      timeout=HTTP_TIMEOUT)
    assert r.status_code == 202, "expected a code for %s, saw %d: %s" % (email, r.status_code,
                                                                          r.text[:300])
    body = db_one(srv, "SELECT body FROM outbox WHERE to_addr = ? ORDER BY id DESC", email)[0]
    code = re.search(r"(\d{6})", body).group(1)
    r = requests.post(srv.url + "/api/v1/votes/verify",
                      json={"stage": sid, "email": email, "code": code}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, "expected %s verified, saw %d: %s" % (email, r.status_code,
                                                                        r.text[:300])
    return email, code, r.json()["token"]


def votes_probe(world, key):
    """CSRF probes of the voting routes (votes.c), as form posts that carry cookies (the
    voter's cookie for a vote): the organiser's settings, a code request, a verification and
    a vote; each snapshot counts what it would write."""
    srv, a = world["server"], world["actors"]
    one = functools.partial(db_one, srv)
    sid = exhibition_open(world)
    if key == "POST /admin/stages/{id}/voting":
        data = {"opens_on": "2000-01-01", "closes_on": "2099-12-31", "verify": "both",
                "per_case": "1", "per_day": "100", "per_net": str(secrets.randbelow(10 ** 6) + 2),
                "live": "1"}
        return (a["org"], "/admin/stages/%d/voting" % sid, data, None,
                lambda: one("SELECT per_net FROM vote_setting WHERE stage_id = ?", sid))
    who = Actor(srv.url)
    if key == "POST /votes/code":
        email = "access-code-%s@example.org" % secrets.token_hex(4)
        return (who, "/votes/code", {"stage": str(sid), "email": email}, None,
                lambda: (one("SELECT count(*) FROM vote_code")[0], outbox_count(srv)))
    if key == "POST /votes/verify":
        email = "access-verify-%s@example.org" % secrets.token_hex(4)
        r = requests.post(srv.url + "/api/v1/votes/code", json={"stage": sid, "email": email},
                          timeout=HTTP_TIMEOUT)
        assert r.status_code == 202, r.text[:300]
        body = one("SELECT body FROM outbox WHERE to_addr = ? ORDER BY id DESC", email)[0]
        code = re.search(r"(\d{6})", body).group(1)
        return (who, "/votes/verify", {"stage": str(sid), "email": email, "code": code}, None,
                lambda: one("SELECT count(*) FROM voter_token")[0])
    _, _, token = voter_token(world, sid)
    who.s.cookies.set("laurel_voter", token)
    case = one("SELECT max(case_id) FROM stage_case WHERE stage_id = ?", sid)[0]
    return (who, "/votes", {"case": str(case)}, None,
            lambda: one("SELECT count(*) FROM vote")[0])


def case_votes_probe(world, key):
    """The probes of votes_probe through the forms of a case's vote page (vote_pages.c)."""
    sid = exhibition_open(world)
    case = db_one(world["server"], "SELECT max(case_id) FROM stage_case WHERE stage_id = ?",
                  sid)[0]
    who, path, data, files, snapshot = votes_probe(
        world, key.replace("POST /cases/{id}/vote", "POST /votes"))
    if "case" in data:
        data = {"stage": str(sid)}
    return (who, path.replace("/votes", "/cases/%d/vote" % case, 1), data, files, snapshot)


def flags_probe(world, key):
    """CSRF probes of the fraud review (vote_flags.c): checking again (it rewrites the flags
    not voided, so their ids change) and voiding a flag (its votes turn invalid)."""
    srv, a = world["server"], world["actors"]
    one = functools.partial(db_one, srv)
    sid = exhibition_open(world)
    if key == "POST /admin/stages/{id}/flags":
        return (a["org"], "/admin/stages/%d/flags" % sid, {}, None,
                lambda: db_rows(srv.data, "SELECT id FROM vote_flag WHERE stage_id = ? "
                                "ORDER BY id", (sid,)))
    fid = one("SELECT max(id) FROM vote_flag WHERE stage_id = ? AND voided_at IS NULL", sid)[0]
    return (a["org"], "/admin/stages/%d/flags/%d/void" % (sid, fid), {"reason": "CSRF 测试"},
            None, lambda: one("SELECT count(*) FROM vote WHERE valid = 0")[0])


def review_probe(world, key, account):
    """CSRF probes of the reviewer's actions (review.c), as a reviewer of its own (a new
    account given one released assignment of the released stage), so that no other suite's
    reviewer loses a case: a draft saved, or a conflict declared."""
    from scoring_data import POOL_SQL
    srv = world["server"]
    one = functools.partial(db_one, srv)
    email = account("review")
    uid = one("SELECT id FROM \"user\" WHERE email = ?", email)[0]
    sid = review_stage(srv, "released")
    seq = one("SELECT seq FROM stage WHERE id = ?", sid)[0]
    cid = one("SELECT max(case_id) FROM stage_case WHERE stage_id = ?", sid)[0]
    crit = one("SELECT min(id) FROM criterion WHERE stage_id = ?", sid)[0]
    c = db_connect(srv.data)
    try:
        c.execute("INSERT INTO assignment (stage_id, case_id, user_id, state) "
                  "VALUES (?, ?, ?, 'released')", (sid, cid, uid))
        c.commit()
        no = dict(c.execute(POOL_SQL, (sid,)).fetchall())[cid]
    finally:
        c.close()
    who = Actor(srv.url, email, OTHER_PASSWORD)
    path = "/review/%d/%04d" % (seq, no)
    if key.endswith("/conflict"):
        return (who, path + "/conflict", {"reason": "CSRF 回避"}, None,
                lambda: (one("SELECT count(*) FROM conflict WHERE user_id = ?", uid),
                         one("SELECT state FROM assignment WHERE user_id = ?", uid)))
    return (who, path, {"action": "save", "score_%d" % crit: "1"}, None,
            lambda: (one("SELECT count(*) FROM review WHERE user_id = ?", uid),
                     one("SELECT count(*) FROM review_score WHERE user_id = ?", uid)))


def ranking_probe(world, key):
    """CSRF probes of ranking.c's actions: on the advanced first stage of the campaign under
    review, which refuses each of them (409), so the effective request changes nothing for
    the other suites; the snapshot is the stage's state and stored results."""
    srv, a = world["server"], world["actors"]
    sid = review_stage(srv, "advanced")
    path = key.split(" ", 1)[1].replace("{id}", str(sid))
    return (a["org"], path, {"confirm": "1"}, None,
            lambda: db_one(srv, "SELECT s.state, (SELECT count(*) FROM stage_case WHERE "
                           "stage_id = ?1 AND advanced = 1), (SELECT coalesce(sum(score), 0) FROM "
                           "stage_case WHERE stage_id = ?1) FROM stage s WHERE s.id = ?1", sid))


def review_stage(srv, state):
    """A stage in `state` of the campaign under review (the demo's), or fail."""
    row = db_one(srv, "SELECT s.id FROM stage s WHERE s.state = ? AND s.campaign_id = "
                 "(SELECT id FROM campaign WHERE status = 'review' ORDER BY opens_at DESC, "
                 "id DESC LIMIT 1) ORDER BY s.seq LIMIT 1", state)
    assert row, "expected a stage in state %s in the demo's campaign under review" % state
    return row[0]


def stages_probe(world, key, account):
    """CSRF probes of the review stages' routes (stages.c).  Real writes where harmless: a
    criterion's settings of the stage in setup, a reviewer row and a conflict of a new
    account, reminders; elsewhere an action the stage's state refuses (409)."""
    srv, a = world["server"], world["actors"]
    one = functools.partial(db_one, srv)
    setup, released = review_stage(srv, "setup"), review_stage(srv, "released")
    stage_row = lambda sid: one("SELECT state, trim_min, (SELECT count(*) FROM assignment "  # noqa
                                "WHERE stage_id = ?1), (SELECT count(*) FROM stage_case "
                                "WHERE stage_id = ?1) FROM stage WHERE id = ?1", sid)
    if key == "POST /admin/stages/{id}":
        # Review settings belong to review stages: the open call's first round, prepared ahead.
        setup = one("SELECT s.id FROM stage s JOIN campaign k ON k.id = s.campaign_id "
                    "WHERE k.status = 'open' AND s.kind = 'review' AND s.state = 'setup' "
                    "ORDER BY s.seq LIMIT 1")[0]
        m = a["org"].get("/admin/stages/%d" % setup, headers=JSON).json()
        f = m["form"]
        data = {k: str(f[k]) for k in ("reviewers_per_case", "max_same_region", "aggregation",
                                        "trim_k", "previous_weight", "vote_weight", "quorum",
                                        "advance_rule", "advance_n", "advance_threshold")}
        data["trim_min"] = str(f["trim_min"] + 1 if f["trim_min"] < 50 else f["trim_min"] - 1)
        for k in ("blind", "exclude_previous", "normalise"):
            if f[k]:
                data[k] = "1"
        for i, c in enumerate(m["criteria"], 1):
            if c["name"]:
                data.update({"crit_name_%d" % i: c["name"], "crit_desc_%d" % i: c["description"],
                             "crit_max_%d" % i: str(c["max"]), "crit_weight_%d" % i:
                             str(c["weight"])})
        if not any(c["name"] for c in m["criteria"]):  # a round prepared from nothing
            data.update({"crit_name_1": "创新性", "crit_desc_1": "", "crit_max_1": "10",
                         "crit_weight_1": "1"})
        return (a["org"], "/admin/stages/%d" % setup, data, None, lambda: stage_row(setup))
    if key == "POST /admin/stages/{id}/reviewers":
        email = account("stage-rv")
        uid = one("SELECT id FROM \"user\" WHERE email = ?", email)[0]
        return (a["org"], "/admin/stages/%d/reviewers" % setup,
                {"user_id": str(uid), "max_load": "0", "expertise": "CSRF"}, None,
                lambda: one("SELECT count(*) FROM reviewer WHERE user_id = ?", uid))
    if key == "POST /admin/stages/{id}/conflicts":
        email = account("stage-cf")
        uid = one("SELECT id FROM \"user\" WHERE email = ?", email)[0]
        cid = one("SELECT min(case_id) FROM stage_case WHERE stage_id = ?", released)[0]
        return (a["org"], "/admin/stages/%d/conflicts" % released,
                {"action": "add", "case_id": str(cid), "user_id": str(uid), "reason": "CSRF"},
                None, lambda: one("SELECT count(*) FROM conflict WHERE user_id = ?", uid))
    if key == "POST /admin/stages/{id}/remind":
        return (a["org"], "/admin/stages/%d/remind" % released, {}, None,
                lambda: outbox_count(srv))
    # The stage in setup refuses these (409): nothing is proposed or released there.
    path = key.split(" ", 1)[1].replace("{id}", str(setup))
    uid = one("SELECT min(user_id) FROM reviewer")[0]
    path = path.replace("{uid}", str(uid))
    data = {"case_id": "1", "user_id": str(uid)}
    if key in ("POST /admin/stages/{id}/pool", "POST /admin/stages/{id}/assign",
               "POST /admin/stages/{id}/release"):
        path = key.split(" ", 1)[1].replace("{id}", str(released))  # released: 409
        return (a["org"], path, {}, None, lambda: stage_row(released))
    return (a["org"], path, data, None, lambda: stage_row(setup))


def uid_unit(srv, email):
    return db_one(srv, "SELECT r.unit_id FROM \"user\" u JOIN user_role r ON r.user_id = u.id "
                  "WHERE u.email = ? AND r.role = 'submitter'", email)[0]


def recommended_case(world):
    """The other unit's case, endorsed by its region (once): a case the organiser may decide."""
    ids = world["ids"]
    if "case_rec" not in ids:
        cid = ids["case_other"]
        r = world["actors"]["rec2"].post("/recommend/%d/endorse" % cid)
        assert r.status_code == 303, "expected the endorsement of %d to be 303, saw %d: %s" % (
            cid, r.status_code, r.text[:300])
        ids["case_rec"] = cid
    return ids["case_rec"]


@pytest.mark.parametrize("key", post_routes())
def test_post_needs_csrf_token(key, world, base):
    probe = csrf_probe(world, key)
    assert probe, "expected a CSRF probe for %s in csrf_probe(); a new POST route needs one" % key
    who, path, data, files, snapshot = probe
    before = snapshot()
    # Another browser's valid token, and (signed in) this browser's pre-sign-in token.
    other = world["actors"]["rev" if who.email != "expert@demo.laurel" else "org"]
    wrong = [("no token", None, None), ("a random token", secrets.token_urlsafe(32), None),
             ("an empty token", "", None),
             ("another session's token", other.csrf if who.email else Actor(base).csrf, None),
             ("a wrong X-CSRF-Token header", None, {"X-CSRF-Token": secrets.token_urlsafe(32)})]
    if who.email:
        wrong.append(("the pre-sign-in cookie token", who.anon_csrf, None))
    for what, tok, headers in wrong:
        r = who.post(path, data, files=files, token=tok, headers=headers)
        assert r.status_code == 403, "expected 403 for %s with %s, saw %d: %s" % (
            key, what, r.status_code, r.text[:200])
        assert "laurel_session" not in r.headers.get("Set-Cookie", ""), (
            "expected no session cookie from a refused %s, saw %r" % (key, r.headers["Set-Cookie"]))
    after = snapshot()
    assert after == before, "expected nothing changed by the refused %s; before %r, after %r" % (
        key, before, after)


@pytest.mark.parametrize("key", post_routes())
def test_csrf_probe_is_effective(key, world, base):
    """The probes are real: with the right token the same request does change things (last:
    these writes are for good; a 409 is accepted where an earlier probe moved the case on)."""
    probe = csrf_probe(world, key)
    assert probe, "expected a CSRF probe for %s in csrf_probe(); a new POST route needs one" % key
    who, path, data, files, snapshot = probe
    before = snapshot()
    r = who.post(path, data, files=files)
    assert r.status_code not in (401, 403, 404) and r.status_code < 500, (
        "expected %s with its token to get past the checks, saw %d: %s"
        % (key, r.status_code, r.text[:300]))
    after = snapshot()
    if key == "POST /admin/settings":
        # Put the campaign back as it was for the other suites.
        (opens, closes), (quota,) = before
        r2 = who.post(path, {"opens_at": opens, "closes_at": closes,
                             "quota_" + OTHER_REGION: str(quota)})
        assert r2.status_code == 303 and snapshot() == before, (
            "expected the settings restored, saw %d and %r" % (r2.status_code, snapshot()))
    if key in READ_ONLY_POSTS:
        # Nothing to change: the form's answer (not the CSRF refusal) shows the token passed.
        assert r.status_code == 422, (key, r.status_code)
        return
    if r.status_code != 409:
        assert after != before, "expected %s with its token to change %r, saw it unchanged" % (
            key, before)


def news_probe(world, key):
    """CSRF probes of the news desk (news.c): each on a draft of its own, made by the
    organiser (published first for the unpublish), read back from the database."""
    srv, org = world["server"], world["actors"]["org"]
    one = functools.partial(db_one, srv)
    if key == "POST /admin/news/new":
        return (org, "/admin/news/new", {"title": "CSRF 新闻", "date": "2020-01-02", "body": "x"},
                None, lambda: one("SELECT count(*) FROM article")[0])
    if key == "POST /admin/news/results":
        return (org, "/admin/news/results", {}, None,
                lambda: one("SELECT count(*) FROM article WHERE kind = 'results'")[0])
    r = org.post("/admin/news/new", {"title": "CSRF probe", "date": "2020-01-02", "body": "x"})
    assert r.status_code == 303, "expected a draft for the probe, saw %d: %s" % (
        r.status_code, r.text[:300])
    aid = int(re.search(r"/admin/news/(\d+)", r.headers["Location"]).group(1))
    state = lambda: one("SELECT title, status, body_md, (SELECT count(*) FROM news_image "  # noqa
                        "WHERE article_id = ?1) FROM article WHERE id = ?1", aid)
    if key == "POST /admin/news/{id}":
        return (org, "/admin/news/%d" % aid, {"title": "CSRF 改过", "date": "2020-01-02",
                                              "body": "changed"}, None, state)
    if key == "POST /admin/news/{id}/publish":
        return (org, "/admin/news/%d/publish" % aid, {}, None, state)
    if key == "POST /admin/news/{id}/unpublish":
        r = org.post("/admin/news/%d/publish" % aid)
        assert r.status_code == 303, r.text[:300]
        return (org, "/admin/news/%d/unpublish" % aid, {}, None, state)
    if key == "POST /admin/news/{id}/images":
        return (org, "/admin/news/%d/images" % aid, {}, True, state)
    return None


# ---------------------------------------------------------------- the final ballot

BALLOT_POSTS = {"POST /admin/stages/{id}/jury", "POST /admin/stages/{id}/jury/add",
                "POST /admin/stages/{id}/jury/{uid}/remove", "POST /admin/stages/{id}/sitting",
                "POST /admin/stages/{id}/sitting/presence",
                "POST /admin/stages/{id}/sitting/start", "POST /admin/stages/{id}/tally",
                "POST /ballot/{stage}", "POST /ballot/{stage}/cast", "POST /ballot-receipt",
                "POST /admin/stages/{id}/tiers/propose", "POST /admin/stages/{id}/tiers/{tier}",
                "POST /admin/stages/{id}/awards", "POST /admin/stages/{id}/notice",
                "POST /admin/stages/{id}/notice/close", "POST /notice/{stage}/code",
                "POST /notice/{stage}/objection", "POST /admin/stages/{id}/objections/{oid}",
                "POST /admin/stages/{id}/corrections"}
# POSTs that write nothing (a secret in a form, not in a URL): the receipt check.
READ_ONLY_POSTS = {"POST /ballot-receipt"}


def ballot_probe(world, key):
    """CSRF probes of the final ballot (ballot.c) on the demo's 终评, whose pool is empty:
    real writes for the settings and the jury; elsewhere an action its state refuses (409);
    the juror's ballot by the reviewer, put on the jury first."""
    srv, a = world["server"], world["actors"]
    one = functools.partial(db_one, srv)
    sid = one("SELECT id FROM stage WHERE kind = 'ballot' AND campaign_id = (SELECT id FROM "
              "campaign WHERE status = 'review' ORDER BY opens_at DESC, id DESC LIMIT 1)")[0]
    jurors = lambda: one("SELECT count(*), (SELECT count(*) FROM sitting WHERE stage_id = ?1) "  # noqa
                         "FROM juror WHERE stage_id = ?1", sid)
    add = lambda uid: a["org"].post("/admin/stages/%d/jury/add" % sid, {"user_id": str(uid)})  # noqa
    free = one("SELECT min(user_id) FROM reviewer WHERE active = 1 AND user_id NOT IN "
               "(SELECT user_id FROM juror WHERE stage_id = ?)", sid)[0]
    if key == "POST /admin/stages/{id}/jury":
        places, quorum = one("SELECT ballot_places, jury_quorum FROM stage WHERE id = ?", sid)
        return (a["org"], "/admin/stages/%d/jury" % sid,
                {"places": str(places % 100 + 1), "quorum": str(quorum % 9 + 1)}, None,
                lambda: one("SELECT ballot_places, jury_quorum FROM stage WHERE id = ?", sid))
    if key == "POST /admin/stages/{id}/jury/add":
        return (a["org"], "/admin/stages/%d/jury/add" % sid, {"user_id": str(free)}, None, jurors)
    if key == "POST /admin/stages/{id}/jury/{uid}/remove":
        assert add(free).status_code == 303
        return (a["org"], "/admin/stages/%d/jury/%d/remove" % (sid, free), {}, None, jurors)
    if key.startswith("POST /ballot/"):
        rev = one("SELECT id FROM \"user\" WHERE email = ?", a["rev"].email)[0]
        assert add(rev).status_code in (303, 409)
        case = one("SELECT min(id) FROM \"case\"")[0]
        path = "/ballot/%d" % sid + ("/cast" if key.endswith("/cast") else "")
        return (a["rev"], path, {"approve": str(case), "confirm": "1"}, None,
                lambda: one("SELECT count(*), (SELECT count(*) FROM ballot_cast) FROM "
                            "ballot_draft"))
    if key == "POST /ballot-receipt":
        return (a["anon"], "/ballot-receipt", {"receipt": "A" * 24}, None,
                lambda: one("SELECT count(*) FROM ballot"))
    # The ballot has no result yet: no tiers to propose or change (409).
    if "/tiers" in key or key.endswith("/awards"):
        tier = one("SELECT min(id) FROM tier WHERE campaign_id = (SELECT campaign_id FROM stage "
                   "WHERE id = ?)", sid)[0]
        path = key.split(" ", 1)[1].replace("{id}", str(sid)).replace("{tier}", str(tier))
        return (a["org"], path, {"quota": "40", "region_cap": "0", "case_id": "1",
                                 "tier_id": str(tier)}, None,
                lambda: one("SELECT quota, region_cap, (SELECT count(*) FROM award) FROM tier "
                            "WHERE id = ?", tier))
    # No notice open: no code, no objection, nothing to answer (409).
    if key.startswith("POST /notice/") or "/objections/" in key:
        path = key.split(" ", 1)[1].replace("{stage}", str(sid)).replace("{id}", str(sid))
        who = a["org"] if "/objections/" in key else a["anon"]
        return (who, path.replace("{oid}", "1"),
                {"email": "csrf@example.com", "case_id": "1", "name": "x", "code": "123456",
                 "reason": "x", "decision": "reject", "answer": "x"}, None,
                lambda: one("SELECT (SELECT count(*) FROM outbox), (SELECT count(*) FROM "
                            "objection), (SELECT count(*) FROM objection_code)"))
    # No notice closed: nothing to correct (409).
    if key.endswith("/corrections"):
        return (a["org"], "/admin/stages/%d/corrections" % sid,
                {"case_id": "1", "tier_id": "0", "reason": "CSRF"}, None,
                lambda: one("SELECT (SELECT count(*) FROM correction), (SELECT count(*) FROM "
                            "\"case\" WHERE tier_id IS NOT NULL)"))
    # Nothing proposed to publish, no notice to close: 409.
    if "/notice" in key:
        path = key.split(" ", 1)[1].replace("{id}", str(sid))
        return (a["org"], path, {"days": "5", "starts_on": "2019-11-25", "contact": "CSRF"},
                None, lambda: one("SELECT count(*), (SELECT count(*) FROM \"case\" WHERE "
                                  "tier_id IS NOT NULL) FROM notice"))
    # No sitting to open (the pool is empty), none to record, start or tally: 409.
    path = key.split(" ", 1)[1].replace("{id}", str(sid))
    return (a["org"], path, {"present": str(free)}, None, jurors)


# ---------------------------------------------------------------- roles per campaign

def test_a_reviewer_or_recommender_of_another_campaign_is_refused(world, base):
    """Roles are held per campaign: an expert whose role in the campaign under review is taken
    away gets the neutral 404 on every page and form of its review stage and ballot, even with
    assignments and a jury seat there, and the organiser cannot assign them; a recommender
    without a role in the campaign being run is refused /recommend (403).  Given the role
    again, the same requests pass: the refusals were the campaign's."""
    srv, a = world["server"], world["actors"]
    from scoring_data import POOL_SQL
    email = "access-cross-%s@demo.laurel" % secrets.token_hex(3)
    user_add(srv, email, "跨届专家", "reviewer", OTHER_PASSWORD)
    uid = db_one(srv, "SELECT id FROM \"user\" WHERE email = ?", email)[0]
    campaign, stage, seq = db_one(
        srv, "SELECT k.id, s.id, s.seq FROM campaign k JOIN stage s ON s.campaign_id = k.id "
        "WHERE k.status = 'review' AND s.kind = 'review' AND s.state = 'released' "
        "ORDER BY s.seq DESC LIMIT 1")
    ballot = db_one(srv, "SELECT id FROM stage WHERE campaign_id = ? AND kind = 'ballot'",
                    campaign)[0]
    case_id = db_one(srv, "SELECT case_id FROM stage_case WHERE stage_id = ? ORDER BY case_id "
                     "LIMIT 1", stage)[0]
    c = db_connect(srv.data)
    try:
        with c:  # assigned and seated while the expert was in this campaign's pool
            c.execute("INSERT INTO assignment (stage_id, case_id, user_id, state) "
                      "VALUES (?, ?, ?, 'released')", (stage, case_id, uid))
            c.execute("INSERT INTO juror (stage_id, user_id) VALUES (?, ?)", (ballot, uid))
        label = dict(c.execute(POOL_SQL, (stage,)).fetchall())[case_id]
    finally:
        c.close()
    path = "/review/%d/%04d" % (seq, label)
    who = Actor(base, email, OTHER_PASSWORD)
    crit = db_one(srv, "SELECT id FROM criterion WHERE stage_id = ? ORDER BY seq", stage)[0]
    score = {"action": "save", "score_%d" % crit: "1"}

    def answers():
        listed = [it["href"] for st in who.get("/review", headers=JSON).json()["stages"]
                  for it in st["items"]]
        juries = [b["stage_id"] for b in who.get("/ballot", headers=JSON).json()["stages"]]
        return {"listed": path in listed, "jury listed": ballot in juries,
                "GET case": who.get(path).status_code,
                "GET file": who.get(path + "/files/1").status_code,
                "POST score": who.post(path, score).status_code,
                "POST conflict": who.post(path + "/conflict", {"reason": ""}).status_code,
                "GET ballot": who.get("/ballot/%d" % ballot).status_code,
                "POST ballot": who.post("/ballot/%d" % ballot, {"approve": str(case_id)}
                                        ).status_code,
                "POST cast": who.post("/ballot/%d/cast" % ballot,
                                      {"approve": str(case_id), "confirm": "1"}).status_code}

    held = answers()  # its score POST saves a draft: the count to keep from here on
    reviews = db_one(srv, "SELECT count(*), max(updated_at) FROM review WHERE user_id = ?", uid)
    assert held["listed"] and held["jury listed"] and held["GET case"] == 200 and \
        held["GET ballot"] == 200, "expected the expert of this campaign to see it: %r" % held
    org = a["org"]
    r = org.post("/admin/users/%d/roles/drop" % uid, {"role": "reviewer",
                                                     "campaign": str(campaign)})
    assert r.status_code == 303, "expected the role taken away, saw %d" % r.status_code
    gone = answers()
    assert gone == {"listed": False, "jury listed": False, "GET case": 404, "GET file": 404,
                    "POST score": 404, "POST conflict": 404, "GET ballot": 404,
                    "POST ballot": 404, "POST cast": 404}, (
        "expected an expert of other campaigns refused everywhere here, saw %r" % gone)
    assert db_one(srv, "SELECT count(*), max(updated_at) FROM review WHERE user_id = ?",
                  uid) == reviews, "expected no review written once the role was gone"
    assert db_one(srv, "SELECT count(*) FROM conflict WHERE user_id = ?", uid)[0] == 0
    # Not of this campaign's pool: the organiser cannot assign them a case of it either.
    other_case = db_one(srv, "SELECT case_id FROM stage_case WHERE stage_id = ? "
                        "ORDER BY case_id DESC LIMIT 1", stage)[0]
    r = org.post("/admin/stages/%d/assignments/add" % stage,
                 {"case_id": str(other_case), "user_id": str(uid)})
    assert r.status_code in (409, 422), "expected the assignment refused, saw %d" % r.status_code
    assert db_one(srv, "SELECT count(*) FROM assignment WHERE user_id = ? AND case_id = ?",
                  uid, other_case)[0] == 0
    # Invited again: the same pages answer.
    r = org.post("/admin/users/%d/roles" % uid, {"role": "reviewer", "campaign": str(campaign)})
    assert r.status_code == 303, "expected the role given again, saw %d" % r.status_code
    back = answers()
    assert back["listed"] and back["GET case"] == 200 and back["GET ballot"] == 200, back

    # A recommender: the region's role is the campaign being run's.
    current = db_one(srv, "SELECT id FROM campaign WHERE status = 'open'")[0]
    rec2 = a["rec2"]
    rec2_id = db_one(srv, "SELECT id FROM \"user\" WHERE email = ?", rec2.email)[0]
    case_other = world["ids"]["case_other"]
    assert rec2.get("/recommend").status_code == 200
    r = org.post("/admin/users/%d/roles/drop" % rec2_id, {"role": "recommender",
                                                         "campaign": str(current)})
    assert r.status_code == 303, "expected the recommender's role taken away, saw %d" % (
        r.status_code)
    try:
        seen = (rec2.get("/recommend").status_code,
                rec2.get("/recommend/%d" % case_other).status_code,
                rec2.post("/recommend/%d/return" % case_other, {"reason": "x"}).status_code)
        assert seen == (403, 403, 403), (
            "expected a recommender of other campaigns refused (403), saw %r" % (seen,))
    finally:
        r = org.post("/admin/users/%d/roles" % rec2_id, {"role": "recommender", "region":
                                                        OTHER_REGION, "campaign": str(current)})
        assert r.status_code == 303, "expected the role given back, saw %d" % r.status_code
    assert rec2.get("/recommend").status_code == 200
