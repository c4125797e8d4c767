-- EventBridge-compatible publishing. An event type may be the target of one (bus, source, detail-type)
-- triple; `org_id_path` is the dotted path into `Detail` that names the organization.
ALTER TABLE event_types
  ADD COLUMN event_bus          text,
  ADD COLUMN event_source       text,
  ADD COLUMN event_detail_type  text,
  ADD COLUMN org_id_path        text NOT NULL DEFAULT 'orgId',
  ADD CONSTRAINT event_types_bus_triple_complete CHECK (
    (event_bus IS NULL AND event_source IS NULL AND event_detail_type IS NULL)
    OR (event_bus IS NOT NULL AND event_source IS NOT NULL AND event_detail_type IS NOT NULL)
  );
CREATE UNIQUE INDEX event_types_bus_triple_idx ON event_types (event_bus, event_source, event_detail_type)
  WHERE event_bus IS NOT NULL;

-- Keys of type `aws-sigv4` are an access key id and a secret access key. SigV4 verification needs the
-- secret itself, so it is kept encrypted (AES-256-GCM under ENCRYPTION_KEY) and such a key has no hash:
-- it can never be sent as a bearer key.
ALTER TABLE api_keys
  ADD COLUMN key_type       text NOT NULL DEFAULT 'bearer' CHECK (key_type IN ('bearer', 'aws-sigv4')),
  ADD COLUMN access_key_id  text UNIQUE,
  ADD COLUMN secret_sealed  text,
  ALTER COLUMN key_hash DROP NOT NULL,
  ADD CONSTRAINT api_keys_credentials_of_type CHECK (
    (key_type = 'bearer' AND key_hash IS NOT NULL AND access_key_id IS NULL AND secret_sealed IS NULL)
    OR (key_type = 'aws-sigv4' AND key_hash IS NULL AND access_key_id IS NOT NULL AND secret_sealed IS NOT NULL)
  );

-- Bus fields of an event put through PutEvents (source, detailType, bus, time, resources), delivered
-- beside `data`; null for events published through POST /events.
ALTER TABLE events ADD COLUMN envelope jsonb;
