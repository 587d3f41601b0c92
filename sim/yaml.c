/* A YAML tree with positions, built on libyaml's event parser so that every
 * error can name file:line:col, duplicate keys are caught, and nothing is
 * typed before binding. Also: `extends` merging, --set paths, emitting, and
 * small utilities (allocation, file reading, did-you-mean). */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700 /* realpath(), to detect extends cycles */
#endif
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "internal.h"

#define MAX_DEPTH 64                        /* nesting of maps and lists */
#define MAX_EXTENDS 32                      /* length of an extends chain */
#define MAX_FILE_BYTES ((size_t)256 << 20)  /* configs are small; refuse huge input */
#define MAX_WORD 64                         /* did-you-mean ignores longer words */

/* ------------------------------------------------------------ utilities */

void *ps_calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    if (n == 0 || size == 0) /* a valid, freeable pointer even for zero items */
        n = size = 1;
    return calloc(n, size);
}

char *ps_strdup(const char *s)
{
    if (!s)
        return NULL;
    size_t len = strlen(s) + 1;
    char *d = malloc(len);
    if (d)
        memcpy(d, s, len);
    return d;
}

const char *ps_file_kind(unsigned mode)
{
    return S_ISDIR(mode) ? "a directory" : S_ISFIFO(mode) ? "a FIFO (named pipe)"
           : S_ISCHR(mode) ? "a character device" : S_ISBLK(mode) ? "a block device"
           : S_ISSOCK(mode) ? "a socket" : S_ISLNK(mode) ? "a symbolic link"
           : S_ISREG(mode) ? "a regular file" : "not a regular file";
}

int ps_open_regular(const char *path, int nofollow, const char **kind)
{
    struct stat sb;
    *kind = NULL;
    /* stat first: opening a FIFO would block until a writer comes. */
    if ((nofollow ? lstat(path, &sb) : stat(path, &sb)) < 0)
        return -1;
    if (!S_ISREG(sb.st_mode)) {
        *kind = ps_file_kind(sb.st_mode);
        return -1;
    }
    /* The file may be swapped between stat and open: O_NONBLOCK keeps a
     * FIFO from blocking, fstat of the descriptor decides. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
    if (fd < 0) {
        if (errno == ELOOP && nofollow)
            *kind = "a symbolic link";
        return -1;
    }
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
        *kind = ps_file_kind(sb.st_mode);
        close(fd);
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

char *ps_read_file(const char *path, size_t *len, ps_error *err)
{
    if (!path || !*path) {
        ps_error_set(err, PS_ERR_INPUT, "cannot read file: empty path");
        return NULL;
    }
    const char *kind;
    int fd = ps_open_regular(path, 0, &kind);
    struct stat sb;
    if (fd >= 0 && fstat(fd, &sb) == 0 && (uint64_t)sb.st_size >= MAX_FILE_BYTES) {
        close(fd); /* e.g. a sparse file of 60 GB: not read at all */
        ps_error_set(err, PS_ERR_INPUT, "cannot read '%s': larger than %zu MiB; expected a "
                     "YAML file", path, MAX_FILE_BYTES >> 20);
        return NULL;
    }
    FILE *fp = fd >= 0 ? fdopen(fd, "rb") : NULL;
    if (!fp) {
        if (kind)
            ps_error_set(err, PS_ERR_INPUT, "cannot read '%s': it is %s; expected a YAML file",
                         path, kind);
        else
            ps_error_set(err, PS_ERR_INPUT, "cannot read '%s': %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    if (!buf) {
        fclose(fp);
        ps_error_set(err, PS_ERR_NOMEM, "out of memory reading '%s'", path);
        return NULL;
    }
    /* Read in growing chunks: works for pipes too, and caps the size before
     * any allocation could overflow. */
    for (;;) {
        if (cap - n < 2) {
            if (cap >= MAX_FILE_BYTES) {
                ps_error_set(err, PS_ERR_INPUT, "cannot read '%s': larger than %zu MiB",
                             path, MAX_FILE_BYTES >> 20);
                goto fail;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                ps_error_set(err, PS_ERR_NOMEM, "out of memory reading '%s'", path);
                goto fail;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, fp);
        n += got;
        if (got == 0) {
            if (ferror(fp)) {
                ps_error_set(err, PS_ERR_INPUT, "cannot read '%s': %s", path,
                             errno ? strerror(errno) : "read error");
                goto fail;
            }
            break;
        }
    }
    fclose(fp);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
fail:
    fclose(fp);
    free(buf);
    return NULL;
}

int ps_node_file_has_key(const ps_node *map, int i, const char *const *keys, int n)
{
    const char *file = map->items[i]->file;
    if (map->items[i]->line == 0) /* a --set option: the user's own words */
        return 1;
    for (int j = 0; j < map->n; j++) {
        if (map->items[j]->file != file && strcmp(map->items[j]->file, file))
            continue;
        for (int k = 0; k < n; k++)
            if (!strcmp(map->keys[j], keys[k]))
                return 1;
    }
    return 0;
}

/* Levenshtein distance of two short strings (both <= MAX_WORD bytes), with
 * a swap of adjacent letters counted as one edit ("nmae" -> "name"). */
static size_t edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
    size_t d[MAX_WORD + 1][MAX_WORD + 1];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

const char *ps_did_you_mean(const char *word, const char *const *cands, int n)
{
    if (!word || !cands)
        return NULL;
    size_t lw = strlen(word);
    if (lw == 0 || lw > MAX_WORD)
        return NULL;
    size_t limit = lw / 3 > 1 ? lw / 3 : 1;
    const char *best = NULL;
    size_t best_d = limit + 1;
    for (int i = 0; i < n; i++) {
        if (!cands[i])
            continue;
        size_t lc = strlen(cands[i]);
        if (lc > MAX_WORD || (lc > lw ? lc - lw : lw - lc) > limit)
            continue;
        size_t d = edit_distance(word, lw, cands[i], lc);
        if (d < best_d) {
            best_d = d;
            best = cands[i];
        }
    }
    return best;
}

/* ------------------------------------------------------ file names */
/* Nodes name their file; a tree merged from several files outlives each
 * file's parse, so the names are shared reference-counted strings. */
typedef struct {
    size_t refs;
    char s[];
} file_name;

static file_name *file_header(const char *s)
{
    return (file_name *)(void *)((char *)(uintptr_t)s - offsetof(file_name, s));
}

static const char *file_new(const char *s)
{
    size_t len = strlen(s) + 1;
    if (len > SIZE_MAX - sizeof(file_name))
        return NULL;
    file_name *f = malloc(sizeof *f + len);
    if (!f)
        return NULL;
    f->refs = 1;
    memcpy(f->s, s, len);
    /* cppcheck-suppress memleak ; freed through file_header() in file_unref() */
    return f->s;
}

static void file_ref(const char *s)
{
    if (s)
        file_header(s)->refs++;
}

static void file_unref(const char *s)
{
    if (s && --file_header(s)->refs == 0)
        free(file_header(s));
}

/* ------------------------------------------------------------- nodes */

static ps_node *node_new(ps_node_kind kind, const char *file, int line, int col)
{
    ps_node *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->kind = kind;
    n->file = file;
    file_ref(file);
    n->line = line;
    n->col = col;
    return n;
}

void ps_node_free(ps_node *n)
{
    if (!n)
        return;
    for (int i = 0; i < n->n; i++) {
        if (n->keys)
            free(n->keys[i]);
        if (n->items)
            ps_node_free(n->items[i]);
    }
    free(n->keys);
    free(n->key_line);
    free(n->key_col);
    free(n->items);
    free(n->scalar);
    file_unref(n->file);
    free(n);
}

/* Arrays grow when n reaches a power of two (>= 4): ps_node keeps no
 * capacity, so it is implied by n. Takes ownership of key and item only on
 * success. */
static int node_push(ps_node *n, char *key, int line, int col, ps_node *item)
{
    int cnt = n->n;
    if (cnt == INT_MAX)
        return -1;
    if (cnt == 0 || (cnt >= 4 && (cnt & (cnt - 1)) == 0)) {
        size_t cap = cnt == 0 ? 4 : (size_t)cnt * 2;
        if (cap > SIZE_MAX / sizeof(ps_node *))
            return -1;
        ps_node **items = realloc(n->items, cap * sizeof *items);
        if (!items)
            return -1;
        n->items = items;
        if (n->kind == PS_NODE_MAP) {
            char **keys = realloc(n->keys, cap * sizeof *keys);
            if (!keys)
                return -1;
            n->keys = keys;
            int *kl = realloc(n->key_line, cap * sizeof *kl);
            if (!kl)
                return -1;
            n->key_line = kl;
            int *kc = realloc(n->key_col, cap * sizeof *kc);
            if (!kc)
                return -1;
            n->key_col = kc;
        }
    }
    if (n->kind == PS_NODE_MAP) {
        n->keys[cnt] = key;
        n->key_line[cnt] = line;
        n->key_col[cnt] = col;
    }
    n->items[cnt] = item;
    n->n = cnt + 1;
    return 0;
}

static void node_remove(ps_node *map, int i)
{
    free(map->keys[i]);
    ps_node_free(map->items[i]);
    int rest = map->n - i - 1;
    memmove(map->keys + i, map->keys + i + 1, (size_t)rest * sizeof *map->keys);
    memmove(map->key_line + i, map->key_line + i + 1, (size_t)rest * sizeof(int));
    memmove(map->key_col + i, map->key_col + i + 1, (size_t)rest * sizeof(int));
    memmove(map->items + i, map->items + i + 1, (size_t)rest * sizeof *map->items);
    map->n--;
}

static int node_find(const ps_node *map, const char *key)
{
    if (!map || map->kind != PS_NODE_MAP || !key)
        return -1;
    for (int i = 0; i < map->n; i++)
        if (map->keys[i] && strcmp(map->keys[i], key) == 0)
            return i;
    return -1;
}

ps_node *ps_node_get(const ps_node *map, const char *key)
{
    int i = node_find(map, key);
    return i < 0 ? NULL : map->items[i];
}

void ps_node_where(const ps_node *n, char *buf, size_t len)
{
    if (!buf || len == 0)
        return;
    if (!n)
        snprintf(buf, len, "?");
    else if (n->line <= 0)
        snprintf(buf, len, "option %s", n->file ? n->file : "--set");
    else
        snprintf(buf, len, "%s:%d:%d", n->file ? n->file : "?", n->line, n->col);
}

/* "file:line:col: msg", or "option --set K=V: msg" for line 0. */
static ps_status fail_at(ps_error *err, ps_status code, const char *file, int line,
                         int col, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static ps_status fail_at(ps_error *err, ps_status code, const char *file, int line,
                         int col, const char *fmt, ...)
{
    char msg[PS_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (line > 0)
        return ps_error_set(err, code, "%s:%d:%d: %s", file ? file : "?", line, col, msg);
    return ps_error_set(err, code, "option %s: %s", file ? file : "--set", msg);
}

/* ------------------------------------------------------ key index */
/* Open-addressing hash of a map's keys, for duplicate checks and merges
 * of maps with many entries (100000 actors). */
typedef struct {
    int *slot; /* index + 1; 0 = empty */
    size_t cap;
    int n;
} key_index;

static size_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return (size_t)h;
}

static int index_find(const key_index *ix, char *const *keys, const char *key)
{
    if (ix->cap == 0)
        return -1;
    for (size_t h = hash_str(key) & (ix->cap - 1);; h = (h + 1) & (ix->cap - 1)) {
        int s = ix->slot[h];
        if (s == 0)
            return -1;
        if (strcmp(keys[s - 1], key) == 0)
            return s - 1;
    }
}

/* Add keys[i] (assumed absent). -1 on allocation failure. */
static int index_add(key_index *ix, char *const *keys, int i)
{
    if ((size_t)(ix->n + 1) * 2 > ix->cap) {
        size_t cap = ix->cap ? ix->cap * 2 : 16;
        int *slot = ps_calloc(cap, sizeof *slot);
        if (!slot)
            return -1;
        for (size_t k = 0; k < ix->cap; k++) {
            int s = ix->slot[k];
            if (!s)
                continue;
            size_t h = hash_str(keys[s - 1]) & (cap - 1);
            while (slot[h])
                h = (h + 1) & (cap - 1);
            slot[h] = s;
        }
        free(ix->slot);
        ix->slot = slot;
        ix->cap = cap;
    }
    size_t h = hash_str(keys[i]) & (ix->cap - 1);
    while (ix->slot[h])
        h = (h + 1) & (ix->cap - 1);
    ix->slot[h] = i + 1;
    ix->n++;
    return 0;
}

/* ------------------------------------------------------------ parsing */

typedef struct {
    yaml_parser_t p;
    const char *file; /* shared name given to every node */
    const char *text;
    size_t len;
    int cmdline;      /* parsing a --set value: positions are line 0 */
    ps_error *err;
} parse_ctx;

/* Line and column (characters, 1-based) of a byte offset. */
static void offset_pos(const char *text, size_t len, size_t off, int *line, int *col)
{
    int l = 1, c = 1;
    for (size_t i = 0; i < off && i < len; i++) {
        if (text[i] == '\n') {
            l++;
            c = 1;
        } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *col = c;
}

/* Offset of the first byte that is not valid UTF-8, or len if all is. */
static size_t utf8_check(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        size_t n;
        unsigned min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 2, min = 0x80, c &= 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 3, min = 0x800, c &= 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 4, min = 0x10000, c &= 0x07;
        } else {
            return i;
        }
        if (len - i < n)
            return i;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
            c = (c << 6) | (s[i + k] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return i;
        i += n;
    }
    return len;
}

static ps_status nomem_parse(parse_ctx *c)
{
    return ps_error_set(c->err, PS_ERR_NOMEM, "out of memory parsing %s", c->file);
}

static void mark_pos(const parse_ctx *c, yaml_mark_t m, int *line, int *col)
{
    if (c->cmdline) {
        *line = *col = 0;
    } else {
        *line = m.line >= INT_MAX ? INT_MAX : (int)m.line + 1;
        *col = m.column >= INT_MAX ? INT_MAX : (int)m.column + 1;
    }
}

static ps_status fail_ctx(parse_ctx *c, yaml_mark_t m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static ps_status fail_ctx(parse_ctx *c, yaml_mark_t m, const char *fmt, ...)
{
    char msg[PS_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int line, col;
    mark_pos(c, m, &line, &col);
    return fail_at(c->err, PS_ERR_CONFIG, c->file, line, col, "%s", msg);
}

static ps_status parser_error(parse_ctx *c)
{
    yaml_parser_t *p = &c->p;
    if (p->error == YAML_MEMORY_ERROR)
        return nomem_parse(c);
    int line, col;
    if (p->error == YAML_READER_ERROR) {
        offset_pos(c->text, c->len, p->problem_offset, &line, &col);
        if (c->cmdline)
            line = col = 0;
    } else {
        mark_pos(c, p->problem_mark, &line, &col);
    }
    char context[256] = "";
    if (p->context && !c->cmdline)
        snprintf(context, sizeof context, " %s started at line %zu, column %zu", p->context,
                 (size_t)p->context_mark.line + 1, (size_t)p->context_mark.column + 1);
    else if (p->context)
        snprintf(context, sizeof context, " %s", p->context);
    return fail_at(c->err, PS_ERR_CONFIG, c->file, line, col,
                   "invalid YAML: %s%s; expected %s", p->problem ? p->problem : "syntax error",
                   context, c->cmdline ? "a YAML scalar, [list] or {map} after '='"
                                       : "well-formed YAML");
}

static ps_status next_event(parse_ctx *c, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&c->p, ev))
        return parser_error(c);
    return PS_OK;
}

/* Only !!str (which makes a scalar a string) is meaningful here. */
static ps_status check_tag(parse_ctx *c, const yaml_event_t *ev, const yaml_char_t *tag,
                           int *quoted)
{
    if (!tag)
        return PS_OK;
    if (quoted && strcmp((const char *)tag, YAML_STR_TAG) == 0) {
        *quoted = 1;
        return PS_OK;
    }
    return fail_ctx(c, ev->start_mark, "unsupported tag '%s'; expected an untagged value",
                    (const char *)tag);
}

static int is_null_text(const char *s)
{
    return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
           !strcmp(s, "NULL");
}

static ps_status parse_value(parse_ctx *c, yaml_event_t *ev, int depth, ps_node **out);

/* Check the key event of a map entry; *key is a copy of it. */
static ps_status read_key(parse_ctx *c, const yaml_event_t *kev, const key_index *ix,
                          const ps_node *map, char **key)
{
    if (kev->type == YAML_ALIAS_EVENT)
        return fail_ctx(c, kev->start_mark, "aliases are not supported; expected a plain key");
    if (kev->type != YAML_SCALAR_EVENT)
        return fail_ctx(c, kev->start_mark, "complex key (a map or list used as a key); "
                        "expected a plain key");
    const char *k = (const char *)kev->data.scalar.value;
    int plain = kev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    if (plain && !strcmp(k, "<<"))
        return fail_ctx(c, kev->start_mark, "merge keys (<<) are not supported; expected "
                        "explicit keys (use extends: to inherit a file)");
    if (plain && !*k)
        return fail_ctx(c, kev->start_mark, "empty key; expected a name before ':'");
    if (strlen(k) != kev->data.scalar.length)
        return fail_ctx(c, kev->start_mark, "NUL character in key; expected text");
    int prev = index_find(ix, map->keys, k);
    if (prev >= 0 && c->cmdline)
        return fail_ctx(c, kev->start_mark, "duplicate key '%s'; expected each key once per "
                        "map", k);
    if (prev >= 0)
        return fail_ctx(c, kev->start_mark, "duplicate key '%s' (first at line %d, column %d); "
                        "expected each key once per map", k, map->key_line[prev],
                        map->key_col[prev]);
    return (*key = ps_strdup(k)) ? PS_OK : nomem_parse(c);
}

static ps_status parse_map(parse_ctx *c, int depth, ps_node *map)
{
    key_index ix = {0}; /* finds duplicates without quadratic scans */
    ps_status st;
    for (;;) {
        yaml_event_t kev, vev;
        if ((st = next_event(c, &kev)))
            break;
        if (kev.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&kev);
            break;
        }
        char *key = NULL;
        int kl, kc;
        mark_pos(c, kev.start_mark, &kl, &kc);
        st = read_key(c, &kev, &ix, map, &key);
        yaml_event_delete(&kev);
        if (st)
            break;
        if ((st = next_event(c, &vev))) {
            free(key);
            break;
        }
        ps_node *item = NULL;
        st = parse_value(c, &vev, depth + 1, &item);
        yaml_event_delete(&vev);
        if (!st && node_push(map, key, kl, kc, item) != 0)
            st = nomem_parse(c);
        if (st) {
            free(key);
            ps_node_free(item);
            break;
        }
        if (index_add(&ix, map->keys, map->n - 1) != 0) { /* key and item are the map's */
            st = nomem_parse(c);
            break;
        }
    }
    free(ix.slot);
    return st;
}

static ps_status parse_seq(parse_ctx *c, int depth, ps_node *seq)
{
    for (;;) {
        yaml_event_t ev;
        ps_status st = next_event(c, &ev);
        if (st)
            return st;
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            return PS_OK;
        }
        ps_node *item = NULL;
        st = parse_value(c, &ev, depth + 1, &item);
        yaml_event_delete(&ev);
        if (st)
            return st;
        if (node_push(seq, NULL, 0, 0, item) != 0) {
            ps_node_free(item);
            return nomem_parse(c);
        }
    }
}

/* Build the node that starts with event ev (the caller deletes ev). */
static ps_status parse_value(parse_ctx *c, yaml_event_t *ev, int depth, ps_node **out)
{
    int line, col;
    mark_pos(c, ev->start_mark, &line, &col);
    *out = NULL;
    ps_status st;
    ps_node *n;
    switch (ev->type) {
    case YAML_SCALAR_EVENT: {
        int quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
        if ((st = check_tag(c, ev, ev->data.scalar.tag, &quoted)))
            return st;
        const char *s = (const char *)ev->data.scalar.value;
        if (strlen(s) != ev->data.scalar.length)
            return fail_ctx(c, ev->start_mark, "NUL character in a string; expected text");
        int null = !quoted && is_null_text(s);
        n = node_new(null ? PS_NODE_NULL : PS_NODE_SCALAR, c->file, line, col);
        if (n && !null) {
            n->quoted = quoted;
            n->scalar = ps_strdup(s);
            if (!n->scalar) {
                ps_node_free(n);
                n = NULL;
            }
        }
        if (!n)
            return nomem_parse(c);
        *out = n;
        return PS_OK;
    }
    case YAML_MAPPING_START_EVENT:
    case YAML_SEQUENCE_START_EVENT: {
        int is_map = ev->type == YAML_MAPPING_START_EVENT;
        const yaml_char_t *tag = is_map ? ev->data.mapping_start.tag : ev->data.sequence_start.tag;
        if ((st = check_tag(c, ev, tag, NULL)))
            return st;
        if (depth >= MAX_DEPTH)
            return fail_ctx(c, ev->start_mark, "nesting deeper than %d levels; expected a "
                            "shallower document", MAX_DEPTH);
        n = node_new(is_map ? PS_NODE_MAP : PS_NODE_SEQ, c->file, line, col);
        if (!n)
            return nomem_parse(c);
        st = is_map ? parse_map(c, depth, n) : parse_seq(c, depth, n);
        if (st) {
            ps_node_free(n);
            return st;
        }
        *out = n;
        return PS_OK;
    }
    case YAML_ALIAS_EVENT:
        return fail_ctx(c, ev->start_mark, "aliases (*%s) are not supported; expected an "
                        "explicit value", (const char *)ev->data.alias.anchor);
    default:
        return fail_ctx(c, ev->start_mark, "unexpected YAML event; expected a value");
    }
}

/* Parse text as one YAML document into *out (a null node if empty). */
static ps_status parse_text(const char *text, size_t len, const char *file, int cmdline,
                            ps_node **out, ps_error *err)
{
    parse_ctx c = {.file = file, .text = text, .len = len, .cmdline = cmdline, .err = err};
    *out = NULL;
    size_t bad = utf8_check((const unsigned char *)text, len);
    if (bad < len) {
        int line = 0, col = 0;
        if (!cmdline)
            offset_pos(text, len, bad, &line, &col);
        return fail_at(err, PS_ERR_CONFIG, file, line, col,
                       "invalid UTF-8 byte 0x%02X; expected UTF-8 text",
                       (unsigned char)text[bad]);
    }
    if (!yaml_parser_initialize(&c.p))
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory parsing %s", file);
    yaml_parser_set_input_string(&c.p, (const unsigned char *)text, len);

    ps_node *root = NULL;
    ps_status st = PS_OK;
    int docs = 0;
    for (;;) {
        yaml_event_t ev;
        if ((st = next_event(&c, &ev)))
            break;
        yaml_event_type_t t = ev.type;
        if (t == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        if (t == YAML_DOCUMENT_START_EVENT && ++docs > 1) {
            st = fail_ctx(&c, ev.start_mark, "a second YAML document; expected one "
                          "document per %s", cmdline ? "value" : "file");
        } else if (t == YAML_SCALAR_EVENT || t == YAML_MAPPING_START_EVENT ||
                   t == YAML_SEQUENCE_START_EVENT || t == YAML_ALIAS_EVENT) {
            st = parse_value(&c, &ev, 0, &root);
        }
        yaml_event_delete(&ev);
        if (st)
            break;
    }
    yaml_parser_delete(&c.p);
    if (st) {
        ps_node_free(root);
        return st;
    }
    if (!root) { /* empty document */
        root = node_new(PS_NODE_NULL, file, cmdline ? 0 : 1, cmdline ? 0 : 1);
        if (!root)
            return ps_error_set(err, PS_ERR_NOMEM, "out of memory parsing %s", file);
    }
    *out = root;
    return PS_OK;
}

ps_status ps_node_load_file(const char *path, ps_node **out, ps_error *err)
{
    if (!out)
        return ps_error_set(err, PS_ERR_INTERNAL, "ps_node_load_file: no output");
    *out = NULL;
    size_t len;
    char *text = ps_read_file(path, &len, err);
    if (!text)
        return err ? err->code : PS_ERR_IO;
    const char *file = file_new(path);
    ps_status st = file ? parse_text(text, len, file, 0, out, err)
                        : ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    file_unref(file); /* the nodes keep their own references */
    free(text);
    return st;
}

/* ------------------------------------------------------------ extends */

/* The first null in a child that deletes nothing (the parent has no such
 * key: a typo in an id, most often, which would leave the entry in force). */
typedef struct {
    char key[128];
    const char *file; /* the child's file name: outlives the merge (see above) */
    int line, col;
} vain_delete;

/* Deep-merge child over parent; consumes both. Maps merge key by key (the
 * parent's order, then the child's new keys); a null child value deletes the
 * key; anything else in the child replaces. The result carries the child's
 * position, so a key's position is always in the file of its value. A null
 * for a key the parent lacks is recorded in *vain (first one only). */
static ps_node *merge(ps_node *parent, ps_node *child, vain_delete *vain)
{
    if (parent->kind != PS_NODE_MAP || child->kind != PS_NODE_MAP) {
        ps_node_free(parent);
        return child;
    }
    key_index ix = {0};
    ps_node *res = node_new(PS_NODE_MAP, child->file, child->line, child->col);
    char *used = ps_calloc((size_t)child->n, 1);
    if (!res || !used)
        goto fail;
    for (int j = 0; j < child->n; j++)
        if (index_add(&ix, child->keys, j) != 0)
            goto fail;
    /* Entries move into res one by one (and are cleared where they came
     * from), so every tree stays freeable if an allocation fails. */
    for (int k = 0; k < parent->n; k++) {
        int j = index_find(&ix, child->keys, parent->keys[k]);
        char *key;
        int line, col;
        ps_node *item;
        if (j < 0) {
            key = parent->keys[k], line = parent->key_line[k], col = parent->key_col[k];
            item = parent->items[k];
            parent->keys[k] = NULL, parent->items[k] = NULL;
        } else {
            used[j] = 1;
            if (child->items[j]->kind == PS_NODE_NULL)
                continue; /* deleted */
            /* the parent's copy of the key: the child's stays in the index */
            key = parent->keys[k], line = child->key_line[j], col = child->key_col[j];
            ps_node *a = parent->items[k], *b = child->items[j];
            parent->keys[k] = NULL, parent->items[k] = NULL, child->items[j] = NULL;
            item = merge(a, b, vain);
            if (!item) {
                free(key);
                goto fail;
            }
        }
        if (node_push(res, key, line, col, item) != 0) {
            free(key);
            ps_node_free(item);
            goto fail;
        }
    }
    for (int j = 0; j < child->n; j++) {
        if (!used[j] && child->items[j]->kind == PS_NODE_NULL && !vain->key[0]) {
            snprintf(vain->key, sizeof vain->key, "%s", child->keys[j]);
            vain->file = child->file;
            vain->line = child->key_line[j], vain->col = child->key_col[j];
        }
        if (used[j] || child->items[j]->kind == PS_NODE_NULL)
            continue;
        if (node_push(res, child->keys[j], child->key_line[j], child->key_col[j],
                      child->items[j]) != 0)
            goto fail;
        child->keys[j] = NULL, child->items[j] = NULL;
    }
    free(ix.slot);
    free(used);
    ps_node_free(parent);
    ps_node_free(child);
    return res;
fail:
    free(ix.slot);
    free(used);
    ps_node_free(res);
    ps_node_free(parent);
    ps_node_free(child);
    return NULL;
}

/* Path of `ref` relative to the directory of `from`; malloc'ed. */
static char *relative_path(const char *from, const char *ref)
{
    const char *slash = strrchr(from, '/');
    if (ref[0] == '/' || !slash)
        return ps_strdup(ref);
    size_t dir = (size_t)(slash - from) + 1, len = strlen(ref);
    char *p = malloc(dir + len + 1);
    if (p) {
        memcpy(p, from, dir);
        memcpy(p + dir, ref, len + 1);
    }
    return p;
}

typedef struct {
    char *real[MAX_EXTENDS + 1]; /* canonical paths, to detect cycles */
    const char *shown[MAX_EXTENDS + 1];
    int n;
    char *files; /* every file of the chain, one a line (NULL: not wanted) */
    int nomem;
    char *lineage;               /* "name <- parent <- root", or NULL: not wanted */
    size_t lineage_len;
} extends_chain;

int ps_path_list_add(char **list, const char *path)
{
    size_t a = *list ? strlen(*list) : 0, b = strlen(path);
    char *f = realloc(*list, a + b + 2);
    if (!f)
        return -1;
    memcpy(f + a, path, b);
    f[a + b] = '\n';
    f[a + b + 1] = '\0';
    *list = f;
    return 0;
}

static void chain_note(extends_chain *ch, const char *path)
{
    if (ch->files && ps_path_list_add(&ch->files, path) < 0)
        ch->nomem = 1;
}

/* Add one file's scenario name (its own `name:`, else its file name) to the
 * lineage, before its parents are read; a resolved config's `lineage:` (the
 * whole chain it was resolved from) stands for its name. */
static void lineage_add(extends_chain *ch, const char *path, const ps_node *root)
{
    if (!ch->lineage)
        return;
    int i = node_find(root, "name"), l = node_find(root, "lineage");
    const ps_node *n = i >= 0 ? root->items[i] : NULL;
    const char *slash = strrchr(path, '/');
    const char *name = n && n->kind == PS_NODE_SCALAR && n->scalar[0] ? n->scalar
                       : slash ? slash + 1 : path;
    if (l >= 0)
        name = root->items[l]->scalar; /* checked by load_chain */
    size_t used = strlen(ch->lineage);
    if (used < ch->lineage_len)
        snprintf(ch->lineage + used, ch->lineage_len - used, "%s%s", used ? " <- " : "", name);
}

static ps_status load_chain(const char *path, extends_chain *ch, ps_node **out, ps_error *err)
{
    ps_node *root = NULL;
    *out = NULL;
    ps_status st = ps_node_load_file(path, &root, err);
    if (st)
        return st;
    if (root->kind != PS_NODE_MAP) {
        st = fail_at(err, PS_ERR_CONFIG, root->file, root->line, root->col,
                     "%s at top level; expected a map of scenario keys (name:, start:, ...)",
                     root->kind == PS_NODE_NULL ? "empty document"
                     : root->kind == PS_NODE_SEQ ? "a list" : "a single value");
        ps_node_free(root);
        return st;
    }
    int l = node_find(root, "lineage"), e = node_find(root, "extends");
    const ps_node *ln = l >= 0 ? root->items[l] : NULL;
    if (ln && (ln->kind != PS_NODE_SCALAR || !ln->scalar[0] ||
               (e >= 0 && root->items[e]->kind != PS_NODE_NULL))) {
        st = fail_at(err, PS_ERR_CONFIG, ln->file, ln->line, ln->col,
                     ln->kind != PS_NODE_SCALAR || !ln->scalar[0]
                         ? "lineage is not a text; expected the extends chain a resolved "
                           "config was made from, \"name <- parent <- root\""
                         : "lineage in a file that extends another; expected it only in a "
                           "resolved config (/provenance/config_resolved), which has no extends");
        ps_node_free(root);
        return st;
    }
    lineage_add(ch, path, root);
    int i = node_find(root, "extends");
    if (i < 0) {
        *out = root;
        return PS_OK;
    }
    ps_node *ext = root->items[i];
    if (ext->kind == PS_NODE_NULL) {
        node_remove(root, i);
        *out = root;
        return PS_OK;
    }
    if (ext->kind != PS_NODE_SCALAR || !ext->scalar[0]) {
        st = fail_at(err, PS_ERR_CONFIG, ext->file, ext->line, ext->col,
                     "extends is not a file name; expected a path to a YAML file, relative "
                     "to this file");
        ps_node_free(root);
        return st;
    }
    char *ppath = relative_path(path, ext->scalar);
    if (!ppath) {
        ps_node_free(root);
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    }
    char *real = realpath(ppath, NULL);
    if (!real) {
        st = fail_at(err, PS_ERR_CONFIG, ext->file, ext->line, ext->col,
                     "cannot read extended file '%s': %s; expected an existing YAML file "
                     "(path relative to this file)", ppath, strerror(errno));
        goto done;
    }
    for (int k = 0; k < ch->n; k++) {
        if (strcmp(ch->real[k], real) != 0)
            continue;
        char cycle[1024] = "";
        size_t used = 0;
        for (int m = k; m < ch->n && used < sizeof cycle; m++)
            used += (size_t)snprintf(cycle + used, sizeof cycle - used, "%s -> ", ch->shown[m]);
        if (used < sizeof cycle)
            snprintf(cycle + used, sizeof cycle - used, "%s", ppath);
        st = fail_at(err, PS_ERR_CONFIG, ext->file, ext->line, ext->col,
                     "extends cycle: %s; expected a chain of files that ends", cycle);
        free(real);
        goto done;
    }
    if (ch->n >= MAX_EXTENDS) {
        st = fail_at(err, PS_ERR_CONFIG, ext->file, ext->line, ext->col,
                     "extends chain longer than %d files; expected a shorter chain",
                     MAX_EXTENDS);
        free(real);
        goto done;
    }
    ch->real[ch->n] = real;
    ch->shown[ch->n] = ppath;
    ch->n++;
    chain_note(ch, real);
    ps_node *parent = NULL;
    st = load_chain(ppath, ch, &parent, err);
    ch->n--;
    free(real);
    if (st == PS_ERR_INPUT) { /* could not be read (not its content): say who names it */
        char msg[PS_ERRMSG_MAX];
        snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
        st = fail_at(err, PS_ERR_CONFIG, ext->file, ext->line, ext->col, "extends: %s", msg);
    }
    if (st)
        goto done;
    node_remove(root, i);
    vain_delete vain = {{0}, NULL, 0, 0};
    *out = merge(parent, root, &vain);
    root = NULL;
    if (!*out)
        st = ps_error_set(err, PS_ERR_NOMEM, "out of memory merging %s", path);
    else if (vain.key[0]) {
        st = fail_at(err, PS_ERR_CONFIG, vain.file, vain.line, vain.col,
                     "'%s: null' deletes nothing: the file it extends has no '%s' there; "
                     "expected the key of an inherited entry (a typo leaves that entry in "
                     "force)", vain.key, vain.key);
        ps_node_free(*out);
        *out = NULL;
    }
done:
    free(ppath);
    ps_node_free(root);
    return st;
}

ps_status ps_node_load_config(const char *path, ps_node **out, char *lineage, size_t len,
                              char **files, ps_error *err)
{
    if (!out)
        return ps_error_set(err, PS_ERR_INTERNAL, "ps_node_load_config: no output");
    extends_chain ch = {.n = 1, .lineage = len ? lineage : NULL, .lineage_len = len};
    if (ch.lineage)
        ch.lineage[0] = '\0';
    ch.real[0] = path ? realpath(path, NULL) : NULL;
    if (!ch.real[0])
        ch.real[0] = ps_strdup(path ? path : "");
    ch.shown[0] = path;
    if (files && !(ch.files = ps_strdup("")))
        ch.nomem = 1;
    if (ch.real[0])
        chain_note(&ch, ch.real[0]);
    ps_status st = ch.real[0] && !ch.nomem ? load_chain(path, &ch, out, err)
                                           : ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    if (st == PS_OK && ch.nomem) {
        ps_node_free(*out);
        *out = NULL;
        st = ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    }
    free(ch.real[0]);
    if (files && st == PS_OK)
        *files = ch.files;
    else
        free(ch.files);
    return st;
}

/* --------------------------------------------------------------- --set */

ps_status ps_node_set_lineage(ps_node *root, const char *value, ps_error *err)
{
    int i = node_find(root, "lineage");
    if (i >= 0)
        node_remove(root, i);
    if (!value || !strstr(value, " <- "))
        return PS_OK;
    ps_node *v = node_new(PS_NODE_SCALAR, root->file, 0, 0);
    char *key = strdup("lineage");
    if (v)
        v->quoted = 1;
    if (!v || !key || !(v->scalar = strdup(value)) || node_push(root, key, 0, 0, v) < 0) {
        ps_node_free(v);
        free(key);
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    }
    return PS_OK;
}

/* A --set with a null value deletes the key at path (dotted), which must be
 * there: as in extends (vain_delete), a delete that finds nothing is most
 * often a typo, which would leave the entry in force. A path through a value
 * or a list is left to ps_node_set_path's walk, which names it. */
static ps_status check_delete(const ps_node *root, const char *path, const char *file,
                              ps_error *err)
{
    char *p = ps_strdup(path);
    if (!p)
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    const ps_node *cur = root;
    ps_status st = PS_OK;
    for (char *seg = p, *dot;; seg = dot + 1) {
        if ((dot = strchr(seg, '.')))
            *dot = '\0';
        int i = node_find(cur, seg);
        if (i >= 0 && !(dot && cur->items[i]->kind == PS_NODE_NULL)) {
            if (!dot || cur->items[i]->kind != PS_NODE_MAP)
                break; /* there, or a path through a value */
            cur = cur->items[i];
            *dot = '.';
            continue;
        }
        const char *near = i < 0 ? ps_did_you_mean(seg, (const char *const *)cur->keys,
                                                   cur->n) : NULL;
        int plen = seg > p ? (int)(seg - p - 1) : 0;
        st = fail_at(err, PS_ERR_CONFIG, file, 0, 0, "deletes nothing: the scenario has no "
                     "'%s'%s%.*s%s%s%s; expected the path of a key it has (a typo leaves that "
                     "key in force)", seg, plen ? " in " : "", plen, p,
                     near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
        break;
    }
    free(p);
    return st;
}

ps_status ps_node_set_path(ps_node *root, const char *assignment, ps_error *err)
{
    if (!root || !assignment)
        return ps_error_set(err, PS_ERR_INTERNAL, "ps_node_set_path: no tree or assignment");
    size_t alen = strlen(assignment);
    char *label = malloc(alen + 7);
    if (!label)
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    snprintf(label, alen + 7, "--set %s", assignment);
    const char *file = file_new(label);
    free(label);
    if (!file)
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");

    ps_status st = PS_OK;
    ps_node *value = NULL;
    /* "+actors.X..." adds an actor or event (ps_scenario_load checks which);
     * here it is a path like any other. */
    const char *akey = assignment + (assignment[0] == '+');
    const char *eq = strchr(akey, '=');
    size_t klen = eq ? (size_t)(eq - akey) : 0;
    char *path = NULL;
    if (!eq || klen == 0) {
        st = fail_at(err, PS_ERR_CONFIG, file, 0, 0, "%s; expected KEY=VALUE with a dotted "
                     "KEY such as parameters.economy.lend_share=0.2",
                     eq ? "missing key before '='" : "missing '='");
        goto done;
    }
    if (root->kind != PS_NODE_MAP) {
        st = fail_at(err, PS_ERR_CONFIG, file, 0, 0, "the scenario is not a map; expected a "
                     "map of scenario keys");
        goto done;
    }
    path = malloc(klen + 1);
    if (!path) {
        st = ps_error_set(err, PS_ERR_NOMEM, "out of memory");
        goto done;
    }
    memcpy(path, akey, klen);
    path[klen] = '\0';
    int segs = 1;
    for (size_t i = 0; i < klen; i++)
        segs += path[i] == '.';
    if (segs > MAX_DEPTH) {
        st = fail_at(err, PS_ERR_CONFIG, file, 0, 0, "key has %d parts; expected at most %d",
                     segs, MAX_DEPTH);
        goto done;
    }
    for (char *s = path;; s++) {
        char *dot = strchr(s, '.');
        if ((dot ? dot : s + strlen(s)) == s) {
            st = fail_at(err, PS_ERR_CONFIG, file, 0, 0, "empty part in key '%s'; expected "
                         "dot-separated names such as actors.RUS.gdp", path);
            goto done;
        }
        if (!dot)
            break;
        s = dot;
    }
    if ((st = parse_text(eq + 1, strlen(eq + 1), file, 1, &value, err)))
        goto done;
    if (value->kind == PS_NODE_NULL && (st = check_delete(root, path, file, err)))
        goto done;

    /* Walk the maps, creating missing ones. */
    ps_node *cur = root;
    char *seg = path;
    for (char *dot; (dot = strchr(seg, '.')); seg = dot + 1) {
        *dot = '\0';
        int i = node_find(cur, seg);
        if (i >= 0 && cur->items[i]->kind == PS_NODE_MAP) {
            cur = cur->items[i];
            continue;
        }
        if (i >= 0 && cur->items[i]->kind != PS_NODE_NULL) {
            st = fail_at(err, PS_ERR_CONFIG, file, 0, 0, "'%s' is a %s, not a map; expected a "
                         "key path through maps", seg,
                         cur->items[i]->kind == PS_NODE_SEQ ? "list" : "value");
            goto done;
        }
        ps_node *m = node_new(PS_NODE_MAP, file, 0, 0);
        char *key = i >= 0 ? NULL : ps_strdup(seg);
        if (!m || (i < 0 && !key)) {
            ps_node_free(m);
            free(key);
            st = ps_error_set(err, PS_ERR_NOMEM, "out of memory");
            goto done;
        }
        if (i >= 0) { /* replace a null value */
            ps_node_free(cur->items[i]);
            cur->items[i] = m;
            cur->key_line[i] = cur->key_col[i] = 0;
        } else if (node_push(cur, key, 0, 0, m) != 0) {
            ps_node_free(m);
            free(key);
            st = ps_error_set(err, PS_ERR_NOMEM, "out of memory");
            goto done;
        }
        cur = m;
    }
    int i = node_find(cur, seg);
    if (value->kind == PS_NODE_NULL) { /* as in extends: null deletes (check_delete) */
        if (i >= 0) {
            node_remove(cur, i);
            /* What is now missing from this map is the option's doing: an
             * error found at the map names the option, not the file. */
            file_ref(file);
            file_unref(cur->file);
            cur->file = file;
            cur->line = cur->col = 0;
        }
    } else if (i >= 0) {
        ps_node_free(cur->items[i]);
        cur->items[i] = value;
        cur->key_line[i] = cur->key_col[i] = 0; /* position: the option */
        value = NULL;
    } else {
        char *key = ps_strdup(seg);
        if (!key || node_push(cur, key, 0, 0, value) != 0) {
            free(key);
            st = ps_error_set(err, PS_ERR_NOMEM, "out of memory");
            goto done;
        }
        value = NULL;
    }
done:
    ps_node_free(value);
    free(path);
    file_unref(file);
    return st;
}

/* ------------------------------------------------------------ emitting */

typedef struct {
    char *p;
    size_t n, cap;
    int nomem;
} text_buf;

static int write_text(void *data, unsigned char *buf, size_t size)
{
    text_buf *t = data;
    if (size > SIZE_MAX - t->n - 1)
        return !(t->nomem = 1);
    if (t->n + size + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 1024;
        while (cap < t->n + size + 1)
            cap = cap > SIZE_MAX / 2 ? t->n + size + 1 : cap * 2;
        char *p = realloc(t->p, cap);
        if (!p)
            return !(t->nomem = 1);
        t->p = p;
        t->cap = cap;
    }
    memcpy(t->p + t->n, buf, size);
    t->n += size;
    t->p[t->n] = '\0';
    return 1;
}

static int emit_scalar(yaml_emitter_t *e, const char *s, int quoted)
{
    yaml_event_t ev;
    if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)(uintptr_t)s, (int)strlen(s),
                                      !quoted, 1,
                                      quoted ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
                                             : YAML_PLAIN_SCALAR_STYLE))
        return 0;
    return yaml_emitter_emit(e, &ev);
}

static int emit_node(yaml_emitter_t *e, const ps_node *n)
{
    yaml_event_t ev;
    if (!n || n->kind == PS_NODE_NULL)
        return emit_scalar(e, "null", 0);
    if (n->kind == PS_NODE_SCALAR)
        return emit_scalar(e, n->scalar, n->quoted);
    int is_map = n->kind == PS_NODE_MAP;
    if (is_map ? !yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
                                                       YAML_BLOCK_MAPPING_STYLE)
               : !yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
                                                        YAML_BLOCK_SEQUENCE_STYLE))
        return 0;
    if (!yaml_emitter_emit(e, &ev))
        return 0;
    for (int i = 0; i < n->n; i++) {
        if (is_map && !emit_scalar(e, n->keys[i], 0))
            return 0;
        if (!emit_node(e, n->items[i]))
            return 0;
    }
    if (is_map ? !yaml_mapping_end_event_initialize(&ev) : !yaml_sequence_end_event_initialize(&ev))
        return 0;
    return yaml_emitter_emit(e, &ev);
}

ps_status ps_node_emit(const ps_node *n, char **text, ps_error *err)
{
    if (!text)
        return ps_error_set(err, PS_ERR_INTERNAL, "ps_node_emit: no output");
    *text = NULL;
    yaml_emitter_t e;
    yaml_event_t ev;
    text_buf t = {0};
    if (!yaml_emitter_initialize(&e))
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory emitting YAML");
    yaml_emitter_set_output(&e, write_text, &t);
    yaml_emitter_set_unicode(&e, 1);
    yaml_emitter_set_width(&e, -1);
    int ok = yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) &&
             yaml_emitter_emit(&e, &ev) &&
             yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) &&
             yaml_emitter_emit(&e, &ev) && emit_node(&e, n) &&
             yaml_document_end_event_initialize(&ev, 1) && yaml_emitter_emit(&e, &ev) &&
             yaml_stream_end_event_initialize(&ev) && yaml_emitter_emit(&e, &ev) &&
             yaml_emitter_flush(&e);
    const char *problem = e.problem;
    yaml_error_type_t e_error = e.error;
    yaml_emitter_delete(&e);
    if (!ok || !t.p) {
        free(t.p);
        /* libyaml reports a failed allocation in our writer as a write error */
        if (ok || t.nomem || e_error == YAML_MEMORY_ERROR)
            return ps_error_set(err, PS_ERR_NOMEM, "out of memory emitting YAML");
        return ps_error_set(err, PS_ERR_INTERNAL, "cannot emit YAML: %s",
                            problem ? problem : "unknown error");
    }
    *text = t.p;
    return PS_OK;
}
