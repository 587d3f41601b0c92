"""Tables of the analysis scripts as CSV and Markdown, and files written whole.

Rows are dicts; `columns` names the keys in order. Numbers are written with
`digits` significant digits (CSV keeps full precision unless told otherwise),
NaN and None as `n/a` (as `pactsim score` writes them); in CSV a key the row lacks
is an empty field.
"""
import csv
import io
import math
import os

__all__ = ["write_text", "csv_text", "markdown_text", "fmt_value"]


def write_text(path, text):
    """Write text to path under a temporary name, then rename (no half-written file)."""
    path = os.fspath(path)
    tmp = os.path.join(os.path.dirname(path) or ".", f".{os.path.basename(path)}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def fmt_value(v, digits=4):
    """A cell: numbers with `digits` significant digits, NaN/None as n/a, text as is."""
    if v is None:
        return "n/a"
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, (int,)) and not isinstance(v, bool):
        return str(v)
    if isinstance(v, float) or hasattr(v, "dtype"):
        v = float(v)
        if not math.isfinite(v):
            return "n/a"
        return f"{v:.{digits}g}"
    return str(v)


def csv_text(rows, columns, digits=10):
    """RFC 4180 CSV with a header line."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([fmt_value(r[c], digits) if c in r else "" for c in columns])
    return buf.getvalue()


def markdown_text(rows, columns, headers=None, digits=3, align=None):
    """A GitHub-flavoured Markdown table; numeric columns right-aligned."""
    headers = headers or columns
    cells = [[fmt_value(r.get(c), digits).replace("|", "\\|") for c in columns] for r in rows]

    def numeric(k):
        vals = [r.get(columns[k]) for r in rows]
        return all(v is None or isinstance(v, (int, float)) or hasattr(v, "dtype")
                   for v in vals) and any(v is not None for v in vals)

    align = align or ["---:" if numeric(k) else "---" for k in range(len(columns))]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(c) + " |" for c in cells]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import sys

    from pactsim.script import no_command_line
    sys.exit(no_command_line("pactsim.tables"))
