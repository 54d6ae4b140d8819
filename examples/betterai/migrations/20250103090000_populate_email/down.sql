UPDATE users SET email = '' WHERE email IS NOT NULL;
