"""The ``provincial`` plugin: wires CKAN interfaces to the extension's modules.

No logic lives here; every hook delegates to the module that owns it.
"""
from __future__ import annotations

import os

import ckan.plugins as plugins
import ckan.plugins.toolkit as toolkit
from ckan.lib.plugins import DefaultTranslation

from ckanext.provincial import actions, auth, cli, helpers, validators, views
from ckanext.provincial import i18n as i18n_package
from ckanext.provincial import indexing, outages, vocabulary_store
from ckanext.provincial.helpers import national as national_warnings
from ckanext.provincial.content_checks import hooks as content_checks
from ckanext.provincial.actions import datarequest as datarequests


@toolkit.blanket.config_declarations
class ProvincialPlugin(plugins.SingletonPlugin, DefaultTranslation):
    plugins.implements(plugins.IConfigurer)
    plugins.implements(plugins.ITemplateHelpers)
    plugins.implements(plugins.IValidators)
    plugins.implements(plugins.IActions)
    plugins.implements(plugins.IAuthFunctions)
    plugins.implements(plugins.IBlueprint)
    plugins.implements(plugins.IClick)
    plugins.implements(plugins.ITranslation)
    plugins.implements(plugins.IPackageController, inherit=True)
    plugins.implements(plugins.IGroupController, inherit=True)
    plugins.implements(plugins.IResourceController, inherit=True)
    plugins.implements(plugins.IFacets, inherit=True)
    plugins.implements(plugins.IMiddleware, inherit=True)

    # IConfigurer

    def update_config(self, config):
        toolkit.add_template_directory(config, "templates")
        toolkit.add_public_directory(config, "public")
        toolkit.add_resource("assets", "provincial")

    # ITranslation

    def i18n_directory(self):
        return os.path.dirname(i18n_package.__file__)

    # ITemplateHelpers

    def get_helpers(self):
        return helpers.get_helpers()

    # IValidators

    def get_validators(self):
        return validators.get_validators()

    # IActions

    def get_actions(self):
        return actions.get_actions()

    # IAuthFunctions

    def get_auth_functions(self):
        return auth.get_auth_functions()

    # IBlueprint

    def get_blueprint(self):
        return views.get_blueprints()

    # IClick

    def get_commands(self):
        return cli.get_commands()

    # IPackageController

    def before_dataset_index(self, pkg_dict):
        return indexing.before_dataset_index(pkg_dict)

    def before_dataset_search(self, search_params):
        return indexing.before_dataset_search(search_params)

    def after_dataset_search(self, search_results, search_params):
        return indexing.after_dataset_search(search_results, search_params)

    def after_dataset_create(self, context, pkg_dict):
        content_checks.after_dataset_create(context, pkg_dict)
        national_warnings.after_dataset_saved(pkg_dict)
        datarequests.after_dataset_saved(pkg_dict)

    def after_dataset_update(self, context, pkg_dict):
        content_checks.after_dataset_update(context, pkg_dict)
        national_warnings.after_dataset_saved(pkg_dict)
        datarequests.after_dataset_saved(pkg_dict)

    # IResourceController

    def before_resource_create(self, context, resource):
        content_checks.before_resource_action(context, resource)

    def before_resource_update(self, context, current, resource):
        content_checks.before_resource_action(context, resource)

    # IGroupController (IPackageController calls the same create/edit/delete with datasets)

    def create(self, entity):
        vocabulary_store.group_changed(entity)

    def edit(self, entity):
        vocabulary_store.group_changed(entity)

    def delete(self, entity):
        vocabulary_store.group_changed(entity)

    # IMiddleware

    def make_middleware(self, app, config):
        return outages.install(app)

    # IFacets

    def dataset_facets(self, facets_dict, package_type):
        return indexing.dataset_facets(facets_dict, package_type)

    def group_facets(self, facets_dict, group_type, package_type):
        return indexing.group_facets(facets_dict, group_type, package_type)

    def organization_facets(self, facets_dict, organization_type, package_type):
        return indexing.organization_facets(facets_dict, organization_type, package_type)
