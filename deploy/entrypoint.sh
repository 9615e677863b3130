#!/bin/sh
# Runs one Culture Matrix process by name: the image's ENTRYPOINT.
#   entrypoint.sh activities|subsidies|library|notify  -> python -m services.<name>
#   entrypoint.sh gateway                              -> python -m gateway
#   entrypoint.sh migrate <service>                    -> python -m services.common.migrate <service>
# tini (the image's init) runs this script; exec replaces the shell so that the
# signals tini forwards (SIGTERM on a rolling update) reach Python itself.
set -eu

usage() {
    echo "usage: $0 activities|subsidies|library|notify|gateway|migrate <service>" >&2
    exit 64
}

[ "$#" -ge 1 ] || usage
name="$1"
shift

case "$name" in
    activities|subsidies|library|notify)
        exec python -m "services.$name" "$@" ;;
    gateway)
        exec python -m gateway "$@" ;;
    migrate)
        [ "$#" -eq 1 ] || usage
        exec python -m services.common.migrate "$1" ;;
    *)
        usage ;;
esac
