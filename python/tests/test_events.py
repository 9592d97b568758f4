# SPDX-License-Identifier: Apache-2.0
"""The ancestor's classes: keyword construction, defaults, attributes, ==, errors, user subclasses."""

import enum
import pickle
from typing import Optional

import pydantic
import pytest

import ancestor
import runner_metrics
from runner_metrics import (CodeInformation, Event, NonNegativeFloat, NonNegativeInt,
                            Reconciliation, RunnerInstalled, RunnerStart, RunnerStop,
                            ValidationError)

STOP = dict(timestamp=1700000001, flavor="small", workflow="Tests", repo="o/r",
            github_event="push", status="abnormal", job_duration=61.25)


def test_keyword_construction_defaults_and_attributes_as_the_ancestor():
    event = RunnerInstalled(timestamp=123, flavor="small", duration=456)
    assert event.json() == ('{"timestamp": 123.0, "event": "runner_installed", '
                            '"flavor": "small", "duration": 456.0}')
    assert (event.timestamp, event.event, event.flavor, event.duration) == (
        123.0, "runner_installed", "small", 456.0)
    assert type(event.timestamp) is float and type(event.duration) is float
    assert repr(event) == ("RunnerInstalled(timestamp=123.0, event='runner_installed', "
                           "flavor='small', duration=456.0)")
    theirs = ancestor.RunnerInstalled(timestamp=123, flavor="small", duration=456)
    assert event.dict() == theirs.dict()
    assert list(event) == list(theirs)


def test_every_class_defaults_event_to_its_snake_case_name_and_an_explicit_one_overrides():
    start = RunnerStart(timestamp=1, flavor="s", workflow="w", repo="r", github_event="e", idle=0)
    assert start.event == "runner_start" and start.queue_duration is None
    assert RunnerStop(**STOP).event == "runner_stop"
    assert Reconciliation(timestamp=1, flavor="s", crashed_runners=0, idle_runners=0,
                          duration=1).event == "reconciliation"
    assert RunnerInstalled(timestamp=7, event="custom_name", flavor="s", duration=1).json() == (
        '{"timestamp": 7.0, "event": "custom_name", "flavor": "s", "duration": 1.0}')


def test_absent_optional_fields_are_none_and_left_out_of_the_line():
    stop = RunnerStop(**STOP)
    assert stop.status_info is None
    assert '"status_info"' not in stop.json()
    stop = RunnerStop(**STOP, status_info=None)
    assert stop.json() == ancestor.RunnerStop(**STOP, status_info=None).json(exclude_none=True)


def test_status_info_takes_a_code_information_or_a_dict():
    by_object = RunnerStop(**STOP, status_info=CodeInformation(code=137))
    by_dict = RunnerStop(**STOP, status_info={"code": 137})
    assert by_object == by_dict
    assert isinstance(by_dict.status_info, CodeInformation) and by_dict.status_info.code == 137
    assert '"status_info": {"code": 137}' in by_dict.json()
    assert CodeInformation(code=-9).json() == '{"code": -9}'


def test_equality_is_by_fields_as_pydantic_1():
    a = RunnerInstalled(timestamp=1, flavor="s", duration=2)
    assert a == RunnerInstalled(timestamp=1.0, flavor="s", duration=2.0)
    assert a != RunnerInstalled(timestamp=1, flavor="t", duration=2)
    assert a == {"timestamp": 1.0, "event": "runner_installed", "flavor": "s", "duration": 2.0}
    with pytest.raises(TypeError):
        hash(a)


@pytest.mark.parametrize("keywords, field, problem", [
    (dict(flavor="s", duration=1), "timestamp", "field required"),
    (dict(timestamp=1, flavor="s"), "duration", "field required"),
    (dict(timestamp=-1, flavor="s", duration=1), "timestamp", "must be >= 0"),
    (dict(timestamp=1, flavor="s", duration=-0.5), "duration", "must be >= 0"),
    (dict(timestamp=1, flavor="s", duration=float("nan")), "duration", "must be a finite number"),
    (dict(timestamp=1, flavor="s", duration=float("inf")), "duration", "must be a finite number"),
    (dict(timestamp=1, flavor="s", duration=10**400), "duration", "must be a finite number"),
    (dict(timestamp=1, flavor="s", duration="12.5"), "duration", "must be a number, not str"),
    (dict(timestamp=1, flavor="s", duration=True), "duration", "must be a number, not bool"),
    (dict(timestamp=1, flavor=None, duration=1), "flavor", "none is not an allowed value"),
    (dict(timestamp=1, flavor=5, duration=1), "flavor", "must be a string, not int"),
    (dict(timestamp=1, flavor=b"s", duration=1), "flavor", "must be a string, not bytes"),
    (dict(timestamp=1, flavor="s", duration=1, durration=2), "durration",
     "is not a field of runner_installed"),
    (dict(timestamp=1, event="runner_stop", flavor="s", duration=1), "event",
     '"runner_stop" is another event type\'s name; a runner_installed event may be named anything else'),
    (dict(timestamp=1, event=3, flavor="s", duration=1), "event", "must be a string, not int"),
])
def test_invalid_keywords_raise_validation_error_naming_the_field(keywords, field, problem):
    with pytest.raises(ValidationError) as error:
        RunnerInstalled(**keywords)
    assert (error.value.field, error.value.problem) == (field, problem)
    assert str(error.value) == f"{field}: {problem}"
    assert isinstance(error.value, ValueError)


@pytest.mark.parametrize("value, problem", [
    (-1, "must be an integer >= 0"),
    (2.5, "must be an integer, not float"),
    (3.0, "must be an integer, not float"),
    (True, "must be an integer, not a boolean"),
    ("3", "must be an integer, not str"),
    (2**63, "must be an integer in signed 64-bit range"),
])
def test_counts_are_integers_from_zero_to_2_63_minus_1(value, problem):
    with pytest.raises(ValidationError) as error:
        Reconciliation(timestamp=1, flavor="s", crashed_runners=value, idle_runners=0, duration=1)
    assert (error.value.field, error.value.problem) == ("crashed_runners", problem)
    assert Reconciliation(timestamp=1, flavor="s", crashed_runners=2**63 - 1, idle_runners=0,
                          duration=1).crashed_runners == 2**63 - 1


@pytest.mark.parametrize("field", ["active_runners", "expected_runners"])
@pytest.mark.parametrize("value, problem", [
    (-1, "must be an integer >= 0"),
    (2.5, "must be an integer, not float"),
    (True, "must be an integer, not a boolean"),
    ("3", "must be an integer, not str"),
])
def test_the_later_counts_are_optional_integers_from_zero(field, value, problem):
    with pytest.raises(ValidationError) as error:
        Reconciliation(timestamp=1, flavor="s", crashed_runners=0, idle_runners=0, duration=1,
                       **{field: value})
    assert (error.value.field, error.value.problem) == (field, problem)
    event = Reconciliation(timestamp=1, flavor="s", crashed_runners=0, idle_runners=0, duration=1,
                           **{field: 0})
    assert getattr(event, field) == 0
    assert event.json() == ('{"timestamp": 1.0, "event": "reconciliation", "flavor": "s", '
                            f'"crashed_runners": 0, "idle_runners": 0, "{field}": 0, "duration": 1.0}}')


def test_the_later_fields_are_none_when_absent_and_written_in_the_successors_order():
    seed_era = Reconciliation(timestamp=2, flavor="s", crashed_runners=1, idle_runners=2, duration=4)
    assert seed_era.active_runners is None and seed_era.expected_runners is None
    assert seed_era.json() == ancestor.Reconciliation(
        timestamp=2, flavor="s", crashed_runners=1, idle_runners=2, duration=4).json(exclude_none=True)
    both = Reconciliation(timestamp=2, flavor="s", crashed_runners=0, idle_runners=5,
                          expected_runners=8, active_runners=3, duration=42.5)
    assert both.json() == ('{"timestamp": 2.0, "event": "reconciliation", "flavor": "s", '
                           '"crashed_runners": 0, "idle_runners": 5, "active_runners": 3, '
                           '"expected_runners": 8, "duration": 42.5}')
    stop = RunnerStop(**STOP, status_info={"code": 403}, job_conclusion="failure")
    assert stop.job_conclusion == "failure"
    assert stop.json().endswith('"status_info": {"code": 403}, "job_duration": 61.25, '
                                '"job_conclusion": "failure"}')
    assert RunnerStop(**STOP).job_conclusion is None
    assert "job_conclusion" not in RunnerStop(**STOP).json()
    assert RunnerStop(**dict(STOP, status="external-contributor-check-failure")).json() == (
        ancestor.RunnerStop(**dict(STOP, status="external-contributor-check-failure")).json(
            exclude_none=True))
    with pytest.raises(ValidationError) as error:
        RunnerStop(**STOP, job_conclusion=5)
    assert (error.value.field, error.value.problem) == ("job_conclusion", "must be a string, not int")


def test_code_may_be_negative_but_not_fractional_and_errors_name_the_nested_field():
    assert RunnerStop(**STOP, status_info={"code": -9}).status_info.code == -9
    with pytest.raises(ValidationError) as error:
        RunnerStop(**STOP, status_info={"code": 1.5})
    assert error.value.field == "status_info.code"
    with pytest.raises(ValidationError) as error:
        RunnerStop(**STOP, status_info={})
    assert (error.value.field, error.value.problem) == ("status_info.code", "field required")
    with pytest.raises(ValidationError) as error:
        RunnerStop(**STOP, status_info="137")
    assert error.value.field == "status_info"


def test_positional_arguments_are_refused_as_pydantic_refused_them():
    with pytest.raises(TypeError):
        RunnerInstalled(1, "s", 2)


def test_a_value_assigned_after_construction_is_checked_when_written(tmp_path):
    event = RunnerInstalled(timestamp=1, flavor="s", duration=2)
    event.duration = -3
    with pytest.raises(ValidationError) as error:
        event.json()
    assert error.value.field == "duration"
    log = runner_metrics.MetricsLog(tmp_path / "m.log")
    with pytest.raises(ValidationError):
        log.append(event)
    assert not (tmp_path / "m.log").exists()
    event.duration = 5  # an int, written as the float it stands for
    assert event.json().endswith('"duration": 5.0}')


def test_a_line_over_the_limit_is_refused_naming_the_longest_text_field():
    with pytest.raises(ValidationError) as error:
        RunnerStart(timestamp=1, flavor="s", workflow="w" * runner_metrics.MAX_LINE_BYTES, repo="r",
                    github_event="e", idle=0).json()
    assert error.value.field == "workflow"
    assert "over the 1048576-byte limit" in error.value.problem


def test_str_subclasses_and_enums_are_written_as_their_text():
    class Flavor(str, enum.Enum):
        SMALL = "small"
    event = RunnerInstalled(timestamp=1, flavor=Flavor.SMALL, duration=1)
    assert type(event.flavor) is str and event.flavor == "small"
    assert event.json() == ancestor.RunnerInstalled(timestamp=1, flavor=Flavor.SMALL,
                                                    duration=1).json(exclude_none=True)


def test_events_pickle_and_validation_errors_keep_their_field():
    event = RunnerStop(**STOP, status_info={"code": 137})
    assert pickle.loads(pickle.dumps(event)) == event
    error = pickle.loads(pickle.dumps(ValidationError("duration", "must be >= 0")))
    assert (error.field, error.problem, str(error)) == ("duration", "must be >= 0",
                                                        "duration: must be >= 0")


class RunnerResized(Event):
    flavor: str
    cores: NonNegativeInt
    memory_gib: NonNegativeFloat
    note: Optional[str] = None
    exit: Optional[CodeInformation] = None


class RunnerAncestorStyle(Event):
    """Annotated with pydantic's own types, as the ancestor's users wrote them."""
    flavor: str
    seconds: pydantic.NonNegativeFloat
    offset: float
    delta: int


def test_a_user_defined_event_is_written_and_validated_by_the_same_rules(tmp_path):
    event = RunnerResized(timestamp=1, flavor="s", cores=4, memory_gib=16, exit={"code": 3})
    assert event.json() == ('{"timestamp": 1.0, "event": "runner_resized", "flavor": "s", '
                            '"cores": 4, "memory_gib": 16.0, "exit": {"code": 3}}')
    with pytest.raises(ValidationError) as error:
        RunnerResized(timestamp=1, flavor="s", cores=-1, memory_gib=1)
    assert (error.value.field, error.value.problem) == ("cores", "must be an integer >= 0")
    with pytest.raises(ValidationError) as error:
        RunnerResized(timestamp=1, flavor="s", cores=1, memory_gib=float("inf"))
    assert error.value.field == "memory_gib"
    with pytest.raises(ValidationError) as error:
        RunnerResized(timestamp=1, event="reconciliation", flavor="s", cores=1, memory_gib=1)
    assert error.value.field == "event"
    # The line round-trips: the log reader counts it as another writer's event.
    log = runner_metrics.MetricsLog(tmp_path / "m.log")
    log.append(event)
    (line,) = runner_metrics.read_events(tmp_path / "m.log")
    assert line == runner_metrics.OtherLine(1, event.json())


def test_a_user_defined_event_matches_its_pydantic_twin():
    class Twin(ancestor.Event):
        flavor: str
        seconds: pydantic.NonNegativeFloat
        offset: float
        delta: int
    Twin.__name__ = "RunnerAncestorStyle"
    keywords = dict(timestamp=5, flavor="é\U0001F600", seconds=3, offset=-2.5, delta=-7)
    assert RunnerAncestorStyle(**keywords).json() == Twin(**keywords).json(exclude_none=True)
    with pytest.raises(ValidationError) as error:
        RunnerAncestorStyle(**dict(keywords, seconds=-1))
    assert error.value.field == "seconds"


def test_a_field_type_that_cannot_be_written_is_refused_when_the_class_is_defined():
    with pytest.raises(TypeError, match="tags"):
        class Tagged(Event):
            tags: list


def test_the_python_classes_have_the_fields_of_the_library_descriptions():
    python = {cls._rm_event_name: cls._rm_fields
              for cls in (RunnerInstalled, RunnerStart, RunnerStop, Reconciliation)}
    library = dict(runner_metrics._rm.library_descriptions())

    def normalize(fields):
        return [(name, kind, optional, non_negative, normalize(nested) if nested else None)
                for name, kind, optional, non_negative, nested in fields]

    assert {name: normalize(fields) for name, fields in python.items()} == {
        name: normalize(fields) for name, fields in library.items()}
    assert normalize(RunnerStop._rm_fields)[7] == (
        "status_info", "record", True, False, [("code", "int", False, False, None)])


def test_copy_replaces_fields_and_checks_them():
    event = RunnerInstalled(timestamp=1, flavor="s", duration=2)
    assert event.copy(update={"duration": 3}) == RunnerInstalled(timestamp=1, flavor="s", duration=3)
    assert event.copy() == event and event.copy() is not event
    with pytest.raises(ValidationError) as error:
        event.copy(update={"duration": -3})
    assert error.value.field == "duration"


def test_json_takes_the_ancestors_exclude_none_true_and_refuses_what_it_cannot_write():
    event = RunnerStart(timestamp=1, flavor="s", workflow="w", repo="r", github_event="e", idle=0)
    assert event.json(exclude_none=True) == event.json()
    with pytest.raises(ValueError, match="exclude_none=True"):
        event.json(exclude_none=False)
    with pytest.raises(TypeError):
        event.json(indent=2)
    with pytest.raises(TypeError):
        RunnerInstalled.json(1)
