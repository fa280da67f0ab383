/*
 * mhd_floor.c — libmicrohttpd alone, serving files from memory: the floor
 * under any page laurel serves (bench/ceiling.sh).
 *
 * It runs libmicrohttpd the way src/http/server.c does (poll, a pool of
 * THREADS threads, 32 KiB of memory per connection) and answers GET /p/NAME
 * with the bytes of DIR/NAME, read once at start.  Each answer copies the
 * bytes into a buffer of its own, as a page-cache hit copies its page, and
 * is queued on the handler's second call, as laurel's are.  Nothing else:
 * no routing, no framing guard, no view counted, no headers but the type.
 * What laurel costs above this program is its own request path.
 *
 *   mhd_floor PORT THREADS DIR      (stops on SIGTERM or SIGINT)
 */
#include <dirent.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_FILES 16

struct file {
    char name[64];
    char *bytes;
    size_t len;
};

static struct file files[MAX_FILES];
static int nfiles;

static int load(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    for (struct dirent *e; (e = readdir(d)) && nfiles < MAX_FILES;) {
        if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof files[0].name)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        struct file *fl = &files[nfiles];
        if (fseek(f, 0, SEEK_END) == 0 && (fl->len = (size_t)ftell(f)) > 0 &&
            fseek(f, 0, SEEK_SET) == 0 && (fl->bytes = malloc(fl->len)) &&
            fread(fl->bytes, 1, fl->len, f) == fl->len) {
            strcpy(fl->name, e->d_name);
            nfiles++;
        }
        fclose(f);
    }
    closedir(d);
    return nfiles ? 0 : -1;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_len, void **state)
{
    static int seen;
    (void)cls, (void)method, (void)version, (void)upload, (void)upload_len;
    if (!*state) {
        *state = &seen;
        return MHD_YES;
    }
    const struct file *fl = NULL;
    if (strncmp(url, "/p/", 3) == 0)
        for (int i = 0; i < nfiles && !fl; i++)
            if (strcmp(files[i].name, url + 3) == 0)
                fl = &files[i];
    size_t len = fl ? fl->len : 0;
    char *body = malloc(len ? len : 1);
    if (!body)
        return MHD_NO;
    if (fl)
        memcpy(body, fl->bytes, len);
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "text/html; charset=utf-8");
    enum MHD_Result ret = MHD_queue_response(conn, fl ? MHD_HTTP_OK : MHD_HTTP_NOT_FOUND, r);
    MHD_destroy_response(r);
    return ret;
}

int main(int argc, char **argv)
{
    if (argc != 4 || load(argv[3]) != 0) {
        fprintf(stderr, "usage: mhd_floor PORT THREADS DIR (DIR holding the files to serve)\n");
        return 2;
    }
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL); /* the daemon's threads inherit the mask */
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, (uint16_t)atoi(argv[1]), NULL, NULL,
        answer, NULL, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)atoi(argv[2]),
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32u << 10), MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "mhd_floor: cannot listen on port %s\n", argv[1]);
        return 1;
    }
    int sig;
    sigwait(&stop, &sig);
    MHD_stop_daemon(d);
    return 0;
}
