/* The one scheduler of independent tasks (internal.h: ps_drive).
 *
 * Why one rule for failures: with dynamic scheduling, tasks are handed out
 * in index order, so when task f fails every task below f has been handed
 * out; letting those finish, and starting none above the lowest failure,
 * makes the reported failure the lowest failing task whatever the threads,
 * which is what a one-thread run reports. */
#include <stdlib.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "internal.h"

/* Record task i's final status under the lock (ps_drive_run's critical). */
static void record(ps_drive *d, long long i, ps_status s, const ps_error *e)
{
    if (s == PS_OK || i >= atomic_load(&d->failed))
        return;
    d->status = s;
    d->first = *e;
    atomic_store(&d->failed, i); /* read by the other threads outside the lock */
}

/* Task i on the calling thread: compute, then commit and record under the
 * lock (a no-op outside a parallel region). */
static void one_task(ps_drive *d, void *st, long long i)
{
    if (i > atomic_load(&d->failed) || ps_stopped(d->stop))
        return;
    ps_error e = {PS_OK, ""};
    ps_status s = d->compute(d, st, i, &e);
#pragma omp critical(ps_drive)
    {
        if (d->commit)
            s = d->commit(d, st, i, s, &e);
        record(d, i, s, &e);
    }
}

/* One thread's part: its init, its share of the tasks (an orphaned loop: all
 * of them when called outside a parallel region), its fini. */
static void worker(ps_drive *d, void *st, int tid)
{
    if (d->init)
        d->init(d, st, tid);
#pragma omp for schedule(dynamic, 1)
    for (long long i = 0; i < d->n; i++)
        one_task(d, st, i);
    if (d->fini)
        d->fini(d, st);
}

ps_status ps_drive_run(ps_drive *d)
{
    int T = d->threads > 0 ? d->threads : 1;
    if (d->n < T)
        T = d->n > 0 ? (int)d->n : 1;
    atomic_store(&d->failed, d->n);
    d->status = PS_OK;
    d->first = (ps_error){PS_OK, ""};
    size_t size = d->state_size ? d->state_size : 1;
    char *states = calloc((size_t)T, size);
    if (!states)
        return d->status = ps_error_set(&d->first, PS_ERR_NOMEM, "out of memory");
    if (T == 1) {
        /* No region of one thread: the tasks' own parallel regions (a run's
         * inner threads) would be nested in it, and libgomp starts new
         * threads for every nested region instead of reusing its pool (a
         * 2-thread run of 193 actors made a pthread per region and month). */
        worker(d, states, 0);
    } else {
#pragma omp parallel num_threads(T)
        {
            int tid = 0;
#ifdef _OPENMP
            tid = omp_get_thread_num();
#endif
            worker(d, states + (size_t)tid * size, tid);
        }
    }
    free(states);
    return d->status;
}
