"""When to check and load a resource: called from the plugin's dataset hooks.

Every resource change goes through ``package_update`` (``resource_create``
and ``resource_update`` call it), so ``after_dataset_create`` and
``after_dataset_update`` see them all. A resource is (re)checked when the
fingerprint of its file differs from the one of its last check, which also
keeps our own status write and xloader's hash write from re-triggering.
"""
from __future__ import annotations

import logging
from typing import Any

import ckan.plugins.toolkit as toolkit

from ckanext.provincial.validation import jobs

log = logging.getLogger(__name__)


def schedule_checks(context: dict[str, Any], dataset: dict[str, Any]) -> list[str]:
    """Queue a content check for each changed checkable resource; their ids."""
    if context.get(jobs.CONTEXT_FLAG) or not toolkit.asbool(
        toolkit.config.get("ckanext.provincial.validation.auto")
    ):
        return []
    queued = []
    model = context.get("model")
    for resource in dataset.get("resources") or []:
        if not resource.get("id") or not jobs.is_checkable(resource):
            continue
        current = jobs.fingerprint(resource)
        stored = jobs.stored_report(resource["id"]) or {}
        if stored.get("fingerprint") == current:
            continue
        # Our own session: the dataset's transaction is not committed yet.
        session = model.meta.create_local_session() if model is not None else None
        try:
            jobs.save_task(resource["id"], {"status": jobs.PENDING, "fingerprint": current}, session=session)
        finally:
            if session is not None:
                session.close()
        toolkit.enqueue_job(
            jobs.check_resource,
            [resource["id"], None],
            title="provincial validation: resource {}".format(resource["id"]),
            rq_kwargs={"timeout": 3600},
        )
        queued.append(resource["id"])
    return queued


def submit_new_to_datastore(context: dict[str, Any], dataset: dict[str, Any]) -> None:
    """Load resources that came with ``package_create``: xloader itself only
    reacts to ``resource_create`` and to URL changes."""
    token = toolkit.config.get("ckanext.xloader.api_token")
    if not token or token == "NOT_SET":
        return
    try:
        submit = toolkit.get_action("xloader_submit")
        from ckanext.xloader.utils import XLoaderFormats
    except (KeyError, ImportError):
        return
    for resource in dataset.get("resources") or []:
        if not resource.get("id") or not XLoaderFormats.is_it_an_xloader_format(resource.get("format")):
            continue
        try:
            submit({"ignore_auth": True, "model": context["model"], "user": context.get("user")},
                   {"resource_id": resource["id"]})
        except (toolkit.ValidationError, toolkit.ObjectNotFound) as exc:
            log.info("xloader did not take resource %s: %s", resource["id"], exc)


def after_dataset_create(context: dict[str, Any], dataset: dict[str, Any]) -> None:
    schedule_checks(context, dataset)
    submit_new_to_datastore(context, dataset)


def after_dataset_update(context: dict[str, Any], dataset: dict[str, Any]) -> None:
    schedule_checks(context, dataset)


def index_fields(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    """Add ``provincial_validation_status`` to a dataset's search document: the
    worst ``validation_status`` of its resources (error, failure, pending,
    success), absent when no resource was checked."""
    import json

    from ckanext.provincial.validation.content import worst_status

    try:
        dataset = json.loads(pkg_dict.get("validated_data_dict") or pkg_dict.get("data_dict") or "{}")
    except ValueError:
        return pkg_dict
    worst = worst_status(resource.get("validation_status") for resource in dataset.get("resources") or [])
    if worst:
        pkg_dict["provincial_validation_status"] = worst
    return pkg_dict
