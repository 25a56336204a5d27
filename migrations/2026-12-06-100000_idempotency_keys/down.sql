-- Reverses 2026-12-06-100000_idempotency_keys.
DROP FUNCTION sweep_idempotency_keys();
DROP TABLE idempotency_keys;
