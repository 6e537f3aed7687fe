"""Getting pages: discovery (feeds, sitemaps), incremental re-fetch decisions, rendering,
robots.txt policy and decoding."""
