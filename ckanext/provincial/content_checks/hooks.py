"""When to load, check and preview a resource: called from the plugin's hooks.

Every resource change goes through ``package_update`` (``resource_create``
and ``resource_update`` call it), so ``after_dataset_create`` and
``after_dataset_update`` see them all. A resource is (re)loaded into the
DataStore and (re)checked when the fingerprint of its file differs from the
one of its last load or check, which also keeps our own status writes from
re-triggering.

CKAN makes default views only for ``resource_create`` and for
``resource_update`` of the format. A file added by ``package_update`` or
``package_patch`` got none: ``after_dataset_update`` compares the resources
with their last committed state and gives new and changed files their views,
unless the update is one of ``resource_create``/``resource_update``, which do
it themselves. The table preview comes once the table is loaded. The CKAN
behaviour this relies on is pinned in ``upstream.PATCHES``.
"""
from __future__ import annotations

import logging
from typing import Any

import ckan.plugins.toolkit as toolkit

from redis.exceptions import RedisError

from ckanext.provincial import outages, settings
from ckanext.provincial.content_checks import jobs

log = logging.getLogger(__name__)


def schedule(context: dict[str, Any], dataset: dict[str, Any]) -> list[str]:
    """Queue one job per resource whose file changed since its last DataStore
    load or content check: it loads the table and checks it (loading.jobs).
    Returns the ids queued."""
    from ckanext.provincial.loading import jobs as loads

    if context.get(jobs.CONTEXT_FLAG):
        return []
    auto_check = settings.content_checks_auto()
    queued = []
    model = context.get("model")
    for resource in dataset.get("resources") or []:
        if not resource.get("id") or not resource.get("url"):
            continue
        current = jobs.fingerprint(resource)
        load = loads.is_loadable(resource) and (loads.stored_status(resource["id"]) or {}).get("fingerprint") != current
        check = auto_check and jobs.is_checkable(resource) \
            and (jobs.stored_report(resource["id"]) or {}).get("fingerprint") != current
        if not (load or check):
            continue
        # Our own session: the dataset's transaction is not committed yet.
        # The job waits until it is (it may start first).
        session = model.meta.create_local_session() if model is not None else None
        try:
            loads.enqueue(resource, session=session, load_table=load, check=check)
        except RedisError as error:
            # The job queue is down: the resource is saved all the same, its load and check stay
            # "pending" and `ckan provincial datastore requeue` queues them once Redis is back.
            outages.background_delayed(resource["id"], error)
        finally:
            if session is not None:
                session.close()
        queued.append(resource["id"])
    return queued


def create_default_views(context: dict[str, Any], dataset: dict[str, Any], resources: list[dict[str, Any]]) -> None:
    """The default views (map, image, PDF...) of each resource that lacks them,
    in the update's transaction."""
    views_context = {"model": context["model"], "user": context.get("user"), "ignore_auth": True,
                     "defer_commit": True}
    for resource in resources:
        if resource.get("id") and resource.get("url"):
            toolkit.get_action("resource_create_default_resource_views")(
                dict(views_context), {"resource": resource, "package": dataset})


# Set by the plugin's before_resource_create/update: CKAN's resource actions
# make views and xloader submits their files once they are committed.
RESOURCE_ACTION = "provincial_resource_action"


def before_resource_action(context: dict[str, Any], resource: dict[str, Any] | None = None) -> None:
    context[RESOURCE_ACTION] = True
    refuse_oversized_upload(resource or {})


def refuse_oversized_upload(resource: dict[str, Any]) -> None:
    """Refuse an upload over ``ckan.max_resource_size`` before anything is written.

    CKAN finds out only while it copies the file, after the dataset was
    updated, and says so in an English sentence outside its catalog.
    """
    upload = resource.get("upload")
    stream = getattr(upload, "stream", None)
    limit = toolkit.config.get("ckan.max_resource_size")
    if stream is None or not limit or not hasattr(stream, "seek"):
        return
    position = stream.tell()
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(position)
    if size > int(limit) * 1024 * 1024:
        raise toolkit.ValidationError({"upload": [toolkit._(
            "The file is {size} MB; the portal accepts files of at most {limit} MB. "
            "Publish a link to a larger file instead, or split it.").format(size=f"{size / 1024 / 1024:,.0f}", limit=limit)]})


def committed_resources(context: dict[str, Any], dataset_id: str) -> dict[str, dict[str, Any]]:
    """The dataset's active resources as last committed, by id.

    The hooks run inside the update's transaction, which has already written
    the new state: a session of our own still reads the previous one.
    """
    model = context["model"]
    session = model.meta.create_local_session()
    try:
        rows = session.query(model.Resource).filter(
            model.Resource.package_id == dataset_id, model.Resource.state == "active")
        return {row.id: {"url": row.url, "url_type": row.url_type, "last_modified": row.last_modified,
                         "size": row.size, "format": row.format, "schema": (row.extras or {}).get("schema")}
                for row in rows}
    finally:
        session.close()


def new_and_changed_files(context: dict[str, Any], dataset: dict[str, Any]) -> tuple[list, list]:
    """The resources of an update that are new, and those whose file, format or schema changed
    (the fingerprint the content checks use)."""
    resources = [r for r in dataset.get("resources") or [] if isinstance(r, dict) and r.get("id") and r.get("url")]
    if not resources or not dataset.get("id"):
        return [], []
    before = committed_resources(context, dataset["id"])
    new, changed = [], []
    for resource in resources:
        old = before.get(resource["id"])
        if old is None:
            new.append(resource)
        elif jobs.fingerprint(old) != jobs.fingerprint(resource):
            changed.append(resource)
    return new, changed


def after_dataset_create(context: dict[str, Any], dataset: dict[str, Any]) -> None:
    # CKAN's package_create makes the default views; the table preview comes with the load.
    schedule(context, dataset)


def after_dataset_update(context: dict[str, Any], dataset: dict[str, Any]) -> None:
    by_resource_action = context.pop(RESOURCE_ACTION, False)
    if context.get(jobs.CONTEXT_FLAG):
        return
    if not by_resource_action:
        new, changed = new_and_changed_files(context, dataset)
        create_default_views(context, dataset, new + changed)
    schedule(context, dataset)


def index_fields(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    """Add ``provincial_validation_status`` to a dataset's search document: the
    worst ``validation_status`` of its resources (error, failure, pending,
    success), absent when no resource was checked."""
    import json

    from ckanext.provincial.content_checks.content import worst_status

    try:
        dataset = json.loads(pkg_dict.get("validated_data_dict") or pkg_dict.get("data_dict") or "{}")
    except ValueError:
        return pkg_dict
    worst = worst_status(resource.get("validation_status") for resource in dataset.get("resources") or [])
    if worst:
        pkg_dict["provincial_validation_status"] = worst
    return pkg_dict
