/*
 * voter.h — who a public voter is, without keeping who they are: a phone
 * number or an e-mail address normalised to one spelling, its keyed hash
 * (HMAC-SHA256 with the installation's secret) that the store keeps in its
 * place, the masked form shown to people (138****8000), the network prefix
 * a vote is counted under (/24 of IPv4, /64 of IPv6), and the one-time
 * code's digits and digest.  Pure functions over libsodium; no I/O.
 */
#ifndef LAUREL_VOTER_H
#define LAUREL_VOTER_H

#include <stddef.h>

#define VOTER_SECRET_BYTES 32
#define VOTER_HEX 65    /* a SHA-256 in hex, with its NUL */
#define VOTER_CONTACT_MAX 255
#define VOTER_NET_MAX 48

enum voter_kind { VOTER_PHONE, VOTER_EMAIL };

/*
 * Normalise a mainland mobile number: spaces and dashes dropped, +86 / 0086
 * / 86 before it dropped (any other + country code refused); 11 digits
 * starting with 1.  0, or -1 when it is
 * not one; out holds at least 12 bytes.
 */
int voter_phone(const char *in, char *out, size_t n);
/* Normalise an e-mail address (trimmed, lower-cased, one @, no spaces): 0 or -1. */
int voter_email(const char *in, char *out, size_t n);
/* The masked form of a normalised contact: 138****8000, a***@example.org. */
void voter_mask(enum voter_kind kind, const char *contact, char *out, size_t n);
/* HMAC-SHA256(key, kind ':' contact) in hex into out[VOTER_HEX]. */
void voter_hmac(const unsigned char key[VOTER_SECRET_BYTES], enum voter_kind kind,
                const char *contact, char out[VOTER_HEX]);
/* HMAC-SHA256(key, a '|' b) in hex (a code's digest: the contact's hash and the code). */
void voter_digest(const unsigned char key[VOTER_SECRET_BYTES], const char *a, const char *b,
                  char out[VOTER_HEX]);
/* SHA-256 of s in hex (a token as stored). */
void voter_sha256(const char *s, char out[VOTER_HEX]);
/* SHA-256 of a user agent in hex, as voter_sha256, the last few of each thread kept. */
void voter_ua_hash(const char *ua, char out[VOTER_HEX]);
/* Six random digits, NUL-terminated, into out[7]. */
void voter_code(char out[7]);
/* A random token of 43 URL-safe characters into out[44]. */
void voter_token(char out[44]);
/* The network prefix of a textual address: "203.0.113.0/24", "2001:db8:1:2::/64"; 0, or -1
 * (not an address, or out too short for it). */
int voter_net(const char *ip, char *out, size_t n);

/*
 * A normalised phone number's place for the fraud rule on consecutive
 * numbers: HMAC(key, "block" '|' its first seven digits) in hex into out
 * (numbers one apart share it), and its last four digits as the answer.
 */
int voter_block(const unsigned char key[VOTER_SECRET_BYTES], const char *phone,
                char out[VOTER_HEX]);

/* Today's date in Beijing (UTC+8), YYYY-MM-DD: the day a vote counts on. */
void voter_today(char out[11]);
/* The Beijing date of unix time t (0: now). */
void voter_day(long long t, char out[11]);

#endif
