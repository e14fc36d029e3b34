"""The demonstration catalogue built from ``demo/data/*.yaml``: agencies, plans, datasets, expected statuses.

The YAML files are the content (agencies, the requirement plan, datasets and
how their files look); this module turns them into the dictionaries that CKAN
actions take, and the files into bytes (``tables``). Nothing here talks to
CKAN: ``loader`` does. See the package's docstring for the demonstration
marker and the dates relative to the day of loading.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

import geothai
import yaml

from ckanext.provincial import thai_dates
from ckanext.provincial.demo import tables

DATA_DIR = os.path.join(os.path.dirname(__file__), "data")

# Catalogue type keys -> GDC ``data_type`` stored values.
DATA_TYPES = {
    "record": "ข้อมูลระเบียน",
    "statistics": "ข้อมูลสถิติ",
    "gis": "ข้อมูลภูมิสารสนเทศเชิงพื้นที่",
    "multiple": "ข้อมูลหลากหลายประเภท",
    "other": "ข้อมูลประเภทอื่นๆ",
}

# File format -> the GDC ``data_format`` value that declares it.
DECLARED_FORMAT = {"CSV": "CSV", "XLSX": "XLS", "GeoJSON": "JSON", "JSON": "JSON", "TXT": "Text"}

# Dataset fields copied onto each resource as its GDC ``resource_*`` field.
RESOURCE_FIELDS = {
    "record": ("data_collect",),
    "multiple": ("data_collect",),
    "other": ("data_collect",),
    "statistics": ("first_year_of_data", "last_year_of_data", "disaggregate", "unit_of_measure",
                   "unit_of_multiplier", "official_statistics", "data_release_calendar"),
    "gis": ("geographic_data_set", "equivalent_scale", "positional_accuracy", "data_release_date"),
}
RESOURCE_COMMON_FIELDS = ("accessible_condition", "last_updated_date")

# Data whose period ends before the update (a year's figures come out the next year).
_PERIOD_LAG_DAYS = {"ปี": 365, "ครึ่งปี": 182, "ไตรมาส": 91, "เดือน": 30}


class CatalogueError(ValueError):
    """The demo data files contradict themselves (unknown agency, duplicate code...)."""


# ------------------------------------------------------------------- model --

@dataclass(frozen=True)
class Province:
    code: str
    slug: str
    name_th: str
    name_en: str
    coordinator: str
    email_domain: str
    areas: dict[str, str]
    centroids: dict[str, tuple[float, float]]

    @property
    def area(self) -> tables.Area:
        return tables.Area(self.code, self.name_th, self.name_en, self.centroids)

    def org_name(self, agency_key: str) -> str:
        return f"{self.slug}-{agency_key}"

    def dataset_name(self, key: str) -> str:
        return f"{self.slug}-{key}"

    def names(self) -> dict[str, str]:
        return {"province_th": self.name_th, "province_en": self.name_en}


@dataclass(frozen=True)
class AgencyWorkbook:
    """An agency's catalogue in the national GDC metadata workbook
    (``data/workbooks/<organization>.xlsx``), imported into its organization."""
    path: str
    organization: str
    province_code: str

    @property
    def filename(self) -> str:
        return os.path.basename(self.path)


@dataclass(frozen=True)
class Catalogue:
    provinces: tuple[Province, ...]
    agencies: tuple[dict[str, Any], ...]
    themes: tuple[dict[str, Any], ...]
    defaults: dict[str, Any]
    workbooks: tuple[AgencyWorkbook, ...] = ()

    def province(self, code: str) -> Province:
        for province in self.provinces:
            if province.code == code:
                return province
        raise CatalogueError(f"no demo province {code!r} (have {', '.join(p.code for p in self.provinces)})")

    def agency(self, key: str) -> dict[str, Any]:
        for agency in self.agencies:
            if agency["key"] == key:
                return agency
        raise CatalogueError(f"unknown agency {key!r} (agencies.yaml)")

    def workbooks_of(self, code: str) -> list[AgencyWorkbook]:
        return [workbook for workbook in self.workbooks if workbook.province_code == code]


@dataclass
class ResourcePlan:
    file: tables.GeneratedFile
    fields: dict[str, Any]


@dataclass
class DatasetPlan:
    name: str
    fields: dict[str, Any]
    resources: list[ResourcePlan] = field(default_factory=list)


@dataclass
class ProvincePlan:
    province: Province
    organizations: list[dict[str, Any]]
    requirements: list[dict[str, Any]]
    datasets: list[DatasetPlan]


# ----------------------------------------------------------------- reading --

# The C parser when PyYAML has it: the pure-Python one takes seconds on the catalogue.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read(path: str) -> Any:
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_YAML_LOADER)


def load_catalogue(data_dir: str = DATA_DIR) -> Catalogue:
    """Read and cross-check the demo data files."""
    raw_provinces = _read(os.path.join(data_dir, "provinces.yaml"))["provinces"]
    agencies = tuple(_read(os.path.join(data_dir, "agencies.yaml"))["agencies"])
    themes = tuple(_read(os.path.join(data_dir, "catalogue.yaml"))["themes"])
    defaults = _read(os.path.join(data_dir, "defaults.yaml"))

    provinces = []
    for raw in raw_provinces:
        code = str(raw["code"])
        found = geothai.province(code)
        if found is None:
            raise CatalogueError(f"provinces.yaml: unknown province code {code!r}")
        centroids = {str(k): (float(v[0]), float(v[1])) for k, v in (raw.get("districts") or {}).items()}
        missing = [d.code for d in geothai.districts(code) if d.code not in centroids]
        if missing:
            raise CatalogueError(f"provinces.yaml: province {code} lacks district centres for {', '.join(missing)}")
        provinces.append(Province(
            code=code, slug=str(raw["slug"]), name_th=found.name_th, name_en=found.name_en,
            coordinator=str(raw["coordinator"]), email_domain=str(raw["email_domain"]),
            areas={str(k): str(v) for k, v in (raw.get("areas") or {}).items()}, centroids=centroids,
        ))
    workbooks = _agency_workbooks(os.path.join(data_dir, "workbooks"), provinces, agencies)
    catalogue = Catalogue(tuple(provinces), agencies, themes, defaults, workbooks)
    _check(catalogue)
    return catalogue


def _agency_workbooks(directory: str, provinces: list[Province],
                      agencies: tuple[dict[str, Any], ...]) -> tuple[AgencyWorkbook, ...]:
    """The ``.xlsx`` files of ``directory``, each named after the demo organization it is for."""
    owners = {province.org_name(agency["key"]): province.code for province in provinces for agency in agencies}
    found = []
    for filename in sorted(os.listdir(directory)) if os.path.isdir(directory) else []:
        stem, extension = os.path.splitext(filename)
        if extension.lower() != ".xlsx":
            continue
        if stem not in owners:
            raise CatalogueError(f"workbooks/{filename}: the file is named after no demo organization "
                                 f"(<province slug>-<agency key>, e.g. saraburi-pao.xlsx)")
        found.append(AgencyWorkbook(os.path.join(directory, filename), stem, owners[stem]))
    return tuple(found)


def _check(catalogue: Catalogue) -> None:
    keys = [a["key"] for a in catalogue.agencies]
    if len(keys) != len(set(keys)):
        raise CatalogueError("agencies.yaml: duplicate agency key")
    codes, names = set(), set()
    for theme in catalogue.themes:
        code = theme.get("code") or ""
        if code and code in codes:
            raise CatalogueError(f"catalogue.yaml: duplicate requirement code {code}")
        codes.add(code)
        catalogue.agency(theme["agency"])
        for province in catalogue.provinces:
            if theme["area"] not in province.areas:
                raise CatalogueError(f"catalogue.yaml {code}: province {province.code} maps no area {theme['area']!r}")
        for dataset in theme.get("datasets") or []:
            if dataset["key"] in names:
                raise CatalogueError(f"catalogue.yaml: duplicate dataset key {dataset['key']}")
            names.add(dataset["key"])
            if dataset["type"] not in DATA_TYPES:
                raise CatalogueError(f"catalogue.yaml {dataset['key']}: unknown type {dataset['type']!r}")
            if dataset.get("agency"):
                catalogue.agency(dataset["agency"])
    for province in catalogue.provinces:
        catalogue.agency(province.coordinator)


# --------------------------------------------------------------- building --

def _fmt(text: Any, province: Province) -> str:
    return str(text or "").format(**province.names()).strip()


def _in_province(entry: dict[str, Any], province: Province) -> bool:
    only = entry.get("only")
    return not only or province.code in [str(c) for c in only]


def _stable_int(*parts: str) -> int:
    return int(hashlib.sha256("/".join(parts).encode("utf-8")).hexdigest()[:8], 16)


def marked(title: str, catalogue: Catalogue) -> str:
    """The title with the demonstration marker."""
    marker = catalogue.defaults["marker_th"]
    return title if title.endswith(marker) else f"{title} {marker}"


def is_demo_title(title: Optional[str], catalogue: Catalogue) -> bool:
    return bool(title) and str(title).endswith(catalogue.defaults["marker_th"])


def organizations(catalogue: Catalogue, province: Province) -> list[dict[str, Any]]:
    """``organization_create`` dictionaries of the province's agencies."""
    note = catalogue.defaults["marker_note"]
    found = []
    for agency in catalogue.agencies:
        title_th = _fmt(agency["title_th"], province)
        title_en = _fmt(agency["title_en"], province)
        # The agency's own words first; the English name for readers who search in English.
        description = "\n\n".join(filter(None, [
            _fmt(agency.get("description_th"), province), f"ชื่อภาษาอังกฤษ: {title_en}", f"*{note}*"]))
        found.append({
            "name": province.org_name(agency["key"]),
            "title": marked(title_th, catalogue),
            "description": description,
            "province_code": province.code,
            "agency_kind": agency.get("kind") or "other",
            "parent_agency": _fmt(agency.get("parent_th"), province),
            "plan_coordinator": "True" if agency["key"] == province.coordinator else "False",
        })
    return found


def issue_fields(code: str, parents: dict[str, Optional[str]]) -> dict[str, str]:
    """``development_issue`` / ``sub_issue`` of an area's code: a sub-issue brings its parent."""
    if code not in parents:
        raise CatalogueError(f"development issue {code!r} is not in schemas/development_issues")
    parent = parents[code]
    if parent:
        return {"development_issue": parent, "sub_issue": code}
    return {"development_issue": code, "sub_issue": ""}


def _issue_code(code: str, parents: dict[str, Optional[str]]) -> str:
    if code not in parents:
        raise CatalogueError(f"development issue {code!r} is not in schemas/development_issues")
    return code


def requirements(catalogue: Catalogue, province: Province,
                 parents: dict[str, Optional[str]]) -> list[dict[str, Any]]:
    """The province's requirement plan, one dictionary per requirement."""
    found = []
    for theme in catalogue.themes:
        plan = theme.get("requirement")
        if not plan or not _in_province(theme, province):
            continue
        unit, interval = plan["frequency"]
        found.append({
            "code": theme["code"],
            "province_code": province.code,
            "title_th": _fmt(plan["title_th"], province),
            "title_en": _fmt(plan["title_en"], province),
            **issue_fields(province.areas[theme["area"]], parents),
            "agency": province.org_name(theme["agency"]),
            "purpose": _fmt(plan.get("purpose"), province),
            "update_frequency_unit": unit,
            "update_frequency_interval": str(interval),
            "geo_level": plan.get("geo_level") or "จังหวัด",
            "priority": plan.get("priority") or "medium",
            "pmqa": [str(p) for p in plan.get("pmqa") or []],
            "source_plan": plan.get("source_plan") or "แผนพัฒนาสถิติระดับจังหวัด (ข้อมูลสาธิต)",
        })
    return found


def _dataset_spec(dataset: dict[str, Any], province: Province) -> dict[str, Any]:
    spec = {k: v for k, v in dataset.items() if k != "in"}
    overrides = (dataset.get("in") or {}).get(province.code) or (dataset.get("in") or {}).get(int(province.code))
    spec.update(overrides or {})
    return spec


def _be_year(day: dt.date) -> str:
    return str(thai_dates.buddhist_year(day.year))


def build_dataset(catalogue: Catalogue, province: Province, theme: dict[str, Any],
                  dataset: dict[str, Any], parents: dict[str, Optional[str]], today: dt.date) -> DatasetPlan:
    """One dataset's ``package_create`` fields and its generated files."""
    spec = _dataset_spec(dataset, province)
    defaults = catalogue.defaults
    kind = spec["type"]
    agency = catalogue.agency(spec.get("agency") or theme["agency"])
    requirement = theme.get("requirement") or {}
    unit, interval = spec.get("frequency") or requirement.get("frequency") or ["ปี", 1]
    age = spec.get("updated_days_ago")
    if age is None:
        age = defaults["fresh_days"].get(unit, 30)
    updated = today - dt.timedelta(days=int(age))
    name = province.dataset_name(spec["key"])
    private = bool(spec.get("private"))

    files: list[tables.GeneratedFile] = []
    for index, file_spec in enumerate(spec.get("files") or []):
        label = _fmt(file_spec.get("name_th"), province) or _fmt(spec["title_th"], province)
        basename = name if index == 0 else f"{name}-{index + 1}"
        files.extend(tables.generate_files(
            file_spec, province.area, updated, seed=f"{province.code}/{spec['key']}/{index}",
            basename=basename, name=label,
        ))
    # Data about some districts only says which (DOPA codes).
    districts = sorted({str(d) for f in spec.get("files") or [] for d in f.get("districts") or []})
    declared = spec.get("data_format") or list(dict.fromkeys(DECLARED_FORMAT[f.format] for f in files))

    title_th = _fmt(spec["title_th"], province)
    agency_title = _fmt(agency["title_th"], province)
    fields: dict[str, Any] = {
        "name": name,
        "title": marked(title_th, catalogue),
        "notes": f"{_fmt(spec.get('notes_th'), province)}\n\n**{defaults['marker_note']}**",
        "owner_org": province.org_name(agency["key"]),
        "private": private,
        "data_type": DATA_TYPES[kind],
        "maintainer": f"กลุ่มงานข้อมูลและสารสนเทศ {agency_title}",
        "maintainer_email": f"{agency['key']}@{province.email_domain}",
        "tag_string": ",".join(dict.fromkeys([*(str(t) for t in spec.get("tags") or []), defaults["tag"]])),
        "update_frequency_unit": unit,
        "update_frequency_interval": str(interval),
        "data_source": agency_title,
        "data_format": declared,
        "last_updated_date": updated.isoformat(),
        "province_code": province.code,
        "requirement_codes": [theme["code"]] if theme.get("code") and requirement else [],
        "pmqa": [str(p) for p in requirement.get("pmqa") or []],
        "development_issues": [_issue_code(province.areas[theme["area"]], parents)],
    }
    if districts:
        fields["district_codes"] = districts
    fields.update(defaults["dataset"])
    if private:
        fields.update(defaults["private"])
    fields.update(defaults["by_type"].get(kind) or {})

    created = dt.date(updated.year - 2 - _stable_int(name) % 4, 10, 1)
    covered_until = max(created, updated - dt.timedelta(days=_PERIOD_LAG_DAYS.get(unit, 0)))
    fields["reference_period"] = f"{created.isoformat()}/{covered_until.isoformat()}"
    if kind in ("record", "multiple", "other"):
        fields["created_date"] = created.isoformat()
    if kind == "statistics":
        fields["first_year_of_data"] = _be_year(created)
        fields["last_year_of_data"] = _be_year(covered_until)
        fields["data_release_calendar"] = updated.isoformat()
    if kind == "gis":
        fields.update(bounding_box(province))
        fields["data_release_date"] = updated.isoformat()
        fields["data_release_calendar"] = updated.isoformat()
    fields.update(spec.get("gdc") or {})

    resources = []
    for generated in files:
        resource = {
            "name": generated.name,
            "description": f"{title_th} ในรูปแบบไฟล์ {generated.format}\n\n{defaults['marker_note']}",
            "format": generated.format,
            "mimetype": generated.mimetype,
            "hash": generated.md5,
        }
        for key in RESOURCE_COMMON_FIELDS + RESOURCE_FIELDS.get(kind, ()):
            for field_name in (key, f"{key}_other"):
                if fields.get(field_name) not in (None, "", []):
                    resource[f"resource_{field_name}"] = fields[field_name]
        if kind != "statistics":
            resource["resource_created_date"] = created.isoformat()
        resources.append(ResourcePlan(generated, resource))
    return DatasetPlan(name, fields, resources)


def bounding_box(province: Province, margin: float = 0.08) -> dict[str, str]:
    """GDC bounding box around the district centres (north/south are latitudes)."""
    lats = [c[0] for c in province.centroids.values()]
    lons = [c[1] for c in province.centroids.values()]
    return {
        "west_bound_longitude": f"{min(lons) - margin:.4f}",
        "east_bound_longitude": f"{max(lons) + margin:.4f}",
        "north_bound_longitude": f"{max(lats) + margin:.4f}",
        "south_bound_longitude": f"{min(lats) - margin:.4f}",
    }


def datasets(catalogue: Catalogue, province: Province, parents: dict[str, Optional[str]],
             today: dt.date) -> list[DatasetPlan]:
    found = []
    for theme in catalogue.themes:
        if not _in_province(theme, province):
            continue
        for dataset in theme.get("datasets") or []:
            if _in_province(dataset, province):
                found.append(build_dataset(catalogue, province, theme, dataset, parents, today))
    return found


def province_plan(catalogue: Catalogue, code: str, parents: dict[str, Optional[str]],
                  today: dt.date) -> ProvincePlan:
    """Everything the demo creates for one province."""
    province = catalogue.province(code)
    return ProvincePlan(
        province=province,
        organizations=organizations(catalogue, province),
        requirements=requirements(catalogue, province, parents),
        datasets=datasets(catalogue, province, parents, today),
    )


def issue_parents(directory: Optional[str] = None) -> dict[str, Optional[str]]:
    """Every development issue code of ``schemas/development_issues`` -> its parent code."""
    from ckanext.provincial import development_issues, schemas

    directory = directory or schemas.path("development_issues")
    return {issue.code: issue.parent for issue in development_issues.load_directory(directory).all()}


def expected_statuses(plan: ProvincePlan, today: dt.date) -> dict[str, str]:
    """What the gap engine should say of each requirement, from the plan alone.

    Used by the tests to check the demo really shows every status.
    """
    from ckanext.provincial import gap

    facts = []
    for dataset in plan.datasets:
        pkg = dict(dataset.fields)
        pkg["tags"] = [{"name": t} for t in pkg.get("tag_string", "").split(",") if t]
        pkg["resources"] = [{"url": r.file.filename, "format": r.fields["format"]} for r in dataset.resources]
        pkg["organization"] = {"name": pkg["owner_org"]}
        facts.append(gap.facts_from_dataset(pkg))
    rows = gap.evaluate(plan.requirements, facts, today)
    return {row["code"]: row["status"] for row in rows}


def iter_names(catalogue: Catalogue, codes: Iterable[str]) -> dict[str, list[str]]:
    """Organization and dataset names the demo owns in these provinces (for ``--reset``),
    whatever the day: names do not depend on dates."""
    orgs, names = [], []
    for code in codes:
        province = catalogue.province(code)
        orgs.extend(province.org_name(a["key"]) for a in catalogue.agencies)
        for theme in catalogue.themes:
            for dataset in theme.get("datasets") or []:
                names.append(province.dataset_name(dataset["key"]))
    return {"organizations": orgs, "datasets": names}
