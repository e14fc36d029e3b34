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
    # Babel uses the first pattern a file matches, so the vendored libraries are
    # ignored before "**.js". CKAN's Jinja extractor is named by its import path:
    # the short name "ckan" is an entry point, which Babel looks up through
    # pkg_resources, gone from recent setuptools.
    message_extractors={
        "ckanext/provincial": [
            ("assets/vendor/**", "ignore", None),
            ("assets/node_modules/**", "ignore", None),
            ("**.py", "python", None),
            ("**.js", "javascript", None),
            ("**/templates/**.html", "ckan.lib.extract:extract_ckan", None),
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
