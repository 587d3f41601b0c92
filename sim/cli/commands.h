/* Commands implemented outside main.c; each parses its own options. */
#ifndef PACTSIM_CLI_COMMANDS_H
#define PACTSIM_CLI_COMMANDS_H
/* argv[0] is the command name; each joins main.c's command table with its
 * help text (usage, options, exit status), which `pactsim NAME --help` prints. */
int ps_cli_sweep(int argc, char **argv);
int ps_cli_compare(int argc, char **argv);
int ps_cli_sensitivity(int argc, char **argv);
int ps_cli_slurm(int argc, char **argv);
extern const char ps_cli_sweep_help[], ps_cli_compare_help[], ps_cli_sensitivity_help[],
    ps_cli_slurm_help[];
/* fn(arg) in a child process (guard.c): its exit code, or 2 with a message
 * naming files if reading them crashed HDF5 or took over cpu_seconds of CPU
 * time (0: no limit). */
int ps_cli_guarded(const char *files, unsigned cpu_seconds, int (*fn)(void *), void *arg);
#endif
