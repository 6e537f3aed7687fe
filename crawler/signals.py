"""Rasd's own Scrapy signals."""

# Sent by the read-also stage with item=…, links=[{url, title, snippet}] (url as the page
# wrote it); the spider follows the links that belong to its site.
read_also_found = object()
