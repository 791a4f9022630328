#!/usr/bin/env bash
# Runs each fuzz target of the bridge's codecs (and the engine's parsers) for a short time.
# Usage: bash firmware-bridge/bench/fuzz.sh [SECONDS_PER_TARGET]   (default 30)
# Needs the nightly toolchain (present on the project's machines) and installs cargo-fuzz.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${1:-30}"
command -v cargo-fuzz >/dev/null || cargo +nightly install cargo-fuzz --locked
for target in line_codec modbus_registers measurement_model profile_loader; do
  echo "== fuzzing $target for ${seconds}s"
  cargo +nightly fuzz run "$target" -- -max_total_time="$seconds" -rss_limit_mb=2048
done
echo "all fuzz targets ran ${seconds}s each without a crash"
