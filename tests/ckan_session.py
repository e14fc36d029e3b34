"""The plugins and the web app, made once per test session instead of once per test.

CKAN's own fixtures load every plugin for each test that asks for ``with_plugins`` and
unload them after it (about 2 s), and the ``app`` fixture builds a new Flask app, which
loads every plugin again (about 3 s). Every test here runs with the same ``ckan.plugins``
(test.ini's), so the plugins stay loaded for the session, and an app is built once per
distinct configuration: a test whose ``ckan_config`` mark or fixture changes an option
gets an app built under its own configuration, as before.

``tests/fixtures/portal.py`` overrides ``with_plugins`` and ``make_app`` with these; a
module-scoped fixture that builds a world calls :func:`ensure_plugins` and :func:`test_app`.
"""
from __future__ import annotations

import sqlalchemy
from sqlalchemy.pool import NullPool

import ckan.plugins as plugins
from ckan import model
from ckan.common import config
from ckan.config.middleware import make_app
from ckan.lib import app_globals
from ckan.lib.app_globals import _CONFIG_CACHE
from ckan.tests.helpers import CKANTestApp

# WSGI apps by configuration; each test still gets its own CKANTestApp (a fresh client, no cookies).
_apps: dict[str, object] = {}
_last_config: str | None = None


def _config_key() -> str:
    return repr(sorted((key, repr(value)) for key, value in config.items()))


def _globals_follow_config() -> None:
    """``app_globals`` copies some options (site title, intro text…) when reset: reset it when
    the configuration differs from the one it was last reset under (a ``ckan_config`` mark)."""
    global _last_config
    key = _config_key()
    if key != _last_config:
        app_globals.reset()
        _last_config = key


def ensure_plugins() -> None:
    """Load ``ckan.plugins`` unless they are loaded (CKAN's test runner unloads them once at start)."""
    wanted = set(config.get("ckan.plugins") or [])
    if not wanted or not all(plugins.plugin_loaded(name) for name in wanted):
        plugins.load_all()
    _globals_follow_config()


def test_app() -> CKANTestApp:
    """The app for the current configuration, built on first use."""
    global _last_config
    config["testing"] = True
    _CONFIG_CACHE.clear()
    key = _config_key()
    if key not in _apps:
        _apps[key] = make_app(config)  # loads the plugins and resets app_globals itself
        _last_config = _config_key()
    else:
        ensure_plugins()
    return CKANTestApp(_apps[key])


test_app.__test__ = False  # a factory, not a test


_engines: dict[str, sqlalchemy.engine.Engine] = {}


def pooled_database() -> None:
    """Bind CKAN's model to a pooled engine again after a migration.

    CKAN's migration environment (``ckan/migration/env.py``, run by ``init_db`` and so by
    ``reset_db`` and ``non_clean_db``) binds the model to its own ``NullPool`` engine, and the
    binding stays: every query after a commit then opens a new PostgreSQL connection (about
    15 ms; a vocabulary sync opened 57). A web process never migrates, so only tests and
    scripts that migrate in-process meet this.
    """
    bind = model.meta.engine
    if bind is None or isinstance(bind.pool, NullPool):
        url = str(config["sqlalchemy.url"])
        if url not in _engines:
            _engines[url] = sqlalchemy.engine_from_config(config, pool_pre_ping=True)
        model.Session.remove()
        model.init_model(_engines[url])


# Plugins of test.ini whose tables need their own migration beyond CKAN's core ones.
PORTAL_MIGRATIONS = ("activity", "tracking", "provincial")


def migrate_portal() -> None:
    """The migrations a portal built from test.ini needs (``ckan db upgrade -p NAME``),
    then the model on a pooled engine again."""
    from ckan.cli.db import _run_migrations

    ensure_plugins()  # CKAN finds a plugin's migrations through the loaded plugin
    for plugin in PORTAL_MIGRATIONS:
        _run_migrations(plugin)
    pooled_database()


def call_action(action_name: str, context: dict | None = None, **kwargs):
    """CKAN's ``ckan.tests.helpers.call_action`` acting, unless told otherwise, as the site user.

    CKAN's helper acts as a user named "127.0.0.1" that does not exist. With the ``activity``
    plugin on, every change records who made it and an unknown user is refused ("User not
    found"), so a test acts as the site user, as CKAN's commands do.
    """
    from ckan.tests import helpers

    if context is None:
        context = {}
    if "user" not in context:
        context["user"] = helpers.call_action("get_site_user", {"ignore_auth": True})["name"]
    return helpers.call_action(action_name, context, **kwargs)
