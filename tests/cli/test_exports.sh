#!/usr/bin/env bash
# libpactsim exports exactly the API that sim/pactsim.h (users) and
# sim/pactsim_model.h (authors of models) declare (as REBOUND
# checks its names with nm): no internal symbol (ps_node_*, ps_h5_*, ps_ckpt_*,
# models' own tables) is visible to users of the shared library.
source "$(dirname "$0")/lib.sh"
lib=$(dirname "$PACTSIM")/libpactsim.so
if [ ! -e "$lib" ]; then echo "no shared library (BUILD_SHARED_LIBS=OFF): skipped"; exit 77; fi
command -v nm >/dev/null || { echo "nm not found: skipped"; exit 77; }

# Names the header declares: functions and extern objects with the ps_ prefix.
sed -e 's|/\*.*\*/||g' "$SRC/sim/pactsim.h" "$SRC/sim/pactsim_model.h" | grep -v '^\s*#' |
    grep -oE '\bps_[a-z0-9_]+\s*(\(|\[)' | grep -oE 'ps_[a-z0-9_]+' | sort -u > "$WORK/api"
# What the library exports. GCC's named OpenMP critical sections
# (.gomp_critical_user_<name>) must be global for the program: allowed.
nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^\.gomp_critical_user_' |
    grep -v '^_' | sort -u > "$WORK/exported"

extra=$(comm -13 "$WORK/api" "$WORK/exported")
if [ -z "$extra" ]; then ok; else bad "exported but in neither header: $(echo $extra)"; fi
n=$(wc -l < "$WORK/exported")
if [ "$n" -ge 50 ]; then ok; else bad "only $n symbols exported: is the API hidden too?"; fi
# The API is usable from the shared library: a program that includes only
# pactsim.h links against it and loads the baseline. (Not with a sanitized
# library: a program must then be built with the same sanitizer runtime.)
if ldd "$lib" 2>/dev/null | grep -Eq 'lib(asan|ubsan|clang_rt)'; then
    echo "sanitized library: the link checks are skipped"
    finish
    exit $?
fi
cat > "$WORK/user.c" <<'C'
#include <pactsim.h>
int main(int argc, char **argv)
{
    (void)argc;
    ps_scenario *sc = NULL;
    ps_error err = {PS_OK, ""};
    ps_status s = ps_scenario_load(argv[1], NULL, 0, &sc, &err);
    ps_scenario_free(sc);
    return s == PS_OK ? 0 : 1;
}
C
inc=$(pkg-config --cflags gsl 2>/dev/null)
if cc -std=c11 $inc -I"$SRC/sim" "$WORK/user.c" -o "$WORK/user" -L"$(dirname "$lib")" -lpactsim \
       -Wl,-rpath,"$(dirname "$lib")" 2>"$WORK/cc.err" &&
   "$WORK/user" "$SRC/configs/baseline_2022.yaml"; then ok
else bad "a program using only pactsim.h does not build or run: $(head -c 300 "$WORK/cc.err")"; fi
# And an internal symbol is not reachable from it.
cat > "$WORK/internal.c" <<'C'
char *ps_strdup(const char *s);
int main(void) { return ps_strdup("x") == 0; }
C
if cc "$WORK/internal.c" -o "$WORK/internal" -L"$(dirname "$lib")" -lpactsim 2>/dev/null; then
    bad "internal ps_strdup links from the shared library"
else ok; fi
finish
