/*
 * test_sha256.c — core/sha256.h against libsodium's crypto_hash_sha256:
 * every length from 0 to three blocks and some longer, whole and fed in
 * pieces of every size from 1 to 70 bytes, with the processor's SHA
 * instructions (where it has them) and with the portable code; and the
 * FIPS 180-4 examples.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "core/sha256.h"

static unsigned char data[1000];

static int setup(void **state)
{
    (void)state;
    if (sodium_init() < 0)
        return -1;
    randombytes_buf(data, sizeof data);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sha256_force_portable(0);
    return 0;
}

/* Every length and split against libsodium, with the current block function. */
static void against_sodium(void)
{
    for (size_t len = 0; len <= sizeof data; len += len < 200 ? 1 : 97) {
        unsigned char want[SHA256_BYTES], got[SHA256_BYTES];
        crypto_hash_sha256(want, data, len);
        sha256(got, data, len);
        assert_memory_equal(got, want, SHA256_BYTES);
        for (size_t piece = 1; piece <= 70 && len <= 200; piece++) {
            struct sha256 s;
            sha256_init(&s);
            for (size_t at = 0; at < len; at += piece)
                sha256_update(&s, data + at, len - at < piece ? len - at : piece);
            sha256_final(&s, got);
            assert_memory_equal(got, want, SHA256_BYTES);
        }
    }
}

static void test_as_sodium(void **state)
{
    (void)state;
    sha256_force_portable(0);
    against_sodium();
}

static void test_portable_as_sodium(void **state)
{
    (void)state;
    sha256_force_portable(1);
    assert_int_equal(sha256_accelerated(), 0);
    against_sodium();
    sha256_force_portable(0);
}

static void test_fips_examples(void **state)
{
    (void)state;
    static const struct {
        const char *in, *hex;
    } cases[] = {
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    for (int portable = 0; portable < 2; portable++) {
        sha256_force_portable(portable);
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            unsigned char h[SHA256_BYTES];
            char hex[2 * SHA256_BYTES + 1];
            sha256(h, cases[i].in, strlen(cases[i].in));
            sodium_bin2hex(hex, sizeof hex, h, sizeof h);
            assert_string_equal(hex, cases[i].hex);
        }
    }
    sha256_force_portable(0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_as_sodium),
        cmocka_unit_test(test_portable_as_sodium),
        cmocka_unit_test(test_fips_examples),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
