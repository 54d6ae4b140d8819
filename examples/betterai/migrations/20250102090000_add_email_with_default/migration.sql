-- Safe column change, step 1 (brief: "Add new column with default").
-- A constant default is metadata-only since PostgreSQL 11: no table rewrite.
ALTER TABLE users ADD COLUMN email VARCHAR(255) DEFAULT '';
