"""Previews: default views per kind of resource, the table view's data, the map offline."""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
import requests

import ckan.plugins.toolkit as toolkit
from tests.ckan_session import call_action

from ckanext.provincial import previews
from tests import datastore_support as support

pytestmark = pytest.mark.integration

GEOJSON = {
    "type": "FeatureCollection",
    "features": [
        {"type": "Feature", "properties": {"name": "ศาลากลางจังหวัดปทุมธานี"},
         "geometry": {"type": "Point", "coordinates": [100.5276, 14.0208]}},
        {"type": "Feature", "properties": {"name": "เขตอำเภอเมือง"},
         "geometry": {"type": "Polygon", "coordinates": [[[100.45, 13.98], [100.60, 13.98], [100.60, 14.08], [100.45, 14.08], [100.45, 13.98]]]}},
    ],
}


def table_views(dataset_id: str, resource_id: str) -> list[dict]:
    """What the loader does after a load: create the DataStore views."""
    return call_action("resource_create_default_resource_views", create_datastore_views=True,
                       resource=call_action("resource_show", id=resource_id),
                       package=call_action("package_show", id=dataset_id))


def view_types(resource_id: str) -> list[str]:
    return sorted(view["view_type"] for view in call_action("resource_view_list", id=resource_id))


def test_pdf_view_recognises_pdf_resources():
    assert previews.is_pdf({"format": "PDF", "url": "x"})
    assert previews.is_pdf({"format": "", "url": "http://x/report.PDF?download=1"})
    assert not previews.is_pdf({"format": "CSV", "url": "http://x/a.csv"})


@pytest.mark.usefixtures("with_plugins", "non_clean_db")
class TestDefaultViews:
    def test_each_kind_of_resource_gets_its_view(self):
        org = support.organization()
        # Text and GeoJSON previews read the file in the browser: same site only.
        site = toolkit.config["ckan.site_url"]
        dataset = call_action("package_create", **support.dataset(owner_org=org["id"], resources=[
            {"name": "แผนที่", "url": "http://example.invalid/map.png", "format": "PNG"},
            {"name": "คำอธิบาย", "url": site + "/files/readme.txt", "format": "TXT"},
            {"name": "รายงาน", "url": "http://example.invalid/report.pdf", "format": "PDF"},
            {"name": "ขอบเขต", "url": site + "/files/area.geojson", "format": "GeoJSON"},
            {"name": "บริการแผนที่", "url": "http://example.invalid/wms", "format": "WMS"},
        ]))
        kinds = [view_types(resource["id"]) for resource in dataset["resources"]]
        assert kinds == [["image_view"], ["text_view"], ["provincial_pdf_view"], ["geojson_view"], ["geo_view"]]

    def test_a_loaded_table_gets_the_table_view_and_nothing_else(self):
        org = support.organization()
        dataset = call_action("package_create", **support.dataset(owner_org=org["id"]))
        result = call_action("datastore_create", resource={"package_id": dataset["id"], "format": "CSV", "name": "ตาราง"},
                             fields=[{"id": "อำเภอ", "type": "text"}], records=[{"อำเภอ": "ลาดหลุมแก้ว"}])
        assert view_types(result["resource_id"]) == []
        table_views(dataset["id"], result["resource_id"])
        assert view_types(result["resource_id"]) == ["datatables_view"]

    def test_table_view_page_and_its_data_show_thai_rows(self, app):
        org = support.organization()
        dataset = call_action("package_create", **support.dataset(owner_org=org["id"]))
        result = call_action("datastore_create", resource={"package_id": dataset["id"], "format": "CSV", "name": "ตาราง"},
                             fields=[{"id": "อำเภอ", "type": "text"}, {"id": "ครัวเรือน", "type": "int"}],
                             records=[{"อำเภอ": "ลาดหลุมแก้ว", "ครัวเรือน": 120}, {"อำเภอ": "ลำลูกกา", "ครัวเรือน": 340}])
        view = table_views(dataset["id"], result["resource_id"])[0]

        page = app.get(f"/dataset/{dataset['name']}/resource/{result['resource_id']}/view/{view['id']}")
        assert page.status_code == 200 and "ครัวเรือน" in page.body
        data = json.loads(app.post(f"/datatables/ajax/{view['id']}",
                                   data={"draw": "1", "start": "0", "length": "10", "search[value]": ""}).body)
        assert data["recordsTotal"] == 2
        assert "ลำลูกกา" in json.dumps(data["data"], ensure_ascii=False)

    def test_pdf_view_embeds_the_document(self, app):
        org = support.organization()
        dataset = call_action("package_create", **support.dataset(owner_org=org["id"], resources=[
            {"name": "รายงานประจำปี", "url": "http://example.invalid/annual-2567.pdf", "format": "PDF"}]))
        resource = dataset["resources"][0]
        view = call_action("resource_view_list", id=resource["id"])[0]
        page = app.get(f"/dataset/{dataset['name']}/resource/{resource['id']}/view/{view['id']}").body
        assert re.search(r'<iframe class="provincial-pdf-view" src="http://example.invalid/annual-2567.pdf"', page)

    def test_map_view_uses_local_scripts_only(self, app):
        org = support.organization()
        dataset = call_action("package_create", **support.dataset(owner_org=org["id"], resources=[
            {"name": "ขอบเขต", "url": toolkit.config["ckan.site_url"] + "/files/area.geojson", "format": "GeoJSON"}]))
        resource = dataset["resources"][0]
        view = call_action("resource_view_list", id=resource["id"])[0]
        page = app.get(f"/dataset/{dataset['name']}/resource/{resource['id']}/view/{view['id']}").body
        assert 'data-module="geojsonpreview"' in page
        scripts = re.findall(r'<script[^>]+src="([^"]+)"', page)
        assert scripts and all(src.startswith("/") for src in scripts), scripts
        assert any("geojson" in src for src in scripts)


CHROMIUM = next((shutil.which(name) for name in ("chromium-headless-shell", "chromium", "chromium-browser")
                 if shutil.which(name)), None)


@pytest.fixture(scope="class")
def live(reset_db, reset_index):
    reset_db()
    reset_index()
    support.empty_own_queue()
    _admin, token = support.sysadmin_with_token()
    portal = support.LivePortal(token).start()
    try:
        yield portal, token
    finally:
        portal.stop()


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.browser
class TestMapInABrowser:
    def test_geojson_features_render_when_tile_servers_are_unreachable(self, live):
        portal, token = live
        headers = {"Authorization": token}

        def action(name, /, files=None, **data):
            url = f"{portal.url}/api/3/action/{name}"
            response = (requests.post(url, data=data, files=files, headers=headers, timeout=60) if files
                        else requests.post(url, json=data, headers=headers, timeout=60))
            assert response.json()["success"], response.text
            return response.json()["result"]

        org = action("organization_create", name=support.unique("org"))
        dataset = action("package_create", **support.dataset(owner_org=org["id"]))
        resource = action("resource_create", files={"upload": ("area.geojson", json.dumps(GEOJSON).encode())},
                          package_id=dataset["id"], name="ขอบเขต", format="GeoJSON")
        view = [v for v in action("resource_view_list", id=resource["id"]) if v["view_type"] == "geojson_view"][0]
        url = f"{portal.url}/dataset/{dataset['name']}/resource/{resource['id']}/view/{view['id']}"

        assert CHROMIUM, "headless Chromium is missing (stack/stack.sh install puts Debian's chromium)"
        # The tile server (tile.openstreetmap.org) cannot be reached from here,
        # and is mapped to a closed port to be sure.
        dom = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=15000",
             "--host-resolver-rules=MAP tile.openstreetmap.org 127.0.0.1:9", "--dump-dom", url],
            capture_output=True, text=True, timeout=120,
        ).stdout
        assert "leaflet-container" in dom, dom[-2000:]
        assert len(re.findall(r'class="leaflet-interactive"', dom)) >= 1  # the polygon
        assert "leaflet-marker-icon" in dom  # the point
        assert "tile.openstreetmap.org" in dom  # tiles were asked for, and failed
