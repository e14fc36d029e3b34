"""Write the extension's options from test.ini into a site's ckan.ini.

Usage: derive_ini.py SOURCE_INI TARGET_INI [key=value ...]

Every key of SOURCE's [app:main] is copied except the per-site ones, then the
given key=value pairs are applied. Uses CKAN's own config-tool editing, so the
target keeps its comments and generated secrets.
"""
from __future__ import annotations

import configparser
import sys

from ckan.lib.config_tool import config_edit_using_option_strings

PER_SITE = {
    "use", "sqlalchemy.url", "solr_url", "ckan.redis.url", "ckan.site_url",
    "ckan.site_id", "secret_key", "ckan.storage_path", "testing", "debug",
    "ckan.datastore.write_url", "ckan.datastore.read_url",
}


def main(source: str, target: str, overrides: list[str]) -> None:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # keep key case (SECRET_KEY)
    parser.read(source, encoding="utf-8")
    # config-tool takes one line per option: fold continuation lines.
    options = [
        f"{key} = {' '.join(value.split())}"
        for key, value in parser.items("app:main", raw=True)
        if key.lower() not in PER_SITE and key not in parser.defaults()
    ]
    options += [item.replace("=", " = ", 1) for item in overrides]
    config_edit_using_option_strings(target, options, "app:main", edit=False)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
