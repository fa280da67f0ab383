/*
 * fuzz_contact.c — libFuzzer target for voters' contacts (src/domain/voter.c).
 *
 * The input is a typed phone number, e-mail address or network address.
 * An accepted phone number is 11 ASCII digits starting with 1 and its mask
 * shows only the first 3 and last 4 of them; an accepted e-mail address is
 * printable ASCII, lower case, with exactly one @ and no space, and its mask
 * holds no character of the local part but the first; an accepted network
 * address gives a prefix ending in /24 or /64 (an IPv4 one as snprintf would
 * write it).  Any broken promise aborts.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/voter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char in[512], out[VOTER_CONTACT_MAX + 1], mask[VOTER_CONTACT_MAX + 8], net[VOTER_NET_MAX];
    if (size >= sizeof in)
        return 0;
    memcpy(in, data, size);
    in[size] = 0;
    if (voter_phone(in, out, sizeof out) == 0) {
        if (strlen(out) != 11 || out[0] != '1' || strspn(out, "0123456789") != 11)
            abort();
        voter_mask(VOTER_PHONE, out, mask, sizeof mask);
        if (strlen(mask) != 11 || memcmp(mask, out, 3) != 0 || memcmp(mask + 3, "****", 4) != 0 ||
            memcmp(mask + 7, out + 7, 4) != 0)
            abort();
    }
    if (voter_email(in, out, sizeof out) == 0) {
        size_t ats = 0;
        for (const char *p = out; *p; p++) {
            if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || isupper((unsigned char)*p))
                abort();
            ats += *p == '@';
        }
        if (ats != 1)
            abort();
        voter_mask(VOTER_EMAIL, out, mask, sizeof mask);
        const char *at = strchr(out, '@');
        if (mask[0] != out[0] || strcmp(strchr(mask, '@'), at) != 0 ||
            strncmp(mask + 1, "***", 3) != 0)
            abort();
    }
    if (voter_net(in, net, sizeof net) == 0) {
        size_t n = strlen(net);
        if (n < 4 || (strcmp(net + n - 3, "/24") != 0 && strcmp(net + n - 3, "/64") != 0))
            abort();
        /* An IPv4 prefix is written by hand: as snprintf would write it. */
        unsigned char a[4];
        char want[VOTER_NET_MAX];
        if (inet_pton(AF_INET, in, a) == 1) {
            snprintf(want, sizeof want, "%u.%u.%u.0/24", a[0], a[1], a[2]);
            if (strcmp(net, want) != 0)
                abort();
        }
    }
    return 0;
}
