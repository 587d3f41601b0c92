/* Commands implemented outside main.c; each parses its own options. */
#ifndef PACTSIM_CLI_COMMANDS_H
#define PACTSIM_CLI_COMMANDS_H
#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include "pactsim.h"
/* argv[0] is the command name; each joins main.c's command table with its
 * help text (usage, options, exit status), which `pactsim NAME --help` prints. */
int ps_cli_sweep(int argc, char **argv);
int ps_cli_compare(int argc, char **argv);
int ps_cli_sensitivity(int argc, char **argv);
int ps_cli_slurm(int argc, char **argv);
int ps_cli_score(int argc, char **argv);
int ps_cli_calibrate(int argc, char **argv);
extern const char ps_cli_sweep_help[], ps_cli_compare_help[], ps_cli_sensitivity_help[],
    ps_cli_slurm_help[], ps_cli_score_help[], ps_cli_calibrate_help[];
/* fn(arg) in a child process (guard.c): its exit code, or 2 with a message
 * naming files if reading them crashed HDF5 or took over cpu_seconds of CPU
 * time (0: no limit). */
/* 0 if a file can be written at path, else a message naming cmd, the option
 * (NULL: none) and path, and exit code 2 (common.c). in_place: path is an
 * existing file written in place (sensitivity). */
int ps_cli_check_output(const char *cmd, const char *option, const char *path, int in_place);
/* getopt_long that takes a long option only by its whole name: glibc also
 * takes any unique prefix, so `slurm --set x` was read as --setup and `run
 * --thread 2` as --threads. An abbreviation returns '?' with argv[optind - 1]
 * the element that held it, for the caller's "unknown option" (common.c). */
struct option;
int ps_cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts);
/* An element getopt refused ('?', argv[optind - 1]): ps_cli_flag_index is the
 * index in longopts of the option without a value that "--name=VALUE" names
 * by its whole name, or -1; ps_cli_refused writes the message into buf:
 * "option --force: takes no value; ..." for such an element, else "unknown
 * option '...'" (common.c). */
int ps_cli_flag_index(const char *arg, const struct option *longopts);
void ps_cli_refused(const char *arg, const struct option *longopts, char *buf, size_t len);
/* The command as typed (program, command, arguments in their order), for
 * /provenance/command_line: main() keeps argv before any parser permutes it
 * (ps_cli_keep_argv); ps_cli_command_line() returns a new string, or NULL
 * when out of memory (common.c). */
void ps_cli_keep_argv(int argc, char **argv);
char *ps_cli_command_line(void);
/* Whole-string decimal integer in [lo, hi] into *out: 0, or -1 (common.c). */
int ps_cli_parse_int(const char *s, long lo, long hi, int *out);
/* Started by an MPI launcher (mpirun, srun)? Its environment says so; a plain
 * start does not initialise MPI (common.c). */
int ps_cli_under_mpi(void);
int ps_cli_guarded(const char *files, unsigned cpu_seconds, int (*fn)(void *), void *arg);
/* SIGINT and SIGTERM ask the command to stop: ps_cli_catch_stop() installs
 * the handler, which sets ps_cli_stop (the library's stop_flag, read by its
 * worker threads) and ps_cli_signal (for exit code 128 + signal) (common.c). */
extern ps_stop ps_cli_stop;
extern volatile sig_atomic_t ps_cli_signal;
void ps_cli_catch_stop(void);
/* Make stdout and stderr write control characters as \xNN (clean.c);
 * ps_cli_tty is the raw stderr, for the progress bar's '\r'. */
void ps_cli_clean_streams(void);
extern FILE *ps_cli_tty;
/* Escape n bytes of in into out (room for 8 * n + 8); *held carries a
 * 0xC2 byte across calls. Returns the bytes written. */
size_t ps_cli_clean(char *out, const char *in, size_t n, int *held);
#endif
