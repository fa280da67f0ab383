/*
 * signkey.c — the installation's Ed25519 key files (signkey.h), with libsodium.
 */
#include "store/signkey.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Read exactly n bytes of path: 0, 1 when it does not exist, -1 otherwise. */
static int read_file(const char *path, void *buf, size_t n, size_t *got)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 1 : -1;
    ssize_t r = read(fd, buf, n);
    close(fd);
    if (r < 0)
        return -1;
    *got = (size_t)r;
    return 0;
}

/* Write buf to path (created with mode, synced, renamed into place): 0 or -1. */
static int write_file(const char *path, const void *buf, size_t n, mode_t mode)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return -1;
    int ok = write(fd, buf, n) == (ssize_t)n && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

int signkey_load(const char *dir, struct signkey *k, char *err, size_t errlen)
{
    char key[4096], pub[4096];
    snprintf(key, sizeof key, "%s/signing.key", dir);
    snprintf(pub, sizeof pub, "%s/signing.pub", dir);
    if (sodium_init() < 0) {
        snprintf(err, errlen, "libsodium failed to start");
        return -1;
    }
    size_t got = 0;
    int rc = read_file(key, k->sk, sizeof k->sk, &got);
    if (rc == 0 && got == sizeof k->sk) {
        crypto_sign_ed25519_sk_to_pk(k->pk, k->sk);
    } else if (rc == 1) {
        crypto_sign_keypair(k->pk, k->sk);
        if (write_file(key, k->sk, sizeof k->sk, 0600) != 0) {
            snprintf(err, errlen, "cannot write the signing key %s: %s", key, strerror(errno));
            return -1;
        }
    } else {
        snprintf(err, errlen, "the signing key %s cannot be read or is not 64 bytes", key);
        return -1;
    }
    /* The public half, for anyone: written again whenever it is missing or differs. */
    char b64[SIGNKEY_PUBLIC_B64 + 1], have[SIGNKEY_PUBLIC_B64 + 1] = "";
    signkey_public_b64(k->pk, b64);
    strcat(b64, "\n");
    if (read_file(pub, have, sizeof have - 1, &got) != 0 || got != strlen(b64) ||
        memcmp(have, b64, got) != 0) {
        if (write_file(pub, b64, strlen(b64), 0644) != 0) {
            snprintf(err, errlen, "cannot write the public key %s: %s", pub, strerror(errno));
            return -1;
        }
    }
    return 0;
}

void signkey_public_b64(const unsigned char pk[SIGNKEY_PUBLIC_BYTES], char out[SIGNKEY_PUBLIC_B64])
{
    sodium_bin2base64(out, SIGNKEY_PUBLIC_B64, pk, SIGNKEY_PUBLIC_BYTES,
                      sodium_base64_VARIANT_ORIGINAL);
}

int signkey_public_parse(const char *b64, unsigned char pk[SIGNKEY_PUBLIC_BYTES])
{
    size_t n = 0;
    const char *end;
    if (sodium_base642bin(pk, SIGNKEY_PUBLIC_BYTES, b64, strlen(b64), " \t\r\n", &n, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        n != SIGNKEY_PUBLIC_BYTES || *end)
        return -1;
    return 0;
}

void signkey_sign(const struct signkey *k, const void *msg, size_t len, char out[SIGNKEY_SIG_B64])
{
    unsigned char sig[SIGNKEY_SIG_BYTES];
    crypto_sign_detached(sig, NULL, msg, len, k->sk);
    sodium_bin2base64(out, SIGNKEY_SIG_B64, sig, sizeof sig, sodium_base64_VARIANT_ORIGINAL);
}

int signkey_check(const unsigned char pk[SIGNKEY_PUBLIC_BYTES], const void *msg, size_t len,
                  const char *sig_b64)
{
    unsigned char sig[SIGNKEY_SIG_BYTES];
    size_t n = 0;
    const char *end;
    if (sodium_base642bin(sig, sizeof sig, sig_b64, strlen(sig_b64), NULL, &n, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        n != sizeof sig || *end)
        return 0;
    return crypto_sign_verify_detached(sig, msg, len, pk) == 0;
}
