-- How a brand's screens, report and emails speak (brands.yaml locale and timezone).
ALTER TABLE brands ADD COLUMN locale VARCHAR;    -- fr or en: the language of its screens, report and emails
ALTER TABLE brands ADD COLUMN timezone VARCHAR;  -- the IANA zone its days and times are shown in
