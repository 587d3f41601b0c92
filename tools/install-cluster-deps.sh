#!/usr/bin/env bash
# Install what the MPI build and the Slurm test need on Debian 12 (idempotent):
# OpenMPI (PACTSIM_ENABLE_MPI=ON, tests/cli/test_sweep_mpi.sh) and Slurm with
# munge (tests/cluster/test_slurm.sh). Serial HDF5 (libhdf5-dev, from
# tools/install-deps.sh) is all the MPI build needs: every rank writes its own
# file, so the parallel HDF5 packages are not installed.
set -euo pipefail
pkgs=(libopenmpi-dev openmpi-bin slurm-wlm munge)
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    $sudo apt-get update
    # policy-rc.d-less containers may try to start the services: they are not
    # needed (the test starts its own daemons), so a failed start is ignored.
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y "${missing[@]}"
fi
# munge's key is created by the package; make sure it exists.
[ -s /etc/munge/munge.key ] || $sudo /usr/sbin/mungekey --create --keyfile=/etc/munge/munge.key
$sudo chown munge:munge /etc/munge/munge.key && $sudo chmod 400 /etc/munge/munge.key
