-- kaiwa: a language-practice chat app. 0001: the people who chat.
CREATE TABLE users (
    id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    handle        text        NOT NULL UNIQUE,
    display_name  text        NOT NULL,
    native_lang   text        NOT NULL DEFAULT 'en',
    target_lang   text        NOT NULL DEFAULT 'ja',
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_handle_format CHECK (handle ~ '^[a-z0-9_]{3,32}$')
);
