"""`python -m benchmarks.run`: every benchmark, figures to benchmarks/results.json, a summary to stdout.

A missed target is reported (its "met" is false), never an error: the exit status is 0 unless the
benchmarks themselves could not run.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import cold_start, depth, latency, realtime, soak, throughput

RESULTS = Path(__file__).with_name("results.json")

NOTES = (
    "All figures come from one machine and include whatever else it was running (see each section's "
    "load_average and measured_at). "
    "cold_start: a fresh interpreter per import, function code then layers/shared first on sys.path, "
    "cwd functions/<name>; the function and its floor (the libraries it is built on) are imported in "
    "alternation, and each ratio is the function's median over the floor's, after a first, uncounted import "
    "of each that fills a temporary bytecode cache (uncached_ms is that first import). "
    "warm_latency: the local cloud (python -m infra.local) offline, one httpx client, sequential requests "
    "after a warm-up; the timings cover the loopback HTTP gateway, the hand-off to a warm local Lambda "
    "container and moto, not AWS; every POST starts a research run that the worker processes in the "
    "background while later requests are timed. worker_throughput: fake OpenAI and Perplexity servers "
    "answering every call after 0.2 s; one uncounted warm-up run per cloud, then medians over the runs; "
    "fan-out = time from the plan step's progress event to the analyze step's, i.e. search + analyze "
    "including the two SQS hops; with 3 sub-questions the fan-out can at best be 3x faster and the whole "
    "run about 2x, since plan and synthesize are single calls. "
    "realtime: fake model servers answering after 0.3 s, every connection subscribing to each run with after=0; "
    "a sample is an event's arrival at one client (when the client's event loop read it from the socket) minus "
    "its ts (stamped just before the append's transaction), counted for events stamped after that client's "
    "subscription was acknowledged; the run's first model call is held until every subscription is acknowledged "
    "(while_subscribing: runs that go on while the connections subscribe); the first run of each is not counted. "
    "soak: see benchmarks/soak.py; every run started through the API, four at a time, then watched until all ended. "
    "depth: see benchmarks/depth.py; one run per depth on the stand-in web at 200 ms a call, the faithful "
    "extractive model answering, then the deep run again."
)
SECTIONS: dict[str, Callable[[], dict[str, Any]]] = {
    "cold_start": cold_start.measure,
    "warm_latency": latency.measure,
    "worker_throughput": throughput.measure,
    "realtime": realtime.measure,
    "soak": soak.measure,
    "depth": depth.measure,
}


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run_section(name: str, measure: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """One section's figures, stamped with when they were measured and the machine's load around them (a
    section run alone replaces only its own figures in the results)."""
    print(f"[{name}] running…", flush=True)
    measured_at, load_before, started = now(), load_average(), time.perf_counter()
    try:
        figures = measure()
    except Exception as error:  # one broken benchmark must not lose the others' figures
        traceback.print_exc()
        figures = {"error": f"{type(error).__name__}: {error}", "target": {"met": False}}
    figures["elapsed_s"] = round(time.perf_counter() - started, 1)
    figures["measured_at"] = measured_at
    figures["load_average"] = {"start": load_before, "end": load_average()}
    print(f"[{name}] done in {figures['elapsed_s']} s", flush=True)
    return figures


def summary(results: dict[str, Any]) -> list[str]:
    def verdict(section: dict[str, Any]) -> str:
        return "met" if section["target"]["met"] else "MISSED"

    lines = [f"Benchmarks ({results['python']}, {results['cpu_count']} CPUs) -> {RESULTS.name}"]
    cold = results["cold_start"]
    lines.append(f"Cold start (import app), target {verdict(cold)}: {cold['target'].get('description', '')}")
    for name, figures in cold.get("functions", {}).items():
        if "ratio" not in figures:  # figures of an earlier layout of this benchmark
            continue
        target = f"target {figures['target_ratio']}x" if figures.get("target_ratio") else "no target"
        lines.append(
            f"  {name:<18} median {figures['median_ms']:7.1f} ms  {figures['ratio']:5.2f}x its {figures['floor']} "
            f"floor ({figures['floor_median_ms']:.1f} ms, {target}), ready {figures['ready_ratio']:.2f}x  "
            f"openai {'yes' if figures['imports_openai'] else 'no'}  "
            f"fastapi {'yes' if figures['imports_fastapi'] else 'no'}"
        )
    warm = results["warm_latency"]
    lines.append(f"Warm latency, target {verdict(warm)}: {warm['target'].get('description', '')}")
    for key, label in (
        ("post_research", "POST /v1/research"),
        ("get_research_list", "GET /v1/research"),
        ("get_research_one", "GET /v1/research/{id}"),
        ("emulator_list_query", "  moto list query"),
        ("baseline_get_health", "GET /v1/health"),
    ):
        if key in warm:
            lines.append(f"  {label:<22} p50 {warm[key]['p50_ms']:7.1f} ms  p99 {warm[key]['p99_ms']:7.1f} ms")
    if "worst_p99_excluding_emulator_list_query_ms" in warm.get("target", {}):
        lines.append(
            f"  without moto's share of the list query: worst p99 "
            f"{warm['target']['worst_p99_excluding_emulator_list_query_ms']} ms"
        )
    work = results["worker_throughput"]
    lines.append(f"Worker throughput, target {verdict(work)}: {work['target'].get('description', '')}")
    for mode in ("sequential", "concurrent"):
        if mode in work:
            lines.append(
                f"  {mode:<10} run median {work[mode]['median_run_s']:.3f} s  "
                f"fan-out median {work[mode]['median_fanout_s']:.3f} s"
            )
    if "speedup_fanout" in work:
        lines.append(
            f"  speedup: search step {work['speedup_search_step']}x, analyze step {work['speedup_analyze_step']}x, "
            f"fan-out with queue hops {work['speedup_fanout']}x, whole run {work['speedup_whole_run']}x"
        )
    live = results.get("realtime")
    if live:
        lines.append(f"Real-time delivery, target {verdict(live)}: {live['target'].get('description', '')}")
        for key in ("subscribers_1", "subscribers_50", "subscribers_500"):
            if key in live and "p99_ms" in live[key]:
                figures = live[key]
                storm = figures.get("while_subscribing")
                meanwhile = (
                    f"; while subscribing p50 {storm['p50_ms']:7.1f} ms  "
                    f"p99 {storm['p99_ms']:7.1f} ms ({storm['samples']})"
                    if storm
                    else ""
                )
                lines.append(
                    f"  {figures['subscribers']:>3} subscribed   p50 {figures['p50_ms']:7.1f} ms  "
                    f"p99 {figures['p99_ms']:7.1f} ms  ({figures['samples']} events){meanwhile}"
                )
    faults = results.get("soak")
    if faults and "ledger" in faults:
        lines.append(f"Soak under faults, target {verdict(faults)}: {faults['target'].get('description', '')}")
        lines.append(
            f"  {faults['runs']} runs in {faults['elapsed_s']} s: {faults['succeeded']} succeeded, failed "
            f"{faults['failed_by_code']}, lost {faults['runs_lost']}, stuck {faults['runs_stuck']}, over their cap "
            f"{faults['runs_over_max_cost']}"
        )
        ledger = faults["ledger"]
        lines.append(
            f"  ledger: {ledger['answered']} answered, {ledger['billed']} billed, {ledger['unbilled']} unbilled"
            + (
                f" in {ledger['runs_unbilled']} runs ({ledger['runs_unbilled_without_a_kill']} without a killed step); "
                f"{ledger['answered_to_killed_workers']} answered to killed workers"
                if "answered_to_killed_workers" in ledger
                else ""
            )
            + f"; faults injected {faults['faults_injected']}"
        )
    reading = results.get("depth")
    if reading and "deep" in reading:
        lines.append(f"Research depth, target {verdict(reading)}: {reading['target'].get('description', '')}")
        for name in depth.DEPTHS:
            figures = reading[name]
            lines.append(
                f"  {name:<8} {figures['rounds']} rounds ({figures['stop_reason']}), "
                f"{figures['pages_read']:>2} pages read, "
                f"{figures['page_sentences_to_model']:>4} page sentences in {figures['prompt_chars']:>7} prompt chars, "
                f"{figures['provider_waits_on_critical_path']:>2} waits, {figures['wall_s']:5.2f} s, "
                f"${figures['cost_usd']:.4f}, facts {figures['facts_recovered']}/{figures['facts']}"
            )
        lines.append(
            f"  evidence per prompt char {reading['evidence_per_prompt_char_vs_gpt_researcher_deep']}x gpt-researcher "
            f"deep's; a repeat made {reading['repeat_deep']['provider_calls']} provider calls"
        )
    for name in SECTIONS:
        if name in results and "error" in results[name]:
            lines.append(f"{name} could not run: {results[name]['error']}")
    return lines


def main(argv: list[str]) -> int:
    """Every section, or only those named (`python -m benchmarks.run realtime`), whose figures then
    replace theirs in the existing results."""
    chosen = argv or list(SECTIONS)
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        print(f"unknown benchmark {sorted(unknown)}; choose from {list(SECTIONS)}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    results: dict[str, Any] = json.loads(RESULTS.read_text()) if argv and RESULTS.exists() else {}
    # The whole file's own stamp and load were those of whichever run wrote it last: each section has its own.
    for stale in ("timestamp", "load_average", "elapsed_s"):
        results.pop(stale, None)
    results.update(
        {
            "python": f"{platform.python_implementation()} {platform.python_version()}",
            "cpu_count": os.cpu_count(),
            "notes": NOTES,
        }
    )
    for name in chosen:
        results[name] = run_section(name, SECTIONS[name])
    results["targets_met"] = {name: bool(results[name]["target"]["met"]) for name in SECTIONS if name in results}
    # Written whole or not at all: a reader never sees half a file.
    partial = RESULTS.with_name(RESULTS.name + ".tmp")
    partial.write_text(json.dumps(results, indent=2) + "\n")
    partial.replace(RESULTS)
    print("\n".join(summary(results)))
    print(f"Total {round(time.perf_counter() - started, 1)} s")
    errors = [name for name in chosen if "error" in results[name]]
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
