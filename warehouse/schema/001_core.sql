-- The core tables. Views are rebuilt from warehouse/views/ after every migration.

-- One row per mention (a post that matched at least one brand, or any post of an owned
-- community: sources.yaml `owned: true`); key: mention_id.
CREATE TABLE mentions (
    mention_id      VARCHAR PRIMARY KEY,  -- hash of source, canonical URL and post identity
    source_id       VARCHAR NOT NULL,     -- id of the source in sources.yaml
    source_kind     VARCHAR NOT NULL,     -- blog, forum, news or review
    url             VARCHAR NOT NULL,     -- canonical URL of the page holding the post
    thread_url      VARCHAR,              -- first page of the thread (or the article)
    thread_title    VARCHAR,              -- the thread's (or the article's) title
    title           VARCHAR,              -- the post's own title, when it has one
    post_id         VARCHAR,              -- the engine's id for the post, when it shows one
    position        INTEGER NOT NULL,     -- 0 = the article itself; 1.. = comments, forum posts
    author          VARCHAR,              -- the post's author, as the site shows it
    author_url      VARCHAR,              -- the author's profile page, when linked
    published_at    TIMESTAMPTZ NOT NULL, -- when the post was published
    crawled_at      TIMESTAMPTZ NOT NULL, -- when Veille fetched it (last time)
    language        VARCHAR NOT NULL,     -- fr, en or unknown
    text            VARCHAR NOT NULL,     -- clean text, no markup, no quoted replies
    sentiment       VARCHAR NOT NULL,     -- negative, neutral or positive
    sentiment_score DOUBLE NOT NULL,      -- P(positive) - P(negative), in [-1, 1]
    prob_negative   DOUBLE NOT NULL,      -- P(negative), calibrated
    prob_neutral    DOUBLE NOT NULL,      -- P(neutral)
    prob_positive   DOUBLE NOT NULL,      -- P(positive)
    model_name      VARCHAR NOT NULL,     -- the sentiment model that scored the post
    model_version   VARCHAR NOT NULL,     -- its version (hash of its weights)
    topics          VARCHAR[] NOT NULL,   -- the post's topics
    content_hash    VARCHAR NOT NULL,     -- changes when the post or its scores change
    loaded_at       TIMESTAMPTZ NOT NULL, -- first load
    updated_at      TIMESTAMPTZ NOT NULL  -- last load that changed the row
);

-- One row per mention and brand it matched; key: (mention_id, brand).
CREATE TABLE mention_brands (
    mention_id VARCHAR NOT NULL,         -- the post (table mentions)
    brand      VARCHAR NOT NULL,         -- a brand of brands.yaml it names
    terms      VARCHAR[] NOT NULL,        -- the query terms found in the post
    PRIMARY KEY (mention_id, brand)
);

-- One row per record refused by the data-quality checks, with the reasons.
CREATE TABLE quarantine (
    quarantine_id VARCHAR PRIMARY KEY,    -- hash of the record and the reasons
    mention_id    VARCHAR,              -- the record's id, when it had one
    source_file   VARCHAR NOT NULL,     -- the batch file it came in
    reasons       VARCHAR[] NOT NULL,   -- the checks it failed, as column: check
    record        JSON NOT NULL,        -- the whole record, as it came
    quarantined_at TIMESTAMPTZ NOT NULL -- when
);

-- One row per alert raised; key: alert_id (brand and the day the reputation moved).
CREATE TABLE alerts (
    alert_id          VARCHAR PRIMARY KEY, -- hash of the brand, the day and (hourly alerts) the hour
    brand             VARCHAR NOT NULL,   -- the brand
    day               DATE NOT NULL,      -- the day the reputation moved (UTC)
    metrics           VARCHAR[] NOT NULL, -- net_sentiment and/or negative_volume
    mentions          INTEGER NOT NULL,   -- the brand's mentions that day
    negative          INTEGER NOT NULL,   -- of which negative
    net_sentiment     DOUBLE,             -- that day
    baseline_net      DOUBLE,             -- over the baseline window
    net_z             DOUBLE,             -- z of the net-sentiment test, when it fired
    baseline_negative DOUBLE,             -- usual negative mentions per day (median)
    volume_z          DOUBLE,             -- robust z of the negative volume, when it fired
    summary           VARCHAR NOT NULL,   -- one line, the email's subject
    detected_at       TIMESTAMPTZ NOT NULL, -- when Veille raised it
    recipients        VARCHAR[] NOT NULL, -- the addresses it goes to
    email_path        VARCHAR,            -- the saved .eml
    sent_at           TIMESTAMPTZ         -- null until the email went out
);
