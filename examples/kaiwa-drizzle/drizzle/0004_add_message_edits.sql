-- kaiwa 0004: messages can be edited and deleted (soft).
ALTER TABLE messages ADD COLUMN edited_at timestamptz;
--> statement-breakpoint
ALTER TABLE messages ADD COLUMN deleted_at timestamptz;
--> statement-breakpoint
CREATE INDEX messages_live_idx ON messages (conversation_id, created_at) WHERE deleted_at IS NULL;
