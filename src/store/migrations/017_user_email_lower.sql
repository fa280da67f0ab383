-- An e-mail address is looked up as lower(email) = lower(?) on SQLite and
-- PostgreSQL alike (store/accounts.c, store/imports.c): this index serves
-- that comparison, as the NOCASE unique index served the old one.  Runs
-- again harmlessly (IF NOT EXISTS).
CREATE INDEX IF NOT EXISTS user_email_lower ON user(lower(email));
