#!/bin/sh
# Container entrypoint: migrate, then serve with several workers (or run another hub command).
set -eu

case "${1:-serve}" in
serve)
    hub db upgrade
    # Background jobs run in one dedicated process (see deploy/README.md), not in every worker.
    exec env HUB_SCHEDULER_ENABLED="${HUB_SCHEDULER_ENABLED:-false}" \
        hub serve --host 0.0.0.0 --port "${HUB_PORT:-8000}" --workers "${HUB_WORKERS:-4}" --no-migrate
    ;;
*)
    exec hub "$@"
    ;;
esac
