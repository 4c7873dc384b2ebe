"""Link: join ads into the networks (operators) behind them, with typed, explainable evidence.

Stages of one run (`safeharbor.link.run.update_networks`):
features (per ad, incremental) -> text and image evidence -> giant-component control -> clusters ->
stable network ids. Read results with `safeharbor.link.queries`; export with `safeharbor.link.export`.
"""
