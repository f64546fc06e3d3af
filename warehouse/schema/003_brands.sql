-- The brands of brands.yaml, as of the last load: what share of voice compares a brand
-- with. Rewritten from the configuration on every load.

-- One row per brand or competitor; key: brand.
CREATE TABLE brands (
    brand       VARCHAR PRIMARY KEY,  -- the brand's name in brands.yaml
    role        VARCHAR NOT NULL,     -- brand (monitored) or competitor
    competitors VARCHAR[] NOT NULL,   -- the brands it is compared with
    updated_at  TIMESTAMPTZ NOT NULL  -- the load that recorded it
);
