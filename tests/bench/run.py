"""Every performance budget of hsexplorer, measured side by side in one command.

    python tests/bench/run.py [--quick] [--json FILE] [--only NAME ...]

Each group of benchmarks runs in its own subprocess, so Qt state, caches and resident
memory from one group never skew another; ratios (ours ÷ a reference) are measured inside
one group, in the same run, so a noisy machine moves both sides alike. Everything talks to
the sandbox (in process or on loopback), never to the internet.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Budget:
    name: str
    unit: str
    budget: float
    higher_is_better: bool = False

    def ok(self, value: float) -> bool:
        return value >= self.budget if self.higher_is_better else value <= self.budget


BUDGETS: dict[str, Budget] = {
    b.name: b
    for b in (
        # Process start to the main window's first paint / to the definitions shown, each ÷ the stack
        # floor's first paint (a bare window from a qasync loop with httpx imported), same run.
        Budget("startup_paint_vs_floor", "x", 1.2),
        Budget("startup_ready_vs_floor", "x", 1.4),
        # `hsexplorer send --batch` of 100,000 rows ÷ raw prepared batches to the same served sandbox.
        Budget("backfill_vs_ceiling", "x", 0.6, higher_is_better=True),
        Budget("backfill_peak_rss_mb", "MB", 250),
        # The same command with 1,000,000 rows (full mode only): the file is streamed, never held.
        Budget("backfill_1m_peak_rss_mb", "MB", 250),
        Budget("validate_50_props_us", "µs", 200),
        Budget("keystroke_findings_ms_p99", "ms", 16),
        Budget("query_vs_sdk_ratio", "x", 0.5),
        Budget("send_vs_sdk_ratio", "x", 0.5),
        Budget("sandbox_batch_eps", "events/s", 5000, higher_is_better=True),
        Budget("sandbox_page_ms", "ms", 20),
        Budget("table_first_row_ms", "ms", 300),
        Budget("table_load_max_stall_ms", "ms", 50),
        Budget("table_rss_mb", "MB", 300),
        Budget("table_sort_ms", "ms", 300),
        Budget("batch_ui_max_stall_ms", "ms", 50),
        # Issue 9's acceptance run (full mode only): 100,000 rows through the wizard, faults injected.
        Budget("backfill_ui_max_stall_ms", "ms", 50),
        # The same wizard checking a 20,000-row file where every other row has a problem.
        Budget("bad_rows_check_max_stall_ms", "ms", 50),
    )
}


@dataclass(frozen=True)
class Group:
    """One subprocess: a bench module's function and how its result maps to budget names."""

    name: str
    module: str
    call: str  # Python expression evaluated in the module, with `quick` bound
    metrics: dict[str, str]  # budget name -> key in the returned dict ("" = the value itself)
    full_only: bool = False  # too long for --quick's two minutes
    context: dict[str, str] | None = None  # label -> key in the returned dict: printed under the table


GROUPS: tuple[Group, ...] = (
    Group(
        "validation",
        "bench_validation",
        "measure_validate_50_props_us(rounds=5 if quick else 9)",
        {"validate_50_props_us": ""},
    ),
    Group(
        "startup",
        "bench_startup",
        "measure_startup(runs=5 if quick else 11)",
        {"startup_paint_vs_floor": "paint_ratio", "startup_ready_vs_floor": "ready_ratio"},
        context={
            "startup: the stack floor's first paint, s": "floor_paint_s",
            "startup: the app's first paint, s": "paint_s",
            "startup: definitions shown, s": "ready_s",
            "startup: --smoke-test, wall s": "smoke_s",
            "startup: load average (1 min)": "load_average",
        },
    ),
    Group(
        "backfill",
        "bench_backfill",
        "measure_backfill(n=30_000 if quick else 100_000)",  # --quick keeps to its two minutes
        {"backfill_vs_ceiling": "ratio", "backfill_peak_rss_mb": "cli_peak_rss_mb"},
        context={
            "backfill: send --batch, rows/s": "cli_rows_per_s",
            "backfill: the ceiling (prepared batches, 4 in flight), rows/s": "ceiling_rows_per_s",
            "backfill: load average (1 min)": "load_average",
        },
    ),
    Group(
        "backfill_1m",
        "bench_backfill",
        "measure_backfill_memory(n=1_000_000)",
        {"backfill_1m_peak_rss_mb": "cli_peak_rss_mb"},
        full_only=True,
        context={"backfill 1,000,000 rows: send --batch, rows/s": "cli_rows_per_s"},
    ),
    Group(
        "composer",
        "bench_composer",
        "measure_keystroke_findings_ms_p99(edits=150 if quick else 600)",
        {"keystroke_findings_ms_p99": ""},
    ),
    Group(
        "client_query",
        "bench_client",
        "measure_query_vs_sdk(n=20_000, runs=1 if quick else 3)",
        {"query_vs_sdk_ratio": "ratio"},
    ),
    Group(
        "client_send",
        "bench_client",
        "measure_send_vs_sdk(n=20_000, runs=1 if quick else 3)",
        {"send_vs_sdk_ratio": "ratio"},
    ),
    Group("sandbox_batch", "bench_sandbox", "measure_batch_eps(quick=quick)", {"sandbox_batch_eps": ""}),
    Group("sandbox_page", "bench_sandbox", "measure_page_ms(quick=quick)", {"sandbox_page_ms": ""}),
    Group(
        "explore_table",
        "bench_explore",
        "measure_table_load(n=100_000, runs=1 if quick else 3)",
        {
            "table_first_row_ms": "first_row_ms",
            "table_load_max_stall_ms": "max_stall_ms",
            "table_rss_mb": "rss_mb",
            "table_sort_ms": "sort_ms",
        },
    ),
    Group(
        "batch_ui",
        "bench_batch",
        "measure_batch_ui_stall(n=20_000)",
        {"batch_ui_max_stall_ms": "max_stall_ms"},
    ),
    Group(
        "backfill_ui",
        "bench_batch",
        "measure_batch_ui_stall(n=100_000, faults=True)",
        {"backfill_ui_max_stall_ms": "max_stall_ms"},
        full_only=True,
    ),
    Group(
        "bad_rows_check",
        "bench_batch",
        "measure_bad_rows_check_stall(n=20_000)",
        {"bad_rows_check_max_stall_ms": "max_stall_ms"},
        full_only=True,
    ),
)

_CHILD = """
import json, os, sys
sys.path.insert(0, {bench_dir!r})
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
quick = {quick!r}
import {module} as bench
result = eval({call!r}, vars(bench), {{"quick": quick}})
print("@@RESULT@@" + json.dumps(result))
"""


def run_group(group: Group, quick: bool, timeout: float) -> tuple[dict[str, float], str, list[str]]:
    """The group's metrics by budget name, an error text ("" when it worked) and its context lines."""
    code = _CHILD.format(bench_dir=str(BENCH_DIR), quick=quick, module=group.module, call=group.call)
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    try:
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, env=env, cwd=BENCH_DIR
        )
    except subprocess.TimeoutExpired:
        return {}, f"timed out after {timeout:.0f} s", []
    marker = [line for line in done.stdout.splitlines() if line.startswith("@@RESULT@@")]
    if done.returncode != 0 or not marker:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return {}, " | ".join(tail) or f"exit {done.returncode}", []
    result = json.loads(marker[-1][len("@@RESULT@@") :])
    metrics: dict[str, float] = {}
    for budget_name, key in group.metrics.items():
        value = result if key == "" else (result.get(key) if isinstance(result, dict) else None)
        if isinstance(value, int | float):
            metrics[budget_name] = float(value)
    missing = set(group.metrics) - set(metrics)
    context = [f"{label}: {result[key]:,.2f}" for label, key in (group.context or {}).items()
               if isinstance(result, dict) and isinstance(result.get(key), int | float)]
    return metrics, (f"result lacks {sorted(missing)}: {result!r}"[:300] if missing else ""), context


def format_table(rows: list[tuple[str, float | None, Budget, str]]) -> str:
    lines = [f"{'name':<27} {'value':>12} {'unit':<9} {'budget':>10}  verdict"]
    lines.append("-" * len(lines[0]))
    for name, value, budget, error in rows:
        sign = "≥" if budget.higher_is_better else "≤"
        if value is None:
            shown, verdict = "—", f"NOT MEASURED ({error})"
        else:
            shown, verdict = f"{value:,.2f}", "ok" if budget.ok(value) else "OVER BUDGET"
        lines.append(f"{name:<27} {shown:>12} {budget.unit:<9} {sign}{budget.budget:>9,g}  {verdict}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions: under two minutes on 2 cores")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--only", nargs="+", metavar="GROUP", choices=[g.name for g in GROUPS], help="run only these groups")
    parser.add_argument("--timeout", type=float, default=600, help="seconds one group may take (default 600)")
    args = parser.parse_args(argv)

    groups = [g for g in GROUPS if (not args.only or g.name in args.only) and not (args.quick and g.full_only)]
    rows: list[tuple[str, float | None, Budget, str]] = []
    context: list[str] = []
    started = time.perf_counter()
    for group in groups:
        t0 = time.perf_counter()
        metrics, error, lines = run_group(group, args.quick, args.timeout)
        context += lines
        print(f"  {group.name:<14} {time.perf_counter() - t0:6.1f} s  {error}", file=sys.stderr, flush=True)
        for name in group.metrics:
            rows.append((name, metrics.get(name), BUDGETS[name], error))
    print(format_table(rows))
    for line in context:
        print(f"  {line}")
    print(f"\n{len(rows)} benchmarks in {time.perf_counter() - started:.0f} s{' (quick)' if args.quick else ''}")
    if args.json:
        document = {
            "results": {
                name: {"value": value, "unit": budget.unit, "budget": budget.budget, "ok": value is not None and budget.ok(value)}
                for name, value, budget, _ in rows
            }
        }
        Path(args.json).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return 0 if all(v is not None and b.ok(v) for _, v, b, _ in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

