-- spp-gateway schema, version 4: a read model on each registrant row, so that resolving an identifier costs one
-- probe of the live-identifier index and one registrant row, instead of four more index probes per registrant
-- (its identifiers twice, its memberships, the linked registrant and that one's first identifier).
-- Measured on 1,000,000 individuals, 100 random identifiers per statement, 8 connections on 2 cores:
-- 1,112-1,192 statements/s with the read model against 480-500 computing the same columns on every read.
--
-- registrant.id_systems / id_values: the registrant's live identifiers in registry order (position).
-- registrant.links: every membership of the registrant (none: NULL), a JSON array of
--   [system, value, name, role_system, role_code, role_display, inactive, start_date, end_date]
--   An Individual's entries name its groups (the group's first live identifier and name; inactive false), ordered
--   by group id then position; a Group's entries name its members (the member's first live identifier and name;
--   inactive = the member is archived), ordered by position. Membership dates are kept, not applied: whether a
--   membership counts is a question of the request's day, answered by the reader (RegistrantRows).
--
-- The read model is derived data, kept right by triggers on every write to the tables it is derived from, by
-- any writer (the loader, a DBA's UPDATE, a restore). A writer that changes many rows in one transaction (the
-- loader) may defer the work to its end: it sets spp.read_model to 'deferred' for the transaction, creates the
-- temporary table spp_read_model_pending, and calls registrant_read_model_refresh_pending() before it commits.
-- registrant_read_model_rebuild() recomputes every row (after a restore with triggers disabled, for instance).

ALTER TABLE registrant
    ADD COLUMN id_systems text[] NOT NULL DEFAULT '{}',
    ADD COLUMN id_values  text[] NOT NULL DEFAULT '{}',
    ADD COLUMN links      json;

-- A registrant's first live identifier (registry order), or two NULLs: what a link shows of the other side.
CREATE FUNCTION registrant_first_identifier(registrant bigint, OUT system text, OUT value text) LANGUAGE sql STABLE
AS $fn$
    SELECT (array_agg(y.system ORDER BY y.position) FILTER (WHERE y.status = 'valid'))[1],
           (array_agg(y.value ORDER BY y.position) FILTER (WHERE y.status = 'valid'))[1]
      FROM registrant_identifier y WHERE y.registrant_id = registrant
$fn$;

-- Recomputes the read model of the given registrants; rows whose read model is already right are not written.
-- Written to be planned well without statistics (a load refreshes inside the transaction that wrote the rows,
-- before any ANALYZE): the ids are joined (unnest), never tested with = ANY, which is linear in the array's length;
-- identifiers are found by registrant only, the live ones picked by FILTER, so that no plan can scan the whole
-- partial index of live identifiers for each registrant (measured without statistics: quadratic, 106 s for 20,000
-- individuals); each value is computed once (MATERIALIZED), not again in the comparison.
CREATE FUNCTION registrant_read_model_refresh(ids bigint[]) RETURNS void LANGUAGE sql AS $fn$
    WITH computed AS MATERIALIZED (
        SELECT t.id, coalesce(own.systems, '{}') AS id_systems, coalesce(own.vals, '{}') AS id_values,
               CASE WHEN t.kind = 'Individual' THEN
                 (SELECT json_agg(json_build_array(gi.system, gi.value, g.name, m.role_system, m.role_code,
                                                   m.role_display, false, m.start_date, m.end_date)
                                  ORDER BY m.group_id, m.position)
                    FROM group_membership m
                    JOIN registrant g ON g.id = m.group_id
                    CROSS JOIN LATERAL registrant_first_identifier(g.id) gi
                   WHERE m.individual_id = t.id)
               ELSE
                 (SELECT json_agg(json_build_array(ii.system, ii.value, ind.name, m.role_system, m.role_code,
                                                   m.role_display, NOT ind.active, m.start_date, m.end_date)
                                  ORDER BY m.position)
                    FROM group_membership m
                    JOIN registrant ind ON ind.id = m.individual_id
                    CROSS JOIN LATERAL registrant_first_identifier(ind.id) ii
                   WHERE m.group_id = t.id)
               END AS links
          FROM (SELECT DISTINCT u.id FROM unnest(ids) AS u(id)) u
          JOIN registrant t ON t.id = u.id
          CROSS JOIN LATERAL (SELECT array_agg(x.system ORDER BY x.position) FILTER (WHERE x.status = 'valid'),
                                     array_agg(x.value ORDER BY x.position) FILTER (WHERE x.status = 'valid')
                                FROM registrant_identifier x WHERE x.registrant_id = t.id) AS own(systems, vals)
    )
    UPDATE registrant r
       SET id_systems = c.id_systems, id_values = c.id_values, links = c.links
      FROM computed c
     WHERE r.id = c.id
       AND (r.id_systems IS DISTINCT FROM c.id_systems OR r.id_values IS DISTINCT FROM c.id_values
            OR r.links::text IS DISTINCT FROM c.links::text)
$fn$;

-- The given registrants and every registrant whose links show them: their groups and their members.
CREATE FUNCTION registrant_read_model_linked(ids bigint[]) RETURNS bigint[] LANGUAGE sql STABLE AS $fn$
    SELECT coalesce(array_agg(DISTINCT x), '{}') FROM (
        SELECT u.id AS x FROM unnest(ids) AS u(id)
        UNION ALL SELECT m.group_id FROM unnest(ids) AS u(id) JOIN group_membership m ON m.individual_id = u.id
        UNION ALL SELECT m.individual_id FROM unnest(ids) AS u(id) JOIN group_membership m ON m.group_id = u.id
    ) s WHERE x IS NOT NULL
$fn$;

-- Refreshes the given registrants now, or, in a transaction that deferred the read model, notes them for
-- registrant_read_model_refresh_pending().
CREATE FUNCTION registrant_read_model_touch(ids bigint[]) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    IF coalesce(cardinality(ids), 0) = 0 THEN
        RETURN;
    END IF;
    IF current_setting('spp.read_model', true) = 'deferred' THEN
        INSERT INTO pg_temp.spp_read_model_pending (id) SELECT unnest(ids);
    ELSE
        PERFORM registrant_read_model_refresh(ids);
    END IF;
END
$fn$;

-- The deferred refresh: every registrant noted in this transaction, once.
CREATE FUNCTION registrant_read_model_refresh_pending() RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM registrant_read_model_refresh(ARRAY(SELECT DISTINCT id FROM pg_temp.spp_read_model_pending));
    TRUNCATE pg_temp.spp_read_model_pending;
END
$fn$;

CREATE FUNCTION registrant_read_model_rebuild() RETURNS void LANGUAGE sql AS $fn$
    SELECT registrant_read_model_refresh(ARRAY(SELECT id FROM registrant))
$fn$;

-- Identifiers: the holder's own arrays, and the links of its groups and members (they show its first identifier).
CREATE FUNCTION registrant_identifier_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM registrant_read_model_touch(registrant_read_model_linked(
            ARRAY(SELECT DISTINCT registrant_id FROM new_rows)));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM registrant_read_model_touch(registrant_read_model_linked(
            ARRAY(SELECT registrant_id FROM new_rows UNION SELECT registrant_id FROM old_rows)));
    ELSE
        PERFORM registrant_read_model_touch(registrant_read_model_linked(
            ARRAY(SELECT DISTINCT registrant_id FROM old_rows)));
    END IF;
    RETURN NULL;
END
$fn$;

-- Memberships: the links of both ends.
CREATE FUNCTION group_membership_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM registrant_read_model_touch(ARRAY(SELECT group_id FROM new_rows
                                                  UNION SELECT individual_id FROM new_rows));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM registrant_read_model_touch(ARRAY(SELECT group_id FROM new_rows
                                                  UNION SELECT individual_id FROM new_rows
                                                  UNION SELECT group_id FROM old_rows
                                                  UNION SELECT individual_id FROM old_rows));
    ELSE
        PERFORM registrant_read_model_touch(ARRAY(SELECT group_id FROM old_rows
                                                  UNION SELECT individual_id FROM old_rows));
    END IF;
    RETURN NULL;
END
$fn$;

-- A registrant's name or archived flag: the links of its groups and members show them. Row-level with a column
-- list, so the read model's own UPDATE (which sets neither column) never fires it.
CREATE FUNCTION registrant_shown_fields_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM registrant_read_model_touch(array_remove(registrant_read_model_linked(ARRAY[NEW.id]), NEW.id));
    RETURN NULL;
END
$fn$;

-- TRUNCATE of a source table: everything is recomputed (or noted, when deferred).
CREATE FUNCTION registrant_read_model_truncated() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM registrant_read_model_touch(ARRAY(SELECT id FROM registrant));
    RETURN NULL;
END
$fn$;

CREATE TRIGGER registrant_identifier_inserted AFTER INSERT ON registrant_identifier
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION registrant_identifier_changed();
CREATE TRIGGER registrant_identifier_updated AFTER UPDATE ON registrant_identifier
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION registrant_identifier_changed();
CREATE TRIGGER registrant_identifier_deleted AFTER DELETE ON registrant_identifier
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION registrant_identifier_changed();
CREATE TRIGGER registrant_identifier_truncated AFTER TRUNCATE ON registrant_identifier
    FOR EACH STATEMENT EXECUTE FUNCTION registrant_read_model_truncated();

CREATE TRIGGER group_membership_inserted AFTER INSERT ON group_membership
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION group_membership_changed();
CREATE TRIGGER group_membership_updated AFTER UPDATE ON group_membership
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION group_membership_changed();
CREATE TRIGGER group_membership_deleted AFTER DELETE ON group_membership
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION group_membership_changed();
CREATE TRIGGER group_membership_truncated AFTER TRUNCATE ON group_membership
    FOR EACH STATEMENT EXECUTE FUNCTION registrant_read_model_truncated();

CREATE TRIGGER registrant_shown_fields_updated AFTER UPDATE OF name, active ON registrant
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.active IS DISTINCT FROM NEW.active)
    EXECUTE FUNCTION registrant_shown_fields_changed();

-- Registrants already in the registry.
SELECT registrant_read_model_rebuild();
