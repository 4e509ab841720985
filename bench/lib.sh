#!/usr/bin/env bash
# Shared parts of the benchmarks, sourced by bench/run.sh and bench/scale-out.sh: a private PostgreSQL on
# loopback (Debian's server binaries) with the generated registry (and, for --kind openspp, its copy in a fake OpenSPP
# database), readiness waits and the wrk Lua script.
# Expects ROOT, ROWS and KEEP to be set by the caller.
PG_PORT=${BENCH_PG_PORT:-55432}
SECRET=bench-secret-bench-secret-bench-secret-0123
JAR=${BENCH_JAR:-$ROOT/target/spp-gateway.jar}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
PIDS=()

need() { command -v "$1" >/dev/null || { echo "$1 is missing: $2" >&2; exit 2; }; }
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# initdb refuses to run as root: run the server as the postgres user then.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
port_free() { if ss -ltn | grep -q ":$1 "; then echo "port $1 is busy" >&2; exit 1; fi; }

# Checks the tools, builds the jar if missing, makes $WORK (the working directory from then on) and arranges
# for every process in PIDS and the PostgreSQL server to stop on exit.
bench_setup() {
  need wrk "apt-get install -y wrk"
  need pgbench "apt-get install -y postgresql"
  need psql "apt-get install -y postgresql"
  need curl "apt-get install -y curl"
  [ -x "$PGBIN/postgres" ] || { echo "PostgreSQL server binaries missing: apt-get install -y postgresql" >&2; exit 2; }
  port_free "$PG_PORT"
  [ -f "$JAR" ] || (cd "$ROOT" && echo "building the jar ..." && mvn -q -B -DskipTests package)
  WORK=$(mktemp -d /tmp/spp-bench.XXXXXX)
  chmod 755 "$WORK"
  cd "$WORK" # the gateway reads ./conf/config.yaml when present: run it on built-in defaults and SPP_* only
  trap bench_cleanup EXIT
}

bench_cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  as_pg "$PGBIN/pg_ctl" -D "$WORK/pgdata" -m fast stop >/dev/null 2>&1 || true
  if [ "$KEEP" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}

# Waits for a gateway process's readiness: management port, pid, log file.
await_ready() {
  local _
  for _ in $(seq 1 240); do
    curl -fs "http://127.0.0.1:$1/health/ready" >/dev/null 2>&1 && return 0
    kill -0 "$2" 2>/dev/null || { echo "the gateway died; see $3" >&2; tail -5 "$3" >&2; exit 1; }
    sleep 0.5
  done
  echo "the gateway did not become ready; see $3" >&2
  exit 1
}

# A wrk Lua script (token, identifiers per request, file): a fresh body of random national ids per request.
wrk_script() {
  cat >"$3" <<EOF
local ids, population = $2, $ROWS
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $1"
local parts = {}
function init(args) math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000) end
function request()
  for i = 1, ids do parts[i] = '"urn:bench:national-id|' .. (1000000000 + math.random(0, population - 1)) .. '"' end
  return wrk.format(nil, nil, nil, '{"type":"Individual","identifiers":[' .. table.concat(parts, ",", 1, ids) .. ']}')
end
EOF
}

token() { SPP_JWT_SECRET=$SECRET java -jar "$JAR" token --client "$1" --ttl 1d; }

# Starts PostgreSQL and generates the registry: ROWS individuals, ROWS/4 households, a consent for every second
# individual, clients bench-legal and bench-consent. Sets DB_URL, GROUPS_N and the PG* variables.
start_registry() {
# ---- PostgreSQL -------------------------------------------------------------------------------------------
log "starting PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
mkdir -p "$WORK/pgdata" "$WORK/pglog"
[ "$(id -u)" = 0 ] && chown postgres "$WORK/pgdata" "$WORK/pglog"
as_pg "$PGBIN/initdb" -D "$WORK/pgdata" -U bench --auth=trust -E UTF8 --locale=C.UTF-8 >"$WORK/initdb.log"
cat >>"$WORK/pgdata/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$WORK/pgdata'
max_connections = 300
shared_buffers = 2GB
effective_cache_size = 8GB
work_mem = 16MB
maintenance_work_mem = 512MB
max_wal_size = 8GB
checkpoint_timeout = 30min
shared_preload_libraries = 'pg_stat_statements'
EOF
as_pg "$PGBIN/pg_ctl" -D "$WORK/pgdata" -l "$WORK/pglog/postgres.log" -w start >/dev/null
export PGHOST=127.0.0.1 PGPORT=$PG_PORT PGUSER=bench
psql -q -d postgres -c "CREATE DATABASE bench"
export PGDATABASE=bench
psql -q -c "CREATE EXTENSION pg_stat_statements"
DB_URL="postgresql://bench@127.0.0.1:$PG_PORT/bench"

# ---- data -------------------------------------------------------------------------------------------------
log "applying the schema and loading the two clients (gateway load command)"
cat >"$WORK/clients.ndjson" <<'EOF'
{"kind":"ApiClient","clientId":"bench-legal","name":"Benchmark programme (public task)","active":true,"legalBasis":"public_task","legalBasisReference":"benchmark","organization":"org-bench-gov","organizationType":"government","scopes":["individual:read","group:read"]}
{"kind":"ApiClient","clientId":"bench-consent","name":"Benchmark NGO (consent)","active":true,"legalBasis":"consent","organization":"org-bench-ngo","organizationType":"ngo","scopes":["individual:read","group:read"]}
EOF
SPP_DB_URL=$DB_URL SPP_LOG_FORMAT=text java -jar "$JAR" load "$WORK/clients.ndjson" >"$WORK/load.log" 2>&1 \
  || { cat "$WORK/load.log" >&2; exit 1; }
GROUPS_N=$((ROWS / 4))
log "generating $ROWS individuals, $GROUPS_N households, $((ROWS / 2)) consents"
T0=$(date +%s)
psql -q -v ON_ERROR_STOP=1 -v rows="$ROWS" -v groups="$GROUPS_N" <<'SQL'
BEGIN;
-- the registrants' read model refreshed once at the end, as the load command does (V4__resource_read_model.sql)
SELECT set_config('spp.read_model', 'deferred', true) \g /dev/null
CREATE TEMP TABLE spp_read_model_pending (id bigint) ON COMMIT DROP;
-- Individuals 1..rows: national id 1000000000 + n - 1 (what the load scripts draw), a second identifier,
-- realistic column widths and a farmer extension.
INSERT INTO registrant (id, ref, kind, family_name, given_name, name, birth_date, birth_date_estimated,
                        gender_code, gender_display, phone, mobile, email, street, city, state, country,
                        postal_code, extension, source)
SELECT n, 'ind-' || n, 'Individual', 'Family' || (n % 7919), 'Given' || (n % 3571),
       'Given' || (n % 3571) || ' Family' || (n % 7919), date '1940-01-01' + (n % 30000), n % 10 = 0,
       CASE WHEN n % 2 = 0 THEN '1' ELSE '2' END, CASE WHEN n % 2 = 0 THEN 'Male' ELSE 'Female' END,
       '+63 2 ' || n, '+63 917 ' || n, 'person' || n || '@example.org', n || ' Rizal Street',
       'City ' || (n % 409), 'Province ' || (n % 81), 'PH', lpad((n % 9000 + 1000)::text, 4, '0'),
       jsonb_build_object('farmer', jsonb_build_object('crop', 'rice', 'hectares', n % 12)), 'bench'
  FROM generate_series(1, :rows) AS n;
INSERT INTO registrant_identifier (registrant_id, position, system, value)
SELECT n, 0, 'urn:bench:national-id', (1000000000 + n - 1)::text FROM generate_series(1, :rows) AS n;
INSERT INTO registrant_identifier (registrant_id, position, system, value)
SELECT n, 1, 'urn:bench:civil-registry', 'CR-' || n FROM generate_series(1, :rows) AS n;
-- Households: group g (0-based) holds individuals 4g+1 .. 4g+4, household id 2000000000 + g.
INSERT INTO registrant (id, ref, kind, name, group_type, street, city, country, source)
SELECT :rows + 1 + g, 'hh-' || g, 'Group', 'Household ' || g, 'household', g || ' Mabini Street',
       'City ' || (g % 409), 'PH', 'bench'
  FROM generate_series(0, :groups - 1) AS g;
INSERT INTO registrant_identifier (registrant_id, position, system, value)
SELECT :rows + 1 + g, 0, 'urn:bench:household-id', (2000000000 + g)::text FROM generate_series(0, :groups - 1) AS g;
INSERT INTO group_membership (group_id, position, individual_id, role_system, role_code, role_display, start_date)
SELECT :rows + 1 + g, p, 4 * g + 1 + p, 'urn:openspp:vocab:group-membership-type',
       CASE WHEN p = 0 THEN 'head' ELSE 'member' END, CASE WHEN p = 0 THEN 'Head' ELSE 'Member' END,
       date '2020-01-01'
  FROM generate_series(0, :groups - 1) AS g, generate_series(0, 3) AS p;
-- A consent for every second individual, to the consent-based client's organisation.
INSERT INTO consent (id, ref, subject_id, recipient_mode, recipient_organizations, status, effective_date, expiry_date)
SELECT n / 2, 'c-' || n, n, 'specific', '{org-bench-ngo}', 'given', date '2020-01-01', date '2099-12-31'
  FROM generate_series(2, :rows, 2) AS n;
INSERT INTO consent_scope (consent_id, position, resource_type, field_access, purpose, include_extensions,
                           allowed_extensions)
SELECT n / 2, 0, 'individual', 'all', 'service_delivery', true, '{farmer}' FROM generate_series(2, :rows, 2) AS n;
SELECT setval('registrant_id_seq', :rows + :groups + 1);
SELECT setval('consent_id_seq', :rows);
SELECT registrant_read_model_refresh_pending() \g /dev/null
COMMIT;
VACUUM ANALYZE;
-- the set-up's WAL flushed by a checkpoint now, not by one that starts during the measurement: max_wal_size and
-- checkpoint_timeout above keep checkpoints out of a run, but generating the registry (each registrant row is
-- written twice, V4's read model) writes gigabytes of WAL, and the checkpoint it triggered at 22:53 in the run of
-- 2026-12-01 22:49 coincided with second-long stalls of the audit commits
CHECKPOINT;
-- the whole registry in shared buffers, so that neither the baseline nor the gateway pays for cold pages
CREATE EXTENSION pg_prewarm;
SELECT sum(pg_prewarm(c.oid)) AS prewarmed_blocks FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i');
SQL
log "data ready in $(( $(date +%s) - T0 )) s ($(psql -Atc "SELECT pg_size_pretty(pg_database_size('bench'))"))"

}

# The openspp kind's registry (after start_registry): copies the generated registry into a fake OpenSPP 2
# database `openspp` (CopyToOpenspp.java), creates the indexes `openspp-check` recommends as a DBA would (one
# CREATE INDEX CONCURRENTLY each, outside a transaction), VACUUM ANALYZE and prewarm as for the gateway schema,
# and makes an empty audit database `audit`. The gateway-schema database is dropped afterwards, so that only the
# served database occupies shared buffers; PGDATABASE (pg_stat_statements) becomes `openspp`. Sets OPENSPP_URL,
# AUDIT_URL, CONSENT_PARTNER (res_partner id of bench-consent's organisation) and CONSENT_ORG_TYPE.
start_openspp() {
local t0 check rc
OPENSPP_URL="postgresql://bench@127.0.0.1:$PG_PORT/openspp"
AUDIT_URL="postgresql://bench@127.0.0.1:$PG_PORT/audit"
psql -q -d postgres -c "CREATE DATABASE openspp" -c "CREATE DATABASE audit"
log "copying the registry into a fake OpenSPP 2 database (CopyToOpenspp.java)"
t0=$(date +%s)
java -cp "$JAR" "$ROOT/bench/CopyToOpenspp.java" "$DB_URL" "$OPENSPP_URL" >"$WORK/copy.out" 2>"$WORK/copy.log" \
  || { cat "$WORK/copy.out" "$WORK/copy.log" >&2; exit 1; }
log "copied in $(( $(date +%s) - t0 )) s: $(tail -1 "$WORK/copy.out")"
rc=0
SPP_DB_URL=$OPENSPP_URL SPP_LOG_FORMAT=text java -jar "$JAR" openspp-check >"$WORK/openspp-check.out" \
  2>"$WORK/openspp-check.log" || rc=$?
[ "$rc" -le 1 ] || { cat "$WORK/openspp-check.out" "$WORK/openspp-check.log" >&2; exit 1; }
t0=$(date +%s)
grep '^CREATE INDEX' "$WORK/openspp-check.out" | while IFS= read -r stmt; do
  log "DBA: $stmt"
  psql -q -v ON_ERROR_STOP=1 -d openspp -c "$stmt"
done
rc=0
SPP_DB_URL=$OPENSPP_URL SPP_LOG_FORMAT=text java -jar "$JAR" openspp-check >"$WORK/openspp-check2.out" \
  2>"$WORK/openspp-check2.log" || rc=$?
[ "$rc" = 0 ] || { echo "openspp-check still reports missing indexes:" >&2; cat "$WORK/openspp-check2.out" \
  "$WORK/openspp-check2.log" >&2; exit 1; }
log "indexes created in $(( $(date +%s) - t0 )) s; $(head -1 "$WORK/openspp-check2.out")"
psql -q -d postgres -c "DROP DATABASE bench"
export PGDATABASE=openspp
psql -q -v ON_ERROR_STOP=1 <<'SQL'
VACUUM ANALYZE;
CREATE EXTENSION pg_stat_statements;
-- the whole registry in shared buffers, as for the gateway schema
CREATE EXTENSION pg_prewarm;
SELECT sum(pg_prewarm(c.oid)) AS prewarmed_blocks FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i');
SQL
CONSENT_PARTNER=$(psql -Atc "SELECT partner_id FROM spp_api_client WHERE client_id = 'bench-consent'")
CONSENT_ORG_TYPE=$(psql -Atc "SELECT t.code FROM spp_api_client c JOIN spp_consent_org_type t
                                ON t.id = c.organization_type_id WHERE c.client_id = 'bench-consent'")
[ -n "$CONSENT_PARTNER" ] && [ -n "$CONSENT_ORG_TYPE" ] || { echo "bench-consent was not copied" >&2; exit 1; }
log "fake OpenSPP ready ($(psql -Atc "SELECT pg_size_pretty(pg_database_size('openspp'))")); bench-consent is partner $CONSENT_PARTNER, type $CONSENT_ORG_TYPE"
}
