-- kaiwa 0002: conversations and who takes part in them.
CREATE TABLE conversations (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    title       text,
    topic       text,
    created_by  uuid        REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
--> statement-breakpoint
CREATE INDEX conversations_created_by_idx ON conversations (created_by);
--> statement-breakpoint
CREATE TABLE conversation_participants (
    conversation_id  uuid        NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id          uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    joined_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (conversation_id, user_id)
);
--> statement-breakpoint
CREATE INDEX conversation_participants_user_id_idx ON conversation_participants (user_id);
