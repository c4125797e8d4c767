-- Each recorded attempt carries the token of the attempt that made it (the token that keys its lease):
-- an answer written twice, because the reply to the first write was lost with the connection, is kept once.
ALTER TABLE delivery_attempts ADD COLUMN attempt_token uuid;
CREATE UNIQUE INDEX delivery_attempts_token_idx ON delivery_attempts (attempt_token);
