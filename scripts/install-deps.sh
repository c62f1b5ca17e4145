#!/bin/sh
# Install the Debian 12 packages the project needs. Does nothing when all of
# them are present; uses sudo when not run as root.
set -eu

PACKAGES="build-essential pkg-config zlib1g-dev libcriterion-dev \
verilator yosys libxrt-dev uuid-dev opencl-headers ocl-icd-opencl-dev \
pocl-opencl-icd clinfo dataset-fashion-mnist gnuplot-nox"

missing=""
for package in $PACKAGES; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    case "$status" in
        *"install ok installed"*) ;;
        *) missing="$missing $package" ;;
    esac
done

if [ -z "$missing" ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "install-deps: missing packages:$missing" >&2
    echo "install-deps: not root and sudo not found; install them as root" >&2
    exit 1
fi

echo "install-deps: installing$missing"
$SUDO apt-get update -q
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
