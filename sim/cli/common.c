/* Helpers shared by the commands: integer options, and outputs checked before
 * any work starts (a file that cannot be created, because its directory is
 * missing or unwritable or a directory is in its place, is one message and one
 * exit code, 2, in every command that writes). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "pactsim.h"

int ps_cli_check_output(const char *cmd, const char *option, const char *path, int in_place)
{
    char why[512] = "";
    struct stat st;
    if (!path || !*path)
        snprintf(why, sizeof why, "an empty file name");
    else if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        snprintf(why, sizeof why, "it is a directory");
    else if (in_place && access(path, W_OK) != 0 && errno != ENOENT)
        snprintf(why, sizeof why, "the file is not writable: %s", strerror(errno));
    else {
        /* The directory the file (or its temporary file) is created in. */
        size_t n = strlen(path);
        char *dir = malloc(n + 2);
        if (!dir)
            snprintf(why, sizeof why, "out of memory");
        else {
            memcpy(dir, path, n + 1);
            char *slash = strrchr(dir, '/');
            if (!slash)
                strcpy(dir, ".");
            else if (slash == dir)
                dir[1] = '\0';
            else
                *slash = '\0';
            if (stat(dir, &st) != 0)
                snprintf(why, sizeof why, "the directory '%s' %s", dir,
                         errno == ENOENT ? "does not exist" : strerror(errno));
            else if (!S_ISDIR(st.st_mode))
                snprintf(why, sizeof why, "'%s' is not a directory", dir);
            else if (access(dir, W_OK | X_OK) != 0)
                snprintf(why, sizeof why, "the directory '%s' is not writable: %s", dir,
                         strerror(errno));
            free(dir);
        }
    }
    if (!why[0])
        return 0;
    fprintf(stderr, "pactsim: error: %s: %s%s%s'%s': cannot write there: %s; expected %s\n",
            cmd, option ? "option " : "", option ? option : "", option ? " " : "",
            path ? path : "", why, in_place ? "a file this user may write"
                                             : "a file name in an existing, writable directory");
    return ps_status_exit_code(PS_ERR_USAGE);
}

static int kept_argc;
static char **kept_argv;

void ps_cli_keep_argv(int argc, char **argv)
{
    kept_argc = argc;
    /* A copy of the pointers: getopt permutes argv's, not the strings. */
    kept_argv = malloc(((size_t)argc + 1) * sizeof *kept_argv);
    if (kept_argv)
        memcpy(kept_argv, argv, ((size_t)argc + 1) * sizeof *kept_argv);
}

char *ps_cli_command_line(void)
{
    size_t len = 1;
    for (int i = 0; kept_argv && i < kept_argc; i++)
        len += strlen(kept_argv[i]) + 1;
    char *s = calloc(len, 1);
    for (int i = 0; s && kept_argv && i < kept_argc; i++) {
        strcat(s, kept_argv[i]);
        if (i + 1 < kept_argc)
            strcat(s, " ");
    }
    return s;
}

/* Is the element "--name" or "--name=..." for one of longopts' whole names? */
static int whole_name(const char *arg, const struct option *longopts)
{
    size_t len = strcspn(arg + 2, "=");
    for (int k = 0; longopts[k].name; k++)
        if (strlen(longopts[k].name) == len && !strncmp(arg + 2, longopts[k].name, len))
            return 1;
    return 0;
}

int ps_cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts)
{
    int li = -1;
    int c = getopt_long(argc, argv, shortopts, longopts, &li);
    /* A short option (li < 0 unless a long one matched) is never a prefix. */
    if (c == -1 || c == '?' || (c != ':' && li < 0))
        return c;
    /* The element that named the option; a separate value follows it. */
    int at = optind - 1;
    if (c != ':' && optarg && at > 0 && optarg == argv[at])
        at--;
    const char *arg = argv[at];
    if (strncmp(arg, "--", 2) || !arg[2] || whole_name(arg, longopts))
        return c;
    optind = at + 1;
    return '?';
}

int ps_cli_flag_index(const char *arg, const struct option *longopts)
{
    const char *eq = strchr(arg, '=');
    if (strncmp(arg, "--", 2) || !eq)
        return -1;
    size_t len = (size_t)(eq - arg - 2);
    for (int k = 0; longopts[k].name; k++)
        if (longopts[k].has_arg == no_argument && strlen(longopts[k].name) == len &&
            !strncmp(arg + 2, longopts[k].name, len))
            return k;
    return -1;
}

void ps_cli_refused(const char *arg, const struct option *longopts, char *buf, size_t len)
{
    int k = ps_cli_flag_index(arg, longopts);
    if (k >= 0)
        snprintf(buf, len, "option --%s: takes no value; expected --%s alone, got '%s'",
                 longopts[k].name, longopts[k].name, arg);
    else
        snprintf(buf, len, "unknown option '%s'", arg);
}

int ps_cli_parse_int(const char *s, long lo, long hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

/* A signal handler may store only to lock-free atomics (C11 7.14.1.1). */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "the stop flag must be a lock-free atomic int");
ps_stop ps_cli_stop;
volatile sig_atomic_t ps_cli_signal;

static void on_stop_signal(int sig)
{
    ps_cli_signal = sig;
    atomic_store_explicit(&ps_cli_stop, 1, memory_order_relaxed);
}

void ps_cli_catch_stop(void)
{
    signal(SIGINT, on_stop_signal);
    signal(SIGTERM, on_stop_signal);
}

int ps_cli_under_mpi(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE",
                                       "PMI_RANK", "MPI_LOCALNRANKS"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
        if (getenv(vars[i]))
            return 1;
    return 0;
}
