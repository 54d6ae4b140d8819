-- Zero-downtime step 1 (expand): a nullable column is backward compatible;
-- the running app ignores it until the next release writes to it.
ALTER TABLE users ADD COLUMN new_email VARCHAR(255);
