#!/bin/bash
# The background worker container: the same image and settings as the web
# container, running `ckan provincial worker` (DataStore loads and content
# checks): CKAN's job worker whose work horses do not load CKAN again for each
# job, with rq's scheduler for the retries of failed jobs
# (ckanext/provincial/background.py). Jobs read uploads from the file store,
# which the web container mounts too; they make no HTTP request to the portal.
# Compose starts it once the web container is healthy, so the database is
# migrated; it still waits for PostgreSQL and Redis on its own after a restart.
#
#   start_worker.sh [QUEUE ...]   queues to serve (default: CKAN's default queue)
set -euo pipefail

python3 /srv/app/provincial/configure.py
python3 /srv/app/provincial/wait_for.py database redis
# The nightly usage statistics summary (nightly.py), beside the job worker.
python3 /srv/app/provincial/nightly.py &
exec ckan -c "${CKAN_INI:-/srv/app/ckan.ini}" provincial worker "$@"
