-- API keys: only the SHA-256 of a key is kept, with a short visible prefix to tell keys apart.
CREATE TABLE api_keys (
  key_id        uuid PRIMARY KEY,
  prefix        text NOT NULL,
  key_hash      bytea NOT NULL UNIQUE,
  scopes        text[] NOT NULL CHECK (cardinality(scopes) > 0),
  description   text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
CREATE INDEX api_keys_created_idx ON api_keys (created_at DESC, key_id DESC);

-- Receiver credentials (basic, bearer, apiKey or oauth2), as one AES-256-GCM ciphertext of their JSON.
-- Signing secrets in `secret` and `previous_secret` are encrypted the same way from now on; rows written
-- before stay readable until `npm run rotate-encryption-key` encrypts them.
ALTER TABLE webhook_configs ADD COLUMN auth text;
