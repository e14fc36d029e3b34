"""A second CKAN site that harvests the first with ckanext-harvest's CKAN harvester.

Run in a process of its own (its database and site id come from the
environment, CKAN_SQLALCHEMY_URL and CKAN_SITE_ID):

    python tests/second_site.py <config.ini> <first site URL> <output.json>

It sets the site up as a provincial portal (tables, code lists, the plan
requirement the harvested datasets cite, an agency), makes a harvest source
of type ``ckan`` for the first site, runs one harvest job (gather, fetch and
import, without queues, as ``ckan harvester run-test`` does) and writes what
came in to the output file: ``datasets`` (``package_show`` of each, by name),
``objects`` (the state and errors of each harvest object) and
``gather_errors``.
"""
from __future__ import annotations

import json
import sys


def main(ini: str, source_url: str, output: str) -> None:
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    app = make_app(load_config(ini))
    flask_app = app._wsgi_app if hasattr(app, "_wsgi_app") else app
    with flask_app.test_request_context():
        import ckan.plugins.toolkit as toolkit
        from ckan import model
        from ckan.cli.db import _run_migrations
        from ckanext.harvest import model as harvest_model
        from ckanext.harvest import queue
        from ckanext.harvest.tests import lib

        model.repo.init_db()
        for plugin in ("activity", "tracking", "provincial", "harvest"):
            _run_migrations(plugin)
        site_user = toolkit.get_action("get_site_user")({"ignore_auth": True}, {})["name"]

        def call(action, **data):
            return toolkit.get_action(action)({"ignore_auth": True, "user": site_user}, data)

        call("provincial_vocabulary_sync")
        call("provincial_requirement_create", province_code="13", code="R-1",
             title_th="จำนวนโรงงานรายอำเภอ", title_en="Factories by district")
        agency = call("organization_create", name="national-catalogue", title="ศูนย์บัญชีข้อมูลภาครัฐ",
                      province_code="13", agency_kind="provincial_office",
                      parent_agency="สำนักงานพัฒนารัฐบาลดิจิทัล", plan_coordinator="False")
        source = call("harvest_source_create", name="pathum-thani-portal", title="พอร์ทัลจังหวัดปทุมธานี",
                      url=source_url, source_type="ckan", owner_org=agency["id"], frequency="MANUAL",
                      config=json.dumps({"remote_groups": "only_local"}))
        job = call("harvest_job_create", source_id=source["id"])
        results = lib.run_harvest_job(harvest_model.HarvestJob.get(job["id"]), queue.get_harvester("ckan"))

        datasets = {}
        objects = []
        for guid, result in results.items():
            objects.append({"guid": guid, "state": result.get("state"),
                            "errors": [str(getattr(e, "message", e)) for e in result.get("errors") or []]})
            if result.get("dataset"):
                datasets[result["dataset"]["name"]] = call("package_show", id=result["dataset"]["id"])
        gather_errors = [e.message for e in model.Session.query(harvest_model.HarvestGatherError)
                         .filter_by(harvest_job_id=job["id"])]
    with open(output, "w", encoding="utf-8") as handle:
        json.dump({"datasets": datasets, "objects": objects, "gather_errors": gather_errors}, handle,
                  ensure_ascii=False)


if __name__ == "__main__":
    main(*sys.argv[1:4])
