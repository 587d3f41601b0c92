/* How much memory this process may use.
 *
 * Physical memory is not the limit a job runs under: Slurm's --mem and
 * containers put it in a cgroup, and `ulimit -v` sets RLIMIT_AS. Beyond the
 * smallest of these the kernel kills the process (exit 137, files left behind)
 * or malloc fails; the size checks compare against this instead, so such a
 * run stops at once with exit 2. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "internal.h"

/* The number in a cgroup limit file; 0 if absent, "max" or unreadable. */
static uint64_t read_limit(const char *root, const char *dir, const char *rel,
                           const char *file)
{
    char path[4096], line[64];
    if (snprintf(path, sizeof path, "%s%s%s/%s", root, dir, rel, file) >= (int)sizeof path)
        return 0;
    const char *kind;
    int fd = ps_open_regular(path, 0, &kind);
    FILE *fp = fd >= 0 ? fdopen(fd, "r") : NULL;
    if (!fp) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    unsigned long long v = 0;
    char *end = NULL;
    if (fgets(line, sizeof line, fp)) {
        errno = 0;
        v = strtoull(line, &end, 10);
        if (errno || end == line || (*end && *end != '\n'))
            v = 0; /* "max", or not a number */
    }
    fclose(fp);
    /* cgroup v1 says "no limit" with a huge page-rounded number */
    return v >= (1ULL << 62) ? 0 : (uint64_t)v;
}

/* The smallest limit of cgroup `rel` (e.g. "/slurm/job_1") and its ancestors. */
static uint64_t walk_up(const char *root, const char *dir, const char *rel, const char *file)
{
    char p[4096];
    snprintf(p, sizeof p, "%s", rel);
    uint64_t best = 0;
    for (;;) {
        size_t n = strlen(p);
        while (n > 1 && p[n - 1] == '/')
            p[--n] = '\0';
        uint64_t v = read_limit(root, dir, strcmp(p, "/") ? p : "", file);
        if (v && (!best || v < best))
            best = v;
        char *slash = strrchr(p, '/');
        if (!slash || slash == p)
            break;
        *slash = '\0';
    }
    if (strcmp(p, "/")) { /* the root of the hierarchy (or of a namespace) */
        uint64_t v = read_limit(root, dir, "", file);
        if (v && (!best || v < best))
            best = v;
    }
    return best;
}

static void take(uint64_t v, const char *what, uint64_t *best, const char **which)
{
    if (v && (!*best || v < *best)) {
        *best = v;
        *which = what;
    }
}

uint64_t ps_memory_limit_at(const char *root, const char **what)
{
    uint64_t best = 0;
    const char *which = "physical memory";
    char path[4096], line[4096];
    snprintf(path, sizeof path, "%s/proc/self/cgroup", root);
    const char *kind;
    int fd = ps_open_regular(path, 0, &kind);
    FILE *fp = fd >= 0 ? fdopen(fd, "r") : NULL;
    if (!fp && fd >= 0)
        close(fd);
    /* Lines "ID:CONTROLLERS:PATH": "0::PATH" is cgroup v2 (unified),
     * a CONTROLLERS list with "memory" is the v1 memory hierarchy. */
    while (fp && fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\n")] = '\0';
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c2 = '\0';
        const char *ctl = c1 + 1, *rel = c2 + 1;
        if (!*ctl) {
            /* v2 is mounted at /sys/fs/cgroup, or beside v1 at .../unified */
            uint64_t v = walk_up(root, "/sys/fs/cgroup", rel, "memory.max");
            uint64_t u = walk_up(root, "/sys/fs/cgroup/unified", rel, "memory.max");
            take(v, "the cgroup's memory.max", &best, &which);
            take(u, "the cgroup's memory.max", &best, &which);
        } else {
            char ctls[256];
            snprintf(ctls, sizeof ctls, ",%s,", ctl);
            if (strstr(ctls, ",memory,"))
                take(walk_up(root, "/sys/fs/cgroup/memory", rel, "memory.limit_in_bytes"),
                     "the cgroup's memory.limit_in_bytes", &best, &which);
        }
    }
    if (fp)
        fclose(fp);
    if (what)
        *what = which;
    return best;
}

uint64_t ps_memory_limit(const char **what)
{
    const char *which = "physical memory";
    uint64_t best = 0;
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    if (pages > 0 && psize > 0)
        best = (uint64_t)pages * (uint64_t)psize;
    const char *cw;
    uint64_t cg = ps_memory_limit_at("", &cw);
    take(cg, cw, &best, &which);
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        take((uint64_t)rl.rlim_cur, "the address-space limit (ulimit -v)", &best, &which);
    if (getrlimit(RLIMIT_DATA, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        take((uint64_t)rl.rlim_cur, "the data-size limit (ulimit -d)", &best, &which);
    if (what)
        *what = which;
    return best ? best : UINT64_MAX;
}
