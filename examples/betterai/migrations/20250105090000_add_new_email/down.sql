ALTER TABLE users DROP COLUMN new_email;
