-- Privacy (docs/privacy.md): posts past their retention keep their counts and scores
-- but lose their text, title, author and URL; erasure and access requests are logged,
-- with keyed hashes where a name or a URL would be, never the erased data.
ALTER TABLE mentions ADD COLUMN expired_at TIMESTAMPTZ;  -- when retention removed its text, author and URL; null: kept whole

-- One row per key of the pseudonym chain (veille/core/pseudonyms.py), so that a lost or
-- swapped key file is noticed before it splits authors in two; key: fingerprint.
CREATE TABLE pseudonym_keys (
    fingerprint VARCHAR PRIMARY KEY,  -- a hash of the key, which tells nothing of it
    position    INTEGER NOT NULL,     -- its place in the chain, 1 = the first
    added_at    TIMESTAMPTZ NOT NULL  -- when the warehouse first used it
);

-- One row per privacy request or task run: erasure (forget), access (show), retention
-- (apply), key rotation (rotate-key); key: request_id. An erasure's author_key and
-- url_key also keep the erased person's posts out of later loads.
CREATE TABLE privacy_requests (
    request_id  VARCHAR PRIMARY KEY,  -- random
    kind        VARCHAR NOT NULL,     -- forget, show, apply or rotate-key
    asked_by    VARCHAR,              -- who asked (--asked-by), or the system user
    asked_at    TIMESTAMPTZ NOT NULL, -- when it ran
    source_id   VARCHAR,              -- the source it was limited to, if any
    author_key  VARCHAR,              -- keyed hash of the author's name, never the name
    url_key     VARCHAR,              -- keyed hash of the post's URL, never the URL
    removed     JSON NOT NULL         -- what was removed or found, as counts per place
);
