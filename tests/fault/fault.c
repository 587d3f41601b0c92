/* Fault injection for tests/cli/test_fault.sh: an LD_PRELOAD shim that
 * counts the calls of one kind a process makes on regular files, and fails
 * the Nth of them, or kills the process at it.
 *
 *   PS_FAULT_OP    write (write, pwrite, pwrite64, fwrite, fflush), fsync
 *                  (fsync of a file or directory, fdatasync) or
 *                  rename (rename, renameat, renameat2, link)
 *   PS_FAULT_N     the call to fail (1-based); 0 or unset: count only
 *   PS_FAULT_MODE  enospc (default), eio, or kill (SIGKILL before the call)
 *   PS_FAULT_COUNT file to which the number of calls is written at exit
 *   PS_FAULT_SWAP  NAME:OTHER: right after the first open() of NAME (as
 *                  given), rename OTHER over NAME: an input swapped (e.g. for
 *                  a FIFO) between pactsim's check and its reading
 *
 * Only calls on regular files count (not a terminal, a pipe or /dev/null),
 * (nor the standard streams), so the count of a run with --threads 1 is the same from one run to the
 * next. Standard-stream writes go through glibc's internal write and are
 * never seen, which is what we want. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

enum { OP_NONE, OP_WRITE, OP_FSYNC, OP_RENAME };

static int op = -1, mode_kill, fail_errno = ENOSPC;
static long target;
static long count;

static void setup(void)
{
    if (op >= 0)
        return;
    const char *o = getenv("PS_FAULT_OP"), *n = getenv("PS_FAULT_N"), *m = getenv("PS_FAULT_MODE");
    op = !o ? OP_NONE : !strcmp(o, "write") ? OP_WRITE : !strcmp(o, "fsync") ? OP_FSYNC
         : !strcmp(o, "rename") ? OP_RENAME : OP_NONE;
    target = n ? atol(n) : 0;
    mode_kill = m && !strcmp(m, "kill");
    if (m && !strcmp(m, "eio"))
        fail_errno = EIO;
}

__attribute__((destructor)) static void report(void)
{
    const char *path = getenv("PS_FAULT_COUNT");
    if (!path || op <= OP_NONE)
        return;
    char buf[32];
    int len = snprintf(buf, sizeof buf, "%ld\n", count);
    int (*real_open)(const char *, int, ...) = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
    ssize_t (*real_write)(int, const void *, size_t) =
        (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
    int fd = real_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd >= 0) {
        if (real_write(fd, buf, (size_t)len) < 0)
            perror("fault: count");
        close(fd);
    }
}

static int regular(int fd)
{
    struct stat st;
    return fd > 2 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

static int file_or_dir(int fd) /* fsync: a directory's too */
{
    struct stat st;
    return fd > 2 && fstat(fd, &st) == 0 && (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode));
}

/* Count a call of kind k; nonzero: fail it (errno set). */
static int hit(int k)
{
    setup();
    if (k != op)
        return 0;
    long c = __atomic_add_fetch(&count, 1, __ATOMIC_SEQ_CST);
    if (target <= 0 || c != target)
        return 0;
    if (getenv("PS_FAULT_TRACE")) { /* debugging: who makes this call */
        void *bt[32];
        backtrace_symbols_fd(bt, backtrace(bt, 32), 2);
    }
    if (mode_kill) {
        kill(getpid(), SIGKILL);
        pause();
    }
    errno = fail_errno;
    return 1;
}

#define REAL(ret, name, ...) \
    static ret (*real)(__VA_ARGS__); \
    if (!real) \
        real = (ret (*)(__VA_ARGS__))dlsym(RTLD_NEXT, name)

ssize_t write(int fd, const void *b, size_t n)
{
    REAL(ssize_t, "write", int, const void *, size_t);
    if (n && regular(fd) && hit(OP_WRITE))
        return -1;
    return real(fd, b, n);
}

ssize_t pwrite(int fd, const void *b, size_t n, off_t off)
{
    REAL(ssize_t, "pwrite", int, const void *, size_t, off_t);
    if (n && regular(fd) && hit(OP_WRITE))
        return -1;
    return real(fd, b, n, off);
}

ssize_t pwrite64(int fd, const void *b, size_t n, off_t off)
{
    REAL(ssize_t, "pwrite64", int, const void *, size_t, off_t);
    if (n && regular(fd) && hit(OP_WRITE))
        return -1;
    return real(fd, b, n, off);
}

/* stdio: glibc's fwrite/fflush reach the kernel without the write symbol,
 * so the calls that would write are counted here, on files only. */
size_t fwrite(const void *b, size_t size, size_t n, FILE *fp)
{
    REAL(size_t, "fwrite", const void *, size_t, size_t, FILE *);
    if (size && n && regular(fileno(fp)) && hit(OP_WRITE))
        return 0;
    return real(b, size, n, fp);
}

int fflush(FILE *fp)
{
    REAL(int, "fflush", FILE *);
    if (fp && regular(fileno(fp)) && hit(OP_WRITE))
        return EOF;
    return real(fp);
}

/* PS_FAULT_SWAP after an open of path. */
static void swap_after_open(const char *path)
{
    static int done;
    const char *s = getenv("PS_FAULT_SWAP"), *colon = s ? strchr(s, ':') : NULL;
    if (done || !colon || strncmp(path, s, (size_t)(colon - s)) || path[colon - s])
        return;
    done = 1;
    int (*real_rename)(const char *, const char *) =
        (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
    char name[4096];
    snprintf(name, sizeof name, "%.*s", (int)(colon - s), s);
    if (real_rename(colon + 1, name) < 0)
        perror("fault: swap");
}

#define OPEN(name)                                                          \
    int name(const char *path, int flags, ...)                              \
    {                                                                       \
        REAL(int, #name, const char *, int, ...);                           \
        mode_t mode = 0;                                                    \
        if (flags & (O_CREAT | O_TMPFILE)) {                                \
            va_list ap;                                                     \
            va_start(ap, flags);                                            \
            mode = va_arg(ap, mode_t);                                      \
            va_end(ap);                                                     \
        }                                                                   \
        int fd = real(path, flags, mode);                                   \
        if (fd >= 0)                                                        \
            swap_after_open(path);                                          \
        return fd;                                                          \
    }
OPEN(open)
OPEN(open64)

int fsync(int fd)
{
    REAL(int, "fsync", int);
    if (file_or_dir(fd) && hit(OP_FSYNC))
        return -1;
    return real(fd);
}

int fdatasync(int fd)
{
    REAL(int, "fdatasync", int);
    if (regular(fd) && hit(OP_FSYNC))
        return -1;
    return real(fd);
}

int rename(const char *a, const char *b)
{
    REAL(int, "rename", const char *, const char *);
    if (hit(OP_RENAME))
        return -1;
    return real(a, b);
}

int renameat(int da, const char *a, int db, const char *b)
{
    REAL(int, "renameat", int, const char *, int, const char *);
    if (hit(OP_RENAME))
        return -1;
    return real(da, a, db, b);
}

int renameat2(int da, const char *a, int db, const char *b, unsigned flags)
{
    REAL(int, "renameat2", int, const char *, int, const char *, unsigned);
    if (hit(OP_RENAME))
        return -1;
    return real(da, a, db, b, flags);
}

int link(const char *a, const char *b)
{
    REAL(int, "link", const char *, const char *);
    if (hit(OP_RENAME))
        return -1;
    return real(a, b);
}
