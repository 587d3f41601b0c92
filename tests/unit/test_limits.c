/* The memory limit (sim/limits.c): cgroup v2 and v1 files, read under a fake
 * root, and the resource limits; the smallest wins. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "internal.h"

static char root[256];

/* Write text to root/rel, creating its directories. */
static void put(const char *rel, const char *text)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    for (char *s = p + strlen(root) + 1; (s = strchr(s, '/')); s++) {
        *s = '\0';
        mkdir(p, 0755);
        *s = '/';
    }
    FILE *fp = fopen(p, "w");
    if (fp) {
        fputs(text, fp);
        fclose(fp);
    }
}

static void fresh(const char *name)
{
    snprintf(root, sizeof root, "%s/limits_%s_%ld", "/tmp", name, (long)getpid());
    mkdir(root, 0755);
}

static void cleanup(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf %s/limits_*_%ld", "/tmp", (long)getpid());
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", cmd);
}

int main(void)
{
    const char *what = NULL;
    uint64_t v;

    /* cgroup v2 (Slurm --mem): the job's memory.max; "max" below it, a
     * larger limit above it */
    fresh("v2");
    put("proc/self/cgroup", "0::/slurm/job_7/step_0\n");
    put("sys/fs/cgroup/slurm/memory.max", "2147483648\n");
    put("sys/fs/cgroup/slurm/job_7/memory.max", "838860800\n");
    put("sys/fs/cgroup/slurm/job_7/step_0/memory.max", "max\n");
    v = ps_memory_limit_at(root, &what);
    CHECK(v == 838860800ULL, "v2: %llu", (unsigned long long)v);
    CHECK(what && strstr(what, "memory.max"), "v2: %s", what ? what : "(null)");

    /* cgroup v2 in a container: its namespace root is /sys/fs/cgroup */
    fresh("v2ns");
    put("proc/self/cgroup", "0::/\n");
    put("sys/fs/cgroup/memory.max", "1073741824\n");
    v = ps_memory_limit_at(root, &what);
    CHECK(v == 1073741824ULL, "v2 namespace: %llu", (unsigned long long)v);

    /* cgroup v1: memory among other controllers; "unlimited" is a huge number */
    fresh("v1");
    put("proc/self/cgroup", "5:cpuacct,memory:/process_api/x\n2:cpu:/\n0::/\n");
    put("sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
    put("sys/fs/cgroup/memory/process_api/memory.limit_in_bytes", "9223372036854771712\n");
    put("sys/fs/cgroup/memory/process_api/x/memory.limit_in_bytes", "524288000\n");
    v = ps_memory_limit_at(root, &what);
    CHECK(v == 524288000ULL, "v1: %llu", (unsigned long long)v);
    CHECK(what && strstr(what, "memory.limit_in_bytes"), "v1: %s", what ? what : "(null)");

    /* hybrid (v1 and v2 at .../unified): the smaller */
    put("sys/fs/cgroup/unified/memory.max", "314572800\n");
    v = ps_memory_limit_at(root, &what);
    CHECK(v == 314572800ULL, "hybrid: %llu", (unsigned long long)v);

    /* no limit anywhere, garbage, a FIFO where a limit file should be (no
     * hang), a missing /proc/self/cgroup: 0 */
    fresh("none");
    put("proc/self/cgroup", "0::/user.slice\n4:memory:/user.slice\n");
    put("sys/fs/cgroup/user.slice/memory.max", "12abc\n");
    put("sys/fs/cgroup/memory/memory.limit_in_bytes", "\n");
    char fifo[1024];
    snprintf(fifo, sizeof fifo, "%s/sys/fs/cgroup/memory/user.slice", root);
    mkdir(fifo, 0755);
    strcat(fifo, "/memory.limit_in_bytes");
    CHECK(mkfifo(fifo, 0644) == 0, "mkfifo %s", fifo);
    v = ps_memory_limit_at(root, &what);
    CHECK(v == 0, "no limit: %llu", (unsigned long long)v);
    fresh("empty");
    v = ps_memory_limit_at(root, &what);
    CHECK(v == 0, "no /proc/self/cgroup: %llu", (unsigned long long)v);

    /* the process's limits: RLIMIT_DATA below everything else wins (not under
     * AddressSanitizer, whose shadow memory needs more) */
#ifndef __SANITIZE_ADDRESS__
    uint64_t before = ps_memory_limit(&what);
    CHECK(before > 0, "ps_memory_limit: %llu", (unsigned long long)before);
    struct rlimit old, rl;
    getrlimit(RLIMIT_DATA, &old);
    rl = old;
    rl.rlim_cur = 700ULL << 20;
    if ((old.rlim_max == RLIM_INFINITY || old.rlim_max > rl.rlim_cur) && before > rl.rlim_cur &&
        setrlimit(RLIMIT_DATA, &rl) == 0) {
        v = ps_memory_limit(&what);
        CHECK(v == 700ULL << 20, "RLIMIT_DATA: %llu", (unsigned long long)v);
        CHECK(what && strstr(what, "ulimit -d"), "RLIMIT_DATA: %s", what ? what : "(null)");
        setrlimit(RLIMIT_DATA, &old);
    }
#endif
    cleanup();
    return CHECK_DONE();
}
