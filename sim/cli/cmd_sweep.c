/* pactsim sweep SPEC -o FILE [--threads T] [--force] [--resume] [--quiet] */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "pactsim.h"

static const char sweep_usage[] =
    "Usage: pactsim sweep SPEC -o FILE [--threads T] [--force] [--resume] [--quiet]\n"
    "  Run every point of a sweep spec (docs/sweeps.md) with its replicates into FILE.\n"
    "  -o, --output FILE   the sweep file (HDF5); written as FILE.partial until complete\n"
    "  -t, --threads T     OpenMP threads (results do not depend on it)\n"
    "  -f, --force         start over: overwrite FILE and discard FILE.partial\n"
    "      --resume        continue FILE.partial (runs only what is missing)\n"
    "  -q, --quiet         no progress bar\n"
    "      --validate      check the spec and every point, run nothing\n";

static volatile sig_atomic_t sweep_signal = 0;
static volatile int sweep_stop = 0;

static void on_signal(int sig)
{
    sweep_signal = sig;
    sweep_stop = 1;
}

static int sweep_usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "pactsim: error: sweep: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'pactsim sweep --help'.\n");
    return ps_status_exit_code(PS_ERR_USAGE);
}

typedef struct {
    time_t start;
    int tty;
} bar;

static void progress(int done, int total, void *user)
{
    bar *b = user;
    if (!b->tty)
        return;
    double el = difftime(time(NULL), b->start);
    double rate = el > 0 ? done / el : 0.0;
    double eta = rate > 0 ? (total - done) / rate : 0.0;
    int width = 30, fill = total ? done * width / total : width;
    fprintf(stderr, "\r[%.*s%*s] %d/%d runs  %.1f/s  ETA %.0fs ", fill,
            "##############################", width - fill, "", done, total, rate, eta);
    if (done == total)
        fputc('\n', stderr);
    fflush(stderr);
}

static char *join(int argc, char **argv)
{
    size_t len = 16;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char *s = calloc(len, 1);
    if (!s)
        return NULL;
    strcpy(s, "pactsim");
    for (int i = 0; i < argc; i++) {
        strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

int ps_cli_sweep(int argc, char **argv)
{
    enum { OPT_RESUME = 256, OPT_VALIDATE };
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"threads", required_argument, NULL, 't'},
        {"force", no_argument, NULL, 'f'},
        {"resume", no_argument, NULL, OPT_RESUME},
        {"validate", no_argument, NULL, OPT_VALIDATE},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *output = NULL;
    int threads = 0, force = 0, resume = 0, quiet = 0, validate_only = 0, c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":o:t:fqh", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            if (!*optarg)
                return sweep_usage_error("option --output: expected a file name, got '%s'", optarg);
            output = optarg;
            break;
        case 't': {
            char *end;
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || v < 1 || v > 1024)
                return sweep_usage_error("option --threads: expected an integer from 1 to "
                                         "1024, got '%s'", optarg);
            threads = (int)v;
            break;
        }
        case 'f': force = 1; break;
        case 'q': quiet = 1; break;
        case OPT_RESUME: resume = 1; break;
        case OPT_VALIDATE: validate_only = 1; break;
        case 'h': fputs(sweep_usage, stdout); return 0;
        case ':': return sweep_usage_error("option %s: missing its value", argv[optind - 1]);
        default: return sweep_usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return sweep_usage_error("expected one SPEC file, got %s",
                                 argc - optind ? "several" : "none");
    if (!output && !validate_only)
        return sweep_usage_error("%s", "expected -o FILE");
    const char *spec = argv[optind];
    ps_error err = {PS_OK, ""};
    ps_sweep *sw = NULL;
    ps_status s = ps_sweep_load(spec, &sw, &err);
    if (s == PS_OK)
        s = ps_sweep_validate(sw, &err);
    if (s != PS_OK) {
        fprintf(stderr, "pactsim: error: %s\n", err.msg);
        ps_sweep_free(sw);
        return ps_status_exit_code(s);
    }
    if (validate_only) {
        printf("%s: ok: sweep '%s', %s design, %d parameters, %d points x %d replicates = "
               "%lld runs\n", spec, sw->name, ps_design_name(sw->design), sw->n_params,
               sw->n_points, sw->replicates, (long long)sw->n_points * sw->replicates);
        ps_sweep_free(sw);
        return 0;
    }
    char *cmdline = join(argc - 1, argv + 1);
    bar b = {time(NULL), !quiet && isatty(STDERR_FILENO)};
    ps_sweep_options opt = {.threads = threads, .output = output, .force = force,
                            .resume = resume, .command_line = cmdline, .progress = progress,
                            .progress_user = &b, .stop_flag = &sweep_stop};
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGXFSZ, SIG_IGN);
    ps_sweep_result res;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    s = ps_sweep_run(sw, &opt, &res, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
    ps_sweep_free(sw);
    free(cmdline);
    if (s == PS_ERR_INTERRUPTED && sweep_signal) {
        fprintf(stderr, "pactsim: %s\n", err.msg);
        return 128 + sweep_signal;
    }
    if (s != PS_OK) {
        fprintf(stderr, "pactsim: error: %s\n", err.msg);
        return ps_status_exit_code(s);
    }
    if (res.failed)
        fprintf(stderr, "pactsim: warning: %d of %d runs stopped on a non-finite value (their "
                "values are NaN, /sweep/done = 2)%s%s\n", res.failed, res.runs,
                res.first_failure[0] ? "; first: " : "", res.first_failure);
    if (!quiet) {
        if (res.already_complete)
            fprintf(stderr, "pactsim: %s is already complete\n", output);
        else
            fprintf(stderr, "pactsim: wrote %s (%d runs now, %d in all; %.1f runs/s)\n", output,
                    res.ran, res.runs, secs > 0 ? res.ran / secs : 0.0);
    }
    return 0;
}
