/* pactsim command-line interface: the only place that prints and exits. */
#include <errno.h>
#include <ctype.h>
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

/* Each command's own help (pactsim COMMAND --help): usage, options, exit status. */
static const char run_help[] =
    "Usage: pactsim run CONFIG [-o FILE] [--replicates N] [--seed S] [--threads T]\n"
    "                   [--set KEY=VALUE]... [--force | --resume] [--quiet] [--no-space-check]\n"
    "                   [--posterior POSTERIOR.h5] [--precision float32|float64]\n"
    "                   [--compression LEVEL|none] [--fields LIST] [--checkpoint-every K]\n"
    "  Run a scenario (docs/config.md) and write every replicate into one HDF5 file\n"
    "  (docs/output.md), bit for bit the same for any number of threads.\n"
    "  -o, --output FILE      output file (default: <scenario name>.h5)\n"
    "  -r, --replicates N     number of replicates (overrides the config)\n"
    "  -s, --seed S           base random seed (overrides the config)\n"
    "  -t, --threads T        OpenMP threads (default: all cores); results do not depend on it\n"
    "      --set KEY=VALUE    override a config value, e.g. parameters.economy.lend_share=0.2;\n"
    "                         repeatable; +actors.ISO3.name=N or +timeline.ID={...}\n"
    "                         adds an actor or event (docs/config.md)\n"
    "  -f, --force            overwrite an existing output file (and start over)\n"
    "      --resume           continue an interrupted run from FILE.partial/, computing\n"
    "                         only the replicates it lacks; the file is the same\n"
    "      --checkpoint-every K  save an unfinished replicate in FILE.partial/ every K\n"
    "                         months (0: never; default: every 5 s of computing it), so\n"
    "                         that --resume continues it from there\n"
    "  -q, --quiet            no progress bar\n"
    "      --no-space-check   run even if the uncompressed output exceeds the free disk space\n"
    "      --posterior FILE   each replicate draws its parameters from the posterior of\n"
    "                         `pactsim calibrate` (keyed by replicate; docs/calibration.md)\n"
    "      --precision P      store the state series as float32 (default) or float64\n"
    "                         (the config's output.precision; docs/output.md)\n"
    "      --compression L    deflate level 1..9 of the state series (default 1), or none\n"
    "                         (the config's output.compression)\n"
    "      --fields LIST      write only these state variables, comma-separated names or\n"
    "                         patterns such as gdp,cooperation,'oil_*' (the config's\n"
    "                         output.fields; default: all)\n"
    "Exit status: 0 success; 1 runtime failure (I/O, memory, a non-finite state value:\n"
    "  the partial results are kept in FILE.failed.h5); 2 bad input (usage, config,\n"
    "  existing or unwritable output, sizes too large); 130/143 interrupted by\n"
    "  SIGINT/SIGTERM: no file left, the finished replicates kept in FILE.partial/.\n";

static const char validate_help[] =
    "Usage: pactsim validate CONFIG [--set KEY=VALUE]... [--no-step]\n"
    "  Check a scenario and its overrides without running it; print a summary.\n"
    "  Builds replicate 0's world and steps its first month, so that the models\n"
    "  check the initial state too (e.g. GDP against crude export revenue); this\n"
    "  takes one replicate's memory and setup time (N=1000: ~0.8 GB, ~2 s).\n"
    "      --set KEY=VALUE    override a config value (as for run); repeatable\n"
    "  -r, --replicates N     number of replicates (overrides the config)\n"
    "  -s, --seed S           base random seed (overrides the config)\n"
    "      --no-step          check the file and the overrides only: no world is built,\n"
    "                         so the models' checks of the initial state are skipped\n"
    "                         (for worlds too large to build here; run still does them)\n"
    "Exit status: 0 valid; 2 bad input (the error names file:line:column or the option).\n";

static const char config_help[] =
    "Usage: pactsim config explain [MODEL | MODEL.NAME] [--markdown]\n"
    "       pactsim config dataflow\n"
    "  explain: list every parameter (unit, bounds, default), state field, field read\n"
    "  from other models, event type and metric, of every model or of MODEL; with\n"
    "  MODEL.NAME (or parameters.MODEL.NAME, as --set spells it) one parameter or\n"
    "  state field of MODEL.\n"
    "      --markdown         as the Markdown tables of docs/parameters.md\n"
    "  dataflow: which model reads which field of which (Markdown: a mermaid graph\n"
    "  and a table), as in docs/architecture.md.\n"
    "Exit status: 0 success; 2 bad usage, unknown MODEL or NAME.\n";

static const char info_help[] =
    "Usage: pactsim info FILE [--cpu-limit S]\n"
    "  Summarise a pactsim file: a run (scenario, provenance, replicates, series,\n"
    "  metrics), a sweep (design, parameters, points, replicates, metrics,\n"
    "  completeness) or any other pactsim file (provenance and every group and\n"
    "  dataset with its shape and unit). Read in a child process.\n"
    "      --cpu-limit S      give up on a file after S s of CPU time (default 60;\n"
    "                         HDF5 loops forever on some damaged files)\n"
    "Exit status: 0 success; 1 runtime failure; 2 bad input (missing, damaged or\n"
    "  not a pactsim file, or reading it crashed HDF5 or exceeded the CPU limit).\n";

static int fail(ps_status s, const char *msg)
{
    fprintf(stderr, "pactsim: error: %s\n", msg);
    return ps_status_exit_code(s);
}

/* The command being run, for "Try 'pactsim COMMAND --help'" (NULL: none yet). */
static const char *current_command;

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "pactsim: error: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'pactsim %s%s--help'.\n", current_command ? current_command : "",
            current_command ? " " : "");
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

/* --fields a,b,'c*' as the override output.fields=["a", "b", "c*"] in buf (the
 * items quoted, so that a pattern may start with '*'); -1 for an empty item,
 * a quote or backslash, or too long. */
static int fields_option(const char *list, char *buf, size_t cap)
{
    size_t len = (size_t)snprintf(buf, cap, "output.fields=[");
    for (const char *p = list;;) {
        size_t n = strcspn(p, ",");
        if (n == 0 || strcspn(p, "\"\\") < n || len + n + 5 >= cap)
            return -1;
        len += (size_t)snprintf(buf + len, cap - len, "%s\"%.*s\"", p == list ? "" : ", ",
                                (int)n, p);
        if (!p[n])
            break;
        p += n + 1;
    }
    snprintf(buf + len, cap - len, "]");
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
    fprintf(ps_cli_tty, "\r[%.*s%*s] %d/%d replicates  %.1f/s  ", fill,
            "##############################", width - fill, "", done, total, rate);
    if (rate > 0 && done < total)
        fprintf(ps_cli_tty, "ETA %.0fs ", (total - done) / rate);
    else
        fprintf(ps_cli_tty, "%.1fs     ", el);
    if (done == total)
        fputc('\n', ps_cli_tty);
    fflush(ps_cli_tty);
}

typedef struct {
    const char *output, *posterior;
    const char **sets;
    int n_sets;
    char rep_set[64], seed_set[64], prec_set[64], comp_set[64], fields_set[4096];
    const char *fields_arg; /* --fields as typed, for messages about fields_set */
    int threads, force, resume, quiet, markdown, no_space_check, no_step;
    int checkpoint_every; /* as ps_sim_options */
    unsigned cpu_limit;
} cli_opts;

enum { OPT_SET = 256, OPT_MARKDOWN, OPT_NO_SPACE_CHECK, OPT_RESUME, OPT_CPU_LIMIT, OPT_POSTERIOR,
       OPT_PRECISION, OPT_COMPRESSION, OPT_FIELDS, OPT_CHECKPOINT_EVERY, OPT_NO_STEP };

/* Does a command's help name --name? A command accepts exactly the options its
 * help lists, so an option meant for another command (validate --threads, run
 * --no-step) is refused instead of ignored, and help and parser cannot drift. */
static int help_names(const char *help, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = strstr(help, "--"); p; p = strstr(p + 2, "--"))
        if (!strncmp(p + 2, name, len) && !islower((unsigned char)p[2 + len]) && p[2 + len] != '-')
            return 1;
    return 0;
}

/* The usage error for an element getopt refused: a flag given a value is
 * "not an option of" a command whose help does not name it, as in parse_options. */
static int refused(char **argv, const struct option *longopts, const char *help)
{
    char msg[256];
    int k = ps_cli_flag_index(argv[optind - 1], longopts);
    if (k >= 0 && !help_names(help, longopts[k].name))
        snprintf(msg, sizeof msg, "option --%s: not an option of '%s'", longopts[k].name,
                 argv[0]);
    else
        ps_cli_refused(argv[optind - 1], longopts, msg, sizeof msg);
    return usage_error("%s", msg);
}

static int parse_options(int argc, char **argv, cli_opts *o, const char *help)
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
        {"posterior", required_argument, NULL, OPT_POSTERIOR},
        {"precision", required_argument, NULL, OPT_PRECISION},
        {"compression", required_argument, NULL, OPT_COMPRESSION},
        {"fields", required_argument, NULL, OPT_FIELDS},
        {"checkpoint-every", required_argument, NULL, OPT_CHECKPOINT_EVERY},
        {"no-step", no_argument, NULL, OPT_NO_STEP},
        {NULL, 0, NULL, 0},
    };
    long long v;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = ps_cli_getopt(argc, argv, ":o:r:s:t:fq", longopts)) != -1) {
        for (int k = 0; c != ':' && c != '?' && longopts[k].name; k++)
            if (longopts[k].val == c && !help_names(help, longopts[k].name)) {
                char msg[160];
                snprintf(msg, sizeof msg, "option --%s: not an option of '%s'",
                         longopts[k].name, argv[0]);
                return usage_error("%s", msg);
            }
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
        case OPT_NO_STEP: o->no_step = 1; break;
        case OPT_RESUME: o->resume = 1; break;
        case OPT_POSTERIOR:
            if (!*optarg)
                return usage_error("option --posterior: expected a posterior file, got '%s'",
                                   optarg);
            o->posterior = optarg;
            break;
        case OPT_CHECKPOINT_EVERY:
            if (parse_long(optarg, 0, 1000000, &v))
                return usage_error("option --checkpoint-every: expected months from 0 (never) "
                                   "to 1000000, got '%s'", optarg);
            o->checkpoint_every = v ? (int)v : -1;
            break;
        case OPT_PRECISION: /* output.precision of the config */
            if (strcmp(optarg, "float32") && strcmp(optarg, "float64"))
                return usage_error("option --precision: expected float32 or float64, got '%s'",
                                   optarg);
            snprintf(o->prec_set, sizeof o->prec_set, "output.precision=%s", optarg);
            break;
        case OPT_COMPRESSION: /* output.compression of the config */
            if (strcmp(optarg, "none") && parse_long(optarg, 0, 9, &v))
                return usage_error("option --compression: expected none or a deflate level "
                                   "1..9 (0 is none), got '%s'", optarg);
            snprintf(o->comp_set, sizeof o->comp_set, "output.compression=%s", optarg);
            break;
        case OPT_FIELDS: /* output.fields of the config */
            o->fields_arg = optarg;
            if (fields_option(optarg, o->fields_set, sizeof o->fields_set) != 0)
                return usage_error("option --fields: expected comma-separated state variables "
                                   "or patterns (no empty item, quote or backslash; at most "
                                   "4000 characters), got '%s'", optarg);
            break;
        case OPT_CPU_LIMIT:
            if (parse_long(optarg, 1, 86400, &v))
                return usage_error("option --cpu-limit: expected seconds from 1 to 86400, got "
                                   "'%s'", optarg);
            o->cpu_limit = (unsigned)v;
            break;
        case ':': return usage_error("option %s: missing its value", argv[optind - 1]);
        default: return refused(argv, longopts, help);
        }
    }
    if (o->rep_set[0])
        o->sets[o->n_sets++] = o->rep_set;
    if (o->seed_set[0])
        o->sets[o->n_sets++] = o->seed_set;
    if (o->prec_set[0])
        o->sets[o->n_sets++] = o->prec_set;
    if (o->comp_set[0])
        o->sets[o->n_sets++] = o->comp_set;
    if (o->fields_set[0])
        o->sets[o->n_sets++] = o->fields_set;
    return 0;
}

static int load(const char *path, cli_opts *o, ps_scenario **sc)
{
    ps_error err = {PS_OK, ""};
    ps_status s = ps_scenario_load(path, o->sets, o->n_sets, sc, &err);
    if (s == PS_OK)
        return 0;
    /* An option the CLI turned into a --set is named as the user typed it. */
    const struct { const char *set, *option, *value; } own[] = {
        {o->rep_set, "--replicates", strchr(o->rep_set, '=')},
        {o->seed_set, "--seed", strchr(o->seed_set, '=')},
        {o->prec_set, "--precision", strchr(o->prec_set, '=')},
        {o->comp_set, "--compression", strchr(o->comp_set, '=')},
        {o->fields_set, "--fields", NULL},
    };
    for (size_t k = 0; k < sizeof own / sizeof *own; k++) {
        char prefix[4200];
        snprintf(prefix, sizeof prefix, "option --set %s: ", own[k].set);
        if (own[k].set[0] && !strncmp(err.msg, prefix, strlen(prefix))) {
            char msg[PS_ERRMSG_MAX + 64];
            const char *v = own[k].value ? own[k].value + 1 : o->fields_arg ? o->fields_arg : "";
            snprintf(msg, sizeof msg, "option %s %s: %s", own[k].option, v,
                     err.msg + strlen(prefix));
            return fail(s, msg);
        }
    }
    return fail(s, err.msg);
}

static int cmd_run(int argc, char **argv, cli_opts *o, char *cmdline)
{
    if (argc != 1)
        return usage_error("run: expected one CONFIG file, got %s", argc ? "several" : "none");
    if (o->resume && o->force)
        return usage_error("%s", "options --resume and --force: expected one of them (--force "
                           "starts over, --resume continues)");
    if (o->output && ps_cli_check_output("run", "--output", o->output, 0))
        return ps_status_exit_code(PS_ERR_USAGE);
    ps_scenario *sc;
    int rc = load(argv[0], o, &sc);
    if (rc)
        return rc;
    if (o->posterior) {
        ps_error perr = {PS_OK, ""};
        ps_status ps = ps_scenario_attach_posterior(sc, o->posterior, &perr);
        if (ps != PS_OK) {
            ps_scenario_free(sc);
            return fail(ps, perr.msg);
        }
    }
    char defname[PS_NAME_MAX + 8];
    snprintf(defname, sizeof defname, "%s.h5", sc->name);
    if (!o->output && (rc = ps_cli_check_output("run", NULL, defname, 0))) {
        ps_scenario_free(sc);
        return rc;
    }
    progress_state ps = {now_seconds(), 0.0, !o->quiet && isatty(STDERR_FILENO)};
    ps_sim_stats stats;
    ps_sim_options opt = {.threads = o->threads, .output = o->output ? o->output : defname,
                          .force = o->force, .resume = o->resume, .stats = &stats,
                          .command_line = cmdline,
                          .progress = progress, .progress_user = &ps,
                          .stop_flag = &ps_cli_stop, .no_space_check = o->no_space_check,
                          .checkpoint_every = o->checkpoint_every};
    ps_cli_catch_stop();
    /* A file-size limit (ulimit -f) then fails the write, with a message,
     * instead of killing the process. */
    signal(SIGXFSZ, SIG_IGN);
    ps_error err = {PS_OK, ""};
    ps_status s = ps_sim_run(sc, &opt, &err);
    int sc_replicates = sc->replicates, n_after = sc->n_events_after;
    char end_date[8], continued_date[8]; /* the first month it computed */
    ps_date_format(sc->end, end_date);
    ps_date_format(ps_date_add(sc->start, stats.continued_month), continued_date);
    ps_scenario_free(sc);
    if (s == PS_ERR_INTERRUPTED && ps_cli_signal) {
        fprintf(stderr, "pactsim: %s\n", err.msg);
        return 128 + ps_cli_signal;
    }
    if (s != PS_OK)
        return fail(s, err.msg);
    if (stats.already_complete) {
        fprintf(stderr, "pactsim: %s is already complete; nothing to resume\n", opt.output);
        return 0;
    }
    if (stats.recomputed)
        fprintf(stderr, "pactsim: warning: %d damaged checkpoint%s ignored; %s computed "
                "again (%s%s)\n", stats.recomputed, stats.recomputed == 1 ? " was" : "s were",
                stats.recomputed == 1 ? "its replicate was" : "their replicates were",
                stats.recomputed > 1 ? "e.g. " : "", stats.dropped);
    if (!o->quiet && o->resume)
        fprintf(stderr, "pactsim: resumed %d of %d replicates from %s.partial\n",
                stats.resumed, sc_replicates, opt.output);
    if (!o->quiet && stats.continued)
        fprintf(stderr, "pactsim: continued %d unfinished replicate%s from %s.partial "
                "(replicate %d from month %d, %s)\n", stats.continued,
                stats.continued == 1 ? "" : "s", opt.output, stats.continued_replicate,
                stats.continued_month, continued_date);
    /* A shortened run (--set end=...) leaves later timeline events out: say so,
     * as validate does, so that a missing sanction is not a surprise. */
    if (!o->quiet && n_after)
        fprintf(stderr, "pactsim: note: %d event%s dated after the end (%s) %s not reached\n",
                n_after, n_after == 1 ? "" : "s", end_date, n_after == 1 ? "was" : "were");
    if (!o->quiet)
        fprintf(stderr, "pactsim: wrote %s\n", opt.output);
    return 0;
}

static int cmd_validate(int argc, char **argv, cli_opts *o, char *cmdline)
{
    (void)cmdline;
    if (argc != 1)
        return usage_error("validate: expected one CONFIG file, got %s", argc ? "several" : "none");
    ps_scenario *sc;
    int rc = load(argv[0], o, &sc);
    if (rc)
        return rc;
    ps_error err = {PS_OK, ""};
    ps_status st = o->no_step ? PS_OK : ps_scenario_check(sc, &err);
    if (st != PS_OK) {
        ps_scenario_free(sc);
        return fail(st, err.msg);
    }
    char a[8], b[8];
    ps_date_format(sc->start, a);
    ps_date_format(sc->end, b);
    char later[64] = "";
    if (sc->n_events_after)
        snprintf(later, sizeof later, " (and %d dated after the end, not reached)",
                 sc->n_events_after);
    printf("%s: ok: scenario '%s', %d actors, %d theaters, %s to %s (%d months), "
           "%d events%s, %d replicates, seed %llu\n", argv[0], sc->name, sc->n_actors,
           sc->n_theaters, a, b, sc->n_months, sc->n_events, later, sc->replicates,
           (unsigned long long)sc->seed);
    if (o->no_step)
        printf("%s: note: --no-step: no world was built, so the models did not check the "
               "initial state (run does)\n", argv[0]);
    ps_scenario_free(sc);
    return 0;
}

static int cmd_config(int argc, char **argv, cli_opts *o, char *cmdline)
{
    (void)cmdline;
    if (argc == 1 && strcmp(argv[0], "dataflow") == 0) {
        ps_error err = {PS_OK, ""};
        return ps_explain_dataflow(stdout, &err) == PS_OK ? 0 : usage_error("%s", err.msg);
    }
    if (argc < 1)
        return usage_error("%s", "config: expected 'config explain [MODEL]' or 'config dataflow', "
                           "got no subcommand");
    if (strcmp(argv[0], "explain") != 0)
        return usage_error("config: expected 'config explain [MODEL]' or 'config dataflow', got '%s'",
                           argv[0]);
    if (argc > 2)
        return usage_error("config explain: expected at most one MODEL, got '%s'", argv[2]);
    ps_error err = {PS_OK, ""};
    ps_status s = ps_explain(stdout, argc == 2 ? argv[1] : NULL, o->markdown, &err);
    return s == PS_OK ? 0 : usage_error("%s", err.msg);
}

static int info_job(void *path)
{
    ps_error err = {PS_OK, ""};
    ps_status s = ps_file_info(path, stdout, &err);
    return s == PS_OK ? 0 : fail(s, err.msg);
}

static int cmd_info(int argc, char **argv, cli_opts *o, char *cmdline)
{
    (void)cmdline;
    if (argc != 1)
        return usage_error("info: expected one FILE, got %s", argc ? "several" : "none");
    return ps_cli_guarded(argv[0], o->cpu_limit ? o->cpu_limit : 60, info_job, argv[0]);
}

/* run, validate, config and info share one option parser; argv[0] is the command. */
typedef int (*opts_command)(int npos, char **pos, cli_opts *o, char *cmdline);
static const char *command_help(const char *name);

static int with_options(int argc, char **argv, opts_command fn)
{
    const char **sets = calloc((size_t)argc + 4, sizeof *sets);
    char *cmdline = ps_cli_command_line();
    if (!sets || !cmdline) {
        free(sets);
        free(cmdline);
        return fail(PS_ERR_NOMEM, "out of memory");
    }
    cli_opts o = {.sets = sets};
    /* getopt permutes, so options may follow positional arguments. */
    int rc = parse_options(argc, argv, &o, command_help(argv[0]));
    if (!rc)
        rc = fn(argc - optind, argv + optind, &o, cmdline);
    free(sets);
    free(cmdline);
    return rc;
}

static int run_main(int argc, char **argv) { return with_options(argc, argv, cmd_run); }
static int validate_main(int argc, char **argv) { return with_options(argc, argv, cmd_validate); }
static int config_main(int argc, char **argv) { return with_options(argc, argv, cmd_config); }
static int info_main(int argc, char **argv) { return with_options(argc, argv, cmd_info); }

/* Every command: one entry here. `pactsim --help` lists them in this order,
 * `pactsim NAME --help` (or -h anywhere before "--") prints `help`, and
 * tests/cli/test_help.sh checks every command listed. */
static const struct {
    const char *name, *summary, *help;
    int (*main)(int argc, char **argv); /* argv[0] is the command name */
} commands[] = {
    {"run", "run a scenario and write an HDF5 file", run_help, run_main},
    {"validate", "check a scenario without running it", validate_help, validate_main},
    {"config", "config explain [MODEL] | dataflow: every parameter, field, event, metric; data flow",
     config_help, config_main},
    {"info", "summarise a pactsim file (run, sweep or other)", info_help, info_main},
    {"sweep", "run a parameter sweep (docs/sweeps.md)", ps_cli_sweep_help, ps_cli_sweep},
    {"slurm", "write an sbatch script for a sweep or a calibration (docs/cluster.md)", ps_cli_slurm_help,
     ps_cli_slurm},
    {"compare", "paired differences B - A of two runs over common replicates",
     ps_cli_compare_help, ps_cli_compare},
    {"sensitivity", "Sobol' or Morris indices of a saltelli or morris sweep",
     ps_cli_sensitivity_help, ps_cli_sensitivity},
    {"score", "CRPS, PIT, coverage and skill of a run against observations (docs/validation.md)",
     ps_cli_score_help, ps_cli_score},
    {"calibrate", "ABC-SMC calibration against observations (docs/calibration.md)",
     ps_cli_calibrate_help, ps_cli_calibrate},
};
enum { N_COMMANDS = sizeof commands / sizeof *commands };

static const char *command_help(const char *name)
{
    for (int i = 0; i < N_COMMANDS; i++)
        if (!strcmp(commands[i].name, name))
            return commands[i].help;
    return "";
}

static void global_help(void)
{
    fputs("Usage: pactsim COMMAND [OPTIONS]\n       pactsim --help | --version\n\nCommands:\n",
          stdout);
    for (int i = 0; i < N_COMMANDS; i++)
        printf("  %-12s %s\n", commands[i].name, commands[i].summary);
    fputs("\nRun 'pactsim COMMAND --help' for a command's arguments, options and exit status.\n"
          "\n"
          "Exit status: 0 success; 1 runtime failure (I/O, memory, non-finite state);\n"
          "2 bad input (usage, config, input file, existing or unwritable output, sizes too\n"
          "large); 130/143 interrupted by SIGINT/SIGTERM (no output file is left behind; a\n"
          "run's finished replicates stay in FILE.partial/ for --resume).\n", stdout);
}

/* -h or --help among a command's arguments (before "--")? */
static int wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    ps_init();
    ps_cli_clean_streams();
    if (argc < 2)
        return usage_error("%s", "missing COMMAND");
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        global_help();
        return 0;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
#ifdef PS_HAVE_MPI
        const char *mpi = "MPI: yes";
#else
        const char *mpi = "MPI: no";
#endif
        printf("pactsim %s (git %s; %s; %s)\n", PS_VERSION, ps_build_git_revision(),
               ps_build_compiler(), mpi);
        return 0;
    }
    ps_cli_keep_argv(argc, argv);
    for (int i = 0; i < N_COMMANDS; i++) {
        if (strcmp(cmd, commands[i].name))
            continue;
        if (wants_help(argc - 1, argv + 1)) {
            fputs(commands[i].help, stdout);
            return 0;
        }
        current_command = commands[i].name;
        return commands[i].main(argc - 1, argv + 1);
    }
    char names[512] = "";
    for (int i = 0; i < N_COMMANDS; i++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
                 i == 0 ? "" : i + 1 < N_COMMANDS ? ", " : " or ", commands[i].name);
    fprintf(stderr, "pactsim: error: unknown command '%s'; expected %s\n"
            "Try 'pactsim --help'.\n", cmd, names);
    return ps_status_exit_code(PS_ERR_USAGE);
}
