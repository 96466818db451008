-- kaiwa 0005: emoji reactions on messages.
CREATE TABLE message_reactions (
    message_id  uuid        NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    emoji       text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (message_id, user_id, emoji)
);
--> statement-breakpoint
CREATE INDEX message_reactions_user_id_idx ON message_reactions (user_id);
