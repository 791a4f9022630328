#!/usr/bin/env bash
# Runs the server's benchmarks (ingest, instrument lookup) with their raw-SQL baselines in the
# same run and prints the ratios against the targets. PostgreSQL is measured when one answers at
# TDC_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres).
# Usage: bash server/bench/run.sh [--quick] [ingest|lookup|audit|verify|reports|sqlite|postgres]
#   reports: the yearly report over 20,000 dossiers, 5,000 samples and 30,000 results (SQLite).
#   --quick  100,000 instruments on SQLite, 200,000 on PostgreSQL, 50,000 readings a round and
#            5,000 lookups (a few minutes instead of 1,000,000 / 10,000,000 / 500,000 / 20,000);
#            TDC_BENCH_* variables set by the caller win (see server/benches/server.rs).
set -euo pipefail
cd "$(dirname "$0")/../.."
part=""
for arg in "$@"; do
  case "$arg" in
    --quick)
      export TDC_BENCH_INSTRUMENTS_SQLITE="${TDC_BENCH_INSTRUMENTS_SQLITE:-100000}"
      export TDC_BENCH_INSTRUMENTS_PG="${TDC_BENCH_INSTRUMENTS_PG:-200000}"
      export TDC_BENCH_READINGS="${TDC_BENCH_READINGS:-50000}"
      export TDC_BENCH_LOOKUPS="${TDC_BENCH_LOOKUPS:-5000}"
      export TDC_BENCH_AUDIT_WRITES="${TDC_BENCH_AUDIT_WRITES:-500}"
      export TDC_BENCH_VERIFY_SECONDS="${TDC_BENCH_VERIFY_SECONDS:-5}"
      ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) part="$arg" ;;
  esac
done
if [ "$part" = "reports" ]; then
  export TDC_BENCH_REPORT_RUNS="${TDC_BENCH_REPORT_RUNS:-20}"
  exec cargo bench -p server --bench reports
fi
cargo bench -p server --bench server -- "$part"
