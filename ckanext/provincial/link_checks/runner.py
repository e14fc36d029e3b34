"""One link check run: pick the resources, check them, record, reindex what changed.

Runs in the calling process (the nightly command, or the sysadmin action for a
few datasets). The HTTP work happens in ``checker``'s thread pool; every
database write happens here, in the calling thread.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Callable, Iterator, Optional

import ckan.plugins.toolkit as toolkit

from ckanext.provincial import gap, settings
from ckanext.provincial.link_checks import checker, policy, store
from ckanext.provincial.model import session
from ckanext.provincial.site import site_context

log = logging.getLogger(__name__)

PAGE = 500
COMMIT_EVERY = 50


def solr_quote(value: str) -> str:
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def scope_query(package_ids: Optional[list[str]] = None, organization_ids: Optional[list[str]] = None,
                province_code: str = "") -> str:
    """The Solr filter of a run's (or a list's) datasets."""
    fq = ["+dataset_type:dataset"]
    if package_ids:
        fq.append("+id:(" + " OR ".join(solr_quote(pid) for pid in package_ids) + ")")
    if organization_ids:
        fq.append("+owner_org:(" + " OR ".join(solr_quote(oid) for oid in organization_ids) + ")")
    if province_code:
        fq.append(f"+{gap.INDEX_PROVINCE_FIELD}:{solr_quote(province_code)}")
    return " ".join(fq)


def datasets(context: dict[str, Any], fq: str) -> Iterator[dict[str, Any]]:
    """Every dataset matching ``fq`` that ``context``'s user may see, private ones included."""
    start = 0
    while True:
        found = toolkit.get_action("package_search")(dict(context), {
            "q": "*:*", "fq": fq, "rows": PAGE, "start": start, "sort": "id asc",
            "include_private": True, "include_drafts": False, "facet": "false",
        })
        yield from found["results"]
        start += PAGE
        if start >= found["count"] or not found["results"]:
            return


def links_to_check(fq: str, counts: dict[str, int]) -> list[dict[str, Any]]:
    items = []
    for pkg in datasets(site_context(), fq):
        counts["datasets"] += 1
        for resource in pkg.get("resources") or []:
            if (resource.get("url_type") or "") == policy.UPLOAD:
                counts["skipped_uploads"] += 1
                continue
            if not policy.is_link(resource):
                continue
            items.append({"resource_id": resource["id"], "package_id": pkg["id"],
                          "url": str(resource.get("url") or "").strip()})
    return items


def reindex(package_id: str) -> None:
    """The dataset's search document again (no new revision, no activity, metadata_modified kept)."""
    from ckan.lib import search  # the toolkit has no way to reindex one dataset

    search.rebuild(package_id)


def run(package_ids: Optional[list[str]] = None, organization_ids: Optional[list[str]] = None,
        province_code: str = "", concurrency: int = 0,
        echo: Callable[[str], None] = lambda text: None) -> dict[str, int]:
    """Check the links of the chosen datasets (all when nothing is chosen); returns counts."""
    counts = {"datasets": 0, "checked": 0, "ok": 0, "failed": 0, "broken": 0, "newly_broken": 0,
              "recovered": 0, "skipped_uploads": 0, "reindexed": 0}
    items = links_to_check(scope_query(package_ids, organization_ids, province_code), counts)
    config = settings.link_checks_settings(concurrency)
    echo(f"checking {len(items)} links of {counts['datasets']} datasets "
         f"({config.concurrency} hosts at a time, {config.delay}s between requests to a host)")
    changed: set[str] = set()

    def on_result(item: dict[str, Any], result: dict[str, Any]) -> None:
        was_broken, is_broken = store.record(item["resource_id"], item["package_id"], item["url"], result,
                                             dt.datetime.utcnow())
        counts["checked"] += 1
        counts["ok" if policy.is_ok(result.get("status_code"), result.get("error")) else "failed"] += 1
        counts["broken"] += int(is_broken)
        if is_broken != was_broken:
            changed.add(item["package_id"])
            counts["newly_broken" if is_broken else "recovered"] += 1
        if counts["checked"] % COMMIT_EVERY == 0:
            session().commit()

    try:
        checker.check_many(items, config, on_result)
        if not (package_ids or organization_ids or province_code):
            counts["forgotten"] = store.prune()  # a full run: drop the checks of resources that are gone
    finally:
        session().commit()
    for package_id in sorted(changed):
        try:
            reindex(package_id)
            counts["reindexed"] += 1
        except Exception:  # the next change of the dataset indexes it again
            log.exception("link checks: could not reindex dataset %s", package_id)
    return counts

