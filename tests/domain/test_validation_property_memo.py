"""A file's rows share one property memo: each distinct value is checked once, the findings stay the same."""

from __future__ import annotations

import itertools

from validation_support import NOW_MS, PORTAL, occurrence, plan_upgrade

from hsexplorer.domain.validation import PROPERTY_MEMO_LIMIT, validate

# Valid and invalid values of every type the definition has, including ones that only warn.
VALUES = {
    "plan": ["professional", "Professional", "platinum", ""],
    "seats": ["12", "1,200", "twelve", "-3.5", 12, None],
    "annual_billing": ["true", "yes", True],
    "renewal_date": ["2026-06-01", "2026-13-01", "1780000000000"],
    "upgraded_at": ["2026-05-01T12:00:00Z", "2026-05-01 12:00", "soon"],
    "coupon_code": ["SPRING", "x" * 300, "é" * 200 + "😀" * 40],
    "checkout_url": ["https://example.com/" + "a" * 1_100, "https://example.com/"],
    "unknown_prop": ["anything"],
    "Seats": ["3"],
}


def payloads():
    names = list(VALUES)
    for index, combination in enumerate(itertools.product(*(VALUES[n][:2] for n in names))):
        body = occurrence()
        body["properties"] = dict(zip(names, combination, strict=True))
        yield body
        # Every value of every property, alone, on either side of the memoized rows.
        name = names[index % len(names)]
        for value in VALUES[name]:
            single = occurrence()
            single["properties"] = {name: value}
            yield single


def test_findings_with_a_shared_memo_are_those_of_each_row_checked_alone():
    definition = plan_upgrade()
    memo: dict = {}
    checked = 0
    for payload in itertools.chain(payloads(), payloads()):  # the second pass is answered from the memo
        alone = validate(payload, definition, PORTAL, now_ms=NOW_MS)
        shared = validate(payload, definition, PORTAL, now_ms=NOW_MS, property_memo=memo)
        assert shared == alone, payload
        checked += 1
    assert checked > 1_000 and memo  # the memo was used, and rows with findings were among them
    assert any(findings for findings in memo.values())


def test_the_memo_stops_growing_at_its_limit_and_findings_stay_right():
    definition = plan_upgrade()
    memo: dict = {}
    for number in range(PROPERTY_MEMO_LIMIT + 500):
        payload = occurrence()
        payload["properties"] = {"seats": f"{number},5"}  # every value distinct, every one an error
        findings = validate(payload, definition, PORTAL, now_ms=NOW_MS, property_memo=memo)
        assert [f.code for f in findings] == ["property.number_invalid"]
    assert len(memo) == PROPERTY_MEMO_LIMIT
