"""Where articles, runs and site state are kept: the Store, its failover spool, queries,
edit history and the near-duplicate signatures the store indexes."""
