-- Public halves of the keys that sign certificates. The private halves live in files beside
-- the configuration (signing.key_dir), never in the database. Retired keys stay here so that
-- everything they signed can still be verified.
CREATE TABLE signing_key (
    key_id TEXT PRIMARY KEY,
    algorithm TEXT NOT NULL CHECK (algorithm IN ('Ed25519')),
    public_key TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    retired_at TIMESTAMPTZ
);
