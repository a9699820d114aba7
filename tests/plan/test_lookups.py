"""``EnvironmentPlan.service``/``datastore``/``decision``: indexed lookups, same answers.

The index is kept per plan object; a copy with other lists (``model_copy(update=...)``)
answers from its own lists, and a missing name is a KeyError that says what is missing.
"""

from __future__ import annotations

import pytest

import shipspec


def test_every_item_is_found_and_the_first_of_a_repeated_key_wins(
    shop_model: shipspec.DeploymentModel,
) -> None:
    for env in shop_model.environments:
        for service in env.services:
            assert env.service(service.name) is service
        for datastore in env.datastores:
            assert env.datastore(datastore.name) is datastore
        for decision in env.decisions:
            assert env.decision(decision.key) is next(
                d for d in env.decisions if d.key == decision.key
            )


def test_a_copy_answers_from_its_own_lists(shop_model: shipspec.DeploymentModel) -> None:
    env = shop_model.environments[0]
    first = env.services[0]
    assert env.service(first.name) is first  # indexed now
    renamed = first.model_copy(update={"name": "renamed"})
    copy = env.model_copy(update={"services": [renamed, *env.services[1:]]})
    assert copy.service("renamed") is renamed
    with pytest.raises(KeyError, match=f"no service '{first.name}' in this environment"):
        copy.service(first.name)
    assert env.service(first.name) is first


def test_a_missing_name_says_what_is_missing(shop_model: shipspec.DeploymentModel) -> None:
    env = shop_model.environments[0]
    with pytest.raises(KeyError, match="no decision 'nope' in this environment"):
        env.decision("nope")
    with pytest.raises(KeyError, match="no datastore 'nope' in this environment"):
        env.datastore("nope")


def test_monitoring_lookups_find_each_alarm_slo_and_decision(
    shop_model: shipspec.DeploymentModel,
) -> None:
    monitoring = shop_model.monitoring
    for env_alarms in monitoring.alarms.values():
        for alarm in env_alarms.alarms:
            assert env_alarms.alarm(alarm.name) is next(
                a for a in env_alarms.alarms if a.name == alarm.name
            )
    for slo in monitoring.slos:
        assert monitoring.slo(slo.name) is slo
    for decision in monitoring.decisions:
        assert monitoring.decision(decision.key) is next(
            d for d in monitoring.decisions if d.key == decision.key
        )
    env_alarms = next(iter(monitoring.alarms.values()))
    where = f"in environment '{env_alarms.environment}'"
    with pytest.raises(KeyError, match=f"no alarm 'nope' {where}"):
        env_alarms.alarm("nope")
    with pytest.raises(KeyError, match="no SLO 'nope' in the monitoring plan"):
        monitoring.slo("nope")


def test_the_index_leaves_the_model_and_its_json_as_they_were(
    shop_model: shipspec.DeploymentModel,
) -> None:
    before = shop_model.model_dump_json()
    env = shop_model.environments[0]
    env.service(env.services[0].name)
    shop_model.monitoring.decision(shop_model.monitoring.decisions[0].key)
    assert shop_model.model_dump_json() == before
    assert shop_model == shop_model.model_copy()


def test_a_service_across_stacks_is_each_stack_s_plan_in_promotion_order(
    shop_model: shipspec.DeploymentModel,
) -> None:
    from shipspec.render.targets.pulumi import _in_stacks, _stacks_with

    name = shop_model.environments[0].services[0].name
    expected = [s for env in shop_model.environments for s in env.services if s.name == name]
    assert _in_stacks(shop_model, name) == expected
    assert _stacks_with(shop_model, name) == len(expected)
    assert _in_stacks(shop_model, "nope") == []
