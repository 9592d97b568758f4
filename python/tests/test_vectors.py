# SPDX-License-Identifier: Apache-2.0
"""Every example line of the format (vectors.jsonl beside the project) through the Python module.

Each {"in": ...} is built with keywords (the class its `event` names, or its
"type") and parsed as a line; {"in_text": ...} (JSON that Python's json module
cannot hold as given: duplicate members, 1e400, lone surrogates) is parsed.
"""

import json

import pytest

import runner_metrics
from conftest import VECTORS

CLASSES = {
    "runner_installed": runner_metrics.RunnerInstalled,
    "runner_start": runner_metrics.RunnerStart,
    "runner_stop": runner_metrics.RunnerStop,
    "reconciliation": runner_metrics.Reconciliation,
}


def load_vectors():
    """The seed era's vectors, then those of the fields added later (vectors-later.jsonl)."""
    later = VECTORS.with_name("vectors-later.jsonl")
    return [json.loads(line) for path in (VECTORS, later)
            for line in path.read_text(encoding="utf-8").splitlines() if line]


VECTOR_LIST = load_vectors()


def names(field, expected):
    """Whether an error's field names the vector's: "code" is named by "status_info.code"."""
    return field == expected or field.endswith("." + expected)


def test_the_vectors_are_there():
    assert len(VECTOR_LIST) >= 30
    assert sum("job_conclusion" in v.get("in", {}) for v in VECTOR_LIST) >= 5
    assert sum("active_runners" in v.get("in", {}) for v in VECTOR_LIST) >= 4


@pytest.mark.parametrize("vector", VECTOR_LIST, ids=lambda v: json.dumps(v)[:60])
def test_vector(vector):
    if "in_text" in vector:
        with pytest.raises(runner_metrics.ValidationError) as error:
            runner_metrics.parse_event(vector["in_text"])
        assert names(error.value.field, vector["error"]), error.value
        return
    data = vector["in"]
    type_name = vector.get("type", data.get("event"))
    cls = CLASSES.get(type_name)
    if "out" in vector:
        event = cls(**data)
        assert event.json() + "\n" == vector["out"]
        if "type" not in vector:
            assert runner_metrics.parse_event(json.dumps(data)).json() + "\n" == vector["out"]
            assert runner_metrics.parse_event(json.dumps(data)) == event
        return
    if cls is not None:
        with pytest.raises(runner_metrics.ValidationError) as error:
            cls(**data)
        assert names(error.value.field, vector["error"]), error.value
    with pytest.raises(runner_metrics.ValidationError) as error:
        runner_metrics.parse_event(json.dumps(data))
    assert names(error.value.field, vector["error"]), error.value
