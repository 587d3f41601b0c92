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
 * A world's fields go to ps_arena_alloc instead, which staggers them. */
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

#if defined(__SANITIZE_ADDRESS__)
#define PS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PS_ASAN 1
#endif
#endif
#ifdef PS_ASAN
size_t ps_arena_min = SIZE_MAX;
#else
size_t ps_arena_min = (size_t)64 << 10;
#endif

/* A world's large fields (cur and next of each) in one mapping backed by
 * huge pages where the kernel allows, each array starting at its own
 * 64-byte line within a 64 KiB window. With 4 KiB pages the kernels' column
 * blocks touch a new page every row (N doubles apart), a TLB miss each,
 * which on a virtual machine is a two-level page walk. Huge pages alone
 * were slower (1.2 -> 1.9 s a month at N=2000): every array then started at
 * the same offset within its pages, so the ten or more arrays a kernel
 * reads at one index fell in the same cache sets; the stagger spreads them
 * over the L1 and L2 sets. bytes[k] (0: not in the arena) -> starts[k];
 * returns the mapping (ps_arena_free) or NULL. */
void *ps_arena_alloc(int n, const size_t *bytes, double **starts, size_t *mapped)
{
    size_t pos = 0, j = 0;
    size_t *off = malloc((size_t)(n > 0 ? n : 1) * sizeof *off);
    if (!off)
        return NULL;
    for (int k = 0; k < n; k++) {
        if (!bytes[k])
            continue;
        /* the j-th array: line 37 j mod 1024 of a 64 KiB window, so any 64 in
         * a row start on 64 different lines of their pages */
        pos = (pos + 4095) & ~(size_t)4095;
        pos += ((j++ * 37) & 1023) * 64;
        off[k] = pos;
        pos += bytes[k];
    }
    if (pos == 0) { /* a small world: every array on its own */
        free(off);
        return NULL;
    }
    size_t len = pos + HUGE_PAGE;
    void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        free(off);
        return NULL;
    }
    unsigned char *base = (unsigned char *)(((uintptr_t)m + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1));
#ifdef MADV_HUGEPAGE
    (void)madvise(base, pos & ~(HUGE_PAGE - 1), MADV_HUGEPAGE);
#endif
    for (int k = 0; k < n; k++)
        if (bytes[k])
            starts[k] = (double *)(base + off[k]);
    free(off);
    *mapped = len;
    return m;
}

void ps_arena_free(void *m, size_t mapped)
{
    if (m)
        munmap(m, mapped);
}
