#!/usr/bin/env bash
# The ratio benchmark: the gateway against the database's own ceiling, on one machine, in one run.
#
#   bench/run.sh [--kind gateway|openspp] [--rows N] [--seconds S] [--soak S] [--keep]
#                                                                  (BENCH_JAR=... to measure another build)
#
# 1. Starts a private PostgreSQL on loopback (Debian's server binaries; apt-get install -y postgresql wrk)
#    and generates a registry of N individuals (default 1,000,000), N/4 households of four, a consent for
#    every second individual, and two clients: bench-legal (legal basis public_task) and bench-consent
#    (legal basis consent, organisation org-bench-ngo).
# 2. Baseline: pgbench runs the gateway's own resolver statement (printed from the jar by PrintSql.java),
#    prepared, with the same uniformly random identifiers and the same concurrency as each gateway run; and, for
#    the gateway kind, a second baseline: the cheapest statement returning the same registrants and identifiers.
# 3. Gateway: wrk with Lua scripts that draw random identifiers per request, one token per client; 100- and
#    1-identifier exports for both clients at two concurrencies each.
# 4. Open model: OpenLoad.java offers a constant rate (no coordinated omission) at 25/50/75 % of the best
#    closed-loop rate for the 100- and 1-identifier legal-basis exports and reports p50/p99.
# 5. --soak S: S seconds at half the maximum rate, heap after a full GC sampled every minute (from the GC log).
# 0. Cold start (gateway kind; BENCH_COLD_START=0 skips it, =only runs nothing else): the registry as NDJSON, loaded into a fresh
#    database with `load`, the gateway started on it and loaded at once; the first 30 s against the next 30 s.
#
# --kind openspp (default gateway): the same run with the gateway in `registry.kind openspp` mode. The generated
# registry is copied into a fake OpenSPP 2 database `openspp` on the same server (CopyToOpenspp.java; registrant
# ids kept as res_partner ids, organisations as partners), the indexes `openspp-check` recommends are created as a
# DBA would, then VACUUM ANALYZE and prewarm; the gateway-schema database is dropped so that only the served
# database occupies shared buffers. The audit trail goes to a separate database `audit`. The baseline runs the
# openspp kind's own resolver statements (one per case: $3 boolean, $4 language en_US; the consent client's
#    also $5 day, $6 its partner id, $7 its organisation type).
#
# Prints one table: requests/s, identifiers/s, p50/p99, CPU ms per request for the gateway and PostgreSQL,
# the baseline's identifiers/s and the ratio gateway / baseline. Everything runs on this machine at once
# (gateway, PostgreSQL, load generator), which is the point: the ratio from one run is the figure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ROWS=1000000
SECONDS_PER_RUN=15
SOAK=0
KEEP=0
KIND=gateway
KIND_LABEL=""
while [ $# -gt 0 ]; do
  case "$1" in
    --kind) KIND=$2; shift 2 ;;
    --rows) ROWS=$2; shift 2 ;;
    --seconds) SECONDS_PER_RUN=$2; shift 2 ;;
    --soak) SOAK=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) echo "usage: bench/run.sh [--kind gateway|openspp] [--rows N] [--seconds S] [--soak S] [--keep]" >&2; exit 2 ;;
  esac
done
case "$KIND" in gateway | openspp) ;; *) echo "--kind: gateway or openspp, not '$KIND'" >&2; exit 2 ;; esac

HTTP_PORT=${BENCH_HTTP_PORT:-18080}
MGMT_PORT=${BENCH_MGMT_PORT:-19090}
JAVA_OPTS=${BENCH_JAVA_OPTS:--Xms256m -Xmx256m}
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
need jcmd "install a full JDK 17"
port_free "$HTTP_PORT"
port_free "$MGMT_PORT"
bench_setup
start_registry

# ---- cold start (gateway kind): load, serve, traffic from the first request on, no ANALYZE by the benchmark --
# The generated registry written out as NDJSON and loaded into a fresh database with the gateway's own `load`
# command, as a new user would; the gateway is started on it and offered the 100-identifier legal-basis load at
# once: the first 30 s against the 30 s after. Planner statistics are whatever `load` left (it analyses what it
# wrote); this script runs no ANALYZE on that database.
COLDF=$WORK/cold.txt
cold_start() {
  local url="postgresql://bench@127.0.0.1:$PG_PORT/cold" t0 pid first steady
  log "cold start: writing the registry as NDJSON"
  psql -q -c "CREATE DATABASE cold"
  cat "$WORK/clients.ndjson" >"$WORK/cold.ndjson"
  psql -Atq -v ON_ERROR_STOP=1 >>"$WORK/cold.ndjson" <<'SQL'
SELECT json_build_object('kind', 'Individual', 'ref', r.ref, 'active', true,
         'identifier', json_build_array(json_build_object('system', 'urn:bench:national-id', 'value', i.value),
                                        json_build_object('system', 'urn:bench:civil-registry', 'value', 'CR-' || r.id)),
         'name', json_build_object('family', r.family_name, 'given', r.given_name),
         'birthDate', r.birth_date, 'gender', json_build_object('code', r.gender_code, 'display', r.gender_display))::text
  FROM registrant r JOIN registrant_identifier i ON i.registrant_id = r.id AND i.position = 0
 WHERE r.kind = 'Individual' ORDER BY r.id;
SELECT json_build_object('kind', 'Group', 'ref', g.ref, 'active', true, 'name', g.name, 'groupType', 'household',
         'identifier', json_build_array(json_build_object('system', 'urn:bench:household-id', 'value', gi.value)),
         'member', (SELECT json_agg(json_build_object('individual', 'urn:bench:national-id|' || mi.value,
                                                      'role', json_build_object('system', m.role_system,
                                                                                'code', m.role_code,
                                                                                'display', m.role_display),
                                                      'start', m.start_date) ORDER BY m.position)
                      FROM group_membership m
                      JOIN registrant_identifier mi ON mi.registrant_id = m.individual_id AND mi.position = 0
                     WHERE m.group_id = g.id))::text
  FROM registrant g JOIN registrant_identifier gi ON gi.registrant_id = g.id AND gi.position = 0
 WHERE g.kind = 'Group' ORDER BY g.id;
SQL
  log "cold start: load of $(wc -l <"$WORK/cold.ndjson") lines ($(du -h "$WORK/cold.ndjson" | cut -f1)) with the load command"
  t0=$(date +%s)
  SPP_DB_URL=$url SPP_LOG_FORMAT=text java -Xmx8g -jar "$JAR" load "$WORK/cold.ndjson" >"$WORK/cold-load.log" 2>&1 \
    || { tail -20 "$WORK/cold-load.log" >&2; exit 1; }
  echo "load: $(( $(date +%s) - t0 )) s for $ROWS individuals and $GROUPS_N households" >"$COLDF"
  SPP_DB_URL=$url SPP_JWT_SECRET=$SECRET SPP_HTTP_PORT=$HTTP_PORT SPP_MANAGEMENT_PORT=$MGMT_PORT \
    SPP_LOG_FORMAT=json java $JAVA_OPTS -jar "$JAR" serve >"$WORK/cold-gateway.out" 2>"$WORK/cold-gateway.log" &
  pid=$!
  PIDS+=("$pid")
  await_ready "$MGMT_PORT" "$pid" "$WORK/cold-gateway.log"
  wrk_script "$(token bench-legal)" 100 "$WORK/cold100.lua"
  local url_export="http://127.0.0.1:$HTTP_PORT/api/v2/spp/\$bulk/export"
  log "cold start: 2 × 30 s of 100-identifier exports at 16 connections from the first request on"
  wrk -t2 -c16 -d30s -s "$WORK/cold100.lua" "$url_export" >"$WORK/cold-first.out"
  wrk -t2 -c16 -d30s -s "$WORK/cold100.lua" "$url_export" >"$WORK/cold-steady.out"
  first=$(awk '/Requests\/sec/ {print $2}' "$WORK/cold-first.out")
  steady=$(awk '/Requests\/sec/ {print $2}' "$WORK/cold-steady.out")
  {
    echo "first 30 s:  $first req/s, non-2xx $(awk '/Non-2xx/ {print $5}' "$WORK/cold-first.out" | grep . || echo 0)"
    echo "next 30 s:   $steady req/s, non-2xx $(awk '/Non-2xx/ {print $5}' "$WORK/cold-steady.out" | grep . || echo 0)"
    echo "first / steady: $(awk -v a="$first" -v b="$steady" 'BEGIN {printf "%.2f", a / b}')"
    echo "start-up warnings about never-analysed tables: $(grep -c 'never analysed' "$WORK/cold-gateway.log" || true)"
  } >>"$COLDF"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  psql -q -d postgres -c "DROP DATABASE cold" -c "CHECKPOINT" # the load's WAL, not during the next phase
}
if [ "$KIND" = gateway ] && [ "${BENCH_COLD_START:-1}" != 0 ]; then
  cold_start
  if [ "${BENCH_COLD_START:-1}" = only ]; then
    echo; echo "cold start (load, serve, traffic at once; no ANALYZE by the benchmark), $(date -u +%FT%TZ):"; cat "$COLDF"
    exit 0
  fi
fi

# The gateway's settings and the baseline's parameters (pgbench -D) for the kind measured.
GW_ENV=(SPP_DB_URL="$DB_URL")
PG_VARS=(-D sys=urn:bench:national-id -D kind=Individual -D day="$(date -u +%F)" -D org=org-bench-ngo -D orgtype=ngo)
if [ "$KIND" = openspp ]; then
  start_openspp
  GW_ENV=(SPP_REGISTRY_KIND=openspp SPP_DB_URL="$OPENSPP_URL" SPP_AUDIT_DB_URL="$AUDIT_URL")
  PG_VARS=(-D sys=urn:bench:national-id -D kind=false -D day="$(date -u +%F)" -D org="$CONSENT_PARTNER"
           -D orgtype="$CONSENT_ORG_TYPE" -D lang=en_US)
  KIND_LABEL=", registry kind openspp"
fi

# ---- gateway ----------------------------------------------------------------------------------------------
log "starting the gateway ($JAVA_OPTS, registry kind $KIND)"
env "${GW_ENV[@]}" SPP_JWT_SECRET=$SECRET SPP_HTTP_PORT=$HTTP_PORT SPP_MANAGEMENT_PORT=$MGMT_PORT \
  SPP_LOG_FORMAT=json java $JAVA_OPTS -Xlog:gc:file="$WORK/gateway-gc.log" -jar "$JAR" serve \
  >"$WORK/gateway.out" 2>"$WORK/gateway.log" &
GW_PID=$!
PIDS+=("$GW_PID")
await_ready "$MGMT_PORT" "$GW_PID" "$WORK/gateway.log"
TOKEN_LEGAL=$(token bench-legal)
TOKEN_CONSENT=$(token bench-consent)
URL="http://127.0.0.1:$HTTP_PORT/api/v2/spp/\$bulk/export"

# Check once that the script's identifiers resolve (every item found or access-denied, none not_found).
wrk_script "$TOKEN_LEGAL" 100 "$WORK/legal100.lua"
wrk_script "$TOKEN_LEGAL" 1 "$WORK/legal1.lua"
wrk_script "$TOKEN_CONSENT" 100 "$WORK/consent100.lua"
wrk_script "$TOKEN_CONSENT" 1 "$WORK/consent1.lua"
probe=$(curl -fs -H "Authorization: Bearer $TOKEN_LEGAL" -H 'Content-Type: application/json' \
  -d '{"type":"Individual","identifiers":["urn:bench:national-id|1000000004","urn:bench:national-id|1000000005"]}' "$URL")
echo "$probe" | grep -q '"successful":2' || { echo "probe export failed: $probe" >&2; exit 1; }

# pgbench script: the resolver statement of the kind with $1..$7 bound to pgbench variables (prepared mode
# sends them as parameters); the N values are drawn like the Lua script's.
pgbench_script() { # ids consent(true|false) file
  local ids=$1 arr="" i
  for i in $(seq 1 "$ids"); do
    echo "\\set v$i random(1000000000, $((1000000000 + ROWS - 1)))"
    arr="$arr${arr:+, }:v$i"
  done >"$3"
  local params
  if [ "$KIND" = openspp ]; then
    # one statement per case: $3 kind, $4 language; the consent client's also $5 day, $6 partner, $7 type
    params=(-e 's/\$3/:kind/g' -e 's/\$4/:lang/g' -e 's/\$5/:day::date/g' -e 's/\$6/:org/g' -e 's/\$7/:orgtype/g')
  else
    params=(-e 's/\$3/:kind/g' -e 's/\$4/:day::date/g' -e "s/\\\$5/$2/g" -e 's/\$6/:org/g' -e 's/\$7/:orgtype/g')
  fi
  java -cp "$JAR" "$ROOT/bench/PrintSql.java" "$KIND" $([ "$2" = true ] && echo consent) Individual | sed \
    -e "s/\\\$1::text\\[\\]/array_fill(:sys::text, ARRAY[$ids])/" \
    -e "s/\\\$2::text\\[\\]/ARRAY[$arr]::text[]/" "${params[@]}" >>"$3"
  echo ";" >>"$3"
}
# The second baseline (gateway kind): the cheapest statement that returns the same registrants and their live
# identifiers (identifier -> registrant join, value = ANY; no memberships, consents or audit): what the database
# must do at the least for an export. The gateway's statement does more (links, consents).
cheap_script() { # ids file
  local ids=$1 arr="" i
  for i in $(seq 1 "$ids"); do
    echo "\\set v$i random(1000000000, $((1000000000 + ROWS - 1)))"
    arr="$arr${arr:+, }:v$i"
  done >"$2"
  cat >>"$2" <<EOF
SELECT r.*,
       ARRAY(SELECT x.system FROM registrant_identifier x
              WHERE x.registrant_id = r.id AND x.status = 'valid' ORDER BY x.position) AS id_systems,
       ARRAY(SELECT x.value FROM registrant_identifier x
              WHERE x.registrant_id = r.id AND x.status = 'valid' ORDER BY x.position) AS id_values
  FROM registrant_identifier i JOIN registrant r ON r.id = i.registrant_id
 WHERE i.system = :sys AND i.value = ANY (ARRAY[$arr]::text[]) AND i.status = 'valid';
EOF
}
if [ "$KIND" = gateway ]; then
  cheap_script 100 "$WORK/pg-cheap100.sql"
  cheap_script 1 "$WORK/pg-cheap1.sql"
fi
pgbench_script 100 false "$WORK/pg-legal100.sql"
pgbench_script 1 false "$WORK/pg-legal1.sql"
pgbench_script 100 true "$WORK/pg-consent100.sql"
pgbench_script 1 true "$WORK/pg-consent1.sql"

# CPU clock ticks. PostgreSQL's share is the machine's busy time minus the gateway's and the load generator's
# (pgbench's backends exit before they can be read; nothing else runs): bash's `time` gives the generator's.
ticks_of() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
HZ=$(getconf CLK_TCK)
TIMEFORMAT='%U %S'
per_request() { # ticks count -> ms per request
  awk -v t="$1" -v n="$2" -v hz="$HZ" 'BEGIN { printf "%.2f", (n > 0 ? t * 1000 / hz / n : 0) }'
}
gen_ticks() { # "user sys" seconds -> ticks
  awk -v hz="$HZ" '{ printf "%d", ($1 + $2) * hz }' "$1"
}

run_pgbench() { # script conc -> "tps pg_ms_per_query"
  local b0 b1 out tps n
  b0=$(busy_ticks)
  { time pgbench -n -M prepared -c "$2" -j 2 -T "$SECONDS_PER_RUN" -f "$1" "${PG_VARS[@]}" \
      >"$WORK/pgbench.out" 2>&1; } 2>"$WORK/gen.time"
  b1=$(busy_ticks)
  out=$(cat "$WORK/pgbench.out")
  tps=$(echo "$out" | awk '/^tps/ {print $3; exit}')
  n=$(echo "$out" | awk '/number of transactions actually processed/ {print $NF}' | cut -d/ -f1)
  echo "$tps $(per_request $((b1 - b0 - $(gen_ticks "$WORK/gen.time"))) "$n")"
}
run_wrk() { # script conc -> "rps p50 p99 non2xx gw_ms pg_ms"
  local b0 g0 b1 g1 out n gw
  b0=$(busy_ticks); g0=$(ticks_of "$GW_PID")
  { time wrk -t2 -c"$2" -d"${SECONDS_PER_RUN}s" --latency -s "$1" "$URL" >"$WORK/wrk.out"; } 2>"$WORK/gen.time"
  b1=$(busy_ticks); g1=$(ticks_of "$GW_PID")
  out=$(cat "$WORK/wrk.out")
  n=$(echo "$out" | awk '/requests in/ {print $1}')
  gw=$((g1 - g0))
  echo "$(echo "$out" | awk '/Requests\/sec/ {print $2}') $(echo "$out" | awk '$1=="50%" {print $2}') \
$(echo "$out" | awk '$1=="99%" {print $2}') $(echo "$out" | awk '/Non-2xx/ {print $5}' | grep . || echo 0) \
$(per_request "$gw" "$n") $(per_request $((b1 - b0 - gw - $(gen_ticks "$WORK/gen.time"))) "$n")"
}

log "warming the gateway up (40 s, both clients)"
wrk -t2 -c32 -d20s -s "$WORK/legal100.lua" "$URL" >/dev/null
wrk -t2 -c64 -d10s -s "$WORK/consent100.lua" "$URL" >/dev/null
wrk -t2 -c32 -d10s -s "$WORK/legal1.lua" "$URL" >/dev/null

TABLE=$WORK/table.txt
printf '%-9s %4s %5s | %9s %11s %8s %8s %6s %7s %7s | %9s %11s %7s | %6s | %11s %6s\n' client ids conc \
  req/s ids/s p50 p99 non2xx gwCPU pgCPU base-q/s base-ids/s pgCPU ratio cheap-ids/s ratio >"$TABLE"
printf '%-9s %4s %5s | %9s %11s %8s %8s %6s %7s %7s | %9s %11s %7s | %6s | %11s %6s\n' '' '' '' \
  gateway '' '' '' '' ms/req ms/req pgbench '' ms/q 'ids/s' cheapest 'ids/s' >>"$TABLE"
declare -A BEST
declare -A CHEAP
for spec in "legal 100 16" "legal 100 64" "legal 1 16" "legal 1 64" \
            "consent 100 64" "consent 100 256" "consent 1 64" "consent 1 256"; do
  set -- $spec
  log "gateway: $1 client, $2 identifiers, $3 connections"
  read -r rps p50 p99 bad gwms pgms <<<"$(run_wrk "$WORK/$1$2.lua" "$3")"
  log "baseline: pgbench, same statement, $3 clients"
  read -r tps bpgms <<<"$(run_pgbench "$WORK/pg-$1$2.sql" "$3")"
  ratio=$(awk -v a="$rps" -v b="$tps" 'BEGIN { printf "%.2f", b ? a / b : 0 }')
  cheap="-"
  cratio="-"
  if [ "$KIND" = gateway ]; then
    if [ -z "${CHEAP[$2-$3]:-}" ]; then
      log "baseline: pgbench, cheapest statement, $2 identifiers, $3 clients"
      read -r ctps _ <<<"$(run_pgbench "$WORK/pg-cheap$2.sql" "$3")"
      CHEAP[$2-$3]=$ctps
    fi
    cheap=$(awk -v r="${CHEAP[$2-$3]}" -v i="$2" 'BEGIN { printf "%.0f", r * i }')
    cratio=$(awk -v a="$rps" -v b="${CHEAP[$2-$3]}" 'BEGIN { printf "%.2f", b ? a / b : 0 }')
  fi
  printf '%-9s %4s %5s | %9.0f %11.0f %8s %8s %6s %7s %7s | %9.0f %11.0f %7s | %6s | %11s %6s\n' "$1" "$2" "$3" \
    "$rps" "$(awk -v r="$rps" -v i="$2" 'BEGIN { print r * i }')" "$p50" "$p99" "$bad" "$gwms" "$pgms" \
    "$tps" "$(awk -v r="$tps" -v i="$2" 'BEGIN { print r * i }')" "$bpgms" "$ratio" "$cheap" "$cratio" >>"$TABLE"
  key="$1$2"
  if awk -v a="$rps" -v b="${BEST[$key]:-0}" 'BEGIN { exit !(a > b) }'; then BEST[$key]=$rps; fi
done

# The gateway's resident memory after the closed-loop runs (its peak so far, and now).
rss_mib() { awk -v k="$2:" '$1 == k { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
GW_MEMORY="gateway memory after the closed-loop runs: RSS $(rss_mib "$GW_PID" VmRSS) MiB (peak $(rss_mib "$GW_PID" VmHWM) MiB)"

# ---- open model -------------------------------------------------------------------------------------------
OPEN=$WORK/open.txt
printf '%-9s %4s %8s %9s %9s %8s %8s %8s %8s %7s\n' client ids load offered achieved p50ms p99ms p999ms \
  errors p99/p50 >"$OPEN"
openload() { # token ids rate seconds
  java -cp "$JAR" "$ROOT/bench/OpenLoad.java" --url "$URL" --token "$1" --type Individual --ids "$2" \
    --population "$ROWS" --rate "$3" --duration "$4" --warmup 5 --connections 128 2>>"$WORK/openload.err" | tail -1
}
kv() { echo "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k {print $2}'; }
# Where a tail comes from: the gateway's own histograms in a /metrics snapshot FILE, cumulative counts of export
# answers, audit group commits and resolver statements slower than 100 ms (strictly: than the largest histogram
# bucket at or under 100 ms).
slow_counts() {
  awk '
    /^vertx_http_server_response_time_seconds_bucket\{/ && /bulk\/export/ { k = "http" }
    /^gateway_audit_commit_seconds_bucket\{/ { k = "audit" }
    /^gateway_resolver_latency_seconds_bucket\{/ { k = "resolver" }
    k != "" { match($0, /le="[^"]*"/); le = substr($0, RSTART + 4, RLENGTH - 5); sum[k, le] += $NF; les[k, le] = 1; k = "" }
    END {
      n = split("http audit resolver", kinds, " ")
      for (i = 1; i <= n; i++) {
        best = -1
        for (key in les) { split(key, kl, SUBSEP); if (kl[1] == kinds[i] && kl[2] != "+Inf" && kl[2] + 0 <= 0.1 && kl[2] + 0 > best) best = kl[2] + 0 }
        slow = 0
        for (key in les) { split(key, kl, SUBSEP); if (kl[1] == kinds[i] && kl[2] != "+Inf" && kl[2] + 0 == best) slow = sum[key] }
        printf "%d ", sum[kinds[i], "+Inf"] - slow
      }
    }' "$1"
}
# The gateway's own p50 and p99 of 200 export answers between two /metrics snapshots (upper bound of the histogram
# bucket the quantile falls in, so about 10 % coarse): from request parsed to response written, without the load
# generator and the network. Client-side percentiles above that are time spent outside the gateway's handling.
server_quantiles() {
  awk '
    FNR == 1 { f++ }
    /^vertx_http_server_response_time_seconds_bucket\{/ && /bulk\/export/ && /code="200"/ {
      match($0, /le="[^"]*"/); le = substr($0, RSTART + 4, RLENGTH - 5)
      c[le] += (f == 1 ? -$NF : $NF)
    }
    END {
      total = c["+Inf"]
      if (total <= 0) { print "- -"; exit }
      n = 0
      for (le in c) if (le != "+Inf") { b[++n] = le + 0; k[n] = le }
      for (i = 2; i <= n; i++) for (j = i; j > 1 && b[j - 1] > b[j]; j--) {
        t = b[j]; b[j] = b[j - 1]; b[j - 1] = t; t = k[j]; k[j] = k[j - 1]; k[j - 1] = t
      }
      split("0.5 0.99", qs, " ")
      for (q = 1; q <= 2; q++) {
        v = ">" b[n] * 1000
        for (i = 1; i <= n; i++) if (c[k[i]] >= qs[q] * total) { v = sprintf("%.1f", b[i] * 1000); break }
        printf "%s%s", v, (q == 1 ? " " : "\n")
      }
    }' "$1" "$2"
}
TAIL=$WORK/tail.txt
printf '%-9s %4s %8s | %15s | %11s %13s %15s | %9s %12s | %s\n' client ids load 'gateway p50/p99' 'answers>0.1s' \
  'audit>0.1s' 'resolver>0.1s' 'GC pauses' 'longest ms' 'load-generator errors' >"$TAIL"
for spec in "legal 100" "legal 1"; do
  set -- $spec
  tok=$TOKEN_LEGAL
  for pct in 25 50 75; do
    rate=$(awk -v m="${BEST[$1$2]}" -v p=$pct 'BEGIN { printf "%d", m * p / 100 }')
    log "open model: $1 client, $2 identifiers, $rate req/s ($pct % of max)"
    curl -fs "http://127.0.0.1:$MGMT_PORT/metrics" >"$WORK/metrics-before.txt"
    gc0=$(wc -l <"$WORK/gateway-gc.log")
    err0=$(wc -l <"$WORK/openload.err" 2>/dev/null || echo 0)
    line=$(openload "$tok" "$2" "$rate" 30)
    curl -fs "http://127.0.0.1:$MGMT_PORT/metrics" >"$WORK/metrics-after.txt"
    read -r h0 a0 r0 <<<"$(slow_counts "$WORK/metrics-before.txt")"
    read -r h1 a1 r1 <<<"$(slow_counts "$WORK/metrics-after.txt")"
    read -r sp50 sp99 <<<"$(server_quantiles "$WORK/metrics-before.txt" "$WORK/metrics-after.txt")"
    p50=$(kv "$line" p50_ms); p99=$(kv "$line" p99_ms)
    printf '%-9s %4s %7s%% %9s %9s %8s %8s %8s %8s %7s\n' "$1" "$2" "$pct" "$(kv "$line" offered_rps)" \
      "$(kv "$line" achieved_rps)" "$p50" "$p99" "$(kv "$line" p999_ms)" "$(kv "$line" errors)" \
      "$(awk -v a="$p99" -v b="$p50" 'BEGIN { printf "%.1f", b ? a / b : 0 }')" >>"$OPEN"
    gc=$(tail -n +$((gc0 + 1)) "$WORK/gateway-gc.log" | awk '/Pause/ { n++; v = $NF; sub(/ms/, "", v); if (v + 0 > m) m = v + 0 }
      END { printf "%d %.1f", n, m }')
    errs=$(tail -n +$((err0 + 1)) "$WORK/openload.err" | sed -n 's/^OpenLoad: error //p' | tr '\n' ';')
    printf '%-9s %4s %7s%% | %15s | %11s %13s %15s | %9s %12s | %s\n' "$1" "$2" "$pct" "$sp50 / $sp99" \
      $((h1 - h0)) $((a1 - a0)) $((r1 - r0)) $gc "${errs:-none}" >>"$TAIL"
  done
done

# ---- soak -------------------------------------------------------------------------------------------------
SOAKF=$WORK/soak.txt
if [ "$SOAK" -gt 0 ]; then
  rate=$(awk -v m="${BEST[legal100]}" 'BEGIN { printf "%d", m / 2 }')
  log "soak: $SOAK s at $rate req/s (legal, 100 identifiers); heap after full GC every 60 s"
  # The heap right after a full collection, as the collector itself reports it in its log ("Pause Full
  # (Diagnostic Command) 148M->13M(256M)"): a separate heap_info query would also count what the load allocated
  # in between (hundreds of MiB per second at this rate).
  heap_after_gc() {
    jcmd "$GW_PID" GC.run >/dev/null
    grep 'Pause Full (Diagnostic Command)' "$WORK/gateway-gc.log" | tail -1 | sed -E 's/.*->([0-9.]+)M\(.*/\1/'
  }
  echo "minute heap-after-GC-MiB RSS-MiB" >"$SOAKF"
  echo "0 $(heap_after_gc) $(rss_mib "$GW_PID" VmRSS)" >>"$SOAKF"
  openload "$TOKEN_LEGAL" 100 "$rate" "$SOAK" >"$WORK/soak-load.txt" &
  SOAK_PID=$!
  for m in $(seq 1 $((SOAK / 60))); do
    sleep 60
    echo "$m $(heap_after_gc) $(rss_mib "$GW_PID" VmRSS)" >>"$SOAKF"
  done
  wait "$SOAK_PID" || true
  echo "load: $(cat "$WORK/soak-load.txt")" >>"$SOAKF"
  echo "gateway RSS peak over the whole run: $(rss_mib "$GW_PID" VmHWM) MiB" >>"$SOAKF"
fi

# ---- report -----------------------------------------------------------------------------------------------
echo
echo "spp-gateway ratio benchmark — $(date -u +%FT%TZ), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
if [ "$KIND" = openspp ]; then
  echo "registry kind openspp: a fake OpenSPP 2 database copied from the generated registry, with the indexes openspp-check recommends; audit in a separate database"
fi
echo "registry: $ROWS individuals, $GROUPS_N households, $((ROWS / 2)) consents; PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}'); $(java -version 2>&1 | head -1); gateway $JAVA_OPTS"
echo "closed loop${KIND_LABEL:-} (wrk -t2, ${SECONDS_PER_RUN} s per row; baseline = pgbench -M prepared, same statement, same concurrency;"
echo "  cheapest = pgbench, the cheapest statement returning the same registrants and identifiers, same concurrency):"
cat "$TABLE"
echo "$GW_MEMORY"
echo
echo "open model (constant offered rate, latency from the intended send time; % of the best closed-loop rate):"
cat "$OPEN"
echo; echo "where the open-model tail comes from (per row: gateway histograms, GC log, load generator):"
cat "$TAIL"
if [ -f "$COLDF" ]; then echo; echo "cold start (load, serve, traffic at once; no ANALYZE by the benchmark):"; cat "$COLDF"; fi
if [ "$SOAK" -gt 0 ]; then echo; echo "soak:"; cat "$SOAKF"; fi
echo
echo "PostgreSQL time by statement over the whole run (pg_stat_statements; wall time inside the server):"
psql -P pager=off -c "SELECT calls, round(mean_exec_time::numeric, 3) AS mean_ms,
    round((total_exec_time / 1000)::numeric, 1) AS total_s, round(rows::numeric / calls, 1) AS rows_per_call,
    left(regexp_replace(query, '\\s+', ' ', 'g'), 50) AS statement
  FROM pg_stat_statements WHERE calls > 100 ORDER BY total_exec_time DESC LIMIT 6"
