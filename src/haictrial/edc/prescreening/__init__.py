"""Pre-screening in the web app: coordinators and investigators run the protocol's compiled criteria over a
whole population of their site (an uploaded flat extract or the configured OMOP CDM warehouse) as a
background job and work through the resulting list: eligible patients first, then those whose only
obstacles are unknowns, each with what to obtain (docs/contracts/prescreen.md, docs/prescreen-worklist.md)."""
