/*
 * trust_cli.c — the trust commands (trust_cli.h): re-checking the audit
 * chain, issuing and checking signed results statements.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "store/audit.h"
#include "store/statement.h"
#include "web/trust_cli.h"

/* argv[i]'s value for option name ("--data"), advancing i; NULL if argv[i] is not it. */
static const char *option(int argc, char **argv, int *i, const char *name)
{
    if (strcmp(argv[*i], name) != 0 || *i + 1 >= argc)
        return NULL;
    return argv[++*i];
}

/* The store of folder data, or of db (store_open_db), or NULL (message printed). */
static struct store *open_store(const char *data, const char *db)
{
    char err[512];
    struct store *st = store_open_db(data, db, 0, err, sizeof err);
    if (!st)
        fprintf(stderr, "laurel: %s\n", err);
    return st;
}

int audit_verify_main(int argc, char **argv)
{
    const char *data = "./data", *db = NULL;
    for (int i = 3; i < argc; i++) {
        const char *v;
        if ((v = option(argc, argv, &i, "--data")))
            data = v;
        else if ((v = option(argc, argv, &i, "--db")))
            db = v;
        else {
            fputs("usage: laurel audit verify [--data DIR] [--db URI]\n", stderr);
            return 2;
        }
    }
    struct store *st = open_store(data, db);
    if (!st)
        return 1;
    double t0 = clock_ms();
    struct audit_report r;
    int rc = store_audit_verify(st, &r);
    double ms = clock_ms() - t0;
    store_close(st);
    if (rc == RC_ERROR) {
        fputs("laurel: the audit chain could not be read\n", stderr);
        return 1;
    }
    printf("audit: %" PRId64 " rows checked, %" PRId64 " vote batches holding %" PRId64
           " votes (%.2f s)\n",
           r.rows, r.vote_rows, r.votes, ms / 1e3);
    if (rc != RC_OK) {
        printf("audit: BROKEN at row %" PRId64 ": %s\n", r.broken_id, r.why);
        printf("audit: the chain is intact up to row %" PRId64 "%s%s\n", r.broken_id - 1,
               r.rows ? ", whose hash is " : "", r.head);
        return 1;
    }
    printf("audit: intact; chain head %s\n", r.rows ? r.head : "(empty)");
    return 0;
}

static int issue_write(struct store_tx *tx, void *arg)
{
    return tx_statement_issue(tx, arg);
}

int trust_issue_statement(struct store *st, int64_t *id)
{
    struct statement_issue q = {store_public_campaign(st), 1, 0};
    if (!q.campaign_id || store_write_sync(st, issue_write, &q) != RC_OK)
        return -1;
    *id = q.id;
    return 0;
}

/* Write the statement id of st to path (or standard output for "-"): 0 or -1. */
static int save_statement(struct store *st, int64_t id, const char *path)
{
    char *body = NULL;
    size_t len = 0;
    int64_t campaign = 0;
    if (store_statement_body(st, id, &body, &len, &campaign) != RC_OK)
        return -1;
    FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
    int ok = f && fwrite(body, 1, len, f) == len;
    if (f && f != stdout)
        ok = fclose(f) == 0 && ok;
    free(body);
    return ok ? 0 : -1;
}

int publish_statement_main(int argc, char **argv)
{
    const char *data = "./data", *out = NULL, *db = NULL;
    for (int i = 2; i < argc; i++) {
        const char *v;
        if ((v = option(argc, argv, &i, "--data")))
            data = v;
        else if ((v = option(argc, argv, &i, "--db")))
            db = v;
        else if ((v = option(argc, argv, &i, "--out")))
            out = v;
        else {
            fputs("usage: laurel publish-statement [--data DIR] [--db URI] [--out FILE]\n"
                  "  issue a signed results statement of the published campaign\n",
                  stderr);
            return 2;
        }
    }
    struct store *st = open_store(data, db);
    if (!st)
        return 1;
    int64_t id = 0;
    int rc = 1;
    if (trust_issue_statement(st, &id) != 0)
        fputs("laurel: no statement issued: no campaign has published results\n", stderr);
    else if (out && save_statement(st, id, out) != 0)
        fprintf(stderr, "laurel: cannot write %s: %s\n", out, strerror(errno));
    else {
        printf("laurel: results statement %" PRId64 " issued%s%s\n", id, out ? " to " : "",
               out ? out : "");
        rc = 0;
    }
    store_close(st);
    return rc;
}

/* The file at path, at most max bytes (malloc'd): NULL with a message. */
static char *slurp(const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "laurel: cannot read %s: %s\n", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(max + 1);
    *len = buf ? fread(buf, 1, max + 1, f) : 0;
    fclose(f);
    if (!buf || *len > max) {
        fprintf(stderr, "laurel: %s is larger than a statement can be\n", path);
        free(buf);
        return NULL;
    }
    buf[*len] = 0;
    return buf;
}

int verify_results_main(int argc, char **argv)
{
    const char *data = NULL, *key = NULL, *file = NULL, *db = NULL;
    for (int i = 2; i < argc; i++) {
        const char *v;
        if ((v = option(argc, argv, &i, "--data")))
            data = v;
        else if ((v = option(argc, argv, &i, "--db")))
            db = v;
        else if ((v = option(argc, argv, &i, "--key")))
            key = v;
        else if (argv[i][0] != '-' && !file)
            file = argv[i];
        else
            file = NULL, i = argc;
    }
    if (!file) {
        fputs("usage: laurel verify-results STATEMENT [--key PUBKEY] [--data DIR] [--db URI]\n"
              "  PUBKEY: the site's public key, as a file (signing.pub) or its base64 text;\n"
              "  DIR: check the statement against that data folder's campaign and audit chain\n",
              stderr);
        return 2;
    }
    unsigned char pk[SIGNKEY_PUBLIC_BYTES];
    if (key) {
        size_t n = 0;
        char *text = signkey_public_parse(key, pk) == 0 ? NULL : slurp(key, 1024, &n);
        if (text && signkey_public_parse(text, pk) != 0) {
            fprintf(stderr, "laurel: %s holds no Ed25519 public key in base64\n", key);
            free(text);
            return 1;
        }
        if (!text && signkey_public_parse(key, pk) != 0)
            return 1;
        free(text);
    }
    size_t len = 0;
    char *buf = slurp(file, STATEMENT_MAX, &len);
    if (!buf)
        return 1;
    struct statement_check c;
    int rc = statement_check(buf, len, key ? pk : NULL, &c);
    free(buf);
    if (rc != RC_OK) {
        printf("results: REJECTED: %s\n", c.why);
        return 1;
    }
    json_t *camp = json_object_get(c.payload, "campaign");
    printf("results: signature valid%s: %s, issued %s, %" PRId64 " awards, audit head %s\n",
           key ? "" : " (under the key the statement names: compare it with the site's)",
           json_string_value(json_object_get(camp, "name")),
           json_string_value(json_object_get(c.payload, "issued_at")),
           (int64_t)json_integer_value(json_object_get(json_object_get(c.payload, "tally"),
                                                       "awarded")),
           json_string_value(json_object_get(json_object_get(c.payload, "audit"), "head")));
    int out = 0;
    if (data) {
        struct store *st = open_store(data, db);
        char why[256] = "";
        int m = st ? store_statement_matches(st, c.payload, why, sizeof why) : RC_ERROR;
        if (st)
            store_close(st);
        if (m == RC_OK)
            printf("results: matches the data in %s (awards, tally, key, an intact audit chain "
                   "holding its head)\n",
                   data);
        else {
            printf("results: DOES NOT MATCH the data in %s: %s\n", data,
                   why[0] ? why : "the data could not be read");
            out = 1;
        }
    }
    json_decref(c.payload);
    return out;
}
