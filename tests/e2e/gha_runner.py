"""Runs a GitHub Actions workflow's jobs the way a GitHub runner would, without GitHub.

Only what db-migrate.yml uses, and honestly: an expression or a `uses:` it does not know raises instead of
being guessed.  Per job, in `needs:` order: the job's `if:` (with GitHub's implicit success()), the secrets
of the repository and of the job's environment, a fresh workspace, each step's `if:`, env (workflow, job,
step levels, with ${{ }} substituted), `run:` with `bash --noprofile --norc -eo pipefail` and fresh
GITHUB_OUTPUT / GITHUB_ENV / GITHUB_PATH / GITHUB_STEP_SUMMARY files, step outputs, continue-on-error, and
the job's outputs.  Steps that use an action get the action's documented effect:

  actions/checkout         the origin repository fetched into the workspace at the run's sha
                           (one commit unless fetch-depth: 0, as the action does)
  actions/cache            nothing restored (cache-hit false)
  actions/upload-artifact  the path copied to artifacts/NAME/
  the composite action     (any other OWNER/REPO@REF, which must be `action_source`): the pgshift binary
                           under test put on PATH, as action.yml does
"""
import json
import math
import os
import pathlib
import re
import shutil
import subprocess

import yaml

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}


def _glob(pattern):
    """A workflow path filter: ** matches across directories, * and ? within one."""
    rx = re.escape(pattern).replace(r"\*\*", "\0").replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
    return re.compile(rx.replace("\0", ".*"))


class ExpressionError(Exception):
    pass


# ---------- expressions ----------

_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>\d+(?:\.\d+)?)|(?P<op>==|!=|&&|\|\||!|\(|\)|\.)"
                    r"|(?P<ident>[A-Za-z_][A-Za-z0-9_-]*))")
STATUS_FUNCTIONS = ("success", "always", "failure", "cancelled")
CONTEXTS = ("github", "env", "vars", "secrets", "inputs", "steps", "needs", "runner", "job")


def _tokens(text):
    pos, out = 0, []
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ExpressionError(f"cannot read expression at {text[pos:]!r}")
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def _number(v):
    """GitHub's coercion to a number, for == between different types."""
    if v is None:
        return 0.0
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        if v.strip() == "":
            return 0.0
        try:
            return float(v.strip())
        except ValueError:
            return math.nan
    return math.nan


def _kind(v):
    return "null" if v is None else "bool" if isinstance(v, bool) else "num" if isinstance(v, (int, float)) \
        else "str" if isinstance(v, str) else "obj"


def equal(a, b):
    ka, kb = _kind(a), _kind(b)
    if ka == kb:
        if ka == "str":
            return a.lower() == b.lower()      # GitHub compares strings ignoring case
        return a is b if ka == "obj" else a == b
    return _number(a) == _number(b)


def truthy(v):
    if v is None or v is False:
        return False
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return v != 0 and not math.isnan(v)
    if isinstance(v, str):
        return v != ""
    return True


def to_string(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (dict, list)):
        return json.dumps(v)
    return str(v)


class _Parser:
    """or := and ('||' and)* ; and := not ('&&' not)* ; not := '!' not | cmp ;
    cmp := primary (('=='|'!=') primary)? ; primary := literal | '(' or ')' | status() | context('.' name)*"""

    def __init__(self, text, ctx, status):
        self.toks, self.i, self.ctx, self.status = _tokens(text), 0, ctx, status

    def peek(self, value=None):
        if self.i >= len(self.toks):
            return None
        t = self.toks[self.i]
        return t if value is None or t[1] == value else None

    def take(self, value):
        if not self.peek(value):
            raise ExpressionError(f"expected {value!r} at token {self.i}")
        self.i += 1

    def parse(self):
        v = self.or_()
        if self.i != len(self.toks):
            raise ExpressionError(f"unexpected {self.toks[self.i][1]!r}")
        return v

    def or_(self):
        v = self.and_()
        while self.peek("||"):
            self.i += 1
            w = self.and_()
            v = v if truthy(v) else w
        return v

    def and_(self):
        v = self.not_()
        while self.peek("&&"):
            self.i += 1
            w = self.not_()
            v = w if truthy(v) else v
        return v

    def not_(self):
        if self.peek("!"):
            self.i += 1
            return not truthy(self.not_())
        return self.cmp()

    def cmp(self):
        v = self.primary()
        t = self.peek()
        if t and t[1] in ("==", "!="):
            self.i += 1
            w = self.primary()
            return equal(v, w) if t[1] == "==" else not equal(v, w)
        return v

    def primary(self):
        t = self.peek()
        if t is None:
            raise ExpressionError("unexpected end of expression")
        kind, val = t
        self.i += 1
        if kind == "str":
            return val[1:-1].replace("''", "'")
        if kind == "num":
            return float(val)
        if val == "(":
            v = self.or_()
            self.take(")")
            return v
        if kind != "ident":
            raise ExpressionError(f"unexpected {val!r}")
        if val in ("true", "false"):
            return val == "true"
        if val == "null":
            return None
        if self.peek("("):
            self.take("(")
            self.take(")")
            if val not in STATUS_FUNCTIONS or self.status is None:
                raise ExpressionError(f"function {val}() is not supported here")
            return self.status(val)
        if val not in CONTEXTS:
            raise ExpressionError(f"unknown context {val!r}")
        if val not in self.ctx:
            raise ExpressionError(f"context {val!r} is not available here")
        v = self.ctx[val]
        while self.peek("."):
            self.i += 1
            name = self.peek()
            if not name or name[0] != "ident":
                raise ExpressionError("expected a property name after '.'")
            self.i += 1
            v = next((x for k, x in v.items() if k.lower() == name[1].lower()), None) \
                if isinstance(v, dict) else None
        return v


def evaluate(text, ctx, status=None):
    return _Parser(text, ctx, status).parse()


def evaluate_if(cond, ctx, status):
    """A job's or step's if:, with GitHub's implicit success() when it calls no status function."""
    if cond is None:
        cond = "success()"
    if isinstance(cond, bool):
        return cond
    text = cond.strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2]
    if not any(k == "ident" and v in STATUS_FUNCTIONS for k, v in _tokens(text)):
        text = f"success() && ({text})"
    return truthy(evaluate(text, ctx, status))


def substitute(value, ctx):
    """${{ expr }} in a string, replaced by its value as a string."""
    if not isinstance(value, str):
        return value
    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: to_string(evaluate(m.group(1), ctx)), value)


# ---------- files the runner reads after a step ----------

def read_key_values(path):
    """GITHUB_OUTPUT / GITHUB_ENV: NAME=value lines and NAME<<DELIM heredocs."""
    out = {}
    lines = pathlib.Path(path).read_text().split("\n") if os.path.exists(path) else []
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            body = []
            while i < len(lines) and lines[i] != delim:
                body.append(lines[i])
                i += 1
            if i >= len(lines):
                raise ValueError(f"{path}: no closing {delim}")
            i += 1
            out[name] = "\n".join(body)
        elif "=" in line:
            name, value = line.split("=", 1)
            out[name] = value
        else:
            raise ValueError(f"{path}: cannot read {line!r}")
    return out


_COMMAND = re.compile(r"^::(error|warning|notice)(?: ([^:]*))?::(.*)$")


# ---------- results ----------

class Step:
    def __init__(self, sid, name):
        self.id, self.name = sid, name
        self.outcome = self.conclusion = "skipped"
        self.outputs, self.log, self.returncode = {}, "", None


class Job:
    def __init__(self, name):
        self.name = name
        self.result = "skipped"
        self.steps, self.outputs, self.summary, self.annotations = [], {}, "", []

    @property
    def log(self):
        return "\n".join(f"--- {s.name or s.id}: {s.outcome}\n{s.log}" for s in self.steps)

    def step(self, sid):
        return next(s for s in self.steps if s.id == sid)


class Run:
    def __init__(self, jobs, artifacts):
        self.jobs, self.artifacts = jobs, artifacts

    def __getitem__(self, name):
        return self.jobs[name]

    def results(self):
        return {n: j.result for n, j in self.jobs.items()}

    @property
    def summary(self):
        return "".join(j.summary for j in self.jobs.values())

    @property
    def log(self):
        return "\n".join(f"===== {n}: {j.result}\n{j.log}" for n, j in self.jobs.items())


# ---------- the runner ----------

class Runner:
    """workflow: path of the YAML; origin: the git repository pushed to; base: a scratch directory.
    secrets, vars: the repository's; environments: {name: {secret: value}}; pgshift: the binary that the
    composite action `action_source` provides; machine_env: the runner machine's own environment."""

    def __init__(self, workflow, origin, base, *, pgshift, action_source, secrets=None, vars=None,
                 environments=None, machine_env=None):
        self.doc = yaml.safe_load(pathlib.Path(workflow).read_text())
        self.origin, self.base = pathlib.Path(origin), pathlib.Path(base)
        self.pgshift, self.action_source = pathlib.Path(pgshift), action_source
        self.secrets, self.vars = dict(secrets or {}), dict(vars or {})
        self.environments = environments or {}
        self.machine_env = dict(machine_env or {})
        self.runs = 0

    def git(self, *args, cwd):
        return subprocess.run(["git", *args], cwd=cwd, env={**os.environ, **GIT_ENV}, check=True,
                              capture_output=True, text=True).stdout.strip()

    def run(self, event, inputs=None, before=None):
        """event: push (before: the sha before the push) or workflow_dispatch (inputs)."""
        self.runs += 1
        on = self.doc.get(True, self.doc.get("on"))
        if event not in on:
            raise ValueError(f"the workflow does not run on {event}")
        declared = on[event].get("inputs", {}) if event == "workflow_dispatch" and on[event] else {}
        given = dict(inputs or {})
        unknown = set(given) - set(declared)
        if unknown:
            raise ValueError(f"no such inputs: {sorted(unknown)}")
        ins = {k: given.get(k, d.get("default", "")) for k, d in declared.items()}
        for k, d in declared.items():
            if d.get("type") == "choice" and ins[k] not in d["options"]:
                raise ValueError(f"input {k}={ins[k]!r} is not one of {d['options']}")
        sha = self.git("rev-parse", "HEAD", cwd=self.origin)
        paths = (on.get("push") or {}).get("paths") if event == "push" else None
        if paths and before:
            touched = self.git("diff", "--name-only", before, sha, cwd=self.origin).split("\n")
            if not any(_glob(p).fullmatch(f) for p in paths for f in touched):
                return Run({}, None)      # the push does not trigger the workflow
        run_dir = self.base / f"run{self.runs}"
        run_dir.mkdir(parents=True)
        event_payload = {"before": before, "after": sha} if event == "push" else {"inputs": ins}
        (run_dir / "event.json").write_text(json.dumps(event_payload))
        github = {"event_name": event, "sha": sha, "ref": "refs/heads/main", "ref_name": "main",
                  "repository": "acme/app", "event": event_payload, "run_id": str(self.runs),
                  "workspace": None}
        artifacts = run_dir / "artifacts"
        top = {"github": github, "vars": self.vars, "inputs": ins if event == "workflow_dispatch" else {}}
        wf_env = {k: to_string(substitute(v, {**top, "secrets": self.secrets}))
                  for k, v in (self.doc.get("env") or {}).items()}
        jobs = {}
        for name in self._order():
            jobs[name] = self._job(name, self.doc["jobs"][name], jobs, top, wf_env, run_dir, artifacts)
        return Run(jobs, artifacts)

    def _order(self):
        jobs, done, order = self.doc["jobs"], set(), []
        while len(order) < len(jobs):
            ready = [n for n in jobs if n not in done and all(x in done for x in self._needs(jobs[n]))]
            if not ready:
                raise ValueError("needs: has a cycle or names an unknown job")
            for n in ready:
                done.add(n)
                order.append(n)
        return order

    @staticmethod
    def _needs(job):
        n = job.get("needs", [])
        return [n] if isinstance(n, str) else list(n)

    def _job(self, name, spec, jobs, top, wf_env, run_dir, artifacts):
        job = Job(name)
        needs = {n: {"result": jobs[n].result, "outputs": jobs[n].outputs} for n in self._needs(spec)}

        def job_status(fn):
            ok = all(v["result"] == "success" for v in needs.values())
            return {"success": ok, "always": True, "failure": not ok, "cancelled": False}[fn]

        if not evaluate_if(spec.get("if"), {**top, "needs": needs}, job_status):
            return job
        secrets = {**self.secrets, **self.environments.get(spec.get("environment"), {})} \
            if spec.get("environment") is None or spec.get("environment") in self.environments else None
        if secrets is None:
            raise ValueError(f"job {name}: environment {spec['environment']!r} is not set up")
        workspace = run_dir / name / "workspace"
        temp = run_dir / name / "temp"
        workspace.mkdir(parents=True)
        temp.mkdir()
        github = {**top["github"], "workspace": str(workspace)}
        runner = {"os": "Linux", "arch": "X64", "temp": str(temp), "tool_cache": str(run_dir / "toolcache")}
        ctx = {**top, "github": github, "needs": needs, "secrets": secrets, "runner": runner, "env": wf_env}
        job_env = {**wf_env, **{k: to_string(substitute(v, ctx)) for k, v in (spec.get("env") or {}).items()}}
        added_env, path_dirs, steps_ctx = {}, [], {}
        failed = False
        job.result = "success"
        for n, sspec in enumerate(spec["steps"]):
            step = Step(sspec.get("id", f"__{n}"), sspec.get("name") or sspec.get("uses") or sspec.get("run", ""))
            job.steps.append(step)
            sctx = {**ctx, "steps": steps_ctx, "env": {**job_env, **added_env}, "job": {"status": "failure"
                                                                                      if failed else "success"}}

            def step_status(fn, failed=failed):
                return {"success": not failed, "always": True, "failure": failed, "cancelled": False}[fn]

            if not evaluate_if(sspec.get("if"), sctx, step_status):
                steps_ctx[step.id] = {"outcome": "skipped", "conclusion": "skipped", "outputs": {}}
                continue
            env = {**job_env, **added_env,
                   **{k: to_string(substitute(v, sctx)) for k, v in (sspec.get("env") or {}).items()}}
            files = {k: temp / f"{k.lower()}_{n}" for k in
                     ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY")}
            for f in files.values():
                f.write_text("")
            if "uses" in sspec:
                rc, log = self._action(sspec, sctx, workspace, artifacts, files, path_dirs, run_dir)
            else:
                rc, log = self._shell(substitute(sspec["run"], sctx), env, files, path_dirs, github, runner,
                                      workspace, run_dir, sspec.get("working-directory"))
            step.returncode, step.log = rc, log
            step.outputs = read_key_values(files["GITHUB_OUTPUT"])
            added_env.update(read_key_values(files["GITHUB_ENV"]))
            path_dirs = [p for p in files["GITHUB_PATH"].read_text().split("\n") if p][::-1] + path_dirs
            job.summary += files["GITHUB_STEP_SUMMARY"].read_text()
            for line in log.split("\n"):
                m = _COMMAND.match(line)
                if m:
                    job.annotations.append((m.group(1), m.group(2) or "", m.group(3)))
            step.outcome = "success" if rc == 0 else "failure"
            step.conclusion = "success" if rc == 0 or sspec.get("continue-on-error") is True else "failure"
            if step.conclusion == "failure":
                failed = True
            steps_ctx[step.id] = {"outcome": step.outcome, "conclusion": step.conclusion, "outputs": step.outputs}
        job.result = "failure" if failed else "success"
        octx = {**ctx, "steps": steps_ctx}
        job.outputs = {k: to_string(substitute(v, octx)) for k, v in (spec.get("outputs") or {}).items()}
        return job

    def _base_env(self, github, runner, workspace, run_dir, files, path_dirs):
        path = ":".join([*path_dirs, os.environ.get("PATH", "/usr/bin:/bin")])
        env = {"PATH": path, "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8", "CI": "true",
               "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": github["event_name"], "GITHUB_SHA": github["sha"],
               "GITHUB_REF": github["ref"], "GITHUB_REPOSITORY": github["repository"],
               "GITHUB_WORKSPACE": str(workspace), "GITHUB_EVENT_PATH": str(run_dir / "event.json"),
               "GITHUB_RUN_ID": github["run_id"], "RUNNER_OS": runner["os"], "RUNNER_ARCH": runner["arch"],
               "RUNNER_TEMP": runner["temp"], "RUNNER_TOOL_CACHE": runner["tool_cache"]}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                env[k] = os.environ[k]
        env.update(self.machine_env)
        env.update({k: str(v) for k, v in files.items()})
        return env

    def _shell(self, script, env, files, path_dirs, github, runner, workspace, run_dir, workdir):
        script_file = pathlib.Path(runner["temp"]) / f"step{len(os.listdir(runner['temp']))}.sh"
        script_file.write_text(script)
        full = {**self._base_env(github, runner, workspace, run_dir, files, path_dirs), **env}
        p = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)],
                           cwd=workspace / workdir if workdir else workspace, env=full, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, errors="replace", timeout=300)
        return p.returncode, p.stdout

    def _action(self, sspec, ctx, workspace, artifacts, files, path_dirs, run_dir):
        uses = sspec["uses"]
        with_ = {k: to_string(substitute(v, ctx)) for k, v in (sspec.get("with") or {}).items()}
        name = uses.split("@")[0]
        if name == "actions/checkout":
            depth = with_.get("fetch-depth", "1")
            refspec = ["+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"] if depth == "0" \
                else [f"+{ctx['github']['sha']}:refs/remotes/origin/main"]
            self.git("init", "-q", cwd=workspace)
            self.git("remote", "add", "origin", f"file://{self.origin}", cwd=workspace)
            self.git("fetch", "-q", "--no-tags", *([] if depth == "0" else [f"--depth={depth}"]), "origin",
                     *refspec, cwd=workspace)
            self.git("checkout", "-q", "--force", "-B", "main", ctx["github"]["sha"], cwd=workspace)
            return 0, f"checked out {ctx['github']['sha']} (fetch-depth {depth})"
        if name == "actions/cache":
            files["GITHUB_OUTPUT"].write_text("cache-hit=false\n")
            return 0, f"cache {with_.get('key')}: not found"
        if name == "actions/upload-artifact":
            src = pathlib.Path(with_["path"])
            if not src.is_absolute():
                src = workspace / src
            if not src.exists():
                return 0, f"::warning::no files were found with the provided path: {with_['path']}"
            dest = artifacts / with_.get("name", "artifact")
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, dest / src.name)
            return 0, f"uploaded {src.name} as {with_.get('name')}"
        if uses == self.action_source:
            tool = run_dir / "toolcache" / "pgshift"
            tool.mkdir(parents=True, exist_ok=True)
            if not (tool / "pgshift").exists():
                (tool / "pgshift").symlink_to(self.pgshift)
            files["GITHUB_PATH"].write_text(f"{tool}\n")
            return 0, f"pgshift from {uses}"
        raise ValueError(f"the harness does not know the action {uses!r}")
