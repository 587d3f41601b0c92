/* pactsim score RUN.h5 OBS.csv [OBS2.csv ...] [--format table|csv|json] [--origin YYYY-MM]
 *                [--cutoff YYYY-MM-DD|none] */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "pactsim.h"

const char ps_cli_score_help[] =
    "Usage: pactsim score RUN.h5 OBS.csv [OBS2.csv ...] [--format table|csv|json]\n"
    "                     [--origin YYYY-MM] [--cutoff YYYY-MM-DD|none]\n"
    "  Proper scores of a run's replicates against observations (docs/validation.md,\n"
    "  docs/observation-format.md): per observation and in total, the CRPS of the ensemble\n"
    "  with each replicate taken as N(x, sd^2), the PIT, whether the observation lies\n"
    "  in the 50% and 90% central predictive intervals, and the skill against\n"
    "  persistence and a linear trend fitted to earlier rows of the same series.\n"
    "      --format F      table (default), csv or json\n"
    "      --origin M      rows dated before month M only feed the naive forecasts;\n"
    "                      the others are scored (default: the run's first month)\n"
    "      --cutoff D      rows published after D are errors (default " PS_OBS_CUTOFF ";\n"
    "                      'none': no cutoff, e.g. to score against later data)\n"
    "Exit status: 0 success; 1 runtime failure; 2 bad input (usage; a missing, damaged\n"
    "  or incomplete run file; an observation file with an error, named by\n"
    "  file:line:col; a row outside the run or naming what the run lacks).\n";

static int score_usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "pactsim: error: score: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'pactsim score --help'.\n");
    return ps_status_exit_code(PS_ERR_USAGE);
}

typedef struct {
    const char *run;
    const char *const *obs;
    int n_obs;
    const ps_score_options *o;
} score_job;

static int score_job_run(void *arg)
{
    const score_job *j = arg;
    ps_error err = {PS_OK, ""};
    ps_status s = ps_score(j->run, j->obs, j->n_obs, j->o, stdout, &err);
    if (s != PS_OK)
        fprintf(stderr, "pactsim: error: %s\n", err.msg);
    return ps_status_exit_code(s);
}

int ps_cli_score(int argc, char **argv)
{
    enum { OPT_FORMAT = 256, OPT_ORIGIN, OPT_CUTOFF };
    static const struct option longopts[] = {
        {"format", required_argument, NULL, OPT_FORMAT},
        {"origin", required_argument, NULL, OPT_ORIGIN},
        {"cutoff", required_argument, NULL, OPT_CUTOFF},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    ps_score_options o = {0};
    ps_date d;
    int c;
    opterr = 0;
    optind = 1;
    char msg[256];
    while ((c = ps_cli_getopt(argc, argv, ":h", longopts)) != -1) {
        switch (c) {
        case OPT_FORMAT:
            if (!strcmp(optarg, "table")) o.format = PS_FMT_TABLE;
            else if (!strcmp(optarg, "csv")) o.format = PS_FMT_CSV;
            else if (!strcmp(optarg, "json")) o.format = PS_FMT_JSON;
            else return score_usage_error("option --format: expected table, csv or json, got "
                                          "'%s'", optarg);
            break;
        case OPT_ORIGIN:
            if (strlen(optarg) != 7 || ps_date_parse(optarg, &d))
                return score_usage_error("option --origin: expected YYYY-MM, got '%s'", optarg);
            o.origin = optarg;
            break;
        case OPT_CUTOFF:
            if (strcmp(optarg, "none") && (strlen(optarg) != 10 || ps_date_parse(optarg, &d)))
                return score_usage_error("option --cutoff: expected YYYY-MM-DD or 'none', got "
                                         "'%s'", optarg);
            o.cutoff = optarg;
            break;
        case 'h': fputs(ps_cli_score_help, stdout); return 0;
        case ':': return score_usage_error("option %s: missing its value", argv[optind - 1]);
        default:
            ps_cli_refused(argv[optind - 1], longopts, msg, sizeof msg);
            return score_usage_error("%s", msg);
        }
    }
    if (argc - optind < 2)
        return score_usage_error("expected RUN.h5 and at least one OBS.csv, got %s",
                                 argc - optind ? "only RUN.h5" : "nothing");
    score_job j = {argv[optind], (const char *const *)argv + optind + 1, argc - optind - 1, &o};
    return ps_cli_guarded(j.run, 0, score_job_run, &j);
}
