/*
 * test_check.c — unit tests for CHECK (src/core/check.h, check.c).
 *
 * A CHECK that holds does nothing and evaluates its condition once; one that
 * fails aborts the process after naming file:line, the function and the
 * condition on stderr.  The failing case runs in a child process (fork), whose
 * stderr goes to a pipe the parent reads; the parent asserts SIGABRT and the
 * exact line.  These tests are built with NDEBUG like every test here, which
 * is the point: a CHECK must not vanish with assert().
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/check.h"

static int calls;

static int counted(int v)
{
    calls++;
    return v;
}

static void test_holds(void **state)
{
    (void)state;
    calls = 0;
    CHECK(counted(1));
    CHECK(counted(2) == 2);
    assert_int_equal(calls, 2); /* once each, neither skipped nor repeated */
}

static void fail_here(void)
{
    volatile int x = 3;
    CHECK(x == 4);
}
static const int check_line = __LINE__ - 2; /* the CHECK above */

static void test_fails_and_aborts(void **state)
{
    (void)state;
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fd[1], 2);
        close(fd[0]);
        close(fd[1]);
        fail_here();
        _exit(0); /* only if CHECK did not abort */
    }
    close(fd[1]);
    char err[1024];
    size_t n = 0;
    ssize_t k;
    while (n < sizeof err - 1 && (k = read(fd[0], err + n, sizeof err - 1 - n)) > 0)
        n += (size_t)k;
    err[n] = 0;
    close(fd[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
    char want[512];
    snprintf(want, sizeof want, "CHECK failed: %s:%d: fail_here: x == 4", __FILE__, check_line);
    if (!strstr(err, want))
        fail_msg("stderr should hold \"%s\"; it held \"%s\"", want, err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_holds),
        cmocka_unit_test(test_fails_and_aborts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
