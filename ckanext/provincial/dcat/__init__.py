"""DCAT for the national and international catalogues: the ``provincial`` RDF profile.

- ``terms``: URIs and code mappings (pure, no CKAN).
- ``profiles``: the ckanext-dcat profile class, registered as the entry point
  ``provincial`` of ``ckan.rdf.profiles``.
"""
