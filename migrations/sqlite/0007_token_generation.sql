-- Access tokens carry the user's token generation; logout, a password change and deactivation
-- bump it, so every access token issued before ends at once instead of at its expiry.
ALTER TABLE users ADD COLUMN token_generation INTEGER NOT NULL DEFAULT 0;
