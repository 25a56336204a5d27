DROP TRIGGER insights_follow_update ON tasks;
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['contacts', 'notes', 'interactions', 'client_consents',
                             'contact_identities', 'task_contacts'] LOOP
        EXECUTE format('DROP TRIGGER insights_follow_insert ON %I', t);
        EXECUTE format('DROP TRIGGER insights_follow_update ON %I', t);
        EXECUTE format('DROP TRIGGER insights_follow_delete ON %I', t);
    END LOOP;
END
$$;
DROP FUNCTION insights_touch_contacts();
DROP FUNCTION insights_touch_updated();
DROP FUNCTION insights_touch_inserted_or_deleted();
DROP FUNCTION insights_duplicates_naming(uuid, uuid[]);
DROP FUNCTION insights_queue_refresh_pairs(uuid[], uuid[]);
DROP FUNCTION insights_queue_refresh(uuid, uuid[]);
