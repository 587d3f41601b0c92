/* pactsim calibrate SPEC -o POSTERIOR.h5 [--threads T] [--force] [--resume] [--quiet]
 *                   [--validate]
 * ABC-SMC calibration (docs/calibration.md): progress per generation on stderr.
 * Built with PACTSIM_ENABLE_MPI and started by mpirun (or srun) on more than
 * one rank, the ranks share each generation's particles through the
 * library's ps_calib_ranks hook (an MPI_Allreduce here; the library has no
 * MPI); rank 0 writes the checkpoint and the posterior, which are those of
 * one process (docs/calibration.md, docs/cluster.md). */
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

#ifdef PS_HAVE_MPI
#include <mpi.h>
#endif

const char ps_cli_calibrate_help[] =
    "Usage: pactsim calibrate SPEC -o POSTERIOR.h5 [--threads T] [--force] [--resume] [--quiet]\n"
    "       pactsim calibrate SPEC --validate\n"
    "  Calibrate the parameters of a calibration spec (docs/calibration.md) against its\n"
    "  observations by ABC-SMC; the posterior (weighted samples, each generation's\n"
    "  diagnostics, discrepancies, provenance) goes to POSTERIOR.h5.\n"
    "  Under mpirun (an MPI build) the ranks share each generation's particles and\n"
    "  rank 0 writes FILE: the same posterior as one process.\n"
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

static int calib_rank; /* MPI rank: only rank 0 prints what every rank would */
/* A start-up error (usage, spec), printed once every rank knows who has one. */
static char calib_msg[PS_ERRMSG_MAX + 256];

static int calib_usage_error(const char *fmt, const char *arg)
{
    char m[PS_ERRMSG_MAX];
    snprintf(m, sizeof m, fmt, arg);
    snprintf(calib_msg, sizeof calib_msg, "calibrate: %s\nTry 'pactsim calibrate --help'.",
             m);
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

typedef struct {
    const char *output, *spec;
    int threads, force, resume, quiet, validate;
    ps_calib *cal;
    char *cmdline;
} calib_args;

/* Options and the spec; 0 with a->cal NULL: nothing more to do (--help). */
static int calib_parse(int argc, char **argv, calib_args *a)
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
    int c;
    opterr = 0;
    optind = 1;
    char msg[256];
    while ((c = ps_cli_getopt(argc, argv, ":o:t:fqh", longopts)) != -1) {
        switch (c) {
        case 'o':
            if (!*optarg)
                return calib_usage_error("option --output: expected a file name, got '%s'",
                                         optarg);
            a->output = optarg;
            break;
        case 't': {
            char *end;
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || v < 1 || v > 1024)
                return calib_usage_error("option --threads: expected an integer from 1 to "
                                         "1024, got '%s'", optarg);
            a->threads = (int)v;
            break;
        }
        case 'f': a->force = 1; break;
        case 'r': a->resume = 1; break;
        case 'q': a->quiet = 1; break;
        case 'v': a->validate = 1; break;
        case 'h':
            if (calib_rank == 0)
                fputs(ps_cli_calibrate_help, stdout);
            return 0;
        case ':': return calib_usage_error("option %s: missing its value", argv[optind - 1]);
        default:
            ps_cli_refused(argv[optind - 1], longopts, msg, sizeof msg);
            return calib_usage_error("%s", msg);
        }
    }
    if (argc - optind != 1)
        return calib_usage_error("expected one SPEC, got %s",
                                 argc - optind ? "several" : "none");
    if (!a->validate && !a->output)
        return calib_usage_error("%s", "expected -o FILE (the posterior file)");
    if (a->resume && a->force)
        return calib_usage_error("%s", "options --resume and --force: expected one of them "
                                 "(--force starts over, --resume continues)");
    int rc = a->output && !a->validate
                 ? ps_cli_check_output("calibrate", "--output", a->output, 0) : 0;
    if (rc)
        return rc;
    a->spec = argv[optind];
    ps_error err = {PS_OK, ""};
    ps_status s = ps_calib_load(a->spec, &a->cal, &err);
    if (s != PS_OK) {
        snprintf(calib_msg, sizeof calib_msg, "%s", err.msg);
        return ps_status_exit_code(s);
    }
    /* The command line for provenance. */
    a->cmdline = ps_cli_command_line();
    return 0;
}

#ifdef PS_HAVE_MPI
/* ps_calib_ranks.combine: every element set on one rank, -0.0 on the others. */
static int mpi_combine(double *v, int n, void *user)
{
    (void)user;
    return MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD) ==
           MPI_SUCCESS ? 0 : -1;
}
#endif

static int calib_exec(calib_args *a, int rank, int size)
{
    ps_calib *cal = a->cal;
    if (a->validate) {
        if (rank == 0)
            printf("%s: ok: calibration '%s', %d parameter%s, %d observation%s (%d outside the "
                   "run left out, %d after until held out, %d published after the cutoff left "
                   "out), %d particles (keep %g), %d replicate%s each, at most %d "
                   "generation%s\n", a->spec, cal->name, cal->n_params,
                   cal->n_params == 1 ? "" : "s", cal->obs->n, cal->obs->n == 1 ? "" : "s",
                   cal->n_skipped, cal->n_held_out, cal->n_late, cal->particles, cal->keep,
                   cal->replicates, cal->replicates == 1 ? "" : "s", cal->max_generations,
                   cal->max_generations == 1 ? "" : "s");
        return 0;
    }
    if (rank == 0 && !a->quiet && cal->n_late)
        fprintf(stderr, "pactsim: %d observation%s published after the cutoff %s left out "
                "(never used)\n", cal->n_late, cal->n_late == 1 ? "" : "s", cal->cutoff);
    progress_state ps = {.quiet = a->quiet};
    clock_gettime(CLOCK_MONOTONIC, &ps.start);
    ps_calib_ranks ranks = {.rank = rank, .size = size, .failed_rank = -1};
#ifdef PS_HAVE_MPI
    ranks.combine = mpi_combine;
#endif
    int complete = 0;
    ps_calib_options opt = {.threads = a->threads, .output = a->output, .force = a->force,
                            .complete = &complete,
                            .resume = a->resume, .command_line = a->cmdline ? a->cmdline : "",
                            .progress = rank == 0 ? progress : NULL, .progress_user = &ps,
                            .stop_flag = &ps_cli_stop, .ranks = size > 1 ? &ranks : NULL};
    ps_cli_catch_stop();
    ps_error err = {PS_OK, ""};
    ps_status s = ps_calib_run(cal, &opt, &err);
    /* Each failure is printed once: by the rank where it happened, or by
     * rank 0 when every rank has it (a bad spec, an interruption). */
    int own = ranks.failed_rank == rank || (ranks.failed_rank < 0 && rank == 0);
    char who[32] = "";
    if (size > 1 && ranks.failed_rank >= 0)
        snprintf(who, sizeof who, "rank %d: ", rank);
    if (s == PS_ERR_INTERRUPTED && ps_cli_signal) {
        if (own)
            fprintf(stderr, "pactsim: %s%s\n", who, err.msg);
        return 128 + ps_cli_signal;
    }
    if (s != PS_OK) {
        if (own)
            fprintf(stderr, "pactsim: error: %s%s\n", who, err.msg);
        return ps_status_exit_code(s);
    }
    if (!a->quiet && rank == 0 && complete) {
        fprintf(stderr, "pactsim: %s is already complete (this calibration's result); nothing "
                "written\n", a->output);
    } else if (!a->quiet && rank == 0) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double el = (double)(now.tv_sec - ps.start.tv_sec) +
                    1e-9 * (now.tv_nsec - ps.start.tv_nsec);
        if (size > 1)
            fprintf(stderr, "pactsim: wrote %s (%d ranks, %.1f s)\n", a->output, size, el);
        else
            fprintf(stderr, "pactsim: wrote %s\n", a->output);
    }
    return 0;
}

int ps_cli_calibrate(int argc, char **argv)
{
    calib_args a = {0};
    int rank = 0, size = 1;
#ifdef PS_HAVE_MPI
    int mpi_on = ps_cli_under_mpi();
    if (mpi_on) {
        MPI_Init(&argc, &argv);
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        MPI_Comm_size(MPI_COMM_WORLD, &size);
    }
#endif
    calib_rank = rank;
    int rc = calib_parse(argc, argv, &a);
    int nfail = rc != 0;
#ifdef PS_HAVE_MPI
    /* A spec or file one rank cannot read stops them all before any work. */
    int worst = rc, mine = rc != 0;
    if (mpi_on) {
        MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        MPI_Allreduce(&mine, &nfail, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    }
#endif
    /* Printed by rank 0 if every rank has it, else by each rank that has it. */
    if (rc && calib_msg[0] && (rank == 0 || nfail < size)) {
        if (nfail < size)
            fprintf(stderr, "pactsim: error: rank %d: %s\n", rank, calib_msg);
        else
            fprintf(stderr, "pactsim: error: %s\n", calib_msg);
    }
#ifdef PS_HAVE_MPI
    if (worst && !rc && rank == 0)
        fprintf(stderr, "pactsim: error: calibrate: %d rank%s could not start; stopped\n",
                nfail, nfail == 1 ? "" : "s");
    rc = worst;
#endif
    if (!rc && a.cal)
        rc = calib_exec(&a, rank, size);
#ifdef PS_HAVE_MPI
    if (mpi_on) { /* the same exit status on every rank */
        MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        rc = worst;
        MPI_Finalize();
    }
#endif
    ps_calib_free(a.cal);
    free(a.cmdline);
    return rc;
}
