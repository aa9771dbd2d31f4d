"""The Python side of taskcell's python mode: a warm interpreter that runs task scripts.

Girder Worker's semantics: each input is a variable in the script's scope, and each output is read
back from that scope when the script ends. Frames are JSON lines: requests on stdin, replies on
file descriptor 3 (so the script's own print() output stays on stdout, where it becomes job logs).

Data arrives as JSON. Ports whose format names a Python object become that object here:
`networkx` (from taskcell's node-link graph) and `pil` (from an RGBA pixel buffer, plus the exact
mode and bytes when a Python step made an image RGBA cannot hold), and go back the same way.
`pickle` and `pickle.base64` ports are unpickled on the way in and pickled on the way out, so any
Python object (a tuple, bytes, a class instance) crosses between Python steps as it is. Bytes
travel as {"__bytes__": base64}, BSON ObjectIds (documents read from MongoDB) as {"__objectid__": hex}
and become bson.ObjectId here (or a str of the hex digits that shows as one, without pymongo).

A request with "kind": "convert" converts one value between formats of a type here (pickles).
"""
import base64
import hashlib
import json
import os
import pickle
import sys
import traceback

OUT = os.fdopen(3, "w", buffering=1)
END = "\0taskcell-end"

try:
    from bson import ObjectId
except ImportError:

    class ObjectId(str):
        """A BSON ObjectId for a Python without pymongo: its 24 hex digits, shown as bson shows one."""

        def __repr__(self):
            return "ObjectId('%s')" % str.__str__(self)


def to_py(value):
    if isinstance(value, dict):
        if set(value) == {"__bytes__"}:
            return base64.b64decode(value["__bytes__"])
        if set(value) == {"__objectid__"}:
            return ObjectId(value["__objectid__"])
        return {k: to_py(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_py(v) for v in value]
    return value


def from_py(value):
    if isinstance(value, ObjectId):
        return {"__objectid__": str(value)}
    if isinstance(value, (bytes, bytearray)):
        return {"__bytes__": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dict):
        return {str(k): from_py(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [from_py(v) for v in value]
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return value
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    # numpy scalars and the like
    for attr in ("item", "tolist"):
        if hasattr(value, attr):
            return from_py(getattr(value, attr)())
    raise TypeError("cannot send a %s back to taskcell" % type(value).__name__)


def need(module, port, fmt):
    try:
        return __import__(module)
    except ImportError:
        raise ImportError(
            'port "%s" has format "%s", which needs the Python package "%s": install it in the interpreter taskcell uses (%s)'
            % (port, fmt, module, sys.executable)
        )


def graph_in(data, port):
    nx = need("networkx", port, "networkx")
    g = nx.MultiDiGraph() if data.get("directed") and data.get("multigraph") else (
        nx.DiGraph() if data.get("directed") else (nx.MultiGraph() if data.get("multigraph") else nx.Graph()))
    g.graph.update(data.get("graph") or {})
    for n in data.get("nodes", []):
        attrs = dict(n)
        g.add_node(attrs.pop("id"), **attrs)
    for e in data.get("edges", []):
        attrs = dict(e)
        s, t = attrs.pop("source"), attrs.pop("target")
        if g.is_multigraph() and "key" in attrs:
            g.add_edge(s, t, key=attrs.pop("key"), **attrs)
        else:
            g.add_edge(s, t, **attrs)
    return g


def graph_out(g):
    return {
        "directed": g.is_directed(),
        "multigraph": g.is_multigraph(),
        "graph": from_py(dict(g.graph)),
        "nodes": [dict(from_py(a), id=from_py(n)) for n, a in g.nodes(data=True)],
        "edges": [dict(from_py(a), source=from_py(s), target=from_py(t), key=from_py(k)) for s, t, k, a in g.edges(keys=True, data=True)]
        if g.is_multigraph()
        else [dict(from_py(a), source=from_py(s), target=from_py(t)) for s, t, a in g.edges(data=True)],
    }


def networkx_1x_degree():
    """Girder Worker's tasks were written for networkx 1.x, whose module function degree(G) returned a
    dict of node -> degree (its documented Facebook example calls max(degrees, key=degrees.get)).
    networkx 2 and later return a DegreeView, which has no .get. The module function (not the
    G.degree method) gets its 1.x result back for a whole graph, so those tasks run unchanged.
    TASKCELL_NETWORKX1_DEGREE=0 turns this off."""
    if os.environ.get("TASKCELL_NETWORKX1_DEGREE") == "0":
        return
    try:
        import networkx
    except ImportError:
        return
    if getattr(networkx, "_taskcell_degree", None):
        return
    modern = networkx.degree

    def degree(G, nbunch=None, weight=None):
        view = modern(G, nbunch, weight)
        return dict(view) if nbunch is None else view

    degree.__doc__ = modern.__doc__
    networkx.degree = degree
    networkx._taskcell_degree = True


def image_in(data, port):
    need("PIL", port, "pil")
    from PIL import Image

    size = (data["width"], data["height"])
    rgba = to_py(data["data"])
    exact = data.get("pil")
    # An image a Python step made in a mode RGBA cannot hold (I, F, L...) comes back exactly, unless
    # a step in between changed its pixels.
    if exact and exact.get("rgba_sha1") == hashlib.sha1(rgba).hexdigest():
        return Image.frombytes(exact["mode"], size, to_py(exact["data"]))
    img = Image.frombytes("RGBA", size, rgba)
    # taskcell's image value is RGBA; a fully opaque one is handed over as the RGB image it was.
    if img.getextrema()[3] == (255, 255):
        img = img.convert("RGB")
    return img


def image_out(img):
    rgba = img.convert("RGBA")
    rgba_bytes = rgba.tobytes()
    out = {"width": rgba.width, "height": rgba.height, "channels": 4, "data": from_py(rgba_bytes)}
    if img.mode not in ("RGBA", "P", "PA"):
        out["pil"] = {"mode": img.mode, "data": from_py(img.tobytes()), "rgba_sha1": hashlib.sha1(rgba_bytes).hexdigest()}
    return out


def pickle_in(data, port):
    return pickle.loads(to_py(data))


def pickle_base64_in(data, port):
    return pickle.loads(base64.b64decode(data))


def pickle_out(value):
    return from_py(pickle.dumps(value))


def pickle_base64_out(value):
    return base64.b64encode(pickle.dumps(value)).decode("ascii")


# Bytes of the netCDF datasets handed to a script, by the dataset, to hand back one it did not change.
NETCDF_SOURCES = {}


def netcdf_in(data, port):
    nc = need("netCDF4", port, "dataset")
    raw = to_py(data)
    ds = nc.Dataset(port + ".nc", memory=raw)
    NETCDF_SOURCES[id(ds)] = raw
    return ds


def netcdf_out(value):
    """A netCDF4.Dataset back as the bytes of its file: those it was opened from, those an in-memory
    dataset the script wrote holds, or its file on disk."""
    if isinstance(value, (bytes, bytearray)):
        return from_py(value)
    raw = NETCDF_SOURCES.get(id(value))
    if raw is None:
        try:
            memory = value.close()
        except RuntimeError:  # already closed
            memory = None
        if memory is not None:
            raw = bytes(memory)
        else:
            with open(value.filepath(), "rb") as f:
                raw = f.read()
    return from_py(raw)


def netcdf_check(v):
    """Girder Worker's binary -> dataset: the bytes must open as a netCDF dataset; they stay bytes."""
    raw = to_py(v)
    need("netCDF4", "(conversion)", "dataset").Dataset("check.nc", memory=raw).close()
    return from_py(raw)


IN = {"networkx": graph_in, "pil": image_in, "pickle": pickle_in, "pickle.base64": pickle_base64_in, "dataset": netcdf_in}
OUT_CONV = {
    "networkx": graph_out,
    "pil": image_out,
    "pickle": pickle_out,
    "pickle.base64": pickle_base64_out,
    "dataset": netcdf_out,
}

# python/object <-> python/pickle, Girder Worker's two converters of the python type.
CONVERT = {
    ("python", "object", "pickle"): lambda v: from_py(pickle.dumps(to_py(v))),
    ("python", "pickle", "object"): lambda v: from_py(pickle.loads(to_py(v))),
    ("netcdf", "binary", "dataset"): netcdf_check,
}


def convert(req):
    key = (req["type"], req["from"], req["to"])
    if key not in CONVERT:
        raise ValueError("no Python converter for %s from %s to %s" % key)
    return CONVERT[key](req["value"])


def run(req):
    try:
        return run_script(req)
    finally:
        NETCDF_SOURCES.clear()


def run_script(req):
    scope = {"__name__": "__taskcell_task__"}
    for port in req["inputs"]:
        value = to_py(req["values"].get(port["id"]))
        conv = IN.get(port["format"])
        scope[port["id"]] = conv(value, port["id"]) if conv and port.get("target") != "filepath" else value
    scope.update(req.get("magic") or {})
    if "networkx" in req["script"]:
        networkx_1x_degree()
    code = compile(req["script"], req.get("name") or "<task>", "exec")
    exec(code, scope)
    outputs = {}
    for port in req["outputs"]:
        if port["id"] not in scope:
            raise NameError('the script did not set its output "%s"' % port["id"])
        value = scope[port["id"]]
        conv = OUT_CONV.get(port["format"])
        outputs[port["id"]] = conv(value) if conv and port.get("target") != "filepath" else from_py(value)
    return outputs


def main():
    OUT.write(json.dumps({"ready": True, "python": sys.version.split()[0]}) + "\n")
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        try:
            if req.get("kind") == "convert":
                reply = {"id": req["id"], "value": convert(req)}
            else:
                reply = {"id": req["id"], "outputs": run(req)}
        except BaseException as err:  # the task's failure is reported, never the interpreter's end
            reply = {
                "id": req["id"],
                "error": {"type": type(err).__name__, "message": str(err), "traceback": traceback.format_exc()},
            }
        # Mark the end of this job's output on both streams, so no line is given to the next job.
        sys.stdout.write(END + "\n")
        sys.stderr.write(END + "\n")
        sys.stdout.flush()
        sys.stderr.flush()
        OUT.write(json.dumps(reply) + "\n")


if __name__ == "__main__":
    main()
