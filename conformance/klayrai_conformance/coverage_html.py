"""The coverage report as one self-contained HTML page (`--coverage-html FILE`): inline CSS, no script, nothing
loaded from anywhere, so it opens from a CI artifact as it is. Per operation, its documented responses seen and
never seen (these stand out), the answers it gave that the contract does not document, and the rules that judged it.
"""

from __future__ import annotations

from html import escape

from mockserver.contract.spec import Json

STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #1b1b1b; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 2em; }
.bar { width: 30em; height: 1em; background: #f3c9c9; border-radius: 4px; overflow: hidden; }
.bar span { display: block; height: 100%; background: #3a8f4b; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: left; }
tr.seen td.state { color: #1e6b30; }
tr.never { background: #fde2e2; font-weight: bold; }
tr.never td.state { color: #a01515; }
tr.undocumented { background: #fff3cd; }
.rules li.failed, .rules li.error { color: #a01515; font-weight: bold; }
.rules li.skipped { color: #6b6b6b; }
code { font-family: ui-monospace, monospace; }
"""


def render(report: Json) -> str:
    """The page for a coverage report built by `klayrai_conformance.coverage.coverage_json`."""
    summary = report["summary"]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>Conformance coverage</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>Documented responses the target gave</h1>",
        f'<p id="percent"><strong>{summary["percent"]}%</strong> seen: {summary["seen"]} of '
        f"{summary['documented']} documented responses at least once.</p>",
        f'<div class="bar" title="{summary["percent"]}%"><span style="width: {summary["percent"]}%"></span></div>',
    ]
    for operation in report["operations"]:
        parts += _operation(operation)
    parts.append(f"<p>Answers to requests no operation serves: {report.get('outside', 0)}.</p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _operation(operation: Json) -> list[str]:
    title = f"{operation['method']} {operation['path']}"
    parts = [
        f'<section id="{escape(operation["operationId"])}">',
        f"<h2><code>{escape(operation['operationId'])}</code> {escape(title)}</h2>",
        "<table><thead><tr><th>status</th><th>example</th><th>answers seen</th><th></th></tr></thead><tbody>",
    ]
    for entry in operation["responses"]:
        seen = entry["seen"] > 0
        example = escape(entry["example"]) if entry["example"] else "<em>any</em>"
        parts.append(
            f'<tr class="{"seen" if seen else "never"}"><td>{escape(entry["status"])}</td><td>{example}</td>'
            f'<td>{entry["seen"]}</td><td class="state">{"seen" if seen else "NEVER SEEN"}</td></tr>'
        )
    for item in operation.get("undocumented", []):
        parts.append(
            f'<tr class="undocumented"><td colspan="2">{escape(item["answer"])}</td><td>{item["seen"]}</td>'
            "<td>not documented</td></tr>"
        )
    parts.append("</tbody></table>")
    rules = operation.get("rules", [])
    if rules:
        items = "".join(
            f'<li class="{escape(r["outcome"])}"><code>{escape(r["rule"])}</code> {escape(r["outcome"])}</li>'
            for r in rules
        )
        summary = f"<summary>{len(rules)} rules judged it</summary>"
        parts.append(f'<details class="rules">{summary}<ul>{items}</ul></details>')
    else:
        parts.append("<p>No rule of this run judged it.</p>")
    parts.append("</section>")
    return parts
