"""The production deployment under docker/, checked without Docker.

Docker cannot run where the tests run, so these tests read what `docker
compose` and `docker build` would read: the compose file filled in from
.env.example, the Dockerfiles with their build contexts and .dockerignore, the
start-up scripts. The CKAN settings of the containers are held against the
project's own sources of truth: test.ini's [app:main] (plugins and the
extension's options), setup.cfg (plugin entry points), requirements.txt (pins),
CKAN's config declarations, and solr/conf/ (the local stack's Solr files).
"""
from __future__ import annotations

import configparser
import datetime
import importlib.metadata
import importlib.util
import os
import py_compile
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]
DOCKER = ROOT / "docker"
COMPOSE_FILE = DOCKER / "docker-compose.yml"
ENV_EXAMPLE = DOCKER / ".env.example"

# Options a deployment sets for itself in docker/.env, which may differ from
# test.ini's value (the key must still be there).
DOCKER_SITE_OPTIONS = {"ckanext.provincial.province_code"}


def _load_module(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


configure = _load_module("docker_configure", DOCKER / "ckan" / "setup" / "configure.py")
wait_for = _load_module("docker_wait_for", DOCKER / "ckan" / "setup" / "wait_for.py")


# ------------------------------------------------------------------ readers --

def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a compose .env file (comments and blanks skipped)."""
    values = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}:{number}: not KEY=VALUE: {line!r}"
        values[key.strip()] = value.strip()
    return values


_VARIABLE = re.compile(
    r"\$(?:\$|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))"
)


class MissingVariable(Exception):
    pass


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error} and $$."""

    def replace(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("braced") or match.group("plain")
        op, arg = match.group("op"), match.group("arg")
        value = env.get(name)
        unset_or_empty = value is None or value == ""
        if op == ":-":
            return arg if unset_or_empty else value
        if op == "-":
            return arg if value is None else value
        if op == ":?" and unset_or_empty or op == "?" and value is None:
            raise MissingVariable(f"{name}: {arg}")
        return value or ""

    return _VARIABLE.sub(replace, text)


def referenced_variables(text: str) -> dict[str, list[str]]:
    """Variables the compose file uses, with the defaults it gives them."""
    found: dict[str, list[str]] = {}
    for match in _VARIABLE.finditer(text):
        name = match.group("braced") or match.group("plain")
        if name:
            defaults = found.setdefault(name, [])
            if match.group("op") in (":-", "-"):
                defaults.append(match.group("arg"))
    return found


def deep_interpolate(node, env):
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, list):
        return [deep_interpolate(item, env) for item in node]
    if isinstance(node, dict):
        return {key: deep_interpolate(value, env) for key, value in node.items()}
    return node


def example_env() -> dict[str, str]:
    """.env.example with a stand-in for each required secret left empty there."""
    env = read_env_file(ENV_EXAMPLE)
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    for name in referenced_variables(text):
        if env.get(name) == "" and re.search(r"\$\{" + name + r":\?", text):
            env[name] = f"example{name.lower()}"
    return env


def compose() -> dict:
    raw = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    return deep_interpolate(raw, example_env())


def running_services(project: dict) -> dict[str, dict]:
    """Services that `docker compose up` starts (not the build-only ones)."""
    return {name: svc for name, svc in project["services"].items() if not svc.get("profiles")}


def service_environment(service: dict) -> dict[str, str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.partition("=")[::2] for item in environment)
    return {key: "" if value is None else str(value) for key, value in environment.items()}


def docker_options(service: dict) -> dict[str, str]:
    """The CKAN options a CKAN container runs with, from its environment."""
    from ckan.config.environment import CONFIG_FROM_ENV_VARS

    environment = service_environment(service)
    options = configure.options_from_environ(environment)
    for option, variable in CONFIG_FROM_ENV_VARS.items():
        if environment.get(variable):
            options[option] = environment[variable]
    return options


def read_test_ini() -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read(ROOT / "test.ini", encoding="utf-8")
    defaults = parser.defaults()
    return {key: value for key, value in parser.items("app:main", raw=True) if key not in defaults}



def extension_options() -> dict[str, str]:
    """test.ini's options that every portal shares: all but the per-site ones."""
    derive_ini = _load_module("stack_derive_ini", ROOT / "stack" / "derive_ini.py")
    return {key: value for key, value in read_test_ini().items() if key.lower() not in derive_ini.PER_SITE}


def words(value: str) -> list[str]:
    return value.split()


class Dockerfile:
    """Instructions of a Dockerfile: continuation lines joined, comments dropped."""

    def __init__(self, path: Path):
        self.path = path
        self.instructions: list[tuple[str, str]] = []
        pending = ""
        for line in path.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            if not pending and (not stripped or stripped.startswith("#")):
                continue
            if pending and stripped.startswith("#"):
                continue
            if stripped.endswith("\\"):
                pending += stripped[:-1] + " "
                continue
            full = pending + stripped
            pending = ""
            keyword, _, rest = full.partition(" ")
            self.instructions.append((keyword.upper(), rest.strip()))

    def of(self, keyword: str) -> list[str]:
        return [rest for kw, rest in self.instructions if kw == keyword]

    def arg_defaults(self) -> dict[str, str]:
        defaults = {}
        for rest in self.of("ARG"):
            name, sep, value = rest.partition("=")
            if sep:
                defaults[name] = value
        return defaults

    def copies(self) -> list[tuple[dict[str, str], list[str], str]]:
        """(flags, sources, destination) of each COPY/ADD."""
        result = []
        for kw, rest in self.instructions:
            if kw not in ("COPY", "ADD"):
                continue
            parts = rest.split()
            flags = {}
            while parts and parts[0].startswith("--"):
                name, _, value = parts.pop(0)[2:].partition("=")
                flags[name] = value
            result.append((flags, parts[:-1], parts[-1]))
        return result


def dockerignore_patterns(context: Path) -> list[str]:
    path = context / ".dockerignore"
    if not path.exists():
        return []
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def _pattern_regex(pattern: str) -> re.Pattern:
    regex = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            regex += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            regex += ".*"
            i += 2
        elif pattern[i] == "*":
            regex += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            regex += "[^/]"
            i += 1
        else:
            regex += re.escape(pattern[i])
            i += 1
    return re.compile(regex + r"\Z")


def is_ignored(relative: str, patterns: list[str]) -> bool:
    """Docker's rule: the last pattern that matches the path or a parent decides."""
    parts = relative.strip("/").split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    ignored = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        regex = _pattern_regex(pattern.lstrip("!").strip("/"))
        if any(regex.match(prefix) for prefix in prefixes):
            ignored = not negated
    return ignored


def local_builds(project: dict) -> list[tuple[str, Path, Path, dict]]:
    """(service, context, Dockerfile, build) of every service built from this repository."""
    builds = []
    for name, svc in project["services"].items():
        build = svc.get("build")
        if not build:
            continue
        if isinstance(build, str):
            build = {"context": build}
        if "://" in build["context"]:
            continue
        context = (DOCKER / build["context"]).resolve()
        builds.append((name, context, context / build.get("dockerfile", "Dockerfile"), build))
    return builds


# ----------------------------------------------------------- the compose file --

def test_compose_file_has_the_services_of_a_ckan_deployment():
    project = compose()

    assert set(running_services(project)) == {"ckan", "worker", "db", "solr", "redis", "nginx"}
    assert project["services"]["ckan-base"]["profiles"] == ["build"]
    # Only nginx is reachable from outside; the data services are on internal networks.
    published = {name for name, svc in project["services"].items() if svc.get("ports")}
    assert published == {"nginx"}
    for service, network in (("db", "dbnet"), ("solr", "solrnet"), ("redis", "redisnet")):
        assert project["services"][service]["networks"] == [network]
        assert project["networks"][network]["internal"] is True


def test_every_service_that_runs_has_a_health_check():
    for name, svc in running_services(compose()).items():
        check = svc.get("healthcheck") or {}
        assert check.get("test"), f"service {name} has no healthcheck"
        assert not check.get("disable"), f"service {name} disables its healthcheck"
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name


def test_services_wait_for_the_health_of_what_they_use():
    services = compose()["services"]

    def healthy_dependencies(name):
        return {dep for dep, how in services[name]["depends_on"].items() if how["condition"] == "service_healthy"}

    assert healthy_dependencies("ckan") == {"db", "solr", "redis"}
    assert healthy_dependencies("worker") >= {"ckan", "redis"}
    assert healthy_dependencies("nginx") == {"ckan"}


def test_data_lives_in_named_volumes():
    project = compose()
    expected = {
        "db": "/var/lib/postgresql/data",
        "solr": "/var/solr",
        "ckan": "/var/lib/ckan",
        "worker": "/var/lib/ckan",
        "redis": "/data",
    }
    for service, target in expected.items():
        mounts = dict(reversed(volume.split(":")[:2]) for volume in project["services"][service]["volumes"])
        source = mounts.get(target)
        assert source in project["volumes"], f"{service}: {target} is not on a named volume"
    # Web and worker containers share one file store.
    assert [v for v in project["services"]["ckan"]["volumes"] if v.endswith(":/var/lib/ckan")] == [
        v for v in project["services"]["worker"]["volumes"] if v.endswith(":/var/lib/ckan")
    ]


def volume_is_read_only(service: dict, target: str) -> bool:
    for volume in service["volumes"]:
        parts = volume.split(":")
        if parts[1] == target:
            return len(parts) > 2 and "ro" in parts[2].split(",")
    return False


def test_workers_read_uploads_from_the_web_containers_file_store():
    # Jobs open an upload where the web container wrote it (no HTTP, no API
    # token): both containers must mount one volume where CKAN_STORAGE_PATH says.
    services = compose()["services"]
    stores = []
    for name in ("ckan", "worker"):
        path = service_environment(services[name])["CKAN_STORAGE_PATH"]
        mounts = dict(reversed(volume.split(":")[:2]) for volume in services[name]["volumes"])
        assert path in mounts, f"{name}: CKAN_STORAGE_PATH {path} is not a mounted volume"
        assert not volume_is_read_only(services[name], path), f"{name}: the file store is mounted read-only"
        stores.append(mounts[path])
    assert stores[0] == stores[1] and stores[0] in compose()["volumes"]


def test_worker_runs_the_web_image_as_a_job_worker():
    services = compose()["services"]
    assert services["worker"]["image"] == services["ckan"]["image"]
    assert services["worker"]["command"] == ["/srv/app/provincial/start_worker.sh"]
    script = (DOCKER / "ckan" / "setup" / "start_worker.sh").read_text(encoding="utf-8")
    # Our worker: CKAN's, without loading CKAN again for each job, with rq's
    # scheduler for retries (ckanext/provincial/background.py).
    assert re.search(r"exec ckan -c \S+ provincial worker", script)
    # More than one by default, so one long load does not hold up the others.
    assert services["worker"]["deploy"]["replicas"] >= 2
    # The worker runs with exactly the web container's CKAN settings.
    assert docker_options(services["worker"]) == docker_options(services["ckan"])


def test_compose_variables_are_all_documented_in_env_example():
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    used = referenced_variables(text)
    documented = read_env_file(ENV_EXAMPLE)

    assert sorted(set(used) - set(documented)) == [], "used by docker-compose.yml, missing from .env.example"
    assert sorted(set(documented) - set(used)) == [], "in .env.example, used by nothing"
    for name, defaults in used.items():
        for default in defaults:
            if documented[name] and default:
                assert default == documented[name], f"{name}: compose default {default!r} != .env.example {documented[name]!r}"


def test_env_example_holds_no_secret():
    documented = read_env_file(ENV_EXAMPLE)
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    for name, value in documented.items():
        if re.search(r"PASSWORD|SECRET|TOKEN", name):
            assert value == "", f"{name} has a value in .env.example"
    # Each required secret makes compose stop with a message when it is missing.
    for name in ("CKAN___SECRET_KEY", "POSTGRES_PASSWORD", "CKAN_DB_PASSWORD", "DATASTORE_READONLY_PASSWORD"):
        assert re.search(r"\$\{" + name + r":\?[^}]+\}", text), name
    with pytest.raises(MissingVariable, match=r"set \w+ in docker/\.env"):
        deep_interpolate(yaml.safe_load(text), read_env_file(ENV_EXAMPLE))


class _ComposeLoader(yaml.SafeLoader):
    """Reads compose's merge tags (!override, !reset) as plain values."""


def _plain(loader, node):
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


for _tag in ("!override", "!reset"):
    _ComposeLoader.add_constructor(_tag, _plain)


def test_managed_database_override_leaves_no_service_waiting_for_the_db_service():
    override = yaml.load((DOCKER / "docker-compose.managed-db.yml").read_text(encoding="utf-8"), Loader=_ComposeLoader)
    project = compose()

    assert override["services"]["db"]["profiles"]
    for name, svc in running_services(project).items():
        if name == "db":
            continue
        depends_on = override["services"].get(name, {}).get("depends_on", svc.get("depends_on", {}))
        assert "db" not in depends_on, f"{name} would wait for the db service"
        if name == "ckan":
            assert set(depends_on) == {"solr", "redis"}


def test_bind_mounted_directories_exist():
    for name, svc in compose()["services"].items():
        for volume in svc.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith((".", "/")):
                assert (DOCKER / source).resolve().is_dir(), f"{name}: bind mount {source} does not exist"


# ------------------------------------------------------- images and contexts --

def test_build_contexts_and_dockerfiles_exist():
    builds = local_builds(compose())
    assert {name for name, *_ in builds} == {"ckan", "db", "solr", "nginx"}
    for name, context, dockerfile, _ in builds:
        assert context.is_dir(), f"{name}: build context {context} does not exist"
        assert dockerfile.is_file(), f"{name}: {dockerfile} does not exist"
        assert str(dockerfile.resolve()).startswith(str(DOCKER)), f"{name}: Dockerfile outside docker/"


@pytest.mark.parametrize("service", ["ckan", "db", "solr", "nginx"])
def test_every_copied_file_exists_in_the_build_context(service):
    [(name, context, dockerfile, _)] = [b for b in local_builds(compose()) if b[0] == service]
    patterns = dockerignore_patterns(context)
    copies = Dockerfile(dockerfile).copies()
    assert copies, f"{dockerfile} copies nothing"
    for flags, sources, _ in copies:
        if "from" in flags:
            continue
        for source in sources:
            assert "://" not in source, f"{dockerfile}: downloads {source} at build time"
            path = context / source
            assert path.exists(), f"{dockerfile}: COPY {source}: not in {context}"
            relative = path.resolve().relative_to(context).as_posix()
            assert not is_ignored(relative, patterns), f"{dockerfile}: COPY {source} is excluded by .dockerignore"


def test_copies_from_stages_name_stages_of_the_same_dockerfile():
    dockerfile = Dockerfile(DOCKER / "ckan" / "Dockerfile")
    stages = {re.split(r"\s+as\s+", rest, flags=re.I)[1] for rest in dockerfile.of("FROM") if re.search(r"\s+as\s+", rest, re.I)}
    used = {flags["from"] for flags, _, _ in dockerfile.copies() if "from" in flags}
    assert used == {"assets", "translations"} <= stages


def test_dockerignore_keeps_local_and_built_files_out_of_the_image():
    patterns = dockerignore_patterns(ROOT)
    for path in (
        ".venv/bin/python", ".stack/pg/PG_VERSION", ".git/HEAD", "ckanext/provincial/assets/node_modules/leaflet/x.js",
        "ckanext/provincial/assets/vendor/chart.umd.min.js", "i18n/th/LC_MESSAGES/ckanext-provincial.mo",
        "test-artifacts/report.xml", "ckanext/provincial/__pycache__/plugin.cpython-311.pyc", "docker/.env",
        "ckanext_provincial.egg-info/PKG-INFO",
    ):
        assert is_ignored(path, patterns), path
    for path in ("ckanext/provincial/plugin.py", "schemas/dataset.yaml", "i18n/th/LC_MESSAGES/ckanext-provincial.po",
                 "solr/conf/managed-schema", "requirements.txt", "docker/ckan/setup/configure.py"):
        assert not is_ignored(path, patterns), path
    # A deployment's .env stays out of git too.
    assert ".env" in (DOCKER / ".gitignore").read_text(encoding="utf-8").split()


def test_dockerignore_rules_follow_docker_semantics():
    patterns = ["**/*.pyc", "build", "docs/*.md", "!docs/keep.md"]
    assert is_ignored("a/b/c.pyc", patterns)
    assert is_ignored("c.pyc", patterns)
    assert is_ignored("build/lib/x.py", patterns)
    assert not is_ignored("src/build.py", patterns)
    assert is_ignored("docs/deploy.md", patterns)
    assert not is_ignored("docs/keep.md", patterns)
    assert not is_ignored("docs/sub/deploy.md", patterns)


def test_ckan_image_is_the_official_base_built_for_the_pinned_ckan_and_python():
    services = compose()["services"]
    base = services["ckan-base"]
    pins = dict(
        re.match(r"([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==(\S+)", line).groups()
        for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if "==" in line and not line.lstrip().startswith("#")
    )

    assert base["build"]["context"].startswith("https://github.com/ckan/ckan-docker-base.git#")
    assert base["build"]["context"].endswith(":ckan-2.11")
    assert base["build"]["args"]["CKAN_REF"] == f"ckan-{pins['ckan']}"
    assert base["build"]["args"]["PYTHON_VERSION"] == f"{sys.version_info.major}.{sys.version_info.minor}"
    # The tag names what it holds, so that a bump of the pin renames the image.
    assert base["image"].endswith(f":{pins['ckan']}-py{base['build']['args']['PYTHON_VERSION']}")
    assert services["ckan"]["build"]["args"]["CKAN_BASE_IMAGE"] == base["image"]
    assert Dockerfile(DOCKER / "ckan" / "Dockerfile").arg_defaults()["CKAN_BASE_IMAGE"] == base["image"]


def test_ckan_image_installs_the_pinned_requirements_and_the_extension():
    dockerfile = Dockerfile(DOCKER / "ckan" / "Dockerfile")
    setup_cfg = configparser.ConfigParser()
    setup_cfg.read(ROOT / "setup.cfg", encoding="utf-8")
    package = setup_cfg["metadata"]["name"]

    [env] = [rest for rest in dockerfile.of("ENV") if rest.startswith("PROVINCIAL_SRC=")]
    assert env.endswith("/" + package)
    runs = " ".join(dockerfile.of("RUN"))
    assert "pip3 install --no-cache-dir -r ${PROVINCIAL_SRC}/requirements.txt" in runs
    assert "pip3 install --no-cache-dir --no-deps ${PROVINCIAL_SRC}" in runs
    assert "bash assets/vendor.sh" in runs and "msgfmt --check" in runs
    # The vendored files land where vendor.sh writes them and package_data picks them up.
    vendor = (ROOT / "ckanext" / "provincial" / "assets" / "vendor.sh").read_text(encoding="utf-8")
    assert "VENDOR=$HERE/vendor" in vendor and "FONTS=$HERE/../public/provincial/fonts" in vendor


def test_plugins_named_by_the_start_scripts_exist():
    from ckanext.provincial.cli import get_commands

    [provincial] = get_commands()

    setup_cfg = configparser.ConfigParser()
    setup_cfg.read(ROOT / "setup.cfg", encoding="utf-8")
    entry_points = setup_cfg["options.entry_points"]["ckan.plugins"]
    assert re.search(r"^\s*provincial\s*=\s*ckanext\.provincial\.plugin:ProvincialPlugin\s*$", entry_points, re.M)

    script = (DOCKER / "ckan" / "setup" / "site_setup.sh").read_text(encoding="utf-8")
    assert "db upgrade -p provincial" in script
    assert provincial.name == "provincial"
    # Every `ckan provincial ...` command the start-up runs is one the extension has.
    invoked = re.findall(r"ckan_cli provincial ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?", script)
    assert ("vocabulary", "sync") in invoked
    for group, command in invoked:
        assert group in provincial.commands, f"site_setup.sh runs ckan provincial {group}, which does not exist"
        if command:
            assert command in provincial.commands[group].commands, f"ckan provincial {group} {command} does not exist"


# --------------------------------------------------------- CKAN's settings --

def test_plugin_list_is_test_ini_plugin_list():
    expected = words(read_test_ini()["ckan.plugins"])
    for name, svc in running_services(compose()).items():
        if name in ("ckan", "worker"):
            assert words(docker_options(svc)["ckan.plugins"]) == expected, name


def test_every_plugin_is_installed_by_the_image():
    requirements = {
        re.split(r"[\[=<>~ ]", line.strip(), maxsplit=1)[0].lower().replace("_", "-")
        for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    }
    providers = {ep.name: ep.dist.name.lower().replace("_", "-") for ep in importlib.metadata.entry_points(group="ckan.plugins")}
    for plugin in words(docker_options(compose()["services"]["ckan"])["ckan.plugins"]):
        assert plugin in providers, f"no installed package provides the plugin {plugin}"
        assert providers[plugin] in requirements | {"ckan", "ckanext-provincial"}, (
            f"plugin {plugin} comes from {providers[plugin]}, which requirements.txt does not pin"
        )


def test_extension_options_are_test_ini_options_with_thai_first():
    docker = docker_options(compose()["services"]["ckan"])
    for key, value in extension_options().items():
        assert key in docker, f"test.ini's {key} is not set in docker-compose.yml"
        if key == "ckan.locale_default":
            assert docker[key] == "th"
        elif key not in DOCKER_SITE_OPTIONS:
            assert words(docker[key]) == words(value), key
    assert words(docker["ckan.locales_offered"]) == ["th", "en"]


def test_every_docker_option_is_declared():
    from ckan.config.declaration import Declaration

    docker = docker_options(compose()["services"]["ckan"])
    declaration = Declaration()
    declaration.load_core_declaration()
    for plugin in words(docker["ckan.plugins"]):
        declaration.load_plugin(plugin)
    ini = read_test_ini()
    env = service_environment(compose()["services"]["ckan"])
    for variable in env:
        key = configure.option_name(variable)
        if key is None:
            continue
        strict = variable.startswith("CKANEXT__PROVINCIAL__") or (
            variable.startswith("CKAN__") and not variable.startswith("CKAN___")
        )
        if strict or key.isupper():
            assert declaration.get(key) is not None, f"{variable} sets {key}, which no config declaration declares"
        else:
            # Options of plugins that declare none (scheming, geoview) must at
            # least be the project's own, from test.ini.
            assert declaration.get(key) is not None or key in ini, f"{variable} sets {key}: undeclared and not in test.ini"


def test_database_urls_point_at_the_databases_the_init_script_creates():
    services = compose()["services"]
    ckan, db = service_environment(services["ckan"]), service_environment(services["db"])
    assert ckan["CKAN_SQLALCHEMY_URL"].endswith(f"@db:5432/{db['CKAN_DB']}")
    assert ckan["CKAN_SQLALCHEMY_URL"].startswith(f"postgresql://{db['CKAN_DB_USER']}:")
    assert ckan["CKAN_DATASTORE_WRITE_URL"].startswith(f"postgresql://{db['CKAN_DB_USER']}:")
    assert ckan["CKAN_DATASTORE_WRITE_URL"].endswith(f"/{db['DATASTORE_DB']}")
    assert ckan["CKAN_DATASTORE_READ_URL"].startswith(f"postgresql://{db['DATASTORE_READONLY_USER']}:")
    assert ckan["CKAN_DATASTORE_READ_URL"].endswith(f"/{db['DATASTORE_DB']}")
    assert ckan["CKAN_SOLR_URL"] == "http://solr:8983/solr/ckan"
    assert ckan["CKAN_REDIS_URL"].startswith("redis://redis:6379/")


def test_nginx_accepts_the_largest_upload_ckan_accepts():
    nginx = service_environment(compose()["services"]["nginx"])
    size = re.fullmatch(r"(\d+)([kKmMgG]?)", nginx["NGINX_CLIENT_MAX_BODY_SIZE"])
    number, unit = int(size.group(1)), size.group(2).lower()
    megabytes = {"": number / 2**20, "k": number / 1024, "m": number, "g": number * 1024}[unit]
    assert megabytes > int(read_test_ini()["ckan.max_resource_size"])
    template = (DOCKER / "nginx" / "templates" / "ckan.conf.template").read_text(encoding="utf-8")
    assert "client_max_body_size ${NGINX_CLIENT_MAX_BODY_SIZE};" in template


# ------------------------------------------------------------------- Solr --

def test_solr_image_serves_the_local_stacks_solr_files():
    [(_, context, dockerfile, _)] = [b for b in local_builds(compose()) if b[0] == "solr"]
    assert context == ROOT
    conf_copies = [(sources, dest) for flags, sources, dest in Dockerfile(dockerfile).copies() if dest.rstrip("/").endswith("/conf")]
    # The image takes solr/conf/ whole, byte for byte: the same files as the local stack.
    assert conf_copies == [(["solr/conf/"], "${CKAN_CONFIGSET}/conf/")]
    assert "ENV CKAN_CONFIGSET=/opt/solr/server/solr/configsets/ckan" in dockerfile.read_text(encoding="utf-8")
    assert not is_ignored("solr/conf/managed-schema", dockerignore_patterns(ROOT))

    conf = ROOT / "solr" / "conf"
    assert (conf / "solrconfig.xml").is_file()
    assert (conf / "managed-schema").is_file() or (conf / "managed-schema.xml").is_file()
    # Every resource the schema names is in the directory the image copies.
    schema = next(p for p in (conf / "managed-schema", conf / "managed-schema.xml") if p.is_file())
    for resource in re.findall(r'(?:words|synonyms|protected|dictionary)="([^"]+)"', schema.read_text(encoding="utf-8")):
        for name in resource.split(","):
            assert (conf / name.strip()).is_file(), f"the schema names {name}, missing from solr/conf/"


def test_solr_image_is_the_solr_line_of_the_local_stack_and_core_ckan():
    dockerfile = Dockerfile(DOCKER / "solr" / "Dockerfile")
    tag = re.fullmatch(r"solr:(9\.\d+)", dockerfile.arg_defaults()["SOLR_IMAGE"])
    assert tag, "pin the Solr 9 minor release, e.g. solr:9.10"
    local = re.search(r"<solr\.version>(\d+\.\d+)\.\d+</solr\.version>", (ROOT / "solr" / "pom.xml").read_text(encoding="utf-8"))
    assert tag.group(1) == local.group(1), "docker/solr and the local stack (solr/pom.xml) run different Solr releases"
    assert dockerfile.of("CMD") == ['["solr-precreate", "ckan", "/opt/solr/server/solr/configsets/ckan"]']


# -------------------------------------------------------------- scripts --

def _scripts(suffix: str) -> list[Path]:
    return sorted(p for p in DOCKER.rglob(f"*{suffix}") if p.is_file())


@pytest.mark.parametrize("script", _scripts(".sh"), ids=lambda p: p.relative_to(DOCKER).as_posix())
def test_shell_scripts_parse(script):
    shell = "sh" if script.read_text(encoding="utf-8").startswith("#!/bin/sh") else "bash"
    result = subprocess.run([shutil.which(shell), "-n", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("script", _scripts(".py"), ids=lambda p: p.relative_to(DOCKER).as_posix())
def test_python_scripts_compile(script, tmp_path):
    py_compile.compile(str(script), cfile=str(tmp_path / "out.pyc"), doraise=True)


def test_image_commands_name_scripts_that_exist():
    setup = DOCKER / "ckan" / "setup"
    services = compose()["services"]
    assert (setup / "start_web.sh").is_file()
    assert Dockerfile(DOCKER / "ckan" / "Dockerfile").of("CMD") == ['["/srv/app/provincial/start_web.sh"]']
    for command in (services["worker"]["command"][0], services["worker"]["healthcheck"]["test"][-1]):
        assert command.startswith("/srv/app/provincial/")
        assert (setup / command.removeprefix("/srv/app/provincial/")).is_file(), command


def test_deploy_guide_names_files_that_exist():
    guide = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:docker|solr|bench|tests)/[^` ]*|test\.ini|requirements\.txt|CHANGELOG\.md)`", guide))
    named.discard("docker/.env")  # the operator's copy of .env.example, made in step 2
    assert {"docker/docker-compose.yml", "solr/conf/", "test.ini"} <= named
    for name in sorted(named):
        assert (ROOT / name).exists(), f"docs/deploy.md names {name}, which does not exist"


# -------------------------------------------- configure.py (env -> ckan.ini) --

@pytest.mark.parametrize(
    ("variable", "option"),
    [
        ("CKAN__SITE_ID", "ckan.site_id"),
        ("CKAN__LOCALES_OFFERED", "ckan.locales_offered"),
        ("CKAN__AUTH__CREATE_UNOWNED_DATASET", "ckan.auth.create_unowned_dataset"),
        ("CKANEXT__PROVINCIAL__PROVINCE_CODE", "ckanext.provincial.province_code"),
        ("CKANEXT__PROVINCIAL__DATASTORE__MAX_COLUMNS", "ckanext.provincial.datastore.max_columns"),
        ("CKAN__DATASTORE__DEFAULT_FTS_INDEX_FIELD_TYPES", "ckan.datastore.default_fts_index_field_types"),
        ("CKAN___SCHEMING__DATASET_SCHEMAS", "scheming.dataset_schemas"),
        ("CKAN___SECRET_KEY", "SECRET_KEY"),
        ("CKAN___WTF_CSRF_ENABLED", "WTF_CSRF_ENABLED"),
        ("CKAN_SQLALCHEMY_URL", None),
        ("CKAN_INI", None),
        ("CKAN_SYSADMIN_PASSWORD", None),
        ("CKAN___", None),
        ("PATH", None),
    ],
)
def test_variable_names_map_to_options_as_ckanext_envvars_does(variable, option):
    assert configure.option_name(variable) == option


def test_values_are_written_so_that_ckan_reads_them_back(tmp_path):
    from ckan.cli import CKANConfigLoader

    ini = tmp_path / "ckan.ini"
    ini.write_text("[app:main]\nuse = egg:ckan\nckan.site_id = base\n", encoding="utf-8")
    environ = {
        "CKAN_INI": str(ini),
        "CKAN_SITE_URL": "https://data.example.go.th",
        "CKAN__PLUGINS": "provincial scheming_datasets",
        "CKAN___SECRET_KEY": "0123456789abcdef",
        "CKAN__SITE_ID": "saraburi",
        "CKANEXT__SPATIAL__COMMON_MAP__ATTRIBUTION": "© OpenStreetMap contributors, 100% free",
        "CKANEXT__PROVINCIAL__PROVINCE_CODE": "19",
        "CKAN_STORAGE_PATH": str(tmp_path),
    }
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith(("CKAN_", "CKAN__", "CKANEXT__")):
                patch.delenv(name)
        for name, value in environ.items():
            patch.setenv(name, value)
        assert configure.main([]) == 0
        config = CKANConfigLoader(str(ini)).get_config()

    assert config["ckan.plugins"] == "provincial scheming_datasets"
    assert config["SECRET_KEY"] == "0123456789abcdef"
    assert config["ckan.site_id"] == "saraburi"
    assert config["ckanext.spatial.common_map.attribution"] == "© OpenStreetMap contributors, 100% free"
    assert config["ckanext.provincial.province_code"] == "19"


def test_containers_read_the_datastore_full_text_options_as_ckan_means_them(tmp_path):
    # The compose environment, written by configure.py, read back by CKAN and
    # normalised by its config declarations: an empty list must stay empty
    # (one full-text index per table), not fall back to CKAN's "text tsvector".
    from ckan.cli import CKANConfigLoader
    from ckan.common import CKANConfig
    from ckan.config.declaration import Declaration

    ini = tmp_path / "ckan.ini"
    ini.write_text(
        "[app:main]\nuse = egg:ckan\nckan.datastore.default_fts_index_field_types = text tsvector\n", encoding="utf-8"
    )
    environ = {**service_environment(compose()["services"]["worker"]), "CKAN_INI": str(ini)}
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith(("CKAN_", "CKAN__", "CKANEXT__")):
                patch.delenv(name)
        for name, value in environ.items():
            patch.setenv(name, value)
        assert configure.main([]) == 0
        loaded = CKANConfigLoader(str(ini)).get_config()

    config = CKANConfig(loaded)
    declaration = Declaration()
    declaration.load_core_declaration()
    declaration.load_plugin("datastore")
    declaration.normalize(config)
    assert config["ckan.datastore.default_fts_lang"] == "simple"
    assert config["ckan.datastore.default_fts_index_method"] == "gin"
    assert config["ckan.datastore.default_fts_index_field_types"] == []


def test_no_xloader_and_no_api_token_left_in_the_deployment():
    # The portal loads tables itself and its jobs read the file store: no
    # loader plugin that calls back over HTTP, no token made or kept for one.
    project = compose()
    for name in ("ckan", "worker"):
        environment = service_environment(project["services"][name])
        assert "xloader" not in words(docker_options(project["services"][name])["ckan.plugins"])
        assert not [variable for variable in environment if "XLOADER" in variable or "API_TOKEN" in variable], name
    assert not [name for name in read_env_file(ENV_EXAMPLE) if "XLOADER" in name or "API_TOKEN" in name]
    for path in sorted([*DOCKER.rglob("*"), ROOT / "docs" / "deploy.md"]):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            assert not re.search(r"xloader|api-token|api_token", text, re.I), f"{path.relative_to(ROOT)} still names it"


def test_configure_refuses_to_start_without_secret_key_plugin_or_site_url():
    good = {"SECRET_KEY": "s3cr3t-value", "ckan.plugins": "provincial datastore"}
    site = {"CKAN_SITE_URL": "https://data.example.go.th"}
    assert configure.problems(good, site) == []

    for secret in ("", "CHANGE_ME", "  "):
        [problem] = configure.problems({**good, "SECRET_KEY": secret}, site)
        assert "CKAN___SECRET_KEY" in problem
    [problem] = configure.problems({**good, "ckan.plugins": "datastore datatables_view"}, site)
    assert "provincial" in problem
    [problem] = configure.problems(good, {"CKAN_SITE_URL": "data.example.go.th"})
    assert "CKAN_SITE_URL" in problem
    [problem] = configure.problems({**good, "ckan.site_title": "two\nlines"}, site)
    assert problem.startswith("ckan.site_title")


def test_configure_check_fails_on_the_example_env_as_shipped():
    # .env.example leaves CKAN___SECRET_KEY empty on purpose: the container must not start with it.
    environ = {name: value for name, value in read_env_file(ENV_EXAMPLE).items()}
    environ["CKAN__PLUGINS"] = "provincial"
    options = configure.options_from_environ(environ)
    assert any("CKAN___SECRET_KEY" in problem for problem in configure.problems(options, environ))


# ---------------------------------------------------------- wait_for.py --

class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_wait_returns_once_the_service_answers():
    clock, calls = FakeClock(), []

    def check():
        calls.append(clock.now)
        if len(calls) < 3:
            raise ConnectionError("refused")

    assert wait_for.wait(check, timeout=30, interval=2, clock=clock, sleep=clock.sleep) is None
    assert calls == [0.0, 2.0, 4.0]


def test_wait_gives_up_with_the_last_error_when_time_runs_out():
    clock = FakeClock()

    def check():
        raise ConnectionError(f"refused at {clock.now:.0f}")

    error = wait_for.wait(check, timeout=10, interval=3, clock=clock, sleep=clock.sleep)
    assert isinstance(error, ConnectionError)
    assert str(error) == "refused at 9"
    assert clock.now == 9


def test_wait_for_names_the_missing_variable(capsys, monkeypatch):
    monkeypatch.delenv("CKAN_SOLR_URL", raising=False)
    assert wait_for.main(["solr"]) == 2
    assert "CKAN_SOLR_URL is not set" in capsys.readouterr().err
    assert wait_for.main(["elasticsearch"]) == 2


# ------------------------------------------------- nightly usage summary --

nightly = _load_module("docker_nightly", DOCKER / "ckan" / "setup" / "nightly.py")


def test_worker_starts_the_nightly_usage_summary_beside_the_job_worker():
    script = (DOCKER / "ckan" / "setup" / "start_worker.sh").read_text(encoding="utf-8")
    background = script.index("python3 /srv/app/provincial/nightly.py &")
    assert background < script.index("exec ckan")  # started before the worker replaces the shell
    # What it runs: the tracking summary (CKAN's `ckan tracking update`, from a sensible first day).
    assert [list(c) for c in nightly.COMMANDS] == [
        ["provincial", "usage", "update"], ["provincial", "gap", "snapshot"], ["provincial", "datarequest", "refresh"],
        ["provincial", "datastore", "requeue"], ["provincial", "report", "monthly"],
        ["provincial", "links", "check", "--scheduled"]]


def test_nightly_runs_at_night_in_thailand():
    zone = nightly.bangkok()
    at = nightly.run_at("02:30")
    evening = datetime.datetime(2026, 12, 3, 23, 0, tzinfo=zone)
    assert nightly.next_run(evening, at) == datetime.datetime(2026, 12, 4, 2, 30, tzinfo=zone)
    early = datetime.datetime(2026, 12, 3, 1, 0, tzinfo=zone)
    assert nightly.next_run(early, at) == datetime.datetime(2026, 12, 3, 2, 30, tzinfo=zone)
    assert evening.utcoffset() == datetime.timedelta(hours=7)
    assert nightly.run_at("not a time") == datetime.time(2, 30)
