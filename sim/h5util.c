/* Small HDF5 helpers (h5util.h). */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_version.h>

#include "h5util.h"

static _Thread_local char h5_last[PS_H5_MSG_MAX];
static unsigned long h5_failures; /* failed HDF5 calls, all threads */
static char h5_failure_msg[PS_H5_MSG_MAX]; /* the message of the latest */
static char h5_failure_busy;
static _Thread_local char h5_refused[PS_H5_MSG_MAX];

static herr_t first_error(unsigned n, const H5E_error2_t *e, void *buf)
{
    if (n == 0 && e->desc)
        snprintf(buf, sizeof h5_last, "%s", e->desc);
    return 0;
}

static herr_t h5_capture(hid_t stack, void *data)
{
    (void)data;
    h5_last[0] = '\0';
    H5Ewalk2(stack, H5E_WALK_UPWARD, first_error, h5_last);
    while (__atomic_test_and_set(&h5_failure_busy, __ATOMIC_ACQUIRE))
        ;
    memcpy(h5_failure_msg, h5_last, sizeof h5_failure_msg);
    __atomic_clear(&h5_failure_busy, __ATOMIC_RELEASE);
    __atomic_add_fetch(&h5_failures, 1, __ATOMIC_RELAXED);
    return 0;
}

void ps_h5_failure_msg(char *buf, size_t len)
{
    while (__atomic_test_and_set(&h5_failure_busy, __ATOMIC_ACQUIRE))
        ;
    snprintf(buf, len, "%s", h5_failure_msg);
    __atomic_clear(&h5_failure_busy, __ATOMIC_RELEASE);
}

unsigned long ps_h5_failures(void)
{
    return __atomic_load_n(&h5_failures, __ATOMIC_RELAXED);
}

void ps_init(void)
{
    H5dont_atexit();
}

void ps_h5_quiet(void)
{
    H5Eset_auto2(H5E_DEFAULT, h5_capture, NULL);
    h5_last[0] = '\0';
    h5_refused[0] = '\0';
}

char *ps_h5_last(void) { return h5_last; }
const char *ps_h5_refused(void) { return h5_refused; }

/* A dataset's declared extent is only a claim: reading it allocates what it
 * declares. What a file can really hold is its stored bytes, times what
 * compression can expand (deflate at most 1032:1; shuffle and fletcher32
 * change nothing), plus a little for chunks never written (fill values). */
#define H5_MAX_RATIO 1100
#define H5_SLACK ((uint64_t)1 << 20)

int ps_h5_check_size(hid_t d, const char *name, size_t mem_elem, hsize_t *n_out)
{
    hsize_t dims[H5S_MAX_RANK];
    hid_t s = H5Dget_space(d), t = H5Dget_type(d), dcpl = H5Dget_create_plist(d);
    int nd = s >= 0 ? H5Sget_simple_extent_dims(s, dims, NULL) : -1;
    uint64_t n = 1, fe = t >= 0 ? H5Tget_size(t) : 0, need, mem, allowed;
    int over = nd < 0 || fe == 0;
    for (int k = 0; k < nd && !over; k++)
        over |= __builtin_mul_overflow(n, (uint64_t)dims[k], &n);
    int filtered = dcpl >= 0 && H5Pget_layout(dcpl) == H5D_CHUNKED && H5Pget_nfilters(dcpl) > 0;
    hsize_t stored = H5Dget_storage_size(d), fsize = 0;
    hid_t f = H5Iget_file_id(d);
    if (f >= 0 && H5Fget_filesize(f, &fsize) >= 0 && stored > fsize)
        stored = fsize; /* a damaged layout message may claim any size */
    if (f >= 0)
        H5Fclose(f);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (t >= 0)
        H5Tclose(t);
    if (s >= 0)
        H5Sclose(s);
    /* Both products computed (no short circuit): either may overflow. */
    over |= (int)__builtin_mul_overflow(n, fe, &need) |
            (int)__builtin_mul_overflow(n, mem_elem, &mem);
    if (__builtin_mul_overflow((uint64_t)stored, filtered ? H5_MAX_RATIO : 1, &allowed) ||
        __builtin_add_overflow(allowed, H5_SLACK, &allowed))
        allowed = UINT64_MAX;
    char a[32], b[32];
    if (over || need > allowed) {
        snprintf(h5_refused, sizeof h5_refused, "dataset %s declares %llu values (%s) but "
                 "the file holds %s for it%s; the file is damaged or not what it claims "
                 "to be", name, (unsigned long long)n, over ? "more than 2^64 bytes"
                 : ps_human_bytes(need, a), ps_human_bytes(stored, b),
                 filtered ? ", compressed" : "");
        return -1;
    }
    const char *which;
    uint64_t limit = ps_memory_limit(&which) / 2;
    if (mem > limit) {
        snprintf(h5_refused, sizeof h5_refused, "dataset %s declares %llu values: reading "
                 "them needs %s, more than half the %s this process may use (%s)", name,
                 (unsigned long long)n, ps_human_bytes(mem, a), ps_human_bytes(limit * 2, b),
                 which);
        return -1;
    }
    if (n_out)
        *n_out = n;
    return 0;
}

ps_status ps_h5_refusal(ps_error *err, const char *path)
{
    if (!h5_refused[0])
        return PS_OK;
    return ps_error_set(err, PS_ERR_INPUT, "%s: %s", path, h5_refused);
}

/* HDF5's I/O messages carry a time, descriptors and buffer addresses on two
 * lines: keep "file write failed: File too large". */
void ps_h5_tidy(char *m)
{
    char sys[96] = "";
    const char *em = strstr(m, "error message = '");
    if (em) {
        em += strlen("error message = '");
        size_t n = strcspn(em, "'");
        snprintf(sys, sizeof sys, "%.*s", (int)(n < 95 ? n : 95), em);
        char *cut = strstr(m, ", time =");
        if (!cut)
            cut = strstr(m, " time =");
        if (cut)
            *cut = '\0';
        size_t len = strlen(m);
        while (len && (m[len - 1] == ',' || m[len - 1] == ':' || m[len - 1] == ' '))
            m[--len] = '\0';
        snprintf(m + len, PS_H5_MSG_MAX - len, ": %s", sys);
    }
    for (; *m; m++)
        if (*m == '\n')
            *m = ' ';
}

ps_status ps_h5_fail(ps_error *err, ps_status code, const char *path, const char *what)
{
    ps_h5_tidy(h5_last);
    ps_status s = ps_error_set(err, code, "%s: cannot %s%s%s", path, what,
                               h5_last[0] ? ": " : "", h5_last);
    h5_last[0] = '\0';
    return s;
}

hid_t ps_h5_vlen_str(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

static int attr_put(hid_t obj, const char *name, hid_t ftype, hid_t mtype, const void *buf)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT);
    int rc = (a < 0 || H5Awrite(a, mtype, buf) < 0) ? -1 : 0;
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(sp);
    return rc;
}

int ps_h5_attr_str(hid_t obj, const char *name, const char *s)
{
    hid_t t = ps_h5_vlen_str();
    const char *p = s ? s : "";
    int rc = attr_put(obj, name, t, t, &p);
    H5Tclose(t);
    return rc;
}

int ps_h5_attr_i32(hid_t obj, const char *name, int v)
{
    return attr_put(obj, name, H5T_STD_I32LE, H5T_NATIVE_INT, &v);
}

int ps_h5_attr_u64(hid_t obj, const char *name, uint64_t v)
{
    return attr_put(obj, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, &v);
}

int ps_h5_attr_f64(hid_t obj, const char *name, double v)
{
    return attr_put(obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v);
}

/* One value: H5Aread writes the whole attribute into a one-value buffer. */
static int attr_one(hid_t a)
{
    hid_t s = H5Aget_space(a);
    hssize_t n = s >= 0 ? H5Sget_simple_extent_npoints(s) : -1;
    if (s >= 0)
        H5Sclose(s);
    return n == 1;
}

static int get_attr(hid_t obj, const char *name, hid_t mtype, void *v)
{
    if (H5Aexists(obj, name) <= 0)
        return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    int rc = (a >= 0 && attr_one(a) && H5Aread(a, mtype, v) >= 0) ? 0 : -1;
    if (a >= 0)
        H5Aclose(a);
    return rc;
}

int ps_h5_get_u64(hid_t obj, const char *name, uint64_t *v)
{
    return get_attr(obj, name, H5T_NATIVE_UINT64, v);
}

int ps_h5_get_i64(hid_t obj, const char *name, long long *v)
{
    return get_attr(obj, name, H5T_NATIVE_LLONG, v);
}

int ps_h5_get_str(hid_t obj, const char *name, char *buf, size_t len)
{
    buf[0] = '\0';
    if (H5Aexists(obj, name) <= 0)
        return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t t = a >= 0 ? H5Aget_type(a) : -1;
    int rc = -1;
    if (a >= 0 && !attr_one(a)) {
    } else if (t >= 0 && H5Tget_class(t) == H5T_STRING && H5Tis_variable_str(t) > 0) {
        hid_t m = ps_h5_vlen_str();
        char *s = NULL;
        if (H5Aread(a, m, &s) >= 0 && s) {
            snprintf(buf, len, "%s", s);
            rc = 0;
        }
        H5free_memory(s);
        H5Tclose(m);
    } else if (t >= 0 && H5Tget_class(t) == H5T_STRING && H5Tget_size(t) <= 65536) {
        /* (an attribute lives in an object header, at most 64 KiB) */
        size_t n = H5Tget_size(t);
        char *s = calloc(n + 1, 1);
        hid_t m = H5Tcopy(H5T_C_S1);
        H5Tset_size(m, n + 1);
        if (s && H5Aread(a, m, s) >= 0) {
            snprintf(buf, len, "%s", s);
            rc = 0;
        }
        free(s);
        H5Tclose(m);
    }
    if (t >= 0)
        H5Tclose(t);
    if (a >= 0)
        H5Aclose(a);
    return rc;
}

int ps_h5_read_doubles(hid_t loc, const char *name, double **out, hsize_t *dims, int *rank)
{
    *out = NULL;
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0)
        return -1;
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    hid_t s = d >= 0 ? H5Dget_space(d) : -1;
    int rc = -1;
    int nd = s >= 0 ? H5Sget_simple_extent_ndims(s) : -1;
    hsize_t n = 0;
    if (nd >= 0 && nd <= 8 && ps_h5_check_size(d, name, sizeof(double), &n) == 0) {
        H5Sget_simple_extent_dims(s, dims, NULL);
        *out = ps_calloc((size_t)n + 1, sizeof(double));
        if (*out && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, *out) >= 0)
            rc = 0;
        if (rank)
            *rank = nd;
    }
    if (s >= 0)
        H5Sclose(s);
    if (d >= 0)
        H5Dclose(d);
    if (rc < 0) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

int ps_h5_read_strings(hid_t loc, const char *name, char ***out, hsize_t *n)
{
    *out = NULL;
    *n = 0;
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0)
        return -1;
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    hid_t s = d >= 0 ? H5Dget_space(d) : -1;
    hid_t m = ps_h5_vlen_str();
    int rc = -1;
    if (s >= 0 && H5Sget_simple_extent_ndims(s) == 1 &&
        ps_h5_check_size(d, name, sizeof(char *), NULL) == 0) {
        H5Sget_simple_extent_dims(s, n, NULL);
        *out = ps_calloc(*n + 1, sizeof **out);
        if (*out && H5Dread(d, m, H5S_ALL, H5S_ALL, H5P_DEFAULT, *out) >= 0)
            rc = 0;
    }
    H5Tclose(m);
    if (s >= 0)
        H5Sclose(s);
    if (d >= 0)
        H5Dclose(d);
    if (rc < 0) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

void ps_h5_strings_free(char **v, hsize_t n)
{
    for (hsize_t k = 0; v && k < n; k++)
        H5free_memory(v[k]);
    free(v);
}

ps_status ps_h5_input_open(ps_h5_input *in, const char *path, const char *expected,
                           ps_error *err)
{
    const char *kind;
    in->name = in->path = path;
    in->fd = ps_open_regular(path, 0, &kind);
    if (in->fd < 0 && kind)
        return ps_error_set(err, PS_ERR_INPUT, "%s: is %s; expected %s", path, kind, expected);
    if (in->fd < 0)
        return ps_error_set(err, PS_ERR_INPUT, "%s: cannot open: %s", path, strerror(errno));
    snprintf(in->buf, sizeof in->buf, "/proc/self/fd/%d", in->fd);
    struct stat a, b;
    if (stat(in->buf, &a) == 0 && fstat(in->fd, &b) == 0 && a.st_dev == b.st_dev &&
        a.st_ino == b.st_ino)
        in->name = in->buf;
    return PS_OK;
}

static int same_file(int fd_a, const char *path_b, int fd_b)
{
    struct stat a, b;
    return fstat(fd_a, &a) == 0 && (path_b ? stat(path_b, &b) : fstat(fd_b, &b)) == 0 &&
           a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

hid_t ps_h5_input_fopen(const ps_h5_input *in, unsigned flags, hid_t fapl)
{
    hid_t f = H5Fopen(in->name, flags, fapl);
    void *h = NULL;
    /* No /proc: the path was opened again; it must still be the file checked. */
    if (f >= 0 && in->name != in->buf &&
        !(H5Fget_vfd_handle(f, fapl, &h) >= 0 && h && same_file(*(int *)h, NULL, in->fd))) {
        H5Fclose(f);
        f = -1;
    }
    /* (HDF5 resolves /proc/self/fd/N to the file's path, which fails once
     * the file is replaced: what HDF5 would say is beside the point) */
    if (f < 0 && !same_file(in->fd, in->path, -1))
        snprintf(h5_last, sizeof h5_last, "it was replaced while being opened; expected a "
                 "file left as it is while pactsim reads it");
    return f;
}

void ps_h5_input_close(ps_h5_input *in)
{
    if (in->fd >= 0)
        close(in->fd);
    in->fd = -1;
}

ps_status ps_h5_check_regular(const char *path, const char *expected, ps_error *err)
{
    ps_h5_input in;
    ps_status st = ps_h5_input_open(&in, path, expected, err);
    if (st == PS_OK)
        ps_h5_input_close(&in);
    return st;
}

ps_status ps_h5_open_input(ps_h5_input *keep, const char *path, const char *format, int rdwr,
                           hid_t *out, ps_error *err)
{
    *out = -1;
    ps_h5_quiet();
    char expected[64];
    snprintf(expected, sizeof expected, "a %s file", format);
    ps_h5_input own, *in = keep ? keep : &own;
    ps_status st = ps_h5_input_open(in, path, expected, err);
    if (st != PS_OK)
        return st;
    hid_t f = -1;
    char fmt[64] = "";
    if (H5Fis_hdf5(in->name) <= 0)
        st = ps_error_set(err, PS_ERR_INPUT, "%s: not an HDF5 file; expected a %s file", path,
                          format);
    /* Read-only first: a file that is not ours is never opened for writing
     * (HDF5 marks a file open for writing in its superblock). */
    else if ((f = ps_h5_input_fopen(in, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0)
        st = ps_h5_fail(err, PS_ERR_INPUT, path, "open the HDF5 file");
    else if (ps_h5_get_str(f, "format", fmt, sizeof fmt) < 0 || strcmp(fmt, format))
        st = ps_error_set(err, PS_ERR_INPUT, "%s: format is '%s'; expected a %s file", path,
                          fmt[0] ? fmt : "(none)", format);
    else if (rdwr) {
        H5Fclose(f);
        if ((f = ps_h5_input_fopen(in, H5F_ACC_RDWR, H5P_DEFAULT)) < 0)
            st = ps_h5_fail(err, PS_ERR_IO, path, "open the HDF5 file for writing");
    }
    if (st != PS_OK && f >= 0)
        H5Fclose(f);
    if (st != PS_OK || !keep)
        ps_h5_input_close(in);
    if (st == PS_OK)
        *out = f;
    return st;
}

ps_status ps_h5_open_checked(const char *path, const char *format, int rdwr, hid_t *out,
                             ps_error *err)
{
    return ps_h5_open_input(NULL, path, format, rdwr, out, err);
}

int ps_name_list_add(ps_name_list *l, const char *name)
{
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 16;
        char **v = realloc(l->names, (size_t)cap * sizeof *v);
        if (!v)
            return -1;
        l->names = v;
        l->cap = cap;
    }
    if (!(l->names[l->n] = ps_strdup(name)))
        return -1;
    l->n++;
    return 0;
}

void ps_name_list_free(ps_name_list *l)
{
    for (int k = 0; k < l->n; k++)
        free(l->names[k]);
    free(l->names);
    *l = (ps_name_list){0};
}

static herr_t list_dataset(hid_t g, const char *name, const H5L_info_t *li, void *data)
{
    (void)li;
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    if (d < 0)
        return 0;
    int scale = H5DSis_scale(d) > 0;
    H5Dclose(d);
    return scale ? 0 : ps_name_list_add(data, name);
}

int ps_h5_list_datasets(hid_t loc, const char *path, ps_name_list *l)
{
    return H5Literate_by_name(loc, path, H5_INDEX_NAME, H5_ITER_INC, NULL, list_dataset, l,
                              H5P_DEFAULT) < 0 ? -1 : 0;
}

ps_status ps_h5_create_excl(const char *path, const char *final, hid_t *out, ps_error *err)
{
    *out = -1;
    ps_h5_quiet();
    /* First make sure the file can be created and written at all: HDF5 1.10
     * cannot recover from a failure inside H5Fcreate (its file stays half
     * open). The probe is created as exclusively as the file itself. */
    int fd = ps_out_create_excl(path);
    static const char zeros[4096];
    ssize_t wr = 0, k = 0;
    while (fd >= 0 && wr < (ssize_t)sizeof zeros &&
           (k = write(fd, zeros + wr, sizeof zeros - (size_t)wr)) > 0)
        wr += k;
    if (k == 0)
        errno = ENOSPC;
    int e = errno;
    if (fd >= 0) {
        close(fd);
        unlink(path);
    }
    if (fd < 0 || wr < (ssize_t)sizeof zeros)
        return ps_error_set(err, PS_ERR_IO, "%s: cannot create temporary file %s: %s", final,
                            path, strerror(e));
    /* H5F_ACC_EXCL is O_CREAT | O_EXCL: it fails on anything (a link
     * included) put under the name since the probe was removed. */
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG); /* closes even if an object leaked */
    *out = H5Fcreate(path, H5F_ACC_EXCL, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    if (*out < 0) {
        ps_status s = ps_h5_fail(err, PS_ERR_IO, final, "create temporary file");
        unlink(path);
        return s;
    }
    return PS_OK;
}

int ps_h5_discard(hid_t file)
{
    void *handle = NULL;
    if (file < 0 || H5Fget_vfd_handle(file, H5P_DEFAULT, &handle) < 0 || !handle)
        return -1;
    int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (nul < 0)
        return -1;
    int rc = dup2(nul, *(int *)handle) < 0 ? -1 : 0;
    close(nul);
    return rc;
}

ps_status ps_write_file(const char *path, const void *buf, size_t n, ps_error *err)
{
    int fd = ps_out_create_excl(path), bad = fd < 0;
    const char *p = buf;
    for (size_t done = 0; !bad && done < n;) {
        ssize_t w = write(fd, p + done, n - done);
        if (w > 0)
            done += (size_t)w;
        else if (w == 0)
            errno = ENOSPC, bad = 1;
        else
            bad = errno != EINTR;
    }
    int e = errno;
    if (fd >= 0 && close(fd) < 0 && !bad)
        bad = 1, e = errno;
    if (bad)
        return ps_error_set(err, PS_ERR_IO, "%s: cannot write: %s", path, strerror(e));
    return PS_OK;
}

ps_status ps_fsync_path(const char *p, int dir)
{
    int fd = open(p, dir ? O_RDONLY | O_DIRECTORY : O_RDONLY);
    if (fd < 0)
        return PS_ERR_IO;
    int rc = fsync(fd);
    /* Some file systems cannot sync a directory: nothing more to do there. */
    if (rc < 0 && dir && (errno == EINVAL || errno == ENOTSUP))
        rc = 0;
    close(fd);
    return rc < 0 ? PS_ERR_IO : PS_OK;
}

int ps_h5_provenance(hid_t g, const char *command_line, int threads, const char *created)
{
    unsigned maj, min, rel;
    char h5ver[32];
    H5get_libversion(&maj, &min, &rel);
    snprintf(h5ver, sizeof h5ver, "%u.%u.%u", maj, min, rel);
    int bad = ps_h5_attr_str(g, "pactsim_version", PS_VERSION);
    bad |= ps_h5_attr_str(g, "git_revision", ps_build_git_revision());
    bad |= ps_h5_attr_str(g, "compiler", ps_build_compiler());
    bad |= ps_h5_attr_str(g, "compile_flags", ps_build_flags());
    bad |= ps_h5_attr_str(g, "hdf5_version", h5ver);
    bad |= ps_h5_attr_str(g, "gsl_version", GSL_VERSION);
    bad |= ps_h5_attr_str(g, "command_line", command_line ? command_line : "");
    bad |= ps_h5_attr_i32(g, "threads", threads);
    bad |= ps_h5_attr_str(g, "created", created);
    return bad ? -1 : 0;
}

hid_t ps_h5_put(hid_t loc, const char *name, hid_t ftype, hid_t mtype, int rank,
                const hsize_t *dims, const void *buf)
{
    hid_t sp = rank ? H5Screate_simple(rank, dims, NULL) : H5Screate(H5S_SCALAR);
    hid_t d = H5Dcreate2(loc, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Sclose(sp);
    if (d >= 0 && H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        H5Dclose(d);
        H5Ldelete(loc, name, H5P_DEFAULT);
        return -1;
    }
    return d;
}

int ps_h5_put_doubles(hid_t loc, const char *name, int rank, const hsize_t *dims,
                      const double *v)
{
    hid_t d = ps_h5_put(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, rank, dims, v);
    return d < 0 || H5Dclose(d) < 0 ? -1 : 0;
}

int ps_h5_put_strings(hid_t loc, const char *name, const char *const *s, hsize_t n)
{
    hid_t t = ps_h5_vlen_str();
    hid_t d = ps_h5_put(loc, name, t, t, 1, &n, s);
    H5Tclose(t);
    return d < 0 || H5Dclose(d) < 0 ? -1 : 0;
}

int ps_h5_put_string(hid_t loc, const char *name, const char *s)
{
    const char *p = s ? s : "";
    hid_t t = ps_h5_vlen_str();
    hid_t d = ps_h5_put(loc, name, t, t, 0, NULL, &p);
    H5Tclose(t);
    return d < 0 || H5Dclose(d) < 0 ? -1 : 0;
}
