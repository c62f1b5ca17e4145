#!/bin/sh
# Installs Debian's PyTorch if missing (a benchmark-only dependency, not
# needed by make run or make test), then runs scripts/bench-pytorch.py.
# Debian builds PyTorch against the generic BLAS interface; OpenBLAS gives
# it an optimized one through update-alternatives, without which its GEMMs
# run on the reference BLAS and the comparison would flatter crrm.
set -eu
if ! /usr/bin/python3 -c "import torch" 2>/dev/null ||
   ! dpkg-query -W -f='${Status}' libopenblas0-pthread 2>/dev/null |
     grep -q "install ok installed"; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q \
        --no-install-recommends python3-torch libopenblas0-pthread
fi
# PyTorch runs its own threads (--threads); OpenBLAS threads under them
# would oversubscribe the cores.
export OPENBLAS_NUM_THREADS=1
exec /usr/bin/python3 "$(dirname "$0")/bench-pytorch.py" "$@"
