#!/usr/bin/env bash
# Quick throughput check on the embedded demo registry (not the ratio benchmark of the open issue):
# starts the packaged gateway on loopback with its own PostgreSQL, warms it up, then runs wrk with a
# 100-identifier export (6 found, 94 unknown) as the legal-basis demo client and prints requests/s and
# latency. Needs: the jar (mvn -q -B -DskipTests package), wrk (apt-get install -y wrk), curl.
# Usage: bench/quick-wrk.sh [connections...]   (default: 32 128)
set -euo pipefail
cd "$(dirname "$0")/.."
JAR="$PWD/target/spp-gateway.jar"
CONNS=("${@:-32 128}")
[ -f "$JAR" ] || { echo "build the jar first: mvn -q -B -DskipTests package" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }
if ss -ltn | grep -q ':18080 '; then echo "port 18080 is busy" >&2; exit 1; fi

WORK=$(mktemp -d)
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
cd "$WORK"
SPP_HTTP_PORT=18080 SPP_MANAGEMENT_PORT=19090 SPP_LOG_FORMAT=json \
  java -jar "$JAR" serve --data-dir "$WORK/pg" > out.txt 2> gateway.log &
PID=$!
for _ in $(seq 1 120); do grep -q '^Metrics:' out.txt 2>/dev/null && break; sleep 0.5; done
TOKEN=$(grep -o "Bearer [^']*" out.txt | sed -n 1p | cut -d' ' -f2)
[ -n "$TOKEN" ] || { echo "the gateway did not start; see $WORK/gateway.log" >&2; exit 1; }

python3 - "$TOKEN" <<'PY'
import json, sys
ids = ["urn:gov:ph:psa:national-id|PH-10000000%d" % (i % 6 + 1) if i < 6
       else "urn:gov:ph:psa:national-id|PH-9%08d" % i for i in range(100)]
body = json.dumps({"type": "Individual", "identifiers": ids})
open("post100.lua", "w").write('wrk.method="POST"\nwrk.headers["Content-Type"]="application/json"\n'
    'wrk.headers["Authorization"]="Bearer %s"\nwrk.body=[[%s]]\n' % (sys.argv[1], body))
PY
URL='http://127.0.0.1:18080/api/v2/spp/$bulk/export'
echo "warming up for 35 s ..."
wrk -t2 -c32 -d35s -s post100.lua "$URL" > /dev/null
printf '%-12s %10s %14s %10s %10s %8s\n' connections requests/s identifiers/s p50 p99 non-2xx
for c in ${CONNS[@]}; do
  r=$(wrk -t2 -c"$c" -d12s --latency -s post100.lua "$URL")
  rps=$(echo "$r" | awk '/Requests\/sec/ {print $2}')
  printf '%-12s %10s %14.0f %10s %10s %8s\n' "$c" "$rps" "$(awk -v r="$rps" 'BEGIN { print r * 100 }')" \
    "$(echo "$r" | awk '$1=="50%" {print $2}')" "$(echo "$r" | awk '$1=="99%" {print $2}')" \
    "$(echo "$r" | awk '/Non-2xx/ {print $5}')"
done
