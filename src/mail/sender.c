/*
 * sender.c — the outbox's sender thread, and the building of the messages
 * it sends; see sender.h.
 *
 * The message is built whole in memory (an invitation is a few hundred
 * bytes): headers in ASCII (the subject as RFC 2047 encoded words), the
 * text/plain body in UTF-8 encoded as base64, so that no line is too long
 * and no byte needs 8BITMIME.  libcurl speaks SMTP, STARTTLS when the
 * server offers it, and dot-stuffing.  The thread owns one curl handle (so
 * a batch reuses its connection); a stop request aborts a transfer under
 * way through the progress callback, and such an aborted attempt is not
 * counted against the message.  A batch is claimed in a write (outbox.h),
 * so that of several nodes one sends each message; what a stop leaves
 * untried is given back.
 */
#include "mail/sender.h"

#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "store/outbox.h"

#define MAIL_BATCH 20 /* messages taken from the outbox at once */
#define MAIL_MAX_BYTES (4u << 20)
#define MAIL_CONNECT_TIMEOUT_S 10L
#define MAIL_TOTAL_TIMEOUT_S 60L
#define MAIL_BACKOFF_CAP_S 3600L
/* A batch claimed is this node's for the time its sending may take at most. */
#define MAIL_LEASE_S (MAIL_BATCH * MAIL_TOTAL_TIMEOUT_S + 60L)
#define MAIL_WORD_BYTES 45 /* raw bytes per encoded word: 60 base64 chars + 12 = 72 */

int mail_address_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    const char *at = n ? strchr(s, '@') : NULL;
    if (n < 3 || n > 254 || !at || at == s || !at[1] || strchr(at + 1, '@'))
        return 0;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c >= 0x7f || strchr("<>()[],;:\\\"", c))
            return 0;
    }
    return 1;
}

/* Append base64 (RFC 4648, padded) of s[0..n). */
static void put_base64(struct buf *out, const unsigned char *s, size_t n)
{
    char tmp[sodium_base64_ENCODED_LEN(57, sodium_base64_VARIANT_ORIGINAL)];
    while (n > 0) {
        size_t k = n < 57 ? n : 57;
        sodium_bin2base64(tmp, sizeof tmp, s, k, sodium_base64_VARIANT_ORIGINAL);
        buf_puts(out, tmp);
        s += k;
        n -= k;
        if (n > 0)
            buf_puts(out, "\r\n");
    }
}

/* Length of the UTF-8 sequence that starts with byte c (1 for a stray byte). */
static size_t seq_len(unsigned char c)
{
    return c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

void mail_encode_words(struct buf *out, const char *text)
{
    size_t n = strlen(text);
    int plain = n <= 900 && !strstr(text, "=?");
    for (size_t i = 0; plain && i < n; i++)
        if ((unsigned char)text[i] < 0x20 || (unsigned char)text[i] > 0x7e)
            plain = 0;
    if (plain) {
        buf_puts(out, text);
        return;
    }
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0;
    while (i < n) {
        /* As many whole characters as fit in one word. */
        size_t k = 0;
        while (i + k < n) {
            size_t l = seq_len(p[i + k]);
            if (i + k + l > n)
                l = n - i - k;
            if (k + l > MAIL_WORD_BYTES)
                break;
            k += l;
        }
        if (i > 0)
            buf_puts(out, "\r\n ");
        buf_puts(out, "=?UTF-8?B?");
        put_base64(out, p + i, k);
        buf_puts(out, "?=");
        i += k;
    }
}

int mail_build(struct buf *out, const struct mail_msg *m)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (!mail_address_ok(m->from) || !mail_address_ok(m->to) || !m->message_id ||
        strpbrk(m->message_id, "<>\r\n \t"))
        return -1;
    struct tm tm;
    gmtime_r(&m->date, &tm);
    buf_printf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday % 7],
               tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
               tm.tm_sec);
    buf_printf(out, "From: %s\r\nTo: %s\r\nSubject: ", m->from, m->to);
    mail_encode_words(out, m->subject ? m->subject : "");
    buf_printf(out, "\r\nMessage-ID: <%s>\r\n", m->message_id);
    buf_puts(out, "MIME-Version: 1.0\r\n"
                  "Content-Type: text/plain; charset=UTF-8\r\n"
                  "Content-Transfer-Encoding: base64\r\n"
                  "Auto-Submitted: auto-generated\r\n"
                  "\r\n");
    /* The body in canonical form (CRLF line ends), then base64 in 76-column lines. */
    struct buf text = BUF_INIT;
    buf_init(&text, MAIL_MAX_BYTES);
    for (const char *p = m->body ? m->body : ""; *p; p++) {
        if (*p == '\r')
            continue;
        if (*p == '\n')
            buf_putc(&text, '\r');
        buf_putc(&text, *p);
    }
    if (text.oom) {
        buf_release(&text);
        return -1;
    }
    put_base64(out, (const unsigned char *)(text.p ? text.p : ""), text.len);
    buf_puts(out, "\r\n");
    buf_release(&text);
    return out->oom ? -1 : 0;
}

long mail_backoff_s(long base_s, int attempts)
{
    long d = base_s > 0 ? base_s : 30;
    for (int i = 1; i < attempts && d < MAIL_BACKOFF_CAP_S; i++)
        d *= 2;
    return d < MAIL_BACKOFF_CAP_S ? d : MAIL_BACKOFF_CAP_S;
}

/* ---------------------------------------------------------------- the thread */

struct mail_sender {
    struct store *st;
    char *url, *from, *domain, *sms_url;
    long retry_base_s;
    pthread_t thread;
    _Atomic int stop;
    int woken; /* under mail_lock */
    CURL *curl;
};

/* One sender per process; mail_wake finds it here. */
static pthread_mutex_t mail_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t mail_cond;
static struct mail_sender *running;

void mail_wake(void)
{
    pthread_mutex_lock(&mail_lock);
    if (running) {
        running->woken = 1;
        pthread_cond_signal(&mail_cond);
    }
    pthread_mutex_unlock(&mail_lock);
}

int mail_active(void)
{
    pthread_mutex_lock(&mail_lock);
    int on = running != NULL;
    pthread_mutex_unlock(&mail_lock);
    return on;
}

struct upload {
    const char *p;
    size_t left;
};

static size_t read_cb(char *dst, size_t size, size_t nitems, void *arg)
{
    struct upload *u = arg;
    size_t n = size * nitems;
    if (n > u->left)
        n = u->left;
    memcpy(dst, u->p, n);
    u->p += n;
    u->left -= n;
    return n;
}

static int progress_cb(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt, (void)dn, (void)ut, (void)un;
    struct mail_sender *s = arg;
    return s->stop ? 1 : 0;
}

/* An error for the outbox row: printable ASCII only (the server's reply may hold anything). */
static void clean_error(char *e)
{
    for (char *p = e; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
            *p = ' ';
}

/* Try to deliver one message; 0 when accepted, else -1 with err filled (1 if aborted). */
static int deliver(struct mail_sender *s, const struct mail_msg *m, char *err, size_t errlen)
{
    struct buf msg = BUF_INIT;
    buf_init(&msg, MAIL_MAX_BYTES);
    if (mail_build(&msg, m) != 0) {
        snprintf(err, errlen, "cannot build the message (bad address or too large)");
        buf_release(&msg);
        return -1;
    }
    char from[300], to[300], ebuf[CURL_ERROR_SIZE] = "";
    snprintf(from, sizeof from, "<%s>", m->from);
    snprintf(to, sizeof to, "<%s>", m->to);
    struct curl_slist *rcpt = curl_slist_append(NULL, to);
    struct upload up = {msg.p, msg.len};
    CURL *c = s->curl;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, s->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(c, CURLOPT_READDATA, &up);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)msg.len);
    curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, MAIL_CONNECT_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, MAIL_TOTAL_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress_cb);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, s);
    CURLcode rc = rcpt ? curl_easy_perform(c) : CURLE_OUT_OF_MEMORY;
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, NULL);
    curl_slist_free_all(rcpt);
    buf_release(&msg);
    if (rc == CURLE_OK)
        return 0;
    if (code > 0)
        snprintf(err, errlen, "%s (SMTP %ld)", ebuf[0] ? ebuf : curl_easy_strerror(rc), code);
    else
        snprintf(err, errlen, "%s", ebuf[0] ? ebuf : curl_easy_strerror(rc));
    clean_error(err);
    return rc == CURLE_ABORTED_BY_CALLBACK ? 1 : -1;
}

static size_t discard_cb(char *p, size_t size, size_t nmemb, void *arg)
{
    (void)p, (void)arg;
    return size * nmemb;
}

/* POST {"phone", "text"} to the SMS gateway; 0 when it answered 2xx, else as deliver. */
static int deliver_sms(struct mail_sender *s, const char *phone, const char *text, char *err,
                       size_t errlen)
{
    if (!s->sms_url) {
        snprintf(err, errlen, "no SMS gateway (serve --sms URL)");
        return -1;
    }
    json_t *o = json_pack("{s:s,s:s}", "phone", phone, "text", text ? text : "");
    char *body = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!body) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char ebuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    CURL *c = s->curl;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, s->sms_url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_cb);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, MAIL_CONNECT_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, MAIL_TOTAL_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress_cb);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, s);
    CURLcode rc = h ? curl_easy_perform(c) : CURLE_OUT_OF_MEMORY;
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(h);
    free(body);
    if (rc == CURLE_OK && code >= 200 && code < 300)
        return 0;
    if (rc == CURLE_OK)
        snprintf(err, errlen, "SMS gateway answered HTTP %ld", code);
    else
        snprintf(err, errlen, "%s", ebuf[0] ? ebuf : curl_easy_strerror(rc));
    clean_error(err);
    return rc == CURLE_ABORTED_BY_CALLBACK ? 1 : -1;
}

struct mark {
    int64_t id;
    const char *error; /* NULL: sent */
    long retry_in_s;
};

static int mark_write(struct store_tx *tx, void *arg)
{
    struct mark *k = arg;
    return k->error ? tx_outbox_failed(tx, k->id, k->error, k->retry_in_s)
                    : tx_outbox_sent(tx, k->id);
}

static int claim_write(struct store_tx *tx, void *arg)
{
    return tx_outbox_claim(tx, MAIL_BATCH, MAIL_LEASE_S, arg);
}

/* The messages of a batch from index from on, not tried: given back to the outbox. */
struct untried {
    json_t *rows;
    size_t from;
};

static int release_write(struct store_tx *tx, void *arg)
{
    struct untried *u = arg;
    int rc = RC_OK;
    for (size_t i = u->from; i < json_array_size(u->rows) && rc == RC_OK; i++)
        rc = tx_outbox_release(
            tx, json_integer_value(json_object_get(json_array_get(u->rows, i), "id")));
    return rc;
}

/* Send the due messages; the number taken, or -1 when the store failed us. */
static int send_batch(struct mail_sender *s)
{
    /* A read first: an idle outbox costs no write. */
    int due = store_outbox_any_due(s->st);
    if (due <= 0)
        return due;
    json_t *rows = NULL;
    if (store_write_sync(s->st, claim_write, &rows) != RC_OK || !rows)
        return -1;
    int taken = (int)json_array_size(rows), failed = 0;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        if (s->stop)
            break;
        int64_t id = json_integer_value(json_object_get(row, "id"));
        int attempts = (int)json_integer_value(json_object_get(row, "attempts"));
        unsigned char rnd[8];
        randombytes_buf(rnd, sizeof rnd);
        char mid[320], err[512] = "";
        snprintf(mid, sizeof mid, "%lld.%lld.%02x%02x%02x%02x%02x%02x%02x%02x@%s",
                 (long long)time(NULL), (long long)id, rnd[0], rnd[1], rnd[2], rnd[3], rnd[4],
                 rnd[5], rnd[6], rnd[7], s->domain);
        struct mail_msg m = {
            .from = s->from,
            .to = json_string_value(json_object_get(row, "to")),
            .subject = json_string_value(json_object_get(row, "subject")),
            .body = json_string_value(json_object_get(row, "body")),
            .date = time(NULL),
            .message_id = mid,
        };
        int rc;
        if (m.to && strncmp(m.to, "sms:", 4) == 0)
            rc = deliver_sms(s, m.to + 4, m.body, err, sizeof err);
        else if (!s->url)
            rc = -1, snprintf(err, sizeof err, "no SMTP server (serve --smtp URL)");
        else
            rc = deliver(s, &m, err, sizeof err);
        if (rc > 0)
            break; /* stopping: this attempt does not count */
        struct mark k = {id, rc == 0 ? NULL : err, mail_backoff_s(s->retry_base_s, attempts + 1)};
        if (rc == 0)
            log_info("mail: message %lld sent", (long long)id);
        else
            log_error("mail: message %lld, attempt %d: %s", (long long)id, attempts + 1, err);
        if (store_write_sync(s->st, mark_write, &k) != RC_OK)
            failed = 1;
    }
    struct untried u = {rows, i};
    if (i < json_array_size(rows) && store_write_sync(s->st, release_write, &u) != RC_OK)
        failed = 1;
    json_decref(rows);
    return failed ? -1 : taken;
}

static void *sender_main(void *arg)
{
    struct mail_sender *s = arg;
    for (;;) {
        int n = send_batch(s);
        pthread_mutex_lock(&mail_lock);
        /* A full batch may leave more due: go on at once; else wait a second or a wake. */
        if (!s->stop && !s->woken && n < MAIL_BATCH) {
            struct timespec t;
            clock_gettime(CLOCK_MONOTONIC, &t);
            t.tv_sec += 1;
            pthread_cond_timedwait(&mail_cond, &mail_lock, &t);
        }
        s->woken = 0;
        int stop = s->stop;
        pthread_mutex_unlock(&mail_lock);
        if (stop)
            break;
    }
    return NULL;
}

static void sender_free(struct mail_sender *s)
{
    if (s->curl)
        curl_easy_cleanup(s->curl);
    free(s->url);
    free(s->sms_url);
    free(s->from);
    free(s->domain);
    free(s);
}

struct mail_sender *mail_sender_start(struct store *st, const struct mail_config *cfg, char *err,
                                      size_t errlen)
{
    if (cfg->sms_url && strncmp(cfg->sms_url, "http://", 7) != 0 &&
        strncmp(cfg->sms_url, "https://", 8) != 0) {
        snprintf(err, errlen, "--sms wants http://HOST[:PORT]/PATH or https://...");
        return NULL;
    }
    if ((!cfg->url && !cfg->sms_url) ||
        (cfg->url && strncmp(cfg->url, "smtp://", 7) != 0 && strncmp(cfg->url, "smtps://", 8))) {
        snprintf(err, errlen, "--smtp wants smtp://HOST[:PORT] or smtps://HOST[:PORT]");
        return NULL;
    }
    if (!mail_address_ok(cfg->from)) {
        snprintf(err, errlen, "--mail-from wants a plain address (name@example.org)");
        return NULL;
    }
    if (running || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "cannot start libcurl");
        return NULL;
    }
    struct mail_sender *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        curl_global_cleanup();
        return NULL;
    }
    s->st = st;
    s->url = cfg->url ? strdup(cfg->url) : NULL;
    s->sms_url = cfg->sms_url ? strdup(cfg->sms_url) : NULL;
    s->from = strdup(cfg->from);
    s->domain = strdup(strchr(cfg->from, '@') + 1);
    s->retry_base_s = cfg->retry_base_s > 0 ? cfg->retry_base_s : 30;
    s->curl = curl_easy_init();
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&mail_cond, &ca);
    pthread_condattr_destroy(&ca);
    if ((cfg->url && !s->url) || (cfg->sms_url && !s->sms_url) || !s->from || !s->domain ||
        !s->curl ||
        pthread_create(&s->thread, NULL, sender_main, s) != 0) {
        snprintf(err, errlen, "cannot start the mail sender");
        pthread_cond_destroy(&mail_cond);
        sender_free(s);
        curl_global_cleanup();
        return NULL;
    }
    pthread_mutex_lock(&mail_lock);
    running = s;
    pthread_mutex_unlock(&mail_lock);
    return s;
}

void mail_sender_stop(struct mail_sender *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&mail_lock);
    s->stop = 1;
    running = NULL;
    pthread_cond_signal(&mail_cond);
    pthread_mutex_unlock(&mail_lock);
    pthread_join(s->thread, NULL);
    pthread_cond_destroy(&mail_cond);
    sender_free(s);
    curl_global_cleanup();
}
