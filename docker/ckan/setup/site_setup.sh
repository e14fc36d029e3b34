#!/bin/bash
# ckanext-provincial's part of the web container's start, run after the base
# image's prerun.py (which waited for PostgreSQL, ran `ckan db init` and set the
# DataStore permissions) and before uWSGI. Each step is idempotent: it runs on
# every start, so an upgraded image migrates its own database.
set -euo pipefail

CKAN_INI=${CKAN_INI:-/srv/app/ckan.ini}
say() { printf '[provincial] %s\n' "$*"; }
ckan_cli() { ckan -c "$CKAN_INI" "$@"; }
has_plugin() { case " ${CKAN__PLUGINS:-} " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# prerun.py gives up on a service without stopping the start; check again.
python3 /srv/app/provincial/wait_for.py database solr redis
if has_plugin datastore; then
    python3 /srv/app/provincial/wait_for.py datastore
fi

# prerun.py's `db init` (= `db upgrade`) ignores its own failures: run it
# again so a failed migration stops the start. Core and enabled plugins with
# pending migrations, then ours by name (its first migration is not "pending"
# to `db upgrade` while the plugin has no revision yet).
say "database migrations"
ckan_cli db upgrade
for plugin in activity tracking; do
    if has_plugin "$plugin"; then
        ckan_cli db upgrade -p "$plugin"
    fi
done
migrations=$(python3 -c 'import os, ckanext.provincial as m; print(os.path.join(os.path.dirname(m.__file__), "migration", "provincial"))')
if [ -d "$migrations" ]; then
    ckan_cli db upgrade -p provincial
fi

# The PMQA tags and development issues that schemas/ defines. (The help text
# is captured first: grep -q closing the pipe early would fail under pipefail.)
provincial_help=$(ckan_cli provincial --help 2>/dev/null || true)
if grep -qw vocabulary <<<"$provincial_help"; then
    say "vocabulary sync"
    ckan_cli provincial vocabulary sync
fi

say "site set-up done"
