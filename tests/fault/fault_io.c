/*
 * fault_io.c — an LD_PRELOAD shim that makes the database's writes and syncs
 * fail on demand, for tests/e2e/test_faults.py (fault injection, as SQLite's
 * own tests do with their VFS shims).
 *
 * While the file named by $LAUREL_FAULT_FILE exists, every write, pwrite,
 * fsync and fdatasync on a file whose name contains "laurel.db" fails with
 * the errno the file names ("EIO" or "ENOSPC"; EIO otherwise); when it names
 * "READ", every read and pread of those files fails with EIO instead (a bad
 * sector); when it names "SLOW", every read of those files succeeds but only
 * after 5 ms (a disk that is slow, not failing: a full start-up check of the
 * demo's database would then take minutes, far past its bound).  Everything
 * else goes through untouched.  Built by the test with the system compiler.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* The errno to fail fd's call with (a read if reading), or 0 to let it through. */
static int fault_for(int fd, int reading)
{
    static __thread int inside; /* reading the trigger file reads too */
    const char *trigger = getenv("LAUREL_FAULT_FILE");
    if (!trigger || inside)
        return 0;
    inside = 1;
    FILE *f = fopen(trigger, "r");
    char kind[16] = "";
    if (f && !fgets(kind, sizeof kind, f))
        kind[0] = 0;
    if (f)
        fclose(f);
    inside = 0;
    if (!f)
        return 0;
    char link[64], path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n <= 0)
        return 0;
    path[n] = 0;
    if (!strstr(path, "laurel.db"))
        return 0;
    if (strncmp(kind, "SLOW", 4) == 0) {
        if (reading)
            nanosleep(&(struct timespec){0, 5000000}, NULL);
        return 0;
    }
    if ((strncmp(kind, "READ", 4) == 0) != reading)
        return 0;
    return strncmp(kind, "ENOSPC", 6) == 0 ? ENOSPC : EIO;
}

#define NEXT(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

ssize_t write(int fd, const void *buf, size_t n)
{
    int e = fault_for(fd, 0);
    if (e) {
        errno = e;
        return -1;
    }
    return NEXT(write)(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    int e = fault_for(fd, 0);
    if (e) {
        errno = e;
        return -1;
    }
    return NEXT(pwrite)(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
    int e = fault_for(fd, 0);
    if (e) {
        errno = e;
        return -1;
    }
    return NEXT(pwrite64)(fd, buf, n, off);
}

int fsync(int fd)
{
    int e = fault_for(fd, 0);
    if (e) {
        errno = e;
        return -1;
    }
    return NEXT(fsync)(fd);
}

int fdatasync(int fd)
{
    int e = fault_for(fd, 0);
    if (e) {
        errno = e;
        return -1;
    }
    return NEXT(fdatasync)(fd);
}

ssize_t read(int fd, void *buf, size_t n)
{
    int e = fault_for(fd, 1);
    if (e) {
        errno = e;
        return -1;
    }
    return NEXT(read)(fd, buf, n);
}

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
    int e = fault_for(fd, 1);
    if (e) {
        errno = e;
        return -1;
    }
    return NEXT(pread)(fd, buf, n, off);
}

ssize_t pread64(int fd, void *buf, size_t n, off_t off)
{
    int e = fault_for(fd, 1);
    if (e) {
        errno = e;
        return -1;
    }
    return NEXT(pread64)(fd, buf, n, off);
}
