"""The stages a page goes through, one module each, in data-flow order.

The order is defined here once. ``OFFLINE_STAGES`` turn a fetched page into an article
(:class:`pipelines.offline.OfflineStages`): the spider's callback runs them on every page it
fetches, ``rasd parse`` on a saved one, so both see the same article. ``ARTICLE_STAGES``
are what happens to an article once it exists: Scrapy's ITEM_PIPELINES are built from them.
"""

OFFLINE_STAGES = (
    "pipelines.parse.ParsePipeline",
    "pipelines.normalise.NormalisePipeline",
    "pipelines.dates.DatesPipeline",
    "pipelines.readalso.ReadAlsoPipeline",
)
ARTICLE_STAGES = ("pipelines.dedup.DedupPipeline", "pipelines.store.StorePipeline")
STAGES = (*OFFLINE_STAGES, *ARTICLE_STAGES)
