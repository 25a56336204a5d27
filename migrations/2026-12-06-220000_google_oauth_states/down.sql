-- Reverses 2026-12-06-220000_google_oauth_states.
DROP TABLE google_oauth_states;
