/* libFuzzer target: the scenario loader (YAML parser, extends, validation) on
 * arbitrary bytes. The input is written to a file because ps_scenario_load
 * reads files (relative `extends:` resolve beside it). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "pactsim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!path[0])
        snprintf(path, sizeof path, "/tmp/pactsim_fuzz_config.%ld.yaml", (long)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    ps_scenario *sc = NULL;
    ps_error err = {PS_OK, ""};
    if (ps_scenario_load(path, NULL, 0, &sc, &err) == PS_OK)
        ps_scenario_free(sc);
    else if (err.code != PS_ERR_CONFIG && err.code != PS_ERR_INPUT && err.code != PS_ERR_USAGE)
        abort(); /* bad input must be reported as bad input */
    return 0;
}
