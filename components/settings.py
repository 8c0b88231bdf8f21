"""Stack settings: read once, typed, validated before any resource is registered.

Defaults live only in the config schema of `Pulumi.yaml`; the engine applies them before the
program starts, so this module sees every key with a value or not at all.
"""

from __future__ import annotations

import json
import re
import urllib.parse
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable, Mapping, TypeVar

import pulumi

from components.cost import Footprint, PriceTable
from components.quantity import Quantity, parse_quantity

NAMESPACE = "goship"
PROJECT_DIR = Path(__file__).resolve().parent.parent

KNOWN_PLATFORMS = ("linux/amd64", "linux/arm64", "linux/arm/v7", "linux/ppc64le", "linux/s390x")
ACCESS_MODES = ("ReadWriteOnce", "ReadWriteOncePod")
IMAGE_MODES = ("build", "release")
# Every key this program reads; Pulumi.yaml declares each with its type, description, default.
KEYS = (
    "appName",
    "namespace",
    "kubeconfig",
    "kubeContext",
    "imageRegistry",
    "imageRepository",
    "imageTag",
    "imageMode",
    "platforms",
    "buildContext",
    "builderImage",
    "runtimeImage",
    "buildCache",
    "buildOnPreview",
    "buildxBuilder",
    "registryUsername",
    "registryPassword",
    "replicas",
    "volumeAccessMode",
    "containerPort",
    "timezone",
    "healthPath",
    "cpuRequest",
    "cpuLimit",
    "memoryRequest",
    "memoryLimit",
    "storageSize",
    "storageClass",
    "namespaceCpuQuota",
    "namespaceMemoryQuota",
    "ingressHost",
    "ingressClass",
    "ingressTlsSecret",
    "appEnv",
    "appSecrets",
    "githubRepository",
    "githubBranch",
    "githubToken",
    "githubApiUrl",
    "workflowPath",
    "workflowContext",
    "backupSchedule",
    "backupRetention",
    "backupStorageSize",
    "backupS3Endpoint",
    "backupS3Bucket",
    "backupS3Prefix",
    "backupS3Region",
    "backupS3AccessKeyId",
    "backupS3SecretAccessKey",
    "priceCurrency",
    "priceCpuCoreHour",
    "priceMemoryGiBHour",
    "priceStorageGiBHour",
)
# Keys that mean something only with a bucket (the region has a default, so it is not here).
S3_KEYS = ("backupS3Endpoint", "backupS3Prefix", "backupS3AccessKeyId", "backupS3SecretAccessKey")
SECRET_KEYS = (
    "registryPassword",
    "kubeconfig",
    "githubToken",
    "appSecrets",
    "backupS3SecretAccessKey",
)
# The app and the Deployment own these variables; letting appEnv set them would break the pod.
RESERVED_ENV = ("PORT", "TZ", "DB_DIR")

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_DNS_1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")
_LABEL = r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"
_HOSTNAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})+$")
# A registry is a host with at least one dot (as Docker tells hosts from namespaces), an IPv4
# address or localhost, optionally with a port.
_REGISTRY = re.compile(rf"^(localhost|{_LABEL}(\.{_LABEL})+)(:[0-9]{{1,5}})?$")
_RESOURCE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
# One path component of an image name, as the distribution spec defines it.
_IMAGE_COMPONENT = re.compile(r"^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_GITHUB_OWNER = re.compile(r"^[A-Za-z0-9](-?[A-Za-z0-9]){0,38}$")
_GITHUB_REPO = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_WORKFLOW_PATH = re.compile(r"^\.github/workflows/[A-Za-z0-9_.-]+\.ya?ml$")
_HTTP_PATH = re.compile(r"^/[A-Za-z0-9._~/-]*$")
# Up to a million an hour, to a billionth: beyond any host's price, and a cost model that stays
# exact.
_PRICE = re.compile(r"^[0-9]{1,6}(\.[0-9]{1,9})?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
# Bucket names as S3 defines them (and the app's S3 client checks them); the prefix is a key
# prefix ending in / (or empty).
_S3_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IPV4_SHAPE = re.compile(r"^([0-9]+\.){3}[0-9]+$")
_S3_PREFIX = re.compile(r"^([A-Za-z0-9!_.*'()-]+/)*$")
_S3_REGION = re.compile(r"^[a-z0-9-]{1,32}$")
# Kubernetes CronJob schedules: five fields, or one of the @ macros the controller knows.
_CRON_MACROS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
_CRON_FIELDS = (
    (0, 59, ()),
    (0, 23, ()),
    (1, 31, ()),
    (1, 12, ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")),
    # 0-6 as the controller's parser takes it: it refuses 7 for Sunday.
    (0, 6, ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")),
)
# The most days each month can have; a day-of-month list no listed month reaches never fires.
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_DIGITS = re.compile(r"[0-9]+")


class SettingsError(pulumi.RunError):
    """A config value is wrong; the message has one sentence per wrong value."""


@dataclass(frozen=True)
class Secret:
    """A secret config value; its repr never shows the value."""

    value: str = field(repr=False)

    def __repr__(self) -> str:
        return "Secret(****)"

    def output(self) -> pulumi.Output[str]:
        """The value as a secret Output, so the engine encrypts it in state."""
        return pulumi.Output.secret(self.value)


@dataclass(frozen=True)
class ImageSettings:
    """What to build and where to push it."""

    registry: str
    repository: str
    tag: str
    mode: str
    platforms: tuple[str, ...]
    context: Path
    build_args: Mapping[str, str]
    cache: bool
    build_on_preview: bool
    builder: str | None
    registry_username: str
    registry_password: Secret

    @property
    def name(self) -> str:
        """The image name without tag, e.g. `docker.io/alice/goship-app`."""
        return f"{self.registry}/{self.repository}"

    @property
    def tagged(self) -> str:
        """The name with this stack's tag."""
        return f"{self.name}:{self.tag}"

    @property
    def cache_ref(self) -> str:
        """Where the registry build cache lives: a tag of its own beside the image."""
        return f"{self.name}:buildcache"


@dataclass(frozen=True)
class GitHubSettings:
    """The app's GitHub repository that receives the secret, variables and workflow."""

    owner: str
    repository: str
    branch: str
    workflow_path: str
    workflow_context: str
    api_url: str
    token: Secret


@dataclass(frozen=True)
class WebAppSettings:
    """How the app runs in the host's namespace."""

    name: str
    namespace: str
    replicas: int
    port: int
    timezone: str
    health_path: str
    cpu_request: Quantity
    cpu_limit: Quantity
    memory_request: Quantity
    memory_limit: Quantity
    storage_size: Quantity
    storage_class: str | None
    access_mode: str
    ingress_host: str | None
    ingress_class: str
    ingress_tls_secret: str | None
    env: Mapping[str, str]
    secret_env: Secret | None


@dataclass(frozen=True)
class S3Settings:
    """Where the backup job also uploads each copy."""

    endpoint: str
    bucket: str
    prefix: str
    region: str
    access_key_id: str
    secret_access_key: Secret


@dataclass(frozen=True)
class BackupSettings:
    """When the backup job copies the live database, and how many copies it keeps."""

    schedule: str
    retention: int
    storage_size: Quantity
    s3: S3Settings | None


@dataclass(frozen=True)
class ClusterSettings:
    """How to reach the Kubernetes API server."""

    kubeconfig: Secret | None
    context: str | None


@dataclass(frozen=True)
class Settings:
    """Every setting of one stack, validated."""

    image: ImageSettings
    github: GitHubSettings | None
    web_app: WebAppSettings
    backup: BackupSettings | None
    cluster: ClusterSettings
    prices: PriceTable

    def footprint(self) -> Footprint:
        """What the host bills: the app's limits per replica and both claims' sizes.

        The backup job's limits are left out: it runs for seconds a day, a rounding error
        next to the pod that runs all day.
        """
        app = self.web_app
        storage = app.storage_size.value
        if self.backup is not None:
            storage += self.backup.storage_size.value
        return Footprint(
            cpu_cores=app.cpu_limit.value * app.replicas,
            memory_bytes=app.memory_limit.value * app.replicas,
            storage_bytes=storage,
        )


T = TypeVar("T")


class _Reader:
    """Reads raw config strings and collects one sentence per wrong value."""

    def __init__(self, raw: Mapping[str, str], secret_keys: set[str]):
        self.raw = raw
        self.secret_keys = secret_keys
        self.errors: list[str] = []

    def fail(self, key: str, value: str | None, allowed: str) -> None:
        shown = "(secret)" if key in SECRET_KEYS else repr(value)
        self.errors.append(f"{NAMESPACE}:{key} is {shown}, but {allowed}.")

    def text(self, key: str, *, required: bool = True) -> str | None:
        value = self.raw.get(key)
        if value is None or value == "":
            if required:
                self.errors.append(f"{NAMESPACE}:{key} is not set, but it is required.")
            return None
        return value

    def check(
        self, key: str, check: Callable[[str], T | None], allowed: str, *, required: bool = True
    ) -> T | None:
        value = self.text(key, required=required)
        if value is None:
            return None
        result = check(value)
        if result is None:
            self.fail(key, value, allowed)
        return result

    def secret(self, key: str, *, required: bool = True) -> Secret | None:
        value = self.text(key, required=required)
        if value is None:
            return None
        if key not in self.secret_keys:
            self.errors.append(
                f"{NAMESPACE}:{key} is stored in plain text, but it must be a secret "
                f"(set it with `pulumi config set --secret {key}`)."
            )
            return None
        return Secret(value)


def _matching(pattern: re.Pattern[str]) -> Callable[[str], str | None]:
    # fullmatch: `$` alone also matches before a final newline.
    return lambda value: value if pattern.fullmatch(value) else None


def _integer(low: int, high: int) -> Callable[[str], int | None]:
    def parse(value: str) -> int | None:
        try:
            number = int(value)
        except ValueError:
            return None
        return number if low <= number <= high else None

    return parse


def _boolean(value: str) -> bool | None:
    return {"true": True, "false": False}.get(value.lower())


def _one_of(choices: tuple[str, ...]) -> Callable[[str], str | None]:
    return lambda value: value if value in choices else None


def _string_list(value: str) -> list[str] | None:
    try:
        items = json.loads(value)
    except json.JSONDecodeError:
        return None
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        return None
    return items


def _timezone(value: str) -> str | None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
    return value


def _quantity_text(value: Decimal, kind: str) -> str:
    """A value as Kubernetes writes it: millicores for CPU, the largest binary unit for memory."""
    if kind == "cpu":
        return f"{value * 1000:f}".rstrip("0").rstrip(".") + "m"
    for suffix, size in (("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)):
        if value % size == 0:
            return f"{int(value // size)}{suffix}"
    return f"{int(value)}"


def _storage_quantity(value: str) -> Quantity | None:
    # Below a mebibyte no provisioner makes a volume; a bare `10` is ten bytes, not 10Gi.
    quantity = parse_quantity(value)
    return quantity if quantity is not None and quantity.value >= 2**20 else None


def _cpu_quantity(value: str) -> Quantity | None:
    # Kubernetes does not allow CPU finer than 1m; the cost would be priced on a figure the
    # host never bills.
    quantity = _positive_quantity(value)
    return quantity if quantity is not None and (quantity.value * 1000) % 1 == 0 else None


def _positive_quantity(value: str) -> Quantity | None:
    quantity = parse_quantity(value)
    return quantity if quantity is not None and quantity.value > 0 else None


def _image_repository(value: str) -> str | None:
    parts = value.split("/")
    if len(parts) < 2 or not all(_IMAGE_COMPONENT.fullmatch(part) for part in parts):
        return None
    return value


def _http_url(value: str) -> str | None:
    if not re.fullmatch(r"https?://[^\s/]+(/[^\s]*)?", value):
        return None
    try:
        parts = urllib.parse.urlsplit(value)
        parts.port  # raises on a port that is no number or out of range
    except ValueError:
        return None
    return value if parts.hostname and parts.username is None else None


def _s3_endpoint(value: str) -> str | None:
    # The app's S3 client takes a host and a TLS switch only: a path or query would be lost.
    url = _http_url(value)
    if url is None:
        return None
    parts = urllib.parse.urlsplit(url)
    return url if parts.path in ("", "/") and not parts.query and not parts.fragment else None


def _s3_bucket(value: str) -> str | None:
    if not _S3_BUCKET.fullmatch(value) or _IPV4_SHAPE.fullmatch(value):
        return None
    return None if any(pair in value for pair in ("..", ".-", "-.")) else value


def _s3_prefix(value: str) -> str | None:
    if not _S3_PREFIX.fullmatch(value):
        return None
    return None if {".", ".."} & set(value.split("/")) else value


def _image_settings(read: _Reader) -> ImageSettings:
    repository = read.check(
        "imageRepository",
        _image_repository,
        "allowed is `<namespace>/<name>` in lower case letters, digits and . _ - separators "
        "(a name without namespace would be pushed to `library/`)",
    )
    tag = read.check(
        "imageTag",
        _matching(_TAG),
        "allowed is a Docker tag: up to 128 letters, digits, _ . - (not leading . -)",
    )
    if tag == "latest":
        read.fail("imageTag", tag, "allowed is a version tag, because `latest` moves")
        tag = None

    platforms = read.check("platforms", _string_list, "allowed is a list of platform strings")
    if platforms is not None:
        unknown = [p for p in platforms if p not in KNOWN_PLATFORMS]
        if unknown:
            read.fail("platforms", unknown[0], f"allowed are {', '.join(KNOWN_PLATFORMS)}")
        elif not platforms or len(set(platforms)) != len(platforms):
            read.fail(
                "platforms", json.dumps(platforms), "allowed is a non-empty list without duplicates"
            )

    context = read.check(
        "buildContext", lambda v: PROJECT_DIR / v, "allowed is a folder with a Dockerfile"
    )
    if context is not None and not (context / "Dockerfile").is_file():
        read.fail(
            "buildContext",
            read.raw["buildContext"],
            "allowed is a folder, relative to Pulumi.yaml, that holds a Dockerfile",
        )

    build_args = {}
    for key, arg in (("builderImage", "GO_IMAGE"), ("runtimeImage", "RUNTIME_IMAGE")):
        image = read.check(
            key,
            _matching(re.compile(r"^[a-z0-9][a-z0-9._/:@-]*$")),
            "allowed is a lower-case image reference",
            required=False,
        )
        if image is not None:
            build_args[arg] = image

    return ImageSettings(
        registry=read.check(
            "imageRegistry",
            _matching(_REGISTRY),
            "allowed is a lower-case registry host, optionally with :port",
        ),
        repository=repository,
        tag=tag,
        mode=read.check(
            "imageMode", _one_of(IMAGE_MODES), f"allowed are {' or '.join(IMAGE_MODES)}"
        ),
        platforms=tuple(platforms or ()),
        context=context,
        build_args=build_args,
        cache=read.check("buildCache", _boolean, "allowed are true or false"),
        build_on_preview=read.check("buildOnPreview", _boolean, "allowed are true or false"),
        builder=read.check(
            "buildxBuilder",
            _matching(re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")),
            "allowed is the name of a buildx builder",
            required=False,
        ),
        registry_username=read.text("registryUsername"),
        registry_password=read.secret("registryPassword"),
    )


def _github_settings(read: _Reader) -> GitHubSettings | None:
    repository = read.text("githubRepository", required=False)
    if repository is None:
        return None

    owner, _, name = repository.partition("/")
    if not (_GITHUB_OWNER.fullmatch(owner) and _GITHUB_REPO.fullmatch(name)):
        read.fail("githubRepository", repository, "allowed is `<owner>/<repository>`")

    branch = read.check(
        "githubBranch",
        lambda v: (
            None
            if (
                ".." in v
                or v.startswith("/")
                or v.endswith((".", "/", ".lock"))
                or re.search(r"[\s~^:?*\[\\]", v)
            )
            else v
        ),
        "allowed is a git branch name",
    )
    return GitHubSettings(
        owner=owner,
        repository=name,
        branch=branch,
        workflow_path=read.check(
            "workflowPath",
            _matching(_WORKFLOW_PATH),
            "allowed is a .yml file directly under .github/workflows/",
        ),
        workflow_context=read.check(
            "workflowContext",
            lambda v: (
                None
                if (
                    v.startswith("/")
                    or ".." in v.split("/")
                    or not re.fullmatch(r"^[A-Za-z0-9_./-]+$", v)
                )
                else v
            ),
            "allowed is a folder relative to the app repository's root, such as . or app",
        ),
        api_url=read.check("githubApiUrl", _http_url, "allowed is an http(s) URL"),
        token=read.secret("githubToken"),
    )


def _app_env(read: _Reader) -> dict[str, str]:
    entries = (
        read.check(
            "appEnv", _string_list, "allowed is a list of NAME=value strings", required=False
        )
        or []
    )
    env = {}
    for entry in entries:
        name, equals, value = entry.partition("=")
        if not equals or not _ENV_NAME.fullmatch(name):
            read.fail("appEnv", entry, "allowed are NAME=value entries with a valid variable name")
        elif name in RESERVED_ENV:
            read.fail("appEnv", entry, f"{', '.join(RESERVED_ENV)} are set by goship itself")
        else:
            env[name] = value
    return env


def _secret_env(read: _Reader) -> Secret | None:
    secret = read.secret("appSecrets", required=False)
    if secret is None:
        return None
    try:
        values = json.loads(secret.value)
    except json.JSONDecodeError:
        values = None
    if not (
        isinstance(values, dict)
        and values
        and all(_ENV_NAME.fullmatch(k) and isinstance(v, str) for k, v in values.items())
    ):
        read.fail("appSecrets", None, "allowed is a JSON object of NAME: string values")
        return None
    reserved = sorted(set(values) & set(RESERVED_ENV))
    if reserved:
        read.fail("appSecrets", None, f"{reserved[0]} is set by goship itself")
    return secret


def _limit_pair(
    read: _Reader, kind: str, parse: Callable[[str], Quantity | None], allowed: str
) -> tuple[Quantity | None, Quantity | None]:
    request = read.check(f"{kind}Request", parse, allowed)
    limit = read.check(f"{kind}Limit", parse, allowed)
    if request is not None and limit is not None and limit.value < request.value:
        read.fail(
            f"{kind}Limit",
            limit.text,
            f"allowed is at least {NAMESPACE}:{kind}Request ({request.text})",
        )
    quota = read.check(f"namespace{kind.capitalize()}Quota", parse, allowed, required=False)
    # The backup job runs beside the app pod with the same limits, so both must fit at once.
    pods = 2 if read.raw.get("backupSchedule") else 1
    if quota is not None and limit is not None and limit.value * pods > quota.value:
        beside = ""
        if pods == 2:
            each = _quantity_text(quota.value / 2, kind)
            beside = f" for the app and the backup job together, so at most {each} each"
        read.fail(
            f"{kind}Limit",
            limit.text,
            f"the namespace quota ({NAMESPACE}:namespace{kind.capitalize()}Quota) allows at most "
            f"{quota.text}{beside}",
        )
    return request, limit


def _web_app_settings(read: _Reader) -> WebAppSettings:
    cpu = _limit_pair(
        read,
        "cpu",
        _cpu_quantity,
        "allowed is a positive CPU quantity in whole millicores below 2^63, such as 100m or 0.5",
    )
    memory = _limit_pair(
        read,
        "memory",
        _positive_quantity,
        "allowed is a positive memory quantity below 8Ei, such as 64Mi or 1Gi",
    )

    access_mode = read.check(
        "volumeAccessMode", _one_of(ACCESS_MODES), f"allowed are {' or '.join(ACCESS_MODES)}"
    )
    one_writer = (
        f"allowed are 0 or 1, because the SQLite volume is {access_mode} and "
        "two pods must never open one database file"
    )
    replicas = read.check("replicas", _integer(0, 1), one_writer)

    tls_secret = read.check(
        "ingressTlsSecret",
        _matching(_DNS_LABEL),
        "allowed is a Secret name (a DNS label)",
        required=False,
    )
    if tls_secret and not read.raw.get("ingressHost"):
        read.fail("ingressTlsSecret", tls_secret, f"it needs {NAMESPACE}:ingressHost to be set")
    return WebAppSettings(
        name=read.check(
            "appName",
            _matching(_DNS_1035_LABEL),
            "allowed is a DNS label starting with a letter (a-z, 0-9, -)",
        ),
        namespace=read.check(
            "namespace",
            _matching(_DNS_LABEL),
            "allowed is an existing namespace's name, a DNS label such as ns-abc",
        ),
        replicas=replicas,
        port=read.check("containerPort", _integer(1, 65535), "allowed is a port from 1 to 65535"),
        timezone=read.check(
            "timezone", _timezone, "allowed is an IANA time zone such as UTC or Asia/Shanghai"
        ),
        health_path=read.check(
            "healthPath", _matching(_HTTP_PATH), "allowed is an absolute URL path such as /healthz"
        ),
        cpu_request=cpu[0],
        cpu_limit=cpu[1],
        memory_request=memory[0],
        memory_limit=memory[1],
        storage_size=read.check(
            "storageSize",
            _storage_quantity,
            "allowed is a storage quantity of at least 1Mi and below 8Ei, such as 1Gi",
        ),
        storage_class=read.check(
            "storageClass",
            _matching(_RESOURCE_NAME),
            "allowed is a StorageClass name",
            required=False,
        ),
        access_mode=access_mode,
        ingress_host=read.check(
            "ingressHost",
            _matching(_HOSTNAME),
            "allowed is a lower-case host name such as app.example.com",
            required=False,
        ),
        ingress_class=read.check(
            "ingressClass", _matching(_DNS_LABEL), "allowed is an IngressClass name"
        ),
        ingress_tls_secret=tls_secret,
        env=_app_env(read),
        secret_env=_secret_env(read),
    )


def _cron_values(text: str, low: int, high: int, names: tuple[str, ...]) -> set[int] | None:
    """The values one cron field selects, read as the CronJob controller reads it; None if
    it would refuse the field."""
    values: set[int] = set()
    for item in text.split(","):
        span, slash, step = item.partition("/")
        if slash and not (_DIGITS.fullmatch(step) and int(step) > 0):
            return None
        if span in ("*", "?"):
            first, last = low, high
        else:
            bounds = span.split("-")
            if len(bounds) > 2:
                return None
            numbers = []
            for bound in bounds:
                if bound.upper() in names:
                    numbers.append(names.index(bound.upper()) + low)
                elif _DIGITS.fullmatch(bound):
                    numbers.append(int(bound))
                else:
                    return None
            if not all(low <= n <= high for n in numbers) or numbers != sorted(numbers):
                return None
            # `5/10` runs from 5 to the field's end.
            first, last = numbers[0], high if slash and len(numbers) == 1 else numbers[-1]
        values.update(range(first, last + 1, int(step) if slash else 1))
    return values


def _cron_schedule(value: str) -> str | None:
    if value in _CRON_MACROS:
        return value
    fields = value.split()
    if len(fields) != len(_CRON_FIELDS):
        return None
    parsed = [_cron_values(text, *bounds) for text, bounds in zip(fields, _CRON_FIELDS)]
    return None if None in parsed else value


def _cron_fires(schedule: str) -> bool:
    """Whether a valid schedule ever fires: `0 0 31 2 *` names a day no February has."""
    if schedule in _CRON_MACROS:
        return True
    _, _, day_field, month_field, weekday_field = schedule.split()
    # With a weekday list as well, the controller runs on either match, and weekdays come.
    if weekday_field not in ("*", "?", "*/1", "?/1"):
        return True
    days = _cron_values(day_field, *_CRON_FIELDS[2]) or set()
    months = _cron_values(month_field, *_CRON_FIELDS[3]) or set()
    return any(day <= _MONTH_DAYS[month - 1] for day in days for month in months)


def _s3_settings(read: _Reader) -> S3Settings | None:
    bucket = read.check(
        "backupS3Bucket",
        _s3_bucket,
        "allowed is an S3 bucket name of 3-63 lower-case letters, digits, dots and hyphens that "
        "starts and ends with a letter or digit, has no `..`, `.-` or `-.` and is not shaped like "
        "an IP address",
        required=False,
    )
    with_bucket = f"{NAMESPACE}:backupS3Bucket set"
    if bucket is None and read.raw.get("backupS3Bucket"):
        return None  # the bucket's own sentence says what is wrong
    if bucket is None:
        for key in S3_KEYS:
            if read.raw.get(key):
                read.fail(key, read.raw[key], f"it is used only with {with_bucket}")
        return None

    for key in ("backupS3Endpoint", "backupS3AccessKeyId", "backupS3SecretAccessKey"):
        if not read.raw.get(key):
            read.errors.append(
                f"{NAMESPACE}:{key} is not set, but it is required with {with_bucket}."
            )
    return S3Settings(
        endpoint=read.check(
            "backupS3Endpoint",
            _s3_endpoint,
            "allowed is an http:// or https:// URL with a host and nothing after it, such as "
            "https://s3.example.com",
            required=False,
        ),
        bucket=bucket,
        prefix=read.check(
            "backupS3Prefix",
            _s3_prefix,
            "allowed is a key prefix of path segments each ending in /, such as goship/dev/",
            required=False,
        )
        or "",
        region=read.check(
            "backupS3Region", _matching(_S3_REGION), "allowed is a region name such as us-east-1"
        ),
        access_key_id=read.check(
            "backupS3AccessKeyId",
            _matching(re.compile(r"^[A-Za-z0-9+/=_.-]{3,128}$")),
            "allowed is an access key id of letters and digits",
            required=False,
        ),
        secret_access_key=read.secret("backupS3SecretAccessKey", required=False),
    )


def _backup_settings(read: _Reader) -> BackupSettings | None:
    schedule = read.check(
        "backupSchedule",
        _cron_schedule,
        "allowed is a five-field cron schedule such as `30 3 * * *` or a macro such as @daily",
        required=False,
    )
    if not read.raw.get("backupSchedule"):
        if read.raw.get("backupS3Bucket"):
            bucket = read.raw["backupS3Bucket"]
            read.fail("backupS3Bucket", bucket, f"it needs {NAMESPACE}:backupSchedule to be set")
        return None

    if schedule is not None and not _cron_fires(schedule):
        read.fail(
            "backupSchedule",
            schedule,
            "none of the months it names has any of its days of the month, so no backup would "
            "ever run",
        )
    elif schedule is not None and read.raw.get("volumeAccessMode") == "ReadWriteOncePod":
        read.fail(
            "backupSchedule",
            read.raw["backupSchedule"],
            f"backups need {NAMESPACE}:volumeAccessMode ReadWriteOnce, because the backup pod "
            "cannot mount a ReadWriteOncePod claim while the app runs",
        )
    return BackupSettings(
        schedule=schedule,
        retention=read.check(
            "backupRetention", _integer(1, 365), "allowed is a number of copies from 1 to 365"
        ),
        storage_size=read.check(
            "backupStorageSize",
            _storage_quantity,
            "allowed is a storage quantity of at least 1Mi and below 8Ei, such as 1Gi",
        ),
        s3=_s3_settings(read),
    )


def _price(value: str) -> Decimal | None:
    return Decimal(value) if _PRICE.fullmatch(value) else None


def _prices(read: _Reader) -> PriceTable:
    allowed = (
        "allowed is a non-negative decimal price per hour such as 0.067, below 1000000 and with "
        "at most 9 decimals"
    )
    return PriceTable(
        currency=read.check(
            "priceCurrency",
            _matching(_CURRENCY),
            "allowed is a three-letter upper-case code such as CNY",
        ),
        cpu_core_hour=read.check("priceCpuCoreHour", _price, allowed),
        memory_gib_hour=read.check("priceMemoryGiBHour", _price, allowed),
        storage_gib_hour=read.check("priceStorageGiBHour", _price, allowed),
    )


def parse(raw: Mapping[str, str], secret_keys: set[str] | None = None) -> Settings:
    """Validate raw config strings (keys without the `goship:` prefix) into Settings.

    Raises SettingsError naming every wrong value, one sentence each.
    """
    read = _Reader(raw, set(secret_keys or ()))
    for key in sorted(set(raw) - set(KEYS)):
        read.errors.append(
            f"{NAMESPACE}:{key} is set, but it is not a goship setting "
            "(Pulumi.yaml lists the known keys)."
        )

    settings = Settings(
        image=_image_settings(read),
        github=_github_settings(read),
        web_app=_web_app_settings(read),
        backup=_backup_settings(read),
        cluster=ClusterSettings(
            kubeconfig=read.secret("kubeconfig", required=False),
            context=read.text("kubeContext", required=False),
        ),
        prices=_prices(read),
    )
    if read.errors:
        raise SettingsError("\n".join(read.errors))
    return settings


def load() -> Settings:
    """Read this stack's `goship:` config from the engine and validate it."""
    prefix = f"{NAMESPACE}:"
    config = {**pulumi.runtime.config.get_config_env(), **pulumi.runtime.config.CONFIG.get()}
    raw = {k[len(prefix) :]: str(v) for k, v in config.items() if k.startswith(prefix)}
    secret_keys = {
        key
        for key in raw
        if pulumi.runtime.is_config_secret(prefix + key)
        or prefix + key in pulumi.runtime.config.get_config_secret_keys_env()
    }
    return parse(raw, secret_keys)
