/* Writing result files safely (docs/reliability.md): what may be replaced,
 * temporaries that cannot be redirected, one writer per output, and the
 * final fsync + rename. Shared by run, sweep, merge and sensitivity. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "h5util.h"
#include "internal.h"

static const char *kind_of(mode_t m)
{
    return S_ISDIR(m) ? "a directory" : S_ISCHR(m) ? "a character device"
           : S_ISBLK(m) ? "a block device" : S_ISFIFO(m) ? "a FIFO" : S_ISSOCK(m) ? "a socket"
           : "not a regular file";
}

ps_status ps_out_check(const char *path, const char *const *inputs, int n_inputs, ps_error *err)
{
    struct stat st, in;
    if (stat(path, &st) != 0)
        return PS_OK; /* absent (or a dangling link, which the rename replaces) */
    if (!S_ISREG(st.st_mode))
        return ps_error_set(err, PS_ERR_EXISTS, "%s: is %s; pactsim replaces only regular "
                            "files, with --force or not; expected the name of a file to write",
                            path, kind_of(st.st_mode));
    for (int k = 0; k < n_inputs; k++) {
        const char *p = inputs[k];
        while (p && *p) { /* a newline-separated list */
            size_t len = strcspn(p, "\n");
            char name[4096];
            snprintf(name, sizeof name, "%.*s", (int)len, p);
            if (stat(name, &in) == 0 && in.st_dev == st.st_dev && in.st_ino == st.st_ino)
                return ps_error_set(err, PS_ERR_USAGE, "%s: is also an input of this command "
                                    "(%s); expected an output that is none of its inputs",
                                    path, name);
            p += len + (p[len] == '\n');
        }
    }
    return PS_OK;
}

int ps_out_create_excl(const char *path)
{
    /* The name holds our pid: what is there is a leftover of a process that
     * had our pid, or planted. unlink removes a link, never its target. */
    unlink(path);
    return open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
}

/* The directory of path into buf. */
static void dir_of(const char *path, char *buf, size_t len)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(buf, len, ".");
    else if (slash == path)
        snprintf(buf, len, "/");
    else
        snprintf(buf, len, "%.*s", (int)(slash - path), path);
}

/* Whether s is "<digits>" (a pid), at most 9 of them: its value, else 0. */
static long pid_in(const char *s, size_t len)
{
    if (!len || len > 9 || strspn(s, "0123456789") < len)
        return 0;
    return atol(s);
}

static int dead(long pid)
{
    return pid > 0 && pid != (long)getpid() && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

void ps_out_remove_stale(const char *path, const char *tag)
{
    char d[4096];
    dir_of(path, d, sizeof d);
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t bl = strlen(base), tl = strlen(tag);
    DIR *dp = opendir(d);
    struct dirent *e;
    while (dp && (e = readdir(dp))) {
        const char *n = e->d_name;
        if (strncmp(n, base, bl) || strncmp(n + bl, tag, tl))
            continue;
        /* "<pid>", or "<pid>.tmp.<pid>" (a temporary of a temporary) */
        const char *p = n + bl + tl, *t = strstr(p, ".tmp.");
        size_t len = t ? (size_t)(t - p) : strlen(p);
        long pid = pid_in(p, len), pid2 = t ? pid_in(t + 5, strlen(t + 5)) : pid;
        if (!dead(pid) || !dead(pid2))
            continue;
        char full[8192];
        snprintf(full, sizeof full, "%s/%s", d, n);
        unlink(full);
    }
    if (dp)
        closedir(dp);
}

ps_status ps_out_lock(const char *path, int wait_s, int *fd_out, ps_error *err)
{
    *fd_out = -1;
    int polls = wait_s * 10; /* every 0.1 s */
    char lock[4096];
    if (snprintf(lock, sizeof lock, "%s.lock", path) >= (int)sizeof lock)
        return ps_error_set(err, PS_ERR_USAGE, "%s: name too long", path);
    for (int tries = 0; tries < 100; tries++) {
        int fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0666);
        struct stat a, b;
        if (fd < 0 || fstat(fd, &a) < 0 || !S_ISREG(a.st_mode)) {
            ps_status s = fd < 0 ? ps_error_set(err, PS_ERR_IO, "%s: cannot open the lock "
                                                "file: %s", lock, strerror(errno))
                                 : ps_error_set(err, PS_ERR_EXISTS, "%s: is not a lock file "
                                                "(not a regular file); remove it", lock);
            if (fd >= 0)
                close(fd);
            return s;
        }
        int locked;
        while ((locked = flock(fd, LOCK_EX | LOCK_NB)) < 0 && errno == EWOULDBLOCK && polls > 0) {
            struct timespec ts = {0, 100000000};
            nanosleep(&ts, NULL);
            polls--;
        }
        if (locked < 0) {
            int e = errno;
            char who[32] = "";
            ssize_t k = pread(fd, who, sizeof who - 1, 0);
            who[k > 0 ? k : 0] = '\0';
            who[strcspn(who, "\n")] = '\0';
            close(fd);
            if (e != EWOULDBLOCK)
                return ps_error_set(err, PS_ERR_IO, "%s: cannot lock: %s", lock, strerror(e));
            return ps_error_set(err, PS_ERR_EXISTS, "%s: another pactsim process%s%s%s is "
                                "writing this output (it holds %s); wait for it to finish or "
                                "stop it first (--force does not override a running process)",
                                path, who[0] ? " (pid " : "", who, who[0] ? ")" : "", lock);
        }
        /* The holder before us may have removed the file after we opened
         * it: the lock counts only on the file that has the name now. */
        if (stat(lock, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
            char pid[32];
            int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
            if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
                /* only the message's pid is lost */
            }
            *fd_out = fd;
            return PS_OK;
        }
        close(fd);
    }
    return ps_error_set(err, PS_ERR_IO, "%s.lock: cannot lock: the file keeps changing", path);
}

void ps_out_unlock(const char *path, int fd)
{
    if (fd < 0)
        return;
    char lock[4096];
    snprintf(lock, sizeof lock, "%s.lock", path);
    unlink(lock); /* while held: a waiting process then retries on a new file */
    close(fd);
}

/* "FILE.h5" -> "FILE.<n>.h5"; other names get ".<n>" appended. */
static void numbered(const char *path, int n, char *buf, size_t len)
{
    size_t pl = strlen(path);
    if (pl > 3 && !strcmp(path + pl - 3, ".h5"))
        snprintf(buf, len, "%.*s.%d.h5", (int)(pl - 3), path, n);
    else
        snprintf(buf, len, "%s.%d", path, n);
}

ps_status ps_out_publish(const char *tmp, const char *final, int keep_old, char *kept,
                         size_t kept_len, ps_error *err)
{
    if (kept && kept_len)
        kept[0] = '\0';
    if (ps_fsync_path(tmp, 0) != PS_OK)
        return ps_error_set(err, PS_ERR_IO, "%s: cannot sync %s: %s", final, tmp,
                            strerror(errno));
    struct stat st;
    char old[4096] = "";
    if (keep_old && lstat(final, &st) == 0) {
        /* A second name for the old file first (link fails if the name is
         * taken, so nothing is overwritten); the rename then replaces only
         * the old name. */
        int n = 1, rc = -1;
        for (; n <= 9999; n++) {
            numbered(final, n, old, sizeof old);
            if ((rc = link(final, old)) == 0 || errno != EEXIST)
                break;
        }
        if (rc != 0)
            return ps_error_set(err, PS_ERR_IO, "%s: exists and cannot be kept as %s: %s",
                                final, old, strerror(errno));
    }
    if (rename(tmp, final) < 0) {
        ps_status s = ps_error_set(err, PS_ERR_IO, "%s: cannot rename %s to it: %s", final,
                                   tmp, strerror(errno));
        if (old[0]) /* the old file keeps its one name */
            unlink(old);
        return s;
    }
    if (kept && old[0])
        snprintf(kept, kept_len, "%s", old);
    char d[4096];
    dir_of(final, d, sizeof d);
    if (ps_fsync_path(d, 1) != PS_OK) /* the new file is complete, but maybe not durable */
        return ps_error_set(err, PS_ERR_IO, "%s: written, but cannot sync its directory %s: %s",
                            final, d, strerror(errno));
    return PS_OK;
}

uint64_t ps_out_free_bytes(const char *path)
{
    char d[4096];
    dir_of(path, d, sizeof d);
    struct statvfs v;
    if (statvfs(d, &v) != 0)
        return UINT64_MAX;
    uint64_t n;
    return __builtin_mul_overflow((uint64_t)v.f_bavail, (uint64_t)v.f_frsize, &n) ? UINT64_MAX
                                                                                  : n;
}
