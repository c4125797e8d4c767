-- Inbound webhooks: a SaaS provider's requests to POST /inbound/{source_id}, verified with the source's
-- secret, become events of the org. Secrets are encrypted like the configs' (src/core/secret-box.ts);
-- a rotated-out secret keeps verifying until previous_secret_expires_at.
CREATE TABLE inbound_sources (
  source_id                  text PRIMARY KEY,
  provider                   text NOT NULL CHECK (provider IN ('github', 'stripe', 'twilio', 'standard')),
  org_id                     text NOT NULL,
  event_name_prefix          text NOT NULL,
  public_url                 text,
  secret                     text NOT NULL,
  previous_secret            text,
  previous_secret_expires_at timestamptz,
  created_at                 timestamptz NOT NULL DEFAULT now(),
  updated_at                 timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inbound_sources_org_idx ON inbound_sources (org_id);
