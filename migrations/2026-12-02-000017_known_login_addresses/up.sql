-- Login throttling asks whether a user has logged in from an address before (such addresses
-- skip the slow-down of a username guessed from many places): revoked sessions count too, so
-- the partial index of live sessions does not serve it.
CREATE INDEX auth_sessions_user_ip_idx ON auth_sessions (user_id, ip, created_at);
