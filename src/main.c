/*
 * main.c — the `laurel` command: init, demo, serve, user add, routes, assign,
 * rank, dedupe, version, help, export-site.
 *
 * The commands are one table (struct command, `commands` below: Redis's
 * command table is the model): a name, a line of help, how the command takes
 * its arguments and the function that runs it.  `laurel help` prints the
 * table; main() looks the name up and calls the function.  A command either
 * takes the shared options (parsed into struct options before it runs) or
 * parses argv itself (assign, rank and dedupe, whose code lives with them).
 *
 * `serve` wires the layers together: the store (SQLite and its writer
 * thread), the message catalogs and templates, the web dispatcher and the
 * HTTP server; it then waits for SIGINT or SIGTERM and shuts down in order:
 * stop accepting, let requests in flight finish, flush the view counters,
 * close the database.
 */
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/fault.h"
#include "core/log.h"
#include "core/worker.h"
#include "domain/auth.h"
#include "demo/demo.h"
#include "store/bulk.h"
#include "store/accounts.h"
#include "http/server.h"
#include "mail/sender.h"
#include "review/assign_run.h"
#include "review/dedupe_run.h"
#include "review/rank_run.h"
#include "store/pub_views.h"
#include "store/store.h"
#include "view/i18n.h"
#include "view/render.h"
#include "web/pagecache.h"
#include "web/web.h"
#include "web/migrate_cli.h"
#include "web/trust_cli.h"
#include "web/certs.h"
#include "web/export_site.h"
#include "web/prerender.h"

#define LAUREL_VERSION "0.1.0"

struct options {
    const char *data;
    const char *listen;
    const char *base_url;
    const char *access_log;
    unsigned threads;
    int cases;
    unsigned long long seed;
    const char *email, *name, *role, *region;
    long long unit;
    const char *smtp, *mail_from; /* the outbox's sender (mail/sender.h) */
    const char *sms;              /* the SMS gateway for voters' codes */
    long mail_retry;
    long db_check_s; /* serve: seconds for the start-up quick_check; 0: skip it */
    char trusted_proxies[512]; /* serve: --trusted-proxy CIDRs, comma-separated */
    int no_page_cache; /* serve: --no-page-cache or LAUREL_NO_PAGE_CACHE=1 */
    unsigned page_cache_mb; /* serve: --page-cache-mb, 0 for the default */
    long header_timeout_s;     /* serve: --header-timeout; 0: the server's default */
    unsigned max_conns;        /* serve: --max-connections; 0: 4096 */
    unsigned lane_from_us;     /* serve: --read-lane-us; 0: the server's default */
    const char *db;            /* --db postgresql://... or LAUREL_DB; NULL: SQLite */
};

/* The shared options, as `laurel help` prints them after the commands. */
static const char options_help[] =
    "options:\n"
    "  --data DIR          data folder (default ./data)\n"
    "  --db URI            keep the data in PostgreSQL (postgresql://...; also\n"
    "                      LAUREL_DB); the data folder keeps the uploads and the key;\n"
    "                      every command that opens the store takes it (not demo)\n"
    "  --listen ADDR:PORT  address to serve on (default 127.0.0.1:8080)\n"
    "  --threads N         server threads (default: one per core)\n"
    "  --base-url URL      absolute URL of the site, for feeds and sitemaps\n"
    "  --access-log FILE   JSON-lines access log (default: standard output)\n"
    "  --smtp URL          deliver the outbox through smtp://HOST[:PORT] (or smtps://);\n"
    "                      without it, messages wait in the outbox\n"
    "  --sms URL           deliver voters' phone codes to an SMS gateway: the outbox\n"
    "                      POSTs {\"phone\": ..., \"text\": ...} as JSON to URL\n"
    "  --mail-from ADDR    sender address of the mail (default laurel@localhost)\n"
    "  --mail-retry S      first retry delay after a failed delivery (default 30 s)\n"
    "  --db-check-seconds S  serve: bound the start-up integrity check (default 30)\n"
    "  --no-db-check       serve: skip that check (very large databases)\n"
    "  --header-timeout S  serve: deadline for a request's headers; a body's grace\n"
    "                      before its minimum rate applies (default 10)\n"
    "  --trusted-proxy CIDR  serve: a reverse proxy whose X-Forwarded-For names the\n"
    "                      client (repeat or separate by commas; default none)\n"
    "  --cases N           demo: number of cases, 200 to 1000000 (default 4000)\n"
    "  --seed S            demo: random seed (default 2019)\n"
    "  --no-page-cache     serve: render every page (also LAUREL_NO_PAGE_CACHE=1)\n"
    "  --max-connections N  serve: open connections at most, 16 to 65536 (default\n"
    "                      4096); idle ones are closed when near it\n"
    "  --page-cache-mb N   serve: memory for cached pages, 1 to 65536 (default 256)\n"
    "  --read-lane-us N    serve: reads go to the read lane while their average cost is\n"
    "                      above N microseconds, 1 to 1000000 (default 1000)\n";

/* A --cases value: digits only, 200 to DEMO_MAX_CASES; 0 or -1. */
static int parse_cases(const char *v, int *out)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (!*v || *end || strspn(v, "0123456789") != strlen(v) || n < 200 || n > DEMO_MAX_CASES)
        return -1;
    *out = (int)n;
    return 0;
}

/* Parse argv[2..] into o; returns 0 or -1 (message printed). */
static int parse_options(int argc, char **argv, struct options *o)
{
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1;
        if (strcmp(a, "--data") == 0 && v)
            o->data = v;
        else if (strcmp(a, "--db") == 0 && v)
            o->db = v;
        else if (strcmp(a, "--listen") == 0 && v)
            o->listen = v;
        else if (strcmp(a, "--base-url") == 0 && v)
            o->base_url = v;
        else if (strcmp(a, "--access-log") == 0 && v)
            o->access_log = v;
        else if (strcmp(a, "--threads") == 0 && v && atoi(v) > 0 && atoi(v) <= 256)
            o->threads = (unsigned)atoi(v);
        else if (strcmp(a, "--trusted-proxy") == 0 && v) {
            size_t used = strlen(o->trusted_proxies);
            snprintf(o->trusted_proxies + used, sizeof o->trusted_proxies - used, "%s%s",
                     used ? "," : "", v);
        } else if (strcmp(a, "--header-timeout") == 0 && v && atol(v) > 0 && atol(v) <= 600) {
            o->header_timeout_s = atol(v);
        } else if (strcmp(a, "--max-connections") == 0 && v && atol(v) >= 16 &&
                   atol(v) <= 65536) {
            o->max_conns = (unsigned)atol(v);
        } else if (strcmp(a, "--no-db-check") == 0) {
            o->db_check_s = 0;
            takes = 0;
        } else if (strcmp(a, "--db-check-seconds") == 0 && v && atol(v) > 0 && atol(v) <= 86400)
            o->db_check_s = atol(v);
        else if (strcmp(a, "--cases") == 0 && v && parse_cases(v, &o->cases) == 0)
            ;
        else if (strcmp(a, "--seed") == 0 && v)
            o->seed = strtoull(v, NULL, 10);
        else if (strcmp(a, "--email") == 0 && v)
            o->email = v;
        else if (strcmp(a, "--name") == 0 && v)
            o->name = v;
        else if (strcmp(a, "--role") == 0 && v)
            o->role = v;
        else if (strcmp(a, "--region") == 0 && v)
            o->region = v;
        else if (strcmp(a, "--unit") == 0 && v)
            o->unit = atoll(v);
        else if (strcmp(a, "--smtp") == 0 && v)
            o->smtp = v;
        else if (strcmp(a, "--sms") == 0 && v)
            o->sms = v;
        else if (strcmp(a, "--mail-from") == 0 && v)
            o->mail_from = v;
        else if (strcmp(a, "--mail-retry") == 0 && v && atol(v) > 0 && atol(v) <= 3600)
            o->mail_retry = atol(v);
        else if (strcmp(a, "--no-page-cache") == 0)
            o->no_page_cache = 1, takes = 0;
        else if (strcmp(a, "--page-cache-mb") == 0 && v && atoi(v) > 0 && atoi(v) <= 65536)
            o->page_cache_mb = (unsigned)atoi(v);
        else if (strcmp(a, "--read-lane-us") == 0 && v && atol(v) > 0 && atol(v) <= 1000000)
            o->lane_from_us = (unsigned)atol(v);
        else {
            fprintf(stderr, "laurel: unknown or incomplete option '%s'\n", a);
            return -1;
        }
        i += takes;
    }
    return 0;
}

static int cmd_init(const struct options *o)
{
    char err[512];
    struct store *st = store_open_db(o->data, o->db, 1, err, sizeof err);
    if (!st) {
        fprintf(stderr, "laurel: %s\n", err);
        return 1;
    }
    store_close(st);
    printf("laurel: database ready in %s\n", o->data);
    return 0;
}

/* The demo's public pages, rendered inside its load (demo.h, demo_pages_fn). */
static int demo_pages(struct store *st)
{
    char err[512];
    if (i18n_load(err, sizeof err) != 0 || render_init(err, sizeof err) != 0) {
        fprintf(stderr, "laurel: %s\n", err);
        return -1;
    }
    web.store = st;
    return prerender_install(st);
}

static int cmd_demo(const struct options *o)
{
    char err[512], path[4096];
    struct stat sb;
    snprintf(path, sizeof path, "%s/laurel.db", o->data);
    if (stat(path, &sb) == 0) {
        fprintf(stderr, "laurel: %s already holds a database; remove the folder first\n",
                o->data);
        return 1;
    }
    if (o->db) {
        fprintf(stderr, "laurel: demo makes a SQLite database; copy it into PostgreSQL with "
                        "laurel migrate-db\n");
        return 2;
    }
    double t0 = clock_ms();
    struct store *st = store_open(o->data, 1, err, sizeof err);
    if (!st) {
        fprintf(stderr, "laurel: %s\n", err);
        return 1;
    }
    /* The 2019 campaign's notice closes in the load, which publishes and signs its results;
     * the public pages are rendered in it, before its end. */
    int rc = demo_load_pages(st, o->seed, o->cases, demo_pages, err, sizeof err);
    render_free();
    i18n_free();
    web.store = NULL;
    store_close(st);
    if (rc != 0) {
        fprintf(stderr, "laurel: %s\n", err);
        unlink(path);
        return 1;
    }
    char steps[1024];
    store_bulk_laps(steps, sizeof steps);
    printf("laurel: demo campaign with %d cases created in %s (%.2f s; steps, wall/CPU s: %s)\n",
           o->cases, o->data, (clock_ms() - t0) / 1e3, steps);
    printf("laurel: demo accounts (password %s):\n"
           "  organiser    organiser@demo.laurel\n"
           "  recommender  shanghai@demo.laurel   (上海市)\n"
           "  submitter    zhoujiadu@demo.laurel  (上海市浦东新区周家渡街道)\n"
           "  reviewer     expert@demo.laurel\n",
           DEMO_PASSWORD);
    printf("laurel: edition 2020 in review: %d cases (%d passed screening), 初评 done, "
           "复评 under way\n"
           "  reviewers    expert001@demo.laurel ... expert%03d@demo.laurel (%d experts, same "
           "password)\n",
           DEMO_ED_CASES, DEMO_ED_CASES - DEMO_ED_REJECTED, DEMO_ED_EXPERTS, DEMO_ED_EXPERTS);
    return 0;
}

struct user_add {
    const struct options *o;
    unsigned role;
    char hash[AUTH_HASH_BYTES];
};

static int user_add_write(struct store_tx *tx, void *arg)
{
    struct user_add *u = arg;
    int64_t id;
    if (tx_user_add(tx, u->o->email, u->o->name, u->hash, &id) != RC_OK)
        return RC_ERROR;
    return tx_user_role(tx, id, u->role, u->o->region, u->o->unit, 0);
}

static int cmd_user_add(const struct options *o)
{
    struct user_add u = {o, o->role ? store_role_parse(o->role) : 0, ""};
    if (!o->email || !o->name || !u.role || (u.role == ROLE_RECOMMENDER && !o->region) ||
        (u.role == ROLE_SUBMITTER && o->unit <= 0)) {
        fputs("laurel: user add needs --email, --name and --role "
              "(organiser, recommender --region CODE, submitter --unit ID, reviewer)\n",
              stderr);
        return 2;
    }
    char password[AUTH_MAX_PASSWORD + 2] = "";
    if (!fgets(password, sizeof password, stdin)) {
        fputs("laurel: give the password on standard input\n", stderr);
        return 2;
    }
    password[strcspn(password, "\r\n")] = 0;
    if (strlen(password) < AUTH_MIN_PASSWORD) {
        fputs("laurel: the password needs 8 characters or more\n", stderr);
        return 2;
    }
    char err[512];
    if (auth_init() != 0 || auth_hash_password(password, u.hash) != 0) {
        fputs("laurel: cannot hash the password\n", stderr);
        return 1;
    }
    explicit_bzero(password, sizeof password);
    struct store *st = store_open_db(o->data, o->db, 0, err, sizeof err);
    if (!st) {
        fprintf(stderr, "laurel: %s\n", err);
        return 1;
    }
    int rc = store_write_sync(st, user_add_write, &u);
    store_close(st);
    if (rc != RC_OK) {
        fprintf(stderr, "laurel: cannot add %s (taken e-mail, unknown region or unit?)\n",
                o->email);
        return 1;
    }
    printf("laurel: added %s as %s\n", o->email, o->role);
    return 0;
}

static int cmd_serve(const struct options *o)
{
    char err[512];
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    /* Every thread started from here on inherits the mask; only sigwait sees them. */
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    /*
     * Keep freed memory in the process: by default glibc hands the top of a
     * thread's heap back after each request that grew it (madvise), and
     * every such return stops both cores to flush their TLBs, which took a
     * fifth of a rendered page's time under load.  Blocks up to 4 MB come
     * from the heaps; larger ones (argon2id's) are still mapped and unmapped.
     */
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    mallopt(M_MMAP_THRESHOLD, 4 << 20);

    if (o->access_log && log_access_open(o->access_log) != 0) {
        fprintf(stderr, "laurel: cannot open access log %s\n", o->access_log);
        return 1;
    }
    if (i18n_load(err, sizeof err) != 0 || render_init(err, sizeof err) != 0 ||
        pagecache_init() != 0) {
        fprintf(stderr, "laurel: %s\n", err);
        return 1;
    }
    const char *env_nocache = getenv("LAUREL_NO_PAGE_CACHE");
    pagecache_set_enabled(!(o->no_page_cache || (env_nocache && strcmp(env_nocache, "1") == 0)));
    pagecache_set_limit(o->page_cache_mb ? o->page_cache_mb : PAGECACHE_DEFAULT_MB);
    statics_init();
    if (auth_init() != 0 || worker_start(AUTH_MAX_HASHING) != 0) {
        fprintf(stderr, "laurel: cannot start the worker threads\n");
        return 1;
    }
    /* On PostgreSQL, nodes share the data folder; on SQLite it is one server's alone. */
    const char *db = store_db_uri(o->db);
    struct stat ds;
    if (!db && stat(o->data, &ds) == 0 && store_lock(o->data, err, sizeof err) < 0) {
        fprintf(stderr, "laurel: %s\n", err);
        return 1;
    }
    struct store *st = store_open_db(o->data, db, 0, err, sizeof err);
    if (!st) {
        fprintf(stderr, "laurel: %s\n", err);
        return 1;
    }
    if (o->db_check_s > 0) {
        int rc = store_check(st, (unsigned)o->db_check_s * 1000u, err, sizeof err);
        if (rc < 0) {
            fprintf(stderr,
                    "laurel: the database in %s is corrupt (PRAGMA quick_check: %s); not serving "
                    "it. Restore a backup, or start with --no-db-check to serve what can be "
                    "read (damaged data then answers 500).\n",
                    o->data, err);
            store_close(st);
            return 1;
        }
        if (rc > 0) {
            char warn[600];
            snprintf(warn, sizeof warn, "start-up check skipped: %s (see --db-check-seconds)",
                     err);
            log_error("store: %s", warn);
            fault_add_warning(warn);
        }
    }
    char base[256];
    if (!o->base_url)
        snprintf(base, sizeof base, "http://%s", o->listen);
    web.store = st;
    web.base_url = o->base_url ? o->base_url : base;
    web.data_dir = o->data;
    /* Pages missing or rendered by another build: rendered now (a failed one is assembled). */
    prerender_install(st);
    /* The kept list orders built in the background from now, not at the first list. */
    pub_views_start(st);
    struct mail_sender *mail = NULL;
    if (o->smtp || o->sms) {
        const struct mail_config mc = {o->smtp, o->mail_from ? o->mail_from : "laurel@localhost",
                                       o->mail_retry, o->sms};
        if (!(mail = mail_sender_start(st, &mc, err, sizeof err))) {
            fprintf(stderr, "laurel: %s\n", err);
            store_close(st);
            return 1;
        }
    }

    struct server_config cfg = {
        .listen = o->listen,
        .threads = o->threads,
        .max_body = 1u << 20,
        .max_header = 12u << 10,
        .timeout_s = 30,
        .max_conns = o->max_conns ? o->max_conns : 4096,
        .max_conns_per_ip = 1024,
        .trusted_proxies = o->trusted_proxies,
        .header_timeout_s = (unsigned)o->header_timeout_s,
        .lane_from_us = o->lane_from_us,
    };
    const struct server_app app = {web_begin, web_dispatch, web_answer_cached, web_health};
    struct server *srv = server_start(&cfg, &app, err, sizeof err);
    if (!srv) {
        fprintf(stderr, "laurel: %s\n", err);
        mail_sender_stop(mail);
        store_close(st);
        return 1;
    }
    log_info("serving %s on http://%s (data %s%s)", LAUREL_VERSION, o->listen, o->data,
             db ? ", database PostgreSQL" : "");
    int sig = 0;
    sigwait(&sigs, &sig);
    log_info("signal %d: finishing requests in flight", sig);
    server_stop(srv, 5000);
    certs_cancel(); /* a certificate batch stops at its next page, its files left unfinished */
    worker_stop();
    mail_sender_stop(mail);
    store_close(st);
    pagecache_free();
    render_free();
    i18n_free();
    log_access_close();
    log_info("stopped");
    return 0;
}

static int cmd_routes(const struct options *o)
{
    (void)o;
    json_t *routes = web_routes();
    json_dumpf(routes, stdout, JSON_INDENT(1));
    putchar('\n');
    json_decref(routes);
    return 0;
}

static int cmd_version(const struct options *o)
{
    (void)o;
    printf("laurel %s\n", LAUREL_VERSION);
    return 0;
}

static void usage(FILE *out);

static int cmd_help(const struct options *o)
{
    (void)o;
    usage(stdout);
    return 0;
}

/* How a command takes the words after its name. */
enum command_args {
    ARGS_NONE,    /* none: whatever follows is ignored (help, version) */
    ARGS_OPTIONS, /* the shared options, parsed into struct options before it runs */
    ARGS_OWN,     /* its own: main_fn gets argc and argv as they are */
};

struct command {
    const char *name;  /* one word, or two ("user add") */
    const char *alias; /* another name for it, or NULL (not listed by help) */
    const char *help;  /* what it does, for `laurel help`; '\n' starts an indented line */
    enum command_args args;
    int (*fn)(const struct options *o);    /* ARGS_NONE, ARGS_OPTIONS */
    int (*main_fn)(int argc, char **argv); /* ARGS_OWN */
};

/* Every command, in the order `laurel help` lists them. */
static const struct command commands[] = {
    {"init", NULL, "create an empty database in the data folder (or in --db)", ARGS_OPTIONS,
     cmd_init, NULL},
    {"demo", NULL, "create the demo campaign (2019, about 4,000 cases)", ARGS_OPTIONS, cmd_demo,
     NULL},
    {"serve", NULL, "serve the public site and the API", ARGS_OPTIONS, cmd_serve, NULL},
    {"user add", NULL,
     "add a user: --email E --name N --role R [--region CODE] [--unit ID];\n"
     "the password is read from standard input",
     ARGS_OPTIONS, cmd_user_add, NULL},
    {"routes", NULL, "print the route table (JSON)", ARGS_OPTIONS, cmd_routes, NULL},
    {"assign", NULL, "propose a review stage's assignments: --stage N [--dry-run] [--db URI]",
     ARGS_OWN, NULL, review_assign_main},
    {"rank", NULL, "print a review stage's ranking: --stage N [--db URI]", ARGS_OWN, NULL,
     rank_run_main},
    {"dedupe", NULL, "print near-duplicate cases under review: [--threshold T] [--db URI]",
     ARGS_OWN, NULL, dedupe_run_main},
    {"version", "--version", "print the version", ARGS_NONE, cmd_version, NULL},
    {"help", "--help", "print this help", ARGS_NONE, cmd_help, NULL},
    {"migrate-db", NULL,
     "copy a data folder's database into an empty PostgreSQL database:\n"
     "--from DATA_DIR --to postgresql://USER@HOST/DB (or LAUREL_DB)",
     ARGS_OWN, NULL, migrate_db_main},
    {"audit verify", NULL,
     "re-check the audit chain and the vote batches: [--data DIR] [--db URI]", ARGS_OWN, NULL,
     audit_verify_main},
    {"publish-statement", NULL,
     "issue a signed results statement of the published campaign: [--data DIR] [--out FILE]\n"
     "[--db URI]",
     ARGS_OWN, NULL, publish_statement_main},
    {"verify-results", NULL,
     "check a results statement: STATEMENT [--key PUBKEY] [--data DIR] [--db URI]", ARGS_OWN,
     NULL, verify_results_main},
    {"export-site", NULL,
     "write the public site as static files: DIR [--data DIR] [--db URI] [--live-url URL]\n"
     "[--base-url URL] [--lang zh-CN|en]",
     ARGS_OWN, NULL, export_site_main},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fputs("usage: laurel <command> [options]\n\ncommands:\n", out);
    for (size_t i = 0; i < NCOMMANDS; i++) {
        const char *h = commands[i].help;
        int n = (int)strcspn(h, "\n");
        fprintf(out, "  %-10s %.*s\n", commands[i].name, n, h);
        while (h[n] == '\n') { /* a continuation line, under the first */
            h += n + 1;
            n = (int)strcspn(h, "\n");
            fprintf(out, "  %-10s %.*s\n", "", n, h);
        }
    }
    fputc('\n', out);
    fputs(options_help, out);
}

/* The command named by argv[1] (and argv[2] for two words), or NULL; *words: how many. */
static const struct command *command_find(int argc, char **argv, int *words)
{
    for (size_t i = 0; i < NCOMMANDS; i++) {
        const struct command *c = &commands[i];
        const char *space = strchr(c->name, ' ');
        if (!space) {
            if (strcmp(argv[1], c->name) == 0 || (c->alias && strcmp(argv[1], c->alias) == 0)) {
                *words = 1;
                return c;
            }
        } else if (argc > 2 && strncmp(argv[1], c->name, (size_t)(space - c->name)) == 0 &&
                   argv[1][space - c->name] == 0 && strcmp(argv[2], space + 1) == 0) {
            *words = 2;
            return c;
        }
    }
    return NULL;
}

/* 1 if w is the first word of a two-word command ("user" of "user add"). */
static int first_word(const char *w)
{
    for (size_t i = 0; i < NCOMMANDS; i++) {
        const char *space = strchr(commands[i].name, ' ');
        if (space && strncmp(w, commands[i].name, (size_t)(space - commands[i].name)) == 0 &&
            w[space - commands[i].name] == 0)
            return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct options o = {
        "./data", "127.0.0.1:8080", NULL, NULL, 0, 4000, 2019, NULL, NULL, NULL, NULL, 0};
    o.db_check_s = 30;
    if (argc < 2 || strcmp(argv[1], "-h") == 0)
        return cmd_help(&o);
    int words = 1;
    const struct command *c = command_find(argc, argv, &words);
    if (c && c->args == ARGS_OWN)
        return c->main_fn(argc, argv);
    if (c && c->args == ARGS_NONE)
        return c->fn(&o);
    if (c && words == 2) /* options after both words; a mistake is said without the usage */
        return parse_options(argc - 1, argv + 1, &o) != 0 ? 2 : c->fn(&o);
    /* An unknown name's options are read (and refused) first; not those after "user" alone. */
    if (!first_word(argv[1]) && parse_options(argc, argv, &o) != 0) {
        usage(stderr);
        return 2;
    }
    if (c)
        return c->fn(&o);
    fprintf(stderr, "laurel: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
