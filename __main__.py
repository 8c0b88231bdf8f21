"""goship: one stack ships the Go app as an image, a GitHub release pipeline and a workload."""

import pulumi
import pulumi_kubernetes as k8s

from components import settings as stack_settings
from components.backup_schedule import BackupSchedule
from components.container_image import ContainerImage
from components.cost import daily_cost
from components.github_pipeline import GitHubPipeline
from components.web_app import WebApp

# Every value is checked here, before the first resource is registered.
settings = stack_settings.load()
cost = daily_cost(settings.footprint(), settings.prices)
pulumi.log.info(cost.summary())

# 1-2. The multi-platform image in the registry, pinned by digest.
image = ContainerImage("app", {"image": settings.image})

# 3. The app repository's token secret, variables and release workflow.
if settings.github is None:
    pulumi.log.info("GitHub integration disabled: no goship:githubRepository set")
else:
    GitHubPipeline("release", {"github": settings.github, "image": settings.image})

# 4. The workload in the host's existing namespace; goship never creates namespaces.
cluster = k8s.Provider(
    "cluster",
    kubeconfig=settings.cluster.kubeconfig.output() if settings.cluster.kubeconfig else None,
    context=settings.cluster.context,
    namespace=settings.web_app.namespace,
)
app = WebApp(
    "app",
    {"app": settings.web_app, "image_reference": image.reference},
    opts=pulumi.ResourceOptions(providers={"kubernetes": cluster}),
)

# 5. Copies of the live database on a claim of their own (and S3), on the configured schedule.
if settings.backup is None:
    pulumi.log.info("Backups disabled: goship:backupSchedule is empty")
else:
    BackupSchedule(
        "backup",
        {
            "backup": settings.backup,
            "app": settings.web_app,
            "image_reference": image.reference,
            "data_claim_name": app.claim_name,
        },
        opts=pulumi.ResourceOptions(providers={"kubernetes": cluster}),
    )

pulumi.export("image_reference", image.reference)
pulumi.export("image_digest", image.digest)
pulumi.export("url", app.url)
pulumi.export("claim", app.claim_name)
pulumi.export("daily_cost", cost.as_output())
pulumi.export(
    "kubectl",
    pulumi.Output.format(
        "kubectl -n {0} get deployment,pod,pvc,svc,cronjob "
        "-l 'app.kubernetes.io/name in ({1},{1}-backup)'",
        settings.web_app.namespace,
        settings.web_app.name,
    ),
)
