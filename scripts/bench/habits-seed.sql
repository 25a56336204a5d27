-- scripts/bench-habits: set-based seed of habits and five years of daily completions.
-- Variables: :tenant (the measured user), :others (other users with the same load),
-- :habits (habits per user), :days (days of history), :rate (share of days done).
\set ON_ERROR_STOP on
BEGIN;
CREATE TEMP TABLE bench_users AS
    SELECT :'tenant'::uuid AS user_id
    UNION ALL
    SELECT gen_random_uuid() FROM generate_series(1, :others);
INSERT INTO tenants (user_id) SELECT user_id FROM bench_users;
INSERT INTO user_profiles (user_id, timezone)
    SELECT user_id, 'Pacific/Auckland' FROM bench_users;
INSERT INTO habits (user_id, id, name, habit_type, target_value, created_at, updated_at)
    SELECT u.user_id, gen_random_uuid(), 'Habit ' || h,
           CASE WHEN h % 2 = 0 THEN 'count' ELSE 'boolean' END,
           CASE WHEN h % 2 = 0 THEN 8 END,
           now() - make_interval(days => :days), now()
    FROM bench_users u, generate_series(1, :habits) h;
INSERT INTO habit_completions (user_id, id, habit_id, completed_date, value_completed)
    SELECT h.user_id, gen_random_uuid(), h.id, current_date - d,
           CASE WHEN h.habit_type = 'count' THEN 1 + (random() * 10)::int END
    FROM habits h, generate_series(0, :days - 1) d
    WHERE random() < :rate;
COMMIT;
VACUUM (ANALYZE) habits, habit_completions, user_profiles;
CHECKPOINT;
