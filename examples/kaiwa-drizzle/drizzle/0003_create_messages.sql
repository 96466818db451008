-- kaiwa 0003: messages. The first release stored the audio clip's length
-- as text ("12", sometimes "12s" or "" from older clients): 0023 fixes it.
CREATE TABLE messages (
    id               uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    conversation_id  uuid        NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    sender_id        uuid        REFERENCES users (id) ON DELETE SET NULL,
    role             text        NOT NULL DEFAULT 'user',
    content          text        NOT NULL DEFAULT '',
    audio_url        text,
    duration         text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT messages_role_valid CHECK (role IN ('user', 'assistant', 'system'))
);
--> statement-breakpoint
CREATE INDEX messages_conversation_created_idx ON messages (conversation_id, created_at);
--> statement-breakpoint
CREATE INDEX messages_sender_id_idx ON messages (sender_id);
