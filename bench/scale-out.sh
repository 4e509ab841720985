#!/usr/bin/env bash
# Throughput with one and with two resolver processes, in one run (README "Scaling out"):
#
#   bench/scale-out.sh [--rows N] [--seconds S] [--keep]
#
# Starts a private PostgreSQL with the generated registry (bench/lib.sh; default 200,000 individuals), then
# `serve --role http` and one `serve --role resolver` joined by Hazelcast on loopback, and measures wrk
# (legal-basis client, 100- and 1-identifier exports); starts a second resolver, waits until the HTTP node
# counts three members, and measures again; finally measures `serve --role all` alone for reference.
# Everything shares this machine: on 2 cores a second resolver process adds no CPU, so expect the figure to
# show the cost of the extra process and hop, not a speed-up (that needs a second machine).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ROWS=200000
SECONDS_PER_RUN=20
KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) ROWS=$2; shift 2 ;;
    --seconds) SECONDS_PER_RUN=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) echo "usage: bench/scale-out.sh [--rows N] [--seconds S] [--keep]" >&2; exit 2 ;;
  esac
done
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
API_PORT=18081
HZ=(15801 15802 15803)
MGMT=(19191 19192 19193)
MEMBERS="127.0.0.1:${HZ[0]},127.0.0.1:${HZ[1]},127.0.0.1:${HZ[2]}"
for p in $API_PORT "${HZ[@]}" "${MGMT[@]}"; do port_free "$p"; done
bench_setup
start_registry

# node NAME ROLE HZ_PORT MGMT_PORT: a gateway process of the cluster (JVM heap 512 MiB each)
node() {
  SPP_DB_URL=$DB_URL SPP_JWT_SECRET=$SECRET SPP_HTTP_PORT=$API_PORT SPP_MANAGEMENT_PORT=$4 \
    SPP_CLUSTER_NAME=spp-bench SPP_CLUSTER_HOST=127.0.0.1 SPP_CLUSTER_HAZELCAST_PORT=$3 \
    SPP_CLUSTER_MEMBERS=$MEMBERS SPP_LOG_FORMAT=json \
    java -Xms512m -Xmx512m -jar "$JAR" serve --role "$2" >"$WORK/$1.log" 2>&1 &
  PIDS+=($!)
  await_ready "$4" "$!" "$WORK/$1.log"
}
members() { curl -fs "http://127.0.0.1:$1/health/ready" | grep -o '"members":[0-9]*' | cut -d: -f2; }
URL="http://127.0.0.1:$API_PORT/api/v2/spp/\$bulk/export"
TOKEN=$(token bench-legal)
wrk_script "$TOKEN" 100 "$WORK/legal100.lua"
wrk_script "$TOKEN" 1 "$WORK/legal1.lua"
measure() { # label
  local s c out
  for s in "legal100 32" "legal1 64"; do
    set -- "$1" $s
    out=$(wrk -t2 -c"$3" -d"${SECONDS_PER_RUN}s" --latency -s "$WORK/$2.lua" "$URL")
    printf '%-28s %5s %5s %10s %10s %10s %8s\n' "$1" "${2#legal}" "$3" \
      "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" "$(echo "$out" | awk '$1=="50%" {print $2}')" \
      "$(echo "$out" | awk '$1=="99%" {print $2}')" "$(echo "$out" | awk '/Non-2xx/ {print $5}' | grep . || echo 0)" \
      >>"$WORK/table.txt"
  done
}
warm() { wrk -t2 -c32 -d"$1s" -s "$WORK/legal100.lua" "$URL" >/dev/null; wrk -t2 -c64 -d10s -s "$WORK/legal1.lua" "$URL" >/dev/null; }
printf '%-28s %5s %5s %10s %10s %10s %8s\n' topology ids conc req/s p50 p99 non2xx >"$WORK/table.txt"

log "starting the HTTP node and resolver 1"
node resolver-1 resolver "${HZ[0]}" "${MGMT[0]}"
node http http "${HZ[1]}" "${MGMT[1]}"
log "warming up (30 s)"
warm 20
log "measuring: http + 1 resolver"
measure "http + 1 resolver process"

log "starting resolver 2"
node resolver-2 resolver "${HZ[2]}" "${MGMT[2]}"
for _ in $(seq 1 60); do [ "$(members "${MGMT[1]}")" = 3 ] && break; sleep 0.5; done
log "warming resolver 2 up (30 s)"
warm 20
log "measuring: http + 2 resolvers"
measure "http + 2 resolver processes"

log "stopping the cluster; starting --role all for reference"
for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
PIDS=()
SPP_DB_URL=$DB_URL SPP_JWT_SECRET=$SECRET SPP_HTTP_PORT=$API_PORT SPP_MANAGEMENT_PORT=${MGMT[0]} SPP_LOG_FORMAT=json \
  java -Xms1g -Xmx1g -jar "$JAR" serve >"$WORK/all.log" 2>&1 &
PIDS+=($!)
await_ready "${MGMT[0]}" "$!" "$WORK/all.log"
warm 20
measure "--role all (one process)"

echo
echo "spp-gateway scale-out — $(date -u +%FT%TZ), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "registry: $ROWS individuals; legal-basis client; wrk -t2, ${SECONDS_PER_RUN} s per row after warm-up; all processes on this machine"
cat "$WORK/table.txt"
