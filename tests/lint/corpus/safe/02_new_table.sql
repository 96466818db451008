-- everything on a table this very file creates: nothing to block
CREATE TABLE chat_rooms (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL UNIQUE,
    owner_id bigint NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (length(name) <= 100)
);

CREATE INDEX chat_rooms_owner_idx ON chat_rooms (owner_id);

ALTER TABLE chat_rooms ADD COLUMN topic text DEFAULT 'general';
