"""taskcell's JupyterLab extension, shipped prebuilt: the Tasks panel and taskcell's renderers."""

__version__ = "0.1.0"


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "@taskcell/jupyterlab"}]
