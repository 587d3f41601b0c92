/* pactsim compare A.h5 B.h5 [--metric M]... [--at YYYY-MM] [--format table|csv|json]
 * pactsim sensitivity FILE [--metric M] [--bootstrap B] */
#include <errno.h>
#include <getopt.h>
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

static int parse_count(const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

const char ps_cli_compare_help[] =
    "Usage: pactsim compare A.h5 B.h5 [--metric M]... [--at YYYY-MM] [--format table|csv|json]\n"
    "  Paired differences B - A per replicate (the files must have the same replicates\n"
    "  and seed: common random numbers), their mean, a bootstrap 95% interval and a\n"
    "  verdict (higher, lower, no clear difference).\n"
    "  -m, --metric M      a summary metric (default: all), or with --at a state\n"
    "                      variable var:ISO3 (actor) or var:SRC:DST (dyad); repeatable\n"
    "      --at YYYY-MM    month of the state variables\n"
    "      --format F      table (default), csv or json\n"
    "      --bootstrap B   bootstrap resamples (default 2000)\n"
    "Exit status: 0 success; 1 runtime failure; 2 bad input (usage, a missing, damaged\n"
    "  or unpaired file: other seed or replicates, an unknown metric).\n";

typedef struct {
    const char *a, *b, *metric;
    const ps_compare_options *o;
    int n_boot;
} read_job;

/* compare (b set) or sensitivity, in the reading child (guard.c) */
static int read_job_run(void *arg)
{
    const read_job *j = arg;
    ps_error err = {PS_OK, ""};
    ps_status s = j->b ? ps_compare(j->a, j->b, j->o, stdout, &err)
                       : ps_sensitivity(j->a, j->metric, j->n_boot, stdout, &err);
    if (s != PS_OK)
        fprintf(stderr, "pactsim: error: %s\n", err.msg);
    return ps_status_exit_code(s);
}

int ps_cli_compare(int argc, char **argv)
{
    enum { OPT_AT = 256, OPT_FORMAT, OPT_BOOT };
    static const struct option longopts[] = {
        {"metric", required_argument, NULL, 'm'},
        {"at", required_argument, NULL, OPT_AT},
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
    while (rc < 0 && (c = getopt_long(argc, argv, ":m:", longopts, NULL)) != -1) {
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
            if (parse_count(optarg, 100, 1000000, &o.n_boot))
                rc = cmd_usage_error("compare", "option --bootstrap: expected an integer from "
                                     "100 to 1000000, got '%s'", optarg);
            break;
        case ':': rc = cmd_usage_error("compare", "option %s: missing its value", argv[optind - 1]); break;
        default: rc = cmd_usage_error("compare", "unknown option '%s'", argv[optind - 1]); break;
        }
    }
    if (rc < 0 && argc - optind != 2)
        rc = cmd_usage_error("compare", "expected two files A.h5 B.h5, got %s",
                             argc - optind < 2 ? "fewer" : "more");
    if (rc < 0 && o.at && o.n_metrics == 0)
        rc = cmd_usage_error("compare", "%s", "--at needs --metric var:ISO3 or var:SRC:DST");
    if (rc < 0) {
        read_job j = {argv[optind], argv[optind + 1], NULL, &o, 0};
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
    "  95% intervals; written to /sensitivity in FILE and printed.\n"
    "  -m, --metric M      one summary metric (default: all)\n"
    "      --bootstrap B   bootstrap resamples (default 1000)\n"
    "Exit status: 0 success; 1 runtime failure (cannot write /sensitivity); 2 bad\n"
    "  input (usage, a missing or damaged file, not a saltelli or morris sweep,\n"
    "  an unknown metric, a file that cannot be written).\n";

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
    while ((c = getopt_long(argc, argv, ":m:", longopts, NULL)) != -1) {
        switch (c) {
        case 'm': metric = optarg; break;
        case OPT_BOOT:
            if (parse_count(optarg, 100, 1000000, &n_boot))
                return cmd_usage_error("sensitivity", "option --bootstrap: expected an integer "
                                       "from 100 to 1000000, got '%s'", optarg);
            break;
        case ':': return cmd_usage_error("sensitivity", "option %s: missing its value", argv[optind - 1]);
        default: return cmd_usage_error("sensitivity", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return cmd_usage_error("sensitivity", "expected one sweep FILE, got %s",
                               argc - optind ? "several" : "none");
    read_job j = {argv[optind], NULL, metric, NULL, n_boot};
    return ps_cli_guarded(j.a, 0, read_job_run, &j);
}
