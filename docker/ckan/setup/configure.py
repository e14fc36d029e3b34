"""Write this container's CKAN settings from its environment into ckan.ini.

Runs first in the web and in the worker containers (start_web.sh,
start_worker.sh), so that every process of the image — uWSGI, ``ckan db
upgrade``, ``ckan provincial worker`` — reads the same settings from the file.

Variable names follow ckanext-envvars, the convention of the official CKAN
images::

    CKAN__SITE_ID                      ckan.site_id
    CKANEXT__PROVINCIAL__PROVINCE_CODE ckanext.provincial.province_code
    CKAN___SCHEMING__DATASET_SCHEMAS   scheming.dataset_schemas
    CKAN___SECRET_KEY                  SECRET_KEY  (Flask keys keep their case)

Writing the file instead of relying on the envvars plugin matters: plugins such
as ckanext-scheming read their options in ``update_config``, before envvars
(the last plugin) would apply them. CKAN's own variables (CKAN_SQLALCHEMY_URL,
CKAN_SOLR_URL, CKAN_SITE_URL...) are read by CKAN itself and are left alone.

Usage: configure.py [--check]   (--check validates without writing)
"""
from __future__ import annotations

import os
import sys
from collections.abc import Mapping

RAW_PREFIX = "CKAN___"
DOTTED_PREFIXES = ("CKAN__", "CKANEXT__")
SECRET_PLACEHOLDERS = {"", "CHANGE_ME", "change-me", "changeme"}


def option_name(variable: str) -> str | None:
    """The CKAN option an environment variable sets, or None if it sets none."""
    if variable.startswith(RAW_PREFIX):
        rest = variable[len(RAW_PREFIX):]
        if not rest:
            return None
        if "__" not in rest and rest.isupper():
            return rest
        return rest.lower().replace("__", ".")
    if variable.startswith(DOTTED_PREFIXES):
        return variable.lower().replace("__", ".")
    return None


def options_from_environ(environ: Mapping[str, str]) -> dict[str, str]:
    """All CKAN options named by the environment, sorted by option name."""
    options = {}
    for variable, value in environ.items():
        name = option_name(variable)
        if name is not None:
            options[name] = value
    return dict(sorted(options.items()))


def ini_value(value: str) -> str:
    """A value as written in ckan.ini, which CKAN reads with interpolation."""
    if "\n" in value or "\r" in value:
        raise ValueError("a CKAN option cannot span several lines")
    return value.strip().replace("%", "%%")


def problems(options: Mapping[str, str], environ: Mapping[str, str]) -> list[str]:
    """What stops this container from running the portal, in words for the operator."""
    found = []
    secret = options.get("SECRET_KEY", "")
    if secret.strip() in SECRET_PLACEHOLDERS:
        found.append(
            "CKAN___SECRET_KEY is not set: put a long random value in docker/.env "
            "(the same one for every CKAN container; sessions and API tokens depend on it)"
        )
    if "provincial" not in options.get("ckan.plugins", "").split():
        found.append("CKAN__PLUGINS does not name the plugin 'provincial'")
    if not environ.get("CKAN_SITE_URL", "").startswith(("http://", "https://")):
        found.append("CKAN_SITE_URL must be the portal's public address, e.g. https://data.example.go.th")
    for name, value in options.items():
        try:
            ini_value(value)
        except ValueError as error:
            found.append(f"{name}: {error}")
    return found


def main(argv: list[str]) -> int:
    environ = dict(os.environ)
    options = options_from_environ(environ)
    found = problems(options, environ)
    if found:
        for problem in found:
            print(f"[provincial] configuration error: {problem}", file=sys.stderr)
        return 2
    if "--check" in argv:
        return 0

    from ckan.lib.config_tool import config_edit_using_option_strings

    ckan_ini = environ.get("CKAN_INI", "/srv/app/ckan.ini")
    config_edit_using_option_strings(
        ckan_ini, [f"{name} = {ini_value(value)}" for name, value in options.items()], "app:main"
    )
    shown = ", ".join(name for name in options if name != "SECRET_KEY")
    print(f"[provincial] {ckan_ini}: {len(options)} options from the environment ({shown})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
