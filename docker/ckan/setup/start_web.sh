#!/bin/bash
# The web container: settings from the environment into ckan.ini, then the
# official image's start_ckan.sh, which runs prerun.py (waits for PostgreSQL,
# `ckan db init`, plugins, DataStore permissions, Solr check, sysadmin), then
# /docker-entrypoint.d/* (our 10_provincial.sh: migrations, vocabularies),
# then uWSGI on port 5000.
set -euo pipefail

python3 /srv/app/provincial/configure.py
cd /srv/app
exec /srv/app/start_ckan.sh
