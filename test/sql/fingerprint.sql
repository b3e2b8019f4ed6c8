-- Describes every object of the extension in the current database, one line each, so two
-- databases can be compared (fresh install against upgrade). Sets :fingerprint and :objects.
SELECT md5(string_agg(line, E'\n' ORDER BY line)) AS fingerprint, count(*) AS objects FROM (
  SELECT 'member ' || pg_describe_object(d.classid, d.objid, d.objsubid)
         || coalesce(' comment=' || obj_description(d.objid, c.relname), '') AS line
    FROM pg_depend d JOIN pg_class c ON c.oid = d.classid
   WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
     AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'customer_access')
  UNION ALL
  SELECT 'function ' || p.oid::regprocedure || ' ' || pg_get_functiondef(p.oid) || ' acl=' || coalesce(p.proacl::text, '')
    FROM pg_proc p WHERE p.pronamespace = 'customer_access'::regnamespace AND p.prokind IN ('f', 'p')
  UNION ALL
  SELECT 'aggregate ' || p.oid::regprocedure FROM pg_proc p
   WHERE p.prokind = 'a' AND p.proargtypes[0] = 'customer_access.access_role'::regtype
  UNION ALL
  SELECT 'operator ' || o.oid::regoperator || ' ' || o.oprcode || ' ' || o.oprcom::regoperator || ' '
         || o.oprnegate::regoperator || ' ' || o.oprrest || ' ' || o.oprjoin || ' ' || o.oprcanmerge || o.oprcanhash
    FROM pg_operator o WHERE o.oprleft = 'customer_access.access_role'::regtype
  UNION ALL
  SELECT 'column ' || c.oid::regclass || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
         || ' notnull=' || a.attnotnull || ' default=' || coalesce(pg_get_expr(ad.adbin, ad.adrelid), '')
         || ' identity=' || a.attidentity::text || coalesce(' comment=' || col_description(c.oid, a.attnum), '')
    FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
   WHERE c.relnamespace = 'customer_access'::regnamespace
  UNION ALL
  SELECT 'relation ' || c.oid::regclass || ' kind=' || c.relkind::text || ' rls=' || c.relrowsecurity || c.relforcerowsecurity
         || ' acl=' || coalesce(c.relacl::text, '') || coalesce(' comment=' || obj_description(c.oid, 'pg_class'), '')
         || coalesce(' view=' || pg_get_viewdef(c.oid), '')
    FROM pg_class c WHERE c.relnamespace = 'customer_access'::regnamespace
  UNION ALL
  SELECT 'index ' || pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
   WHERE c.relnamespace = 'customer_access'::regnamespace
  UNION ALL
  SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
    FROM pg_constraint WHERE connamespace = 'customer_access'::regnamespace
  UNION ALL
  SELECT 'trigger ' || pg_get_triggerdef(t.oid) || ' enabled=' || t.tgenabled::text
         || coalesce(' comment=' || obj_description(t.oid, 'pg_trigger'), '')
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = 'customer_access'::regnamespace
  UNION ALL
  SELECT 'policy ' || p.tablename || ' ' || p.policyname || ' ' || p.permissive || ' ' || p.roles::text || ' ' || p.cmd
         || ' ' || coalesce(p.qual, '') || ' ' || coalesce(p.with_check, '')
    FROM pg_policies p WHERE p.schemaname = 'customer_access'
  UNION ALL
  SELECT 'cast ' || castsource::regtype || ' -> ' || casttarget::regtype || ' ' || castfunc::regprocedure || ' '
         || castcontext::text || castmethod::text
    FROM pg_cast WHERE castsource = 'customer_access.access_role'::regtype OR casttarget = 'customer_access.access_role'::regtype
  UNION ALL
  SELECT 'event trigger ' || evtname || ' ' || evtevent || ' enabled=' || evtenabled::text || ' ' || evtfoid::regprocedure
         || ' tags=' || coalesce(evttags::text, '') || coalesce(' comment=' || obj_description(oid, 'pg_event_trigger'), '')
    FROM pg_event_trigger WHERE evtfoid::regprocedure::text LIKE 'customer_access.%'
  UNION ALL
  SELECT 'schema acl=' || coalesce(nspacl::text, '') FROM pg_namespace WHERE nspname = 'customer_access'
  UNION ALL
  SELECT 'extension ' || extversion || ' config=' || extconfig::regclass[]::text || ' ' || coalesce(extcondition::text, '')
    FROM pg_extension WHERE extname = 'customer_access'
) lines \gset
