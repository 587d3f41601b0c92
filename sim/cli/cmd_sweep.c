/* pactsim sweep SPEC -o FILE [--threads T] [--force] [--resume] [--quiet]
 *               [--points A:B] [--merge PART... [--if-complete]]
 * Built with PACTSIM_ENABLE_MPI and started by mpirun (or srun) on more than
 * one rank, the ranks split the runs (run k on rank k mod n), each writes
 * FILE.rank<q>of<n> (serial HDF5, resumable) and rank 0 merges them into
 * FILE (docs/sweeps.md, docs/cluster.md). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "pactsim.h"

#ifdef PS_HAVE_MPI
#include <mpi.h>
#endif

const char ps_cli_sweep_help[] =
    "Usage: pactsim sweep SPEC -o FILE [--threads T] [--set KEY=VALUE]... [--replicates N]\n"
    "                     [--posterior POSTERIOR.h5] [--force] [--resume] [--quiet]\n"
    "                     [--checkpoint-every K]\n"
    "       pactsim sweep SPEC -o PART --points A:B [--resume] ...\n"
    "       pactsim sweep SPEC -o FILE --merge PART... [--if-complete] [--resume]\n"
    "  Run every point of a sweep spec (docs/sweeps.md) with its replicates into FILE.\n"
    "  Under mpirun (an MPI build) the ranks share the runs; rank 0 writes FILE.\n"
    "  -o, --output FILE   the sweep file (HDF5); written as FILE.partial until complete\n"
    "  -t, --threads T     OpenMP threads (results do not depend on it)\n"
    "      --set KEY=VALUE override a value of the base config at every point, as\n"
    "                      for run (after the spec's set:); repeatable\n"
    "      --posterior FILE  replicate r of every point draws its parameters from\n"
    "                      the posterior of pactsim calibrate as run --posterior does,\n"
    "                      but for the parameters the sweep varies (replaces the\n"
    "                      base's posterior:)\n"
    "  -r, --replicates N  replicates per point instead of the spec's (a quick trial)\n"
    "  -f, --force         start over: overwrite FILE and discard FILE.partial\n"
    "      --resume        continue FILE.partial (runs only what is missing; a run\n"
    "                      saved mid-run continues from its last saved month)\n"
    "      --checkpoint-every K  save a run not yet done in FILE.segments/ every K\n"
    "                      months (0: never; default: every 5 s of computing it),\n"
    "                      so that --resume continues it from there\n"
    "  -q, --quiet         no progress bar\n"
    "      --validate      check the spec and every point, run nothing\n"
    "      --points A:B    run only points A to B-1 into a part file (a Slurm chunk)\n"
    "      --merge         join the part files given after SPEC into FILE\n"
    "      --if-complete   with --merge: merge only if every run is done, else exit 0\n"
    "Exit status: 0 success (also: nothing left to do); 1 runtime failure (I/O, memory);\n"
    "  2 bad input (usage, spec, existing or unwritable output, a part of another\n"
    "  sweep); 130/143 interrupted by SIGINT/SIGTERM: the finished runs stay in\n"
    "  FILE.partial, the months done of the others in FILE.segments/, for --resume.\n";

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
    fprintf(ps_cli_tty, "\r[%.*s%*s] %d/%d runs  %.1f/s  ETA %.0fs ", fill,
            "##############################", width - fill, "", done, total, rate, eta);
    if (done == total)
        fputc('\n', ps_cli_tty);
    fflush(ps_cli_tty);
}

/* "A:B" with 0 <= A < B. */
static int parse_range(const char *s, long long *a, long long *b)
{
    char *end;
    errno = 0;
    *a = strtoll(s, &end, 10);
    if (errno || end == s || *end != ':' || *a < 0)
        return -1;
    const char *t = end + 1;
    *b = strtoll(t, &end, 10);
    if (errno || end == t || *end || *b <= *a)
        return -1;
    return 0;
}

static int report(ps_status s, const ps_error *err, const char *who)
{
    if (s == PS_ERR_INTERRUPTED && ps_cli_signal) {
        fprintf(stderr, "pactsim: %s%s\n", who, err->msg);
        return 128 + ps_cli_signal;
    }
    fprintf(stderr, "pactsim: error: %s%s\n", who, err->msg);
    return ps_status_exit_code(s);
}

/* "<output><suffix>", malloc'ed (NULL if out of memory). */
static char *beside(const char *output, const char *suffix)
{
    size_t len = strlen(output) + strlen(suffix) + 1;
    char *name = malloc(len);
    if (name)
        snprintf(name, len, "%s%s", output, suffix);
    return name;
}

static int partial_exists(const char *output)
{
    char *name = beside(output, ".partial");
    struct stat st;
    int exists = !name || lstat(name, &st) == 0; /* unknown: keep whatever is there */
    free(name);
    return exists;
}

/* Remove "<output>.partial" and an empty "<output>.segments/" (their names as
 * sweep_run.c makes them); say so unless quiet. */
static void discard_partial(const char *output, int quiet)
{
    char *partial = beside(output, ".partial"), *segments = beside(output, ".segments");
    if (partial && unlink(partial) == 0 && !quiet)
        fprintf(stderr, "pactsim: removed %s (no run had finished)\n", partial);
    if (segments)
        rmdir(segments); /* only if empty: a segment is a run's progress */
    free(partial);
    free(segments);
}

/* Mid-run segments: damaged ones dropped, runs continued from them. */
static void report_segments(const ps_sweep *sw, const ps_sweep_result *res, const char *output,
                            int quiet)
{
    if (res->recomputed)
        fprintf(stderr, "pactsim: warning: %d damaged checkpoint%s ignored; %s from the "
                "segment before (%s%s)\n", res->recomputed, res->recomputed == 1 ? " was" :
                "s were", res->recomputed == 1 ? "its run continued" : "their runs continued",
                res->recomputed > 1 ? "e.g. " : "", res->seg_dropped);
    if (!quiet && res->continued) {
        char date[8];
        ps_date_format(ps_date_add(sw->base->start, res->continued_month), date);
        fprintf(stderr, "pactsim: continued %d unfinished run%s from %s.segments (run %lld: "
                "point %lld replicate %lld, from month %d, %s)\n", res->continued,
                res->continued == 1 ? "" : "s", output, res->continued_run,
                res->continued_run / sw->replicates, res->continued_run % sw->replicates,
                res->continued_month, date);
    }
}

static void warn_failed(const ps_sweep_result *res)
{
    if (res->dropped)
        fprintf(stderr, "pactsim: warning: %lld run%s marked done failed the CRC check of "
                "their values (a damaged partial file); treated as not done\n", res->dropped,
                res->dropped == 1 ? "" : "s");
    if (res->failed)
        fprintf(stderr, "pactsim: warning: %d of %d runs stopped on a non-finite value (their "
                "values are NaN, /sweep/done = 2)%s%s\n", res->failed, res->runs,
                res->first_failure[0] ? "; first: " : "", res->first_failure);
}

#ifdef PS_HAVE_MPI
/* Every rank runs its runs into its part file; rank 0 merges. */
static int mpi_sweep(ps_sweep *sw, ps_sweep_options *opt, int rank, int size, int quiet)
{
    char who[32], *part = malloc(strlen(opt->output) + 48);
    const char *final = opt->output;
    snprintf(who, sizeof who, "rank %d: ", rank);
    if (!part) {
        fprintf(stderr, "pactsim: error: out of memory\n");
        return 1;
    }
    snprintf(part, strlen(final) + 48, "%s.rank%dof%d", final, rank, size);
    ps_error err = {PS_OK, ""};
    ps_sweep_result res;
    memset(&res, 0, sizeof res);
    int rc = 0;
    struct stat stt;
    /* A finished FILE: the merge below says whether it is this sweep's. */
    if (stat(final, &stt) != 0 || opt->force) {
        ps_sweep_options o = *opt;
        o.output = part;
        o.part_first = rank;
        o.part_step = size;
        o.part_end = (long long)sw->n_points * sw->replicates;
        if (rank != 0)
            o.progress = NULL;
        ps_status s = rank < o.part_end ? ps_sweep_run(sw, &o, &res, &err) : PS_OK;
        report_segments(sw, &res, part, quiet);
        if (s != PS_OK)
            rc = report(s, &err, who);
        else
            warn_failed(&res);
    }
    int worst = 0;
    MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    long long ran = res.ran, ran_all = 0;
    MPI_Reduce(&ran, &ran_all, 1, MPI_LONG_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    if (worst == 0 && rank == 0) {
        int n = size < (long long)sw->n_points * sw->replicates ? size
                : sw->n_points * sw->replicates;
        char **parts = calloc((size_t)n, sizeof *parts);
        for (int q = 0; parts && q < n; q++) {
            parts[q] = malloc(strlen(final) + 48);
            if (parts[q])
                snprintf(parts[q], strlen(final) + 48, "%s.rank%dof%d", final, q, size);
        }
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        ps_sweep_result mr;
        ps_status s = parts ? ps_sweep_merge(sw, opt, (const char *const *)parts, n, 0, &mr, &err)
                            : ps_error_set(&err, PS_ERR_NOMEM, "out of memory");
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (s != PS_OK)
            rc = report(s, &err, "merge: ");
        else {
            if (!mr.already_complete)
                for (int q = 0; q < n; q++)
                    unlink(parts[q]);
            if (!quiet && mr.already_complete)
                fprintf(stderr, "pactsim: %s is already complete\n", final);
            else if (!quiet)
                fprintf(stderr, "pactsim: wrote %s (%lld runs now on %d ranks, %d in all; "
                        "merge %.3f s)\n", final, ran_all, size, mr.runs,
                        (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec));
        }
        for (int q = 0; parts && q < n; q++)
            free(parts[q]);
        free(parts);
    }
    MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    free(part);
    return worst ? worst : rc;
}
#endif

/* sets: room for argc --set values */
static int sweep_main(int argc, char **argv, int mpi_rank, int mpi_size, const char **sets);

int ps_cli_sweep(int argc, char **argv)
{
    const char **sets = calloc((size_t)argc + 1, sizeof *sets);
    if (!sets) {
        fprintf(stderr, "pactsim: error: out of memory\n");
        return 1;
    }
#ifdef PS_HAVE_MPI
    int mpi_rank = 0, mpi_size = 1, mpi_on = ps_cli_under_mpi();
    if (mpi_on) {
        MPI_Init(&argc, &argv);
        MPI_Comm_rank(MPI_COMM_WORLD, &mpi_rank);
        MPI_Comm_size(MPI_COMM_WORLD, &mpi_size);
    }
    int rc = sweep_main(argc, argv, mpi_rank, mpi_size, sets);
    if (mpi_on)
        MPI_Finalize();
#else
    int rc = sweep_main(argc, argv, 0, 1, sets);
#endif
    free(sets);
    return rc;
}

static int sweep_main(int argc, char **argv, int mpi_rank, int mpi_size, const char **sets)
{
    enum { OPT_RESUME = 256, OPT_VALIDATE, OPT_POINTS, OPT_MERGE, OPT_IF_COMPLETE, OPT_SET,
           OPT_CHECKPOINT_EVERY, OPT_POSTERIOR };
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"threads", required_argument, NULL, 't'},
        {"force", no_argument, NULL, 'f'},
        {"resume", no_argument, NULL, OPT_RESUME},
        {"validate", no_argument, NULL, OPT_VALIDATE},
        {"points", required_argument, NULL, OPT_POINTS},
        {"merge", no_argument, NULL, OPT_MERGE},
        {"if-complete", no_argument, NULL, OPT_IF_COMPLETE},
        {"quiet", no_argument, NULL, 'q'},
        {"set", required_argument, NULL, OPT_SET},
        {"replicates", required_argument, NULL, 'r'},
        {"checkpoint-every", required_argument, NULL, OPT_CHECKPOINT_EVERY},
        {"posterior", required_argument, NULL, OPT_POSTERIOR},
        {NULL, 0, NULL, 0},
    };
    const char *output = NULL, *posterior = NULL;
    int threads = 0, force = 0, resume = 0, quiet = 0, validate_only = 0, merge = 0;
    int if_complete = 0, replicates = 0, n_sets = 0, c, every = 0;
    long long pt_a = -1, pt_b = -1;
    opterr = 0;
    optind = 1;
    char msg[256];
    while ((c = ps_cli_getopt(argc, argv, ":o:t:r:fq", longopts)) != -1) {
        switch (c) {
        case 'o':
            if (!*optarg)
                return sweep_usage_error("option --output: expected a file name, got '%s'", optarg);
            output = optarg;
            break;
        case 't':
            if (ps_cli_parse_int(optarg, 1, 1024, &threads))
                return sweep_usage_error("option --threads: expected an integer from 1 to "
                                         "1024, got '%s'", optarg);
            break;
        case 'r':
            if (ps_cli_parse_int(optarg, 1, 1000000, &replicates))
                return sweep_usage_error("option --replicates: expected an integer from 1 to "
                                         "1000000, got '%s'", optarg);
            break;
        case OPT_SET:
            if (!strchr(optarg, '='))
                return sweep_usage_error("option --set: expected KEY=VALUE, got '%s'", optarg);
            sets[n_sets++] = optarg;
            break;
        case OPT_POSTERIOR:
            if (!*optarg)
                return sweep_usage_error("option --posterior: expected a posterior file, got "
                                         "'%s'", optarg);
            posterior = optarg;
            break;
        case OPT_CHECKPOINT_EVERY: /* as for run */
            if (ps_cli_parse_int(optarg, 0, 1000000, &every))
                return sweep_usage_error("option --checkpoint-every: expected months from 0 "
                                         "(never) to 1000000, got '%s'", optarg);
            every = every ? every : -1;
            break;
        case 'f': force = 1; break;
        case 'q': quiet = 1; break;
        case OPT_RESUME: resume = 1; break;
        case OPT_VALIDATE: validate_only = 1; break;
        case OPT_MERGE: merge = 1; break;
        case OPT_IF_COMPLETE: if_complete = 1; break;
        case OPT_POINTS:
            if (parse_range(optarg, &pt_a, &pt_b))
                return sweep_usage_error("option --points: expected A:B with 0 <= A < B "
                                         "(points A to B-1), got '%s'", optarg);
            break;
        case ':': return sweep_usage_error("option %s: missing its value", argv[optind - 1]);
        default:
            ps_cli_refused(argv[optind - 1], longopts, msg, sizeof msg);
            return sweep_usage_error("%s", msg);
        }
    }
    if (merge && argc - optind < 2)
        return sweep_usage_error("%s", "--merge: expected SPEC and the part files");
    if (!merge && argc - optind != 1)
        return sweep_usage_error("expected one SPEC file, got %s",
                                 argc - optind ? "several" : "none");
    if (!output && !validate_only)
        return sweep_usage_error("%s", "expected -o FILE");
    if (merge && pt_a >= 0)
        return sweep_usage_error("%s", "--merge and --points exclude each other");
    if (if_complete && !merge)
        return sweep_usage_error("%s", "--if-complete goes with --merge");
    if (mpi_size > 1 && (merge || pt_a >= 0))
        return sweep_usage_error("%s", "--merge and --points run on one process, not under "
                                 "mpirun");
    /* On every rank: a rank's part file is created beside FILE. */
    if (output && !validate_only && ps_cli_check_output("sweep", "--output", output, 0))
        return ps_status_exit_code(PS_ERR_USAGE);
    const char *spec = argv[optind];
    ps_error err = {PS_OK, ""};
    ps_sweep *sw = NULL;
    ps_status s = ps_sweep_load(spec, &sw, &err);
    if (s == PS_OK && (n_sets || replicates))
        s = ps_sweep_override_base(sw, sets, n_sets, replicates, &err);
    if (s == PS_OK && posterior)
        s = ps_sweep_set_posterior(sw, posterior, &err);
    if (s == PS_OK)
        s = ps_sweep_validate(sw, &err);
    if (s == PS_OK && pt_a >= 0 && pt_b > sw->n_points)
        s = ps_error_set(&err, PS_ERR_USAGE, "option --points %lld:%lld: the sweep has %d "
                         "points (0 to %d)", pt_a, pt_b, sw->n_points, sw->n_points - 1);
    if (s != PS_OK) {
        if (mpi_rank == 0)
            fprintf(stderr, "pactsim: error: %s\n", err.msg);
        ps_sweep_free(sw);
        return ps_status_exit_code(s);
    }
    char note[2048];
    if (validate_only) {
        if (mpi_rank != 0) {
            ps_sweep_free(sw);
            return 0;
        }
        long long runs = (long long)sw->n_points * sw->replicates;
        printf("%s: ok: sweep '%s', %s design, %d parameter%s, %d point%s x %d replicate%s = "
               "%lld run%s\n", spec, sw->name, ps_design_name(sw->design), sw->n_params,
               sw->n_params == 1 ? "" : "s", sw->n_points, sw->n_points == 1 ? "" : "s",
               sw->replicates, sw->replicates == 1 ? "" : "s", runs, runs == 1 ? "" : "s");
        if (ps_sweep_posterior_note(sw, note, sizeof note) == 0)
            printf("%s: %s\n", spec, note);
        ps_sweep_free(sw);
        return 0;
    }
    if (!quiet && mpi_rank == 0 && ps_sweep_posterior_note(sw, note, sizeof note) == 0)
        fprintf(stderr, "pactsim: note: %s\n", note);
    char *cmdline = ps_cli_command_line();
    bar b = {time(NULL), !quiet && isatty(STDERR_FILENO)};
    ps_sweep_options opt = {.threads = threads, .output = output, .force = force,
                            .resume = resume, .command_line = cmdline, .progress = progress,
                            .progress_user = &b, .stop_flag = &ps_cli_stop,
                            .checkpoint_every = every};
    ps_cli_catch_stop();
    signal(SIGXFSZ, SIG_IGN);
    ps_sweep_result res;
    struct timespec t0, t1;
#ifdef PS_HAVE_MPI
    if (mpi_size > 1) {
        opt.mpi_ranks = mpi_size;
        int rc = mpi_sweep(sw, &opt, mpi_rank, mpi_size, quiet);
        ps_sweep_free(sw);
        free(cmdline);
        return rc;
    }
#endif
    if (merge) {
        s = ps_sweep_merge(sw, &opt, (const char *const *)argv + optind + 1, argc - optind - 1,
                           if_complete, &res, &err);
        ps_sweep_free(sw);
        free(cmdline);
        if (s != PS_OK)
            return report(s, &err, "");
        warn_failed(&res);
        if (res.already_complete && !quiet)
            fprintf(stderr, "pactsim: %s is already complete\n", output);
        else if (res.missing)
            fprintf(stderr, "pactsim: %lld of %d runs are in none of the parts yet; not "
                    "merged\n", res.missing, res.runs);
        else if (!quiet)
            fprintf(stderr, "pactsim: merged %d parts into %s (%d runs)\n", argc - optind - 1,
                    output, res.runs);
        return 0;
    }
    if (pt_a >= 0) {
        opt.part_first = pt_a * sw->replicates;
        opt.part_step = 1;
        opt.part_end = pt_b * sw->replicates;
    }
    /* never discard a partial file this command did not make (--force discards it anyway) */
    int had_partial = !opt.force && partial_exists(output);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    s = ps_sweep_run(sw, &opt, &res, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
    report_segments(sw, &res, output, quiet);
    ps_sweep_free(sw);
    free(cmdline);
    if (s != PS_OK) {
        int rc = report(s, &err, "");
        /* Bad input found once runs began (a point's world that the model
         * refuses): a partial file this command created and no run finished
         * is of no use to --resume, which would fail the same way. */
        if (s == PS_ERR_CONFIG && !had_partial && res.ran == 0)
            discard_partial(output, quiet);
        return rc;
    }
    warn_failed(&res);
    if (!quiet) {
        if (res.already_complete)
            fprintf(stderr, "pactsim: %s is already complete\n", output);
        else
            fprintf(stderr, "pactsim: wrote %s (%d runs now, %d in all; %.1f runs/s)\n", output,
                    res.ran, res.runs, secs > 0 ? res.ran / secs : 0.0);
    }
    return 0;
}
