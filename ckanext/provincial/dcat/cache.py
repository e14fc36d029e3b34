"""Per-dataset cache of the DCAT catalogue pages (``/catalog.ttl``, ``/catalog.n3``).

Serializing a catalogue page costs about 11 ms per dataset (the profiles
building its triples, then rdflib writing Turtle), so a harvester pulled about
170 datasets/s. Here each dataset's statements, as rdflib writes them in
Turtle (or N3) from a graph of the dataset alone, are kept in Redis with the
prefixes they use, and a page is the catalogue's own triples written by rdflib
(catalogue, hydra paging), its ``dcat:dataset`` links, then the cached
statements, each preceded by the ``@prefix`` lines it needs that are not
declared yet: one valid document with the same graph as before
(``tests/test_dcat.py`` compares both with ``rdflib.compare.isomorphic``).
Blank node labels rdflib writes are unique (``N`` + a UUID), so the datasets'
blank nodes stay apart. RDF/XML and JSON-LD pages are written whole, as before
(nothing can be appended to them).

The page is found with one search that reads from Solr only each dataset's
``index_id``, ``_version_`` and organization name; the dataset dictionaries
are read (a second search, by ``index_id``) only for the datasets whose
fragment is missing. The key of a fragment is made of everything the triples
depend on, so a change gives a new key and a stale fragment is never read:

* the dataset as indexed: ``index_id`` and Solr's ``_version_``, which Solr
  raises on every write of the document (an edit, a change of privacy, a
  reindex after a group or schema change), so it says more than
  ``metadata_modified``;
* its publisher: the organization's id, title, e-mail, URL, type and
  identifier, read for all the page's organizations in two queries
  (ckanext-dcat keeps organizations in a process-wide dictionary that is never
  refreshed: a renamed organization kept its old name in the RDF until the
  web process restarted; it is emptied before fragments are made);
* the requirement plans (``model.plan_state``: a new, edited or removed
  requirement changes the titles written for ``requirement_codes``);
* the code list files the operator edits (PMQA, development issues, national
  categories: their modification times and sizes), which give the labels;
* the format (Turtle or N3), the profiles asked for, the configuration options read while serializing
  (``ckan.site_url``, ``ckan.locale_default``, every ``ckanext.*`` and
  ``scheming.*`` option...) and the versions of ckanext-dcat, rdflib, the
  extension and geothai (area names).

A dataset that is made private or deleted leaves the search results, so its
fragment is not read again; fragments expire after
``ckanext.provincial.dcat.cache_seconds`` (0 turns the cache off). When Redis
cannot be reached the page is written without the cache.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
from importlib import metadata
from typing import Any, Iterable, Optional

import rdflib
import sqlalchemy as sa
from rdflib import URIRef
from redis.exceptions import RedisError

import ckan.plugins.toolkit as toolkit
from ckan.lib.redis import connect_to_redis  # the toolkit has no Redis connection
from ckanext.dcat.processors import RDFSerializer
from ckanext.dcat.profiles import DCAT, RDFProfile
from ckanext.dcat.utils import DCAT_EXPOSE_SUBCATALOGS, url_to_rdflib_format

from ckanext.provincial import model, settings, vocabulary, vocabulary_store
from ckanext.provincial.dcat import profiles

log = logging.getLogger(__name__)

# Raise when a fragment's content or shape changes, so entries of an older release are never read.
FORMAT = 2
# Formats a page can be written in as a head followed by each dataset's statements.
APPENDABLE = ("ttl", "n3")
# Read from the index for each dataset of a page. No ``id``: the tracking plugin's
# after_dataset_search reads the views of every result with an id (two queries each).
PAGE_FIELDS = ["index_id", "_version_", "organization"]
FULL_FIELDS = ["index_id", "_version_", "validated_data_dict"]
# Configuration read while serializing, besides every option under these prefixes.
CONFIG_KEYS = ("ckan.site_url", "ckan.root_path", "ckan.locale_default", "ckan.locales_offered",
               "ckan.site_id", "licenses_group_url", "ckan.site_title", "ckan.site_description")
CONFIG_PREFIXES = ("ckanext.", "scheming.")
DISTRIBUTIONS = ("ckanext-dcat", "rdflib", "ckanext-provincial", "geothai")


def enabled(fmt: Optional[str]) -> bool:
    """Whether a page in ``fmt`` is written from cached fragments."""
    return (settings.dcat_cache_seconds() > 0 and (fmt or "xml") in APPENDABLE
            and not toolkit.asbool(toolkit.config.get(DCAT_EXPOSE_SUBCATALOGS, False)))


def key_prefix() -> str:
    return "ckan:{}:provincial:dcat:".format(toolkit.config.get("ckan.site_id"))


# ----------------------------------------------------------------- searches

def search_params(data_dict: dict[str, Any]) -> dict[str, Any]:
    """The search of a catalogue page, as ckanext-dcat's ``_search_ckan_datasets`` builds it.

    Same paging, filters and errors as upstream (``upstream.PATCHES``).
    """
    from dateutil.parser import parse as parse_date

    rows = int(toolkit.config.get("ckanext.dcat.datasets_per_page", 100))
    try:
        page = int(data_dict.get("page", 1) or 1)
    except (TypeError, ValueError):
        page = 0
    if page < 1:
        raise toolkit.ValidationError(toolkit._("Page param must be a positive integer starting in 1"))
    params = {"rows": rows, "start": rows * (page - 1), "sort": "metadata_modified desc",
              "q": data_dict.get("q", "*:*"), "fq": data_dict.get("fq"),
              "fq_list": ["-dataset_type:harvest", "-dataset_type:showcase"]}
    if data_dict.get("modified_since"):
        try:
            since = parse_date(data_dict["modified_since"]).isoformat() + "Z"
        except (ValueError, AttributeError, OverflowError):
            raise toolkit.ValidationError(toolkit._("Wrong modified date format. Use ISO-8601 format"))
        params["fq_list"].append(f"metadata_modified:[{since} TO NOW]")
    return params


def page_index(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """The page's ``count`` and, per dataset, its ``index_id``, ``_version_`` and ``organization``."""
    params = search_params(data_dict)
    params.update(fl=PAGE_FIELDS, facet="false")
    return toolkit.get_action("package_search")(dict(context), params)


def datasets_by_index_id(context: dict[str, Any], index_ids: list[str]) -> dict[str, tuple[str, dict]]:
    """``index_id`` → (``_version_``, dataset dictionary as indexed), in one search."""
    if not index_ids:
        return {}
    found = toolkit.get_action("package_search")(dict(context), {
        "q": "*:*", "fq": "index_id:({})".format(" OR ".join(f'"{i}"' for i in index_ids)),
        "fl": FULL_FIELDS, "rows": len(index_ids), "facet": "false",
    })
    return {doc["index_id"]: (str(doc["_version_"]), json.loads(doc["validated_data_dict"]))
            for doc in found["results"] if doc.get("validated_data_dict")}


# --------------------------------------------------------------------- keys

@functools.lru_cache(maxsize=1)
def _versions() -> list:
    found = []
    for name in DISTRIBUTIONS:
        try:
            found.append([name, metadata.version(name)])
        except metadata.PackageNotFoundError:
            found.append([name, None])
    return found


def page_state(profile_names: Iterable[str], rdf_format: str) -> str:
    """What every fragment of a page depends on besides its dataset and publisher (see the module)."""
    config = toolkit.config
    options = sorted((key, str(value)) for key, value in dict(config).items()
                     if key in CONFIG_KEYS or key.startswith(CONFIG_PREFIXES))
    files = []
    for path in (vocabulary_store.pmqa_path, vocabulary_store.issues_directory,
                 vocabulary_store.national_categories_path):
        try:
            files.append(vocabulary.stamp(path()))
        except (OSError, ValueError, TypeError):
            files.append(None)
    parts = [FORMAT, rdf_format, list(profile_names), options, files, model.plan_state(), _versions()]
    return hashlib.sha256(json.dumps(parts, default=str).encode("utf-8")).hexdigest()


_GROUP = sa.table("group", sa.column("id"), sa.column("name"), sa.column("title"), sa.column("state"),
                  sa.column("is_organization"))
_GROUP_EXTRA = sa.table("group_extra", sa.column("group_id"), sa.column("key"), sa.column("value"),
                        sa.column("state"))
# What euro_dcat_ap writes of a dataset's organization (its publisher).
PUBLISHER_FIELDS = ("email", "url", "dcat_type", "identifier")


def publishers(names: Iterable[str]) -> dict[str, list]:
    """Organization name → what its publisher triples are made of (id, title, extras), in two queries.

    Not ``organization_show`` (about 9 ms each; a demo page names 27 organizations).
    """
    wanted = sorted(set(filter(None, names)))
    if not wanted:
        return {}
    session = model.session()
    rows = session.execute(
        sa.select(_GROUP.c.id, _GROUP.c.name, _GROUP.c.title)
        .where(_GROUP.c.name.in_(wanted)).where(_GROUP.c.is_organization.is_(True))
        .where(_GROUP.c.state == "active")).all()
    extras: dict[str, dict[str, str]] = {}
    if rows:
        for group_id, key, value in session.execute(
                sa.select(_GROUP_EXTRA.c.group_id, _GROUP_EXTRA.c.key, _GROUP_EXTRA.c.value)
                .where(_GROUP_EXTRA.c.group_id.in_([row[0] for row in rows]))
                .where(_GROUP_EXTRA.c.key.in_(PUBLISHER_FIELDS))
                .where(_GROUP_EXTRA.c.state == "active")).all():
            extras.setdefault(group_id, {})[key] = value
    return {name: [group_id, title, sorted(extras.get(group_id, {}).items())] for group_id, name, title in rows}


def forget_publishers() -> None:
    """Empty ckanext-dcat's process-wide organization dictionary (publishers are read again)."""
    getattr(RDFProfile, "_org_cache", {}).clear()


def fragment_key(state: str, doc: dict[str, Any], publisher: Optional[list]) -> str:
    parts = [state, doc.get("index_id"), str(doc.get("_version_")), publisher]
    digest = hashlib.sha256(json.dumps(parts, default=str).encode("utf-8")).hexdigest()
    return key_prefix() + digest


# -------------------------------------------------------------- fragments

@functools.lru_cache(maxsize=32)
def _profile_classes(names: tuple[str, ...]) -> tuple:
    return tuple(RDFSerializer._load_profiles(None, list(names)))


class Serializer(RDFSerializer):
    """ckanext-dcat's serializer with the profile classes looked up once per process.

    Upstream reads every installed package's entry points for each serializer
    (tens of milliseconds, on each catalogue page and each dataset's RDF).
    """

    def _load_profiles(self, profile_names):
        return list(_profile_classes(tuple(profile_names)))


PREFIX = re.compile(r"@prefix ([A-Za-z0-9_.-]*): <([^>]*)> \.")


def split_prefixes(text: str) -> tuple[dict[str, str], str]:
    """A document rdflib wrote: its leading ``@prefix`` declarations, and the rest."""
    prefixes: dict[str, str] = {}
    position = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        found = PREFIX.fullmatch(stripped)
        if found:
            prefixes[found.group(1)] = found.group(2)
        elif stripped:
            break
        position += len(line)
    return prefixes, text[position:]


def fragment(serializer: RDFSerializer, dataset: dict[str, Any], rdf_format: str) -> list:
    """[dataset URI, its prefixes, its statements] with the serializer's profiles, in a graph of its own."""
    serializer.g = rdflib.ConjunctiveGraph()
    dataset_ref = serializer.graph_from_dataset(dataset)
    prefixes, body = split_prefixes(serializer.g.serialize(format=rdf_format))
    return [str(dataset_ref), prefixes, body]


def _connection():
    try:
        return connect_to_redis()
    except (RedisError, ValueError) as error:
        log.warning("DCAT cache unavailable: %s", error)
        return None


def serialize_page(context: dict[str, Any], data_dict: dict[str, Any], serializer: RDFSerializer,
                   profile_names: list[str], pagination_for) -> Optional[str]:
    """The catalogue page from cached fragments, or None when Redis cannot be used (write it whole).

    ``pagination_for(query)`` gives the hydra paging of the page's search.
    """
    connection = _connection()
    if connection is None:
        return None
    query = page_index(context, data_dict)
    docs = [doc for doc in query["results"] if isinstance(doc, dict) and doc.get("index_id")]
    organizations = publishers(doc.get("organization") for doc in docs)
    rdf_format = url_to_rdflib_format(data_dict.get("format"))
    state = page_state(profile_names, rdf_format)
    # A dataset whose organization the index names but the database does not know by that
    # name (renamed, not reindexed yet) is serialized afresh each time, never cached.
    keys = [None if doc.get("organization") and doc["organization"] not in organizations
            else fragment_key(state, doc, organizations.get(doc.get("organization"))) for doc in docs]
    try:
        stored = connection.mget([key for key in keys if key]) if any(keys) else []
    except RedisError as error:
        log.warning("DCAT cache unavailable: %s", error)
        return None
    values = iter(stored)
    stored = [next(values) if key else None for key in keys]

    entries: dict[str, list] = {}
    missing = [doc["index_id"] for doc, value in zip(docs, stored) if not value]
    for doc, value in zip(docs, stored):
        if value:
            entries[doc["index_id"]] = json.loads(value)
    if missing:
        # euro_dcat_ap's organizations are read again (its dictionary is never refreshed otherwise).
        forget_publishers()
        fresh = datasets_by_index_id(context, missing)
        datasets = [dataset for _version, dataset in fresh.values()]
        new: dict[str, str] = {}
        with profiles.requirements_of(datasets):
            for doc, key in zip(docs, keys):
                if doc["index_id"] not in fresh:
                    continue
                version, dataset = fresh[doc["index_id"]]
                entries[doc["index_id"]] = fragment(serializer, dataset, rdf_format)
                if key is None:
                    continue
                # Stored under the version the dictionary was read with (it may have changed since the page search).
                organization = organizations.get(doc.get("organization"))
                new[fragment_key(state, dict(doc, _version_=version), organization)] = json.dumps(
                    entries[doc["index_id"]], ensure_ascii=False)
        try:
            pipe = connection.pipeline(transaction=False)
            for key, value in new.items():
                pipe.set(key, value, ex=settings.dcat_cache_seconds())
            pipe.execute()
        except RedisError as error:
            log.warning("DCAT cache unavailable: %s", error)

    # The head: the catalogue and the paging, written by rdflib as before; then the
    # catalogue's dcat:dataset links, then each dataset's statements, preceded by the
    # declarations of the prefixes it uses that are not declared yet (or declared otherwise).
    serializer.g = rdflib.ConjunctiveGraph()
    catalog_ref = serializer.graph_from_catalog({})
    pagination = pagination_for(query)
    if pagination:
        serializer._add_pagination_triples(pagination)
    head = serializer.g.serialize(format=rdf_format)
    declared, _statements = split_prefixes(head)
    found = [entries[doc["index_id"]] for doc in docs if doc["index_id"] in entries]
    # (a dataset missing from ``entries`` left the index between the two searches: deleted or made private)
    parts = [head.rstrip("\n"), "\n\n"]
    if found:
        parts += [catalog_ref.n3(), " ", DCAT.dataset.n3(), " ",
                  ", ".join(URIRef(uri).n3() for uri, _prefixes, _body in found), " .\n\n"]
    for _uri, prefixes, body in found:
        for name, namespace in prefixes.items():
            if declared.get(name) != namespace:
                parts.append(f"@prefix {name}: <{namespace}> .\n")
                declared[name] = namespace
        parts += [body.rstrip("\n"), "\n\n"]
    return "".join(parts)
