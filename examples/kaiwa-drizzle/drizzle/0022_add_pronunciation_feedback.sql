-- kaiwa 0022 (0006-0021 were applied on a database since retired and their
-- files dropped: version gaps are fine). The first cut of pronunciation
-- feedback put the analysis straight on messages; 0023 moves it out.
ALTER TABLE messages ADD COLUMN pronunciation_score numeric(5,2);
--> statement-breakpoint
ALTER TABLE messages ADD COLUMN transcription text;
--> statement-breakpoint
ALTER TABLE messages ADD COLUMN analysis jsonb;
