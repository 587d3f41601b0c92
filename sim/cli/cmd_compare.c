/* pactsim compare A.h5 B.h5 [--metric M]... [--at YYYY-MM] [--format table|csv|json]
 *                 [--bootstrap B] [--negligible X[%]] [--allow-mismatch]
 * pactsim sensitivity FILE [--metric M] [--bootstrap B] */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "pactsim.h"

static int cmd_usage_error(const char *cmd, const char *fmt, const char *arg)
{
    fprintf(stderr, "pactsim: error: %s: ", cmd);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'pactsim %s --help'.\n", cmd);
    return ps_status_exit_code(PS_ERR_USAGE);
}

const char ps_cli_compare_help[] =
    "Usage: pactsim compare A.h5 B.h5 [--metric M]... [--at YYYY-MM] [--format table|csv|json]\n"
    "                       [--bootstrap B] [--negligible X[%]] [--allow-mismatch]\n"
    "  Paired differences B - A per replicate (the files must have the same replicates\n"
    "  and seed: common random numbers), their mean, a bootstrap 95% interval, effect\n"
    "  sizes (relative change, standardised difference) and a verdict (higher, lower,\n"
    "  negligible, no clear difference, identical). Runs of other actors, months or\n"
    "  scenario lineage (root of the extends chain) are refused.\n"
    "  -m, --metric M      a summary metric (default: all), or with --at a state\n"
    "                      variable var:ISO3 (actor) or var:SRC:DST (dyad); repeatable\n"
    "      --at YYYY-MM    month of the state variables\n"
    "      --format F      table (default), csv or json\n"
    "      --bootstrap B   bootstrap resamples (default 2000)\n"
    "      --negligible X  smallest effect of interest: an interval within +-X is\n"
    "                      'negligible'; X absolute, or X% of |mean A| (default 1%)\n"
    "      --allow-mismatch  compare runs of other actors, months or lineage anyway\n"
    "                      (state variables of the common actors and months only)\n"
    "Exit status: 0 success; 1 runtime failure; 2 bad input (usage, a missing, damaged\n"
    "  or unpaired file: other seed or replicates; runs of other actors, months or\n"
    "  lineage without --allow-mismatch; an unknown metric).\n";

/* X (absolute) or X% (of |mean A|), X a finite number >= 0. */
static int parse_negligible(const char *s, ps_compare_options *o)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    int pct = *end == '%';
    if (errno || end == s || (pct ? end[1] != '\0' : *end != '\0') || !isfinite(v) || v < 0)
        return -1;
    o->negligible_text = s;
    o->negligible = pct ? v / 100.0 : v;
    o->negligible_relative = pct;
    return 0;
}

typedef struct {
    const char *a, *b;
    const ps_compare_options *o;
    ps_sensitivity_options *so;
} read_job;

/* compare (b set) or sensitivity, in the reading child (guard.c) */
static int read_job_run(void *arg)
{
    const read_job *j = arg;
    ps_error err = {PS_OK, ""};
    ps_status s = j->b ? ps_compare(j->a, j->b, j->o, stdout, &err)
                       : ps_sensitivity(j->a, j->so, stdout, &err);
    if (s == PS_ERR_INTERRUPTED && ps_cli_signal) {
        fflush(stdout);
        fprintf(stderr, "pactsim: %s\n", err.msg);
        signal(ps_cli_signal, SIG_DFL); /* end as the signal would: 130/143 */
        raise(ps_cli_signal);
    }
    if (s != PS_OK)
        fprintf(stderr, "pactsim: error: %s\n", err.msg);
    return ps_status_exit_code(s);
}

int ps_cli_compare(int argc, char **argv)
{
    enum { OPT_AT = 256, OPT_FORMAT, OPT_BOOT, OPT_NEGLIGIBLE, OPT_ALLOW };
    static const struct option longopts[] = {
        {"metric", required_argument, NULL, 'm'},
        {"at", required_argument, NULL, OPT_AT},
        {"negligible", required_argument, NULL, OPT_NEGLIGIBLE},
        {"allow-mismatch", no_argument, NULL, OPT_ALLOW},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"bootstrap", required_argument, NULL, OPT_BOOT},
        {NULL, 0, NULL, 0},
    };
    const char **metrics = calloc((size_t)argc + 1, sizeof *metrics);
    if (!metrics)
        return 1;
    ps_compare_options o = {.metrics = metrics};
    int c, rc = -1;
    opterr = 0;
    optind = 1;
    char msg[256];
    while (rc < 0 && (c = ps_cli_getopt(argc, argv, ":m:", longopts)) != -1) {
        switch (c) {
        case 'm': metrics[o.n_metrics++] = optarg; break;
        case OPT_AT: {
            ps_date d;
            if (ps_date_parse(optarg, &d) || strlen(optarg) != 7)
                rc = cmd_usage_error("compare", "option --at: expected YYYY-MM, got '%s'", optarg);
            o.at = optarg;
            break;
        }
        case OPT_FORMAT:
            if (!strcmp(optarg, "table")) o.format = PS_FMT_TABLE;
            else if (!strcmp(optarg, "csv")) o.format = PS_FMT_CSV;
            else if (!strcmp(optarg, "json")) o.format = PS_FMT_JSON;
            else rc = cmd_usage_error("compare", "option --format: expected table, csv or json, "
                                      "got '%s'", optarg);
            break;
        case OPT_BOOT:
            if (ps_cli_parse_int(optarg, 100, 1000000, &o.n_boot))
                rc = cmd_usage_error("compare", "option --bootstrap: expected an integer from "
                                     "100 to 1000000, got '%s'", optarg);
            break;
        case OPT_NEGLIGIBLE:
            if (parse_negligible(optarg, &o))
                rc = cmd_usage_error("compare", "option --negligible: expected a number >= 0, "
                                     "or a percentage of |mean A| such as 1%%, got '%s'", optarg);
            break;
        case OPT_ALLOW: o.allow_mismatch = 1; break;
        case ':': rc = cmd_usage_error("compare", "option %s: missing its value", argv[optind - 1]); break;
        default:
            ps_cli_refused(argv[optind - 1], longopts, msg, sizeof msg);
            rc = cmd_usage_error("compare", "%s", msg);
            break;
        }
    }
    if (rc < 0 && argc - optind != 2)
        rc = cmd_usage_error("compare", "expected two files A.h5 B.h5, got %s",
                             argc - optind < 2 ? "fewer" : "more");
    if (rc < 0 && o.at && o.n_metrics == 0)
        rc = cmd_usage_error("compare", "%s", "--at needs --metric var:ISO3 or var:SRC:DST");
    if (rc < 0) {
        read_job j = {argv[optind], argv[optind + 1], &o, NULL};
        char files[1024];
        snprintf(files, sizeof files, "%s or %s", j.a, j.b);
        rc = ps_cli_guarded(files, 0, read_job_run, &j);
    }
    free(metrics);
    return rc;
}

const char ps_cli_sensitivity_help[] =
    "Usage: pactsim sensitivity FILE [--metric M] [--bootstrap B]\n"
    "  Sobol' first-order and total indices (saltelli design) or Morris mu*, mu and\n"
    "  sigma (morris design) of the summary metrics of a sweep file, with bootstrap\n"
    "  95% intervals, and second-order indices of a saltelli design with\n"
    "  second_order: true; printed, and stored in /sensitivity of FILE (a copy with\n"
    "  the results replaces FILE when complete: FILE is never changed in place).\n"
    "  Warns when a Sobol' interval is wider than 0.2 and says how many samples\n"
    "  would narrow it.\n"
    "  -m, --metric M      one summary metric (default: all)\n"
    "      --bootstrap B   bootstrap resamples (default 1000)\n"
    "Exit status: 0 success; 1 runtime failure (the results cannot be written, e.g.\n"
    "  a full disk: FILE unchanged); 2 bad input (usage, a missing or damaged file,\n"
    "  not a saltelli or morris sweep, an unknown metric); 130/143 interrupted by\n"
    "  SIGINT/SIGTERM (FILE unchanged).\n";

int ps_cli_sensitivity(int argc, char **argv)
{
    enum { OPT_BOOT = 256 };
    static const struct option longopts[] = {
        {"metric", required_argument, NULL, 'm'},
        {"bootstrap", required_argument, NULL, OPT_BOOT},
        {NULL, 0, NULL, 0},
    };
    const char *metric = NULL;
    int n_boot = 0, c;
    opterr = 0;
    optind = 1;
    char msg[256];
    while ((c = ps_cli_getopt(argc, argv, ":m:", longopts)) != -1) {
        switch (c) {
        case 'm': metric = optarg; break;
        case OPT_BOOT:
            if (ps_cli_parse_int(optarg, 100, 1000000, &n_boot))
                return cmd_usage_error("sensitivity", "option --bootstrap: expected an integer "
                                       "from 100 to 1000000, got '%s'", optarg);
            break;
        case ':': return cmd_usage_error("sensitivity", "option %s: missing its value", argv[optind - 1]);
        default:
            ps_cli_refused(argv[optind - 1], longopts, msg, sizeof msg);
            return cmd_usage_error("sensitivity", "%s", msg);
        }
    }
    if (argc - optind != 1)
        return cmd_usage_error("sensitivity", "expected one sweep FILE, got %s",
                               argc - optind ? "several" : "none");
    /* The indices are stored in the file (a new copy renamed over it): it must be writable. */
    if (ps_cli_check_output("sensitivity", NULL, argv[optind], 1))
        return ps_status_exit_code(PS_ERR_USAGE);
    ps_sensitivity_options so = {.metric = metric, .n_boot = n_boot, .stop_flag = &ps_cli_stop};
    read_job j = {argv[optind], NULL, NULL, &so};
    /* Both the reading child and this process (waiting for it) catch the
     * signal: the child removes its copy and re-raises it, and so do we. */
    /* (sensitivity: a signal stops it between metrics, leaving the file as it was) */
    ps_cli_catch_stop();
    signal(SIGXFSZ, SIG_IGN); /* a file size limit is a write error, as a full disk */
    return ps_cli_guarded(j.a, 0, read_job_run, &j);
}
