"""Data request pages through the app: the list with its counts, asking, a request's page (status,
requirement badge, answer, history, coordinators' forms), accepting through the requirement form,
the dashboard tab, the header link and the count on the requirement page."""
import pytest
from bs4 import BeautifulSoup
from ckan.tests import factories
from tests.ckan_session import call_action

from tests.gap_support import coordinating_org

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("plan_tables", "clean_index")]


@pytest.fixture
def people():
    asker, coordinator, outsider = factories.UserWithToken(), factories.UserWithToken(), factories.UserWithToken()
    coordinating_org("13", admin=coordinator, name="pathum-plan")
    return {"asker": asker, "coordinator": coordinator, "outsider": outsider}


def auth(user) -> dict:
    return {"Authorization": user["token"]}


def ask(user, **values):
    values.setdefault("title", "ข้อมูลผู้สูงอายุรายตำบล")
    values.setdefault("province_code", "13")
    return call_action("provincial_datarequest_create", {"user": user["name"], "ignore_auth": False}, **values)


def page(response) -> BeautifulSoup:
    assert response.status_code == 200, response.body[:500]
    return BeautifulSoup(response.body, "html.parser")


def test_list_shows_requests_counts_per_status_and_filters(app, people):
    first = ask(people["asker"], title="ข้อมูลฝุ่นละออง")
    ask(people["outsider"], title="ข้อมูลน้ำท่วม")
    call_action("provincial_datarequest_close", {"user": people["coordinator"]["name"]}, id=first["id"],
                outcome="declined", reason="มีแล้ว")
    body = page(app.get("/datarequest/"))
    assert [li["data-id"] for li in body.select(".provincial-datarequest-list li")] != []
    counts = {li["data-status"]: li.select_one(".badge").text for li in body.select(".provincial-datarequest-counts li[data-status]")}
    assert counts["open"] == "1" and counts["declined"] == "1" and counts["accepted"] == "0"
    declined = page(app.get("/datarequest/?status=declined"))
    assert [a.text for a in declined.select(".provincial-datarequest-list h2 a")] == ["ข้อมูลฝุ่นละออง"]
    bad = app.get("/datarequest/?status=lost&limit=-1")
    assert bad.status_code == 200 and "status:" in page(bad).select_one(".alert-danger").text


def test_paging(app, people, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.provincial.datarequest.rate_limit", 0)
    for number in range(22):
        ask(people["asker"], title=f"คำขอ {number:02d}")
    first, second = page(app.get("/datarequest/")), page(app.get("/datarequest/?page=2"))
    assert len(first.select(".provincial-datarequest-list li")) == 20
    assert len(second.select(".provincial-datarequest-list li")) == 2
    assert second.select_one(".provincial-datarequest-pages") is not None


def test_asking_needs_a_signed_in_user(app, people):
    response = app.get("/datarequest/new", follow_redirects=False)
    assert response.status_code == 302 and "/user/login" in response.headers["Location"]
    form = page(app.get("/datarequest/new", headers=auth(people["asker"])))
    assert form.select_one("select#field-province") is not None


def test_asking_through_the_form_and_errors_name_the_field(app, people):
    response = app.post("/datarequest/new", headers=auth(people["asker"]), data={
        "title": "", "province_code": "13"}, follow_redirects=False)
    assert response.status_code == 200 and 'id="field-title"' in response.body and "Missing value" in response.body
    assert call_action("provincial_datarequest_list")["count"] == 0
    response = app.post("/datarequest/new", headers=auth(people["asker"]), data={
        "title": "จำนวนร้านอาหาร", "province_code": "13", "district_code": "1302", "purpose": "ท่องเที่ยว"},
        follow_redirects=False)
    assert response.status_code == 302 and "/datarequest/" in response.headers["Location"]
    assert call_action("provincial_datarequest_list")["results"][0]["district_code"] == "1302"


def test_the_rate_limit_is_shown_on_the_form(app, people, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.provincial.datarequest.rate_limit", 1)
    ask(people["asker"])
    response = app.post("/datarequest/new", headers=auth(people["asker"]), data={
        "title": "อีกเรื่อง", "province_code": "13"})
    assert page(response).select_one('[data-error="rate_limit"]') is not None


def test_request_page_escapes_html_and_shows_the_coordinator_forms_to_coordinators_only(app, people):
    created = ask(people["asker"], title='<script>alert("x")</script>', description="<b>หนา</b>")
    anonymous = app.get(f"/datarequest/{created['id']}")
    assert "<script>alert" not in anonymous.body and "&lt;script&gt;" in anonymous.body
    assert page(anonymous).select_one(".provincial-datarequest-decide") is None
    coordinator = page(app.get(f"/datarequest/{created['id']}", headers=auth(people["coordinator"])))
    forms = coordinator.select(".provincial-datarequest-decide form")
    assert [f.select_one('input[name="outcome"]')["value"] for f in forms if f.select_one('input[name="outcome"]')] \
        == ["answered", "declined", "merged"]
    assert all(f.select_one('input[name="_csrf_token"]') is not None for f in forms)
    assert app.get("/datarequest/no-such-id").status_code == 404


def test_accept_through_the_requirement_form_then_the_badge_and_count(app, people):
    created = ask(people["asker"], title="จำนวนผู้พิการ", purpose="จัดสวัสดิการ")
    form = page(app.get(f"/requirement/new?province_code=13&datarequest={created['id']}",
                        headers=auth(people["coordinator"])))
    assert form.select_one("#field-title-th")["value"] == "จำนวนผู้พิการ"
    assert form.select_one("#field-purpose").text == "จัดสวัสดิการ"
    assert form.select_one('input[name="datarequest"]')["value"] == created["id"]
    response = app.post("/requirement/new", headers=auth(people["coordinator"]), data={
        "province_code": "13", "datarequest": created["id"], "code": "DIS-01", "title_th": "จำนวนผู้พิการ",
        "update_frequency_interval": "1"}, follow_redirects=False)
    assert response.status_code == 302 and "/requirement/13/DIS-01" in response.headers["Location"]
    shown = call_action("provincial_datarequest_show", id=created["id"])
    assert shown["status"] == "accepted" and shown["requirement"]["code"] == "DIS-01"

    request_page = page(app.get(f"/datarequest/{created['id']}"))
    assert request_page.select_one(".provincial-datarequest-requirement .provincial-gap-status")["data-status"] == "missing"
    assert [li["data-kind"] for li in request_page.select(".provincial-datarequest-history li")] == ["created", "accepted"]
    requirement_page = page(app.get("/requirement/13/DIS-01"))
    counter = requirement_page.select_one(".provincial-requirement-requests")
    assert counter["data-count"] == "1" and "requirement_id=" in counter.select_one("a")["href"]


def test_comment_and_close_through_the_page(app, people):
    created = ask(people["asker"])
    response = app.post(f"/datarequest/{created['id']}/comment", headers=auth(people["asker"]),
                        data={"comment": "ขอเป็นไฟล์ CSV"}, follow_redirects=False)
    assert response.status_code == 302
    assert app.post(f"/datarequest/{created['id']}/comment", headers=auth(people["outsider"]),
                    data={"comment": "สแปม"}).status_code == 403
    app.post(f"/datarequest/{created['id']}/close", headers=auth(people["coordinator"]),
             data={"outcome": "declined", "reason": "ข้อมูลส่วนบุคคล"})
    body = page(app.get(f"/datarequest/{created['id']}"))
    assert body.select_one(".provincial-datarequest-status")["data-status"] == "declined"
    assert "ขอเป็นไฟล์ CSV" in body.text and "ข้อมูลส่วนบุคคล" in body.text


def test_edit_page(app, people):
    created = ask(people["asker"])
    assert app.get(f"/datarequest/{created['id']}/edit", headers=auth(people["outsider"])).status_code == 403
    response = app.post(f"/datarequest/{created['id']}/edit", headers=auth(people["asker"]), data={
        "title": "ชื่อใหม่", "province_code": "13"}, follow_redirects=False)
    assert response.status_code == 302
    assert call_action("provincial_datarequest_show", id=created["id"])["title"] == "ชื่อใหม่"


def test_dashboard_tab_and_header_link(app, people):
    created = ask(people["asker"], title="คำขอในแดชบอร์ด")
    body = page(app.get("/dashboard/datarequests", headers=auth(people["asker"])))
    assert [a.text for a in body.select(".provincial-datarequest-feed li a")] == ["คำขอในแดชบอร์ด"]
    assert body.select_one('a[href="/dashboard/datarequests"]') is not None
    assert page(app.get("/dashboard/datasets", headers=auth(people["asker"]))).select_one(
        'a[href="/dashboard/datarequests"]') is not None
    assert page(app.get("/")).select_one('header a[href="/datarequest/"]') is not None
    assert created


@pytest.mark.parametrize("language", ["th", "en"])
def test_pages_render_in_both_languages_with_buddhist_era_dates(app, people, language):
    created = ask(people["asker"])
    body = app.get(f"/{language}/datarequest/{created['id']}").body
    from ckanext.provincial.gap_service import today

    year = today().year
    assert (str(year + 543) in body) if language == "th" else (str(year) in body)
