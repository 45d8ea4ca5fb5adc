"""Run reports: report.json, report.md, plan_tree.svg and a self-contained report.html.

``report.json`` is written from the start of a run and rewritten at every stage
(:func:`write_partial`, atomically) with ``"interrupted": true`` and ``"finished": false``;
the final :func:`write_reports` sets ``"interrupted": false`` and ``"finished": true``. A run
folder whose graph was killed (SIGKILL, power loss) therefore still says what happened up to
the last stage and that the run did not end; :func:`recover_run_folder` later writes its
report.md / report.html from that JSON.
"""
from __future__ import annotations

import html
import json
import os
from pathlib import Path

STATUS = {0: "pending", 1: "running", 2: "succeeded", 3: "failed", 4: "skipped"}


def plan_chain_svg(plan: dict) -> str:
    """Fallback picture of the chosen plan (one box per step with prior / value / visits)."""
    steps = plan.get("steps", []) if plan else []
    w, h, gap = 230, 64, 30
    width = max(1, len(steps)) * (w + gap) + gap
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h + 60}" '
             'font-family="sans-serif" font-size="12">',
             f'<text x="{gap}" y="18">goal: {html.escape(plan.get("goal", "") if plan else "")}</text>']
    for i, s in enumerate(steps):
        x = gap + i * (w + gap)
        color = {"succeeded": "#d6f5d6", "failed": "#f8d0d0"}.get(STATUS.get(s["status"], ""), "#eeeeee")
        parts.append(f'<rect x="{x}" y="30" width="{w}" height="{h}" rx="8" fill="{color}" stroke="#555"/>')
        parts.append(f'<text x="{x + 8}" y="50">{i + 1}. {html.escape(s["skill"])}({html.escape(", ".join(s["args"]))})</text>')
        parts.append(f'<text x="{x + 8}" y="70">prior {s["prior"]:.2f}  value {s["value"]:.2f}  N={s["visits"]}</text>')
        parts.append(f'<text x="{x + 8}" y="86">{STATUS.get(s["status"], "?")}</text>')
        if i:
            parts.append(f'<line x1="{x - gap}" y1="{30 + h / 2}" x2="{x}" y2="{30 + h / 2}" stroke="#555"/>')
    parts.append("</svg>")
    return "\n".join(parts)


def _write_json(report: dict, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(report, indent=2, default=str))
    os.replace(tmp, path)         # a reader (or a kill) never sees half a file


def write_partial(report: dict, out: Path) -> None:
    """report.json of a run still going: what is known so far, marked interrupted until finished."""
    _write_json({**report, "interrupted": True, "finished": False}, Path(out) / "report.json")


def recover_run_folder(out: Path) -> bool:
    """Complete the folder of a run that was killed: report.md, report.html and plan_tree.svg from
    its partial report.json (which keeps ``"interrupted": true``). False when there is nothing to
    recover (no report.json, or the run finished)."""
    out = Path(out)
    try:
        report = json.loads((out / "report.json").read_text())
    except (OSError, ValueError):
        return False
    if report.get("finished"):
        return False
    report.setdefault("world", "?")
    report.setdefault("seed", "?")
    report.setdefault("executor", "?")
    report.setdefault("command", {})
    report["error"] = report.get("error") or "the run was interrupted before it finished"
    _write_all(report, out)
    return True


def write_reports(report: dict, out: Path) -> None:
    """The finished run's reports (report.json says ``"interrupted": false`` unless set)."""
    report.setdefault("interrupted", False)
    report["finished"] = True
    _write_all(report, Path(out))


def _write_all(report: dict, out: Path) -> None:
    svg = report.pop("plan_tree_svg", None) or plan_chain_svg(report.get("plan") or {})
    (out / "plan_tree.svg").write_text(svg)
    _write_json(report, out / "report.json")
    (out / "report.md").write_text(_markdown(report))
    (out / "report.html").write_text(_html(report, svg, out))


def _markdown(r: dict) -> str:
    verdict = "SUCCESS" if r.get("success") else ("INTERRUPTED" if r.get("interrupted") else "FAILED")
    lines = [f"# promptbot run: {verdict}", "",
             f"- world: `{r['world']}` seed {r['seed']}, executor: {r['executor']}"]
    if r.get("transcript"):
        t = r["transcript"]
        lines.append(f"- heard: \"{t['text']}\" (confidence {t['confidence']:.2f})")
    elif r["command"].get("text"):
        lines.append(f"- typed: \"{r['command']['text']}\"")
    if r.get("plan"):
        p = r["plan"]
        lines += [f"- goal: `{p['goal']}`", f"- planning: {p['planning_time_s']:.2f} s, {p['llm_calls']} LLM calls", "",
                  "| # | step | prior | value | visits | status | verification |", "|---|---|---|---|---|---|---|"]
        for s in p["steps"]:
            lines.append(f"| {s['index'] + 1} | {s['skill']}({', '.join(s['args'])}) | {s['prior']:.2f} | "
                         f"{s['value']:.2f} | {s['visits']} | {STATUS.get(s['status'], '?')} | {s['verification']} |")
    if r.get("result"):
        lines += ["", f"Planner result: {r['result']['error_msg']}"]
    if r.get("ground_truth_check"):
        g = r["ground_truth_check"]
        lines.append(f"Ground truth: {'holds' if g['success'] else 'does not hold'} ({g['reason']})")
    if r.get("error"):
        lines.append(f"Error: {r['error']}")
    if r.get("latency_s"):
        lines += ["", "| latency | s |", "|---|---|"] + [f"| {k} | {v:.2f} |" for k, v in r["latency_s"].items()]
    lines += ["", "Files: episode.mp4, recording.mcap (open in Foxglove), plan_tree.svg, report.html, logs/", ""]
    return "\n".join(lines)


def _html(r: dict, svg: str, out: Path) -> str:
    esc = html.escape
    rows = "".join(f"<tr><td>{e['t_s']:.2f}</td><td>{esc(e['stage'])}</td><td>{esc(e['message'])}</td></tr>"
                   for e in r.get("timeline", []))
    steps = ""
    for s in (r.get("plan") or {}).get("steps", []):
        steps += (f"<tr><td>{s['index'] + 1}</td><td>{esc(s['skill'])}({esc(', '.join(s['args']))})</td>"
                  f"<td>{esc(s['instruction'])}</td><td>{s['prior']:.2f}</td><td>{s['visits']}</td>"
                  f"<td>{STATUS.get(s['status'], '?')}</td><td>{esc(s['verification'])}</td></tr>")
    lat = "".join(f"<tr><td>{esc(k)}</td><td>{v:.2f} s</td></tr>" for k, v in (r.get("latency_s") or {}).items())
    video = '<video src="episode.mp4" controls width="640"></video>' if (out / "episode.mp4").is_file() else ""
    heard = esc((r.get("transcript") or {}).get("text") or r["command"].get("text") or "")
    verdict = "SUCCESS" if r.get("success") else ("INTERRUPTED" if r.get("interrupted") else "FAILED")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>promptbot run: {verdict}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1100px}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}}.ok{{color:#187a18}}.bad{{color:#b00}}</style>
</head><body>
<h1 id="verdict" class="{'ok' if r.get('success') else 'bad'}">{verdict}</h1>
<p>World <code>{esc(r['world'])}</code> seed {r['seed']}, executor {esc(r['executor'])}. Command: <b>{heard}</b></p>
<p>Goal: <code>{esc((r.get('plan') or {}).get('goal', ''))}</code>. {esc((r.get('result') or {}).get('error_msg', r.get('error', '')))}</p>
{video}
<h2>Plan</h2><div id="plan-tree">{svg}</div>
<table><tr><th>#</th><th>step</th><th>policy instruction</th><th>prior</th><th>visits</th><th>status</th><th>verification</th></tr>{steps}</table>
<h2>Timeline</h2><table id="timeline"><tr><th>t [s]</th><th>stage</th><th>message</th></tr>{rows}</table>
<h2>Latencies</h2><table>{lat}</table>
<p>Recording of all topics: <a href="recording.mcap">recording.mcap</a> (Foxglove). Machine-readable: <a href="report.json">report.json</a>.</p>
</body></html>
"""
