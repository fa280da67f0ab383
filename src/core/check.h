/*
 * check.h — CHECK(cond): the invariants that comments state, checked.
 *
 * SQLite's assert() culture with one difference: a CHECK does not vanish
 * when NDEBUG is defined.  The release build that `make run` makes, the unit
 * tests and the binary the end-to-end suite drives are all built with
 * NDEBUG (b_ndebug), and an invariant that holds only where nobody tests it
 * is a comment, not a check.  A failed CHECK logs "CHECK failed" with the
 * file, line, function and the condition's text to stderr and aborts: the
 * state it guards is already wrong, and going on would write wrong data or
 * answer wrongly.  A CHECK is for what the code itself guarantees, never for
 * input: bad input gets an error code, as everywhere else.
 *
 * Defining LAUREL_NO_CHECKS turns every CHECK into nothing (the condition
 * is not evaluated, so it must have no side effects).  No build defines it:
 * the checks cost nothing measurable (docs/BENCHMARKS.md, "Checks").
 */
#ifndef LAUREL_CHECK_H
#define LAUREL_CHECK_H

#ifdef LAUREL_NO_CHECKS
#define CHECK(cond) ((void)sizeof(!(cond)))
#else
#define CHECK(cond)                                                                                \
    (__builtin_expect(!!(cond), 1) ? (void)0 : check_failed(__FILE__, __LINE__, __func__, #cond))
#endif

/* Log the failed check (file:line, function, condition) to stderr and abort. */
void check_failed(const char *file, int line, const char *func, const char *cond)
    __attribute__((noreturn, cold));

#endif
