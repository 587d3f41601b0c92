/* pactsim compare and pactsim sensitivity (in progress). */
#include <stdio.h>

#include "commands.h"

int ps_cli_compare(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "pactsim: error: compare is not implemented yet\n");
    return 2;
}

int ps_cli_sensitivity(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "pactsim: error: sensitivity is not implemented yet\n");
    return 2;
}
