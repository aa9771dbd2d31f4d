"""Execute every notebook under examples/ headless with nbclient on the taskcell kernel.

Each notebook is copied alone into a fresh empty folder outside the repository (no node_modules
there or above it), as a user's notebook would be, and runs there: what it imports must come from
the kernel's installation. Exits non-zero when any cell errors, naming the notebook and the cell.
"""
import pathlib
import shutil
import sys
import tempfile

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

repo = pathlib.Path(__file__).resolve().parents[2]
root = repo / "examples"
failed = 0
# Names after the options run only the notebooks whose path contains one of them.
only = [a for a in sys.argv[1:] if not a.startswith("-")]
notebooks = [
    p
    for p in sorted(root.rglob("*.ipynb"))
    if ".ipynb_checkpoints" not in p.parts and (not only or any(o in str(p.relative_to(root)) for o in only))
]
for path in notebooks:
    folder = pathlib.Path(tempfile.mkdtemp(prefix="taskcell-notebook-"))
    try:
        if repo in folder.parents or any((d / "node_modules").exists() for d in [folder, *folder.parents]):
            raise SystemExit(f"expected an empty folder outside the repository with no node_modules above it, got {folder}")
        copy = folder / path.name
        shutil.copyfile(path, copy)
        nb = nbformat.read(copy, as_version=4)
        client = NotebookClient(nb, kernel_name="taskcell", timeout=120, resources={"metadata": {"path": str(folder)}})
        try:
            client.execute()
            print(f"ok {path.relative_to(root)} ({len(nb.cells)} cells, in an empty folder)")
        except CellExecutionError as err:
            failed += 1
            print(f"FAILED {path.relative_to(root)}: {err}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
print(f"{len(notebooks) - failed} of {len(notebooks)} notebooks ran without errors")
sys.exit(1 if failed or not notebooks else 0)
