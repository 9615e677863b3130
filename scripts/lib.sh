# Shared by scripts/start and scripts/test: a virtual environment with the pinned
# packages, and the local RabbitMQ / PostgreSQL started (or installed) when needed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

say() { printf '\033[1m[culture-matrix]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[culture-matrix] %s\033[0m\n' "$*" >&2; exit 1; }

ensure_venv() {
  local stamp="$VENV/.lock-installed"
  if [ ! -x "$PY" ]; then
    command -v python3.11 >/dev/null || command -v python3 >/dev/null \
      || die "Python 3.11 is required (apt-get install python3.11 python3.11-venv)"
    local base; base="$(command -v python3.11 || command -v python3)"
    "$base" -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null \
      || die "Python 3.11 is required; $base is $("$base" --version 2>&1)"
    say "creating the virtual environment in .venv"
    "$base" -m venv "$VENV"
  fi
  # the runtime set (requirements.lock, what the image carries) and the development and
  # test set (requirements-dev.lock), both pinned with hashes
  local locks; locks="$(cat "$ROOT/requirements.lock" "$ROOT/requirements-dev.lock")"
  if [ ! -f "$stamp" ] || [ "$locks" != "$(cat "$stamp")" ]; then
    say "installing the pinned packages (requirements.lock, requirements-dev.lock)"
    "$PY" -m pip install -q --disable-pip-version-check --require-hashes \
      -r "$ROOT/requirements.lock" -r "$ROOT/requirements-dev.lock"
    printf '%s' "$locks" > "$stamp"
  fi
}

# The console's front-end assets (htmx; axe-core for the tests' accessibility checks),
# pinned in package.json and package-lock.json and installed from the npm registry into
# node_modules/, again whenever the lock changes. Nothing third-party is kept in the repo.
ensure_assets() {
  local stamp="$ROOT/node_modules/.lock-installed"
  if [ -f "$stamp" ] && cmp -s "$ROOT/package-lock.json" "$stamp" \
     && [ -f "$ROOT/node_modules/htmx.org/dist/htmx.min.js" ]; then
    return 0
  fi
  if ! command -v npm >/dev/null; then
    apt_install nodejs npm \
      || die "Node.js and npm are required for the console's assets (apt-get install nodejs npm)"
    command -v npm >/dev/null \
      || die "Node.js and npm are required for the console's assets (apt-get install nodejs npm)"
  fi
  say "installing the pinned front-end assets (package-lock.json) with npm ci"
  (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) \
    || die "npm ci failed: the console's assets (package-lock.json) could not be installed"
  cp "$ROOT/package-lock.json" "$stamp"
}

# host and port of a URL, or nothing when it is not on this machine
local_endpoint() {
  python3 - "$1" "$2" <<'PY'
import sys
from urllib.parse import urlsplit
url, default_port = sys.argv[1], int(sys.argv[2])
parts = urlsplit(url)
host = parts.hostname or "localhost"
if host in ("localhost", "127.0.0.1", "::1"):
    print(host, parts.port or default_port)
PY
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_port() {  # host port seconds
  local deadline=$((SECONDS + $3))
  until port_open "$1" "$2"; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.5
  done
}

apt_install() {
  command -v apt-get >/dev/null || return 1
  [ "$(id -u)" = 0 ] || return 1
  say "installing $* with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# host and port of every node of a broker URI (a cluster's nodes separated by `;`), one
# per line, or nothing when any of them is not on this machine
local_endpoints() {
  python3 - "$1" "$2" <<'PY'
import sys
from urllib.parse import urlsplit
uri, default_port = sys.argv[1], int(sys.argv[2])
nodes = [urlsplit(part.strip()) for part in uri.split(";") if part.strip()]
if nodes and all((node.hostname or "localhost") in ("localhost", "127.0.0.1", "::1")
                 for node in nodes):
    for node in nodes:
        print(node.hostname or "localhost", node.port or default_port)
PY
}

ensure_rabbitmq() {
  local uri="${CM_AMQP_URI:-amqp://guest:guest@localhost:5672/}" endpoints
  endpoints="$(local_endpoints "$uri" 5672)"
  if [ -z "$endpoints" ]; then return 0; fi  # a remote broker is the operator's business
  if [ "$(printf '%s\n' "$endpoints" | wc -l)" -gt 1 ]; then
    # a cluster on this machine (scripts/rabbit_cluster): its nodes are not ours to start,
    # but one live node is enough for every process to begin (they move between nodes)
    local live=0 host port
    while read -r host port; do port_open "$host" "$port" && live=1; done <<< "$endpoints"
    [ $live = 1 ] || die "none of the broker's nodes ($(echo $endpoints | tr '\n' ' ')) is listening: start the cluster first (scripts/rabbit_cluster start)"
    ensure_vhost "$uri"
    return 0
  fi
  set -- $endpoints
  if ! port_open "$1" "$2"; then
    if ! command -v rabbitmq-server >/dev/null; then
      apt_install rabbitmq-server || die "RabbitMQ is not installed and could not be installed: apt-get install rabbitmq-server"
    fi
    say "starting RabbitMQ"
    rabbitmq-server -detached >/dev/null 2>&1 || true
    wait_port "$1" "$2" 90 || die "RabbitMQ did not start listening on $1:$2"
    rabbitmqctl await_startup >/dev/null 2>&1 || true
  fi
  ensure_vhost "$uri"
}

vhost_of() {  # of the first node: a cluster's nodes share the vhost (settings.py checks)
  python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1].split(";")[0].strip()).path; print(u.unquote(p[1:]) if len(p)>1 else "/")' "$1"
}

ensure_vhost() {  # a vhost named in the URI is created on a local broker (no user is
  local vhost     # given rights here: ensure_broker_users gives each process its own)
  vhost="$(vhost_of "$1")"
  [ "$vhost" = "/" ] && return 0
  command -v rabbitmqctl >/dev/null || return 0
  if ! rabbitmqctl -q list_vhosts 2>/dev/null | grep -qxF "$vhost"; then
    rabbitmqctl -q add_vhost "$vhost" >/dev/null 2>&1 || true
  fi
}

# One broker user per process on the URI's vhost of a local broker, least privilege
# (scripts/broker_users.py); passwords made once into the secrets file. Fails (1) when
# the broker is not local or rabbitmqctl cannot be used.
ensure_broker_users() {  # uri secrets-file
  [ -n "$(local_endpoints "$1" 5672)" ] || return 1
  command -v rabbitmqctl >/dev/null || return 1
  local definitions; definitions="$(mktemp)"
  "$PY" "$ROOT/scripts/broker_users.py" definitions "$(vhost_of "$1")" --secrets "$2" > "$definitions"
  chmod 644 "$definitions"  # rabbitmqctl may read it as the rabbitmq user
  if ! rabbitmqctl -q import_definitions "$definitions" >/dev/null; then
    rm -f "$definitions"
    die "could not create the broker users (rabbitmqctl import_definitions; for a cluster on this machine set RABBITMQ_NODENAME to one of its nodes, and rabbitmqctl must share its Erlang cookie)"
  fi
  rm -f "$definitions"
}

ensure_postgres() {
  local url="${1:-${CM_DATABASE_URL:-}}" endpoint
  [ -n "$url" ] || return 0
  endpoint="$(local_endpoint "$url" 5432)"
  [ -n "$endpoint" ] || return 0
  set -- $endpoint
  port_open "$1" "$2" && return 0
  local fresh=0
  if ! command -v pg_ctlcluster >/dev/null; then
    apt_install postgresql || die "PostgreSQL is not installed and could not be installed: apt-get install postgresql"
    fresh=1
  fi
  say "starting PostgreSQL"
  local version; version="$(ls /etc/postgresql | sort -V | tail -1)"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start \
    || die "PostgreSQL $version would not start (pg_ctlcluster $version main start)"
  wait_port "$1" "$2" 60 || die "PostgreSQL did not start listening on $1:$2"
  if [ $fresh = 1 ]; then  # a new cluster asks for a password over TCP: give the tests' one
    su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
  fi
}

ensure_test_tools() {
  # Debian's Chromium, which the browser tests drive through Playwright (Playwright's own
  # browser download does not work on these machines)
  if [ ! -x /usr/bin/chromium ]; then
    apt_install chromium && [ -x /usr/bin/chromium ] \
      || die "Chromium is required for the browser tests and could not be installed: apt-get install chromium"
  fi
  # a Chinese font, so that the console's screenshots (docs/console) read as Chinese
  if ! fc-list 2>/dev/null | grep -qi -e wqy -e "noto sans cjk"; then
    apt_install fonts-wqy-microhei || say "no Chinese font (apt-get install fonts-wqy-microhei): screenshots will show boxes"
  fi
  # promtool checks the alert rules offline
  command -v promtool >/dev/null && return 0
  apt_install prometheus || say "promtool is missing (apt-get install prometheus); its checks will be skipped"
}
