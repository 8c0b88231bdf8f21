"""A local stand-in for the slice of GitHub's REST API that goship's GitHub component uses.

The real pulumi-github provider (terraform-provider-github v6.13.0, go-github v88) is pointed at
this server through `github.Provider(base_url=...)`, so tests exercise the provider's actual
requests without anything leaving 127.0.0.1. Only the endpoints that provider makes for an
`ActionsSecret`, `ActionsVariable` and `RepositoryFile` are served, shaped and answered as
GitHub's REST documentation describes them. Anything else answers 404 and is recorded in
`GitHubStandIn.unknown`, so a provider upgrade that starts calling something new fails loudly
instead of silently talking to a half-faked API.

Any base URL whose host is not github.com is treated by the provider as GitHub Enterprise
Server, which serves REST under `/api/v3/` (config.go: getBaseURL, GHESRESTAPIPath); the
stand-in therefore serves the API under that prefix and `start()` returns the bare root URL,
which is what the provider's `base_url` is set to.

Secrets arrive as libsodium sealed boxes made with the repository's Actions public key. The
stand-in holds a real Curve25519 key pair per repository and decrypts what it receives, so a
test can assert the exact plaintext that reached "GitHub".

Run standalone for manual checks:

    python tests/github_api.py --owner goship-dev --token t0ken --repo goship-app --port 8787
"""

from __future__ import annotations

import argparse
import base64
import binascii
import difflib
import hashlib
import itertools
import json
import re
import secrets as _random
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple, Optional
from urllib.parse import parse_qs, quote, unquote, urlsplit

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, SealedBox

API_PREFIX = "/api/v3"
"""Where GitHub Enterprise Server, and so this stand-in, serves the REST API."""

DOCS = "https://docs.github.com/rest"

# GitHub refuses secret and variable names outside this alphabet, or that start with a digit
# or the reserved GITHUB_ prefix (docs: "Naming your secrets", "Naming conventions for
# configuration variables").
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_BASE64 = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")
# GitHub wraps base64 file content at 60 characters; go-github's decoder skips the newlines, and
# producing them keeps the stand-in from accepting a client that would choke on real responses.
_CONTENT_LINE = 60


def git_blob_sha(content: bytes) -> str:
    """The git blob id of `content`, which is the `sha` GitHub reports for a file."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def _now() -> str:
    # GitHub timestamps are ISO 8601 in UTC with second precision.
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Call(NamedTuple):
    """One request the stand-in answered: the path is as received, prefix and query included."""

    method: str
    path: str
    status: int


@dataclass(frozen=True)
class Commit:
    """A commit on the stand-in: a full snapshot of the tree plus what changed from its parent."""

    sha: str
    message: str
    author: dict
    committer: dict
    parents: tuple[str, ...]
    tree: dict[str, bytes] = field(repr=False)
    changes: tuple[tuple[str, str], ...]
    """(path, status) pairs, status being added, modified or removed, as in GitHub's `files`."""

    @property
    def tree_sha(self) -> str:
        """A stable id for the snapshot, standing in for the git tree id."""
        digest = hashlib.sha1()
        for path in sorted(self.tree):
            digest.update(f"{path}\0{git_blob_sha(self.tree[path])}\n".encode())
        return digest.hexdigest()


@dataclass
class _Secret:
    plaintext: str
    created_at: str
    updated_at: str


@dataclass
class _Variable:
    name: str
    value: str
    created_at: str
    updated_at: str


@dataclass
class _Repo:
    id: int
    name: str
    default_branch: str
    created_at: str
    key: PrivateKey
    key_id: str
    branches: dict[str, str] = field(default_factory=dict)
    commits: dict[str, Commit] = field(default_factory=dict)
    secrets: dict[str, _Secret] = field(default_factory=dict)
    variables: dict[str, _Variable] = field(default_factory=dict)

    def resolve(self, ref: Optional[str]) -> Optional[Commit]:
        """The commit a branch name, `refs/heads/` name or commit sha points at."""
        if ref is None or ref == "":
            ref = self.default_branch
        ref = ref.removeprefix("refs/heads/")
        sha = self.branches.get(ref, ref)
        return self.commits.get(sha)


class ApiError(Exception):
    """Ends a request with GitHub's error body: a message, the docs link and the status."""

    def __init__(self, status: int, message: str, errors: Optional[list] = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors

    def body(self) -> dict:
        """The JSON GitHub answers errors with."""
        body: dict[str, Any] = {"message": self.message, "documentation_url": DOCS}
        if self.errors:
            body["errors"] = self.errors
        body["status"] = str(self.status)
        return body


def _not_found() -> ApiError:
    return ApiError(404, "Not Found")


class Response(NamedTuple):
    """What a route handler answers: a status, a JSON body (None for no body) and headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = {}


class GitHubStandIn:
    """An in-memory GitHub holding one owner's repositories, served over local HTTP.

    `owner` is an organization unless `owner_type="User"`; `token` is the only credential
    accepted; each name in `repos` gets an initialised repository whose default branch holds a
    README, a fresh Actions key pair and no secrets or variables.
    """

    def __init__(
        self,
        owner: str = "goship-dev",
        token: str = "goship-test-token",
        repos: tuple[str, ...] | list[str] = ("goship-app",),
        *,
        owner_type: str = "Organization",
        login: str = "goship-bot",
        default_branch: str = "main",
        host: str = "127.0.0.1",
        port: int = 0,
    ):
        if owner_type not in ("Organization", "User"):
            raise ValueError("owner_type is Organization or User")
        self.owner = owner
        self.token = token
        self.owner_type = owner_type
        # The token's user; for a User owner it is the owner itself, as with a personal token.
        self.login = owner if owner_type == "User" else login
        self.requests: list[Call] = []
        self.unknown: list[tuple[str, str]] = []
        self._host, self._port = host, port
        self._lock = threading.RLock()
        self._ids = itertools.count(1_000_001)
        self._owner_id = next(self._ids)
        self._login_id = self._owner_id if owner_type == "User" else next(self._ids)
        self._repos: dict[str, _Repo] = {}
        self._connections: set[socket.socket] = set()
        self._server: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None
        for name in repos:
            self.add_repo(name, default_branch=default_branch)

    # Lifecycle.

    def start(self) -> str:
        """Serve on a free local port in a background thread; returns the provider's base_url."""
        if self._server is not None:
            return self.base_url
        self._server = ThreadingHTTPServer((self._host, self._port), _handler_for(self))
        # A short poll keeps stop(), which waits for the serving loop to notice, fast.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="github-stand-in",
            daemon=True,
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        # Keep-alive connections outlive the listening socket; close them so nothing is
        # answered after stop().
        with self._lock:
            for connection in list(self._connections):
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def __enter__(self) -> "GitHubStandIn":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>/`: what `github.Provider(base_url=...)` is given."""
        if self._server is None:
            raise RuntimeError("the stand-in is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    @property
    def api_url(self) -> str:
        """Root of the REST API (`<base_url>api/v3/`), for calling the stand-in directly."""
        return self.base_url + API_PREFIX.lstrip("/") + "/"

    # State for tests.

    def add_repo(self, name: str, default_branch: str = "main") -> None:
        """Create an initialised repository (one commit adding README.md) owned by the owner."""
        with self._lock:
            if name.lower() in self._repos:
                raise ValueError(f"repository {name} exists")
            repo = _Repo(
                id=next(self._ids),
                name=name,
                default_branch=default_branch,
                created_at=_now(),
                key=PrivateKey.generate(),
                # GitHub's key ids are long decimal strings.
                key_id=str(_random.randbelow(10**18 - 10**17) + 10**17),
            )
            self._repos[name.lower()] = repo
            readme = f"# {name}\n".encode()
            first = self._commit(repo, None, {"README.md": readme}, "Initial commit", None, None)
            repo.branches[default_branch] = first.sha

    def add_branch(self, repo: str, branch: str, from_branch: Optional[str] = None) -> str:
        """Create `branch` at the head of `from_branch` (default branch if None); its sha."""
        with self._lock:
            state = self._repo_state(repo)
            head = state.resolve(from_branch)
            if head is None:
                raise ValueError(f"no branch {from_branch} in {repo}")
            state.branches[branch] = head.sha
            return head.sha

    def put_file(
        self,
        repo: str,
        path: str,
        content: str | bytes,
        branch: Optional[str] = None,
        message: str = "seed",
    ) -> str:
        """Commit `content` at `path` on `branch` as a push from outside would; the commit sha."""
        data = content.encode() if isinstance(content, str) else content
        with self._lock:
            state = self._repo_state(repo)
            branch = branch or state.default_branch
            if branch not in state.branches:
                raise ValueError(f"no branch {branch} in {repo}")
            return self._write(state, branch, path, data, message, None, None).sha

    def file(self, repo: str, path: str, branch: Optional[str] = None) -> Optional[str]:
        """The text at `path` on `branch` (default branch if None), or None if absent."""
        with self._lock:
            head = self._repo_state(repo).resolve(branch)
            data = head.tree.get(path) if head else None
            return None if data is None else data.decode()

    def commits(
        self, repo: str, branch: Optional[str] = None, path: Optional[str] = None
    ) -> list[Commit]:
        """Commits reachable from `branch`, newest first; only those touching `path` if given."""
        with self._lock:
            state = self._repo_state(repo)
            return self._history(state, state.resolve(branch), path)

    def secret(self, repo: str, name: str) -> Optional[str]:
        """The decrypted value of an Actions secret, or None if it does not exist."""
        with self._lock:
            found = self._repo_state(repo).secrets.get(name.upper())
            return None if found is None else found.plaintext

    def variable(self, repo: str, name: str) -> Optional[str]:
        """The value of an Actions variable, or None if it does not exist."""
        with self._lock:
            found = self._repo_state(repo).variables.get(name.upper())
            return None if found is None else found.value

    def public_key(self, repo: str) -> tuple[str, str]:
        """(key_id, base64 public key) that secrets for `repo` must be sealed with."""
        with self._lock:
            state = self._repo_state(repo)
            return state.key_id, base64.b64encode(bytes(state.key.public_key)).decode()

    # Internals shared by the HTTP routes and the test API; callers hold the lock.

    def _repo_state(self, name: str) -> _Repo:
        try:
            return self._repos[name.lower()]
        except KeyError:
            raise KeyError(f"no repository {name}") from None

    def _signature(self, given: Optional[dict]) -> dict:
        # Without an explicit author GitHub records the token's user, dated now.
        person = {
            "name": self.login,
            "email": f"{self._login_id}+{self.login}@users.noreply.github.com",
        }
        if given:
            person = {"name": given.get("name", person["name"]), "email": given.get("email")}
        return {**person, "date": _now()}

    def _commit(
        self,
        repo: _Repo,
        parent: Optional[Commit],
        tree: dict[str, bytes],
        message: str,
        author: Optional[dict],
        committer: Optional[dict],
    ) -> Commit:
        before = parent.tree if parent else {}
        changes = []
        for path in sorted(set(before) | set(tree)):
            if path not in tree:
                changes.append((path, "removed"))
            elif path not in before:
                changes.append((path, "added"))
            elif before[path] != tree[path]:
                changes.append((path, "modified"))
        author_sig = self._signature(author)
        committer_sig = self._signature(committer or author)
        parents = (parent.sha,) if parent else ()
        # Not git's exact object format, but just as unique: the counter separates commits made
        # within the same second with the same content.
        seed = f"{parents}{sorted(tree)}{message}{author_sig}{next(self._ids)}"
        for path in sorted(tree):
            seed += git_blob_sha(tree[path])
        sha = hashlib.sha1(seed.encode()).hexdigest()
        commit = Commit(
            sha=sha,
            message=message,
            author=author_sig,
            committer=committer_sig,
            parents=parents,
            tree=dict(tree),
            changes=tuple(changes),
        )
        repo.commits[sha] = commit
        return commit

    def _write(
        self,
        repo: _Repo,
        branch: str,
        path: str,
        data: Optional[bytes],
        message: str,
        author: Optional[dict],
        committer: Optional[dict],
    ) -> Commit:
        head = repo.commits[repo.branches[branch]]
        tree = dict(head.tree)
        if data is None:
            del tree[path]
        else:
            tree[path] = data
        commit = self._commit(repo, head, tree, message, author, committer)
        repo.branches[branch] = commit.sha
        return commit

    def _history(self, repo: _Repo, head: Optional[Commit], path: Optional[str]) -> list[Commit]:
        found = []
        while head is not None:
            if path is None or any(changed == path for changed, _ in head.changes):
                found.append(head)
            head = repo.commits.get(head.parents[0]) if head.parents else None
        return found


# HTTP side: routing, authentication and GitHub's JSON shapes.

_Route = tuple[str, "re.Pattern[str]", str]
_SEGMENT = r"(?P<{}>[^/]+)"


def _route(method: str, template: str, handler: str) -> _Route:
    pattern = re.sub(r"\{(\w+)\}", lambda m: _SEGMENT.format(m.group(1)), template)
    # A trailing {path...} captures the rest, slashes included (contents paths, branch names).
    pattern = pattern.replace("(?P<path>[^/]+)", "(?P<path>.+)")
    return method, re.compile(f"^{API_PREFIX}{pattern}/?$"), handler


# Each route is one go-github call that terraform-provider-github v6.13.0 makes; the comment
# says where (files under github/ of the provider module).
ROUTES: list[_Route] = [
    # provider.go configureProviderMeta: Users.Get(ctx, "") when no owner is configured.
    _route("GET", "/user", "get_user"),
    # Owner look-up by name, the endpoint GitHub serves both users and organizations on.
    _route("GET", "/users/{account}", "get_account"),
    # provider.go configureProviderMeta: Organizations.Get to decide org vs user.
    _route("GET", "/orgs/{account}", "get_org"),
    # Repositories.Get: secret/variable/file create, util_diff.go diffRepository, imports.
    _route("GET", "/repos/{owner}/{repo}", "get_repo"),
    # util_repo.go checkRepositoryBranchExists: Repositories.GetBranch for an explicit branch.
    _route("GET", "/repos/{owner}/{repo}/branches/{path}", "get_branch"),
    # util_repo.go getFileCommit: Repositories.ListCommits(sha=branch, path=file).
    _route("GET", "/repos/{owner}/{repo}/commits", "list_commits"),
    # resource_github_repository_file.go read, getFileCommit: Repositories.GetCommit.
    _route("GET", "/repos/{owner}/{repo}/commits/{ref}", "get_commit"),
    # resource_github_repository_file.go: GetContents(ref=branch) before create and on read.
    _route("GET", "/repos/{owner}/{repo}/contents", "get_contents"),
    _route("GET", "/repos/{owner}/{repo}/contents/{path}", "get_contents"),
    # resource_github_repository_file.go: CreateFile / UpdateFile.
    _route("PUT", "/repos/{owner}/{repo}/contents/{path}", "put_contents"),
    # resource_github_repository_file.go: DeleteFile.
    _route("DELETE", "/repos/{owner}/{repo}/contents/{path}", "delete_contents"),
    # resource_github_actions_secret.go getPublicKeyDetails: Actions.GetRepoPublicKey. Listed
    # before the named-secret routes because "public-key" would otherwise match as a name.
    _route("GET", "/repos/{owner}/{repo}/actions/secrets/public-key", "get_public_key"),
    # data_source_github_actions_secrets.go: Actions.ListRepoSecrets (for manual checks).
    _route("GET", "/repos/{owner}/{repo}/actions/secrets", "list_secrets"),
    # resource_github_actions_secret.go: GetRepoSecret / CreateOrUpdateRepoSecret /
    # DeleteRepoSecret.
    _route("GET", "/repos/{owner}/{repo}/actions/secrets/{name}", "get_secret"),
    _route("PUT", "/repos/{owner}/{repo}/actions/secrets/{name}", "put_secret"),
    _route("DELETE", "/repos/{owner}/{repo}/actions/secrets/{name}", "delete_secret"),
    # data_source_github_actions_variables.go: Actions.ListRepoVariables (for manual checks).
    _route("GET", "/repos/{owner}/{repo}/actions/variables", "list_variables"),
    # resource_github_actions_variable.go: CreateRepoVariable / GetRepoVariable /
    # UpdateRepoVariable / DeleteRepoVariable.
    _route("POST", "/repos/{owner}/{repo}/actions/variables", "create_variable"),
    _route("GET", "/repos/{owner}/{repo}/actions/variables/{name}", "get_variable"),
    _route("PATCH", "/repos/{owner}/{repo}/actions/variables/{name}", "update_variable"),
    _route("DELETE", "/repos/{owner}/{repo}/actions/variables/{name}", "delete_variable"),
]


def _handler_for(stand_in: GitHubStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        gh = stand_in

    return Handler


class _Handler(BaseHTTPRequestHandler):
    """Answers one connection's requests against `gh`'s state."""

    gh: GitHubStandIn
    # HTTP/1.1 keep-alive like GitHub; every answer carries Content-Length or has no body.
    protocol_version = "HTTP/1.1"
    server_version = "GitHub.com"
    sys_version = ""
    # Longer than Go's 90 s idle-connection timeout, so the provider always closes an idle
    # keep-alive connection first and never writes a request onto one the server dropped.
    timeout = 120

    def setup(self) -> None:
        super().setup()
        with self.gh._lock:
            self.gh._connections.add(self.connection)

    def finish(self) -> None:
        with self.gh._lock:
            self.gh._connections.discard(self.connection)
        super().finish()

    def do_GET(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def __getattr__(self, name: str) -> Any:
        # Any other method (HEAD, OPTIONS, ...) goes through routing too, so it is answered 404
        # and recorded as unknown rather than getting http.server's bare 501.
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:
        # The request log lives in gh.requests; stderr stays quiet under pytest.
        pass

    # Request plumbing.

    def _dispatch(self) -> None:
        raw = self._read_body()
        split = urlsplit(self.path)
        self.query = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        root = f"http://{self.headers.get('Host', '127.0.0.1')}"
        self.api_root, self.web_root = root + API_PREFIX, root
        try:
            handler, params = self._match(split.path)
            self._authenticate()
            self.json_body = self._parse(raw)
            with self.gh._lock:
                response = getattr(self, handler)(**params)
        except ApiError as error:
            response = Response(error.status, error.body())
        self._send(response)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _match(self, path: str) -> tuple[str, dict[str, str]]:
        for method, pattern, handler in ROUTES:
            found = pattern.match(path)
            if found and method == self.command:
                return handler, {k: unquote(v) for k, v in found.groupdict().items()}
        # Not part of what the provider is known to call: answer as GitHub does for an unknown
        # route, and remember it so a test can fail on it even if the provider tolerates 404.
        with self.gh._lock:
            self.gh.unknown.append((self.command, self.path))
        raise _not_found()

    def _authenticate(self) -> None:
        header = self.headers.get("Authorization", "")
        scheme, _, credential = header.partition(" ")
        if not header:
            raise ApiError(401, "Requires authentication")
        if scheme.lower() not in ("token", "bearer") or credential.strip() != self.gh.token:
            raise ApiError(401, "Bad credentials")

    def _parse(self, raw: bytes) -> Any:
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise ApiError(400, "Problems parsing JSON") from None

    def _send(self, response: Response) -> None:
        status, body, headers = response
        payload = b"" if body is None else json.dumps(body, indent=2).encode()
        headers = dict(headers)
        if self.command in ("GET", "HEAD") and status == 200:
            # GitHub tags GETs with an ETag and answers a matching If-None-Match with 304; the
            # provider's conditional-request cache (new client) relies on that.
            etag = '"' + hashlib.sha256(payload).hexdigest() + '"'
            headers["ETag"] = etag
            wanted = self.headers.get("If-None-Match", "")
            if etag in [tag.strip().removeprefix("W/") for tag in wanted.split(",")]:
                status, payload = 304, b""
        with self.gh._lock:
            self.gh.requests.append(Call(self.command, self.path, status))
        self.send_response(status)
        if payload:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        if status not in (204, 304):
            self.send_header("Content-Length", str(len(payload)))
        # Rate-limit headers as GitHub sends them; go-github reads them on every response, and
        # a generous remaining count keeps its pre-request check from ever blocking.
        self.send_header("X-RateLimit-Limit", "5000")
        self.send_header("X-RateLimit-Remaining", "4999")
        self.send_header("X-RateLimit-Used", "1")
        self.send_header("X-RateLimit-Reset", str(int(time.time()) + 3600))
        self.send_header("X-RateLimit-Resource", "core")
        self.send_header("X-GitHub-Api-Version-Selected", "2022-11-28")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if payload and self.command != "HEAD":
            self.wfile.write(payload)

    # Look-ups shared by the routes.

    def _repo(self, owner: str, repo: str) -> _Repo:
        state = self.gh._repos.get(repo.lower())
        if owner.lower() != self.gh.owner.lower() or state is None:
            raise _not_found()
        return state

    def _body(self) -> dict:
        if not isinstance(self.json_body, dict):
            raise ApiError(400, "Problems parsing JSON")
        return self.json_body

    def _name(self, name: str, kind: str) -> str:
        # GitHub stores secret and variable names upper-cased and matches them ignoring case.
        if not _NAME.match(name) or name.upper().startswith("GITHUB_"):
            raise ApiError(
                422,
                f"Invalid request.\n\n{kind} name {name} is invalid: use only alphanumerics or "
                "underscores, do not start with a number or GITHUB_.",
            )
        return name.upper()

    # JSON shapes.

    def _account_json(self, login: str, account_id: int, kind: str) -> dict:
        api = f"{self.api_root}/users/{login}"
        return {
            "login": login,
            "id": account_id,
            "node_id": base64.b64encode(f"04:{kind}{account_id}".encode()).decode(),
            "avatar_url": f"{self.web_root}/avatars/u/{account_id}",
            "url": api,
            "html_url": f"{self.web_root}/{login}",
            "repos_url": f"{api}/repos",
            "type": kind,
            "site_admin": False,
        }

    def _owner_json(self) -> dict:
        gh = self.gh
        return self._account_json(gh.owner, gh._owner_id, gh.owner_type)

    def _repo_json(self, repo: _Repo) -> dict:
        full = f"{self.gh.owner}/{repo.name}"
        api = f"{self.api_root}/repos/{full}"
        head = repo.resolve(None)
        return {
            "id": repo.id,
            "node_id": base64.b64encode(f"010:Repository{repo.id}".encode()).decode(),
            "name": repo.name,
            "full_name": full,
            "private": True,
            "owner": self._owner_json(),
            "html_url": f"{self.web_root}/{full}",
            "description": None,
            "fork": False,
            "url": api,
            "branches_url": api + "/branches{/branch}",
            "commits_url": api + "/commits{/sha}",
            "contents_url": api + "/contents/{+path}",
            "git_url": f"git://{self.web_root.split('://', 1)[1]}/{full}.git",
            "clone_url": f"{self.web_root}/{full}.git",
            "created_at": repo.created_at,
            "updated_at": head.committer["date"] if head else repo.created_at,
            "pushed_at": head.committer["date"] if head else repo.created_at,
            "archived": False,
            "disabled": False,
            "visibility": "private",
            "default_branch": repo.default_branch,
            "permissions": {
                "admin": True,
                "maintain": True,
                "push": True,
                "triage": True,
                "pull": True,
            },
        }

    def _contents_url(self, repo: _Repo, path: str, ref: str) -> str:
        # The provider reads the ref back out of this URL's query (repository_file read), so
        # it is always present, as on GitHub.
        quoted = quote(path, safe="/")
        return f"{self.api_root}/repos/{self.gh.owner}/{repo.name}/contents/{quoted}?ref=" + (
            quote(ref, safe="")
        )

    def _entry_json(self, repo: _Repo, path: str, ref: str, data: Optional[bytes]) -> dict:
        full = f"{self.gh.owner}/{repo.name}"
        url = self._contents_url(repo, path, ref)
        is_file = data is not None
        sha = git_blob_sha(data) if is_file else hashlib.sha1(path.encode()).hexdigest()
        git_url = f"{self.api_root}/repos/{full}/git/{'blobs' if is_file else 'trees'}/{sha}"
        html_url = f"{self.web_root}/{full}/{'blob' if is_file else 'tree'}/{ref}/{path}"
        return {
            "type": "file" if is_file else "dir",
            "size": len(data) if is_file else 0,
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "sha": sha,
            "url": url,
            "git_url": git_url,
            "html_url": html_url,
            "download_url": f"{self.web_root}/raw/{full}/{ref}/{path}" if is_file else None,
            "_links": {"self": url, "git": git_url, "html": html_url},
        }

    def _file_json(self, repo: _Repo, path: str, ref: str, data: bytes) -> dict:
        encoded = base64.b64encode(data).decode()
        lines = [encoded[i : i + _CONTENT_LINE] for i in range(0, len(encoded), _CONTENT_LINE)]
        return {
            **self._entry_json(repo, path, ref, data),
            "content": "".join(line + "\n" for line in lines),
            "encoding": "base64",
        }

    def _git_commit_json(self, repo: _Repo, commit: Commit) -> dict:
        api = f"{self.api_root}/repos/{self.gh.owner}/{repo.name}"
        return {
            "sha": commit.sha,
            "node_id": base64.b64encode(f"06:Commit{commit.sha}".encode()).decode(),
            "url": f"{api}/git/commits/{commit.sha}",
            "html_url": f"{self.web_root}/{self.gh.owner}/{repo.name}/commit/{commit.sha}",
            "author": commit.author,
            "committer": commit.committer,
            "message": commit.message,
            "tree": {"sha": commit.tree_sha, "url": f"{api}/git/trees/{commit.tree_sha}"},
            "parents": [
                {"sha": p, "url": f"{api}/git/commits/{p}", "html_url": f"{api}/commit/{p}"}
                for p in commit.parents
            ],
            "verification": {
                "verified": False,
                "reason": "unsigned",
                "signature": None,
                "payload": None,
                "verified_at": None,
            },
        }

    def _repository_commit_json(self, repo: _Repo, commit: Commit, files: bool) -> dict:
        api = f"{self.api_root}/repos/{self.gh.owner}/{repo.name}"
        git = self._git_commit_json(repo, commit)
        inner = {k: git[k] for k in ("author", "committer", "message", "tree", "verification")}
        body: dict[str, Any] = {
            "sha": commit.sha,
            "node_id": git["node_id"],
            "commit": {**inner, "url": git["url"], "comment_count": 0},
            "url": f"{api}/commits/{commit.sha}",
            "html_url": git["html_url"],
            "comments_url": f"{api}/commits/{commit.sha}/comments",
            "author": self._user_for(commit.author),
            "committer": self._user_for(commit.committer),
            "parents": [
                {"sha": p, "url": f"{api}/commits/{p}", "html_url": f"{api}/commit/{p}"}
                for p in commit.parents
            ],
        }
        if files:
            body["files"], body["stats"] = self._files_json(repo, commit)
        return body

    def _user_for(self, signature: dict) -> Optional[dict]:
        # GitHub links a commit to an account only when the email belongs to one.
        if (signature.get("email") or "").endswith(f"+{self.gh.login}@users.noreply.github.com"):
            return self._account_json(self.gh.login, self.gh._login_id, "User")
        return None

    def _files_json(self, repo: _Repo, commit: Commit) -> tuple[list, dict]:
        parent = repo.commits.get(commit.parents[0]) if commit.parents else None
        before = parent.tree if parent else {}
        files, total_add, total_del = [], 0, 0
        for path, status in commit.changes:
            old = before.get(path, b"").decode(errors="replace").splitlines()
            new = commit.tree.get(path, b"").decode(errors="replace").splitlines()
            diff = list(difflib.unified_diff(old, new, lineterm="", n=3))[2:]
            added = sum(1 for line in diff if line.startswith("+"))
            deleted = sum(1 for line in diff if line.startswith("-"))
            total_add, total_del = total_add + added, total_del + deleted
            data = commit.tree.get(path)
            sha = git_blob_sha(data) if data is not None else git_blob_sha(before[path])
            full = f"{self.gh.owner}/{repo.name}"
            files.append(
                {
                    "sha": sha,
                    "filename": path,
                    "status": status,
                    "additions": added,
                    "deletions": deleted,
                    "changes": added + deleted,
                    "blob_url": f"{self.web_root}/{full}/blob/{commit.sha}/{path}",
                    "raw_url": f"{self.web_root}/{full}/raw/{commit.sha}/{path}",
                    "contents_url": self._contents_url(repo, path, commit.sha),
                    "patch": "\n".join(diff),
                }
            )
        stats = {"total": total_add + total_del, "additions": total_add, "deletions": total_del}
        return files, stats

    # Accounts.

    def get_user(self) -> Response:
        """GET /user: the token's user."""
        return Response(200, self._account_json(self.gh.login, self.gh._login_id, "User"))

    def get_account(self, account: str) -> Response:
        """GET /users/{account}: the owner or the token's user, whichever is named."""
        if account.lower() == self.gh.owner.lower():
            return Response(200, self._owner_json())
        if account.lower() == self.gh.login.lower():
            return Response(200, self._account_json(self.gh.login, self.gh._login_id, "User"))
        raise _not_found()

    def get_org(self, account: str) -> Response:
        """GET /orgs/{account}: 404 unless the owner is an organization, as on GitHub."""
        if account.lower() != self.gh.owner.lower() or self.gh.owner_type != "Organization":
            raise _not_found()
        body = self._owner_json()
        body.update(
            {
                "url": f"{self.api_root}/orgs/{self.gh.owner}",
                "repos_url": f"{self.api_root}/orgs/{self.gh.owner}/repos",
                "name": self.gh.owner,
                "description": None,
                "public_repos": 0,
                "total_private_repos": len(self.gh._repos),
                "created_at": "2024-01-01T00:00:00Z",
                "updated_at": "2024-01-01T00:00:00Z",
            }
        )
        return Response(200, body)

    # Repositories, branches, commits.

    def get_repo(self, owner: str, repo: str) -> Response:
        """GET /repos/{owner}/{repo}."""
        return Response(200, self._repo_json(self._repo(owner, repo)))

    def get_branch(self, owner: str, repo: str, path: str) -> Response:
        """GET /repos/{owner}/{repo}/branches/{branch}."""
        state = self._repo(owner, repo)
        if path not in state.branches:
            raise ApiError(404, "Branch not found")
        head = state.commits[state.branches[path]]
        api = f"{self.api_root}/repos/{self.gh.owner}/{state.name}"
        return Response(
            200,
            {
                "name": path,
                "commit": self._repository_commit_json(state, head, files=False),
                "_links": {
                    "self": f"{api}/branches/{quote(path, safe='')}",
                    "html": f"{self.web_root}/{self.gh.owner}/{state.name}/tree/{path}",
                },
                "protected": False,
                "protection": {
                    "enabled": False,
                    "required_status_checks": {
                        "enforcement_level": "off",
                        "contexts": [],
                        "checks": [],
                    },
                },
                "protection_url": f"{api}/branches/{quote(path, safe='')}/protection",
            },
        )

    def list_commits(self, owner: str, repo: str) -> Response:
        """GET /repos/{owner}/{repo}/commits?sha=&path=&per_page=&page=, newest first."""
        state = self._repo(owner, repo)
        ref = self.query.get("sha")
        head = state.resolve(ref)
        if head is None:
            raise ApiError(404, f"No commit found for SHA: {ref}")
        history = self.gh._history(state, head, self.query.get("path") or None)
        try:
            per_page = min(max(int(self.query.get("per_page", 30)), 1), 100)
            page = max(int(self.query.get("page", 1)), 1)
        except ValueError:
            raise ApiError(400, "Invalid pagination parameters") from None
        pages = max((len(history) + per_page - 1) // per_page, 1)
        chunk = history[(page - 1) * per_page : page * per_page]
        body = [self._repository_commit_json(state, c, files=False) for c in chunk]
        return Response(200, body, self._link_header(page, pages))

    def _link_header(self, page: int, pages: int) -> dict[str, str]:
        # go-github follows rel="next" to page through results (util_repo.go getFileCommit).
        if pages <= 1:
            return {}
        split = urlsplit(self.path)
        others = {k: v for k, v in self.query.items() if k != "page"}

        def link(number: int, rel: str) -> str:
            query = "&".join(f"{k}={quote(v, safe='')}" for k, v in others.items())
            target = f"{self.web_root}{split.path}?{query}&page={number}".replace("?&", "?")
            return f'<{target}>; rel="{rel}"'

        links = []
        if page < pages:
            links += [link(page + 1, "next"), link(pages, "last")]
        if page > 1:
            links += [link(1, "first"), link(page - 1, "prev")]
        return {"Link": ", ".join(links)} if links else {}

    def get_commit(self, owner: str, repo: str, ref: str) -> Response:
        """GET /repos/{owner}/{repo}/commits/{ref}, with the changed files."""
        state = self._repo(owner, repo)
        commit = state.resolve(ref)
        if commit is None:
            raise ApiError(422, f"No commit found for SHA: {ref}")
        return Response(200, self._repository_commit_json(state, commit, files=True))

    # Contents.

    def get_contents(self, owner: str, repo: str, path: str = "") -> Response:
        """GET /repos/{owner}/{repo}/contents/{path}?ref=: a file, or a directory's entries."""
        state = self._repo(owner, repo)
        ref = self.query.get("ref") or state.default_branch
        commit = state.resolve(ref)
        if commit is None:
            raise ApiError(404, f"No commit found for the ref {ref}")
        path = path.strip("/")
        data = commit.tree.get(path)
        if data is not None:
            return Response(200, self._file_json(state, path, ref, data))
        prefix = path + "/" if path else ""
        children: dict[str, Optional[bytes]] = {}
        for name, content in commit.tree.items():
            if name.startswith(prefix):
                head, _, rest = name[len(prefix) :].partition("/")
                children[prefix + head] = None if rest else content
        if not children:
            raise _not_found()
        entries = [self._entry_json(state, p, ref, d) for p, d in sorted(children.items())]
        return Response(200, entries)

    def put_contents(self, owner: str, repo: str, path: str) -> Response:
        """PUT /repos/{owner}/{repo}/contents/{path}: 201 creating, 200 updating.

        Updating needs the current blob sha: without it GitHub answers 422, with a stale one
        409, which is what keeps two writers from silently overwriting each other.
        """
        state = self._repo(owner, repo)
        body = self._body()
        message, encoded = body.get("message"), body.get("content")
        if not isinstance(message, str) or not message:
            raise ApiError(422, 'Invalid request.\n\n"message" wasn\'t supplied.')
        if not isinstance(encoded, str):
            raise ApiError(422, 'Invalid request.\n\n"content" wasn\'t supplied.')
        if not _BASE64.match(encoded.replace("\n", "")):
            raise ApiError(422, "content is not valid Base64")
        data = base64.b64decode(encoded)
        branch = self._branch(state, body)
        current = state.commits[state.branches[branch]].tree.get(path)
        given_sha = body.get("sha")
        if current is not None and not given_sha:
            raise ApiError(422, 'Invalid request.\n\n"sha" wasn\'t supplied.')
        if given_sha and (current is None or given_sha != git_blob_sha(current)):
            raise ApiError(409, f"{path} does not match {given_sha}")
        commit = self.gh._write(
            state, branch, path, data, message, body.get("author"), body.get("committer")
        )
        return Response(
            200 if current is not None else 201,
            {
                "content": self._entry_json(state, path, branch, data),
                "commit": self._git_commit_json(state, commit),
            },
        )

    def delete_contents(self, owner: str, repo: str, path: str) -> Response:
        """DELETE /repos/{owner}/{repo}/contents/{path}: needs message and the current sha."""
        state = self._repo(owner, repo)
        body = self._body()
        if not isinstance(body.get("message"), str) or not body["message"]:
            raise ApiError(422, 'Invalid request.\n\n"message" wasn\'t supplied.')
        if not body.get("sha"):
            raise ApiError(422, 'Invalid request.\n\n"sha" wasn\'t supplied.')
        branch = self._branch(state, body)
        current = state.commits[state.branches[branch]].tree.get(path)
        if current is None:
            raise _not_found()
        if body["sha"] != git_blob_sha(current):
            raise ApiError(409, f"{path} does not match {body['sha']}")
        commit = self.gh._write(
            state, branch, path, None, body["message"], body.get("author"), body.get("committer")
        )
        return Response(200, {"content": None, "commit": self._git_commit_json(state, commit)})

    def _branch(self, state: _Repo, body: dict) -> str:
        branch = (body.get("branch") or state.default_branch).removeprefix("refs/heads/")
        if branch not in state.branches:
            raise ApiError(404, f"Branch {branch} not found")
        return branch

    # Actions secrets.

    def get_public_key(self, owner: str, repo: str) -> Response:
        """GET /repos/{owner}/{repo}/actions/secrets/public-key."""
        key_id, key = self.gh.public_key(self._repo(owner, repo).name)
        return Response(200, {"key_id": key_id, "key": key})

    def list_secrets(self, owner: str, repo: str) -> Response:
        """GET /repos/{owner}/{repo}/actions/secrets: names and dates, never values."""
        state = self._repo(owner, repo)
        listed = [self._secret_json(n, s) for n, s in sorted(state.secrets.items())]
        return Response(200, {"total_count": len(listed), "secrets": listed})

    def _secret_json(self, name: str, secret: _Secret) -> dict:
        return {"name": name, "created_at": secret.created_at, "updated_at": secret.updated_at}

    def get_secret(self, owner: str, repo: str, name: str) -> Response:
        """GET /repos/{owner}/{repo}/actions/secrets/{name}."""
        state = self._repo(owner, repo)
        secret = state.secrets.get(name.upper())
        if secret is None:
            raise _not_found()
        return Response(200, self._secret_json(name.upper(), secret))

    def put_secret(self, owner: str, repo: str, name: str) -> Response:
        """PUT /repos/{owner}/{repo}/actions/secrets/{name}: 201 created, 204 updated.

        The value must be sealed with this repository's current key; it is decrypted here so a
        test sees what the provider really sent.
        """
        state = self._repo(owner, repo)
        name = self._name(name, "Secret")
        body = self._body()
        key_id, sealed = body.get("key_id"), body.get("encrypted_value")
        if not isinstance(sealed, str) or not _BASE64.match(sealed):
            raise ApiError(422, "Invalid request.\n\nencrypted_value is not valid Base64.")
        if str(key_id) != state.key_id:
            raise ApiError(422, f"Invalid request.\n\nkey_id {key_id} does not match.")
        try:
            opened = SealedBox(state.key).decrypt(base64.b64decode(sealed))
            plaintext = opened.decode()
        except (CryptoError, binascii.Error, UnicodeDecodeError, ValueError):
            raise ApiError(422, "Invalid request.\n\nencrypted_value could not be decrypted.")
        now = _now()
        existing = state.secrets.get(name)
        state.secrets[name] = _Secret(plaintext, existing.created_at if existing else now, now)
        if existing:
            return Response(204)
        return Response(201, {})

    def delete_secret(self, owner: str, repo: str, name: str) -> Response:
        """DELETE /repos/{owner}/{repo}/actions/secrets/{name}: 204, or 404 if absent."""
        state = self._repo(owner, repo)
        if state.secrets.pop(name.upper(), None) is None:
            raise _not_found()
        return Response(204)

    # Actions variables.

    def _variable_json(self, variable: _Variable) -> dict:
        return {
            "name": variable.name,
            "value": variable.value,
            "created_at": variable.created_at,
            "updated_at": variable.updated_at,
        }

    def list_variables(self, owner: str, repo: str) -> Response:
        """GET /repos/{owner}/{repo}/actions/variables."""
        state = self._repo(owner, repo)
        listed = [self._variable_json(v) for _, v in sorted(state.variables.items())]
        return Response(200, {"total_count": len(listed), "variables": listed})

    def create_variable(self, owner: str, repo: str) -> Response:
        """POST /repos/{owner}/{repo}/actions/variables: 201, or 409 if the name is taken."""
        state = self._repo(owner, repo)
        body = self._body()
        if not isinstance(body.get("name"), str) or not isinstance(body.get("value"), str):
            raise ApiError(422, "Invalid request.\n\nname and value are required.")
        name = self._name(body["name"], "Variable")
        if name in state.variables:
            raise ApiError(409, "Already exists - Variable already exists")
        now = _now()
        state.variables[name] = _Variable(name, body["value"], now, now)
        return Response(201, {})

    def get_variable(self, owner: str, repo: str, name: str) -> Response:
        """GET /repos/{owner}/{repo}/actions/variables/{name}."""
        variable = self._repo(owner, repo).variables.get(name.upper())
        if variable is None:
            raise _not_found()
        return Response(200, self._variable_json(variable))

    def update_variable(self, owner: str, repo: str, name: str) -> Response:
        """PATCH /repos/{owner}/{repo}/actions/variables/{name}: new value and/or name, 204."""
        state = self._repo(owner, repo)
        variable = state.variables.get(name.upper())
        if variable is None:
            raise _not_found()
        body = self._body()
        new_name = self._name(body.get("name") or variable.name, "Variable")
        if new_name != variable.name and new_name in state.variables:
            raise ApiError(409, "Already exists - Variable already exists")
        if "value" in body and not isinstance(body["value"], str):
            raise ApiError(422, "Invalid request.\n\nvalue must be a string.")
        del state.variables[variable.name]
        variable.name = new_name
        variable.value = body.get("value", variable.value)
        variable.updated_at = _now()
        state.variables[new_name] = variable
        return Response(204)

    def delete_variable(self, owner: str, repo: str, name: str) -> Response:
        """DELETE /repos/{owner}/{repo}/actions/variables/{name}: 204, or 404 if absent."""
        if self._repo(owner, repo).variables.pop(name.upper(), None) is None:
            raise _not_found()
        return Response(204)


def main(argv: Optional[list[str]] = None) -> None:
    """Serve until interrupted, logging each request; prints the provider base URL first."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--owner", default="goship-dev")
    parser.add_argument("--owner-type", default="Organization", choices=["Organization", "User"])
    parser.add_argument("--token", default="goship-test-token")
    parser.add_argument("--repo", action="append", help="repository to create (repeatable)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)

    stand_in = GitHubStandIn(
        owner=args.owner,
        token=args.token,
        repos=args.repo or ["goship-app"],
        owner_type=args.owner_type,
        host=args.host,
        port=args.port,
    )
    print(f"base_url={stand_in.start()}", flush=True)
    seen = 0
    try:
        while True:
            time.sleep(0.2)
            for call in stand_in.requests[seen:]:
                print(f"{call.status} {call.method} {call.path}", flush=True)
            seen = len(stand_in.requests)
    except KeyboardInterrupt:
        pass
    finally:
        stand_in.stop()
        for repo in stand_in._repos.values():
            for name in repo.secrets:
                print(f"secret {repo.name}/{name} = {stand_in.secret(repo.name, name)!r}")
            for name, variable in repo.variables.items():
                print(f"variable {repo.name}/{name} = {variable.value!r}")
        if stand_in.unknown:
            print(f"unknown endpoints: {stand_in.unknown}", file=sys.stderr)


if __name__ == "__main__":
    main()
