ALTER TABLE messages VALIDATE CONSTRAINT messages_user_fk;
