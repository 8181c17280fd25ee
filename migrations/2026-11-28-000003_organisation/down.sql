DROP TABLE login_failures;
ALTER TABLE users
    DROP COLUMN job_profile_id, DROP COLUMN boss_id, DROP COLUMN dealer_id, DROP COLUMN province_id,
    DROP COLUMN mobile, DROP COLUMN birth_date, DROP COLUMN joining_date, DROP COLUMN leaving_date;
DROP TABLE job_profiles;
DROP TABLE dealers;
DROP TABLE provinces;
