/* pactsim command-line interface: the only place that prints and exits. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "pactsim.h"

static const char usage_text[] =
    "Usage: pactsim COMMAND [OPTIONS]\n"
    "\n"
    "Commands:\n"
    "  run CONFIG [-o FILE] [--replicates N] [--seed S] [--threads T]\n"
    "             [--set KEY=VALUE]... [--force] [--resume] [--quiet] [--no-space-check]\n"
    "                         run a scenario and write an HDF5 file\n"
    "  validate CONFIG [--set KEY=VALUE]...\n"
    "                         check a scenario without running it\n"
    "  config explain [MODEL] [--markdown]\n"
    "  config dataflow\n"
    "                         list every parameter, state field, event type and metric\n"
    "  info FILE [--cpu-limit S]\n"
    "                         summarise a pactsim output file\n"
    "  sweep SPEC -o FILE [--threads T] [--force] [--resume] [--quiet]\n"
    "             [--points A:B] [--merge PART...]\n"
    "                         run a parameter sweep (docs/sweeps.md); under mpirun\n"
    "                         in an MPI build, the ranks share it\n"
    "  slurm SPEC [-o SCRIPT] [--mode array|mpi] [--chunks K] [--time HH:MM:SS]\n"
    "             [--partition P]  write an sbatch script for a sweep (docs/cluster.md)\n"
    "  compare A.h5 B.h5 [--metric M]... [--at YYYY-MM] [--format table|csv|json]\n"
    "                         paired differences B - A over common replicates\n"
    "  sensitivity FILE [--metric M]\n"
    "                         Sobol or Morris indices of a saltelli or morris sweep\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE      output file (default: <scenario name>.h5)\n"
    "  -r, --replicates N     number of replicates (overrides the config)\n"
    "  -s, --seed S           base random seed (overrides the config)\n"
    "  -t, --threads T        OpenMP threads (default: all cores); results do not depend on it\n"
    "      --set KEY=VALUE    override a config value, e.g. parameters.economy.lend_share=0.2\n"
    "  -f, --force            overwrite an existing output file (and start over)\n"
    "      --resume           continue an interrupted run from FILE.partial/, computing\n"
    "                         only the replicates it lacks; the file is the same\n"
    "  -q, --quiet            no progress bar\n"
    "      --no-space-check   run even if the uncompressed output exceeds the free disk space\n"
    "      --cpu-limit S      info: give up on a file after S s of CPU time (default 60;\n"
    "                         HDF5 loops forever on some damaged files)\n"
    "  -h, --help             this help\n"
    "  -V, --version          version and build information\n"
    "\n"
    "Exit status: 0 success; 1 runtime failure (I/O, memory, non-finite state);\n"
    "2 bad input (usage, config, input file, existing output, sizes too large);\n"
    "130/143 interrupted by SIGINT/SIGTERM (no output file is left behind; the\n"
    "finished replicates stay in FILE.partial/ for --resume). A run stopped by a\n"
    "non-finite value keeps its partial results in FILE.failed.h5.\n";

static volatile sig_atomic_t stop_signal = 0;
static volatile int stop_flag = 0;

static void on_signal(int sig)
{
    stop_signal = sig;
    stop_flag = 1;
}

static int fail(ps_status s, const char *msg)
{
    fprintf(stderr, "pactsim: error: %s\n", msg);
    return ps_status_exit_code(s);
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "pactsim: error: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'pactsim --help'.\n");
    return ps_status_exit_code(PS_ERR_USAGE);
}

/* Whole-string integer in [lo, hi]. */
static int parse_long(const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

typedef struct {
    double start, last; /* monotonic seconds: start, and the last redraw */
    int tty;
} progress_state;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static void progress(int done, int total, void *user)
{
    progress_state *p = user;
    double t = now_seconds();
    /* Redraw at most ten times a second, and always at the end. */
    if (!p->tty || (done < total && t - p->last < 0.1))
        return;
    p->last = t;
    double el = t - p->start;
    double rate = el > 0 ? done / el : 0.0;
    int width = 30, fill = total ? done * width / total : width;
    fprintf(stderr, "\r[%.*s%*s] %d/%d replicates  %.1f/s  ", fill,
            "##############################", width - fill, "", done, total, rate);
    if (rate > 0 && done < total)
        fprintf(stderr, "ETA %.0fs ", (total - done) / rate);
    else
        fprintf(stderr, "%.1fs     ", el);
    if (done == total)
        fputc('\n', stderr);
    fflush(stderr);
}

static char *join_argv(int argc, char **argv)
{
    size_t len = 1;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char *s = calloc(len, 1);
    if (!s)
        return NULL;
    for (int i = 0; i < argc; i++) {
        strcat(s, argv[i]);
        if (i + 1 < argc)
            strcat(s, " ");
    }
    return s;
}

typedef struct {
    const char *output;
    const char **sets;
    int n_sets;
    char rep_set[64], seed_set[64];
    int threads, force, resume, quiet, markdown, no_space_check;
    unsigned cpu_limit;
} cli_opts;

enum { OPT_SET = 256, OPT_MARKDOWN, OPT_NO_SPACE_CHECK, OPT_RESUME, OPT_CPU_LIMIT };

static int parse_options(int argc, char **argv, cli_opts *o)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"replicates", required_argument, NULL, 'r'},
        {"seed", required_argument, NULL, 's'},
        {"threads", required_argument, NULL, 't'},
        {"set", required_argument, NULL, OPT_SET},
        {"force", no_argument, NULL, 'f'},
        {"resume", no_argument, NULL, OPT_RESUME},
        {"cpu-limit", required_argument, NULL, OPT_CPU_LIMIT},
        {"quiet", no_argument, NULL, 'q'},
        {"markdown", no_argument, NULL, OPT_MARKDOWN},
        {"no-space-check", no_argument, NULL, OPT_NO_SPACE_CHECK},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    long long v;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":o:r:s:t:fqh", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            if (!*optarg)
                return usage_error("option --output: expected a file name, got '%s'", optarg);
            o->output = optarg;
            break;
        case 'r':
            if (parse_long(optarg, 1, 1000000, &v))
                return usage_error("option --replicates: expected an integer from 1 to "
                                   "1000000, got '%s'", optarg);
            snprintf(o->rep_set, sizeof o->rep_set, "replicates=%lld", v);
            break;
        case 's':
            if (parse_long(optarg, 0, LLONG_MAX, &v))
                return usage_error("option --seed: expected a non-negative integer, got '%s'",
                                   optarg);
            snprintf(o->seed_set, sizeof o->seed_set, "seed=%lld", v);
            break;
        case 't':
            if (parse_long(optarg, 1, 1024, &v))
                return usage_error("option --threads: expected an integer from 1 to 1024, "
                                   "got '%s'", optarg);
            o->threads = (int)v;
            break;
        case OPT_SET:
            if (!strchr(optarg, '='))
                return usage_error("option --set: expected KEY=VALUE, got '%s'", optarg);
            o->sets[o->n_sets++] = optarg;
            break;
        case 'f': o->force = 1; break;
        case 'q': o->quiet = 1; break;
        case OPT_MARKDOWN: o->markdown = 1; break;
        case OPT_NO_SPACE_CHECK: o->no_space_check = 1; break;
        case OPT_RESUME: o->resume = 1; break;
        case OPT_CPU_LIMIT:
            if (parse_long(optarg, 1, 86400, &v))
                return usage_error("option --cpu-limit: expected seconds from 1 to 86400, got "
                                   "'%s'", optarg);
            o->cpu_limit = (unsigned)v;
            break;
        case 'h': fputs(usage_text, stdout); exit(0);
        case ':': return usage_error("option %s: missing its value", argv[optind - 1]);
        default: return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (o->rep_set[0])
        o->sets[o->n_sets++] = o->rep_set;
    if (o->seed_set[0])
        o->sets[o->n_sets++] = o->seed_set;
    return 0;
}

static int load(const char *path, cli_opts *o, ps_scenario **sc)
{
    ps_error err = {PS_OK, ""};
    ps_status s = ps_scenario_load(path, o->sets, o->n_sets, sc, &err);
    return s == PS_OK ? 0 : fail(s, err.msg);
}

static int cmd_run(int argc, char **argv, cli_opts *o, char *cmdline)
{
    if (argc != 1)
        return usage_error("run: expected one CONFIG file, got %s", argc ? "several" : "none");
    if (o->resume && o->force)
        return usage_error("%s", "options --resume and --force: expected one of them (--force "
                           "starts over, --resume continues)");
    ps_scenario *sc;
    int rc = load(argv[0], o, &sc);
    if (rc)
        return rc;
    char defname[PS_NAME_MAX + 8];
    snprintf(defname, sizeof defname, "%s.h5", sc->name);
    progress_state ps = {now_seconds(), 0.0, !o->quiet && isatty(STDERR_FILENO)};
    ps_sim_stats stats;
    ps_sim_options opt = {.threads = o->threads, .output = o->output ? o->output : defname,
                          .force = o->force, .resume = o->resume, .stats = &stats,
                          .command_line = cmdline,
                          .progress = progress, .progress_user = &ps,
                          .stop_flag = &stop_flag, .no_space_check = o->no_space_check};
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    /* A file-size limit (ulimit -f) then fails the write, with a message,
     * instead of killing the process. */
    signal(SIGXFSZ, SIG_IGN);
    ps_error err = {PS_OK, ""};
    ps_status s = ps_sim_run(sc, &opt, &err);
    int sc_replicates = sc->replicates;
    ps_scenario_free(sc);
    if (s == PS_ERR_INTERRUPTED && stop_signal) {
        fprintf(stderr, "pactsim: %s\n", err.msg);
        return 128 + stop_signal;
    }
    if (s != PS_OK)
        return fail(s, err.msg);
    if (stats.already_complete) {
        fprintf(stderr, "pactsim: %s is already complete; nothing to resume\n", opt.output);
        return 0;
    }
    if (stats.recomputed)
        fprintf(stderr, "pactsim: %d damaged checkpoint%s ignored; %s computed again\n",
                stats.recomputed, stats.recomputed == 1 ? " was" : "s were",
                stats.recomputed == 1 ? "its replicate was" : "their replicates were");
    if (!o->quiet && o->resume)
        fprintf(stderr, "pactsim: resumed %d of %d replicates from %s.partial\n",
                stats.resumed, sc_replicates, opt.output);
    if (!o->quiet)
        fprintf(stderr, "pactsim: wrote %s\n", opt.output);
    return 0;
}

static int cmd_validate(int argc, char **argv, cli_opts *o)
{
    if (argc != 1)
        return usage_error("validate: expected one CONFIG file, got %s", argc ? "several" : "none");
    ps_scenario *sc;
    int rc = load(argv[0], o, &sc);
    if (rc)
        return rc;
    char a[8], b[8];
    ps_date_format(sc->start, a);
    ps_date_format(sc->end, b);
    printf("%s: ok: scenario '%s', %d actors, %d theaters, %s to %s (%d months), "
           "%d events, %d replicates, seed %llu\n", argv[0], sc->name, sc->n_actors,
           sc->n_theaters, a, b, sc->n_months, sc->n_events, sc->replicates,
           (unsigned long long)sc->seed);
    ps_scenario_free(sc);
    return 0;
}

static int cmd_config(int argc, char **argv, cli_opts *o)
{
    if (argc == 1 && strcmp(argv[0], "dataflow") == 0) {
        ps_error err = {PS_OK, ""};
        return ps_explain_dataflow(stdout, &err) == PS_OK ? 0 : usage_error("%s", err.msg);
    }
    if (argc < 1 || strcmp(argv[0], "explain") != 0)
        return usage_error("config: expected 'config explain [MODEL]', got '%s'",
                           argc ? argv[0] : "nothing");
    if (argc > 2)
        return usage_error("config explain: expected at most one MODEL, got '%s'", argv[2]);
    ps_error err = {PS_OK, ""};
    ps_status s = ps_explain(stdout, argc == 2 ? argv[1] : NULL, o->markdown, &err);
    return s == PS_OK ? 0 : usage_error("%s", err.msg);
}

static int info_job(void *path)
{
    ps_error err = {PS_OK, ""};
    ps_status s = ps_output_info(path, stdout, &err);
    return s == PS_OK ? 0 : fail(s, err.msg);
}

static int cmd_info(int argc, char **argv, const cli_opts *o)
{
    if (argc != 1)
        return usage_error("info: expected one FILE, got %s", argc ? "several" : "none");
    return ps_cli_guarded(argv[0], o->cpu_limit ? o->cpu_limit : 60, info_job, argv[0]);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("%s", "missing COMMAND");
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        printf("pactsim %s (git %s; %s)\n", PS_VERSION, ps_build_git_revision(),
               ps_build_compiler());
        return 0;
    }
    if (!strcmp(cmd, "sweep"))
        return ps_cli_sweep(argc - 1, argv + 1);
    if (!strcmp(cmd, "compare"))
        return ps_cli_compare(argc - 1, argv + 1);
    if (!strcmp(cmd, "sensitivity"))
        return ps_cli_sensitivity(argc - 1, argv + 1);
    if (!strcmp(cmd, "slurm"))
        return ps_cli_slurm(argc - 1, argv + 1);
    const char **sets = calloc((size_t)argc + 2, sizeof *sets);
    char *cmdline = join_argv(argc, argv);
    if (!sets || !cmdline) {
        free(sets);
        free(cmdline);
        return fail(PS_ERR_NOMEM, "out of memory");
    }
    cli_opts o = {.sets = sets};
    /* getopt permutes, so options may follow positional arguments. */
    int rc = parse_options(argc - 1, argv + 1, &o);
    if (!rc) {
        int npos = argc - 1 - optind;
        char **pos = argv + 1 + optind;
        if (!strcmp(cmd, "run"))
            rc = cmd_run(npos, pos, &o, cmdline);
        else if (!strcmp(cmd, "validate"))
            rc = cmd_validate(npos, pos, &o);
        else if (!strcmp(cmd, "config"))
            rc = cmd_config(npos, pos, &o);
        else if (!strcmp(cmd, "info"))
            rc = cmd_info(npos, pos, &o);
        else
            rc = usage_error("unknown command '%s'; expected run, validate, config, info, sweep, compare, sensitivity or slurm", cmd);
    }
    free(sets);
    free(cmdline);
    return rc;
}
