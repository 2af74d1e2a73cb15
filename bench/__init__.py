"""`make bench`: figures for the Workloads page and the refresh (tooling, not product)."""
