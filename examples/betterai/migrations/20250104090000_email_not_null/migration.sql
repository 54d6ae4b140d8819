-- Safe column change, step 3 (brief: "Add constraint after data population").
ALTER TABLE users ALTER COLUMN email SET NOT NULL;
