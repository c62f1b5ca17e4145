#!/bin/sh
# Installs Debian's PyTorch if missing (a benchmark-only dependency, not
# needed by make run or make test), then runs scripts/bench-pytorch.py.
set -eu
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q \
        --no-install-recommends python3-torch
fi
exec /usr/bin/python3 "$(dirname "$0")/bench-pytorch.py" "$@"
