-- Registry of publishable event names.
CREATE TABLE event_types (
  name         text PRIMARY KEY,
  description  text,
  schema       jsonb,
  archived_at  timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- One webhook endpoint of one organization.
CREATE TABLE webhook_configs (
  org_id                      text NOT NULL,
  config_id                   text NOT NULL,
  url                         text NOT NULL,
  event_names                 text[] NOT NULL,
  enabled                     boolean NOT NULL DEFAULT true,
  description                 text,
  headers                     jsonb NOT NULL DEFAULT '{}'::jsonb,
  timeout_ms                  integer NOT NULL DEFAULT 15000,
  secret                      text NOT NULL,
  previous_secret             text,
  previous_secret_expires_at  timestamptz,
  disabled_reason             text,
  disabled_at                 timestamptz,
  created_at                  timestamptz NOT NULL DEFAULT now(),
  updated_at                  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, config_id)
);
CREATE INDEX webhook_configs_event_names_idx ON webhook_configs USING gin (event_names);

-- Published events; the payload lives here and never in workflow input.
CREATE TABLE events (
  event_id    uuid PRIMARY KEY,
  org_id      text NOT NULL,
  event_name  text NOT NULL,
  data        jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_org_created_idx ON events (org_id, created_at DESC);

-- Publish answers remembered per (org, idempotency key) for 24 hours.
CREATE TABLE idempotency_keys (
  org_id           text NOT NULL,
  idempotency_key  text NOT NULL,
  event_id         uuid NOT NULL,
  response         jsonb NOT NULL,
  expires_at       timestamptz NOT NULL,
  PRIMARY KEY (org_id, idempotency_key)
);

-- One (event, config) pair: delivered by one workflow, delivery-{delivery_id}.
CREATE TABLE deliveries (
  delivery_id          uuid PRIMARY KEY,
  event_id             uuid NOT NULL REFERENCES events (event_id) ON DELETE CASCADE,
  org_id               text NOT NULL,
  config_id            text NOT NULL,
  event_name           text NOT NULL,
  status               text NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'retrying', 'delivered', 'dead_lettered', 'expired')),
  workflow_id          text NOT NULL,
  workflow_started_at  timestamptz,
  attempt_count        integer NOT NULL DEFAULT 0,
  last_status_code     integer,
  last_error           text,
  next_attempt_at      timestamptz,
  delivered_at         timestamptz,
  retried_from         uuid,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX deliveries_org_created_idx ON deliveries (org_id, created_at DESC, delivery_id DESC);
CREATE INDEX deliveries_event_idx ON deliveries (event_id);
CREATE INDEX deliveries_unstarted_idx ON deliveries (created_at) WHERE workflow_started_at IS NULL;

-- Every HTTP attempt of a delivery.
CREATE TABLE delivery_attempts (
  delivery_id    uuid NOT NULL REFERENCES deliveries (delivery_id) ON DELETE CASCADE,
  attempt        integer NOT NULL,
  started_at     timestamptz NOT NULL,
  duration_ms    integer NOT NULL,
  status_code    integer,
  error_class    text,
  error          text,
  response_body  text,
  PRIMARY KEY (delivery_id, attempt)
);

-- Deliveries whose retry window was spent (or that failed for good), kept for DEAD_LETTER_RETENTION.
CREATE TABLE dead_letters (
  delivery_id       uuid PRIMARY KEY REFERENCES deliveries (delivery_id) ON DELETE CASCADE,
  event_id          uuid NOT NULL,
  org_id            text NOT NULL,
  config_id         text NOT NULL,
  event_name        text NOT NULL,
  reason            text NOT NULL,
  last_status_code  integer,
  last_error        text,
  attempt_count     integer NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  expires_at        timestamptz NOT NULL,
  retried_at        timestamptz
);
CREATE INDEX dead_letters_org_created_idx ON dead_letters (org_id, created_at DESC);
