"""Packaging for ckanext-provincial.

The top-level ``schemas/`` and ``i18n/`` folders are data, kept beside the code
for operators to edit; ``package_dir`` maps them into the package so they
install as ``ckanext.provincial.schemas`` and ``ckanext.provincial.i18n`` in
both normal and editable installs.
"""
from setuptools import find_namespace_packages, setup

packages = find_namespace_packages(include=["ckanext.provincial", "ckanext.provincial.*"])

setup(
    packages=packages + ["ckanext.provincial.schemas", "ckanext.provincial.i18n"],
    package_dir={
        "": ".",
        "ckanext.provincial.schemas": "schemas",
        "ckanext.provincial.i18n": "i18n",
    },
    include_package_data=True,
    message_extractors={
        "ckanext/provincial": [
            ("**.py", "python", None),
            ("**.js", "javascript", None),
            ("assets/vendor/**", "ignore", None),
            ("assets/node_modules/**", "ignore", None),
            ("**/templates/**.html", "ckan", None),
        ],
    },
    package_data={
        "ckanext.provincial": [
            "config_declaration.yml",
            "templates/**/*",
            "assets/**/*",
            "public/**/*",
            "migration/**/*",
            "*.json",
            "*.yaml",
        ],
        "ckanext.provincial.schemas": ["*.yaml", "*.yml", "*.json", "**/*.yaml"],
        "ckanext.provincial.i18n": ["*.pot", "**/*.po", "**/*.mo"],
    },
)
