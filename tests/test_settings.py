"""Settings: every stack file parses, and every bad value is refused with one sentence."""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml

from components import settings as stack_settings
from components.quantity import parse_quantity
from support import ROOT, settings_for, stack_config

# (case id, stack overrides, the sentence expected, exactly)
BAD_VALUES = [
    (
        "image-upper-case",
        {"imageRepository": "Goship/App"},
        "goship:imageRepository is 'Goship/App', but allowed is `<namespace>/<name>`",
    ),
    (
        "image-without-namespace",
        {"imageRepository": "myapp"},
        "goship:imageRepository is 'myapp', but allowed is `<namespace>/<name>`",
    ),
    (
        "image-with-tag-in-name",
        {"imageRepository": "alice/myapp:v1"},
        "goship:imageRepository is 'alice/myapp:v1', but allowed is `<namespace>/<name>`",
    ),
    (
        "image-double-separator",
        {"imageRepository": "alice//app"},
        "goship:imageRepository is 'alice//app', but allowed is `<namespace>/<name>`",
    ),
    (
        "tag-with-space",
        {"imageTag": "1.0 beta"},
        "goship:imageTag is '1.0 beta', but allowed is a Docker tag",
    ),
    (
        "tag-latest",
        {"imageTag": "latest"},
        "goship:imageTag is 'latest', but allowed is a version tag, because `latest` moves.",
    ),
    (
        "registry-with-scheme",
        {"imageRegistry": "https://docker.io"},
        "goship:imageRegistry is 'https://docker.io', but allowed is a lower-case registry host",
    ),
    (
        "unknown-platform",
        {"platforms": ["linux/amd64", "linux/x86"]},
        "goship:platforms is 'linux/x86', but allowed are linux/amd64, linux/arm64",
    ),
    (
        "no-platform",
        {"platforms": []},
        "goship:platforms is '[]', but allowed is a non-empty list without duplicates.",
    ),
    (
        "duplicate-platform",
        {"platforms": ["linux/amd64", "linux/amd64"]},
        'goship:platforms is \'["linux/amd64", "linux/amd64"]\', but allowed is a non-empty list',
    ),
    (
        "unknown-image-mode",
        {"imageMode": "deploy"},
        "goship:imageMode is 'deploy', but allowed are build or release.",
    ),
    (
        "context-without-dockerfile",
        {"buildContext": "components"},
        "goship:buildContext is 'components', but allowed is a folder, relative to Pulumi.yaml",
    ),
    (
        "cache-not-boolean",
        {"buildCache": "yes"},
        "goship:buildCache is 'yes', but allowed are true or false.",
    ),
    (
        "replicas-over-one-with-rwo",
        {"replicas": 2},
        "goship:replicas is '2', but allowed are 0 or 1, because the SQLite volume is",
    ),
    (
        "replicas-negative",
        {"replicas": -1},
        "goship:replicas is '-1', but allowed are 0 or 1, because the SQLite volume is",
    ),
    (
        "port-zero",
        {"containerPort": 0},
        "goship:containerPort is '0', but allowed is a port from 1 to 65535.",
    ),
    (
        "port-too-large",
        {"containerPort": 70000},
        "goship:containerPort is '70000', but allowed is a port from 1 to 65535.",
    ),
    (
        "port-not-number",
        {"containerPort": "http"},
        "goship:containerPort is 'http', but allowed is a port from 1 to 65535.",
    ),
    (
        "memory-in-mb",
        {"memoryLimit": "100mb"},
        "goship:memoryLimit is '100mb', but allowed is a positive memory quantity",
    ),
    (
        "memory-huge-exponent",
        {"memoryLimit": "1e999999999"},
        "goship:memoryLimit is '1e999999999', but allowed is a positive memory quantity below 8Ei",
    ),
    (
        "cpu-below-a-millicore",
        {"cpuRequest": "1e-5"},
        "goship:cpuRequest is '1e-5', but allowed is a positive CPU quantity in whole millicores",
    ),
    (
        "storage-8ei",
        {"storageSize": "8Ei"},
        "goship:storageSize is '8Ei', but allowed is a storage quantity of at least 1Mi "
        "and below 8Ei",
    ),
    (
        "cpu-negative",
        {"cpuRequest": "-1"},
        "goship:cpuRequest is '-1', but allowed is a positive CPU quantity",
    ),
    (
        "storage-in-gb",
        {"storageSize": "1GB"},
        "goship:storageSize is '1GB', but allowed is a storage quantity of at least 1Mi",
    ),
    (
        "storage-zero",
        {"storageSize": "0Gi"},
        "goship:storageSize is '0Gi', but allowed is a storage quantity of at least 1Mi",
    ),
    (
        "cpu-limit-below-request",
        {"cpuRequest": "500m", "cpuLimit": "200m"},
        "goship:cpuLimit is '200m', but allowed is at least goship:cpuRequest (500m).",
    ),
    (
        "memory-limit-below-request",
        {"memoryRequest": "1Gi", "memoryLimit": "512Mi"},
        "goship:memoryLimit is '512Mi', but allowed is at least goship:memoryRequest (1Gi).",
    ),
    (
        "cpu-limit-over-quota",
        {"cpuLimit": "1500m"},
        "goship:cpuLimit is '1500m', but the namespace quota (goship:namespaceCpuQuota) allows",
    ),
    (
        "memory-limit-over-quota",
        {"memoryLimit": "2Gi"},
        "goship:memoryLimit is '2Gi', but the namespace quota (goship:namespaceMemoryQuota) allows",
    ),
    (
        "unknown-time-zone",
        {"timezone": "Mars/Olympus_Mons"},
        "goship:timezone is 'Mars/Olympus_Mons', but allowed is an IANA time zone",
    ),
    (
        "namespace-not-dns-label",
        {"namespace": "NS_Local"},
        "goship:namespace is 'NS_Local', but allowed is an existing namespace's name",
    ),
    (
        "app-name-leading-digit",
        {"appName": "1app"},
        "goship:appName is '1app', but allowed is a DNS label starting with a letter",
    ),
    (
        "ingress-host-is-url",
        {"ingressHost": "https://app.example.com/"},
        "goship:ingressHost is 'https://app.example.com/', but allowed is a lower-case host name",
    ),
    (
        "ingress-host-single-label",
        {"ingressHost": "localhost"},
        "goship:ingressHost is 'localhost', but allowed is a lower-case host name",
    ),
    (
        "health-path-relative",
        {"healthPath": "healthz"},
        "goship:healthPath is 'healthz', but allowed is an absolute URL path",
    ),
    (
        "access-mode-rwx",
        {"volumeAccessMode": "ReadWriteMany"},
        "goship:volumeAccessMode is 'ReadWriteMany', but allowed are ReadWriteOnce or",
    ),
    (
        "github-repository-without-owner",
        {"githubRepository": "goship-app"},
        "goship:githubRepository is 'goship-app', but allowed is `<owner>/<repository>`.",
    ),
    (
        "github-branch-with-dots",
        {"githubBranch": "main..dev"},
        "goship:githubBranch is 'main..dev', but allowed is a git branch name.",
    ),
    (
        "workflow-outside-workflows",
        {"workflowPath": "ci/release.yml"},
        "goship:workflowPath is 'ci/release.yml', but allowed is a .yml file directly under",
    ),
    (
        "workflow-context-escapes",
        {"workflowContext": "../other"},
        "goship:workflowContext is '../other', but allowed is a folder relative to",
    ),
    (
        "github-api-not-url",
        {"githubApiUrl": "api.github.com"},
        "goship:githubApiUrl is 'api.github.com', but allowed is an http(s) URL.",
    ),
    (
        "tls-secret-without-host",
        {"ingressTlsSecret": "app-tls", "ingressHost": ""},
        "goship:ingressTlsSecret is 'app-tls', but it needs goship:ingressHost to be set.",
    ),
    (
        "env-reserved-name",
        {"appEnv": ["TZ=UTC"]},
        "goship:appEnv is 'TZ=UTC', but PORT, TZ, DB_DIR are set by goship itself.",
    ),
    (
        "env-without-equals",
        {"appEnv": ["DEBUG"]},
        "goship:appEnv is 'DEBUG', but allowed are NAME=value entries",
    ),
    (
        "secret-env-not-object",
        {"appSecrets_secret": '["a"]'},
        "goship:appSecrets is (secret), but allowed is a JSON object of NAME: string values.",
    ),
    (
        "cron-with-seconds-field",
        {"backupSchedule": "0 30 3 * * *"},
        "goship:backupSchedule is '0 30 3 * * *', but allowed is a five-field cron schedule",
    ),
    (
        "cron-hour-24",
        {"backupSchedule": "0 24 * * *"},
        "goship:backupSchedule is '0 24 * * *', but allowed is a five-field cron schedule",
    ),
    (
        "cron-reversed-range",
        {"backupSchedule": "0 5-3 * * *"},
        "goship:backupSchedule is '0 5-3 * * *', but allowed is a five-field cron schedule",
    ),
    (
        "cron-with-time-zone",
        {"backupSchedule": "CRON_TZ=UTC 0 3 * * *"},
        "goship:backupSchedule is 'CRON_TZ=UTC 0 3 * * *', but allowed is a five-field cron",
    ),
    (
        "cron-sunday-as-seven",
        {"backupSchedule": "0 0 * * 7"},
        "goship:backupSchedule is '0 0 * * 7', but allowed is a five-field cron schedule",
    ),
    (
        "cron-full-width-digit",
        {"backupSchedule": "0 \uff13 * * *"},
        "goship:backupSchedule is '0 \uff13 * * *', but allowed is a five-field cron schedule",
    ),
    (
        "cron-superscript-digit",
        {"backupSchedule": "0 \u00b3 * * *"},
        "goship:backupSchedule is '0 \u00b3 * * *', but allowed is a five-field cron schedule",
    ),
    (
        "cron-that-never-fires",
        {"backupSchedule": "0 0 30,31 2 *"},
        "goship:backupSchedule is '0 0 30,31 2 *', but none of the months it names has any of its "
        "days of the month, so no backup would ever run.",
    ),
    (
        "bad-cron-with-read-write-once-pod-says-only-what-is-wrong-with-it",
        {"backupSchedule": "0 24 * * *", "volumeAccessMode": "ReadWriteOncePod"},
        "goship:backupSchedule is '0 24 * * *', but allowed is a five-field cron schedule",
    ),
    (
        "retention-zero",
        {"backupRetention": 0},
        "goship:backupRetention is '0', but allowed is a number of copies from 1 to 365.",
    ),
    (
        "backup-size-in-gb",
        {"backupStorageSize": "1GB"},
        "goship:backupStorageSize is '1GB', but allowed is a storage quantity of at least 1Mi",
    ),
    (
        "backup-with-read-write-once-pod",
        {"volumeAccessMode": "ReadWriteOncePod"},
        "goship:backupSchedule is '30 3 * * *', but backups need goship:volumeAccessMode "
        "ReadWriteOnce, because the backup pod cannot mount a ReadWriteOncePod claim",
    ),
    (
        "cpu-limit-fits-quota-only-without-backup-job",
        {"cpuLimit": "600m"},
        "goship:cpuLimit is '600m', but the namespace quota (goship:namespaceCpuQuota) allows at "
        "most 1 for the app and the backup job together, so at most 500m each.",
    ),
    (
        "bucket-without-schedule",
        {"backupSchedule": "", "backupS3Bucket": "goship-backups"},
        "goship:backupS3Bucket is 'goship-backups', but it needs goship:backupSchedule to be set.",
    ),
    (
        "bucket-name-upper-case",
        {"backupS3Bucket": "Goship_Backups"},
        "goship:backupS3Bucket is 'Goship_Backups', but allowed is an S3 bucket name",
    ),
    (
        "bad-bucket-with-everything-else-set-gets-one-sentence",
        {
            "backupS3Bucket": "goship..backups",
            "backupS3Endpoint": "https://s3.example.com",
            "backupS3AccessKeyId": "AKIAEXAMPLE",
            "backupS3SecretAccessKey_secret": "example-secret-key",
        },
        "goship:backupS3Bucket is 'goship..backups', but allowed is an S3 bucket name",
    ),
    (
        "bucket-shaped-like-an-ip-address",
        {"backupS3Bucket": "192.168.1.1"},
        "goship:backupS3Bucket is '192.168.1.1', but allowed is an S3 bucket name",
    ),
    (
        "endpoint-with-a-path",
        {
            "backupS3Bucket": "goship-backups",
            "backupS3Endpoint": "https://s3.example.com/bucket",
            "backupS3AccessKeyId": "AKIAEXAMPLE",
            "backupS3SecretAccessKey_secret": "example-secret-key",
        },
        "goship:backupS3Endpoint is 'https://s3.example.com/bucket', but allowed is an http:// or "
        "https:// URL with a host and nothing after it, such as https://s3.example.com.",
    ),
    (
        "endpoint-with-a-port-and-no-host",
        {
            "backupS3Bucket": "goship-backups",
            "backupS3Endpoint": "https://:9000",
            "backupS3AccessKeyId": "AKIAEXAMPLE",
            "backupS3SecretAccessKey_secret": "example-secret-key",
        },
        "goship:backupS3Endpoint is 'https://:9000', but allowed is an http:// or https:// URL",
    ),
    (
        "prefix-with-a-dot-dot-segment",
        {
            "backupS3Bucket": "goship-backups",
            "backupS3Endpoint": "https://s3.example.com",
            "backupS3AccessKeyId": "AKIAEXAMPLE",
            "backupS3SecretAccessKey_secret": "example-secret-key",
            "backupS3Prefix": "goship/../",
        },
        "goship:backupS3Prefix is 'goship/../', but allowed is a key prefix of path segments",
    ),
    (
        "storage-beyond-what-a-quantity-can-hold",
        {"storageSize": "1e40"},
        "goship:storageSize is '1e40', but allowed is",
    ),
    (
        "bucket-without-endpoint",
        {
            "backupS3Bucket": "goship-backups",
            "backupS3AccessKeyId": "AKIAEXAMPLE",
            "backupS3SecretAccessKey_secret": "example-secret-key",
        },
        "goship:backupS3Endpoint is not set, but it is required with goship:backupS3Bucket set.",
    ),
    (
        "memory-limit-fits-quota-only-without-backup-job",
        {"memoryLimit": "600Mi"},
        "goship:memoryLimit is '600Mi', but the namespace quota (goship:namespaceMemoryQuota) "
        "allows at most 1Gi for the app and the backup job together, so at most 512Mi each.",
    ),
    (
        "backup-size-in-bytes",
        {"backupStorageSize": "10"},
        "goship:backupStorageSize is '10', but allowed is a storage quantity of at least 1Mi",
    ),
    (
        "prefix-without-bucket",
        {"backupS3Prefix": "goship/dev/"},
        "goship:backupS3Prefix is 'goship/dev/', but it is used only with goship:backupS3Bucket "
        "set.",
    ),
    (
        "endpoint-without-bucket",
        {"backupS3Endpoint": "https://s3.example.com"},
        "goship:backupS3Endpoint is 'https://s3.example.com', but it is used only with "
        "goship:backupS3Bucket set.",
    ),
    (
        "prefix-without-trailing-slash",
        {
            "backupS3Bucket": "goship-backups",
            "backupS3Endpoint": "https://s3.example.com",
            "backupS3AccessKeyId": "AKIAEXAMPLE",
            "backupS3SecretAccessKey_secret": "example-secret-key",
            "backupS3Prefix": "goship/dev",
        },
        "goship:backupS3Prefix is 'goship/dev', but allowed is a key prefix of path segments",
    ),
    (
        "price-negative",
        {"priceCpuCoreHour": "-0.067"},
        "goship:priceCpuCoreHour is '-0.067', but allowed is a non-negative decimal price per "
        "hour such as 0.067, below 1000000 and with at most 9 decimals.",
    ),
    (
        "price-of-a-million-or-more",
        {"priceMemoryGiBHour": "1" + "0" * 25},
        "goship:priceMemoryGiBHour is '10000000000000000000000000', but allowed is a non-negative",
    ),
    (
        "price-with-a-final-newline",
        {"priceCpuCoreHour": "0.067\n"},
        "goship:priceCpuCoreHour is '0.067\\n', but allowed is a non-negative decimal price",
    ),
    (
        "currency-with-a-final-newline",
        {"priceCurrency": "CNY\n"},
        "goship:priceCurrency is 'CNY\\n', but allowed is a three-letter upper-case code",
    ),
    (
        "price-with-currency-sign",
        {"priceMemoryGiBHour": "¥0.033"},
        "goship:priceMemoryGiBHour is '¥0.033', but allowed is a non-negative decimal price",
    ),
    (
        "currency-lower-case",
        {"priceCurrency": "cny"},
        "goship:priceCurrency is 'cny', but allowed is a three-letter upper-case code such as CNY.",
    ),
    (
        "password-in-plain-text",
        {"registryPassword": "hunter2"},
        "goship:registryPassword is stored in plain text, but it must be a secret",
    ),
    (
        "password-missing",
        {"registryPassword": None},
        "goship:registryPassword is not set, but it is required.",
    ),
    ("unknown-key", {"replica": 1}, "goship:replica is set, but it is not a goship setting"),
]


@pytest.mark.parametrize(
    "overrides, sentence", [c[1:] for c in BAD_VALUES], ids=[c[0] for c in BAD_VALUES]
)
def test_bad_value_is_refused_with_one_sentence_naming_key_and_value(overrides, sentence):
    raw, secrets = stack_config("dev", **overrides)
    if "registryPassword" in overrides:
        secrets.discard("registryPassword")

    with pytest.raises(stack_settings.SettingsError) as refused:
        stack_settings.parse(raw, secrets)

    message = str(refused.value)
    assert message.count("\n") == 0, f"expected one sentence, got: {message}"
    assert message.startswith(sentence), message
    assert message.endswith("."), message


def test_every_wrong_value_is_reported_at_once():
    raw, secrets = stack_config("dev", replicas=3, timezone="Nowhere/City")

    with pytest.raises(stack_settings.SettingsError) as refused:
        stack_settings.parse(raw, secrets)

    lines = str(refused.value).splitlines()
    assert [line.split(" ")[0] for line in lines] == ["goship:replicas", "goship:timezone"]


def test_secret_value_never_appears_in_an_error():
    raw, secrets = stack_config("dev", appSecrets_secret='{"TZ": "hunter2"}')

    with pytest.raises(stack_settings.SettingsError) as refused:
        stack_settings.parse(raw, secrets)

    assert "hunter2" not in str(refused.value)
    assert str(refused.value) == "goship:appSecrets is (secret), but TZ is set by goship itself."


def test_secret_repr_hides_the_value():
    assert "hunter2" not in repr(stack_settings.Secret("hunter2"))


@pytest.mark.parametrize("stack", ["dev", "prod", "local"])
def test_every_stack_file_parses(stack):
    parsed = settings_for(stack)

    assert parsed.web_app.replicas == 1
    assert parsed.image.platforms == ("linux/amd64", "linux/arm64")


def test_local_stack_has_github_integration_off():
    assert settings_for("local").github is None


def test_image_name_joins_registry_and_repository_in_lower_case():
    image = settings_for("local").image

    assert image.name == "127.0.0.1:5000/goship/goship-app"
    assert image.tagged == "127.0.0.1:5000/goship/goship-app:0.1.0"
    assert image.cache_ref == "127.0.0.1:5000/goship/goship-app:buildcache"


def test_prod_is_sized_larger_than_dev():
    dev, prod = settings_for("dev").web_app, settings_for("prod").web_app

    assert prod.memory_limit.value > dev.memory_limit.value
    assert prod.cpu_limit.value > dev.cpu_limit.value
    assert prod.storage_size.value > dev.storage_size.value
    assert prod.ingress_host != dev.ingress_host


def test_replicas_zero_pauses_the_app():
    assert settings_for("dev", replicas=0).web_app.replicas == 0


def test_app_env_entries_keep_equals_signs_in_values():
    env = settings_for("dev", appEnv=["DSN=a=b", "MODE=fast"]).web_app.env

    assert env == {"DSN": "a=b", "MODE": "fast"}


def test_base_images_become_build_args():
    image = settings_for("dev", builderImage="127.0.0.1:5000/base/go:1.26.8").image

    assert image.build_args == {"GO_IMAGE": "127.0.0.1:5000/base/go:1.26.8"}


def test_every_schema_key_is_read_by_the_program():
    schema = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]

    assert sorted(schema) == sorted(stack_settings.KEYS)


# What a secret key needs beside it to be read at all.
COMPANIONS = {
    "backupS3SecretAccessKey": {
        "backupS3Bucket": "goship-backups",
        "backupS3Endpoint": "https://s3.example.com",
        "backupS3AccessKeyId": "AKIAEXAMPLE",
    },
}


@pytest.mark.parametrize("key", stack_settings.SECRET_KEYS)
def test_every_secret_key_is_refused_in_plain_text(key):
    raw, secrets = stack_config("dev", **{key: '{"A": "b"}'}, **COMPANIONS.get(key, {}))
    secrets.discard(key)

    with pytest.raises(stack_settings.SettingsError) as refused:
        stack_settings.parse(raw, secrets)

    assert str(refused.value).startswith(f"goship:{key} is stored in plain text"), refused.value


def test_stack_files_hold_secrets_only_as_secure_values():
    for path in ROOT.glob("Pulumi.*.yaml"):
        config = yaml.safe_load(path.read_text())["config"]
        for key in stack_settings.SECRET_KEYS:
            value = config.get(f"goship:{key}")
            assert value is None or "secure" in value, f"{path.name} holds {key} in plain text"


@pytest.mark.parametrize(
    "text, value",
    [
        ("100m", Decimal("0.1")),
        ("0.5", Decimal("0.5")),
        ("64Mi", Decimal(64 * 2**20)),
        ("1Gi", Decimal(2**30)),
        ("1G", Decimal(10**9)),
        ("2e3", Decimal(2000)),
        ("7Ei", Decimal(7 * 2**60)),
    ],
)
def test_quantity_parses_like_kubernetes(text, value):
    assert parse_quantity(text).value == value


@pytest.mark.parametrize(
    "text",
    ["100mb", "1GB", "-1", "1 Gi", "Mi", "", "8Ei", "1e19", "1e999999999", "1e" + "9" * 5000],
)
def test_quantity_rejects_what_kubernetes_rejects(text):
    assert parse_quantity(text) is None


@pytest.mark.parametrize(
    "schedule",
    [
        "30 3 * * *",
        "@daily",
        "*/15 1-5 * * MON-FRI",
        "0 0 1,15 JAN,JUL ?",
        "0 0 29 2 *",
        "0 0 31 2 MON",
        "0 0 5/10 * SAT",
    ],
)
def test_cron_schedules_the_controller_accepts_are_accepted(schedule):
    assert settings_for("dev", backupSchedule=schedule).backup.schedule == schedule


def test_empty_backup_schedule_disables_backups():
    assert settings_for("dev", backupSchedule="").backup is None


def test_backups_are_on_by_default_keeping_seven_copies():
    backup = settings_for("prod").backup

    assert (backup.schedule, backup.retention, backup.storage_size.text) == ("30 3 * * *", 7, "1Gi")


def test_s3_target_is_read_with_its_secret_key_wrapped():
    s3 = settings_for(
        "dev",
        backupS3Bucket="goship-backups",
        backupS3Endpoint="https://s3.example.com",
        backupS3AccessKeyId="AKIAEXAMPLE",
        backupS3SecretAccessKey_secret="example-secret-key",
        backupS3Prefix="goship/dev/",
    ).backup.s3

    assert (s3.bucket, s3.endpoint, s3.prefix, s3.region) == (
        "goship-backups",
        "https://s3.example.com",
        "goship/dev/",
        "us-east-1",
    )
    assert s3.secret_access_key.value == "example-secret-key"
    assert "example-secret-key" not in repr(s3)


def test_default_prices_are_the_documented_sealos_table():
    prices = settings_for("dev").prices

    assert (prices.currency, prices.cpu_core_hour, prices.memory_gib_hour) == (
        "CNY",
        Decimal("0.067"),
        Decimal("0.033"),
    )
    assert prices.storage_gib_hour == Decimal("0.0021")


def test_a_stack_can_override_the_price_table():
    assert settings_for("dev", priceCpuCoreHour="0.05").prices.cpu_core_hour == Decimal("0.05")


def test_footprint_bills_limits_per_replica_and_both_claims():
    footprint = settings_for(
        "dev", cpuLimit="200m", memoryLimit="128Mi", storageSize="1Gi", backupStorageSize="512Mi"
    ).footprint()

    assert footprint.cpu_cores == Decimal("0.2")
    assert footprint.memory_bytes == 128 * 2**20
    assert footprint.storage_bytes == (1024 + 512) * 2**20


def test_paused_app_is_billed_for_its_claims_only():
    footprint = settings_for("dev", replicas=0, backupSchedule="", storageSize="1Gi").footprint()

    assert (footprint.cpu_cores, footprint.memory_bytes) == (0, 0)
    assert footprint.storage_bytes == 2**30
