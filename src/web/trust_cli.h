/*
 * trust_cli.h — the commands of the audit chain and the signed results:
 * `laurel audit verify`, `laurel publish-statement`, `laurel verify-results`.
 * Each parses its own arguments (main.c's command table, ARGS_OWN) and
 * answers 0 (all is well), 1 (broken, refused or failed) or 2 (usage).
 */
#ifndef LAUREL_WEB_TRUST_CLI_H
#define LAUREL_WEB_TRUST_CLI_H

#include <stdint.h>

#include "store/store.h"

int audit_verify_main(int argc, char **argv);
int publish_statement_main(int argc, char **argv);
int verify_results_main(int argc, char **argv);

/* Issue a statement of the public campaign when it is published (the demo does): 0 or -1. */
int trust_issue_statement(struct store *st, int64_t *id);

#endif
