# Writes build_info.c (the git revision and the compiler for /provenance) at
# build time, not only when CMake configures: an incremental build after a
# commit or an edit must not record the revision of the last configure.
# configure_file rewrites OUT only when its text changes, so an unchanged
# revision recompiles nothing.
#   cmake -DSRC=<source dir> -DIN=<template> -DOUT=<file> -DGIT=<git or empty>
#         -DCMAKE_C_COMPILER_ID=.. -DCMAKE_C_COMPILER_VERSION=.. -DPS_FLAGS=.. -P build_info.cmake
set(PS_GIT_REV "unknown")
if(GIT)
  execute_process(COMMAND ${GIT} describe --always --dirty --abbrev=12
                  WORKING_DIRECTORY ${SRC} OUTPUT_VARIABLE rev
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
  if(rc EQUAL 0 AND rev)
    set(PS_GIT_REV "${rev}")
  endif()
endif()
configure_file(${IN} ${OUT} @ONLY)
