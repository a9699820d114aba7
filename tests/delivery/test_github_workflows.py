"""What the GitHub workflows promise, checked on every example and variant.

Each test reads the workflows as data and asserts one property a reviewer would check
by hand: deploy order and gating, least privilege, pinned actions, no stored keys, builds
and smoke tests only where they make sense.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from shipspec.render.targets.github import ACTIONS
from tests.delivery.delivery_support import (
    RELEASE_COMMENT,
    SHA_PIN,
    Rendered,
    build_services,
    public_web_services,
    render_spec,
    variants,
)

PR = ".github/workflows/pull-request.yml"
DEPLOY = ".github/workflows/deploy.yml"


def jobs(pipeline: Rendered, workflow: str) -> dict[str, Any]:
    return pipeline.yaml(workflow)["jobs"]


def deploy_jobs(pipeline: Rendered) -> dict[str, Any]:
    return {k: v for k, v in jobs(pipeline, DEPLOY).items() if k.startswith("deploy-")}


def steps_using(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in job["steps"] if s.get("uses", "").startswith(ACTIONS[action][0] + "@")]


def needs(job: dict[str, Any]) -> list[str]:
    value = job.get("needs", [])
    return [value] if isinstance(value, str) else list(value)


def test_deploys_follow_the_promotion_order_one_after_another(github: list[Rendered]) -> None:
    for pipeline in github:
        envs = [e.name for e in pipeline.model.environments]
        deploys = deploy_jobs(pipeline)
        assert list(deploys) == [f"deploy-{e}" for e in envs], pipeline.name
        for previous, current in itertools.pairwise(envs):
            assert f"deploy-{previous}" in needs(deploys[f"deploy-{current}"]), pipeline.name
        assert not [n for n in needs(deploys[f"deploy-{envs[0]}"]) if n.startswith("deploy-")]


def test_each_deploy_is_bound_to_its_environment_and_never_overlaps(github: list[Rendered]) -> None:
    for pipeline in github:
        groups = set()
        for env in pipeline.model.environments:
            job = deploy_jobs(pipeline)[f"deploy-{env.name}"]
            assert job["environment"]["name"] == env.name
            assert job["env"]["STACK"] == env.name  # the GitHub environment is named like the stack
            assert job["concurrency"]["cancel-in-progress"] is False
            groups.add(job["concurrency"]["group"])
        assert len(groups) == len(pipeline.model.environments), pipeline.name


def test_approval_is_required_exactly_where_the_handoff_asks(github: list[Rendered]) -> None:
    for pipeline in github:
        text = pipeline.files[DEPLOY]
        approval = [e.name for e in pipeline.model.environments if e.approval_required]
        all_jobs = jobs(pipeline, DEPLOY)
        if not approval:
            assert "approval-check" not in all_jobs
            assert "Required reviewers" not in text
            continue
        check = all_jobs["approval-check"]["steps"][0]["run"]
        assert re.findall(r"^require_reviewers (\S+)$", check, re.M) == approval
        for env in pipeline.model.environments:
            gated = "approval-check" in needs(all_jobs[f"deploy-{env.name}"])
            assert gated == env.approval_required, (pipeline.name, env.name)
            assert (
                f'"{env.name}" waits for the required reviewers' in text
            ) == env.approval_required


def test_every_action_is_pinned_to_a_commit_with_its_release(github: list[Rendered]) -> None:
    for pipeline in github:
        for workflow in (PR, DEPLOY):
            for job in jobs(pipeline, workflow).values():
                for step in job["steps"]:
                    if "uses" in step:
                        assert SHA_PIN.match(step["uses"]), step["uses"]
            lines = [
                line.strip().removeprefix("- ") for line in pipeline.files[workflow].splitlines()
            ]
            uses = [line for line in lines if line.startswith("uses:")]
            assert uses and all(RELEASE_COMMENT.match(line) for line in uses), workflow


def test_no_stored_aws_keys_anywhere(github: list[Rendered]) -> None:
    for pipeline in github:
        for text in pipeline.files.values():
            assert not re.search(
                r"aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY", text
            )


def test_only_jobs_that_assume_the_role_get_an_id_token(github: list[Rendered]) -> None:
    for pipeline in github:
        assert pipeline.yaml(PR)["permissions"] == {} and pipeline.yaml(DEPLOY)["permissions"] == {}
        for workflow in (PR, DEPLOY):
            for name, job in jobs(pipeline, workflow).items():
                assumes = bool(steps_using(job, "aws-credentials"))
                assert (job["permissions"].get("id-token") == "write") == assumes, (workflow, name)
                assert set(job["permissions"]) <= {
                    "contents",
                    "id-token",
                    "pull-requests",
                    "actions",
                }
                assert "write" not in {
                    v
                    for k, v in job["permissions"].items()
                    if k not in ("id-token", "pull-requests")
                }


def test_every_job_has_a_timeout(github: list[Rendered]) -> None:
    for pipeline in github:
        for workflow in (PR, DEPLOY):
            for name, job in jobs(pipeline, workflow).items():
                assert (
                    isinstance(job["timeout-minutes"], int) and 0 < job["timeout-minutes"] <= 360
                ), name


def matrix_services(job: dict[str, Any]) -> list[str]:
    return [entry["service"] for entry in job["strategy"]["matrix"]["include"]]


def test_images_are_built_only_for_services_with_a_build_context(github: list[Rendered]) -> None:
    for pipeline in github:
        built = build_services(pipeline.model)
        for workflow in (PR, DEPLOY):
            all_jobs = jobs(pipeline, workflow)
            if not built:
                assert "images" not in all_jobs
                continue
            assert matrix_services(all_jobs["images"]) == built
            [build] = steps_using(all_jobs["images"], "build-push")
            assert build["with"]["cache-from"].startswith("type=gha")
        if built:  # the deploy points each stack at this commit's images, and only at those
            for job in deploy_jobs(pipeline).values():
                [step] = [
                    s
                    for s in job["steps"]
                    if s.get("name") == "Point the stack at this commit's images"
                ]
                assert re.findall(r"'services\.([\w-]+)\.image'", step["run"]) == built
                assert "images" in needs(job)


def test_pull_requests_never_push_and_deploys_push_after_the_scan(github: list[Rendered]) -> None:
    for pipeline in [p for p in github if build_services(p.model)]:
        pr = jobs(pipeline, PR)["images"]
        [build] = steps_using(pr, "build-push")
        assert build["with"]["push"] is False
        assert "aws-credentials" not in str(pr) and "docker push" not in pipeline.files[PR]
        deploy = jobs(pipeline, DEPLOY)["images"]
        names = [s.get("name", s.get("uses", "")) for s in deploy["steps"]]
        scan = next(
            i for i, s in enumerate(deploy["steps"]) if steps_using({"steps": [s]}, "trivy")
        )
        assert names.index("Push the scanned image") > scan
        for job in (pr, deploy):
            [trivy] = steps_using(job, "trivy")
            assert trivy["with"]["severity"] == "CRITICAL,HIGH"
            assert trivy["with"]["ignore-unfixed"] is True and trivy["with"]["exit-code"] == "1"


def test_smoke_tests_only_hit_public_web_services(github: list[Rendered]) -> None:
    for pipeline in github:
        public = public_web_services(pipeline.model)
        health = {s.name: s.health_path for s in pipeline.model.environments[0].services}
        for job in deploy_jobs(pipeline).values():
            smoke = [s for s in job["steps"] if s.get("id") == "smoke"]
            if not public:
                assert smoke == []
                continue
            checks = re.findall(r"^check (\S+) (\S+)$", smoke[0]["run"], re.M)
            assert checks == [(name, health[name]) for name in public]
            assert "--max-time" in smoke[0]["run"] and "--retry" in smoke[0]["run"]


def test_a_failed_deploy_rolls_back_to_the_images_recorded_before_it(
    github: list[Rendered],
) -> None:
    for pipeline in github:
        for job in deploy_jobs(pipeline).values():
            ids = [s.get("id") for s in job["steps"]]
            order = ["previous", "up", "rollout", "smoke", "rollback", "rolled-back"]
            present = [i for i in order if i in ids]
            assert [ids.index(i) for i in present] == sorted(ids.index(i) for i in present)
            assert {"previous", "up", "rollout", "rollback", "rolled-back"} <= set(present)
            rollback = job["steps"][ids.index("rollback")]
            assert rollback["if"].startswith("failure() && steps.previous.outcome == 'success'")
            for step in ("up", "rollout", "smoke"):
                assert (f"steps.{step}.outcome == 'failure'" in rollback["if"]) == (step in ids)
            summary, on_call = job["steps"][-2:]
            assert summary["if"] == "always()" and "GITHUB_STEP_SUMMARY" in summary["run"]
            assert on_call["if"] == "failure()" and "tell_on_call" in on_call["run"]


def test_pull_requests_run_the_handoffs_checks(github: list[Rendered]) -> None:
    for pipeline in github:
        model = pipeline.model
        all_jobs = jobs(pipeline, PR)
        if model.test_command:
            test_run = all_jobs["test"]["steps"][-1]["run"].strip()
            assert test_run == f"set -euo pipefail\n{model.test_command}"
        else:
            assert "test" not in all_jobs
        generated = [s["run"] for s in all_jobs["generated"]["steps"] if "run" in s]
        assert generated[-1] == f"shipspec generate {model.spec_file} --out . --check"
        assert "gitleaks" in all_jobs["secrets"]["steps"][-1]["run"]
        assert steps_using(all_jobs["iac"], "trivy")[0]["with"]["scan-type"] == "config"
        # `pulumi preview` for non-production stacks only; every stack's change is in the
        # offline review (shipspec preview --against), which needs no credentials.
        previewed = [e.name for e in model.environments if not e.production]
        review = "\n".join(s.get("run", "") for s in all_jobs["review"]["steps"])
        assert "shipspec preview . --against" in review
        if not previewed:
            assert "preview" not in all_jobs
            continue
        preview = all_jobs["preview"]
        matrix = preview["strategy"]["matrix"]["include"]
        assert [entry["stack"] for entry in matrix] == previewed
        [comment] = [
            s for s in steps_using(preview, "pulumi") if s["with"].get("command") == "preview"
        ]
        assert comment["with"]["comment-on-pr"] is True
        for job in all_jobs.values():
            for step in steps_using(job, "setup-python"):
                assert step["with"]["cache"] == "pip"


def test_the_state_backend_decides_the_pulumi_login(github: list[Rendered]) -> None:
    for pipeline in github:
        backend = pipeline.model.state_backend
        for job in deploy_jobs(pipeline).values():
            login = next(
                s["run"] for s in job["steps"] if s.get("name") == "Log in to the state backend"
            )
            assert login == (f"pulumi login {backend}" if backend else "pulumi login")
            secret = "PULUMI_CONFIG_PASSPHRASE" if backend else "PULUMI_ACCESS_TOKEN"
            assert secret in job["env"]


def test_rendering_is_deterministic(github: list[Rendered], tmp_path_factory: Any) -> None:
    for name, spec in list(variants("github"))[:4]:
        again = render_spec(spec, tmp_path_factory.mktemp(name), name)
        assert again.files == next(p for p in github if p.name == name).files


def test_deploy_jobs_refuse_to_run_off_the_default_branch(github: list[Rendered]) -> None:
    """workflow_dispatch can start the deploy workflow from any branch: every job checks."""
    for pipeline in github:
        triggers = pipeline.yaml(DEPLOY)["on"]
        assert triggers["push"]["branches"] == ["main"] and "workflow_dispatch" in triggers
        for name, job in jobs(pipeline, DEPLOY).items():
            assert "github.ref == 'refs/heads/main'" in job["if"], name
