#!/usr/bin/env bash
# Runs the bridge's benchmarks with their baselines (libmodbus, pymodbus) in the same run and
# prints the ratios against the targets. Usage: bash firmware-bridge/bench/run.sh [modbus|serial|memory]
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! pkg-config --exists libmodbus 2>/dev/null; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libmodbus-dev pkg-config socat >/dev/null
fi
python3 -c 'import pymodbus' 2>/dev/null || python3 -m pip install --quiet 'pymodbus[serial]==3.16.1'
cargo bench -p firmware-bridge --bench bridge -- "${1:-}"
