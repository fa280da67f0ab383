/*
 * trust_cli.h — the commands of the audit chain and the signed results:
 * `laurel audit verify`, `laurel publish-statement`, `laurel verify-results`.
 * Each parses its own arguments (main.c's command table, ARGS_OWN) and
 * answers 0 (all is well), 1 (broken, refused or failed) or 2 (usage).
 */
#ifndef LAUREL_WEB_TRUST_CLI_H
#define LAUREL_WEB_TRUST_CLI_H

int audit_verify_main(int argc, char **argv);

#endif
