"""Rewrite a variable that connects to a compose datastore so it points at the managed one.

``REDIS_HOST=redis`` becomes ``${cache.host}``, ``VALKEY_ADDR=valkey:6379`` becomes
``${cache.host}:${cache.port}``, ``DATABASE_URL=postgres://db/shop`` becomes
``postgres://${db.host}:${db.port}/${db.name}?sslmode=require`` and
``Host=db;Database=shop`` becomes ``Host=${db.host};Port=${db.port};Database=${db.name};
SSL Mode=Require``: the application keeps reading its own variable (spec/datastore_refs.py),
with the TLS the managed service requires stated in the value.

A credential inside the value (``postgres://shop:s3cret@db/shop``, ``Password=Pass@word``)
cannot be written into the spec, and ECS cannot splice a secret into a plain value: such a
variable is built when the container starts, and :func:`shell_line` gives the exact line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..spec.datastore_refs import ATTRIBUTES, ROTATED, escape

# What each managed service requires of a client's transport (the generated components:
# rds.force_ssl / require_secure_transport, ElastiCache transit encryption "required",
# DocumentDB tls=enabled, Amazon MQ's AMQPS-only endpoints), as the report states it.
TLS_TEXT = {
    "postgres": "TLS is required: sslmode=require (or verify-full with the RDS CA bundle)",
    "mysql": "TLS is required: ssl-mode=REQUIRED",
    "mariadb": "TLS is required: ssl-mode=REQUIRED",
    "sqlserver": "TLS is required: Encrypt=True",
    "redis": "TLS is required: rediss:// (or ssl=true), and the AUTH token (<P>_PASSWORD)",
    "mongodb": "TLS is required: tls=true with the RDS CA bundle",
    "rabbitmq": "TLS is required: amqps:// on port 5671, as the broker's user (<P>_USERNAME)",
    "memcached": "TLS is required: the client's TLS option",
}
# The same requirement written into a value: a URL's scheme, a URL query parameter, a
# key=value connection string's pair (Npgsql, Microsoft.Data.SqlClient, MySqlConnector),
# StackExchange.Redis's option.
_SECURE_SCHEME = {"redis": "rediss", "amqp": "amqps"}
_URL_OPTIONS: dict[str, dict[str, str]] = {
    "postgres": {"sslmode": "require"},
    "mysql": {"ssl-mode": "REQUIRED"},
    "mariadb": {"ssl-mode": "REQUIRED"},
    # DocumentDB: TLS, its replica set, and no retryable writes (document_db.py's _URL).
    "mongodb": {
        "tls": "true",
        "replicaSet": "rs0",
        "readPreference": "secondaryPreferred",
        "retryWrites": "false",
    },
}
_PAIR_TLS = {
    "postgres": ("SSL Mode", "Require"),
    "sqlserver": ("Encrypt", "True"),
    "mysql": ("SslMode", "Required"),
    "mariadb": ("SslMode", "Required"),
}
# Settings that turn TLS off or contradict the managed service's: dropped from the value.
_TLS_KEYS = re.compile(
    r"^(sslmode|ssl[ _-]?mode|ssl|tls|encrypt|use ?ssl|trustservercertificate)$", re.I
)
_HOST_KEYS = re.compile(r"^(host|server|data source|address|addr)$", re.I)
_PORT_KEYS = re.compile(r"^port$", re.I)
_DB_KEYS = re.compile(r"^(database|initial catalog|db)$", re.I)
_CREDENTIAL_KEYS = re.compile(r"^(password|pwd|user ?id|uid|user ?name|user)$", re.I)
_URL = re.compile(
    r"^(?P<scheme>(?:jdbc:)?[A-Za-z][A-Za-z0-9+.-]*)://(?:(?P<userinfo>[^@/?#]*)@)?"
    r"(?P<host>[^:/?#,]+)(?::(?P<port>\d+))?(?P<path>/[^?#]*)?(?:\?(?P<query>[^#]*))?$"
)


@dataclass(frozen=True)
class Ref:
    """``${store.attribute}`` in the rewritten value."""

    attribute: str


@dataclass(frozen=True)
class Credential:
    """Where a credential went in the value: ``username`` or ``password``."""

    key: str


Part = str | Ref | Credential


@dataclass(frozen=True)
class Rewrite:
    """The value rebuilt from the datastore's attributes, and what kind of value it was."""

    shape: str  # host | host:port | URL | connection string
    parts: tuple[Part, ...]

    @property
    def embedded(self) -> bool:
        """A credential sits inside: it cannot be a spec value."""
        return any(isinstance(p, Credential) for p in self.parts)

    def spec_value(self, store: str) -> str:
        return "".join(
            escape(p) if isinstance(p, str) else f"${{{store}.{p.attribute}}}"
            for p in self.parts
            if not isinstance(p, Credential)
        )


def rewrite(variable: str, value: str, hosts: set[str], engine: str) -> Rewrite | None:
    """The value pointed at the managed datastore, or None when its shape is not known."""
    text = value.strip()
    if text.lower() in hosts:
        if engine == "redis" and "connectionstring" in variable.lower():
            # .NET reads ConnectionStrings__* as a StackExchange.Redis configuration.
            return _redis_options("")
        return Rewrite("host", (Ref("host"),))
    match = re.fullmatch(r"([^:/\s]+):(\d+)", text)
    if match and match.group(1).lower() in hosts:
        return Rewrite("host:port", (Ref("host"), ":", Ref("port")))
    url = _URL.match(text)
    if url and url.group("host").lower() in hosts:
        return _url(url, engine)
    redis = re.fullmatch(r"([^:,=;\s]+)(?::\d+)?(,.*)", text)
    if engine == "redis" and redis and redis.group(1).lower() in hosts:
        return _redis_options(redis.group(2))
    if re.match(r"^\s*[A-Za-z][\w ]*=", text):
        return _pairs(text, hosts, engine)
    return None


def _url(url: re.Match[str], engine: str) -> Rewrite:
    scheme = url.group("scheme")
    jdbc = "jdbc:" if scheme.lower().startswith("jdbc:") else ""
    base = scheme[len(jdbc) :]
    parts: list[Part] = [jdbc + _SECURE_SCHEME.get(base.lower(), base) + "://"]
    userinfo = url.group("userinfo")
    if engine == "redis":  # ElastiCache refuses a client without the AUTH token (NOAUTH)
        parts += [":", Credential("password"), "@"]
    elif engine == "rabbitmq" or userinfo is not None:  # Amazon MQ: no anonymous guest
        parts += [Credential("username")]
        parts += [":", Credential("password")] if engine == "rabbitmq" or ":" in userinfo else []
        parts += ["@"]
    parts += [Ref("host"), ":", Ref("port")]
    path = url.group("path") or ""
    if "name" in ATTRIBUTES.get(engine, ()) and re.fullmatch(r"/[^/]+", path):
        parts += ["/", Ref("name")]
    elif path:
        parts += [path]
    query: list[Part] = []
    for item in (q for q in (url.group("query") or "").split("&") if q):
        key = item.split("=", 1)[0]
        if _CREDENTIAL_KEYS.match(key):
            secret = "password" if key.lower() in ("password", "pwd") else "username"
            query += ["&" if query else "", f"{key}=", Credential(secret)]
        elif not _TLS_KEYS.match(key) and key not in _URL_OPTIONS.get(engine, {}):
            query += ["&" if query else "", item]
    for key, value in _URL_OPTIONS.get(engine, {}).items():
        query += ["&" if query else "", f"{key}={value}"]
    if query:
        parts += ["" if path else "/", "?", *query]
    return Rewrite("URL", tuple(parts))


def _redis_options(options: str) -> Rewrite:
    """StackExchange.Redis ``host:port,option=value,...``: TLS is ``ssl=true``."""
    parts: list[Part] = [Ref("host"), ":", Ref("port")]
    for option in (o for o in options.split(",") if o.strip()):
        key = option.split("=", 1)[0].strip()
        if key.lower() not in ("password", "user") and not _TLS_KEYS.match(key):
            parts += ["," + option]
    # ElastiCache refuses a client without the AUTH token, so the password always goes in.
    parts += [",password=", Credential("password"), ",ssl=true"]
    return Rewrite("connection string", tuple(parts))


def _pairs(text: str, hosts: set[str], engine: str) -> Rewrite | None:
    """``Key=value;...`` (ADO.NET, Npgsql, ODBC): host, port and database replaced."""
    parts: list[Part] = []
    found = False
    has_port = any(_PORT_KEYS.match(s.split("=", 1)[0].strip()) for s in text.split(";"))
    for segment in (s for s in text.split(";") if s.strip()):
        if "=" not in segment:
            return None
        key, value = (x.strip() for x in segment.split("=", 1))
        pieces: list[Part]
        if _HOST_KEYS.match(key):
            address = re.fullmatch(r"(?:tcp:)?([^,:]+)(?:[,:](\d+))?", value, re.I)
            if address is None or address.group(1).lower() not in hosts:
                return None
            found = True
            pieces = [Ref("host")]
            if engine == "sqlserver" and (address.group(2) or not has_port):
                pieces += [",", Ref("port")]  # SQL Server: `Server=host,1433`
            elif address.group(2):
                pieces += [":", Ref("port")]
            elif not has_port:
                pieces += [";Port=", Ref("port")]  # Npgsql, MySqlConnector: a Port key
        elif _PORT_KEYS.match(key):
            pieces = [Ref("port")]
        elif _DB_KEYS.match(key) and "name" in ATTRIBUTES.get(engine, ()):
            pieces = [Ref("name")]
        elif _CREDENTIAL_KEYS.match(key):
            secret = "password" if key.lower() in ("password", "pwd") else "username"
            pieces = [Credential(secret)]
        elif _TLS_KEYS.match(key):
            continue
        else:
            pieces = [value]
        parts += [";"] if parts else []
        parts += [f"{key}=", *pieces]
    if not found:
        return None
    if engine in _PAIR_TLS:
        key, value = _PAIR_TLS[engine]
        parts += [f";{key}={value}"]
    return Rewrite("connection string", tuple(parts))


def shell_line(variable: str, rewrite: Rewrite, prefix: str, engine: str) -> str:
    """The entrypoint line that builds ``variable`` at start, credential included.

    Endpoints come from the injected ``<PREFIX>_*`` variables; the credential from the
    ``$user``/``$pass`` (``$user_uri``/``$pass_uri`` inside a URL) the entrypoint reads from
    ``<PREFIX>_SECRET_ARN`` for an engine AWS rotates (docs/import.md, "Connection
    strings"), else from the injected ``<PREFIX>_USERNAME``/``_PASSWORD`` secrets.
    """
    rotated = engine in ROTATED
    in_url = rewrite.shape == "URL"
    out = []
    for part in rewrite.parts:
        if isinstance(part, Ref):
            out.append(f"${prefix}_{part.attribute.upper()}")
        elif isinstance(part, Credential):
            short = "user" if part.key == "username" else "pass"
            injected = f"${prefix}_{'USERNAME' if part.key == 'username' else 'PASSWORD'}"
            if rotated:
                out.append(f"${short}_uri" if in_url else f"${short}")
            else:
                out.append(f'$(printf %s "{injected}" | jq -sRr @uri)' if in_url else injected)
        else:
            out.append(re.sub(r'(["\\$`])', r"\\\1", part))
    return f'export {variable}="{"".join(out)}"'
