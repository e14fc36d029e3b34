"""Redis cache of the gap summary of all provinces (``provincial_gap_summary``).

The summary reads every dataset with a province and every requirement: seconds
of work on a national catalogue, for a result that changes only when the data
does. It is kept in Redis under a key made of everything it depends on, so a
change gives a new key and a cached result is never stale:

* the datasets, as the search index holds them: how many (active, private
  included) and the highest Solr ``_version_`` (Solr gives every document
  written a new, higher one: a create, update, privacy change or reindex
  raises it, a delete lowers the count);
* the requirement plans: how many, their latest and summed change times;
* the day in Thailand (freshness is judged on it) and the provinces asked for.

Writes only ever raise versions and change times, and deletes only remove: the
same count and highest version (or change time) later means the very same
documents (or rows), so an entry is only read again for the data it was made from.

The summary is the same for every user (statuses count private datasets for
everyone; it lists no dataset) and every language (names come in Thai and
English, and are added after the cache: they come from files the operator
may edit). ``ckanext.provincial.gap.cache_seconds`` bounds how long an entry
lives; 0 turns the cache off.
"""
from __future__ import annotations

import hashlib
import json
import logging
from typing import Any, Callable, Optional

import ckan.plugins.toolkit as toolkit
from ckan.lib.redis import connect_to_redis
from redis.exceptions import RedisError

from ckanext.provincial import gap, model, settings

log = logging.getLogger(__name__)

# Raise when the cached value's shape changes, so entries of an older release are never read.
FORMAT = 1


def cache_seconds() -> int:
    return settings.gap_cache_seconds()


def key_prefix() -> str:
    return "ckan:{}:provincial:gap-summary:".format(toolkit.config.get("ckan.site_id"))


def index_state(context: dict[str, Any]) -> list:
    """How many datasets with a province the index holds, and the highest ``_version_`` among them."""
    found = toolkit.get_action("package_search")(dict(context), {
        "q": "*:*", "fq": f"+{gap.INDEX_PROVINCE_FIELD}:[* TO *]", "fl": ["id", "_version_"], "rows": 1,
        "sort": "_version_ desc", "include_private": True, "facet": "false",
    })
    results = found["results"]
    return [found["count"], str(results[0].get("_version_")) if results else None]


def key(context: dict[str, Any], name: str, arguments: Any, today: str) -> str:
    parts = [FORMAT, name, arguments, today, index_state(context), model.plan_state()]
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode("utf-8")).hexdigest()
    return key_prefix() + digest


def cached(context: dict[str, Any], name: str, arguments: Any, today: str,
           compute: Callable[[], dict[str, Any]]) -> tuple[dict[str, Any], bool]:
    """``compute()``'s result, from the cache when it holds one for the current data; and whether it did."""
    seconds = cache_seconds()
    if not seconds:
        return compute(), False
    entry = key(context, name, arguments, today)
    connection = _connection()
    if connection is not None:
        try:
            stored: Optional[bytes] = connection.get(entry)
            if stored:
                return json.loads(stored), True
        except (RedisError, ValueError) as error:
            log.warning("Gap summary cache unavailable: %s", error)
            connection = None
    value = compute()
    if connection is not None:
        try:
            connection.set(entry, json.dumps(value, ensure_ascii=False, separators=(",", ":")), ex=seconds)
        except RedisError as error:
            log.warning("Gap summary cache unavailable: %s", error)
    return value, False


def _connection():
    try:
        return connect_to_redis()
    except (RedisError, ValueError) as error:
        log.warning("Gap summary cache unavailable: %s", error)
        return None
