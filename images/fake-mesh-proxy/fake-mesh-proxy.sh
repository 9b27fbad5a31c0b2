#!/bin/sh
# Fake istio-proxy, busybox only:
#   GET  http://127.0.0.1:15021/healthz/ready  404 until READY_AFTER seconds have passed, then 200
#   POST http://127.0.0.1:15020/quitquitquit   200, then this process exits 0
#   SIGTERM                                    exits 0 too (Envoy drains and exits)
# Every request and the way it ends are logged on stdout.
set -u
state=${TMPDIR:-/tmp}/fake-mesh-proxy.$$
mkdir -p "$state/www/healthz"
echo $$ > "$state/pid"
export FAKE_MESH_PROXY_PID=$$

stop() {
  echo "fake-mesh-proxy: $1, exiting 0"
  kill "$ready_server" "$admin_server" 2>/dev/null
  rm -rf "$state"
  exit 0
}
trap 'stop "POST /quitquitquit"' USR1
trap 'stop SIGTERM' TERM
trap 'stop SIGINT' INT

httpd -f -p 127.0.0.1:15021 -h "$state/www" & ready_server=$!
nc -ll -p 15020 -e /usr/local/bin/quit-handler & admin_server=$!
echo "fake-mesh-proxy: uid $(id -u), admin on 127.0.0.1:15020, readiness on 127.0.0.1:15021 in ${READY_AFTER:-1}s"
sleep "${READY_AFTER:-1}"
echo ok > "$state/www/healthz/ready"
echo "fake-mesh-proxy: ready"
# wait returns early when a trapped signal arrives; the trap then exits.
while :; do wait "$admin_server"; sleep 1; done
