/* pactsim slurm SPEC [-o SCRIPT] [--result FILE] [--mode array|mpi] [--chunks K]
 *                    [--calibrate] [--ntasks N] [--cpus C] [--time T] [--partition P]
 *                    [--account A] [--qos Q] [--mem M] [--setup FILE] [--force]
 * Writes a ready sbatch script for a sweep (docs/cluster.md): a job array over
 * chunks of points, each chunk a resumable part file, merged by the task that
 * finds them all complete; or one MPI job. With --calibrate, SPEC is a
 * calibration spec and the script one MPI job of pactsim calibrate --resume.
 *
 * Every value from the user (sweep name, paths, options) reaches the script
 * quoted: single quotes for bash, backslash escapes on #SBATCH lines (sbatch
 * reads those itself); control characters are refused (exit 2). */
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
    "                     [--ntasks N] [--cpus C] [--time T] [--partition P] [--account A]\n"
    "                     [--qos Q] [--mem M] [--setup FILE] [--force]\n"
    "       pactsim slurm SPEC --calibrate [-o SCRIPT] [--result FILE] [--ntasks N] ...\n"
    "  Write an sbatch script that runs the sweep SPEC on a Slurm cluster (docs/cluster.md).\n"
    "      --calibrate      SPEC is a calibration spec (docs/calibration.md): one MPI job\n"
    "                       of N tasks running pactsim calibrate, which a requeued job\n"
    "                       continues from its checkpoint (N = 1 in a build without\n"
    "                       MPI); --result: the posterior (default <calibration name>.h5)\n"
    "  -o, --output SCRIPT  the script (default: standard output); an existing file is\n"
    "                       replaced only with --force, an input (SPEC...) never\n"
    "      --result FILE    the sweep file it writes (default: <sweep name>.h5)\n"
    "      --mode M         array (default): a job array over K chunks of points, merged\n"
    "                       by the last chunk to finish; mpi: one MPI job of N tasks\n"
    "                       (needs a pactsim built with -DPACTSIM_ENABLE_MPI=ON)\n"
    "      --chunks K       array mode: number of chunks (default: min(points, 16))\n"
    "      --ntasks N       mpi mode, --calibrate: MPI ranks (default 4)\n"
    "      --cpus C         CPUs (OpenMP threads) per task (default 1)\n"
    "      --time T         time limit per job or task (default 01:00:00), as Slurm reads\n"
    "                       it: MINUTES, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS\n"
    "      --partition P    partition (default: the cluster's)\n"
    "      --account A      account charged (default: the user's)\n"
    "      --qos Q          quality of service (default: the cluster's)\n"
    "      --mem M          memory per node, a number with an optional unit K, M, G or T\n"
    "                       (Slurm's default unit: M)\n"
    "      --setup FILE     shell lines (e.g. module loads) copied into the script, run\n"
    "                       before pactsim on the compute node\n"
    "  -f, --force          overwrite an existing SCRIPT\n"
    "  Every job resumes what an earlier one left: resubmit or requeue after a time limit.\n"
    "Exit status: 0 script written; 1 runtime failure (cannot write the script);\n"
    "  2 bad input (usage, spec, a value with a control character, an existing or\n"
    "  unwritable SCRIPT, SCRIPT naming an input, --mode mpi in a build without MPI).\n";

static int slurm_usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "pactsim: error: slurm: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'pactsim slurm --help'.\n");
    return ps_status_exit_code(PS_ERR_USAGE);
}

/* n digits (1..max) at *s, value < lim (0: any); advances *s. */
static int time_field(const char **s, int max, long lim)
{
    size_t n = strspn(*s, "0123456789");
    if (n == 0 || n > (size_t)max)
        return -1;
    long v = strtol(*s, NULL, 10);
    *s += n;
    return lim && v >= lim ? -1 : 0;
}

/* Slurm's time formats: MINUTES, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS. */
static int valid_time(const char *s)
{
    int days = strchr(s, '-') != NULL;
    if (days && (time_field(&s, 6, 0) || *s++ != '-'))
        return 0;
    if (time_field(&s, days ? 2 : 8, days ? 24 : 0))
        return 0;
    for (int k = 0; k < 2 && *s == ':'; k++) {
        s++;
        if (time_field(&s, 2, 60))
            return 0;
    }
    return *s == '\0';
}

/* Slurm's --mem: digits and an optional unit K, M, G or T. */
static int valid_mem(const char *s)
{
    size_t n = strspn(s, "0123456789");
    return n > 0 && n <= 12 && (s[n] == '\0' || (strchr("KMGT", s[n]) && s[n + 1] == '\0'));
}

/* The first control character of s (a byte below 0x20, or 0x7f), or 0. */
static int control_char(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return *p;
    return 0;
}

/* s for bash, in single quotes: each ' becomes '\''. */
static void put_sq(FILE *fp, const char *s)
{
    fputc('\'', fp);
    for (; *s; s++)
        if (*s == '\'')
            fputs("'\\''", fp);
        else
            fputc(*s, fp);
    fputc('\'', fp);
}

/* s as a value on an #SBATCH line: sbatch splits those lines itself (quotes
 * group, an unescaped # starts a comment, a backslash takes the next character
 * literally), so every character outside a plain set is escaped. */
static void put_sbatch(FILE *fp, const char *s)
{
    for (; *s; s++) {
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:=+,-", *s))
            fputc('\\', fp);
        fputc(*s, fp);
    }
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

/* The --setup file's text, checked: plain lines, no control characters but
 * tabs (a carriage return breaks bash), ending with a newline. NULL and a
 * message on failure (*rc: the exit code). */
static char *read_setup(const char *path, int *rc)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "pactsim: error: slurm: option --setup %s: cannot read: %s\n", path,
                strerror(errno));
        *rc = ps_status_exit_code(PS_ERR_INPUT);
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *s = malloc(cap + 2);
    int c;
    while (s && (c = fgetc(f)) != EOF) {
        if (n == cap && n < (1u << 20)) {
            char *t = realloc(s, (cap *= 2) + 2);
            if (!t)
                free(s);
            s = t;
        }
        if (s && n == cap) { /* over 1 MiB: not a few setup lines */
            fprintf(stderr, "pactsim: error: slurm: option --setup %s: larger than 1 MiB; "
                    "expected a few shell lines\n", path);
            free(s);
            fclose(f);
            *rc = ps_status_exit_code(PS_ERR_INPUT);
            return NULL;
        }
        if (s)
            s[n++] = (char)c;
    }
    int bad_read = ferror(f);
    fclose(f);
    if (!s || bad_read) {
        fprintf(stderr, "pactsim: error: slurm: option --setup %s: cannot read: %s\n", path,
                s ? strerror(errno) : "out of memory");
        free(s);
        *rc = s ? ps_status_exit_code(PS_ERR_INPUT) : 1;
        return NULL;
    }
    int line = 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)s[i];
        if (b == '\n')
            line++;
        else if ((b < 0x20 && b != '\t') || b == 0x7f) {
            fprintf(stderr, "pactsim: error: slurm: option --setup %s:%d: control character "
                    "0x%02x%s; expected plain shell lines (Unix line ends)\n", path, line, b,
                    b == '\r' ? " (a carriage return)" : "");
            free(s);
            *rc = ps_status_exit_code(PS_ERR_INPUT);
            return NULL;
        }
    }
    if (n > 0 && s[n - 1] != '\n')
        s[n++] = '\n';
    s[n] = '\0';
    return s;
}

/* Is path the same file as one of the inputs? */
static const char *same_file(const char *path, const char *const *inputs, int n)
{
    struct stat a, b;
    if (stat(path, &a) != 0)
        return NULL;
    for (int i = 0; i < n; i++)
        if (inputs[i] && stat(inputs[i], &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
            return inputs[i];
    return NULL;
}

typedef struct {
    const ps_sweep *sw;    /* a sweep, or */
    const ps_calib *cal;   /* a calibration (--calibrate) */
    const char *exe, *spec, *result, *time, *partition, *account, *qos, *mem, *setup;
    const char *setup_path;
    int mpi, chunks, ntasks, cpus;
} script_args;

static void write_script(FILE *fp, const script_args *a)
{
    const char *name = a->cal ? a->cal->name : a->sw->name;
    fprintf(fp, "#!/bin/bash\n# Written by pactsim %s (pactsim slurm, docs/cluster.md) for %s ",
            PS_VERSION, a->cal ? "calibration" : "sweep");
    put_sq(fp, name);
    if (a->cal)
        fprintf(fp, ":\n# %d particles, %d replicates each, at most %d generations, %s.\n",
                a->cal->particles, a->cal->replicates, a->cal->max_generations,
                a->mpi ? "one MPI job" : "one task");
    else
        fprintf(fp, ":\n# %d points x %d replicates = %lld runs, %s.\n", a->sw->n_points,
                a->sw->replicates, (long long)a->sw->n_points * a->sw->replicates,
                a->mpi ? "one MPI job" : "a job array over chunks of points");
    fputs("# Submit with: sbatch <this file>. Every job continues what an earlier one\n"
          "# left (--resume): after a time limit or a node failure, submit it again.\n", fp);
    fputs("#SBATCH --job-name=pactsim-", fp);
    put_sbatch(fp, name);
    fputc('\n', fp);
    if (a->mpi || a->cal)
        fprintf(fp, "#SBATCH --ntasks=%d\n", a->ntasks);
    else
        fprintf(fp, "#SBATCH --array=0-%d\n#SBATCH --ntasks=1\n", a->chunks - 1);
    fprintf(fp, "#SBATCH --cpus-per-task=%d\n#SBATCH --time=%s\n", a->cpus, a->time);
    const struct { const char *name, *value; } opt[] = {
        {"partition", a->partition}, {"account", a->account}, {"qos", a->qos}, {"mem", a->mem}};
    for (size_t i = 0; i < sizeof opt / sizeof *opt; i++)
        if (opt[i].value) {
            fprintf(fp, "#SBATCH --%s=", opt[i].name);
            put_sbatch(fp, opt[i].value);
            fputc('\n', fp);
        }
    fputs("#SBATCH --requeue\n#SBATCH --open-mode=append\n#SBATCH --output=", fp);
    put_sbatch(fp, a->result);
    fprintf(fp, ".slurm-%s.log\n", a->mpi || a->cal ? "%j" : "%A_%a");
    fputs("PACTSIM=", fp);
    put_sq(fp, a->exe);
    fputs("\nSPEC=", fp);
    put_sq(fp, a->spec);
    fputs("\nRESULT=", fp);
    put_sq(fp, a->result);
    fputc('\n', fp);
    if (a->setup) {
        fputs("# --- setup: the lines of ", fp);
        put_sq(fp, a->setup_path);
        fprintf(fp, " (pactsim slurm --setup), run before pactsim ---\n%s"
                "# --- end of setup ---\n", a->setup);
    }
    fprintf(fp, "set -euo pipefail\nexport OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-%d}\n", a->cpus);
    if (a->cal) {
        fprintf(fp, "# Rank 0 keeps the finished generations in \"$RESULT.partial\" and writes\n"
                "# $RESULT at the end; a job started again (resubmitted, requeued) continues\n"
                "# from the last finished generation, on any number of ranks: the posterior\n"
                "# is the same (docs/calibration.md).\n");
        if (a->mpi)
            fprintf(fp, "# MPIRUN can be set to the site's launcher, e.g. 'srun --mpi=pmix'.\n"
                    "${MPIRUN:-mpirun -n $SLURM_NTASKS} ");
        fprintf(fp, "\"$PACTSIM\" calibrate \"$SPEC\" -o \"$RESULT\" --threads "
                "\"$OMP_NUM_THREADS\" --resume\n");
    } else if (a->mpi) {
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
                "# are safe: a merge holds $RESULT.lock, a second one waits for it and then,\n"
                "# with --resume, finds $RESULT complete and leaves it alone).\n"
                "\"$PACTSIM\" sweep \"$SPEC\" -o \"$RESULT\" --merge --if-complete --resume "
                "--quiet \"$RESULT\".chunk*-of$NCHUNKS.h5\n", a->sw->n_points, a->chunks);
    }
}

/* A value the script would carry, refused if it holds a control character. */
static int check_value(const char *what, const char *value)
{
    int c = value ? control_char(value) : 0;
    if (!c)
        return 0;
    fprintf(stderr, "pactsim: error: slurm: %s: control character 0x%02x in '", what, c);
    for (const char *p = value; *p; p++) /* shown with '?' for each */
        fputc((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p, stderr);
    fprintf(stderr, "'; expected a value without control characters (newlines, tabs...)\n");
    return ps_status_exit_code(PS_ERR_USAGE);
}

/* What an existing path is when it is not a regular file (a device, a FIFO,
 * a socket), or NULL: the script is written by rename, which would replace
 * such a node (/dev/null, as root) with a regular file. */
static const char *not_regular(const char *path)
{
    struct stat st;
    if (!path || stat(path, &st) != 0 || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))
        return NULL;
    return S_ISCHR(st.st_mode) ? "a character device" : S_ISBLK(st.st_mode) ? "a block device"
           : S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISSOCK(st.st_mode) ? "a socket"
           : "not a regular file";
}

int ps_cli_slurm(int argc, char **argv)
{
    enum { OPT_RESULT = 256, OPT_MODE, OPT_CHUNKS, OPT_NTASKS, OPT_CPUS, OPT_TIME, OPT_PARTITION,
           OPT_ACCOUNT, OPT_QOS, OPT_MEM, OPT_SETUP, OPT_CALIBRATE };
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"result", required_argument, NULL, OPT_RESULT},
        {"mode", required_argument, NULL, OPT_MODE},
        {"chunks", required_argument, NULL, OPT_CHUNKS},
        {"ntasks", required_argument, NULL, OPT_NTASKS},
        {"cpus", required_argument, NULL, OPT_CPUS},
        {"time", required_argument, NULL, OPT_TIME},
        {"partition", required_argument, NULL, OPT_PARTITION},
        {"account", required_argument, NULL, OPT_ACCOUNT},
        {"qos", required_argument, NULL, OPT_QOS},
        {"mem", required_argument, NULL, OPT_MEM},
        {"setup", required_argument, NULL, OPT_SETUP},
        {"calibrate", no_argument, NULL, OPT_CALIBRATE},
        {"force", no_argument, NULL, 'f'},
        {NULL, 0, NULL, 0},
    };
    script_args a = {.time = "01:00:00", .ntasks = 4, .cpus = 1};
    const char *script = NULL, *result = NULL;
    int force = 0, calibrate = 0, mode_given = 0, ntasks_given = 0, c;
    opterr = 0;
    optind = 1;
    char msg[256];
    while ((c = ps_cli_getopt(argc, argv, ":o:f", longopts)) != -1) {
        const char *name = NULL, **slot = NULL;
        switch (c) {
        case 'o':
            if (!*optarg)
                return slurm_usage_error("option --output: expected a file name, got '%s'", optarg);
            script = optarg;
            break;
        case 'f': force = 1; break;
        case OPT_RESULT:
            if (!*optarg)
                return slurm_usage_error("option --result: expected a file name, got '%s'", optarg);
            result = optarg;
            break;
        case OPT_CALIBRATE: calibrate = 1; break;
        case OPT_MODE:
            mode_given = 1;
            if (!strcmp(optarg, "array"))
                a.mpi = 0;
            else if (!strcmp(optarg, "mpi"))
                a.mpi = 1;
            else
                return slurm_usage_error("option --mode: expected array or mpi, got '%s'", optarg);
            break;
        case OPT_CHUNKS:
            if (ps_cli_parse_int(optarg, 1, 1000000, &a.chunks))
                return slurm_usage_error("option --chunks: expected an integer from 1 to "
                                         "1000000, got '%s'", optarg);
            break;
        case OPT_NTASKS:
            if (ps_cli_parse_int(optarg, 1, 1000000, &a.ntasks))
                return slurm_usage_error("option --ntasks: expected an integer from 1 to "
                                         "1000000, got '%s'", optarg);
            ntasks_given = 1;
            break;
        case OPT_CPUS:
            if (ps_cli_parse_int(optarg, 1, 1024, &a.cpus))
                return slurm_usage_error("option --cpus: expected an integer from 1 to 1024, "
                                         "got '%s'", optarg);
            break;
        case OPT_TIME:
            if (!valid_time(optarg))
                return slurm_usage_error("option --time: expected MINUTES, MM:SS, HH:MM:SS, D-HH, "
                                         "D-HH:MM or D-HH:MM:SS, got '%s'", optarg);
            a.time = optarg;
            break;
        case OPT_MEM:
            if (!valid_mem(optarg))
                return slurm_usage_error("option --mem: expected a number with an optional unit "
                                         "K, M, G or T (e.g. 4G), got '%s'", optarg);
            a.mem = optarg;
            break;
        case OPT_PARTITION: name = "--partition"; slot = &a.partition; break;
        case OPT_ACCOUNT: name = "--account"; slot = &a.account; break;
        case OPT_QOS: name = "--qos"; slot = &a.qos; break;
        case OPT_SETUP:
            if (!*optarg)
                return slurm_usage_error("option --setup: expected a file name, got '%s'", optarg);
            a.setup_path = optarg;
            break;
        case ':': return slurm_usage_error("option %s: missing its value", argv[optind - 1]);
        default:
            ps_cli_refused(argv[optind - 1], longopts, msg, sizeof msg);
            return slurm_usage_error("%s", msg);
        }
        if (slot) { /* a Slurm name: any text on one line, escaped in the script */
            char what[32];
            snprintf(what, sizeof what, "option %s", name);
            if (!*optarg || optarg[0] == '-') {
                fprintf(stderr, "pactsim: error: slurm: %s: expected a name, got '%s'\n"
                        "Try 'pactsim slurm --help'.\n", what, optarg);
                return ps_status_exit_code(PS_ERR_USAGE);
            }
            if (check_value(what, optarg))
                return ps_status_exit_code(PS_ERR_USAGE);
            *slot = optarg;
        }
    }
    if (argc - optind != 1)
        return slurm_usage_error("expected one SPEC file, got %s", argc - optind ? "several" : "none");
    if (calibrate && (mode_given || a.chunks))
        return slurm_usage_error("%s", "--calibrate writes one MPI job: expected no --mode "
                                 "and no --chunks");
    if (a.mpi && a.chunks)
        return slurm_usage_error("%s", "--chunks goes with --mode array");
#ifndef PS_HAVE_MPI
    if (a.mpi)
        return slurm_usage_error("%s", "option --mode mpi: this pactsim was built without MPI; "
                                 "expected --mode array, or a build with -DPACTSIM_ENABLE_MPI=ON");
    if (calibrate && ntasks_given && a.ntasks > 1)
        return slurm_usage_error("%s", "option --calibrate --ntasks above 1: this pactsim was "
                                 "built without MPI; expected --ntasks 1 (threads: --cpus), or "
                                 "a build with -DPACTSIM_ENABLE_MPI=ON");
    if (calibrate)
        a.ntasks = 1; /* one task, its threads */
#else
    if (calibrate)
        a.mpi = 1;
#endif
    (void)ntasks_given;
    const char *spec = argv[optind];
    /* Outputs first, before any work: the script and the result's directory
     * (Slurm opens the log there before the job starts). */
    if (check_value("the SPEC argument", spec) || check_value("option --result", result) ||
        check_value("option --output", script) || check_value("option --setup", a.setup_path))
        return ps_status_exit_code(PS_ERR_USAGE);
    if (script && ps_cli_check_output("slurm", "--output", script, 0))
        return ps_status_exit_code(PS_ERR_USAGE);
    if (result && ps_cli_check_output("slurm", "--result", result, 0))
        return ps_status_exit_code(PS_ERR_USAGE);
    int rc = 0;
    char *setup = a.setup_path ? read_setup(a.setup_path, &rc) : NULL;
    if (rc)
        return rc;
    ps_error err = {PS_OK, ""};
    ps_sweep *sw = NULL;
    ps_calib *cal = NULL;
    ps_status s;
    if (calibrate) {
        s = ps_calib_load(spec, &cal, &err);
    } else {
        s = ps_sweep_load(spec, &sw, &err);
        if (s == PS_OK)
            s = ps_sweep_validate(sw, &err);
    }
    if (s != PS_OK) {
        fprintf(stderr, "pactsim: error: %s\n", err.msg);
        ps_sweep_free(sw);
        ps_calib_free(cal);
        free(setup);
        return ps_status_exit_code(s);
    }
    a.sw = sw;
    a.cal = cal;
    a.setup = setup;
    int P = sw ? sw->n_points : 1;
    if (!a.chunks)
        a.chunks = P < 16 ? P : 16;
    char defname[PS_NAME_MAX + 8];
    snprintf(defname, sizeof defname, "%s.h5", sw ? sw->name : cal->name);
    char exe[PATH_MAX];
    char *spec_abs = realpath(spec, NULL), *res_abs = absolute(result ? result : defname);
    char *script_tmp = NULL;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    /* Inputs: never the result or the script (a calibration's observation files too). */
    int n_in = 4 + (cal ? cal->n_obs_files : 0);
    const char **inputs = calloc((size_t)n_in, sizeof *inputs), *clash;
    if (n > 0)
        exe[n] = 0;
    if (inputs) {
        inputs[0] = spec;
        inputs[1] = sw ? sw->base_path : cal->base_path;
        inputs[2] = a.setup_path;
        inputs[3] = n > 0 ? exe : NULL;
        for (int k = 4; k < n_in; k++)
            inputs[k] = cal->obs_files[k - 4];
    }
    if (!inputs) {
        fprintf(stderr, "pactsim: error: slurm: out of memory\n");
        rc = 1;
    } else if (a.chunks > P) {
        fprintf(stderr, "pactsim: error: slurm: option --chunks %d: the sweep has only %d "
                "points\n", a.chunks, P);
        rc = ps_status_exit_code(PS_ERR_USAGE);
    } else if (n <= 0 || !spec_abs || !res_abs) {
        fprintf(stderr, "pactsim: error: slurm: cannot resolve the paths of pactsim, %s or "
                "the result: %s\n", spec, strerror(errno));
        rc = 1;
    } else if (check_value("the path of pactsim", exe) || check_value("the SPEC's path", spec_abs) ||
               check_value("the result (--result, default <sweep name>.h5)", res_abs)) {
        rc = ps_status_exit_code(PS_ERR_USAGE);
    } else if (strchr(res_abs, '%')) {
        fprintf(stderr, "pactsim: error: slurm: the result (--result, default <sweep name>.h5) "
                "'%s': '%%' in it would be read by Slurm as a pattern in the log's name "
                "(#SBATCH --output); expected a path without '%%'\n", res_abs);
        rc = ps_status_exit_code(PS_ERR_USAGE);
    } else if (!result && ps_cli_check_output("slurm", NULL, defname, 0)) {
        rc = ps_status_exit_code(PS_ERR_USAGE);
    } else if ((clash = same_file(res_abs, inputs, n_in))) {
        fprintf(stderr, "pactsim: error: slurm: option --result %s: it is an input (%s); "
                "expected another file\n", res_abs, clash);
        rc = ps_status_exit_code(PS_ERR_USAGE);
    } else if (script && (clash = same_file(script, inputs, n_in))) {
        fprintf(stderr, "pactsim: error: slurm: option --output %s: it is an input (%s), "
                "never overwritten, even with --force; expected another file\n", script, clash);
        rc = ps_status_exit_code(PS_ERR_USAGE);
    } else if (script && not_regular(script)) {
        fprintf(stderr, "pactsim: error: slurm: option --output %s: is %s; pactsim replaces only "
                "regular files, with --force or not; expected the name of a file to write\n",
                script, not_regular(script));
        rc = ps_status_exit_code(PS_ERR_EXISTS);
    } else if (not_regular(res_abs)) {
        fprintf(stderr, "pactsim: error: slurm: the result %s: is %s; pactsim replaces only "
                "regular files; expected the name of a file to write\n", res_abs,
                not_regular(res_abs));
        rc = ps_status_exit_code(PS_ERR_EXISTS);
    } else if (script && !force && access(script, F_OK) == 0) {
        fprintf(stderr, "pactsim: error: slurm: option --output %s: the file exists; use --force "
                "to overwrite it\n", script);
        rc = ps_status_exit_code(PS_ERR_EXISTS);
    }
    a.exe = exe;
    a.spec = spec_abs;
    a.result = res_abs;
    /* Written under a temporary name, renamed when complete. */
    FILE *fp = stdout;
    if (!rc && script) {
        size_t len = strlen(script) + 32;
        script_tmp = malloc(len);
        if (script_tmp)
            snprintf(script_tmp, len, "%s.tmp.%ld", script, (long)getpid());
        if (!script_tmp || !(fp = fopen(script_tmp, "w"))) {
            fprintf(stderr, "pactsim: error: slurm: %s: cannot write: %s\n", script,
                    script_tmp ? strerror(errno) : "out of memory");
            rc = 1;
        }
    }
    if (!rc) {
        write_script(fp, &a);
        int failed = 0;
        if (fp != stdout) {
            failed = fflush(fp) != 0 || ferror(fp);
            failed |= fclose(fp) != 0;
            failed = failed || rename(script_tmp, script) != 0;
        }
        if (failed) {
            fprintf(stderr, "pactsim: error: slurm: %s: cannot write: %s\n", script,
                    strerror(errno));
            unlink(script_tmp);
            rc = 1;
        } else if (script)
            fprintf(stderr, "pactsim: wrote %s (%s; submit with: sbatch %s)\n", script,
                    a.mpi ? "one MPI job" : cal ? "one task" : "a job array", script);
    }
    free(script_tmp);
    free(spec_abs);
    free(res_abs);
    free(setup);
    free(inputs);
    ps_sweep_free(sw);
    ps_calib_free(cal);
    return rc;
}
