# `cmake --install` gives a working program, library, header and CMake package:
# a consumer project finds pactsim with find_package and links to it.
. "$(dirname "$0")/lib.sh"
BUILD=$(dirname "$PACTSIM")
PREFIX="$WORK/prefix"
if cmake --install "$BUILD" --prefix "$PREFIX" >"$WORK/install.log" 2>&1; then ok; else bad "install: $(tail -3 "$WORK/install.log")"; fi
for f in bin/pactsim include/pactsim.h lib/cmake/pactsim/pactsimConfig.cmake; do
    [ -e "$PREFIX/$f" ] && ok || bad "not installed: $f"
done
expect_exit 0 "^pactsim " -- "$PREFIX/bin/pactsim" --version
mkdir -p "$WORK/consumer"
cat > "$WORK/consumer/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.25)
project(consumer C)
find_package(pactsim REQUIRED)
add_executable(consumer main.c)
target_link_libraries(consumer PRIVATE pactsim::pactsim)
CM
cat > "$WORK/consumer/main.c" <<'C'
#include <pactsim.h>
#include <stdio.h>
int main(void) { printf("models=%d fields=%d\n", ps_registry_count(), ps_registry_n_fields()); return 0; }
C
if cmake -S "$WORK/consumer" -B "$WORK/consumer/b" -DCMAKE_PREFIX_PATH="$PREFIX" >"$WORK/c.log" 2>&1 &&
   cmake --build "$WORK/consumer/b" >>"$WORK/c.log" 2>&1; then ok; else bad "consumer build: $(tail -5 "$WORK/c.log")"; fi
expect_exit 0 "models=[1-9]" -- "$WORK/consumer/b/consumer"
finish
