-- brand_mentions: what each post says about each brand it names, with the sentiment
-- every view counts: an analyst's correction when there is one (for that brand, else
-- for the whole post), else the model's score of the sentences naming the brand.
-- Copies of one post count once (view mention_copies). A post in a thread about the
-- brand that does not name it (thread context) is a row too, with match = 'context'.
-- A post someone marked "not about this brand" (view brand_exclusions) is left out.
-- Grain: one row per distinct post and brand it names.
-- Columns:
--   mention_id: the post (its earliest copy)
--   brand: the brand named
--   terms: the query terms found in the post (for match = 'context': in the thread's
--     title or opening post)
--   match: text (the post names the brand) or context (the post does not, its thread's
--     title or opening post does)
--   source_id: the source in sources.yaml
--   source_kind: blog, forum, news or review
--   url: the page holding the post
--   thread_url: first page of the thread (or the article)
--   thread_title: the thread's (or article's) title
--   author: the post's author, as the site shows it
--   author_url: the author's profile page
--   published_at: when the post was published
--   day: the day it was published (UTC)
--   language: fr, en or unknown
--   text: the post's clean text
--   topics: the post's topics
--   sentiment: what the post says about the brand (corrected when an analyst did)
--   sentiment_score: in [-1, 1]; a correction counts -1, 0 or +1
--   model_sentiment: the model's label for the brand, before any correction
--   model_sentiment_score: the model's score for the brand, before any correction
--   post_sentiment: the model's label for the whole post
--   corrected: true when an analyst's correction applies
--   model_name: the sentiment model
--   model_version: its version
--   duplicate_group: shared by the copies of this post
--   copies: how many mentions this row stands for
CREATE OR REPLACE VIEW brand_mentions AS
SELECT
    b.mention_id,
    b.brand,
    b.terms,
    b.match,
    m.source_id,
    m.source_kind,
    m.url,
    m.thread_url,
    m.thread_title,
    m.author,
    m.author_url,
    m.published_at,
    m.day,
    m.language,
    m.text,
    m.topics,
    coalesce(for_brand.sentiment, for_post.sentiment, b.sentiment, m.model_sentiment)
        AS sentiment,
    coalesce(
        for_brand.sentiment_score,
        for_post.sentiment_score,
        b.sentiment_score,
        m.model_sentiment_score
    ) AS sentiment_score,
    coalesce(b.sentiment, m.model_sentiment) AS model_sentiment,
    coalesce(b.sentiment_score, m.model_sentiment_score) AS model_sentiment_score,
    m.model_sentiment AS post_sentiment,
    coalesce(for_brand.sentiment, for_post.sentiment) IS NOT NULL AS corrected,
    m.model_name,
    m.model_version,
    m.duplicate_group,
    m.copies
FROM mention_brands AS b
JOIN mentions_clean AS m USING (mention_id)
LEFT JOIN latest_corrections AS for_brand
    ON for_brand.duplicate_group = m.duplicate_group AND for_brand.brand = b.brand
LEFT JOIN latest_corrections AS for_post
    ON for_post.duplicate_group = m.duplicate_group AND for_post.brand IS NULL
-- a post someone marked "not about this brand" no longer counts for it
ANTI JOIN brand_exclusions AS x ON x.duplicate_group = m.duplicate_group AND x.brand = b.brand;
