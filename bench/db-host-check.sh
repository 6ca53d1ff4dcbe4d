#!/usr/bin/env bash
# Host check of the sample app's database pieces (issue 12), without a
# cluster. Two parts, each on a free loopback port, everything in one temp
# directory removed at the end:
#
#  A. Debian's PostgreSQL from the tools cache (install.sh postgres), copied
#     where uid 65534 can read it (postgres refuses to run as root), with the
#     app in database mode: v1 (DB_COLUMN=title, app/server.ts via tsx) and v2
#     (DB_COLUMN=label, the esbuild bundle of the app image). The one-step
#     rename breaks v1; expand keeps both working; contract breaks v1 only.
#     SIGTERM: each app drains, ends its pool, exits 0.
#  B. The OCI image's own files (postgres-image.ts, unpacked) in a chroot as
#     uid 10001, in a private IPC namespace, with the pod's argv from
#     postgres.ts (initContainer, server, readiness probe) and psql's from
#     sql.ts: the image is complete without the host's files.
#
# Needs root (setpriv, chroot, unshare, mknod); touches no cluster, no
# daemon, nothing outside the temp directory. Usage: bash bench/db-host-check.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ "$(id -u)" = 0 ] || { echo "run as root (it switches to uid 65534 and 10001 itself)" >&2; exit 2; }
bash clusters/tools/install.sh postgres >/dev/null

W=$(mktemp -d /tmp/nodrop-db-check.XXXXXX)
chmod 755 "$W"
app_pids=() pg_pidfiles=()
cleanup() {
  for p in "${app_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for f in "${pg_pidfiles[@]}"; do [ -s "$f" ] && kill -INT "$(head -1 "$f")" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT

# Polls a real condition every 0.1 s; fails with `what` after `secs`.
wait_for() { # what secs cmd...
  local what=$1 deadline=$((SECONDS + $2)); shift 2
  until "$@" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || { echo "timed out after $2 s waiting for $what" >&2; return 1; }
    sleep 0.1
  done
}
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# The postmaster writes its pid into the data directory; a fast shutdown (SIGINT) and wait.
stop_postgres() { # pidfile
  local pid; pid=$(head -1 "$1")
  kill -INT "$pid"
  wait_for "postgres (pid $pid) to exit" 30 bash -c "! kill -0 $pid"
}

# The pieces under test, from the repo: pod argvs, psql's argv, the schema, the app bundle, the image.
node --import tsx --input-type=module -e '
import { writeFileSync } from "node:fs";
import { renderDb, hbaConf } from "./harness/db/postgres.ts";
import { psqlArgv } from "./harness/db/sql.ts";
import { schemaSql } from "./harness/db/migrations.ts";
import { postgresImage } from "./harness/db/postgres-image.ts";
import { bundleApp } from "./harness/images/app-image.ts";
const w = process.argv[1];
const t0 = Date.now();
const image = await postgresImage({ imagesDir: `${w}/images` });
console.log(`image ${image.name}: ${image.archive.slice(w.length + 1)} (${Date.now() - t0} ms)`);
const pod = renderDb({ runId: "check", namespace: "check", image: image.name, paths: image.paths })[1].spec.template.spec;
const put = (name, lines) => writeFileSync(`${w}/${name}`, lines.join("\n") + "\n");
put("initdb.argv", pod.initContainers[0].command);
put("postgres.argv", pod.containers[0].command);
put("isready.argv", pod.containers[0].readinessProbe.exec.command);
put("psql-schema.argv", psqlArgv(image.paths.psql, schemaSql()));
writeFileSync(`${w}/schema.sql`, schemaSql());
writeFileSync(`${w}/pg_hba.conf`, hbaConf());
writeFileSync(`${w}/server.mjs`, await bundleApp());
' "$W"
ls -l "$W"/images/*.tar | awk '{ printf "image archive: %.1f MB\n", $5 / 1e6 }'
mapfile -t INITDB <"$W/initdb.argv"; mapfile -t POSTGRES <"$W/postgres.argv"
mapfile -t ISREADY <"$W/isready.argv"; mapfile -t PSQL_SCHEMA <"$W/psql-schema.argv"
SCHEMA=$(cat "$W/schema.sql")

echo
echo "=== A. the tools cache's PostgreSQL as uid 65534, the app in database mode"
TOOLS=$(node --import tsx --input-type=module -e 'import { toolPaths } from "./harness/tools.ts"; console.log(toolPaths().postgres)')
cp -a "$TOOLS" "$W/pg"
PG=$W/pg/usr/lib/postgresql/15/bin
LIB=$W/pg/usr/lib/$(cd "$W/pg/usr/lib" && dirname "$(ls ./*/libpq.so.5)" | cut -c3-)
mkdir "$W/a" "$W/a/run"; chown 65534:65534 "$W/a" "$W/a/run"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups env -i PATH=/usr/bin:/bin LD_LIBRARY_PATH="$LIB" TZ=UTC "$@"; }
# The pod's initdb argv with the data directory moved into the temp dir.
as_nobody "$PG/initdb" "${INITDB[@]:1}" -D "$W/a/pg" >/dev/null
PORT=$(freeport)
# The pod's server argv; on the host: loopback only, a free port, socket and hba file in the temp dir.
ARGS=("${POSTGRES[@]:1}"); ARGS=("${ARGS[@]/listen_addresses=\*/listen_addresses=127.0.0.1}"); ARGS=("${ARGS[@]/hba_file=*/hba_file=$W/pg_hba.conf}")
as_nobody "$PG/postgres" "${ARGS[@]}" -D "$W/a/pg" -p "$PORT" -k "$W/a/run" >"$W/a/pg.log" 2>&1 &
pg_pidfiles+=("$W/a/pg/postmaster.pid")
wait_for "postgres to accept connections" 30 as_nobody "$PG/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -t 2
echo "postgres: $(as_nobody "$PG/pg_isready" -h 127.0.0.1 -p "$PORT")"
sql() { as_nobody "$PG/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -c "$1"; }
start_app() { # name column command...
  local name=$1 col=$2 port; shift 2
  port=$(freeport)
  env DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/postgres" DB_COLUMN="$col" APP_VERSION="$name" POD_NAME="$name-pod" \
    PORT="$port" HOST=127.0.0.1 "$@" >"$W/a/app-$name.log" 2>&1 &
  app_pids+=("$!")
  eval "PORT_$name=$port PID_$name=$!"
  wait_for "app $name to listen" 30 curl -sf -o /dev/null "http://127.0.0.1:$port/healthz/live"
}
hit() { # name: one request; status line, X-Db-* headers, body
  local port; port=$(eval echo "\$PORT_$1")
  curl -s -D "$W/h" -o "$W/b" "http://127.0.0.1:$port/"
  printf '%s: %s | %s | %s\n' "$1" "$(head -1 "$W/h" | tr -d '\r')" "$(grep -i '^x-db' "$W/h" | tr -d '\r' | paste -sd' ')" "$(cat "$W/b")"
}
sql "$SCHEMA"
start_app v1 title node --import tsx app/server.ts
start_app v2 label node "$W/server.mjs"
echo "--- schema: $SCHEMA"
hit v1; hit v1; hit v2
echo "rows: $(sql 'SELECT count(*) FROM items')"
echo "--- rename in one step"
sql "ALTER TABLE items RENAME COLUMN title TO label"
hit v1; hit v2
echo "--- fresh schema, then expand"
sql "DROP TABLE items"; sql "$SCHEMA"; sql "ALTER TABLE items ADD COLUMN label text"
hit v1; hit v2
echo "rows (id|title|label): $(sql 'SELECT id, title, label FROM items ORDER BY id' | paste -sd' ')"
echo "--- contract"
sql "ALTER TABLE items DROP COLUMN title"
hit v1; hit v2
echo "--- SIGTERM to both apps"
kill -TERM "$PID_v1" "$PID_v2"
wait "$PID_v1" && echo "v1 exit 0" || echo "v1 exit $?"
wait "$PID_v2" && echo "v2 exit 0" || echo "v2 exit $?"
app_pids=()
grep -hE '"event":"(drained|db-pool-ended|db-pool-end-failed|exit)"' "$W/a/app-v1.log" "$W/a/app-v2.log" | cut -c1-120
stop_postgres "$W/a/pg/postmaster.pid"
echo "postgres: $(tail -1 "$W/a/pg.log" | sed "s/^.*LOG:  //")"

echo
echo "=== B. the image's files in a chroot as uid 10001, the pod's argv"
R=$W/rootfs
mkdir -p "$W/oci" "$R"
tar -xf "$W"/images/*.tar -C "$W/oci"
layer=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[0]["Layers"][0])' "$W/oci/manifest.json")
tar -xpf "$W/oci/$layer" -C "$R"
# What the kubelet adds: /dev/null and /dev/shm, the emptyDir /data, the ConfigMap with pg_hba.conf.
mkdir -p "$R/dev" "$R/data" "$R/etc/nodrop-pg"
mknod -m 666 "$R/dev/null" c 1 3
mkdir -m 1777 "$R/dev/shm"
chown 10001:10001 "$R/data"
cp "$W/pg_hba.conf" "$R/etc/nodrop-pg/pg_hba.conf"
# Like readOnlyRootFilesystem: only /data, the socket directory and /dev/shm are writable.
chmod 755 "$R/tmp"
in_image() { env -i PATH=/usr/lib/postgresql/15/bin:/usr/sbin:/usr/bin:/sbin:/bin TZ=UTC HOME=/tmp unshare --ipc chroot --userspec=10001:10001 "$R" "$@"; }
in_image "${INITDB[@]}" >"$W/initdb.log" 2>&1 || { cat "$W/initdb.log"; exit 1; }
echo "initdb: ${INITDB[*]}: ok, PG_VERSION $(cat "$R/data/pg/PG_VERSION")"
PORT=$(freeport)
ARGS=("${POSTGRES[@]}"); ARGS=("${ARGS[@]/listen_addresses=\*/listen_addresses=127.0.0.1}")
in_image "${ARGS[@]}" -p "$PORT" >"$W/b-pg.log" 2>&1 &
pg_pidfiles+=("$R/data/pg/postmaster.pid")
ISREADY=("${ISREADY[@]/5432/$PORT}")
wait_for "the readiness probe to pass" 30 in_image "${ISREADY[@]}"
echo "readiness probe: ${ISREADY[*]}: exit 0"
in_image "${PSQL_SCHEMA[@]}" -p "$PORT"
echo "psql (sql.ts argv) created the schema; over the default socket dir: $(in_image psql -X -At -p "$PORT" -U postgres -c "SELECT current_setting('server_version'), current_setting('jit'), current_setting('TimeZone')")"
APORT=$(freeport)
DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/postgres" DB_COLUMN=title APP_VERSION=v1 PORT=$APORT HOST=127.0.0.1 node "$W/server.mjs" >"$W/b-app.log" 2>&1 &
app_pids+=("$!")
wait_for "the app to listen" 30 curl -sf -o /dev/null "http://127.0.0.1:$APORT/healthz/live"
echo "app bundle: $(curl -s -w ' %{http_code}' "http://127.0.0.1:$APORT/")"
kill -TERM "${app_pids[@]}"; wait "${app_pids[@]}" || true; app_pids=()
stop_postgres "$R/data/pg/postmaster.pid"
echo "server log, warnings and errors: $(grep -cE 'WARNING|ERROR|FATAL' "$W/b-pg.log" || true)"
