-- Run as corral_owner after the migrations (docker compose: the `trail-grants` service): the default
-- privileges of deploy/postgres-app-role.sql gave corral_app UPDATE and DELETE on every table; take
-- the rewrite rights on the trails back. corral_app still INSERTs and SELECTs there; api_key keeps
-- UPDATE (revocation). Idempotent: run it again after every upgrade.
REVOKE UPDATE, DELETE, TRUNCATE ON journal, audit FROM corral_app;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON chain_legacy FROM corral_app;
