"""Crawling one site from many processes and machines: a shared frontier in Redis
(scrapy-redis's scheduler and queue, made reliable), one run record per site slot, and
politeness that holds for all workers together. Single-machine mode never imports this."""
