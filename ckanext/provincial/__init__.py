"""ckanext-provincial: a Thai province's integrated administration database on CKAN."""

__version__ = "0.1.0"
