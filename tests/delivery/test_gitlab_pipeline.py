"""What ``.gitlab-ci.yml`` promises, checked on every example and variant.

Jobs are read with their ``extends`` merged in, as GitLab resolves them, so a property
set on a hidden template (``.pulumi``'s ID token, ``.merge-request``'s rules) counts for
the jobs that inherit it and nowhere else.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from tests.delivery.delivery_support import (
    Rendered,
    build_services,
    gitlab_jobs,
    public_web_services,
    render_spec,
    variants,
)

FILE = ".gitlab-ci.yml"
MERGE_REQUEST = '$CI_PIPELINE_SOURCE == "merge_request_event"'
DEFAULT_BRANCH = "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"
SCHEDULE = '$CI_PIPELINE_SOURCE == "schedule"'
NIGHTLY = f"{SCHEDULE} && {DEFAULT_BRANCH}"


def jobs(pipeline: Rendered) -> dict[str, dict[str, Any]]:
    return gitlab_jobs(pipeline.yaml(FILE))


def deploy_jobs(pipeline: Rendered) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in jobs(pipeline).items() if k.startswith("deploy:")}


def runs_on(job: dict[str, Any]) -> set[str]:
    """The conditions a job runs under (rules that say `when: never` excluded)."""
    return {rule["if"] for rule in job["rules"] if rule.get("when") != "never"}


def never_on(job: dict[str, Any]) -> set[str]:
    return {rule["if"] for rule in job["rules"] if rule.get("when") == "never"}


def script(job: dict[str, Any]) -> str:
    return "\n".join(job["script"])


def test_pipelines_run_for_merge_requests_the_default_branch_and_its_schedules_only(
    gitlab: list[Rendered],
) -> None:
    """A scheduled pipeline (the nightly drift check) runs the drift jobs and nothing else:
    every default-branch job refuses a schedule before its own rule could match."""
    for pipeline in gitlab:
        rules = pipeline.yaml(FILE)["workflow"]["rules"]
        assert [r["if"] for r in rules if r.get("when") != "never"] == [
            NIGHTLY,
            MERGE_REQUEST,
            DEFAULT_BRANCH,
        ]
        for name, job in jobs(pipeline).items():
            writes = name.startswith(("publish:", "deploy:", "destroy:"))
            if name.startswith("drift:"):
                assert job["rules"] == [{"if": NIGHTLY}], name
                continue
            if DEFAULT_BRANCH in runs_on(job):
                assert job["rules"][0 if name != "test" else 1] == {
                    "if": SCHEDULE,
                    "when": "never",
                }, name
            # Tests run again on the default branch, before any deploy; a static site is built
            # on both, the default branch's build being the files the deploys upload.
            if name == "test" or name.startswith("site:"):
                assert runs_on(job) == {MERGE_REQUEST, DEFAULT_BRANCH}
                continue
            assert runs_on(job) == {DEFAULT_BRANCH if writes else MERGE_REQUEST}, name
        drifts = [name for name in jobs(pipeline) if name.startswith("drift:")]
        assert drifts == [f"drift:{e.name}" for e in pipeline.model.environments]
        if pipeline.model.test_command:
            first = pipeline.model.environments[0].name
            assert "test" in jobs(pipeline)[f"deploy:{first}"]["needs"]


def test_deploys_follow_the_promotion_order_one_after_another(gitlab: list[Rendered]) -> None:
    for pipeline in gitlab:
        envs = [e.name for e in pipeline.model.environments]
        deploys = deploy_jobs(pipeline)
        assert list(deploys) == [f"deploy:{e}" for e in envs]
        assert {job["stage"] for job in deploys.values()} == {"deploy"}
        for previous, current in itertools.pairwise(envs):
            assert f"deploy:{previous}" in deploys[f"deploy:{current}"]["needs"]
        assert not [n for n in deploys[f"deploy:{envs[0]}"]["needs"] if n.startswith("deploy:")]


def test_each_deploy_has_its_environment_and_its_own_resource_group(
    gitlab: list[Rendered],
) -> None:
    for pipeline in gitlab:
        groups = set()
        for env in pipeline.model.environments:
            job = deploy_jobs(pipeline)[f"deploy:{env.name}"]
            assert job["environment"]["name"] == env.name == job["variables"]["STACK"]
            tier = job["environment"]["deployment_tier"]
            assert (tier == "production") == env.production
            assert job["interruptible"] is False
            groups.add(job["resource_group"])
        assert len(groups) == len(pipeline.model.environments)


def test_approval_environments_wait_for_a_person(gitlab: list[Rendered]) -> None:
    for pipeline in gitlab:
        for env in pipeline.model.environments:
            job = deploy_jobs(pipeline)[f"deploy:{env.name}"]
            manual = [r.get("when") for r in job["rules"]] == ["never", "manual"]
            assert manual == env.approval_required, (pipeline.name, env.name)
            assert job["allow_failure"] is False  # a waiting deploy blocks the ones after it
            documented = f"deploy:{env.name} is a manual job" in pipeline.files[FILE]
            assert documented == env.approval_required


def protected_environments(pipeline: Rendered) -> set[str]:
    """The environments the handoff tells the user to protect: production's and every one
    whose deploy needs approval (docs/operations/handoff.md, step 1)."""
    return {e.name for e in pipeline.model.environments if e.production or e.approval_required}


def test_only_gated_jobs_are_bound_to_a_protected_environment(
    gitlab: list[Rendered], gated_gitlab: Rendered
) -> None:
    """GitLab runs a job bound to a protected environment, ``action: prepare`` and ``verify``
    included, only for the users allowed to deploy there (gitlab-org/gitlab#300784): a merge
    request's preview bound to one fails for every other developer, and the nightly drift
    check for a schedule owner who may not deploy. So a protected environment has only its
    deploy and destroy jobs, and production's drift check (whose owner the handoff names);
    previews and non-production drift use the stack's own unprotected ``<env>/preview``."""
    for pipeline in [*gitlab, gated_gitlab]:
        protected = protected_environments(pipeline)
        production = {e.name for e in pipeline.model.environments if e.production}
        for name, job in jobs(pipeline).items():
            environment = (job.get("environment") or {}).get("name")
            if environment in protected:
                kind, _, stack = name.partition(":")
                assert stack == environment, (pipeline.name, name)
                assert kind in {"deploy", "destroy"} or (kind == "drift" and stack in production), (
                    pipeline.name,
                    name,
                )
        for env in pipeline.model.environments:
            if env.production:
                assert f"preview:{env.name}" not in jobs(pipeline)
                continue
            for kind, action in (("preview", "prepare"), ("drift", "verify")):
                bound = jobs(pipeline)[f"{kind}:{env.name}"]["environment"]
                assert bound["name"] == f"{env.name}/preview", (pipeline.name, kind, env.name)
                assert bound["action"] == action  # no deployment record
                assert bound["deployment_tier"] == "development"
            # The header names it, among the environments never to protect.
            assert f'"{env.name}/preview": never protect it' in pipeline.files[FILE]


def test_only_jobs_that_assume_the_role_get_an_id_token(gitlab: list[Rendered]) -> None:
    """AWS reads only a GitLab token's `aud` and `sub`, and `sub` names the branch alone: the
    environment is bound through the audience. Jobs that deploy or destroy an environment,
    and production's drift check, ask for that environment's audience (a protected variable
    scoped to it); the rest (merge-request previews, image pushes, non-production drift)
    the plain STS audience, which no environment's deploy role trusts (docs/delivery.md)."""
    for pipeline in gitlab:
        production = {e.name for e in pipeline.model.environments if e.production}
        for name, job in jobs(pipeline).items():
            assumes = "AWS_WEB_IDENTITY_TOKEN_FILE" in script(job)
            tokens = job.get("id_tokens", {})
            assert bool(tokens) == assumes, name
            if not assumes:
                continue
            assert '"$AWS_ID_TOKEN" > "$AWS_WEB_IDENTITY_TOKEN_FILE"' in script(job)
            environment = job.get("environment") or {}
            action = environment.get("action", "start")
            bound = bool(environment) and (
                action in ("start", "stop")
                or (action == "verify" and environment["name"] in production)
            )
            audience = "$AWS_OIDC_AUDIENCE" if bound else "sts.amazonaws.com"
            assert tokens == {"AWS_ID_TOKEN": {"aud": audience}}, name
            if bound:  # an unset audience stops the job before any credential is asked for
                assert "AWS_OIDC_AUDIENCE:?" in script(job), name
            if action == "prepare":  # merge-request previews: never production's
                assert environment["name"] not in production, name


def test_no_stored_aws_keys_anywhere(gitlab: list[Rendered]) -> None:
    for pipeline in gitlab:
        text = pipeline.files[FILE]
        assert not re.search(r"AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|aws-access-key-id", text)


def test_every_job_has_a_timeout(gitlab: list[Rendered]) -> None:
    for pipeline in gitlab:
        for name, job in jobs(pipeline).items():
            assert re.fullmatch(r"[1-9]\d*m", job["timeout"]), name
            assert int(job["timeout"][:-1]) <= 360


def test_images_are_built_only_for_services_with_a_build_context(gitlab: list[Rendered]) -> None:
    for pipeline in gitlab:
        built = build_services(pipeline.model)
        all_jobs = jobs(pipeline)
        for prefix in ("build:", "publish:"):
            assert [n.removeprefix(prefix) for n in all_jobs if n.startswith(prefix)] == built
        for service in built:
            mr, publish = all_jobs[f"build:{service}"], all_jobs[f"publish:{service}"]
            for job in (mr, publish):
                assert "trivy" in script(job) and "--severity CRITICAL,HIGH" in script(job)
                assert "--ignore-unfixed" in script(job)
            assert "docker push" not in script(mr) and "aws " not in script(mr)
            pushed = script(publish)
            assert pushed.index("trivy") < pushed.index('docker push "$IMAGE"')
            assert "--image-tag-mutability IMMUTABLE" in pushed
            assert publish["variables"]["REPOSITORY"] == f"{pipeline.model.app}/{service}"
        for job in deploy_jobs(pipeline).values():
            assert [n for n in job["needs"] if n.startswith("publish:")] == [
                f"publish:{s}" for s in built
            ]
            assert re.findall(r"'services\.([\w-]+)\.image'", script(job)) == built


def test_smoke_tests_only_hit_public_web_services(gitlab: list[Rendered]) -> None:
    for pipeline in gitlab:
        public = public_web_services(pipeline.model)
        health = {s.name: s.health_path for s in pipeline.model.environments[0].services}
        for job in deploy_jobs(pipeline).values():
            checks = re.findall(r"^\s*check (\S+) (\S+)$", script(job), re.M)
            assert checks == [(name, health[name]) for name in public]
            assert ("url" in job["environment"]) == bool(public)


def test_a_failed_deploy_rolls_back_to_the_images_recorded_before_it(
    gitlab: list[Rendered],
) -> None:
    for pipeline in gitlab:
        for job in deploy_jobs(pipeline).values():
            body = script(job)
            recorded = body.index('pulumi stack output --json > "$CI_PROJECT_DIR/before.json"')
            up = body.index("pulumi up --yes --diff")
            waited = body.index("aws ecs list-service-deployments", up)
            rollback = body.index('pulumi up --yes --message "roll back')
            assert recorded < up < waited < rollback
            assert body.index("aws ecs list-service-deployments", rollback)  # waits again
            assert job["artifacts"]["when"] == "always"


def test_merge_requests_run_the_handoffs_checks(gitlab: list[Rendered]) -> None:
    for pipeline in gitlab:
        model = pipeline.model
        all_jobs = jobs(pipeline)
        if model.test_command:
            assert all_jobs["test"]["script"][-1].strip() == model.test_command
            node = model.test_command.split()[0] in ("npm", "yarn", "pnpm")
            assert all_jobs["test"]["image"].startswith("node:" if node else "python:")
        else:
            assert "test" not in all_jobs
        assert all_jobs["generated"]["script"][-1] == (
            f"shipspec generate {model.spec_file} --out . --check"
        )
        assert script(all_jobs["secret_detection"]).startswith("gitleaks git")
        assert "trivy config" in script(all_jobs["iac_scanning"])
        previews = [n.removeprefix("preview:") for n in all_jobs if n.startswith("preview:")]
        # A merge request previews non-production stacks only; production's change is in
        # the offline review (shipspec preview --against), which needs no credentials.
        assert previews == [e.name for e in model.environments if not e.production]
        assert "shipspec preview . --against" in script(all_jobs["review"])
        for name in previews:
            assert "pulumi preview" in script(all_jobs[f"preview:{name}"])
            assert all_jobs[f"preview:{name}"]["artifacts"]["expose_as"]
        for name in ("generated", "deploy:" + model.environments[0].name):
            assert all_jobs[name]["cache"]["paths"] == [".cache/pip"]


def test_rendering_is_deterministic(gitlab: list[Rendered], tmp_path_factory: Any) -> None:
    for name, spec in list(variants("gitlab"))[:4]:
        again = render_spec(spec, tmp_path_factory.mktemp(name), name)
        assert again.files == next(p for p in gitlab if p.name == name).files
