/* libFuzzer target: `pactsim info` (ps_output_info, the output reader) on
 * arbitrary bytes written to a file. Only pactsim is instrumented for
 * coverage; HDF5 itself runs uninstrumented. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "pactsim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    static FILE *sink;
    if (!path[0])
        snprintf(path, sizeof path, "/tmp/pactsim_fuzz_info.%ld.h5", (long)getpid());
    if (!sink)
        sink = fopen("/dev/null", "w");
    FILE *f = fopen(path, "wb");
    if (!f || !sink) {
        if (f)
            fclose(f);
        return 0;
    }
    fwrite(data, 1, size, f);
    fclose(f);
    ps_error err = {PS_OK, ""};
    ps_status s = ps_output_info(path, sink, &err);
    if (s != PS_OK && s != PS_ERR_INPUT)
        abort(); /* a bad file must be reported as bad input */
    return 0;
}
