/* pactsim slurm SPEC [-o SCRIPT] [--result FILE] [--mode array|mpi] [--chunks K]
 *                    [--ntasks N] [--cpus C] [--time HH:MM:SS] [--partition P]
 * Writes a ready sbatch script for a sweep (docs/cluster.md): a job array over
 * chunks of points, each chunk a resumable part file, merged by the task that
 * finds them all complete; or one MPI job. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "pactsim.h"

const char ps_cli_slurm_help[] =
    "Usage: pactsim slurm SPEC [-o SCRIPT] [--result FILE] [--mode array|mpi] [--chunks K]\n"
    "                     [--ntasks N] [--cpus C] [--time HH:MM:SS] [--partition P]\n"
    "  Write an sbatch script that runs the sweep SPEC on a Slurm cluster (docs/cluster.md).\n"
    "  -o, --output SCRIPT  the script (default: standard output)\n"
    "      --result FILE    the sweep file it writes (default: <sweep name>.h5)\n"
    "      --mode M         array (default): a job array over K chunks of points, merged\n"
    "                       by the last chunk to finish; mpi: one MPI job of N tasks\n"
    "      --chunks K       array mode: number of chunks (default: min(points, 16))\n"
    "      --ntasks N       mpi mode: MPI ranks (default 4)\n"
    "      --cpus C         CPUs (OpenMP threads) per task (default 1)\n"
    "      --time T         time limit per job or task, [D-]HH:MM:SS (default 01:00:00)\n"
    "      --partition P    partition (default: the cluster's)\n"
    "  Every job resumes what an earlier one left: resubmit or requeue after a time limit.\n"
    "Exit status: 0 script written; 1 runtime failure (cannot write the script);\n"
    "  2 bad input (usage, spec, a value the script cannot hold, unwritable output).\n";

static int slurm_usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "pactsim: error: slurm: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'pactsim slurm --help'.\n");
    return ps_status_exit_code(PS_ERR_USAGE);
}

static int parse_int(const char *s, long lo, long hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

/* [D-]HH:MM:SS */
static int valid_time(const char *s)
{
    const char *p = strchr(s, '-');
    if (p) {
        if (p == s || strspn(s, "0123456789") != (size_t)(p - s))
            return 0;
        s = p + 1;
    }
    return strlen(s) == 8 && strspn(s, "0123456789:") == 8 && s[2] == ':' && s[5] == ':' &&
           s[3] < '6' && s[6] < '6';
}

/* Safe inside single quotes in the script? */
static int shell_safe(const char *s)
{
    return strchr(s, '\'') == NULL && strchr(s, '\n') == NULL;
}

static char *absolute(const char *path)
{
    if (path[0] == '/')
        return strdup(path);
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return NULL;
    size_t n = strlen(cwd) + strlen(path) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s/%s", cwd, path);
    return s;
}

int ps_cli_slurm(int argc, char **argv)
{
    enum { OPT_RESULT = 256, OPT_MODE, OPT_CHUNKS, OPT_NTASKS, OPT_CPUS, OPT_TIME, OPT_PARTITION };
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"result", required_argument, NULL, OPT_RESULT},
        {"mode", required_argument, NULL, OPT_MODE},
        {"chunks", required_argument, NULL, OPT_CHUNKS},
        {"ntasks", required_argument, NULL, OPT_NTASKS},
        {"cpus", required_argument, NULL, OPT_CPUS},
        {"time", required_argument, NULL, OPT_TIME},
        {"partition", required_argument, NULL, OPT_PARTITION},
        {NULL, 0, NULL, 0},
    };
    const char *script = NULL, *result = NULL, *time_limit = "01:00:00", *partition = NULL;
    int mpi = 0, chunks = 0, ntasks = 4, cpus = 1, c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":o:", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            if (!*optarg)
                return slurm_usage_error("option --output: expected a file name, got '%s'", optarg);
            script = optarg;
            break;
        case OPT_RESULT:
            if (!*optarg || !shell_safe(optarg))
                return slurm_usage_error("option --result: expected a file name without quotes, "
                                         "got '%s'", optarg);
            result = optarg;
            break;
        case OPT_MODE:
            if (!strcmp(optarg, "array"))
                mpi = 0;
            else if (!strcmp(optarg, "mpi"))
                mpi = 1;
            else
                return slurm_usage_error("option --mode: expected array or mpi, got '%s'", optarg);
            break;
        case OPT_CHUNKS:
            if (parse_int(optarg, 1, 1000000, &chunks))
                return slurm_usage_error("option --chunks: expected an integer from 1 to "
                                         "1000000, got '%s'", optarg);
            break;
        case OPT_NTASKS:
            if (parse_int(optarg, 1, 1000000, &ntasks))
                return slurm_usage_error("option --ntasks: expected an integer from 1 to "
                                         "1000000, got '%s'", optarg);
            break;
        case OPT_CPUS:
            if (parse_int(optarg, 1, 1024, &cpus))
                return slurm_usage_error("option --cpus: expected an integer from 1 to 1024, "
                                         "got '%s'", optarg);
            break;
        case OPT_TIME:
            if (!valid_time(optarg))
                return slurm_usage_error("option --time: expected [D-]HH:MM:SS, got '%s'", optarg);
            time_limit = optarg;
            break;
        case OPT_PARTITION:
            if (!*optarg || strspn(optarg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                           "0123456789_-.,") != strlen(optarg))
                return slurm_usage_error("option --partition: expected a partition name, got "
                                         "'%s'", optarg);
            partition = optarg;
            break;
        case ':': return slurm_usage_error("option %s: missing its value", argv[optind - 1]);
        default: return slurm_usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return slurm_usage_error("expected one SPEC file, got %s", argc - optind ? "several" : "none");
    if (mpi && chunks)
        return slurm_usage_error("%s", "--chunks goes with --mode array");
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
    int P = sw->n_points, R = sw->replicates;
    if (!chunks)
        chunks = P < 16 ? P : 16;
    if (chunks > P) {
        fprintf(stderr, "pactsim: error: slurm: option --chunks %d: the sweep has only %d "
                "points\n", chunks, P);
        ps_sweep_free(sw);
        return ps_status_exit_code(PS_ERR_USAGE);
    }
    char defname[PS_NAME_MAX + 8];
    snprintf(defname, sizeof defname, "%s.h5", sw->name);
    char exe[PATH_MAX];
    char *spec_abs = realpath(spec, NULL), *res_abs = absolute(result ? result : defname);
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    int rc = 0;
    if (n <= 0 || !spec_abs || !res_abs) {
        fprintf(stderr, "pactsim: error: slurm: cannot resolve the paths of pactsim, %s or "
                "the result: %s\n", spec, strerror(errno));
        rc = 1;
    } else if (exe[n] = 0, !shell_safe(exe) || !shell_safe(spec_abs) || !shell_safe(res_abs)) {
        fprintf(stderr, "pactsim: error: slurm: a path contains a quote or a newline\n");
        rc = 2;
    }
    /* The result's directory must exist: Slurm opens the log there before the job starts. */
    char dir[PATH_MAX];
    if (!rc) {
        snprintf(dir, sizeof dir, "%s", res_abs);
        *strrchr(dir, '/') = 0;
        struct stat st;
        if (dir[0] && (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))) {
            fprintf(stderr, "pactsim: error: slurm: %s: the result's directory does not exist\n",
                    dir);
            rc = 2;
        }
    }
    FILE *fp = stdout;
    if (!rc && script && !(fp = fopen(script, "w"))) {
        fprintf(stderr, "pactsim: error: slurm: %s: cannot write: %s\n", script, strerror(errno));
        rc = 1;
    }
    if (!rc) {
        fprintf(fp, "#!/bin/bash\n"
                "# Written by pactsim %s (pactsim slurm, docs/cluster.md) for sweep '%s':\n"
                "# %d points x %d replicates = %lld runs, %s.\n"
                "# Submit with: sbatch <this file>. Every job continues what an earlier one\n"
                "# left (--resume): after a time limit or a node failure, submit it again.\n",
                PS_VERSION, sw->name, P, R, (long long)P * R,
                mpi ? "one MPI job" : "a job array over chunks of points");
        fprintf(fp, "#SBATCH --job-name=pactsim-%s\n", sw->name);
        if (mpi)
            fprintf(fp, "#SBATCH --ntasks=%d\n", ntasks);
        else
            fprintf(fp, "#SBATCH --array=0-%d\n#SBATCH --ntasks=1\n", chunks - 1);
        fprintf(fp, "#SBATCH --cpus-per-task=%d\n#SBATCH --time=%s\n", cpus, time_limit);
        if (partition)
            fprintf(fp, "#SBATCH --partition=%s\n", partition);
        fprintf(fp, "#SBATCH --requeue\n#SBATCH --open-mode=append\n"
                "#SBATCH --output=%s.slurm-%s.log\n", res_abs, mpi ? "%j" : "%A_%a");
        fprintf(fp, "set -euo pipefail\n"
                "PACTSIM='%s'\nSPEC='%s'\nRESULT='%s'\n"
                "export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-%d}\n", exe, spec_abs, res_abs, cpus);
        if (mpi) {
            fprintf(fp, "# Each rank writes \"$RESULT.rank<q>of<n>\"; rank 0 merges them into $RESULT.\n"
                    "# MPIRUN can be set to the site's launcher, e.g. 'srun --mpi=pmix'.\n"
                    "${MPIRUN:-mpirun -n $SLURM_NTASKS} \"$PACTSIM\" sweep \"$SPEC\" -o \"$RESULT\" "
                    "--threads \"$OMP_NUM_THREADS\" --resume --quiet\n");
        } else {
            fprintf(fp, "NPOINTS=%d\nNCHUNKS=%d\n"
                    "i=${SLURM_ARRAY_TASK_ID:?run this script with sbatch}\n"
                    "a=$(( i * NPOINTS / NCHUNKS ))\nb=$(( (i + 1) * NPOINTS / NCHUNKS ))\n"
                    "# Chunk i: points a to b-1 into a part file, resumable.\n"
                    "\"$PACTSIM\" sweep \"$SPEC\" -o \"$RESULT.chunk$i-of$NCHUNKS.h5\" --points \"$a:$b\" "
                    "--threads \"$OMP_NUM_THREADS\" --resume --quiet\n"
                    "# The task that finds every chunk complete merges them (concurrent merges\n"
                    "# are safe: each writes its own temporary file, renamed when complete).\n"
                    "\"$PACTSIM\" sweep \"$SPEC\" -o \"$RESULT\" --merge --if-complete --resume "
                    "--quiet \"$RESULT\".chunk*-of$NCHUNKS.h5\n", P, chunks);
        }
        if (fp != stdout && fclose(fp) != 0) {
            fprintf(stderr, "pactsim: error: slurm: %s: cannot write: %s\n", script, strerror(errno));
            rc = 1;
        } else if (script)
            fprintf(stderr, "pactsim: wrote %s (%s; submit with: sbatch %s)\n", script,
                    mpi ? "one MPI job" : "a job array", script);
    }
    free(spec_abs);
    free(res_abs);
    ps_sweep_free(sw);
    return rc;
}
