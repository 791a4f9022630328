#!/usr/bin/env bash
# The demo: the server on embedded SQLite with demo data, a bridge, and two simulated
# instruments (an MT-SICS balance on a pseudo-terminal whose load changes every few seconds,
# and a Modbus RTU pressure controller). Open the printed address and sign in with one of the
# printed users; readings arrive on /devices within a minute. Ctrl-C stops everything.
#
#   bash scripts/demo.sh            (TDC_DEMO_PORT=8080 by default; data in ./demo-data)
#
# TDC_DEMO_BIN=DIR uses already built binaries (the end-to-end test runs the debug ones) and
# TDC_DEMO_DATA=DIR puts the data elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
port=${TDC_DEMO_PORT:-8080}
data="${TDC_DEMO_DATA:-$root/demo-data}"

if [ -n "${TDC_DEMO_BIN:-}" ]; then
  bin="$TDC_DEMO_BIN"
else
  echo "building (the first time takes a few minutes)…"
  cargo build --release --locked --workspace --bins
  bin="${CARGO_TARGET_DIR:-$root/target}/release"
fi

rm -rf "$data"
mkdir -p "$data"
cat > "$data/server.toml" <<TOML
[http]
listen = "127.0.0.1:$port"
public_url = "http://127.0.0.1:$port"
[database]
url = "sqlite://tdc.sqlite"
[bootstrap]
admin_username = "admin"
admin_password = ""
TOML

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

"$bin/tdc-server" --config "$data/server.toml" seed-demo --bridge demo-bench --token-file "$data/token"

# Load steps on the balance pan for two hours: the bench page shows settling and stable
# readings; the pressure controller steps through setpoints.
loads=("100 g" "200 g" "50 g" "0 g")
presses=("100 kPa" "300 kPa" "600 kPa" "0 kPa")
for i in $(seq 0 719); do
  echo "$((i * 10 + 3))s load ${loads[$((i % 4))]}" >>"$data/balance.script"
  echo "$((i * 10 + 5))s setpoint ${presses[$((i % 4))]}" >>"$data/pressure.script"
done
"$bin/tdc-sim" balance --protocol mt-sics --load "20 g" --script "$data/balance.script" \
  --link "$data/balance" >"$data/sim-balance.log" 2>&1 &
pids+=($!)
"$bin/tdc-sim" modbus --device pressure --rtu --script "$data/pressure.script" --link "$data/pressure" >"$data/sim-pressure.log" 2>&1 &
pids+=($!)
for link in balance pressure; do
  for _ in $(seq 50); do [ -e "$data/$link" ] && break; sleep 0.1; done
done

cat > "$data/bridge.toml" <<TOML
[bridge]
id = "demo-bench"
data_dir = "$data/bridge"
[server]
url = "http://127.0.0.1:$port"
token = "$(cat "$data/token")"
batch_size = 100
timeout_ms = 2000
[outbox]
max_readings = 100000
[[devices]]
id = "balance-1"
profile = "mettler-toledo-mt-sics"
interval_ms = 500
[devices.serial]
port = "$data/balance"
[[devices]]
id = "pressure-1"
profile = "alicat-pc-modbus"
interval_ms = 1000
channels = ["pressure"]
[devices.serial]
port = "$data/pressure"
TOML
"$bin/tdc-bridge" run --config "$data/bridge.toml" >"$data/bridge.log" 2>&1 &
pids+=($!)

echo
echo "Mở / open  http://127.0.0.1:$port/  — thiết bị / devices: http://127.0.0.1:$port/devices"
echo "(logs in $data; Ctrl-C stops the demo)"
"$bin/tdc-server" --config "$data/server.toml" serve
