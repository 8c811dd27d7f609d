-- corral's database roles: the owner runs migrations, the app role only what the app does.
-- Run once as a superuser, then point DATABASE_URL at corral_app (and run migrations as corral_owner:
-- DATABASE_URL=postgres://corral_owner@…/corral npm run migration:run).
--
-- The journal and the audit trail are append-only twice over: triggers refuse UPDATE, DELETE and
-- TRUNCATE (migrations 1764000000000 and 1764400000000), and corral_app is never granted them, so
-- removing the triggers would need the owner's credentials as well.

CREATE ROLE corral_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE corral_app LOGIN PASSWORD :'app_password';
ALTER DATABASE corral OWNER TO corral_owner;
\connect corral
ALTER SCHEMA public OWNER TO corral_owner;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO corral_app;

-- Everything the migrations create belongs to corral_owner; corral_app gets row access, table by table.
ALTER DEFAULT PRIVILEGES FOR ROLE corral_owner IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO corral_app;
ALTER DEFAULT PRIVILEGES FOR ROLE corral_owner IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO corral_app;

-- After the migrations have run (as corral_owner), take the rewrite rights on the trails back with
-- deploy/postgres-trail-grants.sql (docker compose does both: deploy/postgres-init.sh runs this file
-- on an empty volume, the trail-grants service that one after every migrate).
