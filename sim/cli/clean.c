/* Terminal-safe output. Names that come from files (actor, scenario and
 * dataset names of a hostile HDF5 file, YAML keys) may hold control
 * characters, and an escape sequence printed raw is executed by the
 * terminal. So the CLI's stdout and stderr pass through a filter that writes
 * every control character except newline and tab as \xNN (C0, DEL, and C1 as
 * their UTF-8 encodings U+0080..U+009F). The progress bar, which draws with
 * '\r', writes to ps_cli_tty, the unfiltered stderr. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

FILE *ps_cli_tty;

typedef struct {
    int fd;
    int held; /* a 0xC2 byte not yet written: a C1 control may follow */
} clean_out;

static int put_all(int fd, const char *b, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, b, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        b += k;
        n -= (size_t)k;
    }
    return 0;
}

size_t ps_cli_clean(char *out, const char *in, size_t n, int *held)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        if (*held) {
            *held = 0;
            if (c >= 0x80 && c <= 0x9F) { /* U+0080..U+009F: C1 control */
                o += (size_t)sprintf(out + o, "\\xc2\\x%02x", c);
                continue;
            }
            out[o++] = (char)0xC2;
        }
        if (c == 0xC2)
            *held = 1;
        else if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F)
            o += (size_t)sprintf(out + o, "\\x%02x", c);
        else
            out[o++] = (char)c;
    }
    return o;
}

static ssize_t clean_write(void *cookie, const char *buf, size_t n)
{
    clean_out *c = cookie;
    char out[4096 * 8 + 16];
    for (size_t done = 0; done < n;) {
        size_t part = n - done < 4096 ? n - done : 4096;
        size_t o = ps_cli_clean(out, buf + done, part, &c->held);
        if (put_all(c->fd, out, o) < 0)
            return done ? (ssize_t)done : -1;
        done += part;
    }
    return (ssize_t)n;
}

static int clean_close(void *cookie)
{
    clean_out *c = cookie;
    if (c->held)
        put_all(c->fd, "\xC2", 1);
    c->held = 0;
    return 0;
}

static FILE *clean_stream(clean_out *c, int fd, int mode)
{
    c->fd = fd;
    c->held = 0;
    cookie_io_functions_t io = {.write = clean_write, .close = clean_close};
    FILE *fp = fopencookie(c, "w", io);
    if (fp)
        setvbuf(fp, NULL, mode, 0);
    return fp;
}

void ps_cli_clean_streams(void)
{
    static clean_out out, err;
    ps_cli_tty = stderr;
    FILE *o = clean_stream(&out, STDOUT_FILENO, isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF);
    FILE *e = clean_stream(&err, STDERR_FILENO, _IONBF);
    if (o)
        stdout = o;
    if (e)
        stderr = e;
}
