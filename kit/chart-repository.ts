import { parse as parseYaml } from "yaml";
import { isExactVersion } from "./chart-versions";

/**
 * Lists the versions of a chart in a chart repository, with Node's fetch:
 * - `http(s)://…`: a Helm repository, `GET <repo>/index.yaml`, versions from `entries[<chart>][].version`;
 * - `oci://host/path`: the OCI distribution API, `GET https://host/v2/<path>/<chart>/tags/list` (following
 *   `Link: <…>; rel="next"`), with an anonymous Bearer token when the registry answers 401 with a challenge.
 *   Helm stores a chart version as a tag with `+` replaced by `_`; the mapping is undone here.
 */

export interface RepositoryOptions {
  /** OCI over http instead of https (helm's `--plain-http`), e.g. for a registry on loopback. */
  readonly plainHttp?: boolean;
  /** Per request. */
  readonly timeoutMs: number;
}

/** The repository could not answer (unreachable, HTTP error, unparsable reply, chart absent). */
export class RepositoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RepositoryError";
  }
}

export interface ChartRepository {
  /** Every tag or version the repository lists for `chart`, as listed (after the `_` → `+` mapping for OCI). */
  versions(chart: string): Promise<string[]>;
}

export function openRepository(url: string, options: RepositoryOptions): ChartRepository {
  return url.startsWith("oci://") ? new OciRepository(url, options) : new HelmRepository(url, options);
}

/** Keeps exact versions only (an OCI repository may also hold tags such as `latest` or signatures). */
export const chartVersionsOf = (listed: readonly string[]): string[] => listed.filter(isExactVersion);

class HelmRepository implements ChartRepository {
  private index?: Promise<Record<string, unknown>>;

  constructor(
    private readonly url: string,
    private readonly options: RepositoryOptions,
  ) {}

  async versions(chart: string): Promise<string[]> {
    this.index ??= this.load();
    const entries = await this.index;
    const list = entries[chart];
    if (list === undefined) throw new RepositoryError(`chart ${chart} is not in ${this.indexUrl()}`);
    if (!Array.isArray(list)) throw new RepositoryError(`${this.indexUrl()}: entries.${chart} is not a list`);
    return list.map((e) => (e && typeof e === "object" ? (e as { version?: unknown }).version : undefined)).filter((v): v is string => typeof v === "string");
  }

  private indexUrl = () => `${this.url.replace(/\/+$/, "")}/index.yaml`;

  private async load(): Promise<Record<string, unknown>> {
    const url = this.indexUrl();
    const response = await request(url, {}, this.options.timeoutMs);
    if (!response.ok) throw new RepositoryError(`GET ${url}: HTTP ${response.status}`);
    let index: unknown;
    try {
      index = parseYaml(response.body, { maxAliasCount: -1 });
    } catch (err) {
      throw new RepositoryError(`${url} is not valid YAML: ${(err as Error).message.split("\n")[0]}`);
    }
    const entries = index && typeof index === "object" ? (index as { entries?: unknown }).entries : undefined;
    if (!entries || typeof entries !== "object") throw new RepositoryError(`${url} has no "entries" mapping (not a Helm repository index)`);
    return entries as Record<string, unknown>;
  }
}

class OciRepository implements ChartRepository {
  private readonly base: string;
  private readonly path: string;

  constructor(
    url: string,
    private readonly options: RepositoryOptions,
  ) {
    const parsed = new URL(url);
    this.base = `${options.plainHttp ? "http" : "https"}://${parsed.host}`;
    this.path = parsed.pathname.replace(/^\/+|\/+$/g, "");
  }

  async versions(chart: string): Promise<string[]> {
    const name = this.path === "" ? chart : `${this.path}/${chart}`;
    const tags: string[] = [];
    const seen = new Set<string>();
    let token: string | undefined;
    let next: string | undefined = `${this.base}/v2/${name}/tags/list`;
    while (next !== undefined) {
      if (seen.has(next)) throw new RepositoryError(`${next}: the registry's pagination loops`);
      seen.add(next);
      const url: string = next;
      let response = await request(url, token ? { authorization: `Bearer ${token}` } : {}, this.options.timeoutMs);
      if (response.status === 401 && token === undefined) {
        token = await this.anonymousToken(response, url, name);
        response = await request(url, { authorization: `Bearer ${token}` }, this.options.timeoutMs);
      }
      if (response.status === 404) throw new RepositoryError(`chart ${chart} is not in ${this.base}/v2/${name} (HTTP 404)`);
      if (!response.ok) throw new RepositoryError(`GET ${url}: HTTP ${response.status}`);
      const body = json(response, `GET ${url}`);
      const page = body && typeof body === "object" ? (body as { tags?: unknown }).tags : undefined;
      if (page !== null && page !== undefined && !Array.isArray(page)) throw new RepositoryError(`GET ${url}: "tags" is not a list`);
      for (const tag of page ?? []) if (typeof tag === "string") tags.push(tag.replace(/_/g, "+"));
      next = nextLink(response.headers.get("link"), url);
    }
    return tags;
  }

  /** The distribution spec's token flow: the `WWW-Authenticate: Bearer realm=…,service=…` challenge, pull scope. */
  private async anonymousToken(challenge: Reply, url: string, name: string): Promise<string> {
    const header = challenge.headers.get("www-authenticate") ?? "";
    const params = bearerParams(header);
    if (params?.realm === undefined) throw new RepositoryError(`GET ${url}: HTTP 401 without a Bearer challenge (${header || "no WWW-Authenticate header"})`);
    const tokenUrl = new URL(params.realm, url);
    if (params.service !== undefined) tokenUrl.searchParams.set("service", params.service);
    tokenUrl.searchParams.set("scope", `repository:${name}:pull`);
    const response = await request(tokenUrl.toString(), {}, this.options.timeoutMs);
    if (!response.ok) throw new RepositoryError(`anonymous token from ${tokenUrl.origin}${tokenUrl.pathname}: HTTP ${response.status}`);
    const body = (json(response, `anonymous token from ${tokenUrl.origin}${tokenUrl.pathname}`) ?? {}) as { token?: unknown; access_token?: unknown };
    const token = typeof body.token === "string" ? body.token : body.access_token;
    if (typeof token !== "string" || token === "") throw new RepositoryError(`anonymous token from ${tokenUrl.origin}${tokenUrl.pathname}: no token in the reply`);
    return token;
  }
}

/** `Bearer realm="…",service="…",scope="…"` → its parameters; undefined for another scheme. */
export function bearerParams(header: string): Record<string, string> | undefined {
  const match = /^\s*Bearer\s+(.*)$/i.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const m of match[1].matchAll(/([A-Za-z_]+)\s*=\s*(?:"([^"]*)"|([^,\s]*))/g)) params[m[1].toLowerCase()] = m[2] ?? m[3];
  return params;
}

/** The `rel="next"` target of a `Link` header, resolved against the request URL. */
export function nextLink(header: string | null, base: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(",")) {
    const m = /<([^>]*)>\s*;(.*)$/.exec(part.trim());
    if (m && /\brel\s*=\s*"?next"?/i.test(m[2])) return new URL(m[1], base).toString();
  }
  return undefined;
}

interface Reply {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: Headers;
  readonly body: string;
}

/** One GET, body read in full, under one timeout; every failure is a {@link RepositoryError}. */
async function request(url: string, headers: Record<string, string>, timeoutMs: number): Promise<Reply> {
  try {
    const response = await fetch(url, { headers: { accept: "application/json, application/yaml, */*", ...headers }, signal: AbortSignal.timeout(timeoutMs) });
    return { status: response.status, ok: response.ok, headers: response.headers, body: await response.text() };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e.name === "TimeoutError" || e.name === "AbortError") throw new RepositoryError(`cannot reach ${url}: no answer within ${timeoutMs / 1000}s`);
    throw new RepositoryError(`cannot reach ${url}: ${e.cause?.code ?? e.cause?.message ?? e.message}`);
  }
}

function json(reply: Reply, what: string): unknown {
  try {
    return JSON.parse(reply.body);
  } catch {
    throw new RepositoryError(`${what}: the reply is not JSON`);
  }
}
