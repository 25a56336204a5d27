WITH mine AS (
    SELECT r.oid, r.rolname, r.rolsuper, r.rolbypassrls FROM pg_roles r
    WHERE pg_has_role(current_user, r.oid, 'MEMBER')
), owned AS (
    SELECT d.datdba AS owner, 'database ' || quote_ident(d.datname) AS object
    FROM pg_database d WHERE d.datname = current_database()
    UNION ALL
    SELECT n.nspowner, 'schema ' || quote_ident(n.nspname) FROM pg_namespace n
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
      AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
    UNION ALL
    SELECT c.relowner, 'table ' || c.oid::regclass::text FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
      AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
    UNION ALL
    SELECT p.proowner, 'function ' || p.oid::regprocedure::text FROM pg_proc p
    JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\_temp\_%'
)
SELECT current_user::text AS role,
    (SELECT rolname::text FROM mine WHERE rolsuper ORDER BY rolname LIMIT 1) AS superuser,
    (SELECT rolname::text FROM mine WHERE rolbypassrls ORDER BY rolname LIMIT 1) AS bypassrls,
    o.rolname::text AS owner, o.object AS owned
FROM (SELECT 1) AS one
LEFT JOIN LATERAL (
    SELECT m.rolname, owned.object FROM owned JOIN mine m ON m.oid = owned.owner
    ORDER BY owned.object LIMIT 1
) AS o ON true
