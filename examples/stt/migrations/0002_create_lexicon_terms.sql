-- pgboot:up
-- stt 0002: custom vocabulary per API key and language (product names,
-- jargon), with pronunciations the decoder is biased towards.
CREATE TABLE lexicon_terms (
    id              bigserial    PRIMARY KEY,
    api_key_id      bigint       NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    language        text         NOT NULL DEFAULT 'en',
    term            text         NOT NULL,
    -- [{"ipa": "ˈkuːbərˌnɛtɪs"}, {"sounds_like": "koo ber net ease"}]
    pronunciations  jsonb        NOT NULL DEFAULT '[]'::jsonb,
    boost           numeric(4,2) NOT NULL DEFAULT 1.00,
    created_at      timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT lexicon_terms_boost_range CHECK (boost BETWEEN 0 AND 20),
    CONSTRAINT lexicon_terms_pronunciations_array CHECK (jsonb_typeof(pronunciations) = 'array')
);
-- Composite: the decoder loads one key's terms for one language.
CREATE UNIQUE INDEX lexicon_terms_key_lang_term_key ON lexicon_terms (api_key_id, language, lower(term));

-- pgboot:down
DROP TABLE lexicon_terms;
