"""The app repository's release pipeline: the registry token, variables and the workflow."""

from __future__ import annotations

from typing import Optional, TypedDict

import pulumi
import pulumi_github as github

from components import workflow
from components.settings import GitHubSettings, ImageSettings


class GitHubPipelineArgs(TypedDict):
    """Inputs of GitHubPipeline."""

    github: GitHubSettings
    """The repository, branch, workflow path, API URL and token to reach GitHub with."""

    image: ImageSettings
    """The image the workflow pushes: its name, registry user, token and platforms."""


class GitHubPipeline(pulumi.ComponentResource):
    """Actions secret and variables plus the release workflow committed to the app's repo."""

    workflow_path: pulumi.Output[str]
    """Where the workflow file lives in the repository."""

    def __init__(
        self, name: str, args: GitHubPipelineArgs, opts: Optional[pulumi.ResourceOptions] = None
    ):
        super().__init__("goship:index:GitHubPipeline", name, None, opts)
        repo, image = args["github"], args["image"]

        provider = github.Provider(
            f"{name}-github",
            owner=repo.owner,
            token=repo.token.output(),
            base_url=repo.api_url,
            opts=pulumi.ResourceOptions(parent=self),
        )
        child = pulumi.ResourceOptions(parent=self, provider=provider)

        # A replacement writes the same secret name. Created first, the new secret would be
        # overwritten and then removed by the old one's delete, leaving the repo without it;
        # deleting first means the last write is the new token.
        github.ActionsSecret(
            f"{name}-registry-token",
            repository=repo.repository,
            secret_name=workflow.TOKEN_SECRET,
            value=image.registry_password.output(),
            opts=pulumi.ResourceOptions.merge(
                child, pulumi.ResourceOptions(delete_before_replace=True)
            ),
        )
        for resource_name, variable, value in (
            ("registry-user", workflow.USERNAME_VARIABLE, image.registry_username),
            ("image-name", workflow.IMAGE_VARIABLE, image.name),
        ):
            github.ActionsVariable(
                f"{name}-{resource_name}",
                repository=repo.repository,
                variable_name=variable,
                value=value,
                opts=child,
            )

        workflow_file = github.RepositoryFile(
            f"{name}-workflow",
            repository=repo.repository,
            branch=repo.branch,
            file=repo.workflow_path,
            content=workflow.render_release_workflow(
                registry=image.registry,
                platforms=image.platforms,
                context=repo.workflow_context,
            ),
            commit_message="goship: update the release workflow",
            overwrite_on_create=True,
            opts=child,
        )
        self.workflow_path = workflow_file.file

        self.register_outputs({"workflow_path": self.workflow_path})
