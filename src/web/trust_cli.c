/*
 * trust_cli.c — the trust commands (trust_cli.h): re-checking the audit
 * chain, issuing and checking signed results statements.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "store/audit.h"
#include "web/trust_cli.h"

/* argv[i]'s value for option name ("--data"), advancing i; NULL if argv[i] is not it. */
static const char *option(int argc, char **argv, int *i, const char *name)
{
    if (strcmp(argv[*i], name) != 0 || *i + 1 >= argc)
        return NULL;
    return argv[++*i];
}

static struct store *open_store(const char *data)
{
    char err[512];
    struct store *st = store_open(data, 0, err, sizeof err);
    if (!st)
        fprintf(stderr, "laurel: %s\n", err);
    return st;
}

int audit_verify_main(int argc, char **argv)
{
    const char *data = "./data";
    for (int i = 3; i < argc; i++) {
        const char *v;
        if ((v = option(argc, argv, &i, "--data")))
            data = v;
        else {
            fputs("usage: laurel audit verify [--data DIR]\n", stderr);
            return 2;
        }
    }
    struct store *st = open_store(data);
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
