-- Reverses 2026-11-27-000150_onboarding_uploads_rate_limits.
DROP TABLE rate_limit_counters;
DROP TABLE onboarding_uploads;
