/**
 * Migration 2: `<img>` elements with a non-empty alt that yielded no pair, counted per page and
 * reason (no_usable_url, data_uri_only, unsupported_type, unsupported_scheme, invalid_url from
 * extraction; url_too_long, empty_alt when stored), so that an image lost on the way is seen in
 * the crawl summary and `stats`. A refetched page replaces its rows; a 304 keeps them.
 */
export const HARDENING_SCHEMA = `
CREATE TABLE imgs_not_paired (
  page_id         INTEGER NOT NULL REFERENCES pages(id),
  reason          TEXT NOT NULL,
  n               INTEGER NOT NULL,
  PRIMARY KEY (page_id, reason)
) WITHOUT ROWID;
`;
