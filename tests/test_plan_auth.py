"""Who edits a plan, as the pages see it: the edit links and forms ask ``check_access``, so chained auth counts."""
import pytest

import ckan.authz as authz
import ckan.plugins as plugins
import ckan.plugins.toolkit as toolkit
from ckan.plugins import core as plugins_core
from ckan.tests import factories
from tests.ckan_session import call_action

from tests.gap_support import coordinating_org

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("plan_tables")]

FREEZE = "provincial_test_plan_freeze"


@toolkit.chained_auth_function
def _plans_frozen(next_auth, context, data_dict):
    return {"success": False, "msg": "Plans are frozen until the budget is approved"}


class PlanFreeze(plugins.SingletonPlugin):
    """A site's own plugin that narrows who edits plans, by chaining the extension's auth function."""
    plugins.implements(plugins.IAuthFunctions)

    def get_auth_functions(self):
        return {"provincial_requirement_create": _plans_frozen}


@pytest.fixture
def plans_frozen():
    # Registered as CKAN registers a loaded plugin, without an entry point of its own.
    plugins_core._PLUGINS_SERVICE[FREEZE] = PlanFreeze(name=FREEZE)
    authz.clear_auth_functions_cache()
    yield
    del plugins_core._PLUGINS_SERVICE[FREEZE]
    authz.clear_auth_functions_cache()


def test_edit_links_and_form_follow_chained_auth(app, request):
    admin = factories.UserWithToken()
    coordinating_org("13", admin=admin)
    call_action("provincial_requirement_create", province_code="13", code="R-1", title_th="โรงงานในจังหวัด (ตามผังเมือง)")
    auth = {"Authorization": admin["token"]}
    assert app.get("/requirement/new", query_string={"province_code": "13"}, headers=auth).status_code == 200
    assert "/requirement/13/R-1/edit" in app.get("/requirement/13/R-1", headers=auth).body

    request.getfixturevalue("plans_frozen")
    assert app.get("/requirement/new", query_string={"province_code": "13"}, headers=auth,
                   expect_errors=True).status_code == 403
    assert "/requirement/13/R-1/edit" not in app.get("/requirement/13/R-1", headers=auth).body
    assert "/requirement/new" not in app.get("/requirement", query_string={"province_code": "13"}, headers=auth).body
