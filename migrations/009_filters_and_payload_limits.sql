-- A config's event pattern (EventBridge dialect), evaluated at publish.
ALTER TABLE webhook_configs ADD COLUMN filter jsonb;

-- Configs an event was not delivered to because their filter did not match it: [{configId, reason}].
ALTER TABLE events ADD COLUMN filtered_configs jsonb NOT NULL DEFAULT '[]'::jsonb;

-- Largest `data` of one event of this type, in bytes of its JSON; null means MAX_PAYLOAD_BYTES.
ALTER TABLE event_types ADD COLUMN max_payload_bytes integer CHECK (max_payload_bytes > 0);
