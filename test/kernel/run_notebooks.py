"""Execute every notebook under examples/ headless with nbclient on the taskcell kernel.

Exits non-zero when any cell errors, naming the notebook and the cell.
"""
import pathlib
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

root = pathlib.Path(__file__).resolve().parents[2] / "examples"
failed = 0
notebooks = sorted(root.rglob("*.ipynb"))
for path in notebooks:
    if ".ipynb_checkpoints" in path.parts:
        continue
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name="taskcell", timeout=120, resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
        print(f"ok {path.relative_to(root)} ({len(nb.cells)} cells)")
    except CellExecutionError as err:
        failed += 1
        print(f"FAILED {path.relative_to(root)}: {err}")
print(f"{len(notebooks) - failed} of {len(notebooks)} notebooks ran without errors")
sys.exit(1 if failed or not notebooks else 0)
