"""A stand-in for Kaggle's kernels API on 127.0.0.1, for driving the real CLI.

With KAGGLE_API_ENVIRONMENT=LOCALHOST, the kaggle CLI (kagglesdk's
KaggleHttpClient) sends each call to http://localhost as

    POST /api/v1/kernels.KernelsApiService/<Method>

with the request as JSON (camelCase field names) and HTTP basic auth from
KAGGLE_USERNAME and KAGGLE_KEY, and reads the response as JSON. The methods
answered here are those `kaggle kernels push`, `status` and `output` call:

    SaveKernel               {"slug", "newTitle", "text", ...} -> {"ref", "url",
                             "versionNumber"} or {"error": "..."}
    GetKernelSessionStatus   {"userName", "kernelSlug"} -> {"status"}
    ListKernelSessionOutput  {"userName", "kernelSlug"} -> {"files": [{"fileName",
                             "url"}], "log"}

The output files' URLs point back here (GET /outputs/<name>), as Kaggle's
point to signed storage URLs, which the CLI fetches without credentials.
Anything else is answered 404 and recorded, so a test can see it.
"""

import base64
import contextlib
import http.server
import json
import threading

SERVICE_PATH = "/api/v1/kernels.KernelsApiService/"
OUTPUTS_PATH = "/outputs/"


class StandIn:
    """Kaggle's kernels API for one user, in a thread; records every request."""

    def __init__(self, username, key, port=80):
        self.username = username
        self.key = key
        self.port = port
        self.pushes = []  # the JSON body of each SaveKernel call
        self.calls = []  # (method, path) of every request, in order
        self.unexpected = []  # requests this stand-in has no answer for
        self.push_error = ""  # when set, SaveKernel refuses with this error
        self.status = "COMPLETE"
        self.output_files = {}  # file name -> bytes
        self.log = ""
        self.server = None
        self.thread = None

    @property
    def base_url(self):
        return "http://localhost" + ("" if self.port == 80 else f":{self.port}")

    def start(self):
        """Binds 127.0.0.1:port and serves in a daemon thread.

        Raises:
            OSError: when the port cannot be bound (taken, or not root for 80).
        """
        standin = self

        class Handler(RequestHandler):
            owner = standin

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        """Stops serving and frees the port."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(timeout=10)
            self.server = None

    def pushed_kernels(self):
        """The `owner/slug` ids pushed so far."""
        return {push["slug"] for push in self.pushes}

    def answer(self, method, request):
        """(HTTP status, JSON body) for one call of the kernels service."""
        if method == "SaveKernel":
            self.pushes.append(request)
            if self.push_error:
                return 200, {"error": self.push_error}
            slug = request.get("slug", "")
            return 200, {
                "ref": f"/code/{slug}",
                "url": f"{self.base_url}/code/{slug}",
                "versionNumber": len(self.pushes),
            }
        kernel = f"{request.get('userName')}/{request.get('kernelSlug')}"
        if method in ("GetKernelSessionStatus", "ListKernelSessionOutput"):
            if kernel not in self.pushed_kernels():
                return 404, {"code": 404, "message": f"Kernel {kernel} not found"}
            if method == "GetKernelSessionStatus":
                return 200, {"status": self.status}
            files = [
                {"fileName": name, "url": f"{self.base_url}{OUTPUTS_PATH}{name}"}
                for name in sorted(self.output_files)
            ]
            return 200, {"files": files, "log": self.log}
        return None


class RequestHandler(http.server.BaseHTTPRequestHandler):
    """Answers the CLI's requests for the StandIn named by `owner`."""

    owner = None  # set by StandIn.start on a subclass
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        """Keeps the test output clean; the StandIn records the requests."""

    def send(self, status, body, content_type="application/json"):
        if not isinstance(body, bytes):
            body = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def authorized(self):
        expected = f"{self.owner.username}:{self.owner.key}".encode()
        header = self.headers.get("Authorization", "")
        return header == "Basic " + base64.b64encode(expected).decode()

    def do_POST(self):
        self.owner.calls.append(("POST", self.path))
        length = int(self.headers.get("Content-Length") or 0)
        request = {}
        with contextlib.suppress(json.JSONDecodeError, UnicodeDecodeError):
            request = json.loads(self.rfile.read(length) or b"{}")
        if not self.path.startswith(SERVICE_PATH):
            return self.not_found()
        if not self.authorized():
            return self.send(401, {"code": 401, "message": "Unauthenticated"})
        answer = self.owner.answer(self.path.removeprefix(SERVICE_PATH), request)
        if answer is None:
            return self.not_found()
        self.send(*answer)

    def do_GET(self):
        self.owner.calls.append(("GET", self.path))
        name = self.path.removeprefix(OUTPUTS_PATH)
        if self.path.startswith(OUTPUTS_PATH) and name in self.owner.output_files:
            return self.send(
                200, self.owner.output_files[name], "application/octet-stream"
            )
        self.not_found()

    def not_found(self):
        self.owner.unexpected.append((self.command, self.path))
        self.send(404, {"code": 404, "message": f"no such call: {self.path}"})
