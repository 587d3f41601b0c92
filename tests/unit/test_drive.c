/* The one scheduler (sim/drive.c): the failure reported is the lowest
 * failing task's whatever the threads, every task below it runs, a stop
 * is no failure, commits are serialised, each thread's state is initialised
 * and freed once; on one thread, exactly the tasks up to the failure or the
 * stop run. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "internal.h"

#define N 64

typedef struct {
    int fail_compute[N]; /* compute fails (a status) */
    int fail_commit[N];  /* commit turns success into failure (a write) */
    int stop_at;         /* compute of this task sets the stop flag; -1 never */
    ps_stop stop;
    _Atomic int computed[N], inits, finis;
    int committed[N], in_commit, overlaps;
} job;

static void init(ps_drive *d, void *state, int thread)
{
    job *j = d->ctx;
    *(int *)state = thread + 1;
    atomic_fetch_add(&j->inits, 1);
}

static void fini(ps_drive *d, void *state)
{
    job *j = d->ctx;
    if (*(int *)state > 0)
        atomic_fetch_add(&j->finis, 1);
}

static ps_status compute(ps_drive *d, void *state, long long i, ps_error *e)
{
    job *j = d->ctx;
    (void)state;
    atomic_fetch_add(&j->computed[i], 1);
    if (i == j->stop_at)
        atomic_store(&j->stop, 1);
    if (j->fail_compute[i])
        return ps_error_set(e, (ps_status)j->fail_compute[i], "task %lld failed", i);
    return PS_OK;
}

static ps_status commit(ps_drive *d, void *state, long long i, ps_status s, ps_error *e)
{
    job *j = d->ctx;
    (void)state;
    j->overlaps += j->in_commit++ != 0; /* a commit while another runs */
    j->committed[i]++;
    if (s == PS_OK && j->fail_commit[i])
        s = ps_error_set(e, PS_ERR_IO, "task %lld not written", i);
    j->in_commit--;
    return s;
}

static void drive(job *j, int threads, ps_drive *d)
{
    *d = (ps_drive){.n = N, .threads = threads, .state_size = sizeof(int), .stop = &j->stop,
                    .ctx = j, .init = init, .fini = fini, .compute = compute, .commit = commit};
    ps_drive_run(d);
}

int main(void)
{
    for (int threads = 1; threads <= 4; threads++) {
        /* Two failures: the lower is reported, every task below it ran. */
        static job j;
        memset(&j, 0, sizeof j);
        j.stop_at = -1;
        j.fail_compute[40] = PS_ERR_NUMERIC;
        j.fail_compute[23] = PS_ERR_NOMEM;
        j.fail_commit[31] = 1;
        ps_drive d;
        drive(&j, threads, &d);
        CHECK(d.status == PS_ERR_NOMEM, "threads %d: status %d", threads, d.status);
        CHECK(atomic_load(&d.failed) == 23, "threads %d: failed %lld", threads,
              (long long)atomic_load(&d.failed));
        CHECK(!strcmp(d.first.msg, "task 23 failed"), "threads %d: '%s'", threads, d.first.msg);
        int below = 1, ran = 0;
        for (int i = 0; i < N; i++) {
            below &= i > 23 || (j.computed[i] == 1 && j.committed[i] == 1);
            ran += j.computed[i];
            CHECK(j.computed[i] == j.committed[i] && j.computed[i] <= 1, "task %d: %d, %d", i,
                  j.computed[i], j.committed[i]);
        }
        CHECK(below, "threads %d: a task below the failure did not run", threads);
        /* (with more threads, how many above it ran depends on timing) */
        CHECK(threads > 1 || ran == 24, "one thread: %d tasks ran", ran);
        CHECK(j.overlaps == 0, "threads %d: %d overlapping commits", threads, j.overlaps);
        CHECK(j.inits == threads && j.finis == threads, "threads %d: %d inits, %d finis", threads,
              j.inits, j.finis);

        /* A commit's failure (a write) counts like a compute's. */
        memset(&j, 0, sizeof j);
        j.stop_at = -1;
        j.fail_commit[9] = 1;
        drive(&j, threads, &d);
        CHECK(d.status == PS_ERR_IO && atomic_load(&d.failed) == 9 &&
              !strcmp(d.first.msg, "task 9 not written"), "threads %d: %d %lld '%s'", threads,
              d.status, (long long)atomic_load(&d.failed), d.first.msg);

        /* A stop is no failure: no task starts after it. */
        memset(&j, 0, sizeof j);
        j.stop_at = 5;
        drive(&j, threads, &d);
        ran = 0;
        for (int i = 0; i < N; i++)
            ran += j.computed[i];
        CHECK(d.status == PS_OK && atomic_load(&d.failed) == N, "threads %d: stop: %d %lld",
              threads, d.status, (long long)atomic_load(&d.failed));
        CHECK(threads > 1 || ran == 6, "threads %d: %d tasks ran, stopped at 5",
              threads, ran);

        /* No failure: every task once. */
        memset(&j, 0, sizeof j);
        j.stop_at = -1;
        drive(&j, threads, &d);
        ran = 0;
        for (int i = 0; i < N; i++)
            ran += j.computed[i] == 1 && j.committed[i] == 1;
        CHECK(d.status == PS_OK && ran == N, "threads %d: %d of %d tasks", threads, ran, N);
    }
    return CHECK_DONE();
}
