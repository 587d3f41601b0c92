/* Small HDF5 helpers shared by the sweep writer, compare and sensitivity
 * (sim/sweep_run.c, sim/compare.c, sim/sensitivity.c). Not installed. */
#ifndef PACTSIM_H5UTIL_H
#define PACTSIM_H5UTIL_H

#include <hdf5.h>
#include <hdf5_hl.h>

#include "internal.h"

/* HDF5 never prints: its error handler keeps the innermost message. */
void ps_h5_quiet(void);
/* The innermost message of the last failed HDF5 call on this thread (the
 * handler ps_h5_quiet installs keeps it); writable, PS_H5_MSG_MAX bytes. */
#define PS_H5_MSG_MAX 256
char *ps_h5_last(void);
/* HDF5's I/O messages carry a time, descriptors and buffer addresses on
 * two lines: keep "file write failed: File too large" (m: PS_H5_MSG_MAX). */
void ps_h5_tidy(char *m);
/* "PATH: cannot WHAT: <innermost HDF5 message>", code PS_ERR_IO. */
ps_status ps_h5_fail(ps_error *err, ps_status code, const char *path, const char *what);

hid_t ps_h5_vlen_str(void);
int ps_h5_attr_str(hid_t obj, const char *name, const char *s);
int ps_h5_attr_i32(hid_t obj, const char *name, int v);
int ps_h5_attr_u64(hid_t obj, const char *name, uint64_t v);
int ps_h5_attr_f64(hid_t obj, const char *name, double v);
/* Attribute getters: 0 on success, -1 if absent or unreadable. */
int ps_h5_get_str(hid_t obj, const char *name, char *buf, size_t len);
int ps_h5_get_u64(hid_t obj, const char *name, uint64_t *v);
int ps_h5_get_i64(hid_t obj, const char *name, long long *v);
/* Before reading a dataset whole: 0 (and *n values) if its declared extent
 * fits what its file stores for it (stored bytes, times 1100 if compressed,
 * plus 1 MiB) and n * mem_elem bytes fit in half the memory this process may
 * use; else -1, and the reason is kept for ps_h5_refusal. A 540 KB file may
 * declare 2^30 strings: reading them would allocate 8 GiB. */
int ps_h5_check_size(hid_t d, const char *name, size_t mem_elem, hsize_t *n);
/* The last refusal of ps_h5_check_size on this thread since ps_h5_quiet
 * ("" if none), and as
 * an error: PS_ERR_INPUT "PATH: dataset ... declares ...", or PS_OK if none. */
const char *ps_h5_refused(void);
ps_status ps_h5_refusal(ps_error *err, const char *path);
/* A whole dataset as doubles (bounded by ps_h5_check_size): *out malloc'ed, dims (up to 8) and rank set. */
int ps_h5_read_doubles(hid_t loc, const char *name, double **out, hsize_t *dims, int *rank);
/* A 1-D string dataset (bounded by ps_h5_check_size): *out (n strings) freed with ps_h5_strings_free. */
int ps_h5_read_strings(hid_t loc, const char *name, char ***out, hsize_t *n);
void ps_h5_strings_free(char **v, hsize_t n);

/* The build and run attributes of a /provenance group (run, sweep and
 * posterior files): versions, compiler, command line, threads, created. */
int ps_h5_provenance(hid_t g, const char *command_line, int threads, const char *created);
/* A contiguous dataset (rank 0: scalar) written at once; the open dataset or -1. */
hid_t ps_h5_put(hid_t loc, const char *name, hid_t ftype, hid_t mtype, int rank,
                const hsize_t *dims, const void *buf);
/* Doubles, a 1-D list of strings, one string: 0 or -1. */
int ps_h5_put_doubles(hid_t loc, const char *name, int rank, const hsize_t *dims,
                      const double *v);
int ps_h5_put_strings(hid_t loc, const char *name, const char *const *s, hsize_t n);
int ps_h5_put_string(hid_t loc, const char *name, const char *s);

/* /posterior_draws of a run file: the parameters each replicate ran with. */
int ps_posterior_write_draws(hid_t file, const ps_posterior *p);

/* Failed HDF5 calls so far, in every thread: a write path compares the
 * count before and after, so that no failure goes unnoticed (a failed
 * H5Dclose loses the data it still buffered). */
unsigned long ps_h5_failures(void);
/* The innermost message of the latest failed HDF5 call, any thread. */
void ps_h5_failure_msg(char *buf, size_t len);
/* Create the HDF5 file path (a temporary for final) exclusively, after
 * checking that 4 KiB can be written there; PS_ERR_IO with a message. */
ps_status ps_h5_create_excl(const char *path, const char *final, hid_t *out, ps_error *err);

/* A file being abandoned: point its descriptor at /dev/null, so that the
 * writes of closing it cannot fail (a full disk, a file-size limit) and
 * leave HDF5 with a half-closed file. 0 on success. */
int ps_h5_discard(hid_t file);

/* fsync a file, or a directory (dir = 1; file systems that cannot sync a
 * directory are not an error). */
ps_status ps_fsync_path(const char *path, int dir);
/* Write n bytes into a new file path, created exclusively (O_EXCL|O_NOFOLLOW,
 * ps_out_create_excl, as every temporary); PS_ERR_IO naming it on failure. */
ps_status ps_write_file(const char *path, const void *buf, size_t n, ps_error *err);

/* A growable list of names (metrics, datasets). */
typedef struct {
    char **names;
    int n, cap;
} ps_name_list;
int ps_name_list_add(ps_name_list *l, const char *name); /* -1: out of memory */
void ps_name_list_free(ps_name_list *l);
/* Append the datasets of group `path` under loc, dimension scales left out. */
int ps_h5_list_datasets(hid_t loc, const char *path, ps_name_list *l);
/* An input file whose name is resolved once (docs/reliability.md): what is
 * not a regular file is refused before it is read (a FIFO would block), and
 * name ("/proc/self/fd/N") then names that very file for H5Fis_hdf5 and
 * H5Fopen, whatever is put under the path after the check. Without /proc,
 * name is the path and ps_h5_input_fopen refuses a file that is not the one
 * checked (same device and inode). */
typedef struct {
    int fd;
    const char *name, *path;
    char buf[32];
} ps_h5_input;
/* PS_OK and an open input; else PS_ERR_INPUT "PATH: is a FIFO (named pipe);
 * expected EXPECTED" or "PATH: cannot open: ...". */
ps_status ps_h5_input_open(ps_h5_input *in, const char *path, const char *expected,
                           ps_error *err);
/* H5Fopen of the input; if it fails because the path now names another file
 * (HDF5 resolves the name to a path), ps_h5_fail's message says so. */
hid_t ps_h5_input_fopen(const ps_h5_input *in, unsigned flags, hid_t fapl);
void ps_h5_input_close(ps_h5_input *in);
/* ps_h5_input_open, then closed: the path is (now) a regular file. */
ps_status ps_h5_check_regular(const char *path, const char *expected, ps_error *err);
/* Open a pactsim or pactsim-sweep file read-only (or read-write) after
 * checking its format attribute; PS_ERR_INPUT with a message otherwise.
 * With in (not NULL), the input stays open for another H5Fopen of the same
 * file (ps_h5_input_close it); else it is closed. */
ps_status ps_h5_open_input(ps_h5_input *in, const char *path, const char *format, int rdwr,
                           hid_t *out, ps_error *err);
ps_status ps_h5_open_checked(const char *path, const char *format, int rdwr, hid_t *out,
                             ps_error *err);
/* A run file for info (output.c): opened as ps_h5_input, read-only, with the
 * messages of a file that is not one; then summarised (and closed). */
ps_status ps_output_open_read(const char *path, hid_t *file, ps_error *err);
ps_status ps_output_info_file(hid_t file, const char *path, FILE *fp, ps_error *err);

/* Not HDF5, but shared by compare and sensitivity: percentile bootstrap 95%
 * interval of the mean of d[0..n) with n_boot resamples from a fixed seed. */
void ps_bootstrap_mean_ci(const double *d, int n, int n_boot, unsigned long seed, double *lo,
                          double *hi);
#endif
