"""Message catalogs of the ``ckanext-provincial`` gettext domain (installed as package data)."""
