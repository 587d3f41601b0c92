/* Commands implemented outside main.c; each parses its own options. */
#ifndef PACTSIM_CLI_COMMANDS_H
#define PACTSIM_CLI_COMMANDS_H
/* argv[0] is the command name. */
int ps_cli_sweep(int argc, char **argv);
int ps_cli_compare(int argc, char **argv);
int ps_cli_sensitivity(int argc, char **argv);
int ps_cli_slurm(int argc, char **argv);
#endif
