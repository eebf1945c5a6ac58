import type { Listener } from "./listeners";
import { expression, quoted, ref, secretFromEnv, secretFromFile } from "./encoding";
import { ConfigPlan } from "./plan";

/** Client ids of the objects every server plan creates; later operations reference them. */
export const PLAN_IDS = { domain: "domain", certificate: "certificate", smartHost: "smart-host" } as const;

/** Environment variable that carries the Prometheus basic-auth password into the server container. */
export const METRICS_PASSWORD_ENV = "STALWART_METRICS_PASSWORD";
export const METRICS_USERNAME = "metrics";

export interface SmartHostSpec {
  /** Relay host name. */
  readonly address: string;
  /** The relay's port (the fleet's default is submission, 587). */
  readonly port: number;
  /** TLS from the first byte rather than STARTTLS. */
  readonly implicitTls: boolean;
  readonly username?: string;
  /** Environment variable holding the relay password (from a Secret). */
  readonly passwordEnv?: string;
}

export interface ServerPlanSpec {
  /** The mail domain the server is authoritative for. */
  readonly domain: string;
  /** `SystemSettings.defaultHostname`: the EHLO name, equal to the PTR and MX target. */
  readonly hostname: string;
  /** Listeners the server runs: the same list the Kubernetes ports and policies use. */
  readonly listeners: readonly Listener[];
  /** Mounted certificate files (PEM); without them Stalwart serves its self-signed fallback. @default none */
  readonly tls?: { readonly certificateFile: string; readonly privateKeyFile: string };
  /** Send all outbound mail through a relay (for clusters whose outbound port 25 is blocked). @default direct MX delivery */
  readonly smartHost?: SmartHostSpec;
  /** Inbound spam filtering. A send-only relay turns it off. @default true */
  readonly spamFilter?: boolean;
  /**
   * Whether the server may fetch from the internet (web UI bundle, ASN/geo data, spam rules). A server without
   * HTTPS egress turns them off. @default true
   */
  readonly internet?: boolean;
}

/**
 * The baseline configuration plan of one server, parents first:
 * Domain → listeners → Certificate → SystemSettings → SMTP auth → metrics → tracing → internet fetches → routing.
 * Later features (accounts, DKIM, directories) add operations to the returned plan.
 */
export function buildServerPlan(spec: ServerPlanSpec): ConfigPlan {
  const plan = new ConfigPlan();
  plan.upsert("Domain", PLAN_IDS.domain, ["name"], {
    name: spec.domain,
    isEnabled: true,
    dkimManagement: { "@type": "Manual" },
    dnsManagement: { "@type": "Manual" },
    certificateManagement: { "@type": "Manual" },
    reportAddressUri: `mailto:postmaster@${spec.domain}`,
  });

  // Exactly these listeners: the server creates seven at first boot (pop3s, sieve, imaps, https, …), and a listener
  // the Service does not forward must not stay bound (stalwart v0.16.18 crates/common/src/manager/defaults.rs).
  plan.reconcile(
    "NetworkListener",
    ["name"],
    {},
    Object.fromEntries(
      spec.listeners.map((l) => [
        `listener-${l.name}`,
        { name: l.name, bind: { [`[::]:${l.port}`]: true }, protocol: l.protocol, useTls: l.tls !== "none", tlsImplicit: l.tls === "implicit" },
      ]),
    ),
  );

  if (spec.tls) {
    plan.upsert("Certificate", PLAN_IDS.certificate, ["certificate"], {
      certificate: secretFromFile(spec.tls.certificateFile),
      privateKey: secretFromFile(spec.tls.privateKeyFile),
    });
  }

  plan.update("SystemSettings", {
    defaultHostname: spec.hostname,
    defaultDomainId: ref(PLAN_IDS.domain),
    ...(spec.tls ? { defaultCertificateId: ref(PLAN_IDS.certificate) } : {}),
  });
  // MAIL FROM must be one of the authenticated account's addresses (v0.16's default, stated so it cannot drift).
  plan.update("MtaStageAuth", { mustMatchSender: expression("true") });
  plan.update("Metrics", {
    prometheus: { "@type": "Enabled", authUsername: METRICS_USERNAME, authSecret: secretFromEnv(METRICS_PASSWORD_ENV) },
  });
  // Containers log to stdout; the cluster's log pipeline collects it. Only that tracer: the first-boot `Log` tracer
  // writes to /var/log/stalwart, which the read-only root filesystem does not allow.
  plan.reconcile("Tracer", ["@type"], {}, { "tracer-stdout": { "@type": "Stdout", enable: true, level: "info", ansi: false, multiline: false } });

  if (spec.spamFilter === false) plan.update("SpamSettings", { enable: false, ...(spec.internet === false ? { spamFilterRulesUrl: null } : {}) });
  if (spec.internet === false) {
    // Nothing fetched from the internet (stalwart v0.16.18: the web UI bundle, ASN/geo data, spam rules), so a
    // server without internet egress has no failing fetches; it is managed over JMAP and needs no web UI.
    plan.update("Asn", { "@type": "Disabled" });
    plan.upsert("Application", "web-ui", ["description"], { description: "Stalwart Web Interface", enabled: false });
  }

  if (spec.smartHost) {
    const relay = spec.smartHost;
    plan.upsert("MtaRoute", PLAN_IDS.smartHost, ["name"], {
      "@type": "Relay",
      name: PLAN_IDS.smartHost,
      address: relay.address,
      port: relay.port,
      protocol: "smtp",
      implicitTls: relay.implicitTls,
      ...(relay.username ? { authUsername: relay.username } : {}),
      ...(relay.passwordEnv ? { authSecret: secretFromEnv(relay.passwordEnv) } : {}),
    });
    // Local domains stay local; everything else leaves through the relay.
    plan.update("MtaOutboundStrategy", {
      route: expression(quoted(PLAN_IDS.smartHost), [{ if: "is_local_domain(rcpt_domain)", then: quoted("local") }]),
    });
  }
  return plan;
}
