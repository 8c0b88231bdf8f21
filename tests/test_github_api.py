"""The GitHub REST stand-in, exercised over real HTTP the way the provider's go-github client is."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest
from nacl.public import PrivateKey, PublicKey, SealedBox

sys.path.insert(0, str(Path(__file__).resolve().parent))

from github_api import Call, GitHubStandIn, git_blob_sha  # noqa: E402

OWNER = "goship-dev"
REPO = "goship-app"
TOKEN = "ghp_standin_token"
WORKFLOW = ".github/workflows/release.yml"
REPO_API = f"repos/{OWNER}/{REPO}"


class Answer:
    """One HTTP answer: status, parsed JSON body (None when empty) and headers."""

    def __init__(self, status: int, raw: bytes, headers: Any):
        self.status = status
        self.json = json.loads(raw) if raw else None
        self.headers = headers


def call(
    gh: GitHubStandIn,
    method: str,
    path: str,
    body: Any = None,
    token: Optional[str] = TOKEN,
    scheme: str = "token",
    headers: Optional[dict] = None,
) -> Answer:
    """Send one request to the stand-in's API root, as go-github would."""
    sent = {"Accept": "application/vnd.github+json", **(headers or {})}
    if token is not None:
        sent["Authorization"] = f"{scheme} {token}"
    data = None if body is None else json.dumps(body).encode()
    if data is not None:
        sent["Content-Type"] = "application/json"
    request = urllib.request.Request(gh.api_url + path, data=data, method=method, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Answer(response.status, response.read(), response.headers)
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read(), error.headers)


def seal(gh: GitHubStandIn, plaintext: str) -> dict:
    """A secret body sealed with the repository's public key, as the provider builds it."""
    key = call(gh, "GET", f"{REPO_API}/actions/secrets/public-key").json
    box = SealedBox(PublicKey(base64.b64decode(key["key"])))
    sealed = base64.b64encode(box.encrypt(plaintext.encode())).decode()
    return {"key_id": key["key_id"], "encrypted_value": sealed}


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.fixture
def gh() -> Iterator[GitHubStandIn]:
    with GitHubStandIn(owner=OWNER, token=TOKEN, repos=[REPO]) as stand_in:
        yield stand_in


def test_base_url_is_a_local_root_and_the_api_lives_under_ghes_prefix(gh):
    assert gh.base_url.startswith("http://127.0.0.1:") and gh.base_url.endswith("/")
    assert gh.api_url == gh.base_url + "api/v3/"


def test_sealed_secret_decrypts_to_the_exact_plaintext(gh):
    plaintext = "dckr_pat_ünïcode-and spaces\n"

    answer = call(gh, "PUT", f"{REPO_API}/actions/secrets/DOCKERHUB_TOKEN", seal(gh, plaintext))

    assert (answer.status, answer.json) == (201, {})
    assert gh.secret(REPO, "DOCKERHUB_TOKEN") == plaintext


def test_secret_update_answers_204_and_keeps_created_at(gh):
    path = f"{REPO_API}/actions/secrets/DOCKERHUB_TOKEN"
    call(gh, "PUT", path, seal(gh, "first"))
    created = call(gh, "GET", path).json

    answer = call(gh, "PUT", path, seal(gh, "second"))

    assert answer.status == 204
    assert gh.secret(REPO, "DOCKERHUB_TOKEN") == "second"
    read = call(gh, "GET", path).json
    assert read["name"] == "DOCKERHUB_TOKEN"
    assert read["created_at"] == created["created_at"]


def test_secret_read_shows_name_and_dates_but_never_the_value(gh):
    path = f"{REPO_API}/actions/secrets/DOCKERHUB_TOKEN"
    call(gh, "PUT", path, seal(gh, "s3cret"))

    answer = call(gh, "GET", path)

    assert answer.status == 200
    assert set(answer.json) == {"name", "created_at", "updated_at"}
    assert answer.json["updated_at"].endswith("Z")


def test_secret_sealed_with_another_key_is_rejected_with_422(gh):
    key_id = call(gh, "GET", f"{REPO_API}/actions/secrets/public-key").json["key_id"]
    stranger = SealedBox(PrivateKey.generate().public_key).encrypt(b"value")
    body = {"key_id": key_id, "encrypted_value": base64.b64encode(stranger).decode()}

    answer = call(gh, "PUT", f"{REPO_API}/actions/secrets/DOCKERHUB_TOKEN", body)

    assert answer.status == 422
    assert gh.secret(REPO, "DOCKERHUB_TOKEN") is None


def test_secret_with_a_stale_key_id_is_rejected_with_422(gh):
    body = {**seal(gh, "value"), "key_id": "1"}

    answer = call(gh, "PUT", f"{REPO_API}/actions/secrets/DOCKERHUB_TOKEN", body)

    assert answer.status == 422


def test_secret_named_with_github_prefix_is_rejected_with_422(gh):
    answer = call(gh, "PUT", f"{REPO_API}/actions/secrets/GITHUB_TOKEN", seal(gh, "x"))

    assert answer.status == 422


def test_secret_delete_answers_204_then_404(gh):
    path = f"{REPO_API}/actions/secrets/DOCKERHUB_TOKEN"
    call(gh, "PUT", path, seal(gh, "x"))

    assert call(gh, "DELETE", path).status == 204
    assert call(gh, "DELETE", path).status == 404
    assert call(gh, "GET", path).status == 404
    assert gh.secret(REPO, "DOCKERHUB_TOKEN") is None


def test_public_key_is_a_curve25519_key_with_a_key_id(gh):
    answer = call(gh, "GET", f"{REPO_API}/actions/secrets/public-key")

    assert answer.status == 200
    assert len(base64.b64decode(answer.json["key"])) == 32
    assert (answer.json["key_id"], answer.json["key"]) == gh.public_key(REPO)


def test_wrong_token_is_401_bad_credentials(gh):
    answer = call(gh, "GET", REPO_API, token="ghp_wrong")

    assert answer.status == 401
    assert answer.json["message"] == "Bad credentials"


def test_missing_authorization_is_401(gh):
    answer = call(gh, "GET", REPO_API, token=None)

    assert answer.status == 401
    assert answer.json["message"] == "Requires authentication"


def test_bearer_scheme_is_accepted_like_token(gh):
    assert call(gh, "GET", REPO_API, scheme="Bearer").status == 200


def test_unknown_endpoint_is_404_and_recorded(gh):
    answer = call(gh, "GET", f"{REPO_API}/hooks")

    assert answer.status == 404
    assert answer.json["message"] == "Not Found"
    assert gh.unknown == [("GET", f"/api/v3/{REPO_API}/hooks")]


def test_known_path_with_an_unserved_method_counts_as_unknown(gh):
    answer = call(gh, "POST", REPO_API, {"name": "x"})

    assert answer.status == 404
    assert gh.unknown == [("POST", f"/api/v3/{REPO_API}")]


def test_api_outside_the_ghes_prefix_is_unknown(gh):
    request = urllib.request.Request(
        gh.base_url + REPO_API, headers={"Authorization": f"token {TOKEN}"}
    )
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=10)

    assert raised.value.code == 404
    assert gh.unknown == [("GET", f"/{REPO_API}")]


def test_unknown_repository_and_owner_are_404_but_not_unknown_endpoints(gh):
    assert call(gh, "GET", f"repos/{OWNER}/other").status == 404
    assert call(gh, "GET", f"repos/someone-else/{REPO}").status == 404
    assert gh.unknown == []


def test_requests_are_logged_with_method_path_and_status(gh):
    call(gh, "GET", f"{REPO_API}?x=1")

    assert gh.requests == [Call("GET", f"/api/v3/{REPO_API}?x=1", 200)]


def test_repository_has_id_and_default_branch(gh):
    answer = call(gh, "GET", REPO_API)

    assert answer.json["full_name"] == f"{OWNER}/{REPO}"
    assert answer.json["default_branch"] == "main"
    assert isinstance(answer.json["id"], int)


def test_organization_owner_is_found_under_orgs(gh):
    answer = call(gh, "GET", f"orgs/{OWNER}")

    assert (answer.status, answer.json["type"]) == (200, "Organization")


def test_user_owner_is_404_under_orgs_and_a_user_under_users():
    with GitHubStandIn(owner="octo", token=TOKEN, repos=[REPO], owner_type="User") as gh:
        assert call(gh, "GET", "orgs/octo").status == 404
        assert call(gh, "GET", "users/octo").json["type"] == "User"
        assert call(gh, "GET", "user").json["login"] == "octo"


def test_contents_put_creates_the_file_with_201_and_its_blob_sha(gh):
    text = "name: release\n"

    answer = call(
        gh, "PUT", f"{REPO_API}/contents/{WORKFLOW}", {"message": "add", "content": b64(text)}
    )

    assert answer.status == 201
    assert answer.json["content"]["sha"] == git_blob_sha(text.encode())
    assert answer.json["commit"]["message"] == "add"
    assert gh.file(REPO, WORKFLOW) == text


def test_contents_get_returns_base64_content_and_ref_in_url(gh):
    text = "on: push\n" * 20  # longer than one 60-character base64 line
    gh.put_file(REPO, WORKFLOW, text)

    answer = call(gh, "GET", f"{REPO_API}/contents/{WORKFLOW}?ref=main")

    assert answer.json["encoding"] == "base64"
    assert "\n" in answer.json["content"]
    assert base64.b64decode(answer.json["content"]).decode() == text
    assert answer.json["url"].endswith(f"/contents/{WORKFLOW}?ref=main")


def test_contents_get_of_missing_file_is_404(gh):
    assert call(gh, "GET", f"{REPO_API}/contents/{WORKFLOW}?ref=main").status == 404


def test_contents_update_without_sha_is_422(gh):
    gh.put_file(REPO, WORKFLOW, "old\n")

    answer = call(
        gh, "PUT", f"{REPO_API}/contents/{WORKFLOW}", {"message": "m", "content": b64("new\n")}
    )

    assert answer.status == 422
    assert gh.file(REPO, WORKFLOW) == "old\n"


def test_contents_update_with_a_stale_sha_is_409(gh):
    gh.put_file(REPO, WORKFLOW, "old\n")
    body = {"message": "m", "content": b64("new\n"), "sha": git_blob_sha(b"older\n")}

    answer = call(gh, "PUT", f"{REPO_API}/contents/{WORKFLOW}", body)

    assert answer.status == 409
    assert gh.file(REPO, WORKFLOW) == "old\n"


def test_contents_update_with_the_current_sha_is_200(gh):
    gh.put_file(REPO, WORKFLOW, "old\n")
    current = call(gh, "GET", f"{REPO_API}/contents/{WORKFLOW}").json["sha"]
    body = {"message": "overwrite", "content": b64("new\n"), "sha": current}

    answer = call(gh, "PUT", f"{REPO_API}/contents/{WORKFLOW}", body)

    assert answer.status == 200
    assert answer.json["content"]["sha"] == git_blob_sha(b"new\n")
    assert gh.file(REPO, WORKFLOW) == "new\n"
    assert [c.message for c in gh.commits(REPO, path=WORKFLOW)] == ["overwrite", "seed"]


def test_contents_delete_needs_the_current_sha(gh):
    gh.put_file(REPO, WORKFLOW, "x\n")
    path = f"{REPO_API}/contents/{WORKFLOW}"

    stale = call(gh, "DELETE", path, {"message": "rm", "sha": git_blob_sha(b"y\n")})
    done = call(gh, "DELETE", path, {"message": "rm", "sha": git_blob_sha(b"x\n")})

    assert (stale.status, done.status) == (409, 200)
    assert done.json["content"] is None
    assert gh.file(REPO, WORKFLOW) is None
    assert call(gh, "DELETE", path, {"message": "rm", "sha": git_blob_sha(b"x\n")}).status == 404


def test_file_on_a_non_default_branch_leaves_the_default_branch_alone(gh):
    gh.add_branch(REPO, "release")
    body = {"message": "m", "content": b64("on release\n"), "branch": "release"}

    answer = call(gh, "PUT", f"{REPO_API}/contents/{WORKFLOW}", body)

    assert answer.status == 201
    assert gh.file(REPO, WORKFLOW, "release") == "on release\n"
    assert gh.file(REPO, WORKFLOW) is None
    read = call(gh, "GET", f"{REPO_API}/contents/{WORKFLOW}?ref=release").json
    assert read["url"].endswith("?ref=release")
    assert call(gh, "GET", f"{REPO_API}/contents/{WORKFLOW}?ref=main").status == 404


def test_contents_put_to_a_missing_branch_is_404(gh):
    body = {"message": "m", "content": b64("x"), "branch": "nope"}

    assert call(gh, "PUT", f"{REPO_API}/contents/{WORKFLOW}", body).status == 404


def test_branch_look_up_finds_existing_branches_only(gh):
    gh.add_branch(REPO, "feature/x")

    found = call(gh, "GET", f"{REPO_API}/branches/feature%2Fx")

    assert (found.status, found.json["name"]) == (200, "feature/x")
    assert call(gh, "GET", f"{REPO_API}/branches/nope").status == 404


def test_commit_of_a_file_lists_it_among_changed_files(gh):
    sha = gh.put_file(REPO, WORKFLOW, "x\n", message="add workflow")

    listed = call(gh, "GET", f"{REPO_API}/commits?sha=main&path={WORKFLOW}").json
    commit = call(gh, "GET", f"{REPO_API}/commits/{sha}").json

    assert [c["sha"] for c in listed] == [sha]
    assert commit["commit"]["message"] == "add workflow"
    assert [(f["filename"], f["status"]) for f in commit["files"]] == [(WORKFLOW, "added")]


def test_commit_look_up_of_an_unknown_sha_is_422(gh):
    assert call(gh, "GET", f"{REPO_API}/commits/{'0' * 40}").status == 422


def test_commit_list_pages_with_a_link_header(gh):
    gh.put_file(REPO, WORKFLOW, "1\n")
    gh.put_file(REPO, WORKFLOW, "2\n")

    first = call(gh, "GET", f"{REPO_API}/commits?path={WORKFLOW}&per_page=1")

    assert len(first.json) == 1
    assert 'rel="next"' in first.headers["Link"] and "page=2" in first.headers["Link"]


def test_matching_etag_answers_304(gh):
    etag = call(gh, "GET", REPO_API).headers["ETag"]

    assert call(gh, "GET", REPO_API, headers={"If-None-Match": etag}).status == 304


def test_variable_create_read_update_delete(gh):
    collection = f"{REPO_API}/actions/variables"
    item = f"{collection}/DOCKERHUB_USERNAME"

    created = call(gh, "POST", collection, {"name": "DOCKERHUB_USERNAME", "value": "goship"})
    assert (created.status, created.json) == (201, {})
    assert call(gh, "GET", item).json["value"] == "goship"

    updated = call(gh, "PATCH", item, {"name": "DOCKERHUB_USERNAME", "value": "goship2"})
    assert updated.status == 204
    assert gh.variable(REPO, "DOCKERHUB_USERNAME") == "goship2"

    assert call(gh, "DELETE", item).status == 204
    assert call(gh, "GET", item).status == 404
    assert gh.variable(REPO, "DOCKERHUB_USERNAME") is None


def test_variable_created_twice_is_409(gh):
    collection = f"{REPO_API}/actions/variables"
    call(gh, "POST", collection, {"name": "IMAGE_NAME", "value": "a"})

    answer = call(gh, "POST", collection, {"name": "IMAGE_NAME", "value": "b"})

    assert answer.status == 409
    assert gh.variable(REPO, "IMAGE_NAME") == "a"


def test_variable_listing_counts_variables(gh):
    collection = f"{REPO_API}/actions/variables"
    call(gh, "POST", collection, {"name": "IMAGE_NAME", "value": "goship/app"})

    answer = call(gh, "GET", collection).json

    assert answer["total_count"] == 1
    assert answer["variables"][0]["name"] == "IMAGE_NAME"


def test_standalone_server_serves_and_reports_its_base_url():
    script = Path(__file__).resolve().parent / "github_api.py"
    process = subprocess.Popen(
        [sys.executable, str(script), "--owner", OWNER, "--token", TOKEN, "--repo", REPO],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        first_line = process.stdout.readline().strip()
        assert first_line.startswith("base_url=http://127.0.0.1:")
        api = first_line.removeprefix("base_url=") + "api/v3/"
        request = urllib.request.Request(
            api + REPO_API, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.loads(response.read())["name"] == REPO
    finally:
        process.terminate()
        process.wait(timeout=10)
