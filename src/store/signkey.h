/*
 * signkey.h — the installation's Ed25519 key pair, which signs results
 * statements (statement.h).  It lives in the data folder beside the
 * database: signing.key (the 64-byte secret key, mode 0600) and
 * signing.pub (the public key in base64, one line, for anyone).  The store
 * makes it when the folder has none (at `laurel init`, the demo, or the
 * first start) and keeps it for the process's life.
 */
#ifndef LAUREL_STORE_SIGNKEY_H
#define LAUREL_STORE_SIGNKEY_H

#include <stddef.h>

#define SIGNKEY_PUBLIC_BYTES 32
#define SIGNKEY_SECRET_BYTES 64
#define SIGNKEY_SIG_BYTES 64
/* Base64 (standard, padded) of the public key and of a signature, with their NUL. */
#define SIGNKEY_PUBLIC_B64 45
#define SIGNKEY_SIG_B64 89

struct signkey {
    unsigned char pk[SIGNKEY_PUBLIC_BYTES];
    unsigned char sk[SIGNKEY_SECRET_BYTES];
};

/* Load dir's key pair, making it first when there is none: 0, or -1 with err. */
int signkey_load(const char *dir, struct signkey *k, char *err, size_t errlen);

/* The base64 of a public key; and its bytes back from base64 text (0, or -1 if it is not one). */
void signkey_public_b64(const unsigned char pk[SIGNKEY_PUBLIC_BYTES], char out[SIGNKEY_PUBLIC_B64]);
int signkey_public_parse(const char *b64, unsigned char pk[SIGNKEY_PUBLIC_BYTES]);

/* Sign msg: the signature in base64. */
void signkey_sign(const struct signkey *k, const void *msg, size_t len, char out[SIGNKEY_SIG_B64]);
/* 1 if sig_b64 is pk's signature of msg. */
int signkey_check(const unsigned char pk[SIGNKEY_PUBLIC_BYTES], const void *msg, size_t len,
                  const char *sig_b64);

#endif
