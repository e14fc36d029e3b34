"""Scheming schemas, presets and the operator-editable data files (PMQA, development issues).

Installed as ``ckanext.provincial.schemas`` so CKAN config can name files as
``ckanext.provincial.schemas:dataset.yaml``.
"""
import os

DIRECTORY = os.path.dirname(os.path.abspath(__file__))


def path(*parts: str) -> str:
    return os.path.join(DIRECTORY, *parts)
