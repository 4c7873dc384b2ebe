"""The analyst workspace: sign-in, lead queue, search, ad and network pages, cases, referrals, audit.

`routes.py` assembles the side (`router`, `static_dir`, `setup(app)`, `path_prefixes()`); one module
per resource holds its routes (leads_routes.py, case_routes.py, api_routes.py, ...). This package file
imports nothing, so `safeharbor.web.deps` may import the guard without a cycle.
"""
