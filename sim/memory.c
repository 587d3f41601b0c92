/* Allocation of a run's series (the month-by-month copies of the state). */
#define _DEFAULT_SOURCE /* madvise, MADV_HUGEPAGE */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

/* Transparent huge pages are 2 MiB on x86-64 and arm64 (4 KiB base pages). */
#define HUGE_PAGE ((uintptr_t)2 << 20)

/* As ps_calloc, and for arrays of several huge pages, asks the kernel to back
 * them with huge pages (where THP is set to "madvise", the default of many
 * distributions, it otherwise never does). A run's series is first touched a
 * month at a time, and with 4 KiB pages the faults were most of a run of 193
 * actors (1.98 s of which the models took 0.53 s; 0.68-0.95 s with huge
 * pages, docs/performance.md). glibc serves such sizes with a fresh mapping,
 * so the memory is still zero and untouched here; only the 2 MiB-aligned part
 * of the block is advised. A refusal (no THP) changes nothing.
 * Not for a world's fields: the kernels read ten or more N x N arrays at the
 * same index, and arrays that all start on a 2 MiB boundary map that index to
 * the same cache set (with 4 KiB pages the physical pages scatter them); at
 * N=2000 huge-page fields made a month 1.2 -> 1.9 s. */
void *ps_calloc_series(size_t n, size_t size)
{
    void *p = ps_calloc(n, size);
#ifdef MADV_HUGEPAGE
    if (p && size && n >= 4 * HUGE_PAGE / size) {
        uintptr_t lo = ((uintptr_t)p + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
        uintptr_t hi = ((uintptr_t)p + n * size) & ~(HUGE_PAGE - 1);
        if (hi > lo)
            (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
    }
#endif
    return p;
}

/* Maps the pages of a fresh array before its first touch (where the kernel
 * can: Linux 5.14+). Touching 4 KiB pages one by one takes a page fault each,
 * and on this project's virtual machines a fault is a hypervisor exit: 3
 * million of them were most of the setup of a 4000-actor world (docs/
 * performance.md). One call maps a whole range without them; the pages are
 * the same (zeroed, base-size, on the caller's NUMA node), so nothing else
 * changes. Small arrays and refusals are left to the faults. */
void ps_prefault(void *p, size_t bytes)
{
#ifdef MADV_POPULATE_WRITE
    long ps = sysconf(_SC_PAGESIZE);
    const uintptr_t page = ps > 0 ? (uintptr_t)ps : 4096;
    if (!p || bytes < ((size_t)256 << 10))
        return;
    uintptr_t lo = ((uintptr_t)p + page - 1) & ~(page - 1);
    uintptr_t hi = ((uintptr_t)p + bytes) & ~(page - 1);
    if (hi > lo)
        (void)madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE);
#else
    (void)p;
    (void)bytes;
#endif
}
