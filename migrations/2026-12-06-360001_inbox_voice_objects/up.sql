-- Voice captures keep their recording's storage key in inbox_items.details (ADR 0028):
-- the reference checks of stored objects (deleting unreferenced objects, the storage
-- sweep) look keys up by it.
CREATE INDEX inbox_items_voice_object_idx
    ON inbox_items (user_id, ((details->'voice'->>'objectKey')))
    WHERE details ? 'voice';
