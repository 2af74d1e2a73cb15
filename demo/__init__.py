"""The demo: seed data, the objects behind it in the simulated clusters, and `make run`'s launcher.

Tooling, not product: the product distribution holds `devcenter`, `projects` and `workloads`.
"""
