"""`rasd serve`: the read-only web app over the store — search, articles, dashboard, feeds,
exports, JSON API and metrics. Every store read goes through ``reads``."""
