/*
 * test_merkle.c — Merkle roots (domain/merkle.h) against hashes computed
 * independently from the rules (SHA-256, 0x00 leaves, 0x01 nodes, an odd
 * last hash carried up), and the properties the audit chain relies on: a
 * changed, removed or reordered leaf changes the root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "domain/merkle.h"

static void root_hex(unsigned char (*l)[MERKLE_BYTES], size_t n, char out[MERKLE_HEX])
{
    unsigned char r[MERKLE_BYTES];
    merkle_root(l, n, r);
    merkle_hex(r, out);
}

static void leaves3(unsigned char l[3][MERKLE_BYTES], const char *a, const char *b, const char *c)
{
    merkle_leaf(a, strlen(a), l[0]);
    merkle_leaf(b, strlen(b), l[1]);
    merkle_leaf(c, strlen(c), l[2]);
}

static void test_known_roots(void **state)
{
    (void)state;
    unsigned char l[3][MERKLE_BYTES];
    char hex[MERKLE_HEX];
    merkle_leaf("a", 1, l[0]);
    merkle_hex(l[0], hex);
    assert_string_equal(hex, "022a6979e6dab7aa5ae4c3e5e45f7e977112a7e63593820dbec1ec738a24f93c");
    root_hex(l, 1, hex); /* one leaf: the root is the leaf */
    assert_string_equal(hex, "022a6979e6dab7aa5ae4c3e5e45f7e977112a7e63593820dbec1ec738a24f93c");
    leaves3(l, "a", "b", "c");
    root_hex(l, 2, hex);
    assert_string_equal(hex, "b137985ff484fb600db93107c77b0365c80d78f5b429ded0fd97361d077999eb");
    leaves3(l, "a", "b", "c");
    root_hex(l, 3, hex); /* c carried up, then hashed with the node of a and b */
    assert_string_equal(hex, "36642e73c2540ab121e3a6bf9545b0a24982cd830eb13d3cd19de3ce6c021ec1");
    root_hex(l, 0, hex);
    assert_string_equal(hex, "0000000000000000000000000000000000000000000000000000000000000000");
}

static void test_any_change_changes_the_root(void **state)
{
    (void)state;
    unsigned char l[3][MERKLE_BYTES];
    char base[MERKLE_HEX], other[MERKLE_HEX];
    leaves3(l, "1|2|3", "4|5|6", "7|8|9");
    root_hex(l, 3, base);
    leaves3(l, "1|2|3", "4|5|7", "7|8|9"); /* changed */
    root_hex(l, 3, other);
    assert_string_not_equal(base, other);
    leaves3(l, "1|2|3", "7|8|9", "4|5|6"); /* reordered */
    root_hex(l, 3, other);
    assert_string_not_equal(base, other);
    leaves3(l, "1|2|3", "4|5|6", "7|8|9"); /* removed */
    root_hex(l, 2, other);
    assert_string_not_equal(base, other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_roots),
        cmocka_unit_test(test_any_change_changes_the_root),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
