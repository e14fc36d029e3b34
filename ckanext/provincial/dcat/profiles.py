"""The ``provincial`` RDF profile for ckanext-dcat.

Runs after ``euro_dcat_ap_3`` (``ckanext.dcat.rdf.profiles = euro_dcat_ap_3
provincial``), which already writes title, description, keywords, licence,
contact point, publisher, dates and distributions. This profile adds what the
provincial and GDC fields mean in standard terms, and keeps every field
lossless in its own namespace so that a parser gets the dataset back exactly:

=============================================  =================================================
field(s)                                       RDF
=============================================  =================================================
province_code, district_codes,                 ``dct:spatial`` → ``<id base>area/<DOPA code>``
subdistrict_codes                              (``dct:Location``, names @th/@en, ``skos:broader``)
west/east/north/south_bound_longitude          ``dct:spatial`` [ ``dcat:bbox`` WKT polygon ]
pmqa                                           ``dcat:theme`` → ``<id base>pmqa/<code>``
development_issues                             ``dcat:theme`` → ``<site>/development-issue/<code>``
groups of type national-category (01-07)       ``dcat:theme`` → ``<site>/national-category/<code>``
requirement_codes                              ``dct:relation`` → ``<site>/requirement/<province>/<code>``
update_frequency_unit + _interval              ``dct:accrualPeriodicity`` → EU frequency table
data_category + data_classification            ``dct:accessRights`` → EU access-right table
data_language                                  ``dct:language`` → EU language table
title, notes, keywords                         language-tagged ``@th`` when written in Thai
every other field of the schema                ``provincial:<field name>`` (one triple per value)
=============================================  =================================================

The standard triples are for any DCAT consumer; the ``provincial:`` ones carry
the exact GDC values (an EU frequency cannot say "every 7 months", an access
right cannot say which GDC category). ``parse_dataset`` reads the
``provincial:`` values first and falls back to the standard triples, so a
graph from another catalogue still gives what can be known.
"""
from __future__ import annotations

import contextlib
import contextvars
import json
import logging
from typing import Any, Iterable, Iterator, Optional

import sqlalchemy.exc
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import Namespace

from ckanext.dcat.profiles import DCAT, DCT, GSP, RDF, SKOS, XSD, RDFProfile
from ckanext.dcat.utils import catalog_uri, resource_uri

from ckanext.provincial import codes, model, settings, vocabulary_store
from ckanext.provincial.catalogue_identity import catalog_type
from ckanext.provincial.dcat import terms

log = logging.getLogger(__name__)

PROVINCIAL = Namespace(terms.PROVINCIAL_NAMESPACE)

AREA_FIELDS = ("province_code", "district_codes", "subdistrict_codes")
THEME_FIELDS = ("pmqa", "development_issues")
REQUIREMENT_FIELD = "requirement_codes"
# GIS bounds, west/east/north/south (the GDC calls all four "longitude").
BOUNDS = ("west_bound_longitude", "east_bound_longitude", "north_bound_longitude", "south_bound_longitude")

# Written by euro_dcat_ap_3 (or CKAN bookkeeping): not repeated as provincial:<field>.
# (license_id is: GDC licence ids are not in CKAN's licence register, so
# dct:license alone would not bring them back.)
_CORE_DATASET_FIELDS = frozenset((
    "id", "title", "notes", "owner_org", "tag_string", "tags", "url", "maintainer",
    "maintainer_email", "author", "author_email", "version", "private", "type", "state", "extras",
    "resources", "groups", "organization", "title_en", "notes_en",
))
_CORE_RESOURCE_FIELDS = frozenset((
    "id", "url", "name", "format", "description", "mimetype", "size", "hash", "package_id",
    "created", "last_modified", "url_type", "position", "state",
))

# Requirements of the datasets being serialized, read in one query (see ``requirements_of``).
_PREFETCHED: contextvars.ContextVar[Optional[dict]] = contextvars.ContextVar("provincial_dcat_requirements", default=None)

AREA_CLASSES = {"province": PROVINCIAL.Province, "district": PROVINCIAL.District,
                "subdistrict": PROVINCIAL.Subdistrict}


def _as_list(value: Any) -> list[str]:
    """A field value as a list of non-empty strings (lists, JSON lists and single values)."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                return [text]
        else:
            return [text] if text else []
    if isinstance(value, (list, tuple)):
        return [str(item).strip() for item in value if item is not None and str(item).strip()]
    return [str(value)]


def _requirement_province(dataset_dict: dict) -> str:
    return codes.clean_code(dataset_dict.get("province_code")) or settings.province_code()


@contextlib.contextmanager
def requirements_of(datasets: Iterable[dict]) -> Iterator[None]:
    """Serialize ``datasets`` with the titles of the requirements they name read in one query.

    Without it each dataset naming requirements costs a query (fine for one
    dataset, not for a catalogue page).
    """
    pairs = [(_requirement_province(dataset), code)
             for dataset in datasets for code in _as_list(dataset.get(REQUIREMENT_FIELD))]
    try:
        found = model.requirements_by_codes(pairs)
    except sqlalchemy.exc.SQLAlchemyError as error:
        model.session().rollback()
        log.warning("Requirement titles unavailable: %s", error)
        found = {}
    asked = {(province, (code or "").strip().lower()) for province, code in pairs}
    token = _PREFETCHED.set({"asked": asked, "found": found})
    try:
        yield
    finally:
        _PREFETCHED.reset(token)


def _is_multiple(field: Optional[dict]) -> bool:
    """Does the schema field hold a list (multiple choice or multiple text)?"""
    if not field:
        return False
    words = " ".join(str(field.get(key) or "") for key in ("preset", "validators", "output_validators"))
    return "multiple" in words or "json_list" in words


class ProvincialProfile(RDFProfile):
    """Provincial and GDC fields as DCAT, and back."""

    # ---------------------------------------------------------- helpers --

    def _id_base(self) -> str:
        return terms.id_base(settings.dcat_id_base())

    def _site(self) -> str:
        return catalog_uri().rstrip("/")

    def _text(self, value: str, is_choice: bool = False) -> Literal:
        """A field value: dates typed, Thai free text tagged ``@th``, codes and choices plain."""
        if terms.is_iso_date(value):
            return Literal(value, datatype=XSD.date)
        if not is_choice and terms.has_thai(value):
            return Literal(value, lang="th")
        return Literal(value)

    def _labels(self, node, predicate, th: str, en: str) -> None:
        if th:
            self.g.add((node, predicate, Literal(th, lang="th")))
        if en:
            self.g.add((node, predicate, Literal(en, lang="en")))

    def _schema_fields(self, entity: str) -> list[dict]:
        return list((self._dataset_schema or {}).get(f"{entity}_fields") or [])

    def _retag(self, subject, predicate) -> None:
        """Give untagged Thai literals the language tag ``th``."""
        for literal in list(self.g.objects(subject, predicate)):
            if isinstance(literal, Literal) and not literal.language and literal.datatype is None \
                    and terms.has_thai(literal):
                self.g.remove((subject, predicate, literal))
                self.g.add((subject, predicate, Literal(str(literal), lang="th")))

    # ------------------------------------------------------ serializing --

    def graph_from_dataset(self, dataset_dict, dataset_ref):
        g = self.g
        g.bind("provincial", PROVINCIAL)
        g.bind("skos", SKOS)

        self._language_tags(dataset_dict, dataset_ref)
        self._spatial(dataset_dict, dataset_ref)
        self._themes(dataset_dict, dataset_ref)
        self._requirements(dataset_dict, dataset_ref)

        frequency = terms.frequency_uri(dataset_dict.get("update_frequency_unit"),
                                        dataset_dict.get("update_frequency_interval"))
        if frequency:
            g.add((dataset_ref, DCT.accrualPeriodicity, URIRef(frequency)))
            g.add((URIRef(frequency), RDF.type, DCT.Frequency))

        rights = terms.access_right_uri(dataset_dict.get("data_category"), dataset_dict.get("data_classification"))
        if rights:
            g.remove((dataset_ref, DCT.accessRights, None))
            g.add((dataset_ref, DCT.accessRights, URIRef(rights)))
            g.add((URIRef(rights), RDF.type, DCT.RightsStatement))

        for language in _as_list(dataset_dict.get("data_language")):
            uri = terms.language_uri(language)
            if uri:
                g.add((dataset_ref, DCT.language, URIRef(uri)))
                g.add((URIRef(uri), RDF.type, DCT.LinguisticSystem))

        self._fields(dataset_dict, dataset_ref, self._schema_fields("dataset"), _CORE_DATASET_FIELDS
                     | set(AREA_FIELDS) | set(THEME_FIELDS) | {REQUIREMENT_FIELD})
        for resource in dataset_dict.get("resources") or []:
            distribution = URIRef(resource_uri(resource))
            self._retag(distribution, DCT.title)
            self._retag(distribution, DCT.description)
            self._fields(resource, distribution, self._schema_fields("resource"), _CORE_RESOURCE_FIELDS)

    def _fields(self, data: dict, subject, fields: Iterable[dict], skip: Iterable[str]) -> None:
        """``provincial:<field>`` for every schema field not written in standard terms."""
        skip = set(skip)
        for field in fields:
            name = field.get("field_name")
            if not name or name in skip:
                continue
            choices = bool(field.get("choices") or field.get("choices_helper"))
            for value in _as_list(data.get(name)):
                self.g.add((subject, PROVINCIAL[name], self._text(value, is_choice=choices)))

    def _language_tags(self, dataset_dict, dataset_ref) -> None:
        for predicate in (DCT.title, DCT.description, DCAT.keyword):
            self._retag(dataset_ref, predicate)
        for field, predicate in (("title_en", DCT.title), ("notes_en", DCT.description)):
            if dataset_dict.get(field):
                self.g.add((dataset_ref, predicate, Literal(dataset_dict[field], lang="en")))

    def _area(self, code: str):
        node = URIRef(terms.area_uri(code, self._id_base()))
        level = terms.area_level(code)
        self.g.add((node, RDF.type, DCT.Location))
        if level:
            self.g.add((node, RDF.type, AREA_CLASSES[level]))
        self.g.add((node, SKOS.notation, Literal(code)))
        area = codes.area(code)
        if area is not None:
            self._labels(node, SKOS.prefLabel, area.name_th, area.name_en)
        parent = terms.parent_area(code)
        if parent:
            self.g.add((node, SKOS.broader, URIRef(terms.area_uri(parent, self._id_base()))))
        return node

    def _spatial(self, dataset_dict, dataset_ref) -> None:
        for field in AREA_FIELDS:
            for code in _as_list(dataset_dict.get(field)):
                self.g.add((dataset_ref, DCT.spatial, self._area(code)))
        polygon = terms.bounding_box_wkt(*(dataset_dict.get(f) for f in BOUNDS))
        if polygon:
            box = BNode()
            self.g.add((dataset_ref, DCT.spatial, box))
            self.g.add((box, RDF.type, DCT.Location))
            self.g.add((box, RDF.type, PROVINCIAL.BoundingBox))
            self.g.add((box, DCAT.bbox, Literal(polygon, datatype=GSP.wktLiteral)))

    def _themes(self, dataset_dict, dataset_ref) -> None:
        base = self._id_base()
        pmqa = vocabulary_store.pmqa_file_or_none()
        scheme = URIRef(terms.pmqa_scheme_uri(base))
        for code in _as_list(dataset_dict.get("pmqa")):
            node = URIRef(terms.pmqa_uri(code, base))
            self.g.add((dataset_ref, DCAT.theme, node))
            self.g.add((node, RDF.type, SKOS.Concept))
            self.g.add((node, RDF.type, PROVINCIAL.PMQACode))
            self.g.add((node, SKOS.notation, Literal(code)))
            self.g.add((node, SKOS.inScheme, scheme))
            term = pmqa.get(code) if pmqa else None
            if term is not None:
                self._labels(node, SKOS.prefLabel, term.name.th, term.name.en)
                if term.parent:
                    self.g.add((node, SKOS.broader, URIRef(terms.pmqa_uri(term.parent, base))))
        if _as_list(dataset_dict.get("pmqa")):
            self.g.add((scheme, RDF.type, SKOS.ConceptScheme))
            self._labels(scheme, SKOS.prefLabel, "เกณฑ์คุณภาพการบริหารจัดการภาครัฐ 4.0",
                         "Public Sector Management Quality Award 4.0")

        issues = self._issue_file()
        site = self._site()
        for code in _as_list(dataset_dict.get("development_issues")):
            node = URIRef(terms.development_issue_uri(site, code))
            self.g.add((dataset_ref, DCAT.theme, node))
            self.g.add((node, RDF.type, SKOS.Concept))
            self.g.add((node, RDF.type, PROVINCIAL.DevelopmentIssue))
            self.g.add((node, SKOS.notation, Literal(code)))
            issue = issues.get(code) if issues else None
            if issue is not None:
                self._labels(node, SKOS.prefLabel, issue.name.th, issue.name.en)
                if issue.parent:
                    self.g.add((node, SKOS.broader, URIRef(terms.development_issue_uri(site, issue.parent))))

        categories = self._national_categories()
        for group in dataset_dict.get("groups") or []:
            category = categories.get(group.get("name"))
            if category is None:
                continue
            node = URIRef(terms.national_category_uri(site, category.code))
            self.g.add((dataset_ref, DCAT.theme, node))
            self.g.add((node, RDF.type, SKOS.Concept))
            self.g.add((node, RDF.type, PROVINCIAL.NationalCategory))
            self.g.add((node, SKOS.notation, Literal(category.code)))
            self._labels(node, SKOS.prefLabel, category.name.th, category.name.en)

    @staticmethod
    def _national_categories() -> dict:
        try:
            return {category.code: category for category in vocabulary_store.national_categories_file()}
        except (ValueError, OSError, TypeError) as error:
            log.warning("National group categories unavailable: %s", error)
            return {}

    @staticmethod
    def _issue_file():
        try:
            return vocabulary_store.issue_file()
        except (ValueError, OSError, TypeError) as error:
            log.warning("Development issue names unavailable: %s", error)
            return None

    def _requirements(self, dataset_dict, dataset_ref) -> None:
        wanted = _as_list(dataset_dict.get(REQUIREMENT_FIELD))
        if not wanted:
            return
        province = _requirement_province(dataset_dict)
        site = self._site()
        for code in wanted:
            node = URIRef(terms.requirement_uri(site, province, code))
            self.g.add((dataset_ref, DCT.relation, node))
            self.g.add((node, RDF.type, PROVINCIAL.DataRequirement))
            self.g.add((node, SKOS.notation, Literal(code)))
            self.g.add((node, PROVINCIAL.province_code, Literal(province)))
            requirement = self._requirement(province, code)
            if requirement is not None:
                self._labels(node, DCT.title, requirement.title_th, requirement.title_en)

    @staticmethod
    def _requirement(province: str, code: str):
        prefetched = _PREFETCHED.get()
        key = (province, (code or "").strip().lower())
        if prefetched is not None and key in prefetched["asked"]:
            return prefetched["found"].get(key)
        try:
            return model.requirement_by_code(province, code)
        except sqlalchemy.exc.SQLAlchemyError as error:
            # No plan tables yet: the link is still right, only its title is missing.
            model.session().rollback()
            log.warning("Requirement titles unavailable: %s", error)
            return None

    def graph_from_catalog(self, catalog_dict, catalog_ref):
        g = self.g
        g.bind("provincial", PROVINCIAL)
        self._retag(catalog_ref, DCT.title)
        self._retag(catalog_ref, DCT.description)
        province = settings.province_code()
        if codes.province(province) is not None:
            g.add((catalog_ref, DCT.spatial, self._area(province)))
        g.add((catalog_ref, PROVINCIAL.thaigdc_catalog_type, Literal(catalog_type())))

    # --------------------------------------------------------- parsing --

    def parse_dataset(self, dataset_dict, dataset_ref):
        self._parse_fields(dataset_dict, dataset_ref, "dataset")
        self._parse_texts(dataset_dict, dataset_ref)
        self._parse_spatial(dataset_dict, dataset_ref)
        self._parse_themes(dataset_dict, dataset_ref)
        self._parse_requirements(dataset_dict, dataset_ref)
        self._parse_frequency(dataset_dict, dataset_ref)
        self._parse_contact(dataset_dict)
        distributions = {str(ref): ref for ref in self._distributions(dataset_ref)}
        for resource in dataset_dict.get("resources") or []:
            distribution = distributions.get(str(resource.get("distribution_ref") or ""))
            if distribution is not None:
                self._parse_fields(resource, distribution, "resource")
        self._drop_derived_extras(dataset_dict, dataset_ref)
        return dataset_dict

    def _field(self, entity: str, name: str) -> Optional[dict]:
        return self._schema_field(name) if entity == "dataset" else self._schema_resource_field(name)

    def _parse_fields(self, data: dict, subject, entity: str) -> None:
        values: dict[str, list[str]] = {}
        for predicate, obj in self.g.predicate_objects(subject):
            if str(predicate).startswith(terms.PROVINCIAL_NAMESPACE):
                name = str(predicate)[len(terms.PROVINCIAL_NAMESPACE):]
                values.setdefault(name, []).append(str(obj))
        for name, found in values.items():
            field = self._field(entity, name)
            data[name] = self._ordered(field, found) if _is_multiple(field) or len(found) > 1 else found[0]

    @staticmethod
    def _ordered(field: Optional[dict], found: list[str]) -> list[str]:
        """RDF has no order: choices come back in the schema's order, other values sorted."""
        unique = list(dict.fromkeys(found))
        choices = [c.get("value") for c in (field or {}).get("choices") or []]
        return sorted(unique, key=lambda v: (choices.index(v) if v in choices else len(choices), v))

    def _tagged(self, subject, predicate) -> dict[str, str]:
        found: dict[str, str] = {}
        for literal in self.g.objects(subject, predicate):
            if isinstance(literal, Literal):
                found.setdefault(literal.language or "", str(literal))
        return found

    def _parse_texts(self, dataset_dict, dataset_ref) -> None:
        """Title and description: Thai (or untagged) to ``title``/``notes``, English to ``*_en``."""
        for field, predicate in (("title", DCT.title), ("notes", DCT.description)):
            found = self._tagged(dataset_ref, predicate)
            main = found.get("th") or found.get("")
            if main:
                dataset_dict[field] = main
                if found.get("en") and self._schema_field(f"{field}_en"):
                    dataset_dict[f"{field}_en"] = found["en"]
            elif found.get("en"):
                dataset_dict[field] = found["en"]

    def _ours(self, subject, predicate, rdf_type) -> list:
        return [node for node in self.g.objects(subject, predicate)
                if (node, RDF.type, rdf_type) in self.g and self.g.value(node, SKOS.notation) is not None]

    def _notations(self, subject, predicate, rdf_type) -> list[str]:
        return [str(self.g.value(node, SKOS.notation)) for node in self._ours(subject, predicate, rdf_type)]

    @staticmethod
    def _in_order(found: list[str], order: list[str]) -> list[str]:
        return sorted(set(found), key=lambda code: (order.index(code) if code in order else len(order), code))

    def _parse_spatial(self, dataset_dict, dataset_ref) -> None:
        provinces = sorted(set(self._notations(dataset_ref, DCT.spatial, PROVINCIAL.Province)))
        districts = sorted(set(self._notations(dataset_ref, DCT.spatial, PROVINCIAL.District)))
        subdistricts = sorted(set(self._notations(dataset_ref, DCT.spatial, PROVINCIAL.Subdistrict)))
        if provinces:
            dataset_dict["province_code"] = provinces[0]
        if districts:
            dataset_dict["district_codes"] = districts
        if subdistricts:
            dataset_dict["subdistrict_codes"] = subdistricts

    def _parse_themes(self, dataset_dict, dataset_ref) -> None:
        pmqa = self._notations(dataset_ref, DCAT.theme, PROVINCIAL.PMQACode)
        if pmqa:
            vocabulary = vocabulary_store.pmqa_file_or_none()
            dataset_dict["pmqa"] = self._in_order(pmqa, vocabulary.codes() if vocabulary else [])
        categories = self._notations(dataset_ref, DCAT.theme, PROVINCIAL.NationalCategory)
        if categories:
            dataset_dict["groups"] = [{"name": code} for code in sorted(set(categories))]
        issues = self._notations(dataset_ref, DCAT.theme, PROVINCIAL.DevelopmentIssue)
        if issues:
            known = self._issue_file()
            dataset_dict["development_issues"] = self._in_order(
                issues, [issue.code for issue in known.all()] if known else [])

    def _parse_requirements(self, dataset_dict, dataset_ref) -> None:
        found = self._notations(dataset_ref, DCT.relation, PROVINCIAL.DataRequirement)
        if found:
            dataset_dict[REQUIREMENT_FIELD] = sorted(set(found))

    def _parse_frequency(self, dataset_dict, dataset_ref) -> None:
        """Only for a graph without provincial:update_frequency_unit (another catalogue's)."""
        if dataset_dict.get("update_frequency_unit"):
            return
        for node in self.g.objects(dataset_ref, DCT.accrualPeriodicity):
            gdc = terms.gdc_frequency(str(node))
            if gdc:
                dataset_dict["update_frequency_unit"], interval = gdc
                if interval:
                    dataset_dict["update_frequency_interval"] = interval
                return

    def _parse_contact(self, dataset_dict) -> None:
        """euro_dcat_ap_3 reads the contact point into extras; the GDC fields are maintainer/maintainer_email."""
        extras = {extra.get("key"): extra.get("value") for extra in dataset_dict.get("extras") or []}
        moved = []
        if not dataset_dict.get("maintainer") and extras.get("contact_name"):
            dataset_dict["maintainer"] = extras["contact_name"]
            moved.append("contact_name")
        if not dataset_dict.get("maintainer_email") and extras.get("contact_email"):
            dataset_dict["maintainer_email"] = self._without_mailto(extras["contact_email"])
            moved.append("contact_email")
        dataset_dict["extras"] = [e for e in dataset_dict.get("extras") or [] if e.get("key") not in moved]

    def _drop_derived_extras(self, dataset_dict, dataset_ref) -> None:
        """Drop the extras euro_dcat_ap_3 made from triples that only restate provincial fields."""
        def only_ours(predicate, *types) -> bool:
            nodes = set(self.g.objects(dataset_ref, predicate))
            return bool(nodes) and all(any((node, RDF.type, t) in self.g for t in types) for node in nodes)

        def eu_only(predicate, prefix) -> bool:
            nodes = set(self.g.objects(dataset_ref, predicate))
            return bool(nodes) and all(str(node).startswith(prefix) for node in nodes)

        derived = set()
        if dataset_dict.get("update_frequency_unit") and eu_only(DCT.accrualPeriodicity, terms.EU_FREQUENCY):
            derived.add("frequency")
        if (dataset_dict.get("data_category") or dataset_dict.get("data_classification")) \
                and eu_only(DCT.accessRights, terms.EU_ACCESS_RIGHT):
            derived.add("access_rights")
        if dataset_dict.get("data_language") and eu_only(DCT.language, terms.EU_LANGUAGE):
            derived.add("language")
        if only_ours(DCAT.theme, PROVINCIAL.PMQACode, PROVINCIAL.DevelopmentIssue, PROVINCIAL.NationalCategory):
            derived.add("theme")
        if only_ours(DCT.relation, PROVINCIAL.DataRequirement):
            derived.add("related_resource")
        if only_ours(DCT.spatial, PROVINCIAL.BoundingBox, *AREA_CLASSES.values()):
            derived.update(("spatial_uri", "spatial_text", "spatial", "spatial_bbox", "spatial_centroid"))
        dataset_dict["extras"] = [e for e in dataset_dict.get("extras") or [] if e.get("key") not in derived]
