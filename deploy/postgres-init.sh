#!/bin/sh
# docker compose: the postgres image runs this once, on an empty data volume
# (/docker-entrypoint-initdb.d), as its superuser. It creates corral's two roles with
# deploy/postgres-app-role.sql: corral_owner owns the schema and runs the migrations (the
# `migrate` service), corral_app is what corral connects as. Passwords come from the environment.
set -eu
: "${CORRAL_OWNER_PASSWORD:?set CORRAL_OWNER_PASSWORD}" "${CORRAL_APP_PASSWORD:?set CORRAL_APP_PASSWORD}"
psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-corral}" \
  -v owner_password="$CORRAL_OWNER_PASSWORD" -v app_password="$CORRAL_APP_PASSWORD" \
  -f "${CORRAL_ROLE_SQL:-/etc/corral/postgres-app-role.sql}"
