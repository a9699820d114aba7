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
