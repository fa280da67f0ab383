/*
 * sender.h — delivering the outbox by SMTP.
 *
 * Every message Laurel sends is first a row of the outbox table, written in
 * the same transaction as whatever caused it (an invitation, a reset).  The
 * sender is one thread that, once a second or when woken, takes the due
 * rows (store/outbox.h), turns each into an RFC 5322 message (mail_build,
 * a pure function) and hands it to an SMTP server with libcurl.  A
 * delivered row gets its sent_at; a failed one its error and a next attempt
 * later and later (mail_backoff_s), until OUTBOX_MAX_ATTEMPTS.  Without a
 * sender (no --smtp), rows simply wait in the outbox, where organisers see
 * them.
 */
#ifndef LAUREL_SENDER_H
#define LAUREL_SENDER_H

#include <time.h>

#include "core/buf.h"
#include "store/store.h"

/* A message to build; every string UTF-8 and NUL-terminated. */
struct mail_msg {
    const char *from;       /* bare address: name@example.org */
    const char *to;         /* bare address */
    const char *subject;    /* any text; encoded as RFC 2047 words when not plain ASCII */
    const char *body;       /* plain text, lines ending in \n or \r\n */
    time_t date;            /* for the Date header */
    const char *message_id; /* without the angle brackets: left@domain */
};

/* 1 if s is an address we put in a header: ASCII, one '@', no space or specials. */
int mail_address_ok(const char *s);

/*
 * Append to out an encoded header value for text: itself when it is short
 * printable ASCII, else RFC 2047 "=?UTF-8?B?...?=" words of at most 75
 * characters, split between UTF-8 characters and folded with CRLF + space.
 */
void mail_encode_words(struct buf *out, const char *text);

/*
 * Append to out the whole message m (headers and a base64 text/plain
 * body, CRLF line ends) as it goes on the wire.  Returns 0, or -1 when an
 * address is not mail_address_ok or out ran out of room.
 */
int mail_build(struct buf *out, const struct mail_msg *m);

/* Seconds to wait after the attempts-th failure (1, 2, ...): base x 2^(n-1), at most 1 h. */
long mail_backoff_s(long base_s, int attempts);

struct mail_config {
    const char *url;   /* smtp://host:port or smtps://...; user:password@ may come before host */
    const char *from;  /* the envelope and header sender */
    long retry_base_s; /* the first retry's delay; 0 means 30 */
    /*
     * The SMS gateway (http:// or https://), or NULL: a row addressed
     * "sms:<phone>" is POSTed there as {"phone": ..., "text": ...} and is
     * sent when the gateway answers 2xx.  Either url or sms_url may be NULL.
     */
    const char *sms_url;
};

struct mail_sender;

/*
 * Start the sender thread on st (which must outlive it).  cfg's strings
 * are copied.  Returns the sender (stop it with mail_sender_stop), or NULL
 * with err set.  One sender per process.
 */
struct mail_sender *mail_sender_start(struct store *st, const struct mail_config *cfg, char *err,
                                      size_t errlen);
/* Ask the thread to stop (a transfer under way is aborted), wait for it, free s. */
void mail_sender_stop(struct mail_sender *s);
/* Wake the running sender, if any, to look at the outbox now (any thread). */
void mail_wake(void);
/* 1 if a sender is running (messages leave the outbox), else 0. */
int mail_active(void);

#endif
