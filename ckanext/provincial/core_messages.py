"""Messages of CKAN core and its plugins that the portal translates into Thai itself.

CKAN 2.11's own Thai catalog leaves these in English. Flask-Babel merges every
ITranslation catalog over core's ``ckan`` catalog, keyed by msgid only, so an
entry with the exact core msgid in the extension's catalog is what core's
``_()``, ``ungettext()``, ``{% trans %}`` and JavaScript ``this._()`` show.
Listing them here keeps them in ``i18n/ckanext-provincial.pot`` (``make
i18n-extract``), so ``make i18n-update`` does not drop them as obsolete.
Nothing calls this module; each string must stay byte-for-byte the msgid of
``ckan/i18n/ckan.pot`` (or of the template that builds it).
"""
from __future__ import annotations


def N_(message: str) -> str:
    return message


def ngettext(singular: str, plural: str, count: int = 1) -> str:
    return singular if count == 1 else plural


# Every page: header, breadcrumb and footer (ckan/templates/header.html, page.html, footer.html).
PAGE = (
    N_("Skip to main content"),
    N_("Toggle navigation"),
    N_("Account"),
    N_("Breadcrumb"),
    N_("Search Datasets..."),
    N_("Submit"),
    N_("View dashboard"),
    N_("Profile settings"),
    N_("CKAN Association"),
    N_('<strong>Powered by</strong> <a class="hide-text ckan-footer-logo" href="http://ckan.org">CKAN</a>'),
    N_("Close"),
)

# Dataset, resource and view pages (package/resource_read.html, snippets/resource_view.html,
# snippets/resources.html, additional_info.html; ckanext-datastore's Data API and dictionary).
DATASET = (
    N_("Data Dictionary"),
    N_("Data API"),
    N_("Data last updated"),
    N_("Metadata last updated"),
    N_("Dataset description:"),
    N_("Fullscreen"),
    N_("Width"),
    N_("Height"),
    N_("You can copy and paste the embed code into a CMS or blog software that supports raw HTML"),
    N_("This resource view is not available at the moment."),
    N_("Your browser does not support iframes."),
    N_("Views"),
    N_("Manage resource: {name}"),
    N_("active"),
    N_("Type Override"),
    N_("Field {num}."),
    N_("Refit"),
)

# The Data API window of a DataStore resource (ckanext/datastore/templates/ajax_snippets/api_info.html,
# datastore/api_examples/*.html); the example values "jones", "watershed", ... are the code samples' own.
DATA_API = (
    N_("CKAN Data API"),
    N_('Further information in the <a href="%(url)s" target="_blank">main CKAN Data API and DataStore '
       'documentation</a>.</p>'),
    N_("Code examples:"),
    N_("Querying"),
    N_('Get 5 results containing "jones" in any field:'),
    N_('Get results with either "watershed" or "survey" as subject and "active" as its stage:'),
    N_("SQL query example:"),
    N_("Using the API with this Web Browser"),
    N_("Some API endpoints may be accessed using a GET query string."),
    N_("Get results filtered by the contents of specific fields:"),
    N_("Inserting and Updating"),
    N_("Insert a new record:"),
    N_("Update an existing record:"),
    N_('"%(method)s" defaults to "%(upsert)s" i.e. records will be inserted or updated based on the primary key '
       'values passed'),
    N_("Deleting"),
    N_("Delete a record:"),
    N_('(using the <a href="%(url)s">ckanapi</a> client library)'),
)

# Forms: the Markdown hint under text areas (macros/form/markdown.html) and the
# licence note of the dataset form (package/snippets/package_form.html).
FORMS = (
    N_('You can use <a href="#markdown" title="Markdown quick reference" data-bs-toggle="popover" '
       'data-bs-content="%(markdown_tooltip)s" data-bs-html="true">Markdown formatting</a> here'),
    N_('The <i>data license</i> you select above only applies to the contents of any resource files that you '
       'add to this dataset. By submitting this form, you agree to release the <i>metadata</i> values that you '
       'enter into the form under the <a href="http://opendatacommons.org/licenses/odbl/1-0/">Open Database '
       'License</a>.'),
    N_("Username or Email"),
    N_("Data"),
)

# Group and organization lists (group_item.html, organization_item.html) and the
# result counts that snippets/search_result_text.html builds from a group type's
# name, here the scheming group types development-issue and national-category.
LISTS = (
    ngettext("{num} Member", "{num} Members"),
    ngettext("{number} development-issue found", "{number} development-issues found"),
    ngettext('{number} development-issue found for "{query}"', '{number} development-issues found for "{query}"'),
    N_("No development-issues found"),
    N_('No development-issues found for "{query}"'),
    ngettext("{number} national-category found", "{number} national-categorys found"),
    ngettext('{number} national-category found for "{query}"', '{number} national-categorys found for "{query}"'),
    N_("No national-categorys found"),
    N_('No national-categorys found for "{query}"'),
)

# What CKAN says of a group type (ckan/lib/helpers.py humanize_entity_type): page titles,
# breadcrumbs, buttons and search boxes of the development-issue and national-category pages,
# with the type's name from helpers/labels.py.
GROUP_TYPES = (
    N_("{object_type}s"),
    N_("Add {object_type}"),
    N_("Add to {object_type}"),
    N_("Create {object_type}"),
    N_("Are you sure you want to delete this {object_type}?"),
    N_("A little information about my {object_type}..."),
    N_("Edit {object_type}"),
    N_("{object_type} Form"),
    N_("My {object_type}s"),
    N_("View {object_type}"),
    N_("My {object_type}"),
    N_("There are currently no {object_type}s for this site"),
    N_("There are no {object_type}s associated with this dataset"),
    N_("There is no description for this {object_type}"),
    N_("No {object_type}"),
    N_("Save {object_type}"),
    N_("Search {object_type}s..."),
    N_("You are not a member of any {object_type}s."),
    N_("User isn't a member of any {object_type}s."),
    N_("Update {object_type}"),
)

# JavaScript modules (ckan/public/base/javascript/modules, ckanext-datatablesview,
# ckanext-textview): ckan.pot marks them as JavaScript messages, so `ckan run` /
# `ckan translation js` writes their Thai from this catalog into the /api/i18n/th file.
JAVASCRIPT = (
    N_("Add Filter"),
    N_("Select a field"),
    N_("Input is too short, must be at least one character"),
    N_("Please select the file to upload again"),
    N_("Reorder resources"),
    N_('You can rearrange the resources by dragging them using the arrow icon. Drag the resource to the right '
       'and place it to the desired location on the list. When you are done, click the "Save order" -button.'),
    N_("Reorder resource view"),
    N_("An error occured during AJAX request. Could not load view."),
    N_("Print"),
    N_("seconds"),
    N_("Double-click to reset filters"),
    N_("Table/List toggle"),
    N_("Copy to clipboard"),
    N_("Toggle column visibility"),
    N_("Restore visibility"),
    N_("Show all"),
    N_("Show none"),
    N_("Filtered"),
    N_("Filtered download"),
    N_("Share current view"),
    N_("Copied deeplink to clipboard"),
    N_("Sort"),
    N_("Press SHIFT key while clicking on\nsort control for multi-column sort"),
)

# Activity streams (ckanext/activity/templates: snippets/activities/, snippets/changes/,
# snippets/pagination.html, snippets/activity_type_selector.html, package/activity_stream.html).
ACTIVITY = (
    N_("{actor} created the {dataset_type} {dataset}"),
    N_("{actor} updated the {dataset_type} {dataset}"),
    N_("{actor} deleted the {dataset_type} {dataset}"),
    N_("{actor} created resource view {view_link}"),
    N_("{actor} updated resource view {view_link}"),
    N_('{actor} deleted resource view "{view_title}" for resource {resource_link}'),
    N_("{actor} {activity_type}"),
    N_("View this version"),
    N_("No activity found for this type"),
    N_("No activity found"),
    N_("All activity types"),
    N_("Older activities"),
    N_("Newer activities"),
    N_("This dataset has no data"),
    N_("Changed title to {title_link} (previously {old_title})"),
    N_('Updated description of {pkg_link} from <br class="line-height2"><blockquote>{old_notes}</blockquote> to '
       '<br class="line-height2"><blockquote>{new_notes}</blockquote>'),
    N_('Updated description of {pkg_link} to <br class="line-height2"><blockquote>{new_notes}</blockquote>'),
    N_("Removed description from {pkg_link}"),
    N_("Added resource {resource_link} to {pkg_link}"),
    N_("Deleted resource {resource_link} from {pkg_link}"),
    N_("Uploaded a new file to resource {resource_link} in {pkg_link}"),
    N_("Renamed resource {old_resource_link} to {new_resource_link} in {pkg_link}"),
    N_("Set visibility of {pkg_link} to {visibility}"),
    N_("Added tag {tag_link} to {pkg_link}"),
    N_("Removed tag {tag_link} from {pkg_link}"),
    N_("Added the following tags to {pkg_link}"),
    N_("Removed the following tags from {pkg_link}"),
    N_("Moved {pkg_link} from organization {old_org_link} to organization {new_org_link}"),
    N_("Changed value of field <q>{key}</q> to <q>{new_val}</q> (previously <q>{old_val}</q>) in {pkg_link}"),
    N_("Changed value of field <q>{key}</q> to <q>{new_val}</q> in {pkg_link}"),
    N_("Added field <q>{key}</q> with value <q>{value}</q> to {pkg_link}"),
    N_("Removed field <q>{key}</q> from {pkg_link}"),
    N_("Changed value of field <q>{key}</q> to <q>{value}</q> in {pkg_link}"),
    N_("No fields were updated. See the metadata diff for more details."),
    ngettext("Dashboard (%(num)d new item)", "Dashboard (%(num)d new items)"),
    N_("Search followee"),
)
