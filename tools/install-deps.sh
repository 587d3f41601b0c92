#!/usr/bin/env bash
# Install pactsim's Debian 12 build, test and analysis dependencies (idempotent).
set -euo pipefail
pkgs=(build-essential cmake pkg-config git
      libgsl-dev libhdf5-dev hdf5-tools libyaml-dev zlib1g-dev libdeflate-dev
      python3-h5py python3-numpy python3-matplotlib python3-xarray python3-scipy
      python3-pytest python3-h5netcdf python3-pip python3-setuptools python3-wheel)
# --ci: also what the reliability jobs of .ci/run need (sanitizers, fuzzing, valgrind).
if [ "${1:-}" = "--ci" ]; then
  pkgs+=(clang libclang-rt-14-dev valgrind libomp-dev) # libomp-dev: LLVM's OpenMP and Archer (TSan job)
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y "${missing[@]}"
fi
