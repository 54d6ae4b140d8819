-- Safe column change, step 2 (brief: "Populate data").
-- On a large table use batches instead (pgshift backfill).
UPDATE users SET email = coalesce(old_email, 'user@example.com') WHERE email = '';
