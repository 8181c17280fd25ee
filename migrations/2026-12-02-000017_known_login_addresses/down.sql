DROP INDEX auth_sessions_user_ip_idx;
