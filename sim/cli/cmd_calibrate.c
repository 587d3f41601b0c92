/* pactsim calibrate SPEC -o POSTERIOR.h5 [--threads T] [--force] [--resume] [--quiet]
 *                   [--validate]
 * ABC-SMC calibration (docs/calibration.md): progress per generation on stderr. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "pactsim.h"

const char ps_cli_calibrate_help[] =
    "Usage: pactsim calibrate SPEC -o POSTERIOR.h5 [--threads T] [--force] [--resume] [--quiet]\n"
    "       pactsim calibrate SPEC --validate\n"
    "  Calibrate the parameters of a calibration spec (docs/calibration.md) against its\n"
    "  observations by ABC-SMC; the posterior (weighted samples, each generation's\n"
    "  diagnostics, discrepancies, provenance) goes to POSTERIOR.h5.\n"
    "  -o, --output FILE   the posterior file (HDF5), written under a temporary name\n"
    "  -t, --threads T     OpenMP threads (the posterior does not depend on it)\n"
    "  -f, --force         start over: overwrite FILE and discard FILE.partial\n"
    "      --resume        continue from FILE.partial (the last finished generation)\n"
    "  -q, --quiet         no progress lines\n"
    "      --validate      check the spec, its base scenario and observations; run nothing\n"
    "Exit status: 0 success (also: --resume of a finished calibration); 1 runtime\n"
    "  failure (I/O, memory); 2 bad input (usage, spec with file:line:col, observations,\n"
    "  existing output, damaged or foreign checkpoint); 130/143 interrupted by\n"
    "  SIGINT/SIGTERM: the finished generations stay in FILE.partial for --resume.\n";

static int calib_usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "pactsim: error: calibrate: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'pactsim calibrate --help'.\n");
    return ps_status_exit_code(PS_ERR_USAGE);
}

typedef struct {
    struct timespec start;
    int quiet;
} progress_state;

static void progress(const ps_calib_generation *g, void *user)
{
    progress_state *p = user;
    if (p->quiet)
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double el = (double)(now.tv_sec - p->start.tv_sec) + 1e-9 * (now.tv_nsec - p->start.tv_nsec);
    fprintf(stderr, "pactsim: generation %d: tolerance %.6g, acceptance %.3f, ESS %.1f, "
            "%lld simulations (%lld in all)%s", g->generation, g->tolerance, g->acceptance,
            g->ess, g->simulations, g->total, g->resumed ? ", from the checkpoint\n" : "");
    if (!g->resumed)
        fprintf(stderr, ", %.1f s\n", el);
    fflush(stderr);
}

int ps_cli_calibrate(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"threads", required_argument, NULL, 't'},
        {"force", no_argument, NULL, 'f'},
        {"resume", no_argument, NULL, 'r'},
        {"quiet", no_argument, NULL, 'q'},
        {"validate", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *output = NULL;
    int threads = 0, force = 0, resume = 0, quiet = 0, validate = 0, c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":o:t:fqh", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            if (!*optarg)
                return calib_usage_error("option --output: expected a file name, got '%s'",
                                         optarg);
            output = optarg;
            break;
        case 't': {
            char *end;
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || v < 1 || v > 1024)
                return calib_usage_error("option --threads: expected an integer from 1 to "
                                         "1024, got '%s'", optarg);
            threads = (int)v;
            break;
        }
        case 'f': force = 1; break;
        case 'r': resume = 1; break;
        case 'q': quiet = 1; break;
        case 'v': validate = 1; break;
        case 'h': fputs(ps_cli_calibrate_help, stdout); return 0;
        case ':': return calib_usage_error("option %s: missing its value", argv[optind - 1]);
        default: return calib_usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return calib_usage_error("expected one SPEC, got %s",
                                 argc - optind ? "several" : "none");
    if (!validate && !output)
        return calib_usage_error("%s", "expected -o FILE (the posterior file)");
    if (resume && force)
        return calib_usage_error("%s", "options --resume and --force: expected one of them "
                                 "(--force starts over, --resume continues)");
    int rc = output && !validate ? ps_cli_check_output("calibrate", "--output", output, 0) : 0;
    if (rc)
        return rc;
    const char *spec = argv[optind];
    ps_calib *cal;
    ps_error err = {PS_OK, ""};
    ps_status s = ps_calib_load(spec, &cal, &err);
    if (s != PS_OK) {
        fprintf(stderr, "pactsim: error: %s\n", err.msg);
        return ps_status_exit_code(s);
    }
    if (validate) {
        printf("%s: ok: calibration '%s', %d parameters, %d observations (%d outside the "
               "run left out, %d after until held out), %d particles (keep %g), %d "
               "replicates each, at most %d generations\n", spec, cal->name, cal->n_params,
               cal->obs->n, cal->n_skipped, cal->n_held_out,
               cal->particles, cal->keep, cal->replicates, cal->max_generations);
        ps_calib_free(cal);
        return 0;
    }
    /* The command line for provenance. */
    size_t len = 16;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char *cmdline = calloc(len, 1);
    if (cmdline) {
        strcpy(cmdline, "pactsim");
        for (int i = 0; i < argc; i++) {
            strcat(cmdline, " ");
            strcat(cmdline, argv[i]);
        }
    }
    progress_state ps = {.quiet = quiet};
    clock_gettime(CLOCK_MONOTONIC, &ps.start);
    ps_calib_options opt = {.threads = threads, .output = output, .force = force,
                            .resume = resume, .command_line = cmdline ? cmdline : "",
                            .progress = progress, .progress_user = &ps,
                            .stop_flag = &ps_cli_stop};
    ps_cli_catch_stop();
    s = ps_calib_run(cal, &opt, &err);
    ps_calib_free(cal);
    free(cmdline);
    if (s == PS_ERR_INTERRUPTED && ps_cli_signal) {
        fprintf(stderr, "pactsim: %s\n", err.msg);
        return 128 + ps_cli_signal;
    }
    if (s != PS_OK) {
        fprintf(stderr, "pactsim: error: %s\n", err.msg);
        return ps_status_exit_code(s);
    }
    if (!quiet)
        fprintf(stderr, "pactsim: wrote %s\n", output);
    return 0;
}
