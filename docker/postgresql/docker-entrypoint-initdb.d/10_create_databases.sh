#!/bin/bash
# Run once by the postgres image's entrypoint, as the superuser, when the data
# volume is empty:
#   - the CKAN role (CKAN_DB_USER), owner of the CKAN database (CKAN_DB) and of
#     the DataStore database (DATASTORE_DB), which it writes;
#   - the DataStore's read-only role (DATASTORE_READONLY_USER), the one
#     datastore_search_sql runs as: no access to the CKAN database at all.
# The DataStore's grants inside its database come from CKAN itself (`ckan
# datastore set-permissions`), which the CKAN container applies on each start.
set -euo pipefail

for variable in CKAN_DB_USER CKAN_DB_PASSWORD CKAN_DB DATASTORE_DB DATASTORE_READONLY_USER DATASTORE_READONLY_PASSWORD; do
    if [ -z "${!variable:-}" ]; then
        echo "10_create_databases.sh: $variable is not set (docker/.env)" >&2
        exit 1
    fi
done

# psql variables (:"name" quotes an identifier, :'name' a literal) keep
# passwords and names out of the SQL text.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "${POSTGRES_DB:-postgres}" \
    -v ckan_user="$CKAN_DB_USER" -v ckan_password="$CKAN_DB_PASSWORD" -v ckan_db="$CKAN_DB" \
    -v datastore_db="$DATASTORE_DB" \
    -v ro_user="$DATASTORE_READONLY_USER" -v ro_password="$DATASTORE_READONLY_PASSWORD" <<'SQL'
CREATE ROLE :"ckan_user" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'ckan_password';
CREATE ROLE :"ro_user" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'ro_password';

CREATE DATABASE :"ckan_db" OWNER :"ckan_user" ENCODING 'UTF8' TEMPLATE template0;
CREATE DATABASE :"datastore_db" OWNER :"ckan_user" ENCODING 'UTF8' TEMPLATE template0;

-- Only named roles reach the CKAN database; the read-only role is not one.
REVOKE CONNECT ON DATABASE :"ckan_db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"ckan_db" TO :"ckan_user";
SQL

echo "10_create_databases.sh: created $CKAN_DB and $DATASTORE_DB (owner $CKAN_DB_USER), read-only role $DATASTORE_READONLY_USER"
