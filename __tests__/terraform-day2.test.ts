/**
 * Day-2 behaviour on real Terraform, offline: what a later plan does after a change or with time moved on.
 * Rotation across consecutive periods (login continuity, DKIM stages), the PTR left alone by Service changes,
 * and the OpenBao write-only version following every metadata change.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as audit from "../constructs/credentials/audit";
import { parsePlan } from "../stalwart/plan";
import { publishedRecords } from "./helpers/applied-checks";
import { OfflineStack } from "./helpers/offline-apply";
import { describeWithTerraform } from "./helpers/terraform-cli";
import type { Json, TfJson } from "./helpers/terraform-json";
import { writeFleet } from "./helpers/test-fleets";

const DAY = 86_400_000;
const original = audit.auditMetadata;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
/** The start of the 180-day rotation period after the one holding `ms` (periods count from 1970-01-01). */
const nextPeriod = (ms: number, days = 180) => (Math.floor(ms / DAY / days) + 1) * days * DAY;
const fresh = (stack: string, json: TfJson) => OfflineStack.create(mkdtempSync(join(tmpdir(), `day2-${stack}-`)), json);
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));

interface Login {
  readonly user: string;
  readonly password: string;
}

interface Snapshot {
  readonly at: string;
  /** The login OpenBao holds (what consumers read). */
  readonly openbao: Login;
  /** Logins the server's plan lets send at `at` (a User account's one Password, until its expiry). */
  readonly accepted: readonly (Login & { expiresAt?: string })[];
  /** Active DKIM public keys per algorithm, and every published DKIM key. */
  readonly activeDkim: Readonly<Record<string, readonly string[]>>;
  readonly publishedDkim: ReadonlySet<string>;
}

/** What one apply of the relay left: OpenBao's submission login, the logins that can send, the DKIM stages. */
function snapshot(offline: OfflineStack, at: string): Snapshot {
  const state = offline.state();
  const computed = offline.computed();
  const byHash = new Map([...computed].filter(([a]) => a.startsWith("random_password.submission")).map(([, v]) => [v.bcrypt_hash as string, v.result as string]));
  const seed = JSON.parse([...computed].find(([a]) => a.startsWith("vault_kv_secret_v2.submission"))![1].data_json_wo);
  const plan = parsePlan([...state.values()].find((r) => r.input.data?.["plan.ndjson"])!.input.data["plan.ndjson"]);
  const domain = (plan.find((op) => op.object === "Domain")!.value as Json).domain.name;
  const users = plan
    .filter((op) => op.object === "Account")
    .flatMap((op) => Object.values(op.value as Record<string, Json>))
    .filter((a) => a["@type"] === "User" && String(a.name).startsWith("noreply-"));
  // stalwart v0.16.18: one Password per account, the only one it logs in with.
  const accepted = users.map((a) => {
    const [credential] = Object.values(a.credentials) as { secret: string; expiresAt?: string | null }[];
    return { user: `${a.name}@${domain}`, password: byHash.get(credential.secret)!, expiresAt: credential.expiresAt ?? undefined };
  });
  // Each signature's key as DNS publishes it (its selector's record); a unit test ties record, file and key together.
  const published = new Map(publishedRecords(state).filter((r) => r.fqdn.includes("._domainkey.")).map((r) => [r.fqdn.split("._domainkey.")[0], r.values[0].slice(r.values[0].indexOf("p=") + 2)]));
  const activeDkim: Record<string, string[]> = {};
  for (const op of plan.filter((o) => o.object === "DkimSignature" && o["@type"] !== "destroy")) {
    for (const sig of Object.values(op.value as Record<string, Json>)) if (sig.stage === "active") (activeDkim[sig["@type"]] ??= []).push(published.get(sig.selector)!);
  }
  return { at, openbao: { user: seed.user, password: seed.password }, accepted, activeDkim, publishedDkim: new Set(published.values()) };
}

/** Whether `login` can send at the snapshot's time: its account's password, not expired (an expired one cannot send). */
const accepts = (s: Snapshot, login: Login) => s.accepted.some((c) => c.user === login.user && c.password === login.password && (c.expiresAt === undefined || c.expiresAt > s.at));
/** The logins that can send at the snapshot's time. */
const sending = (s: Snapshot) => s.accepted.filter((c) => accepts(s, c)).map((c) => c.user).sort();

describeWithTerraform("day 2 on real terraform", () => {
  const stacks = writeFleet("example");
  const relay = stacks.find((s) => s.name === "fsn1-mail")!;

  /** Applies the relay at `dates` in order (a fresh state) and checks login continuity and DKIM stages at each. */
  function rotateThrough(dates: readonly number[]): Snapshot[] {
    const offline = fresh(relay.name, relay.json);
    const snapshots: Snapshot[] = [];
    for (const at of dates.map(iso)) {
      offline.apply(at);
      snapshots.push(snapshot(offline, at));
    }
    snapshots.forEach((s, i) => {
      // What OpenBao holds (and consumers read after this apply) logs in.
      expect(accepts(s, s.openbao)).toBe(true);
      // Exactly one active key per algorithm.
      expect(Object.values(s.activeDkim).map((keys) => keys.length)).toEqual([1, 1]);
      if (i === 0) return;
      const before = snapshots[i - 1];
      // What consumers held before this apply still logs in until they refresh (the overlap window).
      expect(accepts(s, before.openbao)).toBe(true);
      // A key signs only once its record was already published by the apply before.
      for (const [key] of Object.values(s.activeDkim)) expect(before.publishedDkim.has(key)).toBe(true);
    });
    return snapshots;
  }

  const start = Date.parse("2026-12-01T10:00:00Z");
  const boundary = (n: number) => Array.from({ length: n }).reduce<number>((t) => nextPeriod(t), start);

  it("rotates across consecutive periods with no login gap and signs only with keys the previous apply already published", () => {
    const [p1, p2] = [boundary(1), boundary(2)];
    // Applies within a period, right after each boundary, inside and after the overlap window.
    const s = rotateThrough([start, start + DAY, p1 + 3600_000, p1 + 2 * DAY, p1 + 8 * DAY, p2 + 3600_000, p2 + 8 * DAY]);
    // The first deploy lets only the login consumers are given send.
    expect(sending(s[0])).toEqual([s[0].openbao.user]);
    // The rotations happened: a new login at each boundary, the previous one stopped after the window.
    expect(new Set(s.map((x) => x.openbao.password)).size).toBe(3);
    expect(s[2].openbao).not.toEqual(s[1].openbao);
    expect(sending(s[3])).toHaveLength(2);
    expect(sending(s[4])).toEqual([s[4].openbao.user]);
  });

  it.each([2, 5])("rotates once, keeping what consumers hold, when %i periods pass between applies", (gap) => {
    const later = boundary(gap) + 3600_000;
    const s = rotateThrough([start, later, later + 2 * DAY, boundary(gap + 1) + 3600_000]);
    expect(s[1].openbao.password).not.toBe(s[0].openbao.password);
    expect(sending(s[1])).toEqual([s[0].openbao.user, s[1].openbao.user].sort());
  });

  it("leaves the PTR records alone when the mail Service changes (the load balancer lookup is not deferred)", () => {
    const nbg1 = writeFleet("every-feature").find((s) => s.name === "nbg1-mail")!;
    const offline = fresh(nbg1.name, nbg1.json);
    const now = "2026-12-01T10:00:00Z";
    // The first deploy, then the apply that removes its bootstrap Secret: a settled stack.
    offline.apply(now);
    offline.apply(now);
    const changed = clone(nbg1.json);
    const service = Object.values(changed.resource.kubernetes_service_v1 as Record<string, Json>).find((s) => s.spec.type === "LoadBalancer")!;
    service.metadata.labels = { ...service.metadata.labels, "example.org/changed": "yes" };
    offline.configure(changed);
    const changes = offline.plan(now);
    expect(changes.map((c) => `${c.address} ${c.actions}`)).toEqual([expect.stringMatching(/^kubernetes_service_v1\.\S+ update$/)]);
  });

  it("sends the OpenBao value again whenever its custom metadata changes (the vault provider fails otherwise)", () => {
    const offline = fresh(relay.name, relay.json);
    const now = "2026-12-01T10:00:00Z";
    offline.apply(now);
    offline.apply(now);
    // An upgrade that records one more audit key: synthesized again by the real code with that change.
    const withKey = jest.spyOn(audit, "auditMetadata").mockImplementation((record) => ({ ...original(record), "sovereign-mail.openova.io/new-audit-key": "added by an upgrade" }));
    const changed = writeFleet("example").find((s) => s.name === relay.name)!.json;
    withKey.mockRestore();
    offline.configure(changed);
    const changes = offline.plan(now).filter((c) => c.address.startsWith("vault_kv_secret_v2."));
    expect(changes).toHaveLength(5);
    // hashicorp/vault v5.6.0 vault/resource_kv_secret_v2.go reads data_json_wo on update only when this changed.
    for (const c of changes) expect(c.after.input.data_json_wo_version).not.toEqual(c.before.input.data_json_wo_version);
  });
});
