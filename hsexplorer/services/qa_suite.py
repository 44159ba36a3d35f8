"""QA suites: edge cases with the validator's prediction, run against an account, compared, exported.

A suite is saved as JSON (cases, predictions, the definition they were predicted with, and
the last run's results) — one versioned format for the workbench and `hsexplorer qa run`.
Running sends each case (fresh uuids every run) under the QA record and records what HubSpot
did, mapped to the same causes as the prediction. Each run case has an Outcome: *as
predicted* (verdict and causes agree), *different reason* (same verdict, other causes),
*surprise* (the verdict differs) or *could not send*. Results export as JUnit XML (a surprise
or different reason is a failure, a case that could not be sent is an error) and CSV.
"""

from __future__ import annotations

import csv
import enum
import json
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hsexplorer.domain.definitions import EventDefinition, definition_to_json, parse_definition
from hsexplorer.domain.edge_cases import (
    ACCEPTED,
    REJECTED,
    Cause,
    EdgeCase,
    QaRecord,
    answer_cause,
    generate_edge_cases,
    refreshed_uuids,
    same_causes,
    with_record,
)
from hsexplorer.hubspot.errors import ApiError, HubSpotError

if TYPE_CHECKING:
    from hsexplorer.hubspot.client import HubSpotClient

SUITE_FORMAT = "hsexplorer-qa-suite"
# 2: predictions carry their causes (expectedCauses), results the answer's causes. Version 1
# files load: their cases are predicted again with the suite's definition.
SUITE_VERSION = 2
NOT_RUN = "not run"
ERROR = "error"  # the case could not be delivered (network, auth): no verdict


class Outcome(enum.Enum):
    AS_PREDICTED = "as predicted"
    DIFFERENT_REASON = "different reason"  # the verdict agrees, the causes do not
    SURPRISE = "surprise"  # the verdict differs
    COULD_NOT_SEND = "could not send"


@dataclass(slots=True)
class CaseResult:
    actual: str  # ACCEPTED | REJECTED | ERROR
    status: int | None = None
    message: str = ""
    codes: list[str] = field(default_factory=list)  # HubSpot's errors[].code
    correlation_id: str = ""
    duration_ms: float = 0.0
    target: str = ""
    ran_at: float = 0.0
    causes: list[Cause] = field(default_factory=list)  # the answer's errors[], mapped like the prediction's
    record: str = ""  # the QA record it was sent under

    def to_json(self) -> dict[str, Any]:
        return {"actual": self.actual, "status": self.status, "message": self.message, "codes": self.codes,
                "correlationId": self.correlation_id, "durationMs": self.duration_ms, "target": self.target,
                "ranAt": self.ran_at, "causes": [c.to_json() for c in self.causes], "record": self.record}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CaseResult:
        return cls(str(data.get("actual", ERROR)), data.get("status"), str(data.get("message", "")),
                   [str(c) for c in data.get("codes", [])], str(data.get("correlationId", "")),
                   float(data.get("durationMs", 0.0)), str(data.get("target", "")), float(data.get("ranAt", 0.0)),
                   [Cause.from_json(c) for c in data.get("causes") or []], str(data.get("record", "")))


def compare(case: EdgeCase, result: CaseResult) -> Outcome:
    """The outcome of one run case: verdict first, then the causes of a refusal."""
    if result.actual not in (ACCEPTED, REJECTED):
        return Outcome.COULD_NOT_SEND
    if result.actual != case.expected:
        return Outcome.SURPRISE
    if result.actual == REJECTED and same_causes(case.expected_causes, result.causes) is False:
        return Outcome.DIFFERENT_REASON
    return Outcome.AS_PREDICTED


@dataclass(slots=True)
class QaSuite:
    name: str
    cases: list[EdgeCase]
    definition: EventDefinition | None = None
    portal_id: int | None = None
    created_at: float = field(default_factory=time.time)
    results: dict[str, CaseResult] = field(default_factory=dict)  # the last run, by case id

    # --- building ---------------------------------------------------------------------------

    @classmethod
    def generate(cls, payload: Mapping[str, Any], definition: EventDefinition | None = None,
                 portal_id: int | None = None, name: str = "", record: QaRecord | None = None) -> QaSuite:
        """The edge cases of `payload` sent under `record`; InvalidBase when the payload has errors."""
        cases = generate_edge_cases(payload, definition, portal_id, record)
        event = str(payload.get("eventName") or "payload")
        return cls(name or f"Edge cases of {event}", cases, definition, portal_id)

    def case(self, case_id: str) -> EdgeCase:
        for case in self.cases:
            if case.id == case_id:
                return case
        raise KeyError(case_id)

    def retarget(self, portal_id: int, definition: EventDefinition | None) -> None:
        """Point every case at another portal (pe{old}_ → pe{new}_) and predict again with its definition."""
        old = self.portal_id
        if old is not None and old != portal_id:
            pattern = re.compile(rf"^pe{old}_")
            for case in self.cases:
                case.payload = _rename_events(case.payload, pattern, f"pe{portal_id}_")
        self.portal_id = portal_id
        self.definition = definition
        self.predict_again()
        self.results.clear()

    def predict_again(self) -> None:
        for case in self.cases:
            case.predict(self.definition, self.portal_id)

    def use_record(self, record: QaRecord) -> None:
        """Send every case under `record`; the identity cases keep their deliberately broken identifiers,
        and no case keeps the definition's custom matching property (it would pick another record)."""
        for case in self.cases:
            payload = with_record(case.payload, record, self.definition, probe=case.category == "identity")
            if payload != case.payload:  # unchanged cases keep their (possibly hand-edited) expectation
                case.payload = payload
                case.predict(self.definition, self.portal_id)

    # --- verdicts ---------------------------------------------------------------------------

    def actual(self, case_id: str) -> str:
        result = self.results.get(case_id)
        return result.actual if result else NOT_RUN

    def outcome(self, case_id: str) -> Outcome | None:
        result = self.results.get(case_id)
        return None if result is None else compare(self.case(case_id), result)

    def is_surprise(self, case_id: str) -> bool:
        return self.outcome(case_id) is Outcome.SURPRISE

    def is_failure(self, case_id: str) -> bool:
        """A case QA must look at: a surprise or a different reason."""
        return self.outcome(case_id) in (Outcome.SURPRISE, Outcome.DIFFERENT_REASON)

    def surprises(self) -> list[EdgeCase]:
        return [c for c in self.cases if self.is_surprise(c.id)]

    def with_outcome(self, outcome: Outcome) -> list[EdgeCase]:
        return [c for c in self.cases if self.outcome(c.id) is outcome]

    def summary(self) -> dict[str, int]:
        outcomes = [self.outcome(c.id) for c in self.cases]
        return {
            "cases": len(self.cases),
            "ran": sum(1 for o in outcomes if o is not None),
            "as_predicted": outcomes.count(Outcome.AS_PREDICTED),
            "different_reason": outcomes.count(Outcome.DIFFERENT_REASON),
            "surprises": outcomes.count(Outcome.SURPRISE),
            "could_not_send": outcomes.count(Outcome.COULD_NOT_SEND),
        }

    def all_as_predicted(self) -> bool:
        return all(self.outcome(c.id) is Outcome.AS_PREDICTED for c in self.cases)

    # --- persistence ------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "format": SUITE_FORMAT,
            "version": SUITE_VERSION,
            "name": self.name,
            "createdAt": self.created_at,
            "portalId": self.portal_id,
            "definition": definition_to_json(self.definition) if self.definition else None,
            "cases": [c.to_json() for c in self.cases],
            "results": {k: v.to_json() for k, v in self.results.items()},
        }

    @classmethod
    def from_json(cls, data: Any) -> QaSuite:
        if not isinstance(data, Mapping) or data.get("format") != SUITE_FORMAT:
            raise ValueError("this is not an hsexplorer QA suite")
        try:
            version = int(data.get("version", 0))
        except (TypeError, ValueError):
            raise ValueError("the suite's version is not a number") from None
        if version > SUITE_VERSION:
            raise ValueError("this suite was saved by a newer hsexplorer; update to open it")
        try:
            definition = parse_definition(data["definition"]) if data.get("definition") else None
            cases = [EdgeCase.from_json(c) for c in data.get("cases", [])]
            results = {str(k): CaseResult.from_json(v) for k, v in (data.get("results") or {}).items()}
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"the suite is incomplete or malformed ({error})") from None
        ids = [c.id for c in cases]
        if len(set(ids)) != len(ids):
            raise ValueError("the suite has two cases with the same id")
        suite = cls(str(data.get("name", "QA suite")), cases, definition, data.get("portalId"),
                    float(data.get("createdAt", time.time())), {k: v for k, v in results.items() if k in ids})
        if version < 2:
            suite.predict_again()  # version 1 saved no causes: predict them with the saved definition
        return suite

    def save(self, path: str | Path) -> None:
        target = Path(path)
        temporary = target.with_name(target.name + ".tmp")
        temporary.write_text(json.dumps(self.to_json(), indent=2, ensure_ascii=False), encoding="utf-8")
        temporary.replace(target)  # atomic: a crash never leaves half a suite

    @classmethod
    def load(cls, path: str | Path) -> QaSuite:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise ValueError(f"{Path(path).name} is not valid JSON: {error.msg}") from None
        return cls.from_json(data)


def _rename_events(payload: Any, pattern: re.Pattern[str], prefix: str) -> Any:
    if isinstance(payload, Mapping):
        out = {k: _rename_events(v, pattern, prefix) for k, v in payload.items()}
        if isinstance(out.get("eventName"), str):
            out["eventName"] = pattern.sub(prefix, out["eventName"])
        return out
    if isinstance(payload, list):
        return [_rename_events(v, pattern, prefix) for v in payload]
    return payload


# --- running ------------------------------------------------------------------------------------


CaseCallback = Callable[[EdgeCase, CaseResult], None]


def _retryable(status: int) -> bool:
    # No verdict about the payload: auth, rate limit, server trouble.
    return status in (401, 403, 429) or status >= 500


async def run_case(client: HubSpotClient, case: EdgeCase, target: str = "", record: str = "") -> CaseResult:
    """Send one case (with fresh uuids) and record what HubSpot did, mapped to causes."""
    payload = refreshed_uuids(case.payload)
    started = time.time()
    try:
        if case.is_batch:
            results = await client.send_batch(payload["inputs"])
            errors = [r.error for r in results if r.error is not None]
            if errors:
                raise errors[0]
            first = results[0]
            status, correlation, duration = first.status, first.correlation_id, sum(r.duration for r in results)
        else:
            sent = await client.send(payload)
            status, correlation, duration = sent.status, sent.correlation_id, sent.duration
    except ApiError as error:
        actual = ERROR if _retryable(error.status) else REJECTED
        causes = [] if actual == ERROR else [answer_cause(e.code, e.context, e.message) for e in error.errors]
        return CaseResult(actual, error.status, error.hubspot_message or str(error), [e.code for e in error.errors if e.code],
                          error.correlation_id, _ms(error), target, started, causes, record)
    except HubSpotError as error:
        return CaseResult(ERROR, None, error.user_message, [], "", 0.0, target, started, [], record)
    return CaseResult(ACCEPTED, status, "", [], correlation, round(duration * 1000, 1), target, started, [], record)


def _ms(error: HubSpotError) -> float:
    return round(error.trace.duration * 1000, 1) if error.trace is not None else 0.0


def occurrence_count(suite: QaSuite, case_ids: list[str] | None = None) -> int:
    """How many occurrences a run sends (a batch case sends each of its inputs)."""
    total = 0
    for case in suite.cases:
        if case_ids is None or case.id in case_ids:
            inputs = case.payload.get("inputs") if case.is_batch else None
            total += len(inputs) if isinstance(inputs, list) else 1
    return total


async def run_suite(client: HubSpotClient, suite: QaSuite, *, target: str = "", case_ids: list[str] | None = None,
                    on_case: CaseCallback | None = None, record: QaRecord | None = None) -> dict[str, int]:
    """Run the cases (all, or `case_ids`) one after another under `record`; results replace the previous run's."""
    if record is not None:
        suite.use_record(record)
    for case in suite.cases:
        if case_ids is not None and case.id not in case_ids:
            continue
        result = await run_case(client, case, target, str(record) if record is not None else "")
        suite.results[case.id] = result
        if on_case is not None:
            on_case(case, result)
    return suite.summary()


# --- exports ------------------------------------------------------------------------------------


CSV_COLUMNS = ("id", "category", "title", "expected", "actual", "outcome", "status", "message", "expected_causes",
               "actual_causes", "expected_codes", "actual_codes", "correlation_id", "record", "payload")


def _causes_text(causes: list[Cause]) -> str:
    return "; ".join(str(c) for c in causes)


def export_csv(suite: QaSuite, path: str | Path) -> None:
    with Path(path).open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for case in suite.cases:
            result = suite.results.get(case.id)
            outcome = suite.outcome(case.id)
            writer.writerow([
                case.id, case.category, case.title, case.expected, suite.actual(case.id),
                outcome.value if outcome else NOT_RUN,
                "" if result is None or result.status is None else result.status,
                result.message if result else "", _causes_text(case.expected_causes),
                _causes_text(result.causes) if result else "", " ".join(case.expected_codes),
                " ".join(result.codes) if result else "", result.correlation_id if result else "",
                result.record if result else "",
                json.dumps(case.payload, ensure_ascii=False, separators=(",", ":")),
            ])


def junit_xml(suite: QaSuite) -> str:
    """JUnit XML: one testcase per case; a surprise or different reason is a <failure>, an undeliverable case an <error>."""
    summary = suite.summary()
    root = ET.Element("testsuites", name="hsexplorer QA")
    element = ET.SubElement(root, "testsuite", {
        "name": suite.name,
        "tests": str(len(suite.cases)),
        "failures": str(summary["surprises"] + summary["different_reason"]),
        "errors": str(summary["could_not_send"]),
        "skipped": str(len(suite.cases) - summary["ran"]),
        "time": f"{sum(r.duration_ms for r in suite.results.values()) / 1000:.3f}",
    })
    for case in suite.cases:
        result = suite.results.get(case.id)
        outcome = suite.outcome(case.id)
        item = ET.SubElement(element, "testcase", {
            "classname": f"hsexplorer.qa.{case.category}",
            "name": f"{case.id}: {case.title}",
            "time": f"{(result.duration_ms if result else 0) / 1000:.3f}",
        })
        if result is None:
            ET.SubElement(item, "skipped", message="not run")
        elif outcome is Outcome.COULD_NOT_SEND:
            ET.SubElement(item, "error", message=result.message or "could not be sent").text = result.message
        elif outcome in (Outcome.SURPRISE, Outcome.DIFFERENT_REASON):
            if outcome is Outcome.SURPRISE:
                message = f"predicted {case.expected}, HubSpot {result.actual} it"
            else:
                message = f"{result.actual} as predicted, but for a different reason"
            failure = ET.SubElement(item, "failure", message=message, type=outcome.name.lower())
            failure.text = "\n".join(filter(None, [
                message,
                f"HTTP {result.status}" if result.status else "",
                f"HubSpot: {result.message}" if result.message else "",
                f"predicted causes: {_causes_text(case.expected_causes)}" if case.expected_causes else "",
                f"actual causes: {_causes_text(result.causes)}" if result.causes else "",
                f"predicted findings: {', '.join(case.expected_codes)}" if case.expected_codes else "",
                f"correlation id: {result.correlation_id}" if result.correlation_id else "",
            ]))
        out = ET.SubElement(item, "system-out")
        out.text = json.dumps(case.payload, ensure_ascii=False)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def export_junit(suite: QaSuite, path: str | Path) -> None:
    Path(path).write_text(junit_xml(suite), encoding="utf-8")
