"""Item pipeline stages, one module each, in data-flow order.

``STAGES`` is the single definition of the order: Scrapy's ITEM_PIPELINES is built from it,
and ``rasd parse`` runs its offline part so that it prints exactly what a crawl stores.
"""

OFFLINE_STAGES = (
    "pipelines.parse.ParsePipeline",
    "pipelines.normalise.NormalisePipeline",
    "pipelines.dates.DatesPipeline",
    "pipelines.readalso.ReadAlsoPipeline",
)
STAGES = (*OFFLINE_STAGES, "pipelines.dedup.DedupPipeline", "pipelines.store.StorePipeline")
