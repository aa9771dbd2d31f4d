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

Streaming ports (`stream: true`) carry items while the task runs. A streaming input is an iterator
whose items come as frames on stdin (`{"job", "stream", "item"}`, then `"end"` or `"error"`), read
when the script asks for the next one, so a slow script holds its producer back through the pipe. A
streaming output is set to an iterable (a generator, a list); each item goes out as a frame on file
descriptor 3 (`{"id", "item", "value"}`) as it is made, before the reply.
"""
import base64
import collections
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


class StreamError(Exception):
    """The producer of a streaming input failed."""


class StreamInput:
    """A streaming input: iterating it reads the job's stream frames from stdin as they come."""

    def __init__(self, job, port, pending):
        self.job = job
        self.port = port
        self.pending = pending

    def __iter__(self):
        return self

    def __next__(self):
        while True:
            queue = self.pending["items"].get(self.port)
            if queue:
                return queue.popleft()
            if self.port in self.pending["ended"]:
                raise StopIteration
            if self.port in self.pending["failed"]:
                raise StreamError(self.pending["failed"][self.port])
            read_frame(self.job, self.pending)


def read_frame(job, pending):
    """Read one stream frame of this job from stdin into `pending` (frames of other jobs are stale, and skipped)."""
    line = sys.stdin.readline()
    if not line:
        raise EOFError("stdin closed while a streaming input was read")
    frame = json.loads(line)
    if frame.get("job") != job or "stream" not in frame:
        return
    port = frame["stream"]
    if "item" in frame:
        pending["items"].setdefault(port, collections.deque()).append(to_py(frame["item"]))
    elif "error" in frame:
        pending["failed"][port] = frame["error"]
    else:
        pending["ended"].add(port)


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
    streams = set(req.get("streams") or [])
    pending = {"items": {}, "ended": set(), "failed": {}}
    for port in req["inputs"]:
        if port["id"] in streams:
            scope[port["id"]] = StreamInput(req["id"], port["id"], pending)
            continue
        value = to_py(req["values"].get(port["id"]))
        if port.get("stream") and isinstance(value, str):
            # A whole text given to a line stream: its lines, as a stream would bring them.
            scope[port["id"]] = iter(value.splitlines(True))
            continue
        conv = IN.get(port["format"])
        scope[port["id"]] = conv(value, port["id"]) if conv and port.get("target") != "filepath" else value
    scope.update(req.get("magic") or {})
    if "networkx" in req["script"]:
        networkx_1x_degree()
    # write_script: the script was written to a file, which tracebacks and debuggers then name.
    code = compile(req["script"], req.get("filename") or req.get("name") or "<task>", "exec")
    exec(code, scope)
    outputs = {}
    for port in req["outputs"]:
        if port["id"] not in scope:
            raise NameError('the script did not set its output "%s"' % port["id"])
        value = scope[port["id"]]
        if port.get("stream") and not isinstance(value, (str, bytes, bytearray, dict)) and hasattr(value, "__iter__"):
            for item in value:
                OUT.write(json.dumps({"id": req["id"], "item": port["id"], "value": from_py(item)}) + "\n")
            continue
        conv = OUT_CONV.get(port["format"])
        outputs[port["id"]] = conv(value) if conv and port.get("target") != "filepath" else from_py(value)
    return outputs


def main():
    OUT.write(json.dumps({"ready": True, "python": sys.version.split()[0]}) + "\n")
    while True:
        line = sys.stdin.readline()
        if not line:
            break
        if not line.strip():
            continue
        req = json.loads(line)
        if "stream" in req:
            continue  # what a stream still sent after its job ended
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
