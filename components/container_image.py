"""The app's multi-platform image, built and pushed, or resolved from a release tag."""

from __future__ import annotations

from typing import Optional, TypedDict

import pulumi
import pulumi_docker as docker
import pulumi_docker_build as docker_build

from components import build_context
from components.settings import PROJECT_DIR, ImageSettings

# Push an OCI index whose layer timestamps are clamped to SOURCE_DATE_EPOCH.
REPRODUCIBLE_PUSH = "type=image,push=true,oci-mediatypes=true,rewrite-timestamp=true"


class ContainerImageArgs(TypedDict):
    """Inputs of ContainerImage."""

    image: ImageSettings
    """Validated image settings: name, tag, platforms, build context, cache and credentials."""


class ContainerImage(pulumi.ComponentResource):
    """An image index in the registry, exported as a digest-pinned reference."""

    reference: pulumi.Output[str]
    """`<registry>/<namespace>/<name>@sha256:…`: what the cluster runs."""

    digest: pulumi.Output[str]
    """The image index's digest."""

    def __init__(
        self, name: str, args: ContainerImageArgs, opts: Optional[pulumi.ResourceOptions] = None
    ):
        super().__init__("goship:index:ContainerImage", name, None, opts)
        image = args["image"]

        if image.mode == "release":
            self.digest = self._resolve_release(name, image)
        else:
            self.digest = self._build(name, image)
        self.reference = pulumi.Output.concat(image.name, "@", self.digest)

        self.register_outputs({"reference": self.reference, "digest": self.digest})

    def _build(self, name: str, image: ImageSettings) -> pulumi.Output[str]:
        cache_from, cache_to = None, None
        if image.cache:
            cache_from = [
                docker_build.CacheFromArgs(
                    registry=docker_build.CacheFromRegistryArgs(ref=image.cache_ref)
                )
            ]
            # An image-manifest cache with OCI media types is what Docker Hub and the
            # distribution registry accept; `max` keeps the builder stage's layers too.
            cache_to = [
                docker_build.CacheToArgs(
                    registry=docker_build.CacheToRegistryArgs(
                        ref=image.cache_ref,
                        mode=docker_build.CacheMode.MAX,
                        image_manifest=True,
                        oci_media_types=True,
                        ignore_error=True,
                    )
                )
            ]

        context = build_context.stage(
            image.context, PROJECT_DIR / ".goship" / "context" / pulumi.get_stack()
        )
        built = docker_build.Image(
            f"{name}-image",
            tags=[image.tagged],
            platforms=[docker_build.Platform(platform) for platform in image.platforms],
            context=docker_build.BuildContextArgs(location=str(context)),
            # A fixed epoch and rewritten layer timestamps make the same sources give the same
            # index digest on every machine, whenever they are built.
            build_args={"SOURCE_DATE_EPOCH": "0", **image.build_args},
            # The export below pushes; `push` would add a second, non-reproducible export.
            push=False,
            exports=[docker_build.ExportArgs(raw=REPRODUCIBLE_PUSH)],
            build_on_preview=image.build_on_preview,
            builder=docker_build.BuilderConfigArgs(name=image.builder) if image.builder else None,
            registries=[
                docker_build.RegistryArgs(
                    address=image.registry,
                    username=image.registry_username,
                    password=image.registry_password.output(),
                )
            ],
            cache_from=cache_from,
            cache_to=cache_to,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return built.digest

    def _resolve_release(self, name: str, image: ImageSettings) -> pulumi.Output[str]:
        # LIMITATION: release mode reads the digest with pulumi-docker, whose provider cannot
        # be built from the Go module proxy, so only mocks test it here.
        registry = docker.Provider(
            f"{name}-registry",
            registry_auth=[
                docker.ProviderRegistryAuthArgs(
                    address=image.registry,
                    username=image.registry_username,
                    password=image.registry_password.output(),
                )
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )
        found = docker.get_registry_image_output(
            name=image.tagged,
            opts=pulumi.InvokeOutputOptions(parent=self, provider=registry),
        )
        return found.sha256_digest
