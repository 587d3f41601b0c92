/* Status codes, their texts and exit codes, from PS_STATUS_LIST. */
#include <stdarg.h>
#include <string.h>

#include "pactsim.h"

static const struct {
    const char *text;
    int exit_code;
} status_table[] = {
#define PS_X_ROW(name, exitcode, text) {text, exitcode},
    PS_STATUS_LIST(PS_X_ROW)
#undef PS_X_ROW
};

const char *ps_status_text(ps_status s)
{
    if ((int)s < 0 || s >= PS_STATUS_COUNT)
        return "unknown status";
    return status_table[s].text;
}

int ps_status_exit_code(ps_status s)
{
    if ((int)s < 0 || s >= PS_STATUS_COUNT)
        return 1;
    return status_table[s].exit_code;
}

ps_status ps_error_set(ps_error *err, ps_status code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

ps_status ps_error_prefix(ps_error *err, const char *fmt, ...)
{
    if (!err)
        return PS_ERR_INTERNAL;
    char head[PS_ERRMSG_MAX], old[PS_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    /* Truncation is fine: the head names the context, the tail may be cut. */
    size_t h = strlen(head);
    memcpy(err->msg, head, h + 1);
    strncat(err->msg, old, sizeof err->msg - h - 1);
    return err->code;
}
