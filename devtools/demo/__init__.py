"""The demo network's parts beyond the relais, one module per app (called by
`seed_demo`). Only the development toolbox holds demo data: no product app
imports it."""
